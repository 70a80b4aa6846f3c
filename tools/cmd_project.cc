// smeledger project --bootstrap B [--db DIR] [--rules ID|FILE] [-X key=value]...
//                   [--topic-prefix P] [--connect-timeout SECONDS] [--log-format text|json]
// A read replica over the records topic (projections/kafka/README.md). SIGTERM or SIGINT:
// the batch in hand is finished, the projection caught up, exit 0.
#include <atomic>
#include <csignal>
#include <cmath>

#include "cli.h"
#include "logging.h"
#include "projection_cli.h"
#include "smeledger/projections_kafka/records_replica.h"

namespace smeledger::cli {
namespace {

struct ProjectArgs {
  std::string bootstrap;
  std::string topic_prefix = ledger_kafka::KafkaOptions().topic_prefix;
  std::vector<std::string> properties;
  double connect_timeout_s =
      std::chrono::duration<double>(ledger_kafka::KafkaOptions().connect_timeout).count();
  std::string log_format = "text";
};

// Set by SIGTERM/SIGINT; a lock-free atomic store is async-signal-safe.
std::atomic<bool> stop_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void OnStopSignal(int) { stop_requested.store(true); }

void InstallStopHandlers() {
  struct sigaction sa = {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
}

int RunProject(const GlobalOptions& g, const ProjectArgs& a) {
  projections_kafka::RecordsReplicaOptions options;
  options.kafka.bootstrap_servers = a.bootstrap;
  options.kafka.topic_prefix = a.topic_prefix;
  options.kafka.connect_timeout = std::chrono::milliseconds(
      static_cast<int64_t>(std::llround(a.connect_timeout_s * 1000)));
  for (const std::string& x : a.properties) {
    ledger_kafka::KafkaProperty p;
    if (Status s = ledger_kafka::ParseProperty(x, &p); !s.ok()) return Fail(kUsage, s.message());
    options.kafka.properties.push_back(std::move(p));
  }
  if (Status s = ledger_kafka::ValidateProperties(options.kafka.properties); !s.ok())
    return Fail(kUsage, s.message());
  int code = kOk;
  if (!LoadRules(g.rules, &options.writer.rules, &code)) return code;
  options.writer.db = g.db;

  InstallStopHandlers();
  auto logger = NewCliLogger("project", a.log_format, g);
  std::unique_ptr<projections_kafka::RecordsReplica> replica;
  if (Status s = projections_kafka::RecordsReplica::Open(options, logger, &replica); !s.ok())
    return Fail(ExitFor(s), s.message());
  projections_kafka::RecordsReplicaStats stats;
  if (Status s = replica->Run(stop_requested, &stats); !s.ok())
    return Fail(ExitFor(s), s.message());
  return kOk;
}

}  // namespace

void AddProject(CLI::App& app, GlobalOptions& g, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "project", "a read replica: consume the records topic into --db, with the projections of "
                 "--rules (every read command then works on --db)");
  auto a = std::make_shared<ProjectArgs>();
  cmd->add_option("--bootstrap", a->bootstrap, "Kafka bootstrap servers, host:port[,...]")
      ->required();
  cmd->add_option("-X", a->properties, "librdkafka property key=value (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--topic-prefix", a->topic_prefix, "prefix of the Kafka topic names")
      ->capture_default_str();
  cmd->add_option("--connect-timeout", a->connect_timeout_s,
                  "give up (exit 3) when the cluster does not answer within SECONDS at start")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  AddLogFormatOption(cmd, &a->log_format);
  cmd->callback([&g, exit_code, a] { *exit_code = RunProject(g, *a); });
}

}  // namespace smeledger::cli
