// Internal: the outbox (ledger/kafka/README.md, "Exactly once") as a batch participant.
//
// For every batch of lines from a source with tokens, one entry in column family `outbox`:
// key u64be(the batch's first token), value (all integers LEB128 varints):
//
//   version (1) ‖ last position (the head once the batch is durable) ‖ line count ‖ per line:
//     token − previous token (the first: − the key) ‖ line number ‖ kind (0 accepted,
//     1 duplicate, 2 rejected) ‖
//       accepted, duplicate: position ‖ event_id length ‖ bytes
//       rejected: has_event_id (0/1) ‖ [event_id length ‖ bytes] ‖ reason ‖
//                 field length ‖ bytes ‖ message length ‖ bytes
//
// The hash of an accepted (or duplicated) line is its record's, read from the record's last 32
// bytes when published (no decoding); the event_id is kept here because taking it from the
// record would mean decoding every record again. Entries stay until the publisher prunes them.
#pragma once

#include "batch_participant.h"
#include "smeledger/ledger/ledger.h"

namespace smeledger::ledger {

class Outbox final : public BatchParticipant {
 public:
  // `records_cf`: the records' column family (read for accepted lines' event_id and hash).
  void set_records_cf(rocksdb::ColumnFamilyHandle* records_cf) { records_cf_ = records_cf; }

  const char* column_family() const override;
  rocksdb::ColumnFamilyOptions Options(bool writer) const override;
  Status Open(const ParticipantEnv& env, const Head& head, uint64_t* replay_from) override;
  bool Stage(const StagedBatch& b, BatchMoment moment, BatchPart* part) override;
  void Write(const StagedBatch& b, const BatchPart* part, rocksdb::WriteBatch* wb) const override;
  std::unique_ptr<ParticipantVerifier> NewVerifier(const ParticipantEnv& env) const override;

  // Ledger::ReadOutbox and Ledger::PruneOutbox. Thread-safe (RocksDB reads and one write).
  Status Read(uint64_t after_position, uint64_t from_token, size_t max_records,
              Ledger::OutboxChunk* out) const;
  Status Prune(uint64_t below_token);

 private:
  ParticipantEnv env_;
  rocksdb::ColumnFamilyHandle* records_cf_ = nullptr;
};

}  // namespace smeledger::ledger
