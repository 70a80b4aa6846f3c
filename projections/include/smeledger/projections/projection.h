// Projection: the deterministic fold over ledger records (ARCHITECTURE.md, "Projections") from
// which every indicator of INDICATORS.md is evaluated, for any period, as of the position the
// fold has reached.
//
//   auto p = Projection::Empty();
//   Status s = p->Advance(ledger, 0);            // fold records 1..head
//   auto notice = BuildQuarterlyNotice(*p, rules, calendar, period);   (reports.h)
//
// The fold is rule-independent: it keeps what every rule set needs (score histograms, both
// dates of every upload, every live upload of every kind, ...) and rules apply at evaluation
// time. So one fold serves every rule set, a rule change needs no new scan to be evaluated, and
// `diff` compares two rule sets over the very same fold. See projections/README.md, "The fold".
//
// Records are applied in position order; an `event.retracted` takes its target's contribution
// away (the target is read back with Ledger::FindEvent + ReadRecord and un-applied), so the
// state after records 1..p is exactly the state of the live events among them.
//
// Thread safety: a Projection is not thread-safe while it advances; const methods may be called
// concurrently once it no longer changes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "smeledger/ledger/ledger.h"
#include "smeledger/ledger/status.h"

namespace smeledger::projections {

namespace internal {
struct FoldState;
class FoldTracer;
}  // namespace internal

// A quarter `YYYY-Qn` or a year `YYYY` (INDICATORS.md, "Periods").
struct Period {
  int year = 0;
  int quarter = 0;  // 1..4, or 0 for the whole year
  bool is_year() const { return quarter == 0; }
  int32_t first_day() const;  // days since 1970-01-01
  int32_t last_day() const;
  std::string ToString() const;  // "2019-Q3" or "2019"
  // "YYYY" or "YYYY-Qn" (n = 1..4); InvalidInput otherwise.
  static Result<Period> Parse(std::string_view text);
  static Period Year(int y) { return Period{y, 0}; }
  static Period Quarter(int y, int q) { return Period{y, q}; }
};

class Projection {
 public:
  // A fold that has applied nothing (position 0).
  static std::unique_ptr<Projection> Empty();
  ~Projection();
  Projection(const Projection&) = delete;
  Projection& operator=(const Projection&) = delete;

  // Applies the records after position() up to `to` (0: the ledger's head) in order.
  // Errors: Corruption naming the position of an undecodable record or a retraction whose
  // target cannot be read; Io from the ledger. On error the projection is unusable.
  // REQUIRES: to == 0 or to >= position().
  Status Advance(const ledger::Ledger& ledger, uint64_t to);

  // Applies one stored record (the next position). For callers that already hold the bytes.
  Status ApplyRecord(const ledger::Ledger& ledger, uint64_t position, std::string_view bytes);

  // The last applied position (0 when none), its record's hash and recorded_at.
  uint64_t position() const;
  const ledger::Hash& hash() const;
  int64_t recorded_at_us() const;
  // The as-of date: the CST date of record position()'s recorded_at (days since 1970-01-01).
  int32_t as_of_day() const;
  // Records applied by this object (not counting those loaded from a saved state).
  uint64_t applied() const;

  // Saved form (projection_store.cc): a self-describing binary encoding of the fold.
  void Serialize(std::string* out) const;
  static Status Deserialize(std::string_view bytes, std::unique_ptr<Projection>* out);

  // Internal: for the evaluation, compliance and audit code in this library.
  const internal::FoldState& state() const { return *state_; }
  // Internal: receives every contribution the fold applies or un-applies (explain).
  void set_tracer(internal::FoldTracer* tracer);

 private:
  Projection();
  Status ApplyOne(const ledger::Ledger& ledger, uint64_t position, const void* record);
  std::unique_ptr<internal::FoldState> state_;
};

}  // namespace smeledger::projections
