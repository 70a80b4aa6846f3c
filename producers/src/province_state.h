// Internal: the province as the generator knows it — who is in the network, the activities,
// demands, products and complaints, and every accepted event — kept exactly as a ledger
// following EVENTS.md would see it after the valid lines so far.
//
// Invariants:
//   - events[i] is the accepted line at ledger position i + 1; its event_id is EventId(i).
//   - Object fields hold live events only: when an event is retracted, UndoEffect() clears what
//     it set (a retracted signup leaves its slot's signup_ev kNone, a retracted removal puts
//     the institution back in the network), as EVENTS.md says retraction works. So every
//     rule reads "is there a live X" as "X != kNone".
//   - An object id, once accepted, stays in its vector even when retracted (ids are never
//     reused); `retracted` says it no longer exists.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rng.h"
#include "vocabulary.h"

namespace smeledger::producers::internal {

inline constexpr int32_t kNone = -1;
// Actor codes in EventRecord::actor; providers are >= 0 (0..15 are the cities).
inline constexpr int32_t kProvinceActor = -1;
inline constexpr int32_t kDeptActor = -2;

struct Stint {
  int32_t admit_ev;
  int32_t remove_ev;  // kNone while the stint is open
};

struct Provider {
  std::string id;    // "city:340100" or "inst:HF-0007"
  std::string name;  // institutions only
  uint8_t city = 0;
  bool is_city = false;
  bool in_network = false;
  bool ghost = false;         // admitted by mistake and retracted; never acts
  bool initial = false;       // admitted at the start of the first year
  uint16_t vigor = 1000;      // volume relative to the average provider, per mille
  uint16_t satisfied = 850;   // chance that an enterprise rates it 4 or 5, per mille
  int64_t left_at = 0;        // when its last stint ended (0: never)
  std::vector<Stint> stints;  // institutions: live admissions, in ledger order
};

struct Enterprise {
  char id[24];  // "ent:" + 18-character unified social credit code, NUL-terminated
  uint8_t city;
  uint8_t join_year;                   // offset from the first year
  int32_t reg_ev[2] = {kNone, kNone};  // live registration per channel (platform, wechat)
  std::string_view subject() const { return std::string_view(id, 22); }
};

// One enterprise's part in one activity.
struct Slot {
  uint32_t enterprise;
  int32_t signup_ev = kNone;
  int32_t checkin_ev = kNone;
  int32_t rating_ev = kNone;
};

enum ActivityFlags : uint16_t {
  kOnline = 1,
  kByProvince = 2,    // the province publishes it for the owner
  kOwnerRecords = 4,  // the owner (not the province) records signups and check-ins
  kKeyTrue = 8,
  kKeyFalse = 16,  // written "key": false (absent otherwise)
  kWelfareTrue = 32,
  kWelfareFalse = 64,
  kCancelPlanned = 128,
  kMistake = 256,   // published by mistake: retracted at once, nothing follows
  kShowcase = 512,  // a per-year flow that guarantees the rare event types
};

struct Activity {
  int32_t owner;
  uint16_t year;  // id "act-<year>-<seq>", given at publication
  uint32_t seq;
  uint16_t flags;
  bool retracted = false;
  int64_t publish_at, starts_at, ends_at;
  int32_t publish_ev = kNone;
  int32_t cancel_ev = kNone;
  uint32_t live_signups = 0;
  uint32_t live_reports = 0;
  uint32_t first_slot = 0;  // slots [first_slot, first_slot + slot_count) of ProvinceState
  uint32_t slot_count = 0;
};

enum DemandPlan : uint8_t { kDemandComplete = 1, kDemandRate = 2, kDemandReassign = 4 };

struct Demand {
  uint16_t year;
  uint32_t seq;
  uint32_t enterprise;
  uint8_t city;
  uint8_t plan;  // DemandPlan bits
  bool retracted = false;
  int32_t planned;  // who is meant to take it; kNone when nobody will
  int32_t publish_ev = kNone, accept_ev = kNone, acceptor = kNone;
  int32_t complete_ev = kNone, rate_ev = kNone;
};

struct Product {
  uint16_t year;
  uint32_t seq;
  int32_t provider;
  bool retracted = false;
  int32_t publish_ev = kNone, withdraw_ev = kNone;
};

struct Complaint {
  uint16_t year;
  uint32_t seq;
  int32_t provider;
  uint32_t enterprise;
  bool retracted = false;
  int32_t file_ev = kNone, resolve_ev = kNone;
};

// One accepted line. What `object`, `sub` and `aux` hold depends on the type:
//   activity.*: activity, slot; report.uploaded: activity (or provider), year, kind;
//   demand.*: demand; product.*: product; complaint.*: complaint, -, verdict;
//   institution.*: provider; enterprise.registered: enterprise, -, channel;
//   event.retracted: target; assessment.scored: provider, year, item;
//   service.delivered: provider, enterprise; others: provider.
struct EventRecord {
  uint8_t type;
  bool retracted = false;
  uint8_t aux = 0;
  int32_t actor;
  uint32_t object = 0;
  uint32_t sub = 0;
};

struct ProvinceState {
  std::vector<Provider> providers;
  std::vector<std::vector<int32_t>> institutions_by_city;
  std::vector<Enterprise> enterprises;
  std::vector<std::vector<uint32_t>> enterprises_by_city;
  std::vector<Activity> activities;
  std::vector<Slot> slots;
  std::vector<Demand> demands;
  std::vector<Product> products;
  std::vector<Complaint> complaints;
  std::vector<EventRecord> events;

  bool InNetwork(int32_t p) const { return p >= 0 && providers[p].in_network; }
  // A random institution in the network (not a ghost), or kNone when there is none. Tries 16
  // uniform draws, then walks from a random start, so the RNG sequence is fixed by the state.
  int32_t DrawInstitution(Rng& rng) const;
  bool Live(int32_t ev) const { return ev != kNone && !events[ev].retracted; }
  static bool Published(const Activity& a) { return a.publish_ev != kNone && !a.retracted; }

  // What blocks retracting event `target` now: kNoReason when nothing does; else not_found,
  // precondition (it is a retraction), already_exists (already retracted) or has_dependents.
  Reason RetractionBlocker(int32_t target) const;
  // Takes event `target`'s effect out of the state. REQUIRES: RetractionBlocker(target) was
  // kNoReason and events[target].retracted has just been set.
  void UndoEffect(int32_t target);

  // "province", "dept" or the provider's id.
  std::string_view ActorId(int32_t actor) const;
  // "ev-00000042" for event index 41.
  static void AppendEventId(std::string* out, int32_t index);
  // "act-2019-000042" and the like.
  static void AppendObjectId(std::string* out, std::string_view prefix, uint16_t year,
                             uint32_t seq);
};

}  // namespace smeledger::producers::internal
