// How a Kafka role reaches its cluster: bootstrap servers, topic names, librdkafka properties.
// Every Kafka command (produce, serve, project) fills one KafkaOptions from its command line
// (`--bootstrap`, `--topic-prefix`, `-X key=value`, `--connect-timeout`) and hands it to the
// clients of this library. A value type: copy it freely.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "smeledger/ledger/status.h"

namespace smeledger::ledger_kafka {

// One librdkafka configuration property (https://github.com/confluentinc/librdkafka,
// CONFIGURATION.md), global or topic-level.
struct KafkaProperty {
  std::string key;
  std::string value;
};
using KafkaProperties = std::vector<KafkaProperty>;

struct KafkaOptions {
  // `bootstrap.servers`: "host:port[,host:port...]". Required: no default.
  std::string bootstrap_servers;

  // Prefix of the three topic names (README.md, "Topics"). Default: "smeledger.".
  std::string topic_prefix = "smeledger.";

  // The user's `-X key=value` properties, in the order given. They are applied last, after the
  // role's own defaults, so they override them (and a later one overrides an earlier one).
  // Validate them with ValidateProperties() before starting work. Default: none.
  KafkaProperties properties;

  // How long CheckReachable() and EnsureTopics() wait for the cluster to answer before they
  // give up with kRetryable. Default: 30 s.
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(30)};
};

// The three topics of Kafka mode (README.md, "Topics").
struct TopicNames {
  std::string submissions;  // <prefix>submissions
  std::string records;      // <prefix>records
  std::string outcomes;     // <prefix>outcomes
};
TopicNames TopicNamesFor(const KafkaOptions& options);

// Parses one `-X` argument, "key=value" (the value may be empty and may contain '='). Returns
// kInvalidInput naming the argument when there is no '=' or the key is empty.
Status ParseProperty(std::string_view key_value, KafkaProperty* out);

// Checks every property of `properties` against librdkafka's own configuration table: an
// unknown key or an invalid value is kInvalidInput naming the property and librdkafka's reason.
Status ValidateProperties(const KafkaProperties& properties);

// `defaults`, then `options.properties`, with later keys replacing earlier ones; the result
// keeps the order in which each key first appeared. `bootstrap.servers` comes first, from
// options.bootstrap_servers, unless a -X property sets it.
KafkaProperties EffectiveProperties(const KafkaOptions& options, const KafkaProperties& defaults);

// True for properties whose values are secrets (passwords, private keys, OAuth/JAAS configs).
bool IsSecretProperty(std::string_view key);

// "k1=v1, k2=v2, ..." with secret values replaced by "***" (for logs).
std::string DescribeProperties(const KafkaProperties& properties);

}  // namespace smeledger::ledger_kafka
