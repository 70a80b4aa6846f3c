// Internal: the ledger state that EVENTS.md's checks 4 and 5 read, and the checks themselves.
//
// LedgerState is a fold over accepted records in ledger order. Apply() is the only mutator, so
// the state after replaying records 1..n from disk equals the state a writer had after
// accepting them (verify relies on it). Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include <absl/container/flat_hash_map.h>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "big_alloc.h"
#include "smeledger/ledger/outcome.h"
#include "smeledger/schemas/record.capnp.h"

namespace smeledger::ledger {

// The state's hash maps: absl's flat map on huge pages (big_alloc.h).
template <class K, class V>
using BigMap = absl::flat_hash_map<K, V, absl::Hash<K>, std::equal_to<K>,
                                   BigAllocator<std::pair<const K, V>>>;

// Interns strings (subject ids, object ids) into dense 32-bit ids. Ids are stable for the
// process lifetime; views handed out stay valid as long as the interner.
class Interner {
 public:
  static constexpr uint32_t kNone = 0xFFFFFFFFu;
  uint32_t Intern(std::string_view s);
  uint32_t Find(std::string_view s) const;  // kNone if never interned
  // Hints the CPU to fetch what a lookup of `s` will read first.
  void Prefetch(std::string_view s) const { ids_.prefetch(s); }
  // A small cache keyed by a view's address and length, for the strings of one event (checks
  // and apply look the same few strings up several times). REQUIRES: ClearCache() whenever
  // the memory behind cached views may change (a new event).
  void ClearCache() const { cache_n_ = 0; }
  std::string_view Name(uint32_t id) const { return names_[id]; }
  size_t size() const { return names_.size(); }

 private:
  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t block_used_ = 0, block_size_ = 0;
  std::vector<std::string_view> names_;
  BigMap<std::string_view, uint32_t> ids_;
  struct CacheEntry {
    const char* data;
    size_t size;
    uint32_t id;
  };
  uint32_t Cached(std::string_view s) const {
    for (size_t i = 0; i < cache_n_; ++i)
      if (cache_[i].data == s.data() && cache_[i].size == s.size()) return cache_[i].id;
    return kNone;
  }
  void Remember(std::string_view s, uint32_t id) const {
    if (cache_n_ < kCacheSize) cache_[cache_n_++] = CacheEntry{s.data(), s.size(), id};
  }
  static constexpr size_t kCacheSize = 8;
  mutable CacheEntry cache_[kCacheSize];
  mutable size_t cache_n_ = 0;
};

// event_id -> position, by 64-bit fingerprint. Several ids may share a fingerprint: callers
// confirm candidates against the record.
class EventIdIndex {
 public:
  // Records `position` for the event_id whose Fingerprint is `fp`.
  void Insert(uint64_t fp, uint64_t position);
  // Calls confirm(position) for each candidate with fingerprint `fp` until it returns true;
  // returns that position, or 0. A template so that the per-event lookup allocates nothing.
  template <typename Confirm>
  uint64_t Find(uint64_t fp, Confirm&& confirm) const {
    if (slots_.empty()) return 0;
    const size_t mask = slots_.size() - 1;
    for (size_t i = fp & mask; slots_[i].pos != 0; i = (i + 1) & mask) {
      if (slots_[i].fp == fp && confirm(slots_[i].pos)) return slots_[i].pos;
    }
    return 0;
  }
  // Hints the CPU to fetch the slot a lookup of `fp` starts at.
  void Prefetch(uint64_t fp) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[fp & (slots_.size() - 1)]);
  }
  static uint64_t Fingerprint(std::string_view s) {
    const uint64_t h = std::hash<std::string_view>{}(s);
    return h == 0 ? 1 : h;
  }
  size_t size() const { return count_; }
  // Makes room for `n` ids in all without growing again.
  void Reserve(size_t n);

 private:
  struct Slot {
    uint64_t fp = 0;
    uint64_t pos = 0;  // 0: empty
  };
  void Grow();
  std::vector<Slot, BigAllocator<Slot>> slots_;
  size_t count_ = 0;
};

// Reads the event of an accepted position (pending or durable). Used only on rare paths
// (duplicate candidates, retraction targets).
using EventLoader = std::function<bool(uint64_t position, std::string* event_id_out)>;

class LedgerState {
 public:
  LedgerState();

  // Checks 4 and 5 for `event` appended after `head` accepted records. nullopt: acceptable.
  std::optional<Rejection> Check(schema::Event::Reader event, uint64_t head,
                                 const EventLoader& load_event_id) const;

  // Applies an accepted event at `position` (== previous position + 1).
  // `fingerprint`: the event_id's EventIdIndex::Fingerprint when the caller has it (0: computed).
  void Apply(uint64_t position, schema::Event::Reader event, const EventLoader& load_event_id,
             uint64_t fingerprint = 0);

  // The position of an accepted event_id, or 0.
  uint64_t FindEvent(std::string_view event_id, const EventLoader& load_event_id,
                     uint64_t fingerprint = 0) const;
  // A lookup of an event_id with this fingerprint (EventIdIndex::Fingerprint) is coming.
  void PrefetchEvent(uint64_t fingerprint) const { event_ids_.Prefetch(fingerprint); }
  // A lookup of the name `s` is coming (a subject or object id of an event a few lines ahead).
  void PrefetchName(std::string_view s) const { names_.Prefetch(s); }

  uint64_t positions() const { return meta_.size(); }

  // Expect about `more` further events (sizes tables once instead of growing them).
  void Expect(size_t more) {
    event_ids_.Reserve(meta_.size() + more);
    meta_.reserve(meta_.size() + more);
  }

  // Dense ids for names (subjects and objects), shared with the checks: between Check and
  // Apply of one event, the event's own strings resolve from a small cache.
  uint32_t NameId(std::string_view s) { return names_.Intern(s); }
  // Forgets the name cache of the event being checked: the memory behind its views may be
  // reused. Needed before NameId by callers outside Check … Apply (replays, replicas).
  void ForgetEventNames() const {
    names_.ClearCache();
    cached_event_ = nullptr;
  }
  uint32_t FindNameId(std::string_view s) const { return names_.Find(s); }
  std::string_view NameOf(uint32_t id) const { return names_.Name(id); }

  // Whether `inst:` subject `id` is in the network now (cities always; other forms never).
  bool InNetwork(std::string_view subject) const;

 private:
  struct PosMeta {
    uint8_t which;      // schema::Event::Which
    bool retracted;
    uint32_t actor;     // interned subject
    uint32_t a;         // the object the event acts on (activity, demand, ...); kNone if none
    uint32_t b;         // a second key (enterprise, channel, provider); kNone if none
  };
  struct Institution {
    std::vector<uint64_t> admissions;  // live, ascending positions
    std::vector<uint64_t> removals;    // live, ascending positions
    bool InNetwork() const {
      return !admissions.empty() && (removals.empty() || removals.back() < admissions.back());
    }
  };
  struct Activity {
    uint32_t owner = 0;
    bool offline = false;
    bool live = false;
    uint64_t cancelled = 0;      // live cancellation position
    uint32_t live_signups = 0;
    uint32_t live_reports = 0;   // live activity-kind report uploads
  };
  struct Participation {
    uint64_t signup = 0, checkin = 0, rated = 0;  // live positions
  };
  struct Demand {
    uint32_t enterprise = 0;
    bool live = false;
    uint64_t accepted = 0;
    uint32_t accepted_by = 0;
    uint64_t completed = 0;
    uint64_t rated = 0;
  };
  struct Product {
    uint32_t provider = 0;
    bool live = false;
    uint64_t withdrawn = 0;
  };
  struct Complaint {
    bool live = false;
    uint64_t resolved = 0;
  };

  static uint64_t PairKey(uint32_t a, uint32_t b) { return (uint64_t{a} << 32) | b; }
  bool InNetworkId(uint32_t subject) const;
  std::optional<Rejection> CheckActor(schema::Event::Reader e) const;
  std::optional<Rejection> CheckState(schema::Event::Reader e, uint64_t head,
                                      const EventLoader& load) const;
  std::optional<Rejection> CheckRetraction(schema::Event::Reader e,
                                           const EventLoader& load) const;
  std::optional<Rejection> ProviderExists(std::string_view field, capnp::Text::Reader v) const;
  uint32_t Id(capnp::Text::Reader t) const { return names_.Find({t.begin(), t.size()}); }
  uint32_t Intern(capnp::Text::Reader t) { return names_.Intern({t.begin(), t.size()}); }
  void Undo(uint64_t target);

  // The event whose strings the interner's cache refers to (its event_id text's address).
  void UseEvent(schema::Event::Reader e) const;
  mutable const void* cached_event_ = nullptr;

  Interner names_;
  EventIdIndex event_ids_;
  std::vector<PosMeta, BigAllocator<PosMeta>> meta_;  // meta_[position - 1]
  BigMap<uint32_t, Institution> institutions_;
  BigMap<uint64_t, uint64_t> registrations_;  // (enterprise, channel) -> position
  BigMap<uint32_t, Activity> activities_;
  BigMap<uint64_t, Participation> participation_;  // (activity, enterprise)
  BigMap<uint32_t, Demand> demands_;
  BigMap<uint32_t, Product> products_;
  BigMap<uint32_t, Complaint> complaints_;
};

}  // namespace smeledger::ledger
