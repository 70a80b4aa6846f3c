// smeledger notice verify --period YYYY-Qn
// smeledger explain --subject ID --indicator ID --period P
// smeledger diff --rules A --against B --period P
#include <algorithm>
#include <cstdio>

#include "projection_cli.h"
#include "smeledger/ledger/canonical_json.h"
#include "smeledger/projections/audit.h"
#include "smeledger/projections/reports.h"

namespace smeledger::cli {
namespace {

using namespace projections;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

int RunNoticeVerify(const GlobalOptions& g, const std::string& period_text) {
  int code = kOk;
  auto period = Period::Parse(period_text);
  if (!period.ok() || period->is_year())
    return Fail(kUsage, "--period must be a quarter YYYY-Qn, not \"" + period_text + "\"");
  WorkingDayCalendar cal;
  if (!LoadCalendar(g, &cal, &code)) return code;
  // Rule sets a notice may name: the shipped ones, and --rules when it is a file.
  std::vector<RuleSet> known;
  for (const std::string& id : RuleSet::ShippedIds()) known.push_back(RuleSet::Shipped(id).value());
  if (!RuleSet::Shipped(g.rules).ok()) {
    RuleSet extra;
    if (!LoadRules(g.rules, &extra, &code)) return code;
    known.push_back(std::move(extra));
  }
  auto l = OpenLedger(g, true, &code);
  if (!l) return code;
  auto head = LoadProjection(g, *l, known.front(), 0, &code);
  if (!head) return code;
  std::vector<NoticeCheck> checks = ApprovedNotices(*head, period->ToString());
  size_t failed = 0;
  for (NoticeCheck& c : checks) {
    const RuleSet* rules = nullptr;
    for (const RuleSet& r : known)
      if (r.id == c.rules) rules = &r;
    if (!rules) {
      c.problem = "unknown rule set \"" + c.rules + "\" (pass its file with --rules)";
    } else if (c.notice_position < 1 || static_cast<uint64_t>(c.notice_position) > c.position) {
      c.problem = "position " + std::to_string(c.notice_position) + " is not before the approval";
    } else {
      auto p = LoadProjection(g, *l, *rules, static_cast<uint64_t>(c.notice_position), &code);
      if (!p) return code;
      auto n = BuildQuarterlyNotice(*p, *rules, cal, *period);
      if (!n.ok()) return Fail(EvalExit(n.status()), n.status().message());
      c.recomputed = n->digest;
      if (Lower(c.digest) != c.recomputed) c.problem = "digest mismatch";
    }
    c.ok = c.problem.empty();
    failed += !c.ok;
  }
  std::string out;
  if (g.format_value() == Format::kJson) {
    out = "{\"period\":\"" + period->ToString() + "\",\"ok\":" + (failed ? "false" : "true") +
          ",\"notices\":[";
    for (size_t i = 0; i < checks.size(); ++i) {
      const NoticeCheck& c = checks[i];
      if (i) out += ',';
      out += "{\"event_id\":";
      AppendJsonString(&out, c.event_id);
      out += ",\"approved_at\":" + std::to_string(c.position) +
             ",\"position\":" + std::to_string(c.notice_position) + ",\"rules\":";
      AppendJsonString(&out, c.rules);
      out += ",\"digest\":";
      AppendJsonString(&out, c.digest);
      out += ",\"recomputed\":";
      if (c.recomputed.empty()) out += "null"; else AppendJsonString(&out, c.recomputed);
      out += std::string(",\"ok\":") + (c.ok ? "true" : "false");
      if (!c.ok) {
        out += ",\"problem\":";
        AppendJsonString(&out, c.problem);
      }
      out += '}';
    }
    out += "]}";
  } else {
    if (g.format_value() == Format::kCsv) out = "event_id,approved_at,position,rules,digest,recomputed,ok,problem\n";
    for (const NoticeCheck& c : checks) {
      if (g.format_value() == Format::kCsv)
        out += c.event_id + "," + std::to_string(c.position) + "," +
               std::to_string(c.notice_position) + "," + c.rules + "," + c.digest + "," +
               c.recomputed + "," + (c.ok ? "true" : "false") + "," + c.problem + "\n";
      else
        out += (c.ok ? "ok       " : "MISMATCH ") + c.event_id + " (position " +
               std::to_string(c.notice_position) + ", rules " + c.rules + ")" +
               (c.ok ? "" : ": " + c.problem) + "\n";
    }
    if (g.format_value() == Format::kTable)
      out += std::to_string(checks.size()) + " approved notices of " + period->ToString() + ", " +
             std::to_string(failed) + " failed\n";
  }
  Emit(g, out);
  if (failed)
    return Fail(kProblem, std::to_string(failed) + " of " + std::to_string(checks.size()) +
                              " approved notices of " + period->ToString() + " do not verify");
  return kOk;
}

int RunExplain(const GlobalOptions& g, const std::string& subject, const std::string& indicator,
               const std::string& period_text, uint64_t position) {
  int code = kOk;
  auto period = Period::Parse(period_text);
  if (!period.ok()) return Fail(kUsage, "--period: " + period.status().message());
  ProjectionContext ctx;
  if (!OpenProjectionContext(g, 0, false, &ctx, &code)) return code;
  auto r = Explain(*ctx.ledger, ctx.rules, ctx.calendar, subject, indicator, *period, position);
  if (!r.ok()) return Fail(r.status().code() == Status::Code::kInvalidInput ? kUsage : EvalExit(r.status()),
                           r.status().message());
  switch (g.format_value()) {
    case Format::kJson: Emit(g, ExplanationJson(*r)); break;
    case Format::kCsv: Emit(g, ExplanationCsv(*r)); break;
    case Format::kTable: Emit(g, ExplanationTable(*r)); break;
  }
  return kOk;
}

int RunDiff(const GlobalOptions& g, const std::string& against, const std::string& period_text,
            uint64_t position) {
  int code = kOk;
  auto period = Period::Parse(period_text);
  if (!period.ok()) return Fail(kUsage, "--period: " + period.status().message());
  RuleSet a, b;
  WorkingDayCalendar cal;
  if (!LoadRules(g.rules, &a, &code) || !LoadRules(against, &b, &code) ||
      !LoadCalendar(g, &cal, &code))
    return code;
  auto l = OpenLedger(g, true, &code);
  if (!l) return code;
  auto p = LoadProjection(g, *l, a, position, &code);
  if (!p) return code;
  auto d = DiffRuleSets(*l, *p, a, b, cal, *period);
  if (!d.ok()) return Fail(EvalExit(d.status()), d.status().message());
  switch (g.format_value()) {
    case Format::kJson: Emit(g, RuleDiffJson(*d)); break;
    case Format::kCsv: Emit(g, RuleDiffCsv(*d)); break;
    case Format::kTable: Emit(g, RuleDiffTable(*d)); break;
  }
  return kOk;
}

}  // namespace

void AddAudit(CLI::App& app, GlobalOptions& g, int* exit_code) {
  {
    auto* notice = app.add_subcommand("notice", "approved quarterly notices");
    notice->require_subcommand(1);
    auto* verify = notice->add_subcommand(
        "verify", "recompute each live approved notice of a quarter and compare digests");
    auto period = std::make_shared<std::string>();
    verify->add_option("--period", *period, "the quarter, YYYY-Qn")->required();
    verify->callback([&g, exit_code, period] { *exit_code = RunNoticeVerify(g, *period); });
  }
  {
    auto* cmd = app.add_subcommand("explain", "the records behind one number, and those left out");
    auto subject = std::make_shared<std::string>();
    auto indicator = std::make_shared<std::string>();
    auto period = std::make_shared<std::string>();
    auto position = std::make_shared<uint64_t>(0);
    cmd->add_option("--subject", *subject, "city:... or inst:...")->required();
    cmd->add_option("--indicator", *indicator, "an indicator id of INDICATORS.md")->required();
    cmd->add_option("--period", *period, "YYYY or YYYY-Qn")->required();
    cmd->add_option("--position", *position, "as of this ledger position (default: the head)");
    cmd->callback([&g, exit_code, subject, indicator, period, position] {
      *exit_code = RunExplain(g, *subject, *indicator, *period, *position);
    });
  }
  {
    auto* cmd = app.add_subcommand(
        "diff", "compare two rule sets: --rules A (new) --against B (old) --period P");
    auto against = std::make_shared<std::string>();
    auto period = std::make_shared<std::string>();
    auto position = std::make_shared<uint64_t>(0);
    cmd->add_option("--against", *against, "the old rule set (id or file)")->required();
    cmd->add_option("--period", *period, "YYYY or YYYY-Qn")->required();
    cmd->add_option("--position", *position, "as of this ledger position (default: the head)");
    cmd->callback([&g, exit_code, against, period, position] {
      *exit_code = RunDiff(g, *against, *period, *position);
    });
  }
}

}  // namespace smeledger::cli
