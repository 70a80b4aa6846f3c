// Internal: the province simulation behind ProvinceGenerator.
//
// Model. Time advances through an IntentQueue of what participants mean to do at some instant
// (publish an activity, sign an enterprise up, upload a report). Popping the earliest intent
// checks it against the ProvinceState (the state EVENTS.md's rules read); if the rules allow
// it, the intent becomes one accepted line and may schedule follow-up intents, always at or
// after the current instant. An intent that the state no longer allows (the owner was removed,
// the activity cancelled) is dropped silently, so every valid line is valid at its point of the
// ledger by construction.
//
// Work is planned a year at a time (PlanYear): each provider's activities, services, demands,
// products and so on, drawn around rates scaled by the provider's vigor; month and year
// closings schedule the reports owed. Invalid and duplicate lines come from an
// InvalidLineSource and are interleaved at planned points (PlanSpecials).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "intent_queue.h"
#include "invalid_lines.h"
#include "json_line.h"
#include "province_state.h"
#include "rng.h"
#include "smeledger/producers/generator.h"
#include "vocabulary.h"

namespace smeledger::producers {

class ProvinceGenerator::Simulation {
 public:
  // REQUIRES: options passed ProvinceGenerator::Open's checks.
  explicit Simulation(const GeneratorOptions& options);

  bool Next(std::string_view* line, ExpectedOutcome* expected);
  GeneratorStats Stats() const;

 private:
  using Intent = internal::Intent;
  using EventType = internal::EventType;
  using Rng = internal::Rng;

  enum Op : uint8_t {
    kYearStart,
    kMonthClose,
    kYearClose,
    kAdmit,
    kRemove,
    kRegister,
    kPublishActivity,
    kCancelActivity,
    kSignup,
    kCheckin,
    kRate,
    kActivityReport,
    kMonthlyReport,
    kAnnualReport,
    kDeliver,
    kPublishDemand,
    kAcceptDemand,
    kCompleteDemand,
    kRateDemand,
    kPublishProduct,
    kWithdrawProduct,
    kCollaborate,
    kCollectDemands,
    kReportMedia,
    kAwardTitle,
    kFileComplaint,
    kResolveComplaint,
    kAssess,
    kRetract,
  };
  // What follows a retraction (Intent::x of kRetract).
  enum FollowUp : uint8_t {
    kFollowNone,
    kFollowRerate,
    kFollowReupload,
    kFollowReaccept,
    kFollowReresolve,
    kFollowReregister,
    kFollowRescore,
  };

  // Queues an intent; one after the horizon is dropped, one in the past happens now.
  void Schedule(int64_t at, Op op, uint32_t a = 0, uint32_t b = 0, uint8_t x = 0, uint16_t y = 0);

  // ---------------------------------------------------------------- building the world
  void BuildEnterprises();
  int32_t NewInstitution(uint8_t city);
  uint8_t DrawCity();
  uint32_t DrawEnterprise(uint8_t city, uint32_t same_city_percent);
  int32_t DrawInstitutionOfCity(uint8_t city);  // in the network; kNone if none found
  int32_t DrawInstitution();                    // in the network, not a ghost; kNone if none

  // ---------------------------------------------------------------- planning
  int64_t YearStart(int year) const { return internal::CstTime(year, 1, 1); }
  int64_t YearEnd(int year) const { return internal::CstTime(year + 1, 1, 1) - 1; }
  // A working-hours instant on a day in [from_day, to_day], mostly Monday to Friday.
  int64_t DrawWorkTime(int32_t from_day, int32_t to_day);
  int64_t DrawWorkTimeBetween(int64_t from, int64_t to);
  void PlanYear(int year);
  void PlanShowcase(int year);
  // Schedules the provider's own work (activities, services, demands, products, ...) in
  // [from, to], scaled to that share of a year.
  void PlanProvider(int32_t p, int year, int64_t from, int64_t to);
  uint32_t NewActivity(int32_t owner, int year, int64_t from, int64_t to, uint16_t flags);
  uint32_t NewDemand(int year, uint32_t enterprise, uint8_t city, int32_t planned, uint8_t plan);
  // Places the invalid and duplicate lines: by time, or by valid-line count under a limit.
  void PlanSpecials();

  // ---------------------------------------------------------------- executing intents
  // Each returns true when it wrote an accepted line.
  bool Execute(const Intent& in);
  bool DoYearStart(int year);
  bool DoMonthClose(int year, int month);
  bool DoYearClose(int year);
  bool DoAdmit(const Intent& in);
  bool DoRemove(const Intent& in);
  bool DoRegister(const Intent& in);
  bool DoPublishActivity(const Intent& in);
  bool DoCancelActivity(const Intent& in);
  bool DoSignup(const Intent& in);
  bool DoCheckin(const Intent& in);
  bool DoRate(const Intent& in);
  bool DoActivityReport(const Intent& in);
  bool DoPeriodReport(const Intent& in, bool annual);
  bool DoDeliver(const Intent& in);
  bool DoPublishDemand(const Intent& in);
  bool DoAcceptDemand(const Intent& in);
  bool DoCompleteDemand(const Intent& in);
  bool DoRateDemand(const Intent& in);
  bool DoPublishProduct(const Intent& in);
  bool DoWithdrawProduct(const Intent& in);
  bool DoCollaborate(const Intent& in);
  bool DoCollectDemands(const Intent& in);
  bool DoReportMedia(const Intent& in);
  bool DoAwardTitle(const Intent& in);
  bool DoFileComplaint(const Intent& in);
  bool DoResolveComplaint(const Intent& in);
  bool DoAssess(const Intent& in);
  bool DoRetract(const Intent& in);
  // Who retracts `target`: its actor when that may still act, or the province.
  int32_t RetractionActor(int32_t target);
  // Emits a due invalid or duplicate line into special_line_ when one can be made now.
  bool EmitDueSpecial(bool at_end);

  // ---------------------------------------------------------------- writing valid lines
  // Starts the next accepted event's line: the envelope, dated now_.
  void BeginEvent(EventType type, int32_t actor);
  // Ends it and records it; returns its event index.
  int32_t CommitEvent(EventType type, int32_t actor, uint32_t object = 0, uint32_t sub = 0,
                      uint8_t aux = 0);
  void PutObjectId(std::string_view key, std::string_view prefix, uint16_t year, uint32_t seq);
  void PutActivityId(uint32_t a);
  void PutDemandId(uint32_t d);
  void PutProductId(uint32_t p);
  void PutComplaintId(uint32_t c);
  void PutActivityTitle(int32_t owner);
  void PutScoreHundredths(std::string_view key, uint32_t hundredths, bool long_form);
  uint32_t DrawScore(int32_t provider);       // a 1-5 rating
  uint32_t NextSeq(int kind, uint16_t year);  // kind: 0 activity, 1 demand, 2 product, 3 complaint

  // ---------------------------------------------------------------- members
  GeneratorOptions options_;
  Rng rng_;  // valid lines only
  int first_year_, last_year_;
  int64_t horizon_end_;  // no intent is scheduled after this
  int64_t now_ = 0;

  internal::ProvinceState state_;
  std::vector<uint32_t> city_institution_count_;
  std::vector<uint32_t> enterprise_stamp_;  // activity + 1 that last drew it (distinct signups)
  std::vector<uint32_t> year_seq_;          // per year and kind of object
  internal::IntentQueue queue_;
  internal::JsonLine out_;  // the valid line being written

  // Invalid and duplicate lines.
  struct Special {
    uint64_t when;  // a time (no limit) or a valid-line count (with a limit)
    uint32_t index;
    bool duplicate;
  };
  std::unique_ptr<internal::InvalidLineSource> invalid_;  // null when bad == 0
  std::vector<Special> specials_;                         // in output order
  size_t next_special_ = 0;
  std::vector<size_t> waiting_specials_;  // due but not possible yet

  // Counts.
  uint64_t lines_ = 0;
  uint64_t valid_lines_ = 0;
  uint64_t duplicates_ = 0;
  uint64_t accepted_by_type_[internal::kEventTypeCount] = {};
  uint64_t rejected_by_reason_[internal::kReasonCount] = {};
};

}  // namespace smeledger::producers
