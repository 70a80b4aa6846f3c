// EVENTS.md checks 1–3 for one line. Check 1 is JsonTree (json_tree.h); the rest is table driven:
// one TypeSpec per event type lists its fields in the contract table's order with their value
// types, and BuildEvent walks that list once per check so that the first failure in the
// contract's order is the one reported.

#include "line_parser.h"

#include <cstdint>
#include <cstring>

#include "event_schema.h"
#include "json_tree.h"
#include "smeledger/ledger/canonical_json.h"
#include "smeledger/ledger/civil_time.h"

namespace smeledger::ledger {
namespace {

using Which = schema::Event::Which;

static_assert(static_cast<int>(JsonKind::kString) == static_cast<int>(JsonMember::Kind::kString) &&
              static_cast<int>(JsonKind::kArray) == static_cast<int>(JsonMember::Kind::kArray));

// clang-format off
// Every member name of contract v1.
enum Field : uint8_t {
  kEventId, kType, kOccurredAt, kActor,
  kInstitution, kCity, kName, kReferredBy, kReason, kEnterprise, kChannel, kActivity, kOwner,
  kMode, kTitle, kStartsAt, kEndsAt, kKey, kPublicWelfare, kScore, kDemand, kProvider, kDate,
  kKind, kPeriod, kSha256, kBytes, kCampaign, kProduct, kLevel, kOutlet, kHolder,
  kDemonstrationPlatform, kComplaint, kVerdict, kSubject, kYear, kItem, kTarget, kPosition,
  kRules, kDigest,
  kFieldCount,
  kNoField = 0xFF,
};
static_assert(kFieldCount <= 64, "field masks are 64-bit");

constexpr std::array<std::string_view, kFieldCount> kFieldNames = {
    "event_id", "type", "occurred_at", "actor",
    "institution", "city", "name", "referred_by", "reason", "enterprise", "channel", "activity",
    "owner", "mode", "title", "starts_at", "ends_at", "key", "public_welfare", "score", "demand",
    "provider", "date", "kind", "period", "sha256", "bytes", "campaign", "product", "level",
    "outlet", "holder", "demonstration_platform", "complaint", "verdict", "subject", "year",
    "item", "target", "position", "rules", "digest",
};
constexpr NameIndex<kFieldCount, 128> kFieldIndex(kFieldNames);

// Value types of EVENTS.md, with the bounds each field adds.
enum class Vt : uint8_t {
  kSubjectAny,  // actor: any of the five forms
  kInst, kCity, kEnt, kProvider,
  kText,        // 1–1000 bytes
  kId,          // object ids and event_id references: 1–64 of [A-Za-z0-9._:-]
  kTime, kDate, kBool,
  kInt,         // year, position
  kScore1To5,   // rating scores
  kNonNegInt,   // bytes
  kNonNegNumber,  // assessment score
  kHex64,
  kChannel, kMode, kReportKind, kCollaborationKind, kLevel, kVerdict, kAssessmentItem,
  kReportPeriod,  // by the report's kind: YYYY-MM or YYYY
  kNoticePeriod,  // YYYY-Qn
};
// clang-format on

enum Presence : uint8_t {
  kRequired,
  kOptional,
  kByReportKind,  // report.uploaded's activity / period: required by kind, else unexpected
};

struct FieldSpec {
  Field field;
  Vt vt;
  Presence presence = kRequired;
};

struct TypeSpec {
  uint8_t count;
  FieldSpec fields[8];
};

// Index = schema::Event::Which; fields in the contract table's order.
// clang-format off
constexpr TypeSpec kTypes[25] = {
    /* institution.admitted */
    {4, {{kInstitution, Vt::kInst}, {kCity, Vt::kCity}, {kName, Vt::kText},
         {kReferredBy, Vt::kProvider, kOptional}}},
    /* institution.removed */ {2, {{kInstitution, Vt::kInst}, {kReason, Vt::kText}}},
    /* enterprise.registered */
    {3, {{kEnterprise, Vt::kEnt}, {kChannel, Vt::kChannel},
         {kReferredBy, Vt::kProvider, kOptional}}},
    /* activity.published */
    {8, {{kActivity, Vt::kId}, {kOwner, Vt::kProvider}, {kMode, Vt::kMode}, {kTitle, Vt::kText},
         {kStartsAt, Vt::kTime}, {kEndsAt, Vt::kTime}, {kKey, Vt::kBool, kOptional},
         {kPublicWelfare, Vt::kBool, kOptional}}},
    /* activity.cancelled */ {2, {{kActivity, Vt::kId}, {kReason, Vt::kText}}},
    /* activity.signup */ {2, {{kActivity, Vt::kId}, {kEnterprise, Vt::kEnt}}},
    /* activity.checkin */ {2, {{kActivity, Vt::kId}, {kEnterprise, Vt::kEnt}}},
    /* activity.rated */
    {3, {{kActivity, Vt::kId}, {kEnterprise, Vt::kEnt}, {kScore, Vt::kScore1To5}}},
    /* demand.published */
    {4, {{kDemand, Vt::kId}, {kEnterprise, Vt::kEnt}, {kCity, Vt::kCity}, {kTitle, Vt::kText}}},
    /* demand.accepted */ {2, {{kDemand, Vt::kId}, {kProvider, Vt::kProvider}}},
    /* demand.completed */ {2, {{kDemand, Vt::kId}, {kProvider, Vt::kProvider}}},
    /* demand.rated */
    {3, {{kDemand, Vt::kId}, {kEnterprise, Vt::kEnt}, {kScore, Vt::kScore1To5}}},
    /* service.delivered */
    {4, {{kProvider, Vt::kProvider}, {kEnterprise, Vt::kEnt}, {kDate, Vt::kDate},
         {kPublicWelfare, Vt::kBool, kOptional}}},
    /* report.uploaded */
    {6, {{kProvider, Vt::kProvider}, {kKind, Vt::kReportKind},
         {kActivity, Vt::kId, kByReportKind}, {kPeriod, Vt::kReportPeriod, kByReportKind},
         {kSha256, Vt::kHex64}, {kBytes, Vt::kNonNegInt}}},
    /* collaboration.recorded */
    {2, {{kProvider, Vt::kProvider}, {kKind, Vt::kCollaborationKind}}},
    /* demand_collection.completed */ {2, {{kProvider, Vt::kProvider}, {kCampaign, Vt::kText}}},
    /* product.published */
    {4, {{kProduct, Vt::kId}, {kProvider, Vt::kProvider}, {kTitle, Vt::kText},
         {kPublicWelfare, Vt::kBool, kOptional}}},
    /* product.withdrawn */ {1, {{kProduct, Vt::kId}}},
    /* media.reported */
    {4, {{kProvider, Vt::kProvider}, {kLevel, Vt::kLevel}, {kOutlet, Vt::kText},
         {kTitle, Vt::kText}}},
    /* title.awarded */
    {4, {{kHolder, Vt::kProvider}, {kTitle, Vt::kText}, {kLevel, Vt::kLevel},
         {kDemonstrationPlatform, Vt::kBool, kOptional}}},
    /* complaint.filed */
    {3, {{kComplaint, Vt::kId}, {kProvider, Vt::kProvider}, {kEnterprise, Vt::kEnt}}},
    /* complaint.resolved */ {2, {{kComplaint, Vt::kId}, {kVerdict, Vt::kVerdict}}},
    /* assessment.scored */
    {4, {{kSubject, Vt::kProvider}, {kYear, Vt::kInt}, {kItem, Vt::kAssessmentItem},
         {kScore, Vt::kNonNegNumber}}},
    /* event.retracted */ {2, {{kTarget, Vt::kId}, {kReason, Vt::kText}}},
    /* notice.approved */
    {4, {{kPeriod, Vt::kNoticePeriod}, {kPosition, Vt::kInt}, {kRules, Vt::kText},
         {kDigest, Vt::kHex64}}},
};
// clang-format on

constexpr uint64_t kEnvelopeMask = (uint64_t{1} << kEventId) | (uint64_t{1} << kType) |
                                   (uint64_t{1} << kOccurredAt) | (uint64_t{1} << kActor);

constexpr std::array<uint64_t, 25> kAllowedMasks = [] {
  std::array<uint64_t, 25> masks{};
  for (int t = 0; t < 25; ++t) {
    masks[t] = kEnvelopeMask;
    for (int i = 0; i < kTypes[t].count; ++i) masks[t] |= uint64_t{1} << kTypes[t].fields[i].field;
  }
  return masks;
}();

constexpr FieldSpec kOccurredAtSpec{kOccurredAt, Vt::kTime};
constexpr FieldSpec kActorSpec{kActor, Vt::kSubjectAny};

// ---- value checks ----------------------------------------------------------------------------

constexpr auto kIdChar = [] {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  t['-'] = true;
  return t;
}();
constexpr auto kObjectIdChar = [] {
  std::array<bool, 256> t = kIdChar;
  t['.'] = t['_'] = t[':'] = true;
  return t;
}();
constexpr auto kHexDigit = [] {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'f'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'F'; ++c) t[c] = true;
  return t;
}();

bool AllOf(std::string_view s, const std::array<bool, 256>& table) {
  for (char c : s) {
    if (!table[static_cast<unsigned char>(c)]) return false;
  }
  return true;
}

bool IsDigits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// `inst:` / `ent:` ids: 1–40 of [A-Za-z0-9-].
bool IsSubjectLocalId(std::string_view s) {
  return !s.empty() && s.size() <= 40 && AllOf(s, kIdChar);
}

bool IsCityCode(std::string_view s) {
  if (s.size() != 6 || s[0] != '3' || s[1] != '4' || !IsDigits(s) || s[4] != '0' || s[5] != '0') {
    return false;
  }
  // 3401..3408, 3410..3413, 3415..3418 (DOMAIN.md).
  const int n = (s[2] - '0') * 10 + (s[3] - '0');
  return (n >= 1 && n <= 8) || (n >= 10 && n <= 13) || (n >= 15 && n <= 18);
}

enum class SubjectForm : uint8_t { kInvalid, kProvince, kDept, kCity, kInst, kEnt };

SubjectForm ClassifySubject(std::string_view s) {
  if (s == "province") return SubjectForm::kProvince;
  if (s == "dept") return SubjectForm::kDept;
  if (s.starts_with("city:")) {
    return IsCityCode(s.substr(5)) ? SubjectForm::kCity : SubjectForm::kInvalid;
  }
  if (s.starts_with("inst:")) {
    return IsSubjectLocalId(s.substr(5)) ? SubjectForm::kInst : SubjectForm::kInvalid;
  }
  if (s.starts_with("ent:")) {
    return IsSubjectLocalId(s.substr(4)) ? SubjectForm::kEnt : SubjectForm::kInvalid;
  }
  return SubjectForm::kInvalid;
}

constexpr int64_t kMaxSafeInt = (int64_t{1} << 53) - 1;

// An int: a number token without fraction or exponent, |v| ≤ 2^53 − 1. "-0" is 0.
bool ParseInt(const JsonMember& m, int64_t* out) {
  if (m.kind != JsonMember::Kind::kNumber) return false;
  std::string_view t = m.text;
  const bool negative = t[0] == '-';
  if (negative) t.remove_prefix(1);
  if (t.size() > 16) return false;  // 2^53 − 1 has 16 digits
  int64_t v = 0;
  for (char c : t) {
    if (c < '0' || c > '9') return false;  // '.', 'e' or 'E'
    v = v * 10 + (c - '0');
  }
  if (v > kMaxSafeInt) return false;
  *out = negative ? -v : v;
  return true;
}

// True when a well-formed number token is below zero as written: a minus sign and a non-zero
// digit before any exponent ("-0", "-0.0", "-0e5" are zero; "-1e-400" is negative).
bool WrittenNegative(std::string_view t) {
  if (t[0] != '-') return false;
  for (char c : t) {
    if (c == 'e' || c == 'E') break;
    if (c >= '1' && c <= '9') return true;
  }
  return false;
}

template <size_t N>
int EnumIndex(const JsonMember& m, const std::array<std::string_view, N>& names) {
  if (m.kind != JsonMember::Kind::kString) return -1;
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == m.text) return static_cast<int>(i);
  }
  return -1;
}

// A checked value, ready to be written.
// Trivially constructible on purpose: a Check holds one per field name and is not zeroed.
struct Parsed {
  int64_t i;             // ints, enums, bools
  double d;              // kNonNegNumber
  int64_t unix_seconds;  // kTime
  uint32_t nanos;        // kTime
  int32_t day;           // kDate
};

struct Check {
  const JsonMember* member[kFieldCount];  // nullptr when absent
  Parsed parsed[kFieldCount];
  int report_kind = -1;  // report.uploaded: the kind when it is one of the five, else -1
};

// The report field that `kind` needs: kActivity, kPeriod, or kNoField for an invalid kind.
Field NeededReportField(int report_kind) {
  if (report_kind < 0) return kNoField;
  return report_kind <= 2 ? kActivity : kPeriod;
}

// Checks one value; true when valid, with the result in *p.
bool CheckValue(Vt vt, const JsonMember& m, int report_kind, Parsed* p) {
  using K = JsonMember::Kind;
  const bool is_string = m.kind == K::kString;
  const std::string_view s = m.text;
  switch (vt) {
    case Vt::kSubjectAny:
      return is_string && ClassifySubject(s) != SubjectForm::kInvalid;
    case Vt::kInst:
      return is_string && ClassifySubject(s) == SubjectForm::kInst;
    case Vt::kCity:
      return is_string && ClassifySubject(s) == SubjectForm::kCity;
    case Vt::kEnt:
      return is_string && ClassifySubject(s) == SubjectForm::kEnt;
    case Vt::kProvider: {
      if (!is_string) return false;
      const SubjectForm f = ClassifySubject(s);
      return f == SubjectForm::kCity || f == SubjectForm::kInst;
    }
    case Vt::kText:
      return is_string && !s.empty() && s.size() <= 1000;
    case Vt::kId:
      return is_string && !s.empty() && s.size() <= 64 && AllOf(s, kObjectIdChar);
    case Vt::kTime: {
      Instant instant;
      if (!is_string || !ParseRfc3339(s, &instant)) return false;
      p->unix_seconds = instant.unix_seconds;
      p->nanos = instant.nanos;
      return true;
    }
    case Vt::kDate:
      return is_string && ParseDate(s, &p->day);
    case Vt::kBool:
      p->i = m.kind == K::kTrue;
      return m.kind == K::kTrue || m.kind == K::kFalse;
    case Vt::kInt:
      return ParseInt(m, &p->i);
    case Vt::kScore1To5:
      return ParseInt(m, &p->i) && p->i >= 1 && p->i <= 5;
    case Vt::kNonNegInt:
      return ParseInt(m, &p->i) && p->i >= 0;
    case Vt::kNonNegNumber:
      if (m.kind != K::kNumber || !JsonNumberValue(s, &p->d) || WrittenNegative(s)) return false;
      if (p->d == 0) p->d = 0;  // "-0", "-0.0": store +0 so that nothing downstream prints "-0"
      return true;
    case Vt::kHex64:
      return is_string && s.size() == 64 && AllOf(s, kHexDigit);
    case Vt::kChannel:
      return (p->i = EnumIndex(m, kChannelNames)) >= 0;
    case Vt::kMode:
      return (p->i = EnumIndex(m, kModeNames)) >= 0;
    case Vt::kReportKind:
      return (p->i = EnumIndex(m, kReportKindNames)) >= 0;
    case Vt::kCollaborationKind:
      return (p->i = EnumIndex(m, kCollaborationKindNames)) >= 0;
    case Vt::kLevel:
      return (p->i = EnumIndex(m, kLevelNames)) >= 0;
    case Vt::kVerdict:
      return (p->i = EnumIndex(m, kVerdictNames)) >= 0;
    case Vt::kAssessmentItem:
      return (p->i = EnumIndex(m, kAssessmentItemNames)) >= 0;
    case Vt::kReportPeriod:
      if (!is_string) return false;
      if (report_kind == 4) return s.size() == 4 && IsDigits(s);  // annual: YYYY
      // monthly: YYYY-MM, month 01–12
      return s.size() == 7 && IsDigits(s.substr(0, 4)) && s[4] == '-' && IsDigits(s.substr(5, 2)) &&
             s.substr(5, 2) >= "01" && s.substr(5, 2) <= "12";
    case Vt::kNoticePeriod:
      return is_string && s.size() == 7 && IsDigits(s.substr(0, 4)) && s[4] == '-' && s[5] == 'Q' &&
             s[6] >= '1' && s[6] <= '4';
  }
  return false;
}

// What a valid value looks like, for messages: "<field> must be <this>".
std::string_view Expectation(Vt vt, int report_kind) {
  switch (vt) {
    case Vt::kSubjectAny:
      return "a subject id (province, dept, city:<code>, inst:<id> or ent:<id>)";
    case Vt::kInst:
      return "inst:<id> with 1 to 40 characters of [A-Za-z0-9-]";
    case Vt::kCity:
      return "city:<code> with one of the 16 city division codes";
    case Vt::kEnt:
      return "ent:<id> with 1 to 40 characters of [A-Za-z0-9-]";
    case Vt::kProvider:
      return "a provider id (city:<code> or inst:<id>)";
    case Vt::kText:
      return "a string of 1 to 1000 bytes";
    case Vt::kId:
      return "a string of 1 to 64 characters of [A-Za-z0-9._:-]";
    case Vt::kTime:
      return "an RFC 3339 time";
    case Vt::kDate:
      return "a real calendar date written YYYY-MM-DD";
    case Vt::kBool:
      return "true or false";
    case Vt::kInt:
      return "an int (no fraction or exponent, at most 2^53-1 in size)";
    case Vt::kScore1To5:
      return "an int from 1 to 5";
    case Vt::kNonNegInt:
      return "an int >= 0 (no fraction or exponent, at most 2^53-1)";
    case Vt::kNonNegNumber:
      return "a finite number >= 0";
    case Vt::kHex64:
      return "64 hexadecimal digits";
    case Vt::kChannel:
      return "\"platform\" or \"wechat\"";
    case Vt::kMode:
      return "\"online\" or \"offline\"";
    case Vt::kReportKind:
      return "one of \"attendee_list\", \"photos\", \"summary\", \"monthly\", \"annual\"";
    case Vt::kCollaborationKind:
      return "one of \"expert_collection\", \"public_welfare\", \"demand_survey\", "
             "\"matchmaking\", \"featured_promotion\", \"city_organised\"";
    case Vt::kLevel:
      return "one of \"city\", \"province\", \"national\"";
    case Vt::kVerdict:
      return "\"provider_at_fault\" or \"not_at_fault\"";
    case Vt::kAssessmentItem:
      return "one of \"infrastructure\", \"service_norms\", \"internet_platform\"";
    case Vt::kReportPeriod:
      return report_kind == 4 ? "YYYY for an annual report" : "YYYY-MM for a monthly report";
    case Vt::kNoticePeriod:
      return "YYYY-Qn with n from 1 to 4";
  }
  return "valid";
}

Rejection Reject(Reason reason, Field field, std::string message) {
  return Rejection{reason, std::string(kFieldNames[field]), std::move(message)};
}

Rejection MissingField(Field f) {
  std::string msg = "missing field \"";
  msg.append(kFieldNames[f]).append("\"");
  return Reject(Reason::kMissingField, f, std::move(msg));
}

Rejection InvalidValue(const FieldSpec& spec, const JsonMember& m, int report_kind) {
  std::string msg(kFieldNames[spec.field]);
  if (m.kind == JsonMember::Kind::kNull) {
    msg.append(" must not be null (leave an optional field out)");
  } else {
    msg.append(" must be ").append(Expectation(spec.vt, report_kind));
  }
  return Reject(Reason::kInvalidValue, spec.field, std::move(msg));
}

// ---- writing ---------------------------------------------------------------------------------

void CopyText(capnp::Text::Builder t, std::string_view s) {
  if (!s.empty()) std::memcpy(t.begin(), s.data(), s.size());
}

// Sets a Text field from a string view without needing a NUL after it.
#define SET_TEXT(builder, Name, view)              \
  do {                                             \
    const std::string_view v_ = (view);            \
    CopyText((builder).init##Name(v_.size()), v_); \
  } while (0)

class Writer {
 public:
  explicit Writer(const Check& c) : c_(c) {}

  std::string_view Text(Field f) const { return c_.member[f] ? c_.member[f]->text : ""; }
  int64_t Int(Field f) const { return c_.parsed[f].i; }
  template <typename E>
  E Enum(Field f) const {
    return static_cast<E>(c_.parsed[f].i);
  }
  schema::OptBool Opt(Field f) const {
    if (!c_.member[f]) return schema::OptBool::ABSENT;
    return c_.parsed[f].i ? schema::OptBool::YES : schema::OptBool::NO;
  }
  void Time(schema::Time::Builder t, Field f) const {
    SET_TEXT(t, Text, Text(f));
    t.setUnixSeconds(c_.parsed[f].unix_seconds);
    t.setNanos(c_.parsed[f].nanos);
  }

 private:
  const Check& c_;
};

void WriteEvent(Which which, const Check& c, std::string_view event_id,
                schema::Event::Builder out) {
  const Writer w(c);
  SET_TEXT(out, EventId, event_id);
  w.Time(out.initOccurredAt(), kOccurredAt);
  SET_TEXT(out, Actor, w.Text(kActor));
  switch (which) {
    case schema::Event::INSTITUTION_ADMITTED: {
      auto b = out.initInstitutionAdmitted();
      SET_TEXT(b, Institution, w.Text(kInstitution));
      SET_TEXT(b, City, w.Text(kCity));
      SET_TEXT(b, Name, w.Text(kName));
      SET_TEXT(b, ReferredBy, w.Text(kReferredBy));
      break;
    }
    case schema::Event::INSTITUTION_REMOVED: {
      auto b = out.initInstitutionRemoved();
      SET_TEXT(b, Institution, w.Text(kInstitution));
      SET_TEXT(b, Reason, w.Text(kReason));
      break;
    }
    case schema::Event::ENTERPRISE_REGISTERED: {
      auto b = out.initEnterpriseRegistered();
      SET_TEXT(b, Enterprise, w.Text(kEnterprise));
      b.setChannel(w.Enum<schema::Channel>(kChannel));
      SET_TEXT(b, ReferredBy, w.Text(kReferredBy));
      break;
    }
    case schema::Event::ACTIVITY_PUBLISHED: {
      auto b = out.initActivityPublished();
      SET_TEXT(b, Activity, w.Text(kActivity));
      SET_TEXT(b, Owner, w.Text(kOwner));
      b.setMode(w.Enum<schema::Mode>(kMode));
      SET_TEXT(b, Title, w.Text(kTitle));
      w.Time(b.initStartsAt(), kStartsAt);
      w.Time(b.initEndsAt(), kEndsAt);
      b.setKey(w.Opt(kKey));
      b.setPublicWelfare(w.Opt(kPublicWelfare));
      break;
    }
    case schema::Event::ACTIVITY_CANCELLED: {
      auto b = out.initActivityCancelled();
      SET_TEXT(b, Activity, w.Text(kActivity));
      SET_TEXT(b, Reason, w.Text(kReason));
      break;
    }
    case schema::Event::ACTIVITY_SIGNUP: {
      auto b = out.initActivitySignup();
      SET_TEXT(b, Activity, w.Text(kActivity));
      SET_TEXT(b, Enterprise, w.Text(kEnterprise));
      break;
    }
    case schema::Event::ACTIVITY_CHECKIN: {
      auto b = out.initActivityCheckin();
      SET_TEXT(b, Activity, w.Text(kActivity));
      SET_TEXT(b, Enterprise, w.Text(kEnterprise));
      break;
    }
    case schema::Event::ACTIVITY_RATED: {
      auto b = out.initActivityRated();
      SET_TEXT(b, Activity, w.Text(kActivity));
      SET_TEXT(b, Enterprise, w.Text(kEnterprise));
      b.setScore(w.Int(kScore));
      break;
    }
    case schema::Event::DEMAND_PUBLISHED: {
      auto b = out.initDemandPublished();
      SET_TEXT(b, Demand, w.Text(kDemand));
      SET_TEXT(b, Enterprise, w.Text(kEnterprise));
      SET_TEXT(b, City, w.Text(kCity));
      SET_TEXT(b, Title, w.Text(kTitle));
      break;
    }
    case schema::Event::DEMAND_ACCEPTED: {
      auto b = out.initDemandAccepted();
      SET_TEXT(b, Demand, w.Text(kDemand));
      SET_TEXT(b, Provider, w.Text(kProvider));
      break;
    }
    case schema::Event::DEMAND_COMPLETED: {
      auto b = out.initDemandCompleted();
      SET_TEXT(b, Demand, w.Text(kDemand));
      SET_TEXT(b, Provider, w.Text(kProvider));
      break;
    }
    case schema::Event::DEMAND_RATED: {
      auto b = out.initDemandRated();
      SET_TEXT(b, Demand, w.Text(kDemand));
      SET_TEXT(b, Enterprise, w.Text(kEnterprise));
      b.setScore(w.Int(kScore));
      break;
    }
    case schema::Event::SERVICE_DELIVERED: {
      auto b = out.initServiceDelivered();
      SET_TEXT(b, Provider, w.Text(kProvider));
      SET_TEXT(b, Enterprise, w.Text(kEnterprise));
      auto d = b.initDate();
      SET_TEXT(d, Text, w.Text(kDate));
      d.setEpochDay(c.parsed[kDate].day);
      b.setPublicWelfare(w.Opt(kPublicWelfare));
      break;
    }
    case schema::Event::REPORT_UPLOADED: {
      auto b = out.initReportUploaded();
      SET_TEXT(b, Provider, w.Text(kProvider));
      b.setKind(w.Enum<schema::ReportKind>(kKind));
      // Only the kind's own field is stored; the other is never present on an accepted line.
      if (NeededReportField(c.report_kind) == kActivity) {
        SET_TEXT(b, Activity, w.Text(kActivity));
      } else {
        SET_TEXT(b, Period, w.Text(kPeriod));
      }
      SET_TEXT(b, Sha256, w.Text(kSha256));
      b.setBytes(w.Int(kBytes));
      break;
    }
    case schema::Event::COLLABORATION_RECORDED: {
      auto b = out.initCollaborationRecorded();
      SET_TEXT(b, Provider, w.Text(kProvider));
      b.setKind(w.Enum<schema::CollaborationKind>(kKind));
      break;
    }
    case schema::Event::DEMAND_COLLECTION_COMPLETED: {
      auto b = out.initDemandCollectionCompleted();
      SET_TEXT(b, Provider, w.Text(kProvider));
      SET_TEXT(b, Campaign, w.Text(kCampaign));
      break;
    }
    case schema::Event::PRODUCT_PUBLISHED: {
      auto b = out.initProductPublished();
      SET_TEXT(b, Product, w.Text(kProduct));
      SET_TEXT(b, Provider, w.Text(kProvider));
      SET_TEXT(b, Title, w.Text(kTitle));
      b.setPublicWelfare(w.Opt(kPublicWelfare));
      break;
    }
    case schema::Event::PRODUCT_WITHDRAWN: {
      auto b = out.initProductWithdrawn();
      SET_TEXT(b, Product, w.Text(kProduct));
      break;
    }
    case schema::Event::MEDIA_REPORTED: {
      auto b = out.initMediaReported();
      SET_TEXT(b, Provider, w.Text(kProvider));
      b.setLevel(w.Enum<schema::Level>(kLevel));
      SET_TEXT(b, Outlet, w.Text(kOutlet));
      SET_TEXT(b, Title, w.Text(kTitle));
      break;
    }
    case schema::Event::TITLE_AWARDED: {
      auto b = out.initTitleAwarded();
      SET_TEXT(b, Holder, w.Text(kHolder));
      SET_TEXT(b, Title, w.Text(kTitle));
      b.setLevel(w.Enum<schema::Level>(kLevel));
      b.setDemonstrationPlatform(w.Opt(kDemonstrationPlatform));
      break;
    }
    case schema::Event::COMPLAINT_FILED: {
      auto b = out.initComplaintFiled();
      SET_TEXT(b, Complaint, w.Text(kComplaint));
      SET_TEXT(b, Provider, w.Text(kProvider));
      SET_TEXT(b, Enterprise, w.Text(kEnterprise));
      break;
    }
    case schema::Event::COMPLAINT_RESOLVED: {
      auto b = out.initComplaintResolved();
      SET_TEXT(b, Complaint, w.Text(kComplaint));
      b.setVerdict(w.Enum<schema::Verdict>(kVerdict));
      break;
    }
    case schema::Event::ASSESSMENT_SCORED: {
      auto b = out.initAssessmentScored();
      SET_TEXT(b, Subject, w.Text(kSubject));
      b.setYear(w.Int(kYear));
      b.setItem(w.Enum<schema::AssessmentItem>(kItem));
      SET_TEXT(b, Score, w.Text(kScore));
      b.setScoreValue(c.parsed[kScore].d);
      break;
    }
    case schema::Event::EVENT_RETRACTED: {
      auto b = out.initEventRetracted();
      SET_TEXT(b, Target, w.Text(kTarget));
      SET_TEXT(b, Reason, w.Text(kReason));
      break;
    }
    case schema::Event::NOTICE_APPROVED: {
      auto b = out.initNoticeApproved();
      SET_TEXT(b, Period, w.Text(kPeriod));
      b.setPosition(w.Int(kPosition));
      SET_TEXT(b, Rules, w.Text(kRules));
      SET_TEXT(b, Digest, w.Text(kDigest));
      break;
    }
  }
}

#undef SET_TEXT

constexpr int kMaxDepth = 64;

}  // namespace

struct LineParser::Impl {
  JsonTree tree{kMaxDepth};
  std::vector<uint8_t> member_fields;  // Field of each member, kNoField when unknown
  std::vector<uint32_t> canonical_scratch;
};

LineParser::LineParser() : impl_(new Impl) {}
LineParser::~LineParser() { delete impl_; }

std::optional<Rejection> LineParser::Parse(std::string_view line) {
  members_.clear();
  event_id_ = {};
  JsonTree& tree = impl_->tree;
  switch (tree.Parse(line, /*require_object=*/true)) {
    case JsonTree::Error::kNone:
      break;
    case JsonTree::Error::kMalformed:
      return Rejection{Reason::kMalformedJson, "", tree.error_message()};
    case JsonTree::Error::kNotObject:
      return Rejection{Reason::kNotObject, "", tree.error_message()};
    case JsonTree::Error::kDuplicateKey: {
      std::string key(tree.duplicate_key());
      std::string msg = "key \"" + key + "\" is repeated in an object";
      return Rejection{Reason::kDuplicateKey, std::move(key), std::move(msg)};
    }
  }
  const std::vector<JsonNode>& nodes = tree.nodes();
  size_t id_index = SIZE_MAX;
  for (uint32_t c = 1; c < nodes[0].end; c = nodes[c].end) {
    const JsonNode& n = nodes[c];
    if (n.key == "event_id") id_index = members_.size();
    members_.push_back({n.key, static_cast<JsonMember::Kind>(n.kind), n.text});
  }
  if (id_index == SIZE_MAX) return MissingField(kEventId);
  const JsonMember* id = &members_[id_index];
  if (id->kind != JsonMember::Kind::kString || id->text.empty() || id->text.size() > 64 ||
      !AllOf(id->text, kObjectIdChar)) {
    return Rejection{Reason::kInvalidValue, "event_id",
                     "event_id must be a string of 1 to 64 characters of [A-Za-z0-9._:-]"};
  }
  event_id_ = id->text;
  return std::nullopt;
}

std::string LineParser::CanonicalJson() const {
  std::string out;
  out.reserve(impl_->tree.nodes().size() * 24);
  // A number whose double is not finite (only possible in a line check 3 would reject) is kept
  // as written: no stored event prints one, so such a line can only be a conflict.
  AppendCanonicalNode(impl_->tree.nodes(), 0, /*allow_nonfinite=*/true, &impl_->canonical_scratch,
                      &out);
  return out;
}

std::optional<Rejection> LineParser::BuildEvent(schema::Event::Builder out) const {
  Check c;
  std::memset(c.member, 0, sizeof c.member);
  std::vector<uint8_t>& fields = impl_->member_fields;
  fields.resize(members_.size());
  for (size_t i = 0; i < members_.size(); ++i) {
    const int f = kFieldIndex.Find(members_[i].key);
    fields[i] = static_cast<uint8_t>(f < 0 ? int{kNoField} : f);
    if (f >= 0) c.member[f] = &members_[i];  // keys are unique (check 1)
  }

  // type: present, a string, a known name.
  const JsonMember* type = c.member[kType];
  if (type == nullptr) return MissingField(kType);
  const int which_index =
      type->kind == JsonMember::Kind::kString ? kEventTypeIndex.Find(type->text) : -1;
  if (which_index < 0) {
    std::string msg = type->kind == JsonMember::Kind::kString
                          ? "unknown type \"" + std::string(type->text) + "\""
                          : std::string("type must be a string naming an event type");
    return Reject(Reason::kUnknownType, kType, std::move(msg));
  }
  const Which which = static_cast<Which>(which_index);
  const TypeSpec& spec = kTypes[which_index];
  const std::string_view type_name = kEventTypeNames[which_index];

  // unknown_field: the first member, in line order, that this type does not have.
  const uint64_t allowed = kAllowedMasks[which_index];
  for (size_t i = 0; i < members_.size(); ++i) {
    if (fields[i] == kNoField || !(allowed >> fields[i] & 1)) {
      std::string msg = "unknown field \"" + std::string(members_[i].key) + "\" for type ";
      msg.append(type_name);
      return Rejection{Reason::kUnknownField, std::string(members_[i].key), std::move(msg)};
    }
  }

  // report.uploaded: the kind decides which of activity / period is needed.
  const bool is_report = which == schema::Event::REPORT_UPLOADED;
  if (is_report && c.member[kKind] != nullptr) {
    c.report_kind = EnumIndex(*c.member[kKind], kReportKindNames);
  }
  const Field needed = NeededReportField(c.report_kind);

  // missing_field: envelope, then the type's fields in table order.
  if (c.member[kOccurredAt] == nullptr) return MissingField(kOccurredAt);
  if (c.member[kActor] == nullptr) return MissingField(kActor);
  for (int i = 0; i < spec.count; ++i) {
    const FieldSpec& fs = spec.fields[i];
    if (c.member[fs.field] != nullptr) continue;
    if (fs.presence == kRequired || (fs.presence == kByReportKind && fs.field == needed)) {
      return MissingField(fs.field);
    }
  }

  // invalid_value: occurred_at, actor, then the type's fields in table order.
  if (!CheckValue(kOccurredAtSpec.vt, *c.member[kOccurredAt], -1, &c.parsed[kOccurredAt])) {
    return InvalidValue(kOccurredAtSpec, *c.member[kOccurredAt], -1);
  }
  if (!CheckValue(kActorSpec.vt, *c.member[kActor], -1, &c.parsed[kActor])) {
    return InvalidValue(kActorSpec, *c.member[kActor], -1);
  }
  for (int i = 0; i < spec.count; ++i) {
    const FieldSpec& fs = spec.fields[i];
    const JsonMember* m = c.member[fs.field];
    if (m == nullptr) continue;
    if (fs.presence == kByReportKind && fs.field != needed) continue;  // not value-checked
    if (!CheckValue(fs.vt, *m, c.report_kind, &c.parsed[fs.field])) {
      return InvalidValue(fs, *m, c.report_kind);
    }
  }

  // unexpected_field: report.uploaded's field of the other kind.
  if (is_report) {
    const Field other = needed == kActivity ? kPeriod : kActivity;
    if (c.member[other] != nullptr) {
      std::string msg = "field \"" + std::string(kFieldNames[other]) +
                        "\" is not expected for a report of kind \"" +
                        std::string(kReportKindNames[c.report_kind]) + "\"";
      return Reject(Reason::kUnexpectedField, other, std::move(msg));
    }
  }

  WriteEvent(which, c, event_id_, out);
  return std::nullopt;
}

}  // namespace smeledger::ledger
