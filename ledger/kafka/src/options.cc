#include "smeledger/ledger_kafka/options.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>

#include "rdkafka_owners.h"

namespace smeledger::ledger_kafka {

TopicNames TopicNamesFor(const KafkaOptions& options) {
  return TopicNames{options.topic_prefix + "submissions", options.topic_prefix + "records",
                    options.topic_prefix + "outcomes"};
}

Status ParseProperty(std::string_view key_value, KafkaProperty* out) {
  const size_t eq = key_value.find('=');
  if (eq == std::string_view::npos || eq == 0)
    return Status::InvalidInput("-X wants key=value, got \"" + std::string(key_value) + "\"");
  out->key.assign(key_value.substr(0, eq));
  out->value.assign(key_value.substr(eq + 1));
  return Status::Ok();
}

bool IsSecretProperty(std::string_view key) {
  // Passwords and secrets by name; PEM private keys and the binary ssl_key; configs that embed
  // credentials (JAAS, OAuth bearer).
  static constexpr std::string_view kSecretParts[] = {
      "password", "secret", "ssl.key.pem", "ssl_key", "sasl.jaas.config",
      "sasl.oauthbearer.config", "ssl.keystore.password"};
  std::string lower(key);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (std::string_view part : kSecretParts)
    if (lower.find(part) != std::string::npos) return true;
  return false;
}

namespace {
std::string Shown(const KafkaProperty& p) {
  return p.key + "=" + (IsSecretProperty(p.key) ? std::string("***") : p.value);
}
}  // namespace

std::string DescribeProperties(const KafkaProperties& properties) {
  std::string s;
  for (const KafkaProperty& p : properties) {
    if (!s.empty()) s += ", ";
    s += Shown(p);
  }
  return s;
}

Status ValidateProperties(const KafkaProperties& properties) {
  ConfPtr conf(rd_kafka_conf_new());
  char errstr[512];
  for (const KafkaProperty& p : properties) {
    if (rd_kafka_conf_set(conf.get(), p.key.c_str(), p.value.c_str(), errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK)
      return Status::InvalidInput("invalid Kafka property -X " + Shown(p) + ": " + errstr);
  }
  return Status::Ok();
}

KafkaProperties EffectiveProperties(const KafkaOptions& options,
                                    const KafkaProperties& defaults) {
  KafkaProperties out;
  auto set = [&out](const KafkaProperty& p) {
    for (KafkaProperty& q : out)
      if (q.key == p.key) {
        q.value = p.value;
        return;
      }
    out.push_back(p);
  };
  set({"bootstrap.servers", options.bootstrap_servers});
  for (const KafkaProperty& p : defaults) set(p);
  for (const KafkaProperty& p : options.properties) set(p);
  return out;
}

}  // namespace smeledger::ledger_kafka
