// Internal: the subjects index (ledger/README.md, "The subjects index") as a batch participant.
//
// It covers, for each record, the subjects it names (EventSubjects; a retraction also its
// target's). Postings of new records wait in memory and are written in bulk — with the batch
// that ends a submission, when the input pauses, and every kFlushPostings postings — one entry
// per subject per flush, and the watermark `subjects_through` in the same WriteBatch. Up to
// the watermark the index is exact; past it the records are the truth (readers scan them).
#pragma once

#include <chrono>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "batch_participant.h"
#include "record_codec.h"
#include "rules.h"

namespace smeledger::ledger {

class SubjectsIndex final : public BatchParticipant {
 public:
  // Subject ids are interned in `names` (not owned; outlives this; used on the appending
  // thread only).
  explicit SubjectsIndex(LedgerState* names) : names_(names) {}

  const char* column_family() const override;
  rocksdb::ColumnFamilyOptions Options(bool writer) const override;
  Status Open(const ParticipantEnv& env, const Head& head, uint64_t* replay_from) override;
  Status Recovered() override;
  void OnRecord(const RecordView& r) override;
  std::unique_ptr<BatchPart> NewPart() const override;
  bool Stage(const StagedBatch& b, BatchMoment moment, BatchPart* part) override;
  void Write(const StagedBatch& b, const BatchPart* part, rocksdb::WriteBatch* wb) const override;
  void Durable(const StagedBatch& b, const BatchPart* part) override;
  std::unique_ptr<ParticipantVerifier> NewVerifier(const ParticipantEnv& env) const override;

  // The submission pipeline's fast path: the record at `position` names `subjects` (the parse
  // stage listed them; a retraction's come from Subjects()).
  void Add(uint64_t position, std::span<const std::string_view> subjects);

  // The subjects record `r` names, into *out (views into the event, or into *scratch for a
  // retraction's target, read through r.load and decoded with *dec).
  static void Subjects(const RecordView& r, std::vector<std::string_view>* out,
                       std::string* scratch, RecordDecoder* dec);

  // Positions of `subject` in the stored index and, in a writer, its pending postings
  // (appended in any order; the caller sorts).
  Status Positions(std::string_view subject, std::vector<uint64_t>* out) const;

  // The index is exact up to this position (its watermark).
  uint64_t through() const { return through_; }

 private:
  struct Posting {
    uint64_t position;
    uint32_t id;  // names_'s id
  };
  class Part;
  static constexpr size_t kFlushPostings = size_t{1} << 21;
  static constexpr std::chrono::seconds kPauseFlushEvery{1};
  std::chrono::steady_clock::time_point last_flush_ = std::chrono::steady_clock::now();

  LedgerState* names_;
  ParticipantEnv env_;
  uint64_t through_ = 0;
  uint64_t head_ = 0;                  // the newest position added
  std::vector<Posting> pending_;       // postings past the watermark, in position order
  std::vector<std::string_view> scratch_subjects_;
  std::string scratch_bytes_;
  RecordDecoder scratch_dec_;
};

}  // namespace smeledger::ledger
