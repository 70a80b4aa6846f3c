// Internal: batch participants. A component that keeps a column family of its own in step with
// the records (the subjects index, the consumed source offsets, the outbox, and next the Merkle
// tree) does it through this one interface instead of growing LedgerImpl:
//
//   - it names its column family and its options;
//   - on open it reads its state and says from which position it must see the records again
//     (a crash between two of its flushes); the ledger replays those records to it;
//   - it sees every record appended, in order (OnRecord), on the thread that appends;
//   - for each batch it stages what it will write (Stage, appending thread), adds its puts to
//     the batch's WriteBatch (Write, the writing thread), and learns when the batch is durable
//     (Durable, appending thread): all of a batch's participants commit in the same write;
//   - verify gives its verifier every record, with verify's own state, and then lets it check
//     its column family against what the records imply.
//
// Thread safety: everything but Write runs on the appending thread (the caller of Submit or
// AppendReplicated, or Open). Write runs on the writing thread while the appending thread
// stages the next batch, so Write may read only the batch, its own BatchPart and what is
// immutable after Open.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "smeledger/ledger/ledger.h"
#include "smeledger/ledger/status.h"
#include "smeledger/schemas/record.capnp.h"
#include "staged_batch.h"

namespace smeledger::ledger {

// What a participant reads and writes through.
struct ParticipantEnv {
  rocksdb::DB* db = nullptr;
  rocksdb::ColumnFamilyHandle* cf = nullptr;       // the participant's own column family
  rocksdb::ColumnFamilyHandle* meta_cf = nullptr;  // `default`: small keys (watermarks)
  bool writer = false;
};

// A record as it is appended, replayed or verified.
struct RecordView {
  uint64_t position = 0;
  schema::Event::Reader event;
  // The record's hash (zeros while a submission's batch is not chained yet: the writing
  // thread computes it; participants that need hashes read them from the batch in Write).
  Hash hash{};
  // The position of an event_id accepted before this record (0: none) — retraction targets.
  const std::function<uint64_t(std::string_view)>* find_event = nullptr;
  // The stored (or pending) bytes of an earlier record; false when there is none.
  const std::function<bool(uint64_t, std::string*)>* load = nullptr;
};

// Checks one participant's column family during `verify`. Verify's reader is at the head.
class ParticipantVerifier {
 public:
  virtual ~ParticipantVerifier() = default;
  // Every record, in position order from 1.
  virtual void OnRecord(const RecordView& r) = 0;
  // After the last record (`head`): "" when the stored column family is exactly what the
  // records imply, else the problem (one sentence). Sets *position when the problem is at a
  // known position. Returns non-ok only when reading failed.
  virtual Status Finish(const Head& head, std::string* problem, uint64_t* position) = 0;
  // When everything verified: adds what it derived to the report (the Merkle root).
  virtual void Report(VerifyReport* report) {}
};

class BatchParticipant {
 public:
  virtual ~BatchParticipant() = default;

  // Its column family (created with the ledger, or on the first open of an older ledger).
  virtual const char* column_family() const = 0;
  virtual rocksdb::ColumnFamilyOptions Options(bool writer) const = 0;

  // Reads its state once the column families are open and the durable head is known.
  // *replay_from: the first position whose records it must see again through OnRecord before
  // anything is appended (head + 1: none). A reader's is ignored.
  virtual Status Open(const ParticipantEnv& env, const Head& head, uint64_t* replay_from) = 0;
  // After the replay the ledger asked for (writers only): write what it rebuilt, if anything.
  virtual Status Recovered() { return Status::Ok(); }

  // Each record appended (or replayed past *replay_from), in position order.
  virtual void OnRecord(const RecordView& r) {}

  // A fresh per-batch part (nullptr: the participant carries nothing per batch).
  virtual std::unique_ptr<BatchPart> NewPart() const { return nullptr; }
  // As batch `b` goes to the writing thread. `moment`: busy, a pause of the input, or its end —
  // the calm ones suit deferred work. Returns true when the batch must be written even without
  // records.
  virtual bool Stage(const StagedBatch& b, BatchMoment moment, BatchPart* part) { return false; }
  // Writing thread: adds its puts for batch `b` to `wb`.
  virtual void Write(const StagedBatch& b, const BatchPart* part, rocksdb::WriteBatch* wb) const {}
  // Once `b` is durable.
  virtual void Durable(const StagedBatch& b, const BatchPart* part) {}

  // A verifier reading through `env` (a reader's handles).
  virtual std::unique_ptr<ParticipantVerifier> NewVerifier(const ParticipantEnv& env) const = 0;
};

}  // namespace smeledger::ledger
