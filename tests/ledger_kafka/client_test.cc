// Producer and Consumer against the development broker: delivery reports, keys and headers,
// watermarks, transactions seen through read_committed.
#include <catch2/catch.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>
#include <vector>

#include "kafka_support.h"
#include "smeledger/ledger_kafka/admin.h"
#include "smeledger/ledger_kafka/client.h"

using namespace smeledger;
using namespace smeledger::ledger_kafka;
using namespace smeledger::testing;
using namespace std::chrono_literals;

namespace {

std::shared_ptr<spdlog::logger> TestLogger(std::ostringstream* out) {
  auto l = std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(*out));
  l->set_level(spdlog::level::info);
  return l;
}

struct Reports final : DeliveryHandler {
  std::vector<DeliveryReport> got;
  std::vector<std::string> errors;
  void OnDelivery(const DeliveryReport& r) override {
    got.push_back(r);
    got.back().topic = {};  // valid during the call only
    if (!r.status.ok()) errors.push_back(r.status.message());
  }
};

struct Message {
  int64_t offset;
  std::optional<std::string> key;
  std::string value;
  std::optional<std::string> line;
};

// Reads `topic` partition 0 from `from` until `count` messages arrived (or 30 s passed).
std::vector<Message> ReadBack(const KafkaOptions& o, const std::string& topic, int64_t from,
                              size_t count, std::ostringstream* log) {
  std::unique_ptr<Consumer> c;
  REQUIRE(Consumer::Open(o, {}, TestLogger(log), &c).ok());
  const TopicPartitionOffset tp{topic, 0, from};
  REQUIRE(c->Assign({&tp, 1}).ok());
  std::vector<Message> out;
  const double deadline = MonotonicSeconds() + 30;
  while (out.size() < count && MonotonicSeconds() < deadline) {
    ConsumedMessage m;
    Consumer::Read read;
    Status s = c->Poll(200ms, &m, &read);
    if (!s.ok() || read != Consumer::Read::kMessage) continue;
    Message copy{m.offset, std::nullopt, std::string(m.value), std::nullopt};
    if (m.key) copy.key = std::string(*m.key);
    if (auto h = m.Header("line")) copy.line = std::string(*h);
    out.push_back(std::move(copy));
  }
  return out;
}

}  // namespace

TEST_CASE("a producer with a bad property is refused before it connects", "[ledger_kafka]") {
  std::ostringstream log;
  KafkaOptions o;
  o.bootstrap_servers = "127.0.0.1:9";
  o.properties = {{"enable.idempotence", "true"}, {"acks", "1"}};
  std::unique_ptr<Producer> p;
  Status s = Producer::Open(o, {}, TestLogger(&log), nullptr, &p);
  CHECK(s.code() == Status::Code::kInvalidInput);
  CHECK(s.message().find("acks") != std::string::npos);
  CHECK(p == nullptr);
}

TEST_CASE("produced messages come back with key, value and headers, reports give offsets",
          "[ledger_kafka][kafka]") {
  std::ostringstream log;
  KafkaOptions o;
  o.bootstrap_servers = KafkaBootstrap();
  o.topic_prefix = UniqueTopicPrefix("roundtrip");
  REQUIRE(EnsureTopics(o, TestLogger(&log)).ok());
  const std::string topic = TopicNamesFor(o).submissions;

  Reports reports;
  std::unique_ptr<Producer> p;
  REQUIRE(Producer::Open(o, {{"enable.idempotence", "true"}, {"linger.ms", "1"}},
                         TestLogger(&log), &reports, &p)
              .ok());
  const MessageHeader h1{"line", "7"};
  REQUIRE(p->Produce(topic, 0, std::nullopt, "{\"a\":1}", {&h1, 1},
                     reinterpret_cast<void*>(uintptr_t{7}))
              .ok());
  REQUIRE(p->Produce(topic, 0, std::string_view("k"), "", {}, nullptr).ok());
  const std::string binary("\0\xff\n", 3);
  REQUIRE(p->Produce(topic, 0, std::string_view(""), binary, {}, nullptr).ok());
  REQUIRE(p->Flush(30s).ok());
  CHECK(p->OutstandingMessages() == 0);
  CHECK(p->FatalError().ok());
  REQUIRE(reports.got.size() == 3);
  CHECK(reports.errors.empty());
  CHECK(reports.got[0].offset == 0);
  CHECK(reports.got[0].opaque == reinterpret_cast<void*>(uintptr_t{7}));
  CHECK(reports.got[2].offset == 2);

  std::vector<Message> back = ReadBack(o, topic, 0, 3, &log);
  REQUIRE(back.size() == 3);
  CHECK(back[0].value == "{\"a\":1}");
  CHECK_FALSE(back[0].key.has_value());
  CHECK(back[0].line == "7");
  CHECK(back[1].key == "k");
  CHECK(back[1].value.empty());
  CHECK_FALSE(back[1].line.has_value());
  CHECK(back[2].key == "");
  CHECK(back[2].value == binary);

  std::unique_ptr<Consumer> c;
  REQUIRE(Consumer::Open(o, {}, TestLogger(&log), &c).ok());
  int64_t low = -1, high = -1;
  REQUIRE(c->QueryWatermarks(topic, 0, 10s, &low, &high).ok());
  CHECK(low == 0);
  CHECK(high == 3);
}

TEST_CASE("transactions: read_committed sees committed messages, never aborted ones",
          "[ledger_kafka][kafka]") {
  std::ostringstream log;
  KafkaOptions o;
  o.bootstrap_servers = KafkaBootstrap();
  o.topic_prefix = UniqueTopicPrefix("txn");
  REQUIRE(EnsureTopics(o, TestLogger(&log)).ok());
  const std::string topic = TopicNamesFor(o).outcomes;

  Reports reports;
  std::unique_ptr<Producer> p;
  REQUIRE(Producer::Open(o, {{"transactional.id", o.topic_prefix + "txn"}}, TestLogger(&log),
                         &reports, &p)
              .ok());
  Status s = p->InitTransactions(60s);
  INFO(s.ToString() << "\n" << log.str());
  REQUIRE(s.ok());
  REQUIRE(p->BeginTransaction().ok());
  REQUIRE(p->Produce(topic, 0, std::string_view("0"), "aborted", {}).ok());
  REQUIRE(p->Flush(30s).ok());
  REQUIRE(p->AbortTransaction(30s).ok());
  REQUIRE(p->BeginTransaction().ok());
  REQUIRE(p->Produce(topic, 0, std::string_view("1"), "committed", {}).ok());
  REQUIRE(p->CommitTransaction(30s).ok());

  std::vector<Message> back = ReadBack(o, topic, 0, 1, &log);
  REQUIRE(back.size() == 1);
  CHECK(back[0].value == "committed");
  CHECK(back[0].key == "1");

  // A second instance with the same transactional.id fences the first.
  std::unique_ptr<Producer> q;
  REQUIRE(Producer::Open(o, {{"transactional.id", o.topic_prefix + "txn"}}, TestLogger(&log),
                         nullptr, &q)
              .ok());
  REQUIRE(q->InitTransactions(60s).ok());
  REQUIRE(p->BeginTransaction().ok());
  REQUIRE(p->Produce(topic, 0, std::string_view("2"), "zombie", {}).ok());
  Status fenced = p->CommitTransaction(30s);
  CHECK(fenced.code() == Status::Code::kIo);
}
