// Internal: publishes what the ledger holds — records to `<prefix>records`, outcomes to
// `<prefix>outcomes` — in Kafka transactions (ledger/kafka/README.md, "Exactly once").
//
// Start() fences any earlier instance (init_transactions under the same transactional.id) and
// reads the last committed record and outcome back from the topics, so that it continues
// exactly after them; it checks the last published record is this ledger's. Run() (its own
// thread) then reads chunks with Ledger::ReadOutbox and publishes each in one transaction,
// aborting and redoing a transaction that failed; it prunes what is published from the outbox.
//
// Thread safety: Start, then Run on one thread; Notify, Finish, WaitForRoom and the accessors
// from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "smeledger/ledger/ledger.h"
#include "smeledger/ledger_kafka/client.h"
#include "smeledger/ledger_kafka/options.h"

namespace spdlog {
class logger;
}

namespace smeledger::ledger_kafka {

struct PublisherOptions {
  // Records (with the outcomes of their batches) per transaction. Default: 16384.
  size_t max_records_per_transaction = 16384;
  // The ledger waits (back-pressure) when it is this many records ahead of what is published.
  // Default: 262144.
  uint64_t max_unpublished = 262144;
  // How long one transaction's commit may take before it is retried. Default: 60 s.
  std::chrono::milliseconds commit_timeout{60000};
};

class OutboxPublisher {
 public:
  // `ledger` is not owned and outlives the publisher.
  OutboxPublisher(ledger::Ledger* ledger, KafkaOptions options, PublisherOptions popts,
                  std::shared_ptr<spdlog::logger> logger);
  ~OutboxPublisher();

  // The transactional producer's properties before the user's -X (transactional.id from the
  // topic prefix). For CheckClientConfig before anything connects.
  static KafkaProperties ProducerDefaults(const KafkaOptions& options);

  // Opens the transactional producer, fences earlier instances and finds where to continue.
  // Retries what may pass until `give_up()` says so. Errors: kIo (fenced, not authorized, the
  // records topic holds another ledger's records), kCorruption, or the last retryable error
  // when given up.
  Status Start(const std::function<bool()>& give_up);

  // Publishes until Finish(): then publishes what is durable and returns. Returns non-ok on a
  // fatal error (the service stops).
  Status Run();

  // A batch became durable: there may be something to publish.
  void Notify();
  // Ends Run once everything durable by now is published, or after `drain_timeout`.
  void Finish(std::chrono::milliseconds drain_timeout);
  // Blocks while the ledger's head is more than max_unpublished records ahead of what is
  // published, until Finish, Interrupt or a failure. The appending thread calls it after each
  // batch.
  void WaitForRoom(uint64_t durable_head);
  // Releases WaitForRoom for good (the service is stopping).
  void Interrupt();

  uint64_t published_position() const { return published_.load(std::memory_order_relaxed); }
  // The next submissions offset whose outcome is to be published.
  uint64_t next_outcome_token() const { return next_token_.load(std::memory_order_relaxed); }
  uint64_t transactions() const { return transactions_.load(std::memory_order_relaxed); }

 private:
  Status PublishChunk(const ledger::Ledger::OutboxChunk& chunk);
  void LogRetry(const Status& s, const char* what);

  ledger::Ledger* ledger_;
  KafkaOptions options_;
  PublisherOptions popts_;
  std::shared_ptr<spdlog::logger> logger_;
  TopicNames topics_;
  std::unique_ptr<Producer> producer_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool notified_ = false;
  bool finishing_ = false;
  bool failed_ = false;
  bool interrupted_ = false;
  std::chrono::steady_clock::time_point drain_deadline_{};

  std::atomic<uint64_t> published_{0};
  std::atomic<uint64_t> next_token_{0};
  std::atomic<uint64_t> transactions_{0};
  std::chrono::steady_clock::time_point last_retry_log_{};
};

}  // namespace smeledger::ledger_kafka
