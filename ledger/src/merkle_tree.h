// Internal: the ledger's RFC 6962 Merkle tree as a batch participant (ledger/README.md,
// "Merkle tree"). Leaf i is SHA-256(0x00 ‖ the hash of the record at position i + 1).
//
// Column family `merkle`: key level (1 byte) ‖ index u64be, value the 32-byte hash of the
// perfect subtree (level, index) — only levels ≥ kLowestStoredLevel: a node below is computed
// from at most 2^kLowestStoredLevel records' hashes when a root or a proof needs it, which keeps
// the tree at about one node per 2^(kLowestStoredLevel−1) records (~6 bytes a record) instead
// of two a record. `default` key `merkle_size`: the leaves the stored nodes cover, written in
// the same WriteBatch as the records, so it equals the head after a crash at any instant.
//
// A ledger written before the tree existed has no `merkle_size`: its writer's first open
// replays the records into the tree and writes it (in chunks of a million records, each chunk
// with its `merkle_size`, so an interrupted build resumes where it was).
#pragma once

#include "batch_participant.h"
#include "smeledger/ledger/merkle.h"

namespace smeledger::ledger {

class MerkleTree final : public BatchParticipant {
 public:
  static constexpr int kLowestStoredLevel = 4;

  const char* column_family() const override;
  rocksdb::ColumnFamilyOptions Options(bool writer) const override;
  Status Open(const ParticipantEnv& env, const Head& head, uint64_t* replay_from) override;
  Status Recovered() override;
  void OnRecord(const RecordView& r) override;
  void Write(const StagedBatch& b, const BatchPart* part, rocksdb::WriteBatch* wb) const override;
  std::unique_ptr<ParticipantVerifier> NewVerifier(const ParticipantEnv& env) const override;

  void set_records_cf(rocksdb::ColumnFamilyHandle* records_cf) { records_cf_ = records_cf; }

  // The root of the first `size` leaves (size ≤ the stored tree's size), from stored nodes and
  // the records; any thread. kNotFound when the ledger has no tree yet (an older ledger opened
  // by a reader).
  Status Root(uint64_t size, Hash* root) const;

 private:
  Status StoredSize(uint64_t* size) const;
  Status FlushRebuilt();

  ParticipantEnv env_;
  rocksdb::ColumnFamilyHandle* records_cf_ = nullptr;
  // The frontier of the tree as written: appended to by Write on the writing thread (one batch
  // at a time), and by OnRecord while an older ledger's tree is built on open.
  mutable merkle::Appender appender_;
  mutable std::unique_ptr<merkle::Hasher> hasher_;
  bool rebuilding_ = false;
  Status rebuild_status_;
  rocksdb::WriteBatch rebuilt_;  // nodes of the tree being built, not yet written
};

}  // namespace smeledger::ledger
