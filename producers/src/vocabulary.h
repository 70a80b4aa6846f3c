// Internal: the fixed tables the generator draws names and texts from — the 16 cities of
// Anhui (DOMAIN.md), the contract's type and reason names, and realistic Chinese texts.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace smeledger::producers::internal {

struct CityInfo {
  std::string_view code;     // administrative division code, the city id's <code>
  std::string_view subject;  // "city:<code>"
  std::string_view prefix;   // institution id prefix, "HF" in inst:HF-0007
  std::string_view name;     // Chinese name
  uint16_t weight;           // share of the province's institutions and enterprises, per mille
};
inline constexpr int kCityCount = 16;
extern const CityInfo kCities[kCityCount];

// Contract v1 event types, in EVENTS.md table order.
enum EventType : uint8_t {
  kInstitutionAdmitted,
  kInstitutionRemoved,
  kEnterpriseRegistered,
  kActivityPublished,
  kActivityCancelled,
  kActivitySignup,
  kActivityCheckin,
  kActivityRated,
  kDemandPublished,
  kDemandAccepted,
  kDemandCompleted,
  kDemandRated,
  kServiceDelivered,
  kReportUploaded,
  kCollaborationRecorded,
  kDemandCollectionCompleted,
  kProductPublished,
  kProductWithdrawn,
  kMediaReported,
  kTitleAwarded,
  kComplaintFiled,
  kComplaintResolved,
  kAssessmentScored,
  kEventRetracted,
  kNoticeApproved,
};
inline constexpr int kEventTypeCount = 25;
extern const std::string_view kEventTypeNames[kEventTypeCount];

// Contract v1 reason codes, in the order `bad` cycles through them.
enum Reason : uint8_t {
  kMalformedJson,
  kNotObject,
  kDuplicateKey,
  kMissingField,
  kInvalidValue,
  kConflict,
  kUnknownType,
  kUnknownField,
  kUnexpectedField,
  kActorNotAllowed,
  kActorNotAdmitted,
  kNotFound,
  kAlreadyExists,
  kHasDependents,
  kPrecondition,
  kNoReason,  // not a code: "nothing blocks"
};
inline constexpr int kReasonCount = 15;
extern const std::string_view kReasonNames[kReasonCount];

// report.uploaded kinds; the first three name an activity.
enum ReportKind : uint8_t { kAttendeeList, kPhotos, kSummary, kMonthly, kAnnual };
extern const std::string_view kReportKindNames[5];

extern const std::string_view kCollaborationKinds[6];  // city_organised last
extern const std::string_view kAssessmentItems[3];     // internet_platform last
extern const std::string_view kMediaLevels[3];         // city, province, national

// Texts. Each is valid UTF-8 of 1-1000 bytes; a few hold characters JSON must escape.
extern const std::span<const std::string_view> kActivityTopics;
extern const std::span<const std::string_view> kDemandTopics;
extern const std::span<const std::string_view> kProductTopics;
extern const std::span<const std::string_view> kInstitutionBrands;
extern const std::span<const std::string_view> kInstitutionKinds;
extern const std::span<const std::string_view> kCancelReasons;
extern const std::span<const std::string_view> kRemovalReasons;
extern const std::span<const std::string_view> kCampaigns;
extern const std::span<const std::string_view> kOutlets[3];  // by media level
extern const std::span<const std::string_view> kMediaHeadlines;

struct TitleInfo {
  std::string_view title;
  uint8_t level;       // index into kMediaLevels
  bool demonstration;  // a demonstration-platform title
};
extern const std::span<const TitleInfo> kTitles;

// Why an event of the given type is retracted.
std::string_view RetractionReason(EventType target_type, uint64_t draw);

}  // namespace smeledger::producers::internal
