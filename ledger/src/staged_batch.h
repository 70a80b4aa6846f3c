// Internal: one group-commit batch of the submission pipeline, as the validating thread stages
// it and the writing thread turns it into one RocksDB WriteBatch (ledger/README.md,
// "Submission pipeline"). Batch participants (batch_participant.h) read it on both threads.
#pragma once

#include <rocksdb/write_batch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "smeledger/ledger/ledger.h"
#include "smeledger/ledger/outcome.h"

namespace smeledger::ledger {

// What a participant carries from the validating thread to the writing thread for one batch
// (see BatchParticipant::Stage). Each participant subclasses it; a batch owns one per
// participant and reuses it.
class BatchPart {
 public:
  virtual ~BatchPart() = default;
};

// Why a batch goes to the writer now: it is full or due while lines keep coming (kBusy), the
// source paused (kPause), or the submission ends (kEnd). Participants defer work to calm moments.
enum class BatchMoment { kBusy, kPause, kEnd };

// A duplicate or a rejection, waiting for its batch to be reported.
struct OtherOutcome {
  OutcomeKind kind;
  bool has_event_id;
  std::string event_id;
  uint64_t position;          // duplicate: the original's
  Hash hash;                  // duplicate: the original's, unless hash_pending
  Rejection rejection;
  bool hash_pending = false;  // a duplicate of a record that was not durable yet
};

// One per line, in line order: 16 bytes for the common case (accepted; its event_id and hash
// are the batch's), an index into `others` otherwise.
struct OutcomeRef {
  static constexpr uint64_t kOther = uint64_t{1} << 63;
  uint64_t line;
  uint64_t ref;  // accepted: the position; else kOther | index into StagedBatch::others
  bool accepted() const { return !(ref & kOther); }
};

// The validating thread stages records stamped with position and recorded_at; the writing
// thread chains them (prevHash, hash) into the WriteBatch without touching the staged bytes,
// which the validating thread may still read (duplicates, retraction targets).
struct StagedBatch {
  rocksdb::WriteBatch wb{8 << 20};  // reserved: no regrowth in steady state
  std::vector<OutcomeRef> outcomes;
  std::vector<OtherOutcome> others;
  // Lines from a source with tokens (SourceLine::token): tokens[i] is outcomes[i]'s, and the
  // source's next token once this batch is durable is `source_next`. Empty otherwise.
  std::vector<uint64_t> tokens;
  std::string_view source_name;  // SubmissionSource::name(), valid while the batch is in use
  uint64_t source_next = 0;
  std::vector<std::string> records;    // reused across batches: no allocation once warm
  std::vector<std::string> event_ids;  // event_ids[i] is records[i]'s
  std::vector<Hash> hashes;            // hashes[i] is records[i]'s, set by the writer
  std::vector<std::unique_ptr<BatchPart>> parts;  // parts[k]: participant k's
  size_t n = 0;                        // records staged
  uint64_t first_position = 0;
  Head head;                           // the head once this batch is durable (hash: writer's)
  double write_cpu_seconds = 0;        // the writer's CPU time for this batch
  // Records that arrive sealed (a replica's): the writer checks nothing and seals nothing.
  bool sealed = false;

  // The batch advances a named source: its next token is stored with it (SourceOffsets).
  bool has_source() const { return !source_name.empty(); }
  void Reset(uint64_t first) {
    wb.Clear();
    outcomes.clear();
    others.clear();
    tokens.clear();
    source_name = {};
    n = 0;
    first_position = first;
    sealed = false;
  }
  const std::string* Find(uint64_t position) const {
    return position >= first_position && position < first_position + n
               ? &records[position - first_position]
               : nullptr;
  }
};

}  // namespace smeledger::ledger
