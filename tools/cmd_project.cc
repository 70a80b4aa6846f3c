// smeledger project --bootstrap B [--db DIR] [--rules ID|FILE] [-X key=value]...
//                   [--topic-prefix P] [--connect-timeout S] [--log-format text|json]
//                   [--status-interval S]
// A read replica over the records topic (projections/kafka/README.md). SIGTERM or SIGINT:
// the batch in hand is finished, the projection caught up, exit 0 (a second signal: at once).
#include <atomic>

#include "cli.h"
#include "kafka_cli.h"
#include "logging.h"
#include "projection_cli.h"
#include "smeledger/projections_kafka/records_replica.h"

namespace smeledger::cli {
namespace {

struct ProjectArgs {
  KafkaArgs kafka;
  double status_s = 5;
};

// Set by SIGTERM/SIGINT; a lock-free atomic store is async-signal-safe.
std::atomic<bool> stop_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free);

void RequestStop() { stop_requested.store(true); }

int RunProject(const GlobalOptions& g, const ProjectArgs& a) {
  projections_kafka::RecordsReplicaOptions options;
  if (int rc = ToKafkaOptions(a.kafka, &options.kafka); rc != kOk) return rc;
  int code = kOk;
  if (!LoadRules(g.rules, &options.writer.rules, &code)) return code;
  options.writer.db = g.db;
  options.status_interval = Millis(a.status_s);

  OnStopSignal(RequestStop);
  auto logger = NewCliLogger("project", a.kafka.log_format, g);
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
  AddKafkaOptions(cmd, &a->kafka);
  cmd->add_option("--status-interval", a->status_s, "seconds between status lines")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->callback([&g, exit_code, a] { *exit_code = RunProject(g, *a); });
}

}  // namespace smeledger::cli
