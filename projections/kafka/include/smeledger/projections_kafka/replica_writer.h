// ReplicaWriter: the write side of a read replica (`smeledger project`). It takes the messages
// of the records topic in offset order (ledger/kafka/README.md, "Topics": key = the position in
// decimal ASCII, value = the stored record bytes), checks each message's key against its
// record, appends them in batches through Ledger::AppendReplicated (which checks position,
// prev_hash, canonical encoding and hash, skips a repeated delivery and stores the next offset
// in the same write) and keeps the projection of one rule set up to date in `<db>/projections`.
// It knows nothing of Kafka's client: RecordsReplica (records_replica.h) feeds it.
//
//   std::unique_ptr<ReplicaWriter> w;
//   Status s = ReplicaWriter::Open(options, &w);
//   int64_t from = w->resume_offset();                  // -2: from the topic's beginning
//   s = w->Add(offset, key, value);                     // each consumed message, in order
//   if (w->full()) s = w->Append(&stats);               // a durable batch
//   s = w->Pause();                                     // the topic is idle
//   s = w->CatchUp(&catch_up);                          // the projection to the head
//
// Thread safety: one thread calls the non-const methods; head() and next_offset() may be read
// from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "smeledger/ledger/ledger.h"
#include "smeledger/ledger/status.h"
#include "smeledger/projections/projection_store.h"
#include "smeledger/projections/rule_set.h"

namespace smeledger::projections_kafka {

// librdkafka's RD_KAFKA_OFFSET_BEGINNING: where a replica with no stored offset starts.
inline constexpr int64_t kOffsetBeginning = -2;

struct ReplicaWriterOptions {
  // The replica's directory. Created as a replica when it holds nothing; a ledger's directory
  // is refused (kInvalidInput), and so is a second writer on it (kLocked). Required.
  std::string db;

  // The rule set whose projection is kept up to date (its version's checkpoint in
  // `<db>/projections`). Required.
  projections::RuleSet rules;

  // The source whose next offset is stored with every batch: "<records topic>/0". Required.
  std::string source_name;

  // A batch is full at this many messages... Default: 16384.
  size_t batch_records = 16384;
  // ... or at this many bytes of record values, whichever comes first. Default: 32 MiB.
  size_t batch_bytes = size_t{32} << 20;

  // fsync the WAL with every batch (LedgerOptions::sync). Default: true.
  bool sync = true;
};

// Counts since Open.
struct ReplicaWriterStats {
  uint64_t messages = 0;   // messages added
  uint64_t appended = 0;   // records appended
  uint64_t skipped = 0;    // repeated deliveries skipped
  uint64_t batches = 0;    // batches written
  uint64_t catch_ups = 0;  // projection catch-ups that applied records
};

class ReplicaWriter {
 public:
  // Opens (or creates) the replica in options.db and its projection store.
  // Errors: kInvalidInput for a ledger's directory; kLocked when another writer holds it; kIo
  // when it cannot be opened; kCorruption when it is not a ledger of this format.
  static Status Open(const ReplicaWriterOptions& options, std::unique_ptr<ReplicaWriter>* out);

  virtual ~ReplicaWriter() = default;

  // The next offset of the records topic to consume: the one stored with the last batch, or
  // kOffsetBeginning when the replica has stored none (a new replica reads from the start).
  virtual int64_t resume_offset() const = 0;

  // Adds one consumed message to the batch in hand (it copies key and value). The key must be
  // the decimal position of the record the value holds.
  // Errors: kCorruption naming the offset and the position when the key is missing, not a
  // position, or not the record's position, or the value is not a record; the batch in hand
  // keeps the messages before it (Append them, then stop).
  // REQUIRES: !full(); offsets ascending.
  virtual Status Add(int64_t offset, std::optional<std::string_view> key,
                     std::string_view value) = 0;

  // Messages in the batch in hand, and whether it is full (options' limits).
  virtual size_t pending() const = 0;
  virtual bool full() const = 0;

  // Appends the batch in hand in one durable write with the next offset (AppendReplicated).
  // A repeated position with the bytes kept there is skipped. Errors: kCorruption naming the
  // position and its offset for a gap, a broken link or a record that is not the one kept at
  // its position (the records before it are kept and the offset after them stored); others are
  // the environment's. The batch in hand is empty afterwards either way.
  virtual Status Append() = 0;

  // The topic is idle: lets the ledger write work it defers while records arrive (the subjects
  // index). Appends nothing. REQUIRES: pending() == 0.
  virtual Status Pause() = 0;

  // Brings the rule set's projection up to the head (ProjectionStore::CatchUp). Cheap when it
  // is already there. *stats (may be null) says what it did.
  virtual Status CatchUp(projections::CatchUpStats* stats) = 0;

  // The replica's head position (durable), the projection's position, and the next offset to
  // consume after the last durable batch (-2 before the first). Any thread.
  virtual uint64_t head() const = 0;
  virtual uint64_t projected() const = 0;
  virtual int64_t next_offset() const = 0;

  virtual const ReplicaWriterStats& stats() const = 0;
};

}  // namespace smeledger::projections_kafka
