// The ledger as a Kafka service (`smeledger serve`, ledger/kafka/README.md): consumes the
// submissions topic through the ledger's own submission pipeline (the same validation and
// group-committed writes as `submit`), stores the consumed offset and every line's outcome in
// the same RocksDB write batch as the records, and publishes records and outcomes from what
// RocksDB holds, in Kafka transactions, exactly once across crashes.
//
//   LedgerService service(options, logger);
//   Status s = service.Run(&stats);   // until Stop(), a signal's doing
//
// Thread safety: Run once, on one thread; Stop from anywhere, a signal handler included.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "smeledger/ledger/status.h"
#include "smeledger/ledger_kafka/options.h"

namespace spdlog {
class logger;
}

namespace smeledger::ledger_kafka {

struct ServeOptions {
  KafkaOptions kafka;

  // The ledger's directory (created when missing). Required.
  std::string db;

  // Accepted events per durable write batch. Default: 16384.
  size_t batch_events = 16384;
  // A batch also closes this long after its first line: a quiet topic's lines are answered
  // within about this delay plus a transaction. Default: 20 ms.
  std::chrono::milliseconds batch_delay{20};

  // Records per Kafka transaction (with their batches' outcomes). Default: 16384.
  size_t records_per_transaction = 16384;
  // Consumption pauses while this many accepted records are not yet published. Default: 262144.
  uint64_t max_unpublished = 262144;

  // How often the status line (head, offsets, lag, rates) is logged. Default: 5 s.
  std::chrono::milliseconds status_interval{5000};
  // On stop, how long to keep publishing what is durable before exiting anyway (the next start
  // publishes the rest). Default: 30 s.
  std::chrono::milliseconds drain_timeout{30000};
};

struct ServeStats {
  uint64_t lines = 0;
  uint64_t accepted = 0;
  uint64_t duplicates = 0;
  uint64_t rejected = 0;
  uint64_t head = 0;            // the ledger's head at the end
  uint64_t published = 0;       // records published through this position
  uint64_t transactions = 0;    // Kafka transactions committed
};

class LedgerService {
 public:
  LedgerService(ServeOptions options, std::shared_ptr<spdlog::logger> logger);
  ~LedgerService();

  // Serves until Stop(): finishes the batch in hand, publishes what is durable (up to
  // drain_timeout), brings the default projection up to date and returns ok.
  // Errors: kLocked (another process holds the ledger), kRetryable (the cluster cannot be
  // reached within kafka.connect_timeout at start), kInvalidInput (a bad property or a
  // combination librdkafka refuses, found before anything is opened; a replica's directory), kIo (a topic with wrong settings, fenced by another instance, a disk error),
  // kCorruption.
  Status Run(ServeStats* stats);

  // Async-signal-safe.
  void Stop() { stop_.store(true, std::memory_order_relaxed); }

 private:
  ServeOptions options_;
  std::shared_ptr<spdlog::logger> logger_;
  std::atomic<bool> stop_{false};
};

}  // namespace smeledger::ledger_kafka
