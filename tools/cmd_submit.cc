// smeledger submit [FILE|-] [--outcomes FILE]
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "cli.h"
#include "smeledger/ledger/outcome_json.h"
#include "smeledger/projections/projection_store.h"

namespace smeledger::cli {
namespace {

constexpr int kShownRejections = 20;

class OutcomeWriter final : public ledger::OutcomeSink {
 public:
  OutcomeWriter(std::FILE* out, bool quiet) : out_(out), quiet_(quiet) {}

  void OnOutcome(const ledger::LineOutcome& o) override {
    if (o.kind == ledger::OutcomeKind::kRejected && !quiet_ && shown_++ < kShownRejections) {
      std::fprintf(stderr, "line %llu: rejected: %s (field \"%s\"): %s\n",
                   static_cast<unsigned long long>(o.line),
                   std::string(ledger::ReasonCode(o.rejection->reason)).c_str(),
                   o.rejection->field.c_str(), o.rejection->message.c_str());
    }
    if (!out_) return;
    buf_.clear();
    ledger::AppendOutcomeJson(o, &buf_);
    buf_.push_back('\n');
    std::fwrite(buf_.data(), 1, buf_.size(), out_);
  }
  int more_rejections() const { return shown_ > kShownRejections ? shown_ - kShownRejections : 0; }

 private:
  std::FILE* out_;
  bool quiet_;
  int shown_ = 0;
  std::string buf_;
};

std::string Rate(double n, double secs) {
  char b[64];
  std::snprintf(b, sizeof b, "%.0f/s", secs > 0 ? n / secs : 0.0);
  return b;
}

int RunSubmit(const GlobalOptions& g, const std::string& file, const std::string& outcomes,
              size_t batch) {
  int fd = STDIN_FILENO;
  if (!file.empty() && file != "-") {
    fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Fail(kUsage, "cannot read " + file + ": " + std::strerror(errno));
  }
  std::FILE* out = nullptr;
  if (!outcomes.empty()) {
    out = outcomes == "-" ? stdout : std::fopen(outcomes.c_str(), "w");
    if (!out) return Fail(kUsage, "cannot write " + outcomes + ": " + std::strerror(errno));
  }
  ledger::LedgerOptions lo;
  lo.batch_events = batch;
  std::unique_ptr<ledger::Ledger> ledger;
  if (Status s = ledger::Ledger::Open(lo, g.db, &ledger); !s.ok())
    return Fail(kEnvironment, "cannot open the ledger: " + s.message());
  OutcomeWriter writer(out, g.quiet);
  ledger::SubmitStats stats;
  Progress progress(g, "submit");
  const double t0 = NowSeconds();
  std::unique_ptr<ledger::SubmissionSource> source = ledger::NewFdSource(fd);
  const uint64_t total = source->total_bytes();
  const projections::SubmitResult result = projections::SubmitAndCatchUp(
      *ledger, g.db, source.get(), &writer, &stats, [&](const ledger::SubmitStats& st) {
        std::string text = std::to_string(st.lines) + " lines";
        if (total > 0) text += " (" + std::to_string(st.bytes * 100 / total) + "%)";
        text += ", " + Rate(st.lines, NowSeconds() - t0);
        progress.Update(text);
      });
  progress.Done();
  const Status& s = result.submit;
  const double secs = NowSeconds() - t0;
  if (fd != STDIN_FILENO) ::close(fd);
  if (out && out != stdout && std::fclose(out) != 0)
    return Fail(kEnvironment, "cannot write " + outcomes);
  if (out == stdout) std::fflush(stdout);
  if (!s.ok()) return Fail(ExitFor(s) == kUsage ? kUsage : kEnvironment, s.message());
  // The default rule set's projection is kept up to date (projections/README.md, "State").
  if (const Status& ps = result.projection; !ps.ok())
    std::fprintf(stderr, "smeledger: warning: projection not updated: %s\n", ps.message().c_str());
  if (writer.more_rejections() > 0 && !g.quiet)
    std::fprintf(stderr, "... and %d more rejected lines (use --outcomes FILE to see all)\n",
                 writer.more_rejections());
  if (!g.quiet) {
    std::fprintf(stderr,
                 "submitted %llu lines in %.2f s (%s): %llu accepted, %llu duplicate, %llu "
                 "rejected; head at position %llu\n",
                 static_cast<unsigned long long>(stats.lines), secs,
                 Rate(stats.lines, secs).c_str(), static_cast<unsigned long long>(stats.accepted),
                 static_cast<unsigned long long>(stats.duplicates),
                 static_cast<unsigned long long>(stats.rejected),
                 static_cast<unsigned long long>(ledger->head().position));
    if (g.verbose)
      std::fprintf(stderr,
                   "pipeline: waited %.2f s for durable writes, %.2f s for parsing; CPU: parse "
                   "%.2f s, validate %.2f s, write %.2f s\n",
                   stats.write_wait_seconds, stats.parse_wait_seconds, stats.parse_cpu_seconds,
                   stats.validate_cpu_seconds, stats.write_cpu_seconds);
    if (g.verbose && stats.rejected) {
      for (int r = 0; r < ledger::kReasonCount; ++r)
        if (stats.by_reason[r])
          std::fprintf(stderr, "  %s: %llu\n",
                       std::string(ledger::ReasonCode(static_cast<ledger::Reason>(r))).c_str(),
                       static_cast<unsigned long long>(stats.by_reason[r]));
    }
  }
  if (stats.rejected > 0)
    return Fail(kProblem, std::to_string(stats.rejected) + " of " + std::to_string(stats.lines) +
                              " lines rejected; nothing of them was written");
  return kOk;
}

}  // namespace

void AddSubmit(CLI::App& app, GlobalOptions& g, int* exit_code) {
  auto* cmd = app.add_subcommand("submit", "validate and append JSON Lines events (EVENTS.md)");
  auto file = std::make_shared<std::string>();
  auto outcomes = std::make_shared<std::string>();
  cmd->add_option("file", *file, "JSON Lines file, or - for standard input (default)");
  cmd->add_option("--outcomes", *outcomes, "write one JSON outcome per event line (- = stdout)");
  auto batch = std::make_shared<size_t>(ledger::LedgerOptions().batch_events);
  cmd->add_option("--batch", *batch, "accepted events per durable write batch")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{1} << 24));
  cmd->callback([&g, exit_code, file, outcomes, batch] {
    *exit_code = RunSubmit(g, *file, *outcomes, *batch);
  });
}

}  // namespace smeledger::cli
