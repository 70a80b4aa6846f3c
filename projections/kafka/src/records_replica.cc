#include "smeledger/projections_kafka/records_replica.h"

#include <spdlog/spdlog.h>

#include <time.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "smeledger/ledger_kafka/admin.h"
#include "smeledger/ledger_kafka/client.h"

namespace smeledger::projections_kafka {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kPollSlice{100};         // how often the stop flag is looked at
constexpr milliseconds kWatermarkTimeout{2000};  // the status thread's end-offset query
constexpr milliseconds kRetryLogEvery{5000};     // one retry line per this, with a count

// CPU time of the calling thread.
double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
}

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// The consumer defaults of a replica (records_replica.h); the user's -X properties come after.
// librdkafka (2.0 in Debian 12) stops fetching a partition once its local queue holds
// queued.min.messages or queued.max.messages.kbytes, and looks again only when its broker
// thread wakes, up to a second later: with the default 100,000 messages, a consumer that waits
// for the writer starved for most of that second each time. So the byte bound alone governs
// (64 MiB, about 200,000 records: a second of the writer's work).
ledger_kafka::KafkaProperties ConsumerDefaults() {
  return {
      {"isolation.level", "read_committed"},
      {"auto.offset.reset", "error"},
      {"enable.partition.eof", "true"},
      {"queued.min.messages", "10000000"},
      {"queued.max.messages.kbytes", "65536"},
  };
}

std::string OffsetText(int64_t offset) {
  return offset == kOffsetBeginning ? "the beginning" : "offset " + std::to_string(offset);
}

// "-" before the first offset is known.
std::string NextOffsetText(int64_t next) { return next < 0 ? "-" : std::to_string(next); }

// Logs the head, offsets, lag and rate every status_interval from a thread of its own, so that
// the end-offset query (a request to the partition's leader) never holds up the main loop.
class StatusReporter {
 public:
  StatusReporter(const ReplicaWriter& writer, std::unique_ptr<ledger_kafka::Consumer> consumer,
                 std::string topic, milliseconds interval, std::shared_ptr<spdlog::logger> log,
                 const std::atomic<int64_t>* end_reached)
      : writer_(writer),
        consumer_(std::move(consumer)),
        topic_(std::move(topic)),
        interval_(interval),
        log_(std::move(log)),
        end_reached_(end_reached) {}

  ~StatusReporter() { Stop(); }

  void Start() { thread_ = std::thread([this] { Loop(); }); }

  // Ends the thread and closes its consumer.
  void Stop() {
    {
      std::lock_guard<std::mutex> l(mu_);
      done_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    consumer_.reset();
  }

 private:
  void Loop() {
    uint64_t last_head = writer_.head();
    Clock::time_point last = Clock::now();
    std::unique_lock<std::mutex> l(mu_);
    while (!cv_.wait_for(l, interval_, [this] { return done_; })) {
      l.unlock();
      // Serves the client's own events (its errors are logged then), assigned nothing.
      ledger_kafka::ConsumedMessage unused;
      ledger_kafka::Consumer::Read read;
      consumer_->Poll(milliseconds(0), &unused, &read).IgnoreError();
      int64_t low = -1, high = -1;
      const Status s = consumer_->QueryWatermarks(topic_, 0, kWatermarkTimeout, &low, &high);
      const uint64_t head = writer_.head();
      const double secs = SecondsSince(last);
      const double rate = secs > 0 ? (head - last_head) / secs : 0;
      last_head = head;
      last = Clock::now();
      // Consumed up to: the next offset stored, or the end of the partition once the consumer
      // saw it (transaction markers after the last record count as consumed).
      const int64_t next = std::max(writer_.next_offset(), end_reached_->load());
      std::string end = "end offset unknown (" + s.message() + ")";
      if (s.ok()) {
        const int64_t consumed = std::max<int64_t>(next, 0);
        end = "end offset " + std::to_string(high) + ", lag " +
              std::to_string(std::max<int64_t>(high - consumed, 0));
      }
      log_->info("head {}, projection at {}, next offset {}, {}, {:.0f} records/s", head,
                 writer_.projected(), NextOffsetText(next), end, rate);
      l.lock();
    }
  }

  const ReplicaWriter& writer_;
  std::unique_ptr<ledger_kafka::Consumer> consumer_;
  const std::string topic_;
  const milliseconds interval_;
  std::shared_ptr<spdlog::logger> log_;
  const std::atomic<int64_t>* end_reached_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

// The writer's thread: appends the batches the consumer hands over, one at a time, while the
// consumer fills the next one (two batches in all); brings the projection up to date after a
// batch when catch_up_interval has passed, and does the idle work when asked.
class AppendThread {
 public:
  AppendThread(ReplicaWriter* writer, const RecordsReplicaOptions& options, std::string topic,
               std::shared_ptr<spdlog::logger> log)
      : writer_(writer),
        options_(options),
        topic_(std::move(topic)),
        log_(std::move(log)),
        spare_(writer->NewBatch()) {}

  ~AppendThread() { Finish().IgnoreError(); }

  void Start() {
    started_ = last_catch_up_ = Clock::now();
    head_at_start_ = head_at_log_ = writer_->head();
    thread_ = std::thread([this] { Loop(); });
  }

  // Hands *batch over, replacing it with an empty one, once the previous batch is appended.
  // Returns the writer's first error (nothing is appended after it).
  Status Hand(std::unique_ptr<ReplicaBatch>* batch) {
    const Clock::time_point t = Clock::now();
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [this] { return (!work_ && spare_) || !error_.ok(); });
    hand_wait_seconds_ += SecondsSince(t);
    if (!error_.ok()) return error_;
    work_ = std::move(*batch);
    *batch = std::move(spare_);
    cv_.notify_all();
    return Status::Ok();
  }

  // When the writer is free: the ledger's deferred work and the projection to the head.
  // `at_end`: the consumer has seen the end of the partition since its last message (then the
  // replica has caught up with the topic, which is logged).
  void RequestIdleWork(bool at_end) {
    std::lock_guard<std::mutex> l(mu_);
    if (work_ || !error_.ok()) return;
    idle_requested_ = true;
    idle_at_end_ = at_end;
    cv_.notify_all();
  }

  bool failed() const { return failed_.load(std::memory_order_relaxed); }

  // Appends what was handed over, does the idle work a last time and ends the thread.
  // Returns the writer's first error.
  Status Finish() {
    {
      std::lock_guard<std::mutex> l(mu_);
      done_ = true;
      cv_.notify_all();
    }
    if (thread_.joinable()) thread_.join();
    return error_;
  }

  double hand_wait_seconds() const { return hand_wait_seconds_; }
  double append_seconds() const { return append_seconds_; }
  double catch_up_seconds() const { return catch_up_seconds_; }
  // The writer thread's CPU time. REQUIRES: Finish() returned.
  double cpu_seconds() const { return cpu_seconds_; }

 private:
  void Loop() {
    std::unique_lock<std::mutex> l(mu_);
    for (;;) {
      cv_.wait(l, [this] { return work_ || idle_requested_ || done_; });
      Status s;
      if (work_) {
        ReplicaBatch* batch = work_.get();  // stays in work_ (Hand waits) until appended
        l.unlock();
        s = Append(batch);
        if (s.ok() && Clock::now() - last_catch_up_ >= options_.catch_up_interval) s = CatchUp();
        l.lock();
        spare_ = std::move(work_);
      } else if (idle_requested_ || done_) {
        const bool last = !idle_requested_;
        const bool at_end = idle_at_end_;
        idle_requested_ = false;
        l.unlock();
        s = IdleWork(at_end && !last);
        l.lock();
        if (last) {
          cpu_seconds_ = ThreadCpuSeconds();
          if (error_.ok()) error_ = s;
          failed_ = !error_.ok();
          cv_.notify_all();
          return;
        }
      }
      if (!s.ok()) {
        cpu_seconds_ = ThreadCpuSeconds();
        error_ = s;
        failed_ = true;
        cv_.notify_all();
        return;
      }
      cv_.notify_all();
    }
  }

  Status Append(ReplicaBatch* batch) {
    const Clock::time_point t = Clock::now();
    const uint64_t before = writer_->head();
    Status s = writer_->Append(batch);
    if (writer_->head() != before) dirty_ = true;
    append_seconds_ += SecondsSince(t);
    return s;
  }

  Status CatchUp() {
    const Clock::time_point t = Clock::now();
    projections::CatchUpStats st;
    Status s = writer_->CatchUp(&st);
    catch_up_seconds_ += SecondsSince(t);
    last_catch_up_ = Clock::now();
    if (s.ok() && (st.records > 0 || st.rebuilt))
      log_->debug("projection {}: {} records applied ({} \u2192 {}) in {:.3f} s{}",
                  options_.writer.rules.id, st.records, st.from_position, st.to_position,
                  st.seconds, st.rebuilt ? ", folded from position 1" : "");
    return s;
  }

  // The topic is idle: the ledger's deferred work (once after records), then the projection.
  Status IdleWork(bool at_end) {
    if (dirty_) {
      if (Status s = writer_->Pause(); !s.ok()) return s;
      dirty_ = false;
    }
    if (writer_->projected() != writer_->head() || !caught_up_once_) {
      if (Status s = CatchUp(); !s.ok()) return s;
      caught_up_once_ = true;
    }
    if (at_end) LogCaughtUp();
    return Status::Ok();
  }

  // Records and projection are at the end of what the topic holds: the first time after
  // records arrived, then at most once per status interval.
  void LogCaughtUp() {
    const uint64_t head = writer_->head();
    if (head == head_at_log_) return;
    const Clock::time_point now = Clock::now();
    if (logged_ && now - last_log_ < options_.status_interval) return;
    const double secs = SecondsSince(started_);
    const uint64_t n = head - head_at_start_;
    log_->info("caught up with {}: head {}, projection at {}, next offset {}; {} records "
               "appended in {:.2f} s since the start ({:.0f} records/s)",
               topic_, head, writer_->projected(), NextOffsetText(writer_->next_offset()), n,
               secs, secs > 0 ? n / secs : 0.0);
    head_at_log_ = head;
    last_log_ = now;
    logged_ = true;
  }

  ReplicaWriter* writer_;
  const RecordsReplicaOptions& options_;
  const std::string topic_;
  std::shared_ptr<spdlog::logger> log_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::unique_ptr<ReplicaBatch> spare_;  // empty, for the consumer's next batch
  std::unique_ptr<ReplicaBatch> work_;   // handed over, being appended
  bool idle_requested_ = false;
  bool idle_at_end_ = false;
  bool done_ = false;
  Status error_;
  std::atomic<bool> failed_{false};
  std::thread thread_;

  // The writer thread's own.
  bool dirty_ = false;  // records appended since the last pause
  bool caught_up_once_ = false;
  Clock::time_point started_{}, last_catch_up_{}, last_log_{};
  uint64_t head_at_start_ = 0, head_at_log_ = 0;
  bool logged_ = false;
  double hand_wait_seconds_ = 0, append_seconds_ = 0, catch_up_seconds_ = 0;
  double cpu_seconds_ = 0;
};

class RecordsReplicaImpl final : public RecordsReplica {
 public:
  RecordsReplicaImpl(const RecordsReplicaOptions& options, std::string topic,
                     std::shared_ptr<spdlog::logger> log, std::unique_ptr<ReplicaWriter> writer,
                     std::unique_ptr<ledger_kafka::Consumer> consumer,
                     std::unique_ptr<ledger_kafka::Consumer> watermarks)
      : options_(options),
        topic_(std::move(topic)),
        log_(std::move(log)),
        writer_(std::move(writer)),
        consumer_(std::move(consumer)),
        status_(*writer_, std::move(watermarks), topic_, options.status_interval, log_,
                &end_reached_) {}

  Status Run(const std::atomic<bool>& stop, RecordsReplicaStats* out) override {
    const Clock::time_point t0 = Clock::now();
    const ledger_kafka::TopicPartitionOffset from{topic_, 0, writer_->resume_offset()};
    Status s = consumer_->Assign({&from, 1});
    AppendThread appender(writer_.get(), options_, topic_, log_);
    if (s.ok()) {
      status_.Start();
      appender.Start();
      // First the projection: a new rule set on a replica that holds records folds them now.
      appender.RequestIdleWork(/*at_end=*/false);
      const Status consumed = Consume(stop, &appender);
      const Status written = appender.Finish();
      status_.Stop();
      consumer_.reset();  // its last log lines come before the summary
      // The writer's error concerns an earlier message than the consumer's.
      s = !written.ok() ? written : consumed;
    }
    if (out) {
      out->writer = writer_->stats();
      out->head = writer_->head();
      out->next_offset = writer_->next_offset();
      out->retries = retries_;
      out->seconds = SecondsSince(t0);
    }
    log_->debug("run of {:.2f} s: consumer {:.2f} s in Poll, {:.2f} s waiting for the writer, "
                "{:.2f} s of CPU; writer {:.2f} s appending, {:.2f} s projecting, {:.2f} s of CPU",
                SecondsSince(t0), poll_seconds_, appender.hand_wait_seconds(),
                ThreadCpuSeconds(), appender.append_seconds(), appender.catch_up_seconds(),
                appender.cpu_seconds());
    const ReplicaWriterStats& w = writer_->stats();
    log_->info("{}: {} records appended, {} repeated deliveries skipped in {} batches; head {}, "
               "projection at {}, next offset {}",
               s.ok() ? "stopped" : "stopped on an error", w.appended, w.skipped, w.batches,
               writer_->head(), writer_->projected(), NextOffsetText(writer_->next_offset()));
    return s;
  }

 private:
  // Reads messages into batches and hands each to the writer's thread until `stop`, an error
  // of the consumer (returned) or of the writer (appender->failed()).
  Status Consume(const std::atomic<bool>& stop, AppendThread* appender) {
    std::unique_ptr<ReplicaBatch> batch = writer_->NewBatch();
    Clock::time_point batch_started{};
    bool at_end = false;  // the end of the partition was seen after the last message
    Status error;
    while (!stop.load(std::memory_order_relaxed) && !appender->failed()) {
      const bool had_pending = !batch->empty();
      milliseconds wait = kPollSlice;
      if (had_pending) {
        const auto left = std::chrono::duration_cast<milliseconds>(
            batch_started + options_.batch_delay - Clock::now());
        wait = std::clamp(left, milliseconds(0), kPollSlice);
      }
      ledger_kafka::ConsumedMessage m;
      ledger_kafka::Consumer::Read read;
      const Clock::time_point poll_start = Clock::now();
      const Status polled = consumer_->Poll(wait, &m, &read);
      poll_seconds_ += SecondsSince(poll_start);
      // Idle: nothing came for a whole poll slice with nothing in hand, or the cluster is away.
      bool idle = false;
      if (!polled.ok()) {
        if (!polled.IsRetryable()) {
          // The cluster cannot give us what comes next: keep what is in hand, then stop.
          error = Status::Io(polled.message());
          break;
        }
        LogRetry(polled);
        idle = true;
      } else if (read == ledger_kafka::Consumer::Read::kMessage) {
        at_end = false;
        if (!had_pending) batch_started = Clock::now();
        if (Status s = batch->Add(m.offset, m.key, m.value); !s.ok()) {
          error = s;
          break;
        }
        if (!batch->full() && Clock::now() - batch_started < options_.batch_delay) continue;
      } else if (read == ledger_kafka::Consumer::Read::kEnd) {
        end_reached_.store(m.offset);
        at_end = true;
      } else {
        idle = !had_pending;
      }
      // A full or timed-out batch, or the end of the topic: to the writer.
      if (!batch->empty())
        if (!appender->Hand(&batch).ok()) break;
      if (idle) appender->RequestIdleWork(at_end);
    }
    // Stopped, or an error: what is in hand is appended all the same.
    if (!batch->empty()) appender->Hand(&batch).IgnoreError();  // Finish reports its error
    return error;
  }

  // Retryable consumer errors: the first at once, then one line per kRetryLogEvery with the
  // number of retries since the last line.
  void LogRetry(const Status& s) {
    ++retries_;
    ++unlogged_retries_;
    const Clock::time_point now = Clock::now();
    if (last_retry_log_ != Clock::time_point{} && now - last_retry_log_ < kRetryLogEvery) return;
    log_->warn("{}; waiting and retrying ({} retr{} since the last such line)", s.message(),
               unlogged_retries_, unlogged_retries_ == 1 ? "y" : "ies");
    unlogged_retries_ = 0;
    last_retry_log_ = now;
  }

  const RecordsReplicaOptions options_;
  const std::string topic_;
  std::shared_ptr<spdlog::logger> log_;
  std::unique_ptr<ReplicaWriter> writer_;
  std::unique_ptr<ledger_kafka::Consumer> consumer_;
  std::atomic<int64_t> end_reached_{kOffsetBeginning};
  StatusReporter status_;
  uint64_t retries_ = 0;
  uint64_t unlogged_retries_ = 0;
  Clock::time_point last_retry_log_{};
  double poll_seconds_ = 0;
};

}  // namespace

Status RecordsReplica::Open(const RecordsReplicaOptions& options,
                            std::shared_ptr<spdlog::logger> logger,
                            std::unique_ptr<RecordsReplica>* out) {
  const std::string topic = ledger_kafka::TopicNamesFor(options.kafka).records;
  ReplicaWriterOptions wo = options.writer;
  wo.source_name = topic + "/0";
  const ledger_kafka::KafkaProperties defaults = ConsumerDefaults();
  // A configuration mistake is one whatever the cluster's state (exit 2), found first.
  if (Status s = ledger_kafka::CheckClientConfig(ledger_kafka::ClientType::kConsumer,
                                                 options.kafka, defaults);
      !s.ok())
    return s;

  // The directory first: a wrong or locked one is refused without waiting for a cluster.
  std::unique_ptr<ReplicaWriter> writer;
  if (Status s = ReplicaWriter::Open(wo, &writer); !s.ok()) return s;

  logger->info("read replica of {} (partition 0) at {}, rules {} ({}), from {}", topic, wo.db,
               wo.rules.id, wo.rules.origin, OffsetText(writer->resume_offset()));
  logger->info("replica head {}; batches of up to {} records or {} ms; projection caught up "
               "at most every {} ms while records arrive; status every {} ms",
               writer->head(), wo.batch_records, options.batch_delay.count(),
               options.catch_up_interval.count(), options.status_interval.count());
  logger->info("consumer: {}", ledger_kafka::DescribeProperties(
                                   ledger_kafka::EffectiveProperties(options.kafka, defaults)));

  ledger_kafka::ClusterInfo cluster;
  if (Status s = ledger_kafka::CheckReachable(options.kafka, logger, &cluster); !s.ok()) return s;
  logger->info("cluster: {} broker{} ({})", cluster.brokers, cluster.brokers == 1 ? "" : "s",
               cluster.broker_list);
  if (Status s = ledger_kafka::EnsureTopics(options.kafka, logger); !s.ok()) return s;

  std::unique_ptr<ledger_kafka::Consumer> consumer, watermarks;
  if (Status s = ledger_kafka::Consumer::Open(options.kafka, defaults, logger, &consumer);
      !s.ok())
    return s;
  if (Status s = ledger_kafka::Consumer::Open(options.kafka, defaults, logger, &watermarks);
      !s.ok())
    return s;
  *out = std::make_unique<RecordsReplicaImpl>(options, topic, std::move(logger),
                                              std::move(writer), std::move(consumer),
                                              std::move(watermarks));
  return Status::Ok();
}

}  // namespace smeledger::projections_kafka
