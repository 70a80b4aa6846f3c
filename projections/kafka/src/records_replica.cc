#include "smeledger/projections_kafka/records_replica.h"

#include <spdlog/spdlog.h>

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

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// The consumer defaults of a replica (README.md); the user's -X properties come after them.
ledger_kafka::KafkaProperties ConsumerDefaults() {
  return {
      {"isolation.level", "read_committed"},
      {"auto.offset.reset", "error"},
      {"enable.partition.eof", "true"},
      {"queued.max.messages.kbytes", "65536"},
  };
}

std::string OffsetText(int64_t offset) {
  return offset == kOffsetBeginning ? "the beginning" : "offset " + std::to_string(offset);
}

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

  void Stop() {
    {
      std::lock_guard<std::mutex> l(mu_);
      done_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Loop() {
    uint64_t last_head = writer_.head();
    Clock::time_point last = Clock::now();
    std::unique_lock<std::mutex> l(mu_);
    while (!cv_.wait_for(l, interval_, [this] { return done_; })) {
      l.unlock();
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
                 writer_.projected(), next < 0 ? std::string("-") : std::to_string(next), end,
                 rate);
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
    const Clock::time_point t0 = started_ = Clock::now();
    // First the projection: a new rule set on a replica that holds records folds them now.
    Status s = CatchUp();
    if (s.ok()) {
      const ledger_kafka::TopicPartitionOffset from{topic_, 0, writer_->resume_offset()};
      s = consumer_->Assign({&from, 1});
    }
    if (s.ok()) {
      status_.Start();
      s = Loop(stop);
      status_.Stop();
    }
    if (out) {
      out->writer = writer_->stats();
      out->head = writer_->head();
      out->next_offset = writer_->next_offset();
      out->retries = retries_;
      out->seconds = SecondsSince(t0);
    }
    const ReplicaWriterStats& w = writer_->stats();
    log_->info("{}: {} records appended, {} repeated deliveries skipped in {} batches; head {}, "
               "projection at {}, next offset {}",
               s.ok() ? "stopped" : "stopped on an error", w.appended, w.skipped, w.batches,
               writer_->head(), writer_->projected(), writer_->next_offset());
    return s;
  }

 private:
  Status Loop(const std::atomic<bool>& stop) {
    Clock::time_point batch_started{}, last_catch_up = Clock::now();
    bool dirty = false;  // records appended since the last pause
    while (!stop.load(std::memory_order_relaxed)) {
      const bool had_pending = writer_->pending() > 0;
      milliseconds wait = kPollSlice;
      if (had_pending) {
        const auto left = std::chrono::duration_cast<milliseconds>(
            batch_started + options_.batch_delay - Clock::now());
        wait = std::clamp(left, milliseconds(0), kPollSlice);
      }
      ledger_kafka::ConsumedMessage m;
      ledger_kafka::Consumer::Read read;
      const Status polled = consumer_->Poll(wait, &m, &read);
      // Idle: nothing came for a whole poll slice with nothing in hand, or the cluster is away.
      bool idle = false;
      if (!polled.ok()) {
        if (!polled.IsRetryable()) {
          // Keep what is in hand, then stop: the cluster cannot give us what comes next.
          if (Status s = AppendBatch(&dirty); !s.ok()) return s;
          return Status::Io(polled.message());
        }
        LogRetry(polled);
        idle = true;
      } else if (read == ledger_kafka::Consumer::Read::kMessage) {
        if (!had_pending) batch_started = Clock::now();
        if (Status s = writer_->Add(m.offset, m.key, m.value); !s.ok()) {
          if (Status a = AppendBatch(&dirty); !a.ok()) return a;
          return s;
        }
        if (!writer_->full() && Clock::now() - batch_started < options_.batch_delay) continue;
      } else if (read == ledger_kafka::Consumer::Read::kEnd) {
        end_reached_.store(m.offset);
        LogEndReached(m.offset);
      } else {
        idle = !had_pending;
      }
      // A full or timed-out batch, or the end of the topic: append it.
      if (writer_->pending() > 0) {
        if (Status s = AppendBatch(&dirty); !s.ok()) return s;
        if (Clock::now() - last_catch_up >= options_.catch_up_interval) {
          if (Status s = CatchUp(); !s.ok()) return s;
          last_catch_up = Clock::now();
        }
      }
      if (idle) {
        // Deferred index work, then the projection to the head.
        if (dirty) {
          if (Status s = writer_->Pause(); !s.ok()) return s;
          dirty = false;
        }
        if (writer_->projected() != writer_->head()) {
          if (Status s = CatchUp(); !s.ok()) return s;
          last_catch_up = Clock::now();
        }
      }
    }
    // Stopped: finish the batch in hand and bring the projection to the head.
    if (Status s = AppendBatch(&dirty); !s.ok()) return s;
    if (dirty) {
      if (Status s = writer_->Pause(); !s.ok()) return s;
    }
    return CatchUp();
  }

  // The first time the end of the topic is reached after records were appended, and then at
  // most once per status interval: how far, how fast since the start.
  void LogEndReached(int64_t end) {
    const uint64_t appended = writer_->stats().appended;
    if (appended == appended_at_end_log_) return;
    const Clock::time_point now = Clock::now();
    if (appended_at_end_log_ != 0 && now - last_end_log_ < options_.status_interval) return;
    const double secs = SecondsSince(started_);
    log_->info("at the end of {} (offset {}): head {}, {} records appended in {:.2f} s since the "
               "start ({:.0f} records/s)",
               topic_, end, writer_->head(), appended, secs, secs > 0 ? appended / secs : 0.0);
    appended_at_end_log_ = appended;
    last_end_log_ = now;
  }

  Status AppendBatch(bool* dirty) {
    if (writer_->pending() == 0) return Status::Ok();
    const uint64_t before = writer_->head();
    Status s = writer_->Append();
    if (writer_->head() != before) *dirty = true;
    return s;
  }

  Status CatchUp() {
    projections::CatchUpStats st;
    Status s = writer_->CatchUp(&st);
    if (!s.ok()) return s;
    if (st.records > 0 || st.rebuilt)
      log_->debug("projection {}: {} records applied ({} \u2192 {}) in {:.3f} s{}",
                  options_.writer.rules.id, st.records, st.from_position, st.to_position,
                  st.seconds, st.rebuilt ? ", folded from position 1" : "");
    return Status::Ok();
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
  Clock::time_point started_{};
  uint64_t appended_at_end_log_ = 0;
  Clock::time_point last_end_log_{};
};

}  // namespace

Status RecordsReplica::Open(const RecordsReplicaOptions& options,
                            std::shared_ptr<spdlog::logger> logger,
                            std::unique_ptr<RecordsReplica>* out) {
  const std::string topic = ledger_kafka::TopicNamesFor(options.kafka).records;
  ReplicaWriterOptions wo = options.writer;
  wo.source_name = topic + "/0";

  // The directory first: a wrong or locked one is refused without waiting for a cluster.
  std::unique_ptr<ReplicaWriter> writer;
  if (Status s = ReplicaWriter::Open(wo, &writer); !s.ok()) return s;

  const ledger_kafka::KafkaProperties defaults = ConsumerDefaults();
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
