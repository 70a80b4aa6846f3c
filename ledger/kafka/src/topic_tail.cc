#include "topic_tail.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "smeledger/ledger_kafka/client.h"

namespace smeledger::ledger_kafka {

Status ReadLastCommitted(const KafkaOptions& options,
                         const std::shared_ptr<spdlog::logger>& logger, const std::string& topic,
                         int32_t partition, std::chrono::milliseconds timeout, TailMessage* out) {
  *out = TailMessage{};
  std::unique_ptr<Consumer> consumer;
  const KafkaProperties defaults = {
      {"isolation.level", "read_committed"},
      {"enable.partition.eof", "true"},
      {"auto.offset.reset", "error"},
  };
  if (Status s = Consumer::Open(options, defaults, logger, &consumer); !s.ok()) return s;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto left = [&] {
    return std::max(std::chrono::milliseconds(1),
                    std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now()));
  };
  int64_t low = 0, high = 0;
  for (;;) {
    Status s = consumer->QueryWatermarks(topic, partition, left(), &low, &high);
    if (s.ok()) break;
    if (!s.IsRetryable() || std::chrono::steady_clock::now() >= deadline) return s;
  }
  if (high <= low) return Status::Ok();  // empty
  // Windows of growing size back from the end: a transaction aborted at the end (a crash) may
  // hide the last committed message behind thousands of aborted ones.
  int64_t window = 1024;
  int64_t end = high;
  while (end > low) {
    const int64_t start = std::max(low, end - window);
    const TopicPartitionOffset at{topic, partition, start};
    if (Status s = consumer->Assign({&at, 1}); !s.ok()) return s;
    bool at_end = false;
    while (!at_end) {
      if (std::chrono::steady_clock::now() >= deadline)
        return Status::Retryable("cannot read the end of " + topic + " within the timeout");
      ConsumedMessage m;
      Consumer::Read read;
      Status s = consumer->Poll(std::chrono::milliseconds(200), &m, &read);
      if (!s.ok()) {
        if (s.IsRetryable()) continue;
        return s;
      }
      if (read == Consumer::Read::kEnd) {
        at_end = true;
      } else if (read == Consumer::Read::kMessage) {
        if (m.offset >= end) {  // written since we looked: not what we are after
          at_end = true;
          continue;
        }
        out->found = true;
        out->offset = m.offset;
        out->key.assign(m.key ? *m.key : std::string_view());
        out->value.assign(m.value);
      }
    }
    if (out->found) return Status::Ok();
    end = start;
    window *= 8;
  }
  return Status::Ok();
}

}  // namespace smeledger::ledger_kafka
