// Internal: what the reports, the data-upload items and the audit commands share: stints,
// subjects of a period, the items of one subject, and the classification of one activity.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <string>
#include <vector>

#include "fold_state.h"
#include "smeledger/projections/projection.h"
#include "smeledger/projections/rule_set.h"
#include "smeledger/projections/upload_items.h"
#include "smeledger/projections/working_day_calendar.h"

namespace smeledger::projections::internal {

struct Stint {
  int32_t from;  // CST date of the admission
  int32_t to;    // CST date of the first live removal after it, or kNoDay
  uint64_t admitted_position;
};

// Stints of one institution from its live admissions and removals (INDICATORS.md "In the
// network"). A stint whose removal is dated before its admission holds no day.
std::vector<Stint> StintsOf(const std::vector<StintEvent>& events);

// Precomputed per evaluation: stints of every institution, the period's subjects.
class EvalContext {
 public:
  EvalContext(const FoldState& s, const RuleSet& rules, const WorkingDayCalendar& cal,
              const Period& period, int32_t as_of_day);

  const FoldState& state;
  const RuleSet& rules;
  const WorkingDayCalendar& calendar;
  const Period period;
  const int32_t first_day, last_day, as_of_day;
  const int32_t first_quarter, last_quarter;

  // Subjects of the period, sorted by id in byte order.
  const std::vector<uint32_t>& subjects() const { return subjects_; }
  bool InNetwork(uint32_t subject, int32_t day) const;
  bool InNetworkDuring(uint32_t subject, int32_t first, int32_t last) const;
  const std::vector<Stint>* StintsOfSubject(uint32_t subject) const;

  static bool IsCityId(uint32_t subject);
  bool DayInPeriod(int32_t d) const { return d >= first_day && d <= last_day; }

  // An upload's date under the rule set's upload_time_source.
  int32_t UploadDay(const Upload& u) const {
    return rules.upload_time_source == UploadTimeSource::kOccurredAt ? u.occurred_day
                                                                     : u.recorded_day;
  }

  // Whether an activity counts for `activities` (live, not cancelled, complete); `why` gets the
  // reason when it does not (explain). Ignores the period.
  bool ActivityComplete(const Activity& a, std::string* why) const;

  // Appends the data-upload items of one subject of the period (listed order).
  Status ItemsOf(uint32_t subject, std::vector<UploadItem>* out) const;

 private:
  absl::flat_hash_map<uint32_t, std::vector<Stint>> stints_;
  std::vector<uint32_t> subjects_;
  // Offline, live, not cancelled activities ending in the period, by owner, in ledger order.
  absl::flat_hash_map<uint32_t, std::vector<uint32_t>> offline_by_owner_;
};

}  // namespace smeledger::projections::internal
