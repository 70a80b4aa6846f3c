// Internal: the RocksDB-backed Ledger.
#pragma once

#include <rocksdb/db.h>

#include <rocksdb/write_batch.h>

#include <functional>
#include <future>

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "line_parser.h"
#include "record_codec.h"
#include "rules.h"
#include "smeledger/ledger/ledger.h"

namespace smeledger::ledger {

class LedgerImpl final : public Ledger {
 public:
  ~LedgerImpl() override;

  static Status OpenImpl(const LedgerOptions& options, const std::string& path,
                         std::unique_ptr<Ledger>* out);

  Head head() const override { return head_; }
  Status Submit(int fd, OutcomeSink* sink, SubmitStats* stats,
                const SubmitProgress& progress) override;
  Status ReadRecord(uint64_t position, std::string* bytes) const override;
  Status FindEvent(std::string_view event_id, uint64_t* position) const override;
  Status SubjectPositions(std::string_view subject, std::vector<uint64_t>* out) const override;
  Status ScanRecords(uint64_t from, uint64_t to,
                     const std::function<bool(uint64_t, std::string_view)>& fn) const override;
  Status Verify(VerifyReport* report, const VerifyProgress& progress) const override;
  Status Refresh() override;

 private:
  LedgerImpl() = default;
  Status LoadHead();
  Status ReplayState();  // writer: rebuild LedgerState from the records

  // Record bytes for a position: pending (not yet durable) or stored.
  bool LoadAny(uint64_t position, std::string* bytes) const;
  bool LoadEventId(uint64_t position, std::string* event_id) const;
  // LoadEventId as the state's EventLoader (replay, lookups, checks and apply).
  const EventLoader event_loader_ = [this](uint64_t p, std::string* id) {
    return LoadEventId(p, id);
  };

  LedgerOptions options_;
  std::string path_;
  std::string secondary_dir_;  // readers only; removed on close
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs_;  // default, records, event_ids, subjects
  rocksdb::ColumnFamilyHandle* meta_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* records_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* event_ids_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* subjects_cf_ = nullptr;
  SystemClock system_clock_;
  Clock* clock_ = nullptr;

  // Newest accepted record (possibly pending). While a Submit runs its hash may lag: the
  // writing thread computes the chain (see StagedBatch).
  Head head_;
  Head durable_head_;         // newest durable record
  LedgerState state_;

  // The subjects index is written in bulk (ledger/README.md, "The subjects index"): it covers
  // positions ≤ subjects_through_; the writer holds the postings of later positions here and
  // flushes them with a batch's records at the end of each Submit and every
  // kSubjectsFlushPostings postings.
  // Postings are appended as (position, name id) in position order — no per-subject list to
  // find on the validating thread — and grouped by the writing thread when flushed.
  struct Posting {
    uint64_t position;
    uint32_t id;  // state_'s name id
  };
  struct SubjectPostings {
    std::vector<Posting> postings;
    std::vector<std::string_view> names;  // names[id] for the ids in postings (interned views)
  };
  static constexpr size_t kSubjectsFlushPostings = size_t{1} << 21;
  uint64_t subjects_through_ = 0;
  std::vector<Posting> pending_;
  SubjectPostings TakePending();  // the pending postings with their names, emptied
  // Subjects a record names for the index: its own, and for a retraction its target's.
  // `find_target` maps an event_id to a position (0 if unknown).
  void IndexSubjects(schema::Event::Reader ev,
                     const std::function<uint64_t(std::string_view)>& find_target,
                     std::vector<std::string_view>* out, std::string* scratch,
                     RecordDecoder* target_dec) const;
  void AddPending(uint64_t position, std::span<const std::string_view> subjects);
  // Appends the index entries of `postings` (sorted here into key order) and the new watermark
  // to `wb`.
  void PutSubjects(SubjectPostings* postings, uint64_t through, rocksdb::WriteBatch* wb) const;
  // Group commit, pipelined: the main thread stages batch N+1 while a writer thread makes
  // batch N durable. A batch's outcomes are reported once its write returns.
  //
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
  };
  // The validating thread stages records stamped with position and recorded_at; the writing
  // thread chains them (prevHash, hash) into the WriteBatch without touching the staged bytes,
  // which the validating thread may still read (duplicates, retraction targets).
  struct StagedBatch {
    rocksdb::WriteBatch wb{8 << 20};  // reserved: no regrowth in steady state
    std::vector<OutcomeRef> outcomes;
    std::vector<OtherOutcome> others;
    std::vector<std::string> records;  // reused across batches: no allocation once warm
    std::vector<std::string> event_ids;  // event_ids[i] is records[i]'s
    std::vector<Hash> hashes;          // hashes[i] is records[i]'s, set by the writer
    // A subjects-index flush carried by this batch: the postings (none: no flush) and the
    // watermark they bring the index to.
    SubjectPostings subjects;
    uint64_t subjects_through = 0;
    bool carries_subjects() const { return !subjects.postings.empty(); }
    size_t n = 0;                      // records staged
    uint64_t first_position = 0;
    Head head;                         // the head once this batch is durable (hash: writer's)
    double write_cpu_seconds = 0;      // the writer's CPU time for this batch
    void Reset(uint64_t first) {
      wb.Clear();
      outcomes.clear();
      others.clear();
      subjects = {};
      n = 0;
      first_position = first;
    }
    const std::string* Find(uint64_t position) const {
      return position >= first_position && position < first_position + n
                 ? &records[position - first_position]
                 : nullptr;
    }
  };
  // Writer thread: turns a staged batch into its WriteBatch and writes it.
  rocksdb::Status WriteStaged(StagedBatch* b, const rocksdb::WriteOptions& wo);
  // Hands `building_` to the writer thread (after the previous write finished and its outcomes
  // went out) and starts a fresh batch. `last`: the Submit's final batch (flushes the pending
  // subjects postings).
  Status Rotate(OutcomeSink* sink, const std::function<void()>& progress, bool last);
  // Waits for the batch in flight, if any, and reports its outcomes.
  Status WaitInFlight(OutcomeSink* sink, const std::function<void()>& progress);
  void Emit(StagedBatch& b, OutcomeSink* sink);

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
