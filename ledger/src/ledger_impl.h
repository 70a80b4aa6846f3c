// Internal: the RocksDB-backed Ledger.
//
// LedgerImpl owns the database, the records and their event_id index, the head and the
// validation state; every other stored structure is a batch participant (batch_participant.h)
// with a column family of its own. Files: ledger.cc (open, reads), submit.cc (the submission
// pipeline), replica.cc (AppendReplicated), verify.cc.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "batch_participant.h"
#include "line_parser.h"
#include "merkle_tree.h"
#include "outbox.h"
#include "record_codec.h"
#include "rules.h"
#include "smeledger/ledger/ledger.h"
#include "source_offsets.h"
#include "staged_batch.h"
#include "subjects_index.h"

namespace smeledger::ledger {

class LedgerImpl final : public Ledger {
 public:
  ~LedgerImpl() override;

  static Status OpenImpl(const LedgerOptions& options, const std::string& path,
                         std::unique_ptr<Ledger>* out);

  Head head() const override {
    std::lock_guard<std::mutex> l(shared_head_mu_);
    return shared_head_;
  }
  Status Submit(SubmissionSource* source, OutcomeSink* sink, SubmitStats* stats,
                const SubmitProgress& progress) override;
  Status SourcePosition(std::string_view source_name, uint64_t* next_token) const override;
  Status ReadOutbox(uint64_t after_position, uint64_t from_token, size_t max_records,
                    OutboxChunk* out) const override;
  Status PruneOutbox(uint64_t below_token) override;
  Status MerkleRoot(uint64_t size, Hash* root) const override;
  Status AppendReplicated(std::span<const ReplicatedRecord> records, std::string_view source_name,
                          ReplicaStats* stats) override;
  Status ReadRecord(uint64_t position, std::string* bytes) const override;
  Status FindEvent(std::string_view event_id, uint64_t* position) const override;
  Status SubjectPositions(std::string_view subject, std::vector<uint64_t>* out) const override;
  Status ScanRecords(uint64_t from, uint64_t to,
                     const std::function<bool(uint64_t, std::string_view)>& fn) const override;
  Status Verify(VerifyReport* report, const VerifyProgress& progress) const override;
  Status Refresh() override;

 private:
  LedgerImpl() = default;
  Status OpenDatabase();   // column families, format and role markers
  Status LoadHead();       // head_ and every participant's state (readers: again on Refresh)
  Status Recover();        // writers: replay records to the state and to the participants

  // Record bytes for a position: pending (not yet durable) or stored.
  bool LoadAny(uint64_t position, std::string* bytes) const;
  bool LoadEventId(uint64_t position, std::string* event_id) const;
  // LoadEventId as the state's EventLoader (replay, lookups, checks and apply).
  const EventLoader event_loader_ = [this](uint64_t p, std::string* id) {
    return LoadEventId(p, id);
  };
  // The position of an event_id accepted so far (0: none), for participants' RecordViews:
  // a ledger asks its state; a replica, which keeps none, its batch and its event_ids index.
  uint64_t FindEventForRecord(std::string_view event_id) const;
  const std::function<uint64_t(std::string_view)> find_event_ =
      [this](std::string_view id) { return FindEventForRecord(id); };
  const std::function<bool(uint64_t, std::string*)> load_any_ =
      [this](uint64_t p, std::string* bytes) { return LoadAny(p, bytes); };
  ParticipantEnv EnvFor(size_t participant) const;

  LedgerOptions options_;
  std::string path_;
  std::string secondary_dir_;  // readers only; removed on close
  int lock_fd_ = -1;           // writers: the flock on <path>/WRITER.lock
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs_;  // default, records, event_ids, participants'
  rocksdb::ColumnFamilyHandle* meta_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* records_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* event_ids_cf_ = nullptr;
  SystemClock system_clock_;
  Clock* clock_ = nullptr;

  // Newest accepted record (possibly pending). While a Submit runs its hash may lag: the
  // writing thread computes the chain (see StagedBatch).
  Head head_;
  Head durable_head_;         // newest durable record
  // durable_head_ for other threads (head()): set with SetDurableHead, a batch at a time.
  mutable std::mutex shared_head_mu_;
  Head shared_head_;
  void SetDurableHead(const Head& h) {
    durable_head_ = h;
    std::lock_guard<std::mutex> l(shared_head_mu_);
    shared_head_ = h;
  }
  LedgerState state_;         // a ledger's validation state (a replica uses it to intern names)

  // Batch participants, in the order they write; the typed pointers alias entries.
  std::vector<std::unique_ptr<BatchParticipant>> participants_;
  std::vector<rocksdb::ColumnFamilyHandle*> participant_cfs_;  // null: absent (an older reader)
  std::vector<uint64_t> replay_from_;  // per participant: the records it must see again
  SubjectsIndex* subjects_ = nullptr;
  SourceOffsets* offsets_ = nullptr;
  Outbox* outbox_ = nullptr;
  MerkleTree* merkle_ = nullptr;

  // Group commit, pipelined: the appending thread stages batch N+1 while a writer thread makes
  // batch N durable. A batch's outcomes are reported once its write returns.
  //
  // Writer thread: turns a staged batch into its WriteBatch and writes it.
  rocksdb::Status WriteStaged(StagedBatch* b, const rocksdb::WriteOptions& wo);
  // Hands `building_` to the writer thread (after the previous write finished and its outcomes
  // went out) and starts a fresh batch. `moment`: busy, a pause or the end (participants'
  // deferred work, such as a subjects-index flush, goes with this batch).
  Status Rotate(OutcomeSink* sink, const std::function<void()>& progress, BatchMoment moment);
  // Waits for the batch in flight, if any, and reports its outcomes.
  Status WaitInFlight(OutcomeSink* sink, const std::function<void()>& progress);
  void Emit(StagedBatch& b, OutcomeSink* sink);
  void ResetBatch(StagedBatch* b, uint64_t first_position);

  StagedBatch batches_[2];
  StagedBatch* building_ = &batches_[0];
  StagedBatch* in_flight_ = nullptr;
  std::future<rocksdb::Status> in_flight_result_;
  Hash chain_hash_{};   // the last chained record's hash; the writing thread's
  Sha256 writer_sha_;   // the writing thread's
  std::string sealed_;  // the writing thread's: the record being sealed
  double write_cpu_seconds_ = 0;
  double wait_seconds_ = 0;
  bool failed_ = false;       // a write failed: the in-memory state is ahead of the disk
};

}  // namespace smeledger::ledger
