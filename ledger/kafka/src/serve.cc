#include "smeledger/ledger_kafka/serve.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <thread>

#include "outbox_publisher.h"
#include "smeledger/ledger/ledger.h"
#include "smeledger/ledger_kafka/admin.h"
#include "smeledger/ledger_kafka/client.h"
#include "smeledger/projections/projection_store.h"
#include "submissions_source.h"

namespace smeledger::ledger_kafka {

namespace {

// Counts outcomes as they become durable (the status line and the final stats).
class Counter final : public ledger::OutcomeSink {
 public:
  std::atomic<uint64_t> lines{0}, accepted{0}, duplicates{0}, rejected{0};
  void OnOutcome(const ledger::LineOutcome& o) override {
    lines.fetch_add(1, std::memory_order_relaxed);
    switch (o.kind) {
      case ledger::OutcomeKind::kAccepted: accepted.fetch_add(1, std::memory_order_relaxed); break;
      case ledger::OutcomeKind::kDuplicate: duplicates.fetch_add(1, std::memory_order_relaxed); break;
      case ledger::OutcomeKind::kRejected: rejected.fetch_add(1, std::memory_order_relaxed); break;
    }
  }
};

}  // namespace

LedgerService::LedgerService(ServeOptions options, std::shared_ptr<spdlog::logger> logger)
    : options_(std::move(options)), logger_(std::move(logger)) {}

LedgerService::~LedgerService() = default;

Status LedgerService::Run(ServeStats* stats_out) {
  ServeStats local;
  ServeStats& stats = stats_out ? *stats_out : local;
  const TopicNames topics = TopicNamesFor(options_.kafka);
  logger_->info(
      "serve: ledger {}, Kafka {} (connect timeout {} s), topics {} -> {}, {}; batches of up "
      "to {} events or {} ms; {} records per transaction; properties: {}",
      options_.db, options_.kafka.bootstrap_servers,
      std::chrono::duration_cast<std::chrono::seconds>(options_.kafka.connect_timeout).count(),
      topics.submissions, topics.records, topics.outcomes, options_.batch_events,
      options_.batch_delay.count(), options_.records_per_transaction,
      options_.kafka.properties.empty() ? std::string("(none)")
                                        : DescribeProperties(options_.kafka.properties));

  // A configuration librdkafka refuses is the user's to fix, whatever the ledger's or the
  // cluster's state (exit 2): checked before anything is opened.
  if (Status s = CheckClientConfig(ClientType::kProducer, options_.kafka,
                                   OutboxPublisher::ProducerDefaults(options_.kafka));
      !s.ok())
    return s;
  if (Status s = CheckClientConfig(ClientType::kConsumer, options_.kafka,
                                   SubmissionsSource::ConsumerDefaults());
      !s.ok())
    return s;

  // The ledger first: a second serve on the same directory stops here (kLocked).
  ledger::LedgerOptions lo;
  lo.batch_events = options_.batch_events;
  lo.batch_delay = options_.batch_delay;
  std::unique_ptr<ledger::Ledger> ledger;
  if (Status s = ledger::Ledger::Open(lo, options_.db, &ledger); !s.ok()) return s;
  logger_->info("serve: ledger open, head at position {}", ledger->head().position);

  ClusterInfo cluster;
  if (Status s = CheckReachable(options_.kafka, logger_, &cluster); !s.ok()) return s;
  logger_->info("serve: Kafka cluster of {} broker(s): {}", cluster.brokers, cluster.broker_list);
  if (Status s = EnsureTopics(options_.kafka, logger_); !s.ok()) return s;

  PublisherOptions popts;
  popts.max_records_per_transaction = options_.records_per_transaction;
  popts.max_unpublished = options_.max_unpublished;
  OutboxPublisher publisher(ledger.get(), options_.kafka, popts, logger_);
  if (Status s = publisher.Start([this] { return stop_.load(); }); !s.ok()) {
    if (stop_.load() && s.IsRetryable()) return Status::Ok();  // stopped while waiting
    return s;
  }

  const std::string source_name = SubmissionsSource::SourceName(topics.submissions);
  uint64_t stored = 0;
  int64_t next_offset = -1;  // the beginning
  if (Status s = ledger->SourcePosition(source_name, &stored); s.ok()) {
    next_offset = static_cast<int64_t>(stored);
  } else if (s.code() != Status::Code::kNotFound) {
    return s;
  }
  std::unique_ptr<SubmissionsSource> source;
  if (Status s = SubmissionsSource::Open(options_.kafka, logger_, topics.submissions, next_offset,
                                         &source);
      !s.ok())
    return s;
  logger_->info("serve: consuming {} from offset {}", source_name,
                next_offset >= 0 ? std::to_string(next_offset) : std::string("0 (the beginning)"));

  // The publisher on its own thread.
  Status publisher_status;
  std::atomic<bool> publisher_done{false};
  std::thread publisher_thread([&] {
    pthread_setname_np(pthread_self(), "serve-publish");
    publisher_status = publisher.Run();
    publisher_done = true;
  });

  // A monitor: turns Stop() (a signal) into the source's stop request, stops consuming when the
  // publisher failed, and logs the status line.
  Counter counter;
  std::atomic<uint64_t> head{ledger->head().position};
  std::atomic<bool> monitor_exit{false};
  std::thread monitor([&] {
    pthread_setname_np(pthread_self(), "serve-monitor");
    auto last = std::chrono::steady_clock::now();
    uint64_t last_lines = counter.lines.load(), last_published = publisher.published_position();
    bool stopping = false;
    while (!monitor_exit.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (!stopping && (stop_.load() || publisher_done.load())) {
        stopping = true;
        if (stop_.load()) logger_->info("serve: stopping: finishing the batch in hand");
        source->RequestStop();
        publisher.Interrupt();
      }
      const auto now = std::chrono::steady_clock::now();
      if (now - last < options_.status_interval) continue;
      const double secs = std::chrono::duration<double>(now - last).count();
      last = now;
      const int64_t next = source->next_offset();
      // The end as the source's last fetch saw it. Never asked of the cluster here: librdkafka's
      // query can block for as long as a partition's former leader stays down, and this thread
      // turns a signal into a stop.
      int64_t high = -1;
      std::string lag = "?";
      if (source->end_offset(&high)) lag = std::to_string(std::max<int64_t>(0, high - std::max<int64_t>(next, 0)));
      const uint64_t lines = counter.lines.load(), published = publisher.published_position();
      logger_->info(
          "serve: status head={} next_offset={} end_offset={} lag={} lines_per_s={:.0f} "
          "published={} records_per_s={:.0f} accepted={} duplicates={} rejected={}",
          head.load(), next, high, lag, (lines - last_lines) / secs, published,
          (published - last_published) / secs, counter.accepted.load(),
          counter.duplicates.load(), counter.rejected.load());
      last_lines = lines;
      last_published = published;
    }
  });

  ledger::SubmitStats submit_stats;
  const projections::SubmitResult result = projections::SubmitAndCatchUp(
      *ledger, options_.db, source.get(), &counter, &submit_stats,
      [&](const ledger::SubmitStats&) {
        const uint64_t h = ledger->head().position;
        head = h;
        publisher.Notify();
        publisher.WaitForRoom(h);  // back-pressure: Kafka must keep up with the ledger
      });
  head = ledger->head().position;
  publisher.Notify();
  publisher.Finish(options_.drain_timeout);
  publisher_thread.join();
  monitor_exit = true;
  monitor.join();

  stats.lines = counter.lines;
  stats.accepted = counter.accepted;
  stats.duplicates = counter.duplicates;
  stats.rejected = counter.rejected;
  stats.head = ledger->head().position;
  stats.published = publisher.published_position();
  stats.transactions = publisher.transactions();
  logger_->info(
      "serve: stopped: {} lines ({} accepted, {} duplicate, {} rejected), head at position {}, "
      "published through {} in {} transactions",
      stats.lines, stats.accepted, stats.duplicates, stats.rejected, stats.head, stats.published,
      stats.transactions);
  logger_->info(
      "serve: pipeline: waited {:.2f} s for durable writes, {:.2f} s for parsing; CPU: parse "
      "{:.2f} s, validate {:.2f} s, write {:.2f} s",
      submit_stats.write_wait_seconds, submit_stats.parse_wait_seconds,
      submit_stats.parse_cpu_seconds, submit_stats.validate_cpu_seconds,
      submit_stats.write_cpu_seconds);
  if (!result.projection.ok())
    logger_->warn("serve: the default projection was not brought up to date: {}",
                  result.projection.message());
  if (!publisher_status.ok()) return publisher_status;
  return result.submit;
}

}  // namespace smeledger::ledger_kafka
