// smeledger serve --bootstrap B [--db DIR] [-X key=value]... [--topic-prefix P]
//                 [--connect-timeout S] [--log-format text|json] [--batch N] [--batch-delay MS]
#include "cli.h"
#include "kafka_cli.h"
#include "logging.h"
#include "smeledger/ledger_kafka/serve.h"

namespace smeledger::cli {
namespace {

std::atomic<ledger_kafka::LedgerService*> running{nullptr};

void StopRunning() {
  if (auto* s = running.load()) s->Stop();
}

struct ServeArgs {
  KafkaArgs kafka;
  size_t batch = ledger_kafka::ServeOptions().batch_events;
  int64_t batch_delay_ms = ledger_kafka::ServeOptions().batch_delay.count();
  double status_s = 5;
};

int RunServe(const GlobalOptions& g, const ServeArgs& a) {
  ledger_kafka::ServeOptions o;
  if (int rc = ToKafkaOptions(a.kafka, &o.kafka); rc != kOk) return rc;
  o.db = g.db;
  o.batch_events = a.batch;
  o.batch_delay = std::chrono::milliseconds(a.batch_delay_ms);
  o.status_interval = Millis(a.status_s);
  auto logger = NewCliLogger("serve", a.kafka.log_format, g);
  ledger_kafka::LedgerService service(o, logger);
  running = &service;
  OnStopSignal(StopRunning);
  ledger_kafka::ServeStats stats;
  const Status s = service.Run(&stats);
  running = nullptr;
  if (!s.ok()) {
    if (s.code() == Status::Code::kLocked)
      return Fail(kEnvironment, s.message() + " (is another serve running on it?)");
    return Fail(ExitFor(s) == kUsage ? kUsage : kEnvironment, s.message());
  }
  return kOk;
}

}  // namespace

void AddServe(CLI::App& app, GlobalOptions& g, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "serve", "the ledger as a Kafka service: consume submissions, append, publish records "
               "and outcomes exactly once (ledger/kafka/README.md)");
  auto a = std::make_shared<ServeArgs>();
  AddKafkaOptions(cmd, &a->kafka);
  cmd->add_option("--batch", a->batch, "accepted events per durable write batch")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{1} << 24));
  cmd->add_option("--batch-delay", a->batch_delay_ms,
                  "close a batch this many ms after its first line")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{60000}));
  cmd->add_option("--status-interval", a->status_s, "seconds between status lines")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->callback([&g, exit_code, a] { *exit_code = RunServe(g, *a); });
}

}  // namespace smeledger::cli
