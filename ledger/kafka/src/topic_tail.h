// Internal: the last committed message of a partition, as a read_committed consumer sees it —
// where the outbox publisher resumes (ledger/kafka/README.md, "Exactly once").
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "smeledger/ledger/status.h"
#include "smeledger/ledger_kafka/options.h"

namespace spdlog {
class logger;
}

namespace smeledger::ledger_kafka {

struct TailMessage {
  bool found = false;   // false: the partition holds no committed message
  int64_t offset = -1;
  std::string key;
  std::string value;
};

// Reads the partition's last committed data message (control records and aborted
// transactions are skipped by read_committed, so it reads back from the end in growing
// windows until it finds one). Waits at most `timeout` for the cluster.
// Errors: kRetryable when the cluster did not answer in time; others per errors.h.
Status ReadLastCommitted(const KafkaOptions& options,
                         const std::shared_ptr<spdlog::logger>& logger, const std::string& topic,
                         int32_t partition, std::chrono::milliseconds timeout, TailMessage* out);

}  // namespace smeledger::ledger_kafka
