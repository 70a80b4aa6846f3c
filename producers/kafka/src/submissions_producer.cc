#include "smeledger/producers_kafka/submissions_producer.h"

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdio>
#include <map>
#include <utility>
#include <vector>

#include "smeledger/ledger/outcome_json.h"
#include "smeledger/ledger_kafka/admin.h"
#include "smeledger/ledger_kafka/client.h"
#include "smeledger/ledger_kafka/errors.h"

namespace smeledger::producers_kafka {

using ledger_kafka::Consumer;
using ledger_kafka::KafkaProperties;
using ledger_kafka::Producer;

KafkaProperties DefaultProperties() {
  return {
      // Retries never duplicate or reorder lines; every in-sync replica has each batch.
      {"enable.idempotence", "true"},
      {"acks", "all"},
      // JSON lines compress 4-6x; lz4 costs the least CPU per byte saved.
      {"compression.codec", "lz4"},
      // Batches fill in well under a millisecond at full speed; linger only matters for a slow
      // stream, where 5 ms adds little latency.
      {"linger.ms", "5"},
      {"batch.num.messages", "100000"},
      {"batch.size", "1000000"},
      {"queue.buffering.max.messages", "500000"},
      // A cluster that restarts (or loses its leader for a while) is waited for, 5 minutes.
      {"message.timeout.ms", "300000"},
  };
}

namespace {

constexpr std::chrono::milliseconds kOpTimeout{10'000};

std::string SecondsText(std::chrono::milliseconds d) {
  char b[32];
  std::snprintf(b, sizeof b, d.count() % 1000 ? "%.1f s" : "%.0f s", d.count() / 1000.0);
  return b;
}

// Where each delivered line went.
struct Delivered {
  int64_t offset;
  uint64_t line;
};

}  // namespace

struct SubmissionsProducer::Rep final : ledger_kafka::DeliveryHandler {
  ProduceOptions options;
  std::shared_ptr<spdlog::logger> log;
  ledger_kafka::TopicNames topics;
  std::unique_ptr<Producer> producer;
  std::unique_ptr<Consumer> outcomes;  // with wait_outcomes
  int64_t outcomes_start = 0;          // the outcomes topic's end before anything was sent
  ProduceStats* stats = nullptr;       // during Send
  std::vector<Delivered> delivered;    // in delivery order (kept with wait_outcomes)
  std::atomic<bool> stop_requested{false};
  static_assert(std::atomic<bool>::is_always_lock_free);  // set from a signal handler

  void OnDelivery(const ledger_kafka::DeliveryReport& r) override {
    if (!stats) return;  // outside Send: the producer's destructor flushing after a failure
    ProduceStats& st = *stats;
    if (!r.status.ok()) {
      if (st.failed++ == 0) st.first_failure = r.status;
      return;
    }
    ++st.delivered;
    if (st.first_offset < 0 || r.offset < st.first_offset) st.first_offset = r.offset;
    st.last_offset = std::max(st.last_offset, r.offset);
    if (options.wait_outcomes)
      delivered.push_back({r.offset, static_cast<uint64_t>(reinterpret_cast<uintptr_t>(r.opaque))});
  }
};

SubmissionsProducer::SubmissionsProducer(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}

void SubmissionsProducer::RequestStop() { rep_->stop_requested.store(true); }
SubmissionsProducer::~SubmissionsProducer() {
  // The producer's destructor may still report deliveries: to a Rep that is whole.
  rep_->stats = nullptr;
  rep_->producer.reset();
}

const std::string& SubmissionsProducer::topic() const { return rep_->topics.submissions; }

const std::string& SubmissionsProducer::outcomes_topic() const { return rep_->topics.outcomes; }

Status SubmissionsProducer::Open(const ProduceOptions& options,
                                 std::shared_ptr<spdlog::logger> logger,
                                 std::unique_ptr<SubmissionsProducer>* out) {
  auto rep = std::make_unique<Rep>();
  rep->options = options;
  rep->log = logger;
  rep->topics = ledger_kafka::TopicNamesFor(options.kafka);
  if (Status s = ledger_kafka::ValidateProperties(options.kafka.properties); !s.ok()) return s;
  const KafkaProperties defaults = DefaultProperties();
  logger->info("produce: bootstrap {}, topic {}{}, connect timeout {} ms", options.kafka.bootstrap_servers,
               rep->topics.submissions,
               options.wait_outcomes ? ", outcomes from " + rep->topics.outcomes : "",
               options.kafka.connect_timeout.count());
  logger->info("producer properties: {}", ledger_kafka::DescribeProperties(
                                              ledger_kafka::EffectiveProperties(options.kafka,
                                                                                defaults)));
  // An inconsistent configuration is the user's to fix, whatever the cluster's state.
  if (Status s = ledger_kafka::CheckClientConfig(ledger_kafka::ClientType::kProducer,
                                                 options.kafka, defaults);
      !s.ok())
    return s;
  if (options.wait_outcomes)
    if (Status s = ledger_kafka::CheckClientConfig(ledger_kafka::ClientType::kConsumer,
                                                   options.kafka, {});
        !s.ok())
      return s;
  ledger_kafka::ClusterInfo cluster;
  if (Status s = ledger_kafka::CheckReachable(options.kafka, logger, &cluster); !s.ok()) return s;
  logger->info("cluster: {} broker(s): {}", cluster.brokers, cluster.broker_list);
  if (Status s = ledger_kafka::EnsureTopics(options.kafka, logger); !s.ok()) return s;
  if (Status s = Producer::Open(options.kafka, defaults, logger, rep.get(), &rep->producer);
      !s.ok())
    return s;
  if (options.wait_outcomes) {
    if (Status s = Consumer::Open(options.kafka, {}, logger, &rep->outcomes); !s.ok()) return s;
    int64_t low = 0, high = 0;
    const auto deadline = std::chrono::steady_clock::now() + options.kafka.connect_timeout;
    for (;;) {  // a leader may be moving right after the topic was created
      Status s = rep->outcomes->QueryWatermarks(rep->topics.outcomes, 0, kOpTimeout, &low, &high);
      if (s.ok()) break;
      if (!s.IsRetryable() || std::chrono::steady_clock::now() > deadline) return s;
      logger->warn("{}; retrying", s.message());
    }
    rep->outcomes_start = high;
    logger->info("outcomes: waiting from offset {} of {}", high, rep->topics.outcomes);
  }
  out->reset(new SubmissionsProducer(std::move(rep)));
  return Status::Ok();
}

Status SubmissionsProducer::Send(ledger::SubmissionSource* source, const ProduceProgress& progress,
                                 ProduceStats* stats) {
  Rep& r = *rep_;
  r.stats = stats;
  struct Detach {  // reports after Send returns must not reach *stats
    Rep& r;
    ~Detach() { r.stats = nullptr; }
  } detach{r};
  *stats = ProduceStats{};
  Producer& p = *r.producer;
  const std::string& topic = r.topics.submissions;
  ledger::SourceLine line;
  char number[24];
  bool queue_full_logged = false;
  auto report = [&] {
    if (!progress) return;
    stats->bytes = source->bytes_read();
    stats->outstanding = p.OutstandingMessages();
    progress(*stats);
  };
  Status failure;
  for (;;) {
    if (r.stop_requested.load(std::memory_order_relaxed)) {
      stats->stopped = true;
      break;
    }
    const ledger::SubmissionSource::Read got = source->Next(&line, std::chrono::milliseconds(100));
    if (got == ledger::SubmissionSource::Read::kEnd) break;
    if (got == ledger::SubmissionSource::Read::kIdle) {  // a slow pipe: serve reports meanwhile
      p.Poll(std::chrono::milliseconds(0));
      report();
      continue;
    }
    const auto n = std::to_chars(number, number + sizeof number, line.line_no);
    const ledger_kafka::MessageHeader header{"line", std::string_view(number, n.ptr - number)};
    void* opaque = reinterpret_cast<void*>(static_cast<uintptr_t>(line.line_no));
    for (;;) {
      Status s = p.Produce(topic, 0, std::nullopt, line.text, {&header, 1}, opaque);
      if (s.ok()) break;
      if (!s.IsRetryable()) {  // only a full queue is: the cluster is slow or away
        // E.g. a line longer than message.max.bytes: the lines before it are sent already.
        const std::string where = "line " + std::to_string(line.line_no) + ": ";
        failure = s.code() == Status::Code::kInvalidInput
                      ? Status::InvalidInput(where + s.message())
                      : Status::Io(where + s.message());
        break;
      }
      if (!queue_full_logged) {
        r.log->debug("producer queue full at line {}: waiting for the cluster", line.line_no);
        queue_full_logged = true;
      }
      p.Poll(std::chrono::milliseconds(50));
      report();
    }
    if (!failure.ok()) break;
    stats->last_line = line.line_no;
    if ((++stats->lines & 1023) == 0) {
      p.Poll(std::chrono::milliseconds(0));
      if ((stats->lines & 65535) == 0) report();
    }
  }
  stats->bytes = source->bytes_read();
  // Every sent line gets its report, delivered or failed (message.timeout.ms bounds the wait).
  while (p.OutstandingMessages() > 0) {
    Status s = p.Flush(std::chrono::milliseconds(200));
    if (!s.ok() && !s.IsRetryable()) return s;
    report();
  }
  if (Status s = p.FatalError(); !s.ok()) return s;
  if (!failure.ok()) return failure;
  if (Status s = source->status(); !s.ok()) return s;
  // One partition: reports come in offset order; keep the lookup right even if they did not.
  if (!std::is_sorted(r.delivered.begin(), r.delivered.end(),
                      [](const Delivered& a, const Delivered& b) { return a.offset < b.offset; }))
    std::sort(r.delivered.begin(), r.delivered.end(),
              [](const Delivered& a, const Delivered& b) { return a.offset < b.offset; });
  return Status::Ok();
}

namespace {

// The fields of one outcome object, parsed (the object itself is passed on as it came).
Status ParseOutcome(simdjson::ondemand::parser& parser, std::string& padded,
                    std::string_view json, ReceivedOutcome* out, uint64_t* line) {
  padded.assign(json);
  padded.resize(json.size() + simdjson::SIMDJSON_PADDING);
  simdjson::padded_string_view view(padded.data(), json.size(), padded.size());
  auto doc = parser.iterate(view);
  simdjson::ondemand::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) return Status::Corruption("not an object");
  bool has_line = false, has_kind = false;
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS)
      return Status::Corruption("bad member name");
    auto value = field.value();
    if (key == "line") {
      if (value.get_uint64().get(*line) != simdjson::SUCCESS)
        return Status::Corruption("\"line\" is not a number");
      has_line = true;
    } else if (key == "outcome") {
      std::string_view kind;
      if (value.get_string().get(kind) != simdjson::SUCCESS)
        return Status::Corruption("\"outcome\" is not a string");
      if (kind == "accepted") {
        out->kind = ledger::OutcomeKind::kAccepted;
      } else if (kind == "duplicate") {
        out->kind = ledger::OutcomeKind::kDuplicate;
      } else if (kind == "rejected") {
        out->kind = ledger::OutcomeKind::kRejected;
      } else {
        return Status::Corruption("unknown outcome \"" + std::string(kind) + "\"");
      }
      has_kind = true;
    } else if (key == "position") {
      if (value.get_uint64().get(out->position) != simdjson::SUCCESS)
        return Status::Corruption("\"position\" is not a number");
    } else if (key == "reason" || key == "field" || key == "message") {
      std::string_view s;
      if (value.get_string().get(s) != simdjson::SUCCESS)
        return Status::Corruption("\"" + std::string(key) + "\" is not a string");
      (key == "reason" ? out->reason : key == "field" ? out->field : out->message) = s;
    }
  }
  if (!has_line || !has_kind) return Status::Corruption("no \"line\" or \"outcome\"");
  return Status::Ok();
}

}  // namespace

Status SubmissionsProducer::AwaitOutcomes(OutcomeHandler* handler,
                                          std::chrono::milliseconds idle_timeout,
                                          const WaitProgress& progress, WaitStats* stats) {
  Rep& r = *rep_;
  *stats = WaitStats{};
  stats->expected = r.delivered.size();
  if (r.delivered.empty()) return Status::Ok();
  const std::vector<ledger_kafka::TopicPartitionOffset> assignment = {
      {r.topics.outcomes, 0, r.outcomes_start}};
  if (Status s = r.outcomes->Assign(assignment); !s.ok()) return s;

  simdjson::ondemand::parser parser;
  std::string padded, stripped;
  size_t next = 0;                           // index into r.delivered of the next to hand on
  std::map<size_t, std::string> early;       // outcomes that arrived before an earlier one
  auto last_progress = std::chrono::steady_clock::now();
  int last_error = 0;

  auto hand_on = [&](size_t index, std::string_view json) -> Status {
    const Delivered& d = r.delivered[index];
    ReceivedOutcome o;
    uint64_t line = 0;
    if (Status s = ParseOutcome(parser, padded, json, &o, &line); !s.ok())
      return Status::Corruption("the outcome for submissions offset " + std::to_string(d.offset) +
                                " does not parse (" + s.message() + "): " + std::string(json));
    if (line != d.line)
      return Status::Corruption("the outcome for submissions offset " + std::to_string(d.offset) +
                                " names line " + std::to_string(line) + ", but line " +
                                std::to_string(d.line) + " was sent there");
    o.line = d.line;
    o.offset = d.offset;
    o.json = json;
    switch (o.kind) {
      case ledger::OutcomeKind::kAccepted: ++stats->accepted; break;
      case ledger::OutcomeKind::kDuplicate: ++stats->duplicates; break;
      case ledger::OutcomeKind::kRejected: ++stats->rejected; break;
    }
    if (o.kind != ledger::OutcomeKind::kRejected)
      stats->head_position = std::max(stats->head_position, o.position);
    handler->OnOutcome(o);
    ++stats->answered;
    return Status::Ok();
  };

  while (next < r.delivered.size()) {
    if (r.stop_requested.load(std::memory_order_relaxed)) {
      stats->stopped = true;
      return Status::Ok();
    }
    ledger_kafka::ConsumedMessage m;
    Consumer::Read read;
    Status s = r.outcomes->Poll(std::chrono::milliseconds(200), &m, &read);
    const auto now = std::chrono::steady_clock::now();
    if (!s.ok()) {
      if (!s.IsRetryable()) return s;
      // A cluster that is away is waited for; say so once per kind of error.
      if (static_cast<int>(s.code()) != last_error) r.log->warn("{}; waiting", s.message());
      last_error = static_cast<int>(s.code());
    } else if (read == Consumer::Read::kMessage) {
      last_error = 0;
      uint64_t offset = 0;
      if (!ledger::StripOutcomeOffset(m.value, &stripped, &offset)) {
        r.log->warn("{} offset {} is not an outcome message; ignored", m.topic, m.offset);
        ++stats->ignored;
      } else {
        auto it = std::lower_bound(
            r.delivered.begin(), r.delivered.end(), static_cast<int64_t>(offset),
            [](const Delivered& d, int64_t o) { return d.offset < o; });
        const size_t index = static_cast<size_t>(it - r.delivered.begin());
        if (it == r.delivered.end() || it->offset != static_cast<int64_t>(offset)) {
          ++stats->ignored;  // another producer's line
        } else if (index < next || early.count(index)) {
          r.log->debug("second outcome for submissions offset {} ignored", offset);
        } else {
          last_progress = now;
          if (index == next) {
            if (Status hs = hand_on(index, stripped); !hs.ok()) return hs;
            ++next;
            for (auto e = early.begin(); e != early.end() && e->first == next;
                 e = early.erase(e), ++next)
              if (Status hs = hand_on(e->first, e->second); !hs.ok()) return hs;
          } else {
            early.emplace(index, stripped);
          }
        }
      }
    }
    if (progress) progress(*stats);
    if (idle_timeout.count() > 0 && now - last_progress > idle_timeout)
      return Status::Retryable("no outcome arrived for " + SecondsText(idle_timeout) + ": " +
                               std::to_string(stats->answered) + " of " +
                               std::to_string(stats->expected) +
                               " lines answered (is `smeledger serve` running?)");
  }
  return Status::Ok();
}

}  // namespace smeledger::producers_kafka
