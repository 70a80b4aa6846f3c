// Internal: the submissions partition as the ledger's SubmissionSource (serve). Each message is
// one line; its token is its offset, its line number the `line` header (the producer's line in
// its file) or, without one, the offset + 1. Read with read_committed from the offset the
// ledger stored (or the partition's beginning), never from a consumer group.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "smeledger/ledger/source.h"
#include "smeledger/ledger_kafka/client.h"
#include "smeledger/ledger_kafka/options.h"

namespace spdlog {
class logger;
}

namespace smeledger::ledger_kafka {

class SubmissionsSource final : public ledger::SubmissionSource {
 public:
  // The consumer's properties before the user's -X. For CheckClientConfig before anything
  // connects.
  static KafkaProperties ConsumerDefaults();

  // Reads partition 0 of `topic` from `next_offset` (< 0: the partition's beginning).
  static Status Open(const KafkaOptions& options, std::shared_ptr<spdlog::logger> logger,
                     const std::string& topic, int64_t next_offset,
                     std::unique_ptr<SubmissionsSource>* out);

  Read Next(ledger::SourceLine* line, std::chrono::milliseconds wait) override;
  Status status() const override { return status_; }
  uint64_t bytes_read() const override { return bytes_.load(std::memory_order_relaxed); }
  std::string_view name() const override { return name_; }

  // For status lines, from any thread: the next offset to be read (-1: not known yet) and the
  // number of lines read.
  int64_t next_offset() const { return next_offset_.load(std::memory_order_relaxed); }
  // For status lines, from any thread: the partition's end as of the last fetch (false: not
  // known yet). Never blocks.
  bool end_offset(int64_t* end) const { return consumer_->CachedHighWatermark(topic_, 0, end); }
  uint64_t lines() const { return lines_.load(std::memory_order_relaxed); }

  // The name under which the ledger stores the partition's next offset ("<topic>/0").
  static std::string SourceName(const std::string& topic) { return topic + "/0"; }

 private:
  SubmissionsSource() = default;
  std::unique_ptr<Consumer> consumer_;
  std::vector<ConsumedMessage> batch_;  // consumed, handed out one per Next
  size_t next_in_batch_ = 0;
  std::shared_ptr<spdlog::logger> logger_;
  std::string topic_;
  std::string name_;
  Status status_;
  std::atomic<int64_t> next_offset_{-1};
  std::atomic<uint64_t> lines_{0};
  std::atomic<uint64_t> bytes_{0};
  std::chrono::steady_clock::time_point last_retry_log_{};
  uint64_t retries_unlogged_ = 0;
};

}  // namespace smeledger::ledger_kafka
