// Internal: the state the fold keeps (projection.h), and its one mutator, Apply.
//
// Layout, for speed and size: every subject id and object id is interned once into a dense
// uint32; per-(subject, quarter) counters live in one flat hash map keyed by
// subject << 32 | quarter index; distinct-enterprise counts are multisets (so a retraction takes
// one occurrence away); objects (activities, demands, products, complaints) are flat vectors
// indexed by their interned id. Nothing here depends on a rule set.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/container/inlined_vector.h>

#include <cstdint>
#include <deque>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "smeledger/ledger/ledger.h"
#include "smeledger/schemas/record.capnp.h"

namespace smeledger::projections::internal {

inline constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
inline constexpr int32_t kNoDay = std::numeric_limits<int32_t>::max();
inline constexpr int kCityCount = 16;
extern const char* const kCityIds[kCityCount];  // "city:340100", ... in byte order

// Quarter index of a day: year * 4 + (quarter - 1).
int32_t QuarterOfDay(int32_t epoch_day);

// Strings to dense ids. Ids are stable; names stay valid as long as the interner.
class Interner {
 public:
  uint32_t Intern(std::string_view s) {
    auto it = map_.find(s);
    if (it != map_.end()) return it->second;
    names_.emplace_back(s);
    const uint32_t id = static_cast<uint32_t>(names_.size() - 1);
    map_.emplace(std::string_view(names_.back()), id);
    return id;
  }
  uint32_t Find(std::string_view s) const {
    auto it = map_.find(s);
    return it == map_.end() ? kNone : it->second;
  }
  const std::string& Name(uint32_t id) const { return names_[id]; }
  size_t size() const { return names_.size(); }

 private:
  std::deque<std::string> names_;
  absl::flat_hash_map<std::string_view, uint32_t> map_;
};

// Per (subject, quarter) counters of events dated in that quarter.
struct Counters {
  int32_t demand_matches = 0;
  int32_t linkage = 0;
  int32_t demand_collection = 0;
  int32_t media = 0;
  int32_t titles = 0;       // level province or national
  int32_t demo_titles = 0;  // demonstration_platform: true, any level
  int32_t complaints = 0;   // resolutions provider_at_fault
  int32_t sat[5] = {0, 0, 0, 0, 0};  // ratings by score 1..5
};

inline uint64_t SubjectQuarterKey(uint32_t subject, int32_t q) {
  return (uint64_t{subject} << 32) | static_cast<uint32_t>(q);
}

// (provider, quarter, other subject): multiset keys for distinct counts.
struct TripleKey {
  uint32_t a;
  int32_t q;
  uint32_t b;
  bool operator==(const TripleKey& o) const { return a == o.a && q == o.q && b == o.b; }
  template <typename H>
  friend H AbslHashValue(H h, const TripleKey& k) {
    return H::combine(std::move(h), (uint64_t{k.a} << 32) | static_cast<uint32_t>(k.q), k.b);
  }
};
struct ServedCount {
  int32_t all = 0;
  int32_t public_welfare = 0;
};

// One live upload.
struct Upload {
  uint64_t position;
  int32_t occurred_day;  // CST date of occurred_at
  int32_t recorded_day;  // CST date of the record's recorded_at
};
using Uploads = absl::InlinedVector<Upload, 1>;  // live ones, in ledger order

struct Activity {
  uint64_t published_position = 0;  // 0: not (or no longer) live
  uint32_t owner = kNone;
  bool online = false;
  bool key = false;
  bool public_welfare = false;
  int64_t starts_s = 0;
  uint32_t starts_ns = 0;
  int64_t published_s = 0;  // activity.published occurred_at
  uint32_t published_ns = 0;
  int32_t ends_day = 0;     // CST date of ends_at
  int32_t cancelled = 0;    // live cancellations (0 or 1)
  int32_t signups = 0;
  int32_t checkins = 0;
  int32_t ratings = 0;
  Uploads uploads[3];       // attendee_list, photos, summary
};

struct Demand {
  uint32_t completer = kNone;  // provider of the live demand.completed
};

struct Product {
  uint64_t published_position = 0;  // 0: not live
  uint32_t provider = kNone;
  bool public_welfare = false;
  int32_t published_day = 0;
  int32_t withdrawn_day = kNoDay;  // day of the live withdrawal
};

struct Complaint {
  uint32_t provider = kNone;
};

// A live institution.admitted or institution.removed.
struct StintEvent {
  uint64_t position;
  int32_t day;
  bool admitted;          // else removed
  uint32_t referred_by;   // admissions: the referring provider, or kNone
};

// Monthly / annual reports: key (provider, kind, period number).
struct ReportKey {
  uint32_t provider;
  uint32_t kind;    // 3 monthly, 4 annual (schema ReportKind)
  int32_t period;   // monthly: year * 12 + month - 1; annual: year
  bool operator==(const ReportKey& o) const {
    return provider == o.provider && kind == o.kind && period == o.period;
  }
  template <typename H>
  friend H AbslHashValue(H h, const ReportKey& k) {
    return H::combine(std::move(h), k.provider, k.kind, k.period);
  }
};

struct Assessment {
  uint64_t position;
  std::string score;   // as written
  double score_value;  // nearest double
};
struct AssessmentKey {
  uint32_t subject;
  int64_t year;
  uint32_t item;  // schema AssessmentItem
  bool operator==(const AssessmentKey& o) const {
    return subject == o.subject && year == o.year && item == o.item;
  }
  template <typename H>
  friend H AbslHashValue(H h, const AssessmentKey& k) {
    return H::combine(std::move(h), k.subject, k.year, k.item);
  }
};

struct Notice {
  uint64_t position;  // of the notice.approved record
  bool live = true;
  std::string event_id;
  std::string period;
  int64_t notice_position;
  std::string rules;
  std::string digest;
};

// What the fold did with one record, for explain (audit.cc). Called for every contribution
// applied (+1) or taken away by a retraction (-1).
enum class Contribution : uint8_t {
  kDemandMatch, kLinkage, kDemandCollection, kMedia, kTitle, kDemoTitle, kComplaint,
  kActivityRating, kDemandRating, kServed, kRegistered, kAdmitted, kRemoved, kActivity,
  kCancelled, kSignup, kCheckin, kUpload, kReport, kProduct, kWithdrawn, kAssessment, kNotice,
};
class FoldTracer {
 public:
  virtual ~FoldTracer() = default;
  // `subject` is the interned subject the record counts for (kNone if none), `day` the date it
  // is dated by for that purpose, `object` an interned object id (activity, product) or kNone.
  virtual void OnContribution(uint64_t position, int sign, Contribution c, uint32_t subject,
                              int32_t day, uint32_t object, int32_t value) = 0;
};

struct FoldState {
  FoldState();

  uint64_t position = 0;
  ledger::Hash hash{};
  int64_t recorded_at_us = 0;

  Interner subjects;  // cities are 0..15
  Interner activity_ids, demand_ids, product_ids, complaint_ids;

  absl::flat_hash_map<uint64_t, Counters> counters;  // SubjectQuarterKey
  absl::flat_hash_map<TripleKey, ServedCount> served;   // service.delivered (provider, q, ent)
  absl::flat_hash_map<TripleKey, int32_t> registered;   // enterprise.registered (referrer, q, ent)
  absl::flat_hash_map<uint32_t, std::vector<StintEvent>> stints;  // institution -> live events
  std::vector<Activity> activities;
  std::vector<Demand> demands;
  std::vector<Product> products;
  std::vector<Complaint> complaints;
  absl::flat_hash_map<ReportKey, Uploads> reports;
  absl::flat_hash_map<AssessmentKey, std::vector<Assessment>> assessments;
  std::vector<Notice> notices;

  FoldTracer* tracer = nullptr;
  uint64_t applied = 0;
  // For tracers, valid during OnContribution: the event being applied or un-applied, and for
  // an un-apply the retraction's position and event_id.
  std::string_view current_event_id;
  int current_type = 0;  // schema::Event::Which
  uint64_t retraction_position = 0;
  std::string retraction_event_id;

  // Applies (sign +1) or un-applies (sign -1) one event at `position`.
  // Retractions are handled by the caller (projection.cc) and never reach here.
  void Apply(schema::Event::Reader e, int sign, uint64_t position, int64_t recorded_at_us);

  bool IsCity(uint32_t subject) const { return subject < kCityCount; }
};

}  // namespace smeledger::projections::internal
