#include "outbox_publisher.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <thread>

#include "topic_tail.h"

namespace smeledger::ledger_kafka {

namespace {

bool ParseDecimal(std::string_view s, uint64_t* v) {
  if (s.empty()) return false;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), *v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

}  // namespace

OutboxPublisher::OutboxPublisher(ledger::Ledger* ledger, KafkaOptions options,
                                 PublisherOptions popts, std::shared_ptr<spdlog::logger> logger)
    : ledger_(ledger),
      options_(std::move(options)),
      popts_(popts),
      logger_(std::move(logger)),
      topics_(TopicNamesFor(options_)) {}

OutboxPublisher::~OutboxPublisher() = default;

void OutboxPublisher::LogRetry(const Status& s, const char* what) {
  const auto now = std::chrono::steady_clock::now();
  if (now - last_retry_log_ < std::chrono::seconds(5)) return;
  last_retry_log_ = now;
  logger_->warn("publisher: {}: {} (retrying)", what, s.message());
}

KafkaProperties OutboxPublisher::ProducerDefaults(const KafkaOptions& options) {
  return {
      {"transactional.id", options.topic_prefix + "serve"},
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"compression.codec", "lz4"},
      {"linger.ms", "5"},
      {"batch.size", "1000000"},
      {"batch.num.messages", "100000"},
      {"queue.buffering.max.messages", "2000000"},
      {"queue.buffering.max.kbytes", "2097151"},
      {"transaction.timeout.ms", "60000"},
      {"message.timeout.ms", "60000"},
  };
}

Status OutboxPublisher::Start(const std::function<bool()>& give_up) {
  if (Status s = Producer::Open(options_, ProducerDefaults(options_), logger_, nullptr, &producer_);
      !s.ok())
    return s;
  // Where the topics end, as read_committed consumers see them.
  auto tail = [&](const std::string& topic, TailMessage* t) -> Status {
    for (;;) {
      Status s = ReadLastCommitted(options_, logger_, topic, 0, std::chrono::seconds(30), t);
      if (s.ok() || !s.IsRetryable() || give_up()) return s;
      LogRetry(s, ("reading the end of " + topic).c_str());
    }
  };
  // The records topic must be this ledger's log: its last committed record is the one this
  // ledger holds at that position.
  uint64_t published = 0, next_token = 0;
  auto check_records = [&]() -> Status {
    TailMessage rec;
    if (Status s = tail(topics_.records, &rec); !s.ok()) return s;
    published = 0;
    if (!rec.found) return Status::Ok();
    if (!ParseDecimal(rec.key, &published) || published == 0)
      return Status::Io(topics_.records + " ends with a message whose key \"" + rec.key +
                        "\" is not a position");
    std::string mine;
    if (published > ledger_->head().position || !ledger_->ReadRecord(published, &mine).ok() ||
        mine != rec.value)
      return Status::Io(topics_.records + " holds record " + std::to_string(published) +
                        ", which is not this ledger's (head " +
                        std::to_string(ledger_->head().position) +
                        "): is --topic-prefix another ledger's?");
    return Status::Ok();
  };
  // Checked before fencing too: a serve started on the wrong directory must not fence (and so
  // stop) the service whose topics these are.
  if (Status s = check_records(); !s.ok()) return s;
  // Fence any earlier instance: its open transaction is aborted before this returns.
  for (;;) {
    Status s = producer_->InitTransactions(std::chrono::seconds(30));
    if (s.ok()) break;
    if (!s.IsRetryable() || give_up()) return s;
    LogRetry(s, "init_transactions");
  }
  // Now nothing of an earlier instance is pending: read where the topics end for good.
  if (Status s = check_records(); !s.ok()) return s;
  TailMessage out;
  if (Status s = tail(topics_.outcomes, &out); !s.ok()) return s;
  if (out.found) {
    if (!ParseDecimal(out.key, &next_token))
      return Status::Io(topics_.outcomes + " ends with a message whose key \"" + out.key +
                        "\" is not an offset");
    ++next_token;
  }
  published_ = published;
  next_token_ = next_token;
  logger_->info("publisher: {} published through position {}, {} through offset {}",
                topics_.records, published, topics_.outcomes,
                next_token ? std::to_string(next_token - 1) : std::string("(none)"));
  return Status::Ok();
}

Status OutboxPublisher::PublishChunk(const ledger::Ledger::OutboxChunk& chunk) {
  auto giving_up = [&] {
    std::lock_guard<std::mutex> l(mu_);
    return finishing_ && std::chrono::steady_clock::now() >= drain_deadline_;
  };
  std::string key;
  auto produce = [&](const std::string& topic, std::string_view value) -> Status {
    for (;;) {
      Status s = producer_->Produce(topic, 0, key, value, {});
      if (s.ok() || !s.IsRetryable()) return s;
      producer_->Poll(std::chrono::milliseconds(5));  // the queue is full: let it drain
    }
  };
  for (;;) {
    if (giving_up())
      return Status::Retryable("stopped before the Kafka cluster took the transaction");
    Status s = producer_->BeginTransaction();
    if (!s.ok()) {
      if (s.code() == Status::Code::kIo) return s;
      LogRetry(s, "begin_transaction");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    for (size_t i = 0; i < chunk.records.size() && s.ok(); ++i) {
      key = std::to_string(chunk.first_position + i);
      s = produce(topics_.records, chunk.records[i]);
    }
    for (size_t i = 0; i < chunk.outcomes.size() && s.ok(); ++i) {
      key = std::to_string(chunk.outcomes[i].token);
      s = produce(topics_.outcomes, chunk.outcomes[i].json);
    }
    if (s.ok()) {
      for (;;) {
        s = producer_->CommitTransaction(popts_.commit_timeout);
        if (!s.IsRetryable() || giving_up()) break;
        LogRetry(s, "commit_transaction");  // retriable: the same commit again
      }
      if (s.ok()) return s;
    }
    if (s.code() == Status::Code::kIo) return s;  // fatal: fenced, not authorized
    LogRetry(s, "transaction");
    for (;;) {  // abort, then redo the whole transaction from what RocksDB holds
      Status a = producer_->AbortTransaction(popts_.commit_timeout);
      if (a.ok()) break;
      if (a.code() == Status::Code::kIo) return a;
      if (giving_up()) return a;
      LogRetry(a, "abort_transaction");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

Status OutboxPublisher::Run() {
  ledger::Ledger::OutboxChunk chunk;
  uint64_t since_prune = 0;
  auto fail = [&](Status s) {
    std::lock_guard<std::mutex> l(mu_);
    failed_ = true;
    cv_.notify_all();
    return s;
  };
  for (;;) {
    const uint64_t p = published_.load(), t = next_token_.load();
    if (Status s = ledger_->ReadOutbox(p, t, popts_.max_records_per_transaction, &chunk); !s.ok())
      return fail(s);
    if (chunk.empty()) {
      std::unique_lock<std::mutex> l(mu_);
      if (finishing_) return Status::Ok();  // everything durable is published
      cv_.wait_for(l, std::chrono::milliseconds(200), [&] { return notified_ || finishing_; });
      notified_ = false;
      continue;
    }
    Status s = PublishChunk(chunk);
    if (!s.ok()) {
      if (s.IsRetryable()) {  // given up while finishing: the next start publishes the rest
        logger_->warn("publisher: stopping with records after position {} unpublished: {}", p,
                      s.message());
        return Status::Ok();
      }
      return fail(s);
    }
    {
      std::lock_guard<std::mutex> l(mu_);
      published_ = p + chunk.records.size();
      if (!chunk.outcomes.empty()) next_token_ = chunk.outcomes.back().token + 1;
      transactions_.fetch_add(1, std::memory_order_relaxed);
      cv_.notify_all();
    }
    if (++since_prune >= 8 && next_token_ > 0) {  // what is published need not stay
      since_prune = 0;
      if (Status ps = ledger_->PruneOutbox(next_token_); !ps.ok())
        logger_->warn("publisher: cannot prune the outbox: {}", ps.message());
    }
  }
}

void OutboxPublisher::Notify() {
  std::lock_guard<std::mutex> l(mu_);
  notified_ = true;
  cv_.notify_all();
}

void OutboxPublisher::Finish(std::chrono::milliseconds drain_timeout) {
  std::lock_guard<std::mutex> l(mu_);
  finishing_ = true;
  drain_deadline_ = std::chrono::steady_clock::now() + drain_timeout;
  cv_.notify_all();
}

void OutboxPublisher::WaitForRoom(uint64_t durable_head) {
  std::unique_lock<std::mutex> l(mu_);
  cv_.wait(l, [&] {
    return failed_ || finishing_ || interrupted_ ||
           durable_head <= published_.load() + popts_.max_unpublished;
  });
}

void OutboxPublisher::Interrupt() {
  std::lock_guard<std::mutex> l(mu_);
  interrupted_ = true;
  cv_.notify_all();
}

}  // namespace smeledger::ledger_kafka
