// Internal: the consumed position of each named submission source (a Kafka partition), as a
// batch participant: column family `offsets`, key = the source's name, value = u64be the next
// token to read. Written in the same WriteBatch as what the batch accepted — also a batch of
// only rejections and duplicates — so a service resumes exactly where its ledger is.
#pragma once

#include "batch_participant.h"

namespace smeledger::ledger {

class SourceOffsets final : public BatchParticipant {
 public:
  const char* column_family() const override;
  rocksdb::ColumnFamilyOptions Options(bool writer) const override;
  Status Open(const ParticipantEnv& env, const Head& head, uint64_t* replay_from) override;
  bool Stage(const StagedBatch& b, BatchMoment moment, BatchPart* part) override;
  void Write(const StagedBatch& b, const BatchPart* part, rocksdb::WriteBatch* wb) const override;
  std::unique_ptr<ParticipantVerifier> NewVerifier(const ParticipantEnv& env) const override;

  // The next token stored for `name`; kNotFound when none was.
  Status Get(std::string_view name, uint64_t* next_token) const;

 private:
  ParticipantEnv env_;
};

}  // namespace smeledger::ledger
