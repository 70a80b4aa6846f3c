#include "submissions_source.h"

#include <spdlog/spdlog.h>

#include <charconv>

namespace smeledger::ledger_kafka {

KafkaProperties SubmissionsSource::ConsumerDefaults() {
  return {
      // A stored offset the topic no longer holds is an error to report, never a silent jump.
      {"auto.offset.reset", "error"},
      // Lines wait in librdkafka's queue while the ledger works: bounded.
      {"queued.max.messages.kbytes", "65536"},
      {"fetch.max.bytes", "16777216"},
  };
}

Status SubmissionsSource::Open(const KafkaOptions& options, std::shared_ptr<spdlog::logger> logger,
                               const std::string& topic, int64_t next_offset,
                               std::unique_ptr<SubmissionsSource>* out) {
  std::unique_ptr<SubmissionsSource> s(new SubmissionsSource());
  s->logger_ = logger;
  s->topic_ = topic;
  s->name_ = SourceName(topic);
  if (Status st = Consumer::Open(options, ConsumerDefaults(), std::move(logger), &s->consumer_);
      !st.ok())
    return st;
  // librdkafka's logical offset for "the beginning": RD_KAFKA_OFFSET_BEGINNING.
  constexpr int64_t kBeginning = -2;
  const TopicPartitionOffset at{topic, 0, next_offset >= 0 ? next_offset : kBeginning};
  if (Status st = s->consumer_->Assign({&at, 1}); !st.ok()) return st;
  if (next_offset >= 0) s->next_offset_ = next_offset;
  *out = std::move(s);
  return Status::Ok();
}

ledger::SubmissionSource::Read SubmissionsSource::Next(ledger::SourceLine* line,
                                                       std::chrono::milliseconds wait) {
  if (stop_requested() || !status_.ok()) return Read::kEnd;
  if (next_in_batch_ == batch_.size()) {
    next_in_batch_ = 0;
    constexpr size_t kBatch = 1024;
    Status s = consumer_->PollBatch(wait, kBatch, &batch_);
    if (!s.ok()) {
      if (!s.IsRetryable()) {
        status_ = s;
        logger_->error("submissions: {}", s.message());
        batch_.clear();
        return Read::kEnd;
      }
      // A broker down, a leader moving: librdkafka retries; say so now and then.
      const auto now = std::chrono::steady_clock::now();
      if (now - last_retry_log_ >= std::chrono::seconds(5)) {
        logger_->warn("submissions: {} (retrying{})", s.message(),
                      retries_unlogged_ ? "; " + std::to_string(retries_unlogged_) +
                                              " more since the last message"
                                        : "");
        last_retry_log_ = now;
        retries_unlogged_ = 0;
      } else {
        ++retries_unlogged_;
      }
    }
    if (batch_.empty()) return Read::kIdle;
  }
  const ConsumedMessage& m = batch_[next_in_batch_++];
  std::string_view text = m.value;
  // One message, one line: a line ending the producer kept is not part of it.
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  line->text = text;
  line->has_token = true;
  line->token = static_cast<uint64_t>(m.offset);
  line->line_no = static_cast<uint64_t>(m.offset) + 1;
  if (auto h = m.Header("line")) {
    uint64_t n = 0;
    const auto r = std::from_chars(h->data(), h->data() + h->size(), n);
    if (r.ec == std::errc() && r.ptr == h->data() + h->size() && n > 0) line->line_no = n;
  }
  next_offset_.store(m.offset + 1, std::memory_order_relaxed);
  lines_.fetch_add(1, std::memory_order_relaxed);
  bytes_.fetch_add(m.value.size(), std::memory_order_relaxed);
  return Read::kLine;
}

}  // namespace smeledger::ledger_kafka
