// smeledger produce --bootstrap B [FILE|-] [--wait] [--outcomes FILE] [-X key=value]...
//                   [--topic-prefix P] [--timeout SECONDS] [--connect-timeout SECONDS]
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstring>

#include "cli.h"
#include "kafka_cli.h"
#include "logging.h"
#include "smeledger/ledger/outcome_json.h"
#include "smeledger/producers_kafka/submissions_producer.h"

namespace smeledger::cli {
namespace {

constexpr int kShownRejections = 20;

struct ProduceArgs {
  std::string bootstrap;
  std::string file;
  std::string outcomes;
  std::string topic_prefix = ledger_kafka::KafkaOptions().topic_prefix;
  std::vector<std::string> properties;
  bool wait = false;
  double timeout_s = 0;
  double connect_timeout_s =
      std::chrono::duration<double>(ledger_kafka::KafkaOptions().connect_timeout).count();
  std::string log_format = "text";
};

// Writes what `submit --outcomes` writes, and shows the first rejections as submit does.
class OutcomeWriter final : public producers_kafka::OutcomeHandler {
 public:
  OutcomeWriter(std::FILE* out, bool quiet) : out_(out), quiet_(quiet) {}

  void OnOutcome(const producers_kafka::ReceivedOutcome& o) override {
    if (o.kind == ledger::OutcomeKind::kRejected && !quiet_ && shown_++ < kShownRejections) {
      std::fprintf(stderr, "line %llu: rejected: %.*s (field \"%.*s\"): %.*s\n",
                   static_cast<unsigned long long>(o.line), static_cast<int>(o.reason.size()),
                   o.reason.data(), static_cast<int>(o.field.size()), o.field.data(),
                   static_cast<int>(o.message.size()), o.message.data());
    }
    if (!out_) return;
    std::fwrite(o.json.data(), 1, o.json.size(), out_);
    std::fputc('\n', out_);
  }
  int more_rejections() const { return shown_ > kShownRejections ? shown_ - kShownRejections : 0; }

 private:
  std::FILE* out_;
  bool quiet_;
  int shown_ = 0;
};

// The producer a SIGINT/SIGTERM asks to stop (RequestStop is async-signal-safe).
std::atomic<producers_kafka::SubmissionsProducer*> running_producer{nullptr};
void StopProducing() {
  if (auto* p = running_producer.load()) p->RequestStop();
}

std::string Rate(double n, double secs) {
  char b[64];
  std::snprintf(b, sizeof b, "%.0f/s", secs > 0 ? n / secs : 0.0);
  return b;
}

int RunProduce(const GlobalOptions& g, const ProduceArgs& a) {
  producers_kafka::ProduceOptions options;
  options.kafka.bootstrap_servers = a.bootstrap;
  options.kafka.topic_prefix = a.topic_prefix;
  options.kafka.connect_timeout = Millis(a.connect_timeout_s);
  options.wait_outcomes = a.wait;
  for (const std::string& x : a.properties) {
    ledger_kafka::KafkaProperty p;
    if (Status s = ledger_kafka::ParseProperty(x, &p); !s.ok()) return Fail(kUsage, s.message());
    options.kafka.properties.push_back(std::move(p));
  }
  if (Status s = ledger_kafka::ValidateProperties(options.kafka.properties); !s.ok())
    return Fail(kUsage, s.message());
  if (!a.outcomes.empty() && !a.wait) return Fail(kUsage, "--outcomes needs --wait");

  int fd = STDIN_FILENO;
  if (!a.file.empty() && a.file != "-") {
    fd = ::open(a.file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Fail(kUsage, "cannot read " + a.file + ": " + std::strerror(errno));
  }
  std::FILE* out = nullptr;
  if (!a.outcomes.empty()) {
    out = a.outcomes == "-" ? stdout : std::fopen(a.outcomes.c_str(), "w");
    if (!out) return Fail(kUsage, "cannot write " + a.outcomes + ": " + std::strerror(errno));
  }
  auto close_files = [&] {
    if (fd != STDIN_FILENO) ::close(fd);
    fd = STDIN_FILENO;
    bool ok = true;
    if (out && out != stdout) ok = std::fclose(out) == 0;
    if (out == stdout) ok = std::fflush(stdout) == 0;
    out = nullptr;
    return ok;
  };

  auto logger = NewCliLogger("produce", a.log_format, g);
  const double t0 = NowSeconds();
  std::unique_ptr<producers_kafka::SubmissionsProducer> producer;
  if (Status s = producers_kafka::SubmissionsProducer::Open(options, logger, &producer); !s.ok()) {
    close_files();
    return Fail(ExitFor(s), s.message());
  }

  // A first SIGINT/SIGTERM stops reading the input: what was sent is still delivered and
  // reported, with the last line sent, so that the rest can be sent later; a second ends the
  // process at once.
  running_producer = producer.get();
  struct Unregister {
    ~Unregister() { running_producer = nullptr; }
  } unregister;
  OnStopSignal(StopProducing);

  // Send.
  off_t total = fd != STDIN_FILENO ? ::lseek(fd, 0, SEEK_END) : -1;
  if (total > 0) ::lseek(fd, 0, SEEK_SET);
  std::unique_ptr<ledger::SubmissionSource> source = ledger::NewFdSource(fd);
  producers_kafka::ProduceStats stats;
  const double t_send = NowSeconds();
  Status s;
  {
    Progress progress(g, "produce");
    auto show = [&](const producers_kafka::ProduceStats& st) {
      std::string text = std::to_string(st.lines) + " lines";
      if (total > 0) text += " (" + std::to_string(st.bytes * 100 / total) + "%)";
      text += ", " + std::to_string(st.delivered) + " delivered, " +
              Rate(st.lines, NowSeconds() - t_send);
      progress.Update(text);
    };
    s = producer->Send(source.get(), show, &stats);
  }
  const double send_secs = NowSeconds() - t_send;
  if (!s.ok()) {
    close_files();
    return Fail(ExitFor(s), s.message());
  }
  if (!g.quiet) {
    std::string where = stats.delivered ? " at offsets " + std::to_string(stats.first_offset) +
                                              "\u2013" + std::to_string(stats.last_offset)
                                        : "";
    std::fprintf(stderr, "produced %llu lines in %.2f s (%s) to %s%s\n",
                 static_cast<unsigned long long>(stats.delivered), send_secs,
                 Rate(stats.delivered, send_secs).c_str(), producer->topic().c_str(),
                 where.c_str());
  }
  if (stats.failed > 0) {
    close_files();
    return Fail(kProblem, std::to_string(stats.failed) + " of " + std::to_string(stats.lines) +
                              " lines not delivered; first error: " +
                              stats.first_failure.message());
  }
  if (stats.stopped) {
    close_files();
    const std::string file = a.file.empty() || a.file == "-" ? "the input" : a.file;
    return Fail(kProblem,
                "interrupted: " + std::to_string(stats.delivered) + " lines sent" +
                    (stats.last_line ? ", up to line " + std::to_string(stats.last_line) + " of " +
                                           file + "; the lines after it were not sent"
                                     : "; nothing was sent") +
                    (a.wait ? " (outcomes not collected: the ledger answers every sent line in " +
                                  producer->outcomes_topic() + ")"
                            : ""));
  }
  if (!a.wait) {
    close_files();
    return kOk;
  }

  // Wait for the ledger's answers.
  OutcomeWriter writer(out, g.quiet);
  producers_kafka::WaitStats wait;
  {
    Progress progress(g, "produce --wait");
    auto show = [&](const producers_kafka::WaitStats& w) {
      progress.Update("outcomes: " + std::to_string(w.answered) + " of " +
                      std::to_string(w.expected) + " lines");
    };
    s = producer->AwaitOutcomes(&writer, Millis(a.timeout_s), show, &wait);
  }
  const double secs = NowSeconds() - t0;
  if (!close_files()) return Fail(kEnvironment, "cannot write " + a.outcomes);
  if (!s.ok()) return Fail(ExitFor(s), s.message());
  if (wait.stopped)
    return Fail(kProblem, "interrupted while waiting: " + std::to_string(wait.answered) + " of " +
                              std::to_string(wait.expected) + " outcomes received" +
                              (a.outcomes.empty() ? "" : " (written to " + a.outcomes + ")") +
                              "; every sent line is answered in " + producer->outcomes_topic() +
                              " all the same");
  if (writer.more_rejections() > 0 && !g.quiet)
    std::fprintf(stderr, "... and %d more rejected lines (use --outcomes FILE to see all)\n",
                 writer.more_rejections());
  if (!g.quiet)
    std::fprintf(stderr,
                 "submitted %llu lines in %.2f s (%s): %llu accepted, %llu duplicate, %llu "
                 "rejected; head at position %llu\n",
                 static_cast<unsigned long long>(wait.answered), secs,
                 Rate(wait.answered, secs).c_str(), static_cast<unsigned long long>(wait.accepted),
                 static_cast<unsigned long long>(wait.duplicates),
                 static_cast<unsigned long long>(wait.rejected),
                 static_cast<unsigned long long>(wait.head_position));
  if (wait.rejected > 0)
    return Fail(kProblem, std::to_string(wait.rejected) + " of " + std::to_string(wait.answered) +
                              " lines rejected; nothing of them was written");
  return kOk;
}

}  // namespace

void AddProduce(CLI::App& app, GlobalOptions& g, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "produce", "send JSON Lines events to the Kafka submissions topic (ledger/kafka/README.md)");
  auto a = std::make_shared<ProduceArgs>();
  cmd->add_option("--bootstrap", a->bootstrap, "Kafka bootstrap servers, host:port[,...]")
      ->required();
  cmd->add_option("file", a->file, "JSON Lines file, or - for standard input (default)");
  cmd->add_flag("--wait", a->wait, "collect each line's outcome from the outcomes topic");
  cmd->add_option("--outcomes", a->outcomes,
                  "with --wait: write one JSON outcome per event line, as submit does (- = stdout)");
  cmd->add_option("-X", a->properties, "librdkafka property key=value (repeatable)")
      ->allow_extra_args(false);  // one key=value per -X: FILE may follow
  cmd->add_option("--topic-prefix", a->topic_prefix, "prefix of the Kafka topic names")
      ->capture_default_str();
  cmd->add_option("--timeout", a->timeout_s,
                  "with --wait: give up (exit 3) when no outcome arrives for SECONDS "
                  "(default: wait as long as it takes)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--connect-timeout", a->connect_timeout_s,
                  "give up (exit 3) when the cluster does not answer within SECONDS")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  AddLogFormatOption(cmd, &a->log_format);
  cmd->callback([&g, exit_code, a] { *exit_code = RunProduce(g, *a); });
}

}  // namespace smeledger::cli
