// smeledger compliance --period YYYY[-Qn] [--subject ID] [--position P] [--strict]
// smeledger workdays add DATE N | workdays is DATE
#include <cstdio>

#include "projection_cli.h"
#include "smeledger/ledger/civil_time.h"
#include "smeledger/projections/upload_items.h"

namespace smeledger::cli {
namespace {

using namespace projections;

int RunCompliance(const GlobalOptions& g, const std::string& period_text,
                  const std::string& subject, uint64_t position, bool strict) {
  int code = kOk;
  auto period = Period::Parse(period_text);
  if (!period.ok()) return Fail(kUsage, "--period: " + period.status().message());
  ProjectionContext ctx;
  if (!OpenProjectionContext(g, position, true, &ctx, &code)) return code;
  const RuleSet& rules = ctx.rules;
  const WorkingDayCalendar& cal = ctx.calendar;
  const projections::Projection* p = ctx.projection.get();
  auto items = ComputeUploadItems(*p, rules, cal, *period, subject);
  if (!items.ok()) return Fail(EvalExit(items.status()), items.status().message());
  switch (g.format_value()) {
    case Format::kJson: Emit(g, UploadItemsJson(*items)); break;
    case Format::kCsv: Emit(g, UploadItemsCsv(*items)); break;
    case Format::kTable: Emit(g, UploadItemsTable(*items)); break;
  }
  if (strict) {
    size_t bad = 0;
    for (const UploadItem& it : *items)
      bad += it.status == ItemStatus::kLate || it.status == ItemStatus::kMissing;
    if (bad > 0)
      return Fail(kProblem, std::to_string(bad) + " of " + std::to_string(items->size()) +
                                " data-upload items are late or missing");
  }
  return kOk;
}

int RunWorkdays(const GlobalOptions& g, const std::string& what, const std::string& date,
                int n) {
  int code = kOk;
  WorkingDayCalendar cal;
  if (!LoadCalendar(g, &cal, &code)) return code;
  int32_t day = 0;
  if (!ParseDate(date, &day)) return Fail(kUsage, "\"" + date + "\" is not a date YYYY-MM-DD");
  if (what == "is") {
    auto r = cal.IsWorkingDay(day);
    if (!r.ok()) return Fail(EvalExit(r.status()), r.status().message());
    std::printf("%s\n", *r ? "true" : "false");
    return kOk;
  }
  if (n < 0) return Fail(kUsage, "N must be 0 or more");
  auto r = cal.AddWorkingDays(day, n);
  if (!r.ok()) return Fail(EvalExit(r.status()), r.status().message());
  std::printf("%s\n", FormatDate(*r).c_str());
  return kOk;
}

}  // namespace

void AddCompliance(CLI::App& app, GlobalOptions& g, int* exit_code) {
  {
    auto* cmd = app.add_subcommand("compliance", "every data-upload item with its status");
    auto period = std::make_shared<std::string>();
    auto subject = std::make_shared<std::string>();
    auto position = std::make_shared<uint64_t>(0);
    auto strict = std::make_shared<bool>(false);
    cmd->add_option("--period", *period, "YYYY or YYYY-Qn")->required();
    cmd->add_option("--subject", *subject, "only this subject (city:... or inst:...)");
    cmd->add_option("--position", *position, "as of this ledger position (default: the head)");
    cmd->add_flag("--strict", *strict, "exit 1 when any item is late or missing");
    cmd->callback([&g, exit_code, period, subject, position, strict] {
      *exit_code = RunCompliance(g, *period, *subject, *position, *strict);
    });
  }
  {
    auto* cmd = app.add_subcommand("workdays", "China's working-day calendar");
    cmd->require_subcommand(1);
    auto* add = cmd->add_subcommand("add", "the N-th working day after DATE (DATE not counted)");
    auto date = std::make_shared<std::string>();
    auto n = std::make_shared<int>(0);
    add->add_option("date", *date, "YYYY-MM-DD")->required();
    add->add_option("n", *n, "N ≥ 0")->required();
    add->callback([&g, exit_code, date, n] { *exit_code = RunWorkdays(g, "add", *date, *n); });
    auto* is = cmd->add_subcommand("is", "whether DATE is a working day");
    auto date2 = std::make_shared<std::string>();
    is->add_option("date", *date2, "YYYY-MM-DD")->required();
    is->callback([&g, exit_code, date2] { *exit_code = RunWorkdays(g, "is", *date2, 0); });
  }
}

}  // namespace smeledger::cli
