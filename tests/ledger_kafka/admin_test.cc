// CheckReachable and EnsureTopics against the development broker (and against nothing).
#include <catch2/catch.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>
#include <thread>

#include "kafka_support.h"
#include "smeledger/ledger_kafka/admin.h"

using namespace smeledger;
using namespace smeledger::ledger_kafka;
using namespace smeledger::testing;

namespace {

std::shared_ptr<spdlog::logger> TestLogger(std::ostringstream* out) {
  auto l = std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(*out));
  l->set_level(spdlog::level::debug);
  return l;
}

KafkaOptions FixtureOptions(const std::string& what) {
  KafkaOptions o;
  o.bootstrap_servers = KafkaBootstrap();
  o.topic_prefix = UniqueTopicPrefix(what);
  return o;
}

// TopicCommand --describe, as an operator would run it.
std::string Describe(const std::string& bootstrap, const std::string& topic) {
  ShellRun r = Shell(KafkaDevScript() + " run-class org.apache.kafka.tools.TopicCommand " +
                     "--bootstrap-server " + bootstrap + " --describe --topic " + topic);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return r.out;
}

void CreateWithTopicCommand(const std::string& bootstrap, const std::string& topic,
                            const std::string& extra) {
  ShellRun r = Shell(KafkaDevScript() + " run-class org.apache.kafka.tools.TopicCommand " +
                     "--bootstrap-server " + bootstrap + " --create --topic " + topic + " " +
                     extra);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
}

}  // namespace

TEST_CASE("an unreachable cluster is retryable, names the bootstrap, within the timeout",
          "[ledger_kafka]") {
  std::ostringstream log;
  KafkaOptions o;
  o.bootstrap_servers = "127.0.0.1:9";
  o.connect_timeout = std::chrono::milliseconds(1500);
  const double t0 = MonotonicSeconds();
  Status s = CheckReachable(o, TestLogger(&log));
  const double secs = MonotonicSeconds() - t0;
  CHECK(s.IsRetryable());
  CHECK(s.message().find("cannot reach Kafka at 127.0.0.1:9 within 1.5 s") == 0);
  CHECK(secs >= 1.4);
  CHECK(secs < 5);
  // librdkafka's own account went to our logger.
  CHECK(log.str().find("Connection refused") != std::string::npos);

  Status e = EnsureTopics(o, TestLogger(&log));
  CHECK(e.IsRetryable());
  CHECK(e.message().find("127.0.0.1:9") != std::string::npos);
}

TEST_CASE("no bootstrap, or a bad property, is the user's mistake", "[ledger_kafka]") {
  std::ostringstream log;
  KafkaOptions o;
  CHECK(CheckReachable(o, TestLogger(&log)).code() == Status::Code::kInvalidInput);
  o.bootstrap_servers = "127.0.0.1:9";
  o.properties = {{"socket.timeout.ms", "not-a-number"}};
  Status s = CheckReachable(o, TestLogger(&log));
  CHECK(s.code() == Status::Code::kInvalidInput);
  CHECK(s.message().find("socket.timeout.ms") != std::string::npos);
}

TEST_CASE("the fixture broker answers", "[ledger_kafka][kafka]") {
  REQUIRE_FALSE(KafkaBootstrap().empty());
  std::ostringstream log;
  ClusterInfo info;
  Status s = CheckReachable(FixtureOptions("reach"), TestLogger(&log), &info);
  INFO(s.ToString());
  REQUIRE(s.ok());
  CHECK(info.brokers == 1);
  CHECK(info.broker_list.find("127.0.0.1:") != std::string::npos);
}

TEST_CASE("EnsureTopics creates the three topics with the contract's settings, once",
          "[ledger_kafka][kafka]") {
  std::ostringstream log;
  const KafkaOptions o = FixtureOptions("ensure");
  Status s = EnsureTopics(o, TestLogger(&log));
  INFO(s.ToString() << "\n" << log.str());
  REQUIRE(s.ok());
  const TopicNames names = TopicNamesFor(o);
  for (const std::string& t : {names.submissions, names.records, names.outcomes}) {
    const std::string d = Describe(o.bootstrap_servers, t);
    INFO(d);
    CHECK(d.find("PartitionCount: 1\t") != std::string::npos);
    CHECK(d.find("ReplicationFactor: 1\t") != std::string::npos);
    CHECK(d.find("retention.ms=-1") != std::string::npos);
    CHECK(d.find("retention.bytes=-1") != std::string::npos);
    CHECK(d.find("cleanup.policy=delete") != std::string::npos);
    CHECK(d.find("min.insync.replicas=1") != std::string::npos);
    CHECK(log.str().find("created topic " + t) != std::string::npos);
  }
  // Again: nothing to create, everything checks out.
  std::ostringstream log2;
  CHECK(EnsureTopics(o, TestLogger(&log2)).ok());
  CHECK(log2.str().find("created topic") == std::string::npos);
}

TEST_CASE("processes racing to create the topics all succeed", "[ledger_kafka][kafka]") {
  const KafkaOptions o = FixtureOptions("race");
  std::ostringstream logs[4];
  Status results[4];
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&, i] { results[i] = EnsureTopics(o, TestLogger(&logs[i])); });
  for (auto& t : threads) t.join();
  for (int i = 0; i < 4; ++i) {
    INFO(results[i].ToString() << "\n" << logs[i].str());
    CHECK(results[i].ok());
  }
}

TEST_CASE("an existing topic with 2 partitions is refused, naming topic, setting and values",
          "[ledger_kafka][kafka]") {
  std::ostringstream log;
  const KafkaOptions o = FixtureOptions("partitions");
  const TopicNames names = TopicNamesFor(o);
  CreateWithTopicCommand(o.bootstrap_servers, names.records, "--partitions 2");
  Status s = EnsureTopics(o, TestLogger(&log));
  CHECK(s.code() == Status::Code::kIo);
  CHECK(s.message().find("topic " + names.records + ": partitions is 2, expected 1") == 0);
}

TEST_CASE("an existing topic that would delete records is refused", "[ledger_kafka][kafka]") {
  std::ostringstream log;
  const KafkaOptions o = FixtureOptions("retention");
  const TopicNames names = TopicNamesFor(o);
  CreateWithTopicCommand(o.bootstrap_servers, names.outcomes,
                         "--partitions 1 --config retention.ms=604800000");
  Status s = EnsureTopics(o, TestLogger(&log));
  CHECK(s.code() == Status::Code::kIo);
  CHECK(s.message().find("topic " + names.outcomes +
                         ": retention.ms is 604800000, expected -1") == 0);

  const KafkaOptions c = FixtureOptions("compact");
  CreateWithTopicCommand(c.bootstrap_servers, TopicNamesFor(c).submissions,
                         "--partitions 1 --config cleanup.policy=compact "
                         "--config retention.ms=-1");
  s = EnsureTopics(c, TestLogger(&log));
  CHECK(s.code() == Status::Code::kIo);
  CHECK(s.message().find(": cleanup.policy is compact, expected delete") != std::string::npos);
}
