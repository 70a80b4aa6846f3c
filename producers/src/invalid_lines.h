// Internal: the lines a ledger must not accept as new — invalid lines, each crafted to be
// rejected for exactly one reason under EVENTS.md's check order given the state at its point,
// and duplicates (earlier accepted lines resubmitted with other key order and escapes).
//
// An InvalidLineSource reads the ProvinceState and never changes it, and draws only from its
// own PRNG stream: mixing its lines in moves the valid lines down but changes none of them.
// Object ids it invents ("act-0000-...", "inst:NA-...", "bad-...") are never used by valid
// lines, and the ids it reuses are taken already, so later valid lines are unaffected.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "json_line.h"
#include "province_state.h"
#include "rng.h"

namespace smeledger::producers::internal {

class InvalidLineSource {
 public:
  // `state` must outlive this object.
  InvalidLineSource(const ProvinceState& state, uint64_t seed, int first_year);

  // Lets the source keep a copy of accepted line `event` (one in 61, a bounded sample) for
  // duplicates and conflicts.
  void Offer(std::string_view line, int32_t event) {
    if (event % 61 == 0) Keep(line, event);
  }

  // Writes invalid line number `index` (from 0; its reason is index % kReasonCount, its
  // sub-case index / kReasonCount) dated `now`. When the state cannot support that sub-case
  // yet, the reason's other sub-cases are tried in turn; returns false when none fits yet.
  bool MakeInvalid(uint32_t index, int64_t now);
  // Writes duplicate number `index`; false while no accepted line was offered.
  bool MakeDuplicate(uint32_t index);

  // The line just made, and what a ledger must answer for it.
  std::string_view line() const { return out_.view(); }
  const std::string& event_id() const { return event_id_; }
  bool duplicate() const { return reason_ == kNoReason; }
  Reason reason() const { return reason_; }        // kNoReason for a duplicate
  uint64_t position() const { return position_; }  // the original's, for a duplicate
  const std::string& detail() const { return detail_; }

  // How many sub-cases each reason cycles through.
  static constexpr uint32_t kVariants[kReasonCount] = {10, 7,  5, 12, 33, 5,  7, 6,
                                                       4,  13, 6, 13, 17, 11, 15};

 private:
  struct Sample {
    std::string line;
    uint32_t event;
  };

  void Keep(std::string_view line, int32_t event);

  // One function per reason; each writes a line rejected for that reason, sub-case `v`, or
  // returns false when the state cannot support that sub-case yet.
  bool MalformedJson(uint32_t v);
  bool NotObject(uint32_t v);
  bool DuplicateKey(uint32_t v);
  bool MissingField(uint32_t v);
  bool InvalidValue(uint32_t v);
  bool Conflict(uint32_t v);
  bool UnknownType(uint32_t v);
  bool UnknownField(uint32_t v);
  bool UnexpectedField(uint32_t v);
  bool ActorNotAllowed(uint32_t v);
  bool ActorNotAdmitted(uint32_t v);
  bool NotFound(uint32_t v);
  bool AlreadyExists(uint32_t v);
  bool HasDependents(uint32_t v);
  bool Precondition(uint32_t v);

  // Starts a line with a fresh "bad-NNNNNN" id (which becomes event_id_) and the envelope.
  void BeginBad(std::string_view type, std::string_view actor);
  std::string NextBadId();
  void Reject(Reason reason, std::string_view detail);
  void PutActivityId(uint32_t a);
  void PutDemandId(uint32_t d);
  void PutProductId(uint32_t p);
  void PutComplaintId(uint32_t c);
  void PutTarget(int32_t event);
  std::string_view AnyCitySubject();
  std::string_view AnyEnterprise();
  int32_t AnyInstitution();  // in the network, not a ghost; kNone if none
  std::string NeverAdmittedInstitution();
  std::string_view SampledLine(uint32_t* event);  // "" when none was kept yet
  // Recent objects (newest first, a bounded window) satisfying `pred`; kNone if none.
  template <typename Pred>
  int32_t FindActivity(Pred pred);
  template <typename Pred>
  int32_t FindDemand(Pred pred);
  template <typename Pred>
  int32_t FindEvent(Pred pred);
  int32_t FindRemovedInstitution() const;

  const ProvinceState& state_;
  Rng rng_;
  int first_year_;
  int64_t now_ = 0;
  JsonLine out_;
  std::string event_id_;
  Reason reason_ = kNoReason;
  uint64_t position_ = 0;
  std::string detail_;
  uint32_t bad_counter_ = 0;
  std::string last_rejected_id_;  // a well-formed id that only a rejected line used
  std::vector<Sample> samples_;
  size_t sample_next_ = 0;
};

}  // namespace smeledger::producers::internal
