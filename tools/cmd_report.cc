// smeledger report quarterly --period YYYY-Qn | report annual --year YYYY [--position P]
// smeledger rebuild [--rules ID|FILE]
#include <cstdio>

#include "projection_cli.h"
#include "smeledger/projections/reports.h"

namespace smeledger::cli {
namespace {

using namespace projections;

int RunQuarterly(const GlobalOptions& g, const std::string& period_text, uint64_t position) {
  int code = kOk;
  auto period = Period::Parse(period_text);
  if (!period.ok() || period->is_year())
    return Fail(kUsage, "--period must be a quarter YYYY-Qn, not \"" + period_text + "\"");
  ProjectionContext ctx;
  if (!OpenProjectionContext(g, position, true, &ctx, &code)) return code;
  const RuleSet& rules = ctx.rules;
  const WorkingDayCalendar& cal = ctx.calendar;
  const projections::Projection* p = ctx.projection.get();
  auto n = BuildQuarterlyNotice(*p, rules, cal, *period);
  if (!n.ok()) return Fail(EvalExit(n.status()), n.status().message());
  switch (g.format_value()) {
    case Format::kJson: Emit(g, QuarterlyNoticeJson(*n)); break;
    case Format::kCsv: Emit(g, QuarterlyNoticeCsv(*n)); break;
    case Format::kTable: Emit(g, QuarterlyNoticeTable(*n)); break;
  }
  return kOk;
}

int RunAnnual(const GlobalOptions& g, int year, uint64_t position) {
  int code = kOk;
  if (year < 1 || year > 9999) return Fail(kUsage, "--year must be YYYY");
  ProjectionContext ctx;
  if (!OpenProjectionContext(g, position, true, &ctx, &code)) return code;
  const RuleSet& rules = ctx.rules;
  const WorkingDayCalendar& cal = ctx.calendar;
  const projections::Projection* p = ctx.projection.get();
  auto e = BuildAnnualEvaluation(*p, rules, cal, year);
  if (!e.ok()) return Fail(EvalExit(e.status()), e.status().message());
  switch (g.format_value()) {
    case Format::kJson: Emit(g, AnnualEvaluationJson(*e, rules)); break;
    case Format::kCsv: Emit(g, AnnualEvaluationCsv(*e, rules)); break;
    case Format::kTable: Emit(g, AnnualEvaluationTable(*e, rules)); break;
  }
  return kOk;
}

int RunRebuild(const GlobalOptions& g) {
  int code = kOk;
  RuleSet rules;
  if (!LoadRules(g.rules, &rules, &code)) return code;
  auto l = OpenLedger(g, true, &code);
  if (!l) return code;
  std::unique_ptr<ProjectionStore> store;
  Status s = ProjectionStore::Open(g.db, false, &store);
  if (!s.ok()) return Fail(ExitFor(s), s.message());
  CatchUpStats st;
  s = store->Rebuild(*l, rules, &st);
  if (!s.ok()) return Fail(ExitFor(s), s.message());
  const double rate = st.seconds > 0 ? st.records / st.seconds : 0;
  std::string out = "{\"rules\":\"" + rules.id + "\",\"version\":\"" + rules.digest +
                    "\",\"position\":" + std::to_string(st.to_position) +
                    ",\"records\":" + std::to_string(st.records);
  char b[96];
  std::snprintf(b, sizeof b, ",\"seconds\":%.3f,\"events_per_second\":%.0f}", st.seconds, rate);
  out += b;
  if (g.format_value() == Format::kJson) {
    Emit(g, out);
  } else if (g.format_value() == Format::kCsv) {
    std::snprintf(b, sizeof b, "%.3f", st.seconds);
    Emit(g, "rules,version,position,records,seconds\n" + rules.id + "," + rules.digest + "," +
                std::to_string(st.to_position) + "," + std::to_string(st.records) + "," + b);
  } else {
    std::snprintf(b, sizeof b, "%.2f s (%.0f events/s)", st.seconds, rate);
    Emit(g, "rebuilt " + rules.id + " (version " + rules.digest.substr(0, 12) + ") from position 1 to " +
                std::to_string(st.to_position) + ": " + std::to_string(st.records) +
                " records in " + b);
  }
  // The process's own peak (VmHWM belongs to this program image, unlike getrusage's maxrss,
  // which also counts what a parent held when it forked us): bench rebuild reads it.
  if (g.verbose) std::fprintf(stderr, "peak RSS: %.1f MB\n", PeakRssMb());
  return kOk;
}

}  // namespace

void AddReport(CLI::App& app, GlobalOptions& g, int* exit_code) {
  auto* report = app.add_subcommand("report", "the quarterly notice or the annual evaluation");
  report->require_subcommand(1);
  {
    auto* cmd = report->add_subcommand("quarterly", "the quarterly notice (INDICATORS.md)");
    auto period = std::make_shared<std::string>();
    auto position = std::make_shared<uint64_t>(0);
    cmd->add_option("--period", *period, "the quarter, YYYY-Qn")->required();
    cmd->add_option("--position", *position, "as of this ledger position (default: the head)");
    cmd->callback([&g, exit_code, period, position] {
      *exit_code = RunQuarterly(g, *period, *position);
    });
  }
  {
    auto* cmd = report->add_subcommand("annual", "the annual evaluation (INDICATORS.md)");
    auto year = std::make_shared<int>(0);
    auto position = std::make_shared<uint64_t>(0);
    cmd->add_option("--year", *year, "the year, YYYY")->required();
    cmd->add_option("--position", *position, "as of this ledger position (default: the head)");
    cmd->callback([&g, exit_code, year, position] {
      *exit_code = RunAnnual(g, *year, *position);
    });
  }
  auto* rebuild = app.add_subcommand(
      "rebuild", "recompute the projection of a rule set (--rules) from position 1");
  rebuild->callback([&g, exit_code] { *exit_code = RunRebuild(g); });
}

}  // namespace smeledger::cli
