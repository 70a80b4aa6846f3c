// KafkaOptions: -X parsing and validation, effective properties, secrets in logs, topic names
// and the settings topics are created with. No broker needed.
#include <catch2/catch.hpp>

#include "smeledger/ledger_kafka/admin.h"
#include "smeledger/ledger_kafka/options.h"

using namespace smeledger;
using namespace smeledger::ledger_kafka;

TEST_CASE("parsing -X key=value: split at the first '=', empty values allowed", "[ledger_kafka]") {
  KafkaProperty p;
  REQUIRE(ParseProperty("linger.ms=20", &p).ok());
  CHECK(p.key == "linger.ms");
  CHECK(p.value == "20");
  REQUIRE(ParseProperty("sasl.jaas.config=a=b=c", &p).ok());
  CHECK(p.key == "sasl.jaas.config");
  CHECK(p.value == "a=b=c");
  REQUIRE(ParseProperty("client.id=", &p).ok());
  CHECK(p.value.empty());

  Status s = ParseProperty("linger.ms", &p);
  CHECK(s.code() == Status::Code::kInvalidInput);
  CHECK(s.message().find("linger.ms") != std::string::npos);
  CHECK(ParseProperty("=5", &p).code() == Status::Code::kInvalidInput);
}

TEST_CASE("librdkafka judges properties: an unknown key or a bad value names the property",
          "[ledger_kafka]") {
  CHECK(ValidateProperties({{"linger.ms", "20"}, {"compression.codec", "zstd"}}).ok());
  Status unknown = ValidateProperties({{"linger.ms", "20"}, {"no.such.property", "1"}});
  CHECK(unknown.code() == Status::Code::kInvalidInput);
  CHECK(unknown.message().find("no.such.property=1") != std::string::npos);
  Status bad = ValidateProperties({{"acks", "banana"}});
  CHECK(bad.code() == Status::Code::kInvalidInput);
  CHECK(bad.message().find("acks=banana") != std::string::npos);
  // A secret never shows, not even in an error.
  Status secret = ValidateProperties({{"ssl.key.password", std::string(100000, 'x')}});
  if (!secret.ok()) CHECK(secret.message().find("xxx") == std::string::npos);
}

TEST_CASE("effective properties: bootstrap first, role defaults, then -X overrides in place",
          "[ledger_kafka]") {
  KafkaOptions o;
  o.bootstrap_servers = "h:1";
  o.properties = {{"linger.ms", "50"}, {"client.id", "me"}, {"linger.ms", "60"}};
  const KafkaProperties e = EffectiveProperties(o, {{"acks", "all"}, {"linger.ms", "5"}});
  REQUIRE(e.size() == 4);
  CHECK(e[0].key == "bootstrap.servers");
  CHECK(e[0].value == "h:1");
  CHECK(e[1].key == "acks");
  CHECK(e[2].key == "linger.ms");
  CHECK(e[2].value == "60");
  CHECK(e[3].key == "client.id");

  o.properties = {{"bootstrap.servers", "other:2"}};
  CHECK(EffectiveProperties(o, {})[0].value == "other:2");
}

TEST_CASE("secrets are masked in descriptions, nothing else is", "[ledger_kafka]") {
  CHECK(IsSecretProperty("sasl.password"));
  CHECK(IsSecretProperty("ssl.key.password"));
  CHECK(IsSecretProperty("ssl.keystore.password"));
  CHECK(IsSecretProperty("ssl.key.pem"));
  CHECK(IsSecretProperty("sasl.oauthbearer.client.secret"));
  CHECK(IsSecretProperty("sasl.oauthbearer.config"));
  CHECK(IsSecretProperty("SASL.PASSWORD"));
  CHECK_FALSE(IsSecretProperty("sasl.username"));
  CHECK_FALSE(IsSecretProperty("ssl.key.location"));
  CHECK_FALSE(IsSecretProperty("bootstrap.servers"));
  const std::string d = DescribeProperties(
      {{"sasl.username", "alice"}, {"sasl.password", "hunter2"}, {"acks", "all"}});
  CHECK(d == "sasl.username=alice, sasl.password=***, acks=all");
}

TEST_CASE("topic names follow the prefix", "[ledger_kafka]") {
  KafkaOptions o;
  CHECK(o.topic_prefix == "smeledger.");
  CHECK(o.connect_timeout == std::chrono::seconds(30));
  TopicNames t = TopicNamesFor(o);
  CHECK(t.submissions == "smeledger.submissions");
  CHECK(t.records == "smeledger.records");
  CHECK(t.outcomes == "smeledger.outcomes");
  o.topic_prefix = "city-a.";
  CHECK(TopicNamesFor(o).outcomes == "city-a.outcomes");
}

TEST_CASE("topics are created with replication min(3, brokers), min.insync 2 only at 3",
          "[ledger_kafka]") {
  KafkaOptions o;
  struct {
    int brokers, rf, isr;
  } cases[] = {{1, 1, 1}, {2, 2, 1}, {3, 3, 2}, {7, 3, 2}};
  for (auto c : cases) {
    const std::vector<TopicSpec> specs = TopicSpecsFor(o, c.brokers);
    REQUIRE(specs.size() == 3);
    for (const TopicSpec& s : specs) {
      CHECK(s.partitions == 1);
      CHECK(s.replication_factor == c.rf);
      CHECK(s.min_insync_replicas == c.isr);
    }
    CHECK(specs[0].name == "smeledger.submissions");
  }
}
