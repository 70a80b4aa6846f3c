// ProjectionStore: the saved folds and their checkpoints, in a RocksDB of their own at
// `<ledger dir>/projections`, one entry per rule-set version (its declared id and the SHA-256
// of its text), so versions coexist and nothing is rebuilt in place.
// Key layout: projections/README.md ("State").
//
//   std::unique_ptr<ProjectionStore> store;
//   Status s = ProjectionStore::Open(ledger_dir, /*read_only=*/false, &store);
//   s = store->CatchUp(ledger, rules, &stats);        // after a submit
//   std::unique_ptr<Projection> p;
//   s = store->Load(ledger, rules, /*as_of=*/0, &p);  // for a report: saved state + the tail
//
// Thread safety: one writer per directory (RocksDB's lock); readers (read_only) may open it
// beside a writer and see it as of their Open.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "smeledger/ledger/ledger.h"
#include "smeledger/ledger/status.h"
#include "smeledger/projections/projection.h"
#include "smeledger/projections/rule_set.h"

namespace smeledger::projections {

struct CatchUpStats {
  uint64_t from_position = 0;  // the saved checkpoint used (0: folded from the start)
  uint64_t to_position = 0;    // the head reached
  uint64_t records = 0;        // records applied
  bool rebuilt = false;        // no usable saved state (missing, or another ledger's)
  double seconds = 0;
};

class ProjectionStore {
 public:
  // `ledger_dir` is the ledger's directory; the store lives in `<ledger_dir>/projections`.
  // read_only: no writes, no lock; a missing store then opens as an empty one.
  // Errors: Io when RocksDB cannot open it; Corruption when it is not a projection store.
  static Status Open(const std::string& ledger_dir, bool read_only,
                     std::unique_ptr<ProjectionStore>* out);
  virtual ~ProjectionStore() = default;

  // Brings the saved fold of `rules`' version up to the ledger's head: loads it, checks its
  // checkpoint is a prefix of this ledger (the hash at that position), applies the records
  // after it and saves fold and checkpoint in one atomic write. Without usable saved state it
  // folds from position 1. REQUIRES: opened for writing.
  virtual Status CatchUp(const ledger::Ledger& ledger, const RuleSet& rules,
                         CatchUpStats* stats) = 0;

  // Recomputes `rules`' version from position 1 into fresh state and saves it, replacing
  // what was saved for that version. REQUIRES: opened for writing.
  virtual Status Rebuild(const ledger::Ledger& ledger, const RuleSet& rules,
                         CatchUpStats* stats) = 0;

  // The fold as of `as_of` (0: the head): the saved fold of `rules`' version (or, the fold
  // being rule-independent, of any saved version) when its checkpoint is at or before `as_of`
  // and belongs to this ledger, plus the records after it; otherwise a fold from position 1.
  // Never writes.
  virtual Status Load(const ledger::Ledger& ledger, const RuleSet& rules, uint64_t as_of,
                      std::unique_ptr<Projection>* out, CatchUpStats* stats = nullptr) = 0;

  // The rule-set versions saved: "id digest position" lines, for tools.
  virtual std::vector<std::string> Versions() = 0;
};

// After a successful submit: brings the default rule set's projection up to date. Errors are
// the store's (the ledger is unaffected).
Status CatchUpDefault(const ledger::Ledger& ledger, const std::string& ledger_dir,
                      CatchUpStats* stats = nullptr);

// What every front end that appends does (`submit FILE`, `serve`): submits what `source` gives
// until it ends (Ledger::Submit), then — when the ledger accepted anything — brings the default
// projection at `ledger_dir` up to the new head, so reports start from a saved fold.
struct SubmitResult {
  Status submit;      // Ledger::Submit's: non-ok only when the environment failed
  Status projection;  // the catch-up's (the ledger is unaffected by it); ok when not run
  CatchUpStats catch_up;
};
SubmitResult SubmitAndCatchUp(ledger::Ledger& ledger, const std::string& ledger_dir,
                              ledger::SubmissionSource* source, ledger::OutcomeSink* sink,
                              ledger::SubmitStats* stats, const ledger::SubmitProgress& progress);

}  // namespace smeledger::projections
