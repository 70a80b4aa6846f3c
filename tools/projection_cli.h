// Shared plumbing of the projection subcommands (report, compliance, rebuild, explain, diff,
// notice verify, workdays): loading the rule set, the calendar and the fold as of a position.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "cli.h"
#include "smeledger/projections/projection.h"
#include "smeledger/projections/projection_store.h"
#include "smeledger/projections/rule_set.h"
#include "smeledger/projections/working_day_calendar.h"

namespace smeledger::cli {

// The exit status of an evaluation error: a calendar year missing is the environment's (3).
inline int EvalExit(const Status& s) {
  return s.code() == Status::Code::kNotFound ? kEnvironment : ExitFor(s);
}

// --rules: a shipped id or a file. Exit 2 on a refused rule set.
inline bool LoadRules(const std::string& id_or_file, projections::RuleSet* out, int* code) {
  auto r = projections::RuleSet::Resolve(id_or_file);
  if (!r.ok()) {
    *code = Fail(r.status().code() == Status::Code::kCorruption ? kProblem : kUsage,
                 r.status().message());
    return false;
  }
  *out = std::move(r.value());
  return true;
}

// The shipped calendar plus --calendar. Exit 2 on a bad file.
inline bool LoadCalendar(const GlobalOptions& g, projections::WorkingDayCalendar* out, int* code) {
  auto c = projections::WorkingDayCalendar::LoadDefault();
  if (!c.ok()) {
    *code = Fail(kProblem, c.status().message());
    return false;
  }
  *out = std::move(c.value());
  if (!g.calendar.empty()) {
    Status s = out->AddFile(g.calendar);
    if (!s.ok()) {
      *code = Fail(kUsage, s.message());
      return false;
    }
  }
  return true;
}

// The fold as of `position` (0: the head): saved state plus the tail, read-only.
inline std::unique_ptr<projections::Projection> LoadProjection(const GlobalOptions& g,
                                                               const ledger::Ledger& l,
                                                               const projections::RuleSet& rules,
                                                               uint64_t position, int* code) {
  std::unique_ptr<projections::ProjectionStore> store;
  Status s = projections::ProjectionStore::Open(g.db, true, &store);
  if (!s.ok()) {
    *code = Fail(ExitFor(s), s.message());
    return nullptr;
  }
  std::unique_ptr<projections::Projection> p;
  projections::CatchUpStats st;
  Progress progress(g, "projection");
  s = store->Load(l, rules, position, &p, &st);
  progress.Done();
  if (!s.ok()) {
    *code = Fail(s.code() == Status::Code::kInvalidInput ? kUsage : ExitFor(s), s.message());
    return nullptr;
  }
  if (g.verbose)
    std::fprintf(stderr, "projection: saved state at position %llu, %llu records folded (%.2f s)\n",
                 static_cast<unsigned long long>(st.from_position),
                 static_cast<unsigned long long>(st.records), st.seconds);
  return p;
}

// What the report-like commands share: the rule set (--rules), the calendar (--calendar), a
// reader on the ledger and, when asked for, the projection as of `position` (0: the head).
struct ProjectionContext {
  projections::RuleSet rules;
  projections::WorkingDayCalendar calendar;
  std::unique_ptr<ledger::Ledger> ledger;
  std::unique_ptr<projections::Projection> projection;  // null unless with_projection
};

// Fills *c; on failure prints why, sets *code and returns false.
inline bool OpenProjectionContext(const GlobalOptions& g, uint64_t position, bool with_projection,
                                  ProjectionContext* c, int* code) {
  if (!LoadRules(g.rules, &c->rules, code) || !LoadCalendar(g, &c->calendar, code)) return false;
  c->ledger = OpenLedger(g, true, code);
  if (!c->ledger) return false;
  if (with_projection) {
    c->projection = LoadProjection(g, *c->ledger, c->rules, position, code);
    if (!c->projection) return false;
  }
  return true;
}

// Writes a result to stdout; CSV gets a BOM with --excel. Adds a final newline if missing.
inline void Emit(const GlobalOptions& g, const std::string& text) {
  if (g.format_value() == Format::kCsv && g.excel) std::fwrite("\xEF\xBB\xBF", 1, 3, stdout);
  std::fwrite(text.data(), 1, text.size(), stdout);
  if (text.empty() || text.back() != '\n') std::fputc('\n', stdout);
  std::fflush(stdout);
}


}  // namespace smeledger::cli
