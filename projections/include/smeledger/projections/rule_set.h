// RuleSet: every value INDICATORS.md marks *(rule)*, read from a versioned TOML file.
//
//   Result<RuleSet> r = RuleSet::Resolve("anhui-2019-trial");   // a shipped id, or
//   Result<RuleSet> r = RuleSet::Resolve("my-rules.toml");      // a file
//
// The format is described in projections/README.md ("Rule sets"); the shipped rule set is
// projections/rules/anhui-2019-trial.toml, compiled into the library. A rule set is refused as a
// whole (Status::InvalidInput naming the file and the key) when a value is missing, of the wrong
// type or out of range, a key is unknown, an indicator is unknown or has no points row for that
// group, a target is ≤ 0, or monthly_due_day is above 28.
//
// A RuleSet is an immutable value once loaded; copies are independent and may be shared
// between threads.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "smeledger/ledger/status.h"
#include "smeledger/projections/exact_number.h"

namespace smeledger::projections {

// The two evaluated groups.
enum class Group { kCity = 0, kInstitution = 1 };

// The rows of the points table (INDICATORS.md, "Annual evaluation"), in table order.
enum class PointsRow {
  kSatisfaction,
  kDemandMatches,
  kEnterprisesServed,
  kActivities,
  kRegisteredUsers,
  kResourcesBrought,
  kQualityResources,
  kLinkage,
  kDemandCollection,
  kDataUpload,
  kInfrastructure,
  kServiceNorms,
  kInternetPlatform,
  kProducts,
};
inline constexpr int kPointsRowCount = 14;
// The indicator id of a row ("satisfaction", ...).
std::string_view PointsRowId(PointsRow row);
// How a row scores.
enum class RowKind { kCount, kRate, kAssessment };
RowKind PointsRowKind(PointsRow row);

// The report kinds an offline activity needs (EVENTS.md report.uploaded kinds of an activity).
enum class UploadKind { kAttendeeList = 0, kPhotos = 1, kSummary = 2 };
std::string_view UploadKindId(UploadKind k);

enum class UploadTimeSource { kOccurredAt, kRecordedAt };

struct PointsRule {
  bool applies = false;  // the group has this row (a max)
  ExactNumber max;       // ≥ 0
  ExactNumber target;    // > 0 for count rows; unused (0) for rate and assessment rows
};

struct ItemPoints {
  ExactNumber per_item;  // ≥ 0
  ExactNumber cap;       // ≥ 0
};

struct RuleSet {
  std::string id;           // declared `id`: what reports print as `rules`
  std::string description;  // free text
  std::string origin;       // the file path, or "<shipped>"
  std::string text;         // the TOML text as loaded
  std::string digest;       // lower-case hex SHA-256 of `text`: the version

  ExactNumber satisfied_min_score = 4;
  std::vector<UploadKind> offline_upload_kinds;  // distinct, in file order
  int upload_working_days = 5;                   // ≥ 0
  int monthly_due_day = 10;                      // 1..28
  int annual_due_month = 1;                      // annual_due "MM-DD"
  int annual_due_day = 10;
  UploadTimeSource upload_time_source = UploadTimeSource::kOccurredAt;

  std::array<std::array<PointsRule, kPointsRowCount>, 2> points{};  // [group][row]
  const PointsRule& Points(Group g, PointsRow r) const {
    return points[static_cast<int>(g)][static_cast<int>(r)];
  }

  ItemPoints media, titles, complaints;
  ExactNumber bonus_cap;

  ExactNumber excellent_min_total;
  ExactNumber excellent_top_percent;  // 0..100
  ExactNumber qualified_min_total;

  // Parses `toml_text`; `origin` names it in messages.
  static Result<RuleSet> Parse(std::string_view toml_text, std::string_view origin);
  // Reads and parses a file.
  static Result<RuleSet> LoadFile(const std::string& path);
  // The shipped rule set with this id, or NotFound.
  static Result<RuleSet> Shipped(std::string_view id);
  // The ids of the shipped rule sets.
  static std::vector<std::string> ShippedIds();
  // `id_or_file`: a shipped id, else a path to a TOML file. InvalidInput when it is neither.
  static Result<RuleSet> Resolve(const std::string& id_or_file);
};

inline constexpr std::string_view kDefaultRuleSetId = "anhui-2019-trial";

}  // namespace smeledger::projections
