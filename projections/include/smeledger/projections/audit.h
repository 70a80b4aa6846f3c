// Audit: the records behind one number (explain), what a rule change changes (diff), and the
// check of approved notices (notice verify). Explain and diff reuse the fold's own
// classification: the fold reports every contribution it applies or takes away through a
// tracer, and evaluation-time rules (activity completeness, data-upload items, satisfied
// scores) come from the same code the reports use.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "smeledger/ledger/ledger.h"
#include "smeledger/ledger/status.h"
#include "smeledger/projections/projection.h"
#include "smeledger/projections/rule_set.h"
#include "smeledger/projections/working_day_calendar.h"

namespace smeledger::projections {

// One live notice.approved of a period, and the outcome of checking it.
struct NoticeCheck {
  uint64_t position = 0;         // of the notice.approved record
  std::string event_id;
  int64_t notice_position = 0;   // the ledger position the notice was computed as of
  std::string rules;             // its rule set id
  std::string digest;            // as approved
  std::string recomputed;        // "" when not recomputed
  bool ok = false;
  std::string problem;
};
// The live notice.approved events of `period` ("YYYY-Qn") in ledger order (not yet checked).
std::vector<NoticeCheck> ApprovedNotices(const Projection& projection, const std::string& period);

struct ExplainedRecord {
  uint64_t position = 0;
  std::string event_id;
  std::string type;     // the event type of the record
  bool counted = false;
  std::string reason;   // why it counts, or why it was left out
};

struct Explanation {
  std::string subject, indicator, period, rules;
  uint64_t position = 0;
  std::string value;  // the indicator's JSON value, as the reports print it
  std::vector<ExplainedRecord> records;  // in ledger order
};

// Folds records 1..as_of (0: head) with a tracer and classifies every record that touched
// `indicator` for `subject`. Errors: InvalidInput for an unknown indicator or subject id form.
Result<Explanation> Explain(const ledger::Ledger& ledger, const RuleSet& rules,
                            const WorkingDayCalendar& calendar, const std::string& subject,
                            const std::string& indicator, const Period& period, uint64_t as_of);
std::string ExplanationJson(const Explanation& e);
std::string ExplanationCsv(const Explanation& e);
std::string ExplanationTable(const Explanation& e);

struct ValueChange {
  std::string subject, indicator, old_value, new_value;  // JSON values
};
struct ClassChange {
  uint64_t position = 0;   // the record (activity.published, rating, ...); 0 for monthly/annual items
  std::string what;        // "activity:ID", "monthly:2019-07", "rating", ...
  std::string subject;
  std::string old_class, new_class;
};
struct RuleDiff {
  std::string period, new_rules, old_rules;
  uint64_t position = 0;
  std::vector<ValueChange> values;
  std::vector<ClassChange> records;
};
// `new_rules` is A (--rules), `old_rules` is B (--against), both over the same fold.
Result<RuleDiff> DiffRuleSets(const ledger::Ledger& ledger, const Projection& projection,
                              const RuleSet& new_rules, const RuleSet& old_rules,
                              const WorkingDayCalendar& calendar, const Period& period);
std::string RuleDiffJson(const RuleDiff& d);
std::string RuleDiffCsv(const RuleDiff& d);
std::string RuleDiffTable(const RuleDiff& d);

}  // namespace smeledger::projections
