// A read replica's append (Ledger::AppendReplicated): records arrive sealed from the ledger's
// records topic; each is checked against the head before it is kept, then written with the
// participants' puts and the source's next token as one synced WriteBatch.
#include "keys.h"
#include "ledger_impl.h"
#include "rocks_util.h"

namespace smeledger::ledger {

Status LedgerImpl::AppendReplicated(std::span<const ReplicatedRecord> records,
                                    std::string_view source_name, ReplicaStats* stats_out) {
  if (options_.read_only) return Status::InvalidInput("the ledger is open read-only");
  if (!options_.replica) return Status::InvalidInput("not a read replica");
  if (failed_) return Status::Io("an earlier write failed; reopen the replica");
  ReplicaStats local;
  ReplicaStats& stats = stats_out ? *stats_out : local;
  StagedBatch* b = building_;
  ResetBatch(b, head_.position + 1);
  b->sealed = true;
  b->source_name = source_name;
  if (b->hashes.size() < records.size()) b->hashes.resize(records.size());
  RecordDecoder dec;
  std::string why, stored;
  Status failure;
  for (const ReplicatedRecord& in : records) {
    if (!dec.Decode(in.bytes, &why)) {
      failure = Status::Corruption("a record after position " + std::to_string(head_.position) +
                                   " does not decode: " + why);
      break;
    }
    const auto rec = dec.record();
    const uint64_t pos = rec.getPosition();
    if (pos <= head_.position) {  // delivered again: it must be the record kept there
      const std::string* staged = b->Find(pos);
      if (staged ? *staged != in.bytes
                 : !ReadRecord(pos, &stored).ok() || stored != in.bytes) {
        failure = Status::Corruption("record " + std::to_string(pos) +
                                     " arrived again with other bytes than those kept");
        break;
      }
      ++stats.skipped;
      b->source_next = in.token + 1;
      continue;
    }
    if (pos != head_.position + 1) {
      failure = Status::Corruption("record " + std::to_string(head_.position + 1) +
                                   " is missing: the next record to arrive was " +
                                   std::to_string(pos));
      break;
    }
    if (std::string p = CheckRecordBytes(in.bytes, rec, head_.hash, &writer_sha_, dec.message());
        !p.empty()) {
      failure = Status::Corruption("record " + std::to_string(pos) + ": " + p);
      break;
    }
    if (rec.getRecordedAtUs() < head_.recorded_at_us) {
      failure = Status::Corruption("record " + std::to_string(pos) + ": recorded_at goes back in time");
      break;
    }
    const Hash hash = HashFromData(rec.getHash());
    if (b->n == b->records.size()) {
      b->records.emplace_back();
      b->event_ids.emplace_back();
    }
    const auto id = rec.getEvent().getEventId();
    b->records[b->n].assign(in.bytes);
    b->event_ids[b->n].assign(id.begin(), id.size());
    b->hashes[b->n] = hash;
    ++b->n;
    RecordView r;
    r.position = pos;
    r.event = rec.getEvent();
    r.hash = hash;
    r.find_event = &find_event_;
    r.load = &load_any_;
    for (auto& p : participants_) p->OnRecord(r);
    head_.position = pos;
    head_.hash = hash;
    head_.recorded_at_us = rec.getRecordedAtUs();
    b->source_next = in.token + 1;
    ++stats.appended;
  }
  if (b->source_next == 0) b->source_name = {};  // nothing consumed: no token to store
  // An empty call is the caller's pause: deferred work (a subjects-index flush) may go now.
  bool must_write = b->n > 0;
  for (size_t k = 0; k < participants_.size(); ++k)
    must_write |= participants_[k]->Stage(
        *b, records.empty() ? BatchMoment::kPause : BatchMoment::kBusy, b->parts[k].get());
  if (!must_write) {
    ResetBatch(b, head_.position + 1);
    return failure;
  }
  b->head = head_;
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync;
  const rocksdb::Status s = WriteStaged(b, wo);
  if (!s.ok()) {
    failed_ = true;
    ResetBatch(b, head_.position + 1);
    return rocks::ToStatus(s, "cannot write to the replica");
  }
  SetDurableHead(head_);
  for (size_t k = 0; k < participants_.size(); ++k)
    participants_[k]->Durable(*b, b->parts[k].get());
  ResetBatch(b, head_.position + 1);
  return failure;
}

}  // namespace smeledger::ledger
