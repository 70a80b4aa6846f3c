// What every Kafka command takes (CLI.md): --bootstrap, -X key=value, --topic-prefix,
// --connect-timeout, --log-format; and turning them into KafkaOptions.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "cli.h"
#include "smeledger/ledger_kafka/options.h"

namespace smeledger::cli {

struct KafkaArgs {
  std::string bootstrap;
  std::vector<std::string> properties;  // -X key=value, in order
  std::string topic_prefix = ledger_kafka::KafkaOptions().topic_prefix;
  double connect_timeout_s =
      std::chrono::duration<double>(ledger_kafka::KafkaOptions().connect_timeout).count();
  std::string log_format = "text";
};

// Adds the options above to `cmd`, stored in *a (which must outlive the parse).
// `required`: --bootstrap must be given.
void AddKafkaOptions(CLI::App* cmd, KafkaArgs* a, bool required = true);

// Fills *out from `a`, validating every -X property against librdkafka. Returns kOk, or the
// exit status after printing why (kUsage for a bad property).
int ToKafkaOptions(const KafkaArgs& a, ledger_kafka::KafkaOptions* out);

std::chrono::milliseconds Millis(double seconds);

// Installs SIGINT/SIGTERM handlers that call `stop()` once (it must be async-signal-safe); a
// second signal ends the process at once (the ledger is crash-safe). For one long-running
// command per process.
void OnStopSignal(void (*stop)());

}  // namespace smeledger::cli
