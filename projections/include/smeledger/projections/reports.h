// The quarterly notice (季通报) and the annual evaluation (年评价) of INDICATORS.md, evaluated
// from a Projection under a RuleSet, and their JSON, CSV and terminal-table forms.
//
// Everything here is a pure function of (projection, rule set, calendar, period): the same
// inputs give the same bytes, whichever way the projection was built (rebuild or incremental).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "smeledger/ledger/status.h"
#include "smeledger/projections/exact_number.h"
#include "smeledger/projections/projection.h"
#include "smeledger/projections/rule_set.h"
#include "smeledger/projections/working_day_calendar.h"

namespace smeledger::projections {

// A rate num ÷ den; undefined (JSON null) when den = 0.
struct Rate {
  int64_t num = 0;
  int64_t den = 0;
  bool defined() const { return den > 0; }
  double value() const { return static_cast<double>(num) / static_cast<double>(den); }
};

// The latest live assessment.scored of an item, as written.
struct Score {
  bool present = false;
  std::string text;    // the JSON number as written, e.g. "4.50"
  double value = 0;    // its nearest double
};

// Every indicator of INDICATORS.md for one subject and period. Members that do not apply to
// the subject's group or to the period (year-only ones in a quarter) stay zero / absent.
struct IndicatorValues {
  std::string subject;
  Group group = Group::kCity;
  Rate satisfaction;
  int64_t demand_matches = 0;
  int64_t enterprises_served = 0;
  int64_t enterprises_served_public_welfare = 0;
  int64_t activities = 0;
  int64_t key_activities = 0;
  int64_t registered_users = 0;
  int64_t resources_brought = 0;   // cities
  int64_t quality_resources = 0;   // cities, year (set by the annual evaluation)
  int64_t linkage = 0;
  int64_t demand_collection = 0;
  Rate data_upload;
  Score infrastructure, service_norms, internet_platform;  // year only
  int64_t products = 0;
  int64_t products_public_welfare = 0;
  int64_t media = 0;
  int64_t titles = 0;
  int64_t complaints = 0;
};

// Every indicator for every subject of `period` (the 16 cities and the institutions in the
// network on at least one day of it), sorted by subject id in byte order, as of the
// projection's position. quality_resources is left 0 (it needs grades: BuildAnnualEvaluation).
// Errors: NotFound naming a calendar year the data-upload deadlines need.
Result<std::vector<IndicatorValues>> EvaluateIndicators(const Projection& projection,
                                                        const RuleSet& rules,
                                                        const WorkingDayCalendar& calendar,
                                                        const Period& period);

struct QuarterlyNotice {
  std::string period;  // "YYYY-Qn"
  std::string rules;   // the rule set's declared id
  uint64_t position = 0;
  std::vector<IndicatorValues> subjects;
  std::string digest;  // lower-case hex SHA-256 of the RFC 8785 form without `digest`
};

// REQUIRES: period is a quarter.
Result<QuarterlyNotice> BuildQuarterlyNotice(const Projection& projection, const RuleSet& rules,
                                             const WorkingDayCalendar& calendar,
                                             const Period& period);

// {"period","rules","position","subjects":[...]} and, with_digest, "digest" last. Members in
// INDICATORS.md order (the digest is over the RFC 8785 form, whatever the printed order).
std::string QuarterlyNoticeJson(const QuarterlyNotice& notice, bool with_digest = true);
// The digest of a notice's JSON without its digest.
std::string NoticeDigest(const QuarterlyNotice& notice);
std::string QuarterlyNoticeCsv(const QuarterlyNotice& notice);
std::string QuarterlyNoticeTable(const QuarterlyNotice& notice);

enum class Grade { kExcellent, kQualified, kUnqualified };
std::string_view GradeId(Grade g);

struct AnnualRow {
  IndicatorValues values;
  std::array<ExactNumber, kPointsRowCount> points{};  // rows the group has (RuleSet::Points)
  ExactNumber base, bonus, deduction;
  ExactNumber total;  // rounded half away from zero to 2 decimals
  int rank = 0;       // 1-based within the group
  Grade grade = Grade::kQualified;
};

struct AnnualEvaluation {
  int year = 0;
  std::string rules;
  uint64_t position = 0;
  std::vector<AnnualRow> subjects;  // cities, then institutions, each by id in byte order
  std::vector<std::string> white_list, black_list;
};

Result<AnnualEvaluation> BuildAnnualEvaluation(const Projection& projection, const RuleSet& rules,
                                               const WorkingDayCalendar& calendar, int year);

std::string AnnualEvaluationJson(const AnnualEvaluation& e, const RuleSet& rules);
std::string AnnualEvaluationCsv(const AnnualEvaluation& e, const RuleSet& rules);
std::string AnnualEvaluationTable(const AnnualEvaluation& e, const RuleSet& rules);

// The indicator ids of a group, in INDICATORS.md table order; `year` adds the year-only ones.
std::vector<std::string_view> IndicatorIds(Group g, bool year);
// The JSON value of one indicator ("12", "0.75", "null"); "" if the id is unknown.
std::string IndicatorJson(const IndicatorValues& v, std::string_view id);

}  // namespace smeledger::projections
