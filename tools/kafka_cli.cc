#include "kafka_cli.h"

#include <signal.h>

#include <atomic>
#include <cmath>

#include "logging.h"

namespace smeledger::cli {

void AddKafkaOptions(CLI::App* cmd, KafkaArgs* a, bool required) {
  auto* b = cmd->add_option("--bootstrap", a->bootstrap, "Kafka bootstrap servers, host:port[,...]");
  if (required) b->required();
  cmd->add_option("-X", a->properties, "librdkafka property key=value (repeatable)")
      ->allow_extra_args(false);  // one key=value per -X: a positional argument may follow
  cmd->add_option("--topic-prefix", a->topic_prefix, "prefix of the Kafka topic names")
      ->capture_default_str();
  cmd->add_option("--connect-timeout", a->connect_timeout_s,
                  "give up (exit 3) when the cluster does not answer within SECONDS")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  AddLogFormatOption(cmd, &a->log_format);
}

std::chrono::milliseconds Millis(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(seconds * 1000)));
}

int ToKafkaOptions(const KafkaArgs& a, ledger_kafka::KafkaOptions* out) {
  out->bootstrap_servers = a.bootstrap;
  out->topic_prefix = a.topic_prefix;
  out->connect_timeout = Millis(a.connect_timeout_s);
  out->properties.clear();
  for (const std::string& x : a.properties) {
    ledger_kafka::KafkaProperty p;
    if (Status s = ledger_kafka::ParseProperty(x, &p); !s.ok()) return Fail(kUsage, s.message());
    out->properties.push_back(std::move(p));
  }
  if (Status s = ledger_kafka::ValidateProperties(out->properties); !s.ok())
    return Fail(kUsage, s.message());
  return kOk;
}

namespace {

std::atomic<void (*)()> stop_fn{nullptr};
std::atomic<int> signals_seen{0};

extern "C" void OnSignal(int sig) {
  if (signals_seen.fetch_add(1) > 0) {  // the second one: now
    signal(sig, SIG_DFL);
    raise(sig);
    return;
  }
  if (auto f = stop_fn.load()) f();
}

}  // namespace

void OnStopSignal(void (*stop)()) {
  stop_fn = stop;
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

}  // namespace smeledger::cli
