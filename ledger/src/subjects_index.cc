#include "subjects_index.h"

#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>

#include <algorithm>
#include <cstring>

#include "keys.h"
#include "rocks_util.h"
#include "subjects.h"

namespace smeledger::ledger {

namespace {

std::string_view Sv(capnp::Text::Reader t) { return {t.begin(), t.size()}; }

// The subject part of a `subjects` key (up to and including its 0x00): within one subject,
// positions only grow, so an insert hint per subject makes memtable inserts nearly O(1).
class SubjectPrefix final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "smeledger.SubjectPrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    const void* z = std::memchr(key.data(), 0, key.size());
    return rocksdb::Slice(key.data(), static_cast<const char*>(z) - key.data() + 1);
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    return std::memchr(key.data(), 0, key.size()) != nullptr;
  }
};

}  // namespace

// The postings a batch carries to the writing thread: grouped there (a counting sort by id)
// and written one entry per subject.
class SubjectsIndex::Part final : public BatchPart {
 public:
  std::vector<Posting> postings;        // empty: this batch flushes nothing
  std::vector<std::string_view> names;  // names[id] for the ids in postings (interned views)
  uint64_t through = 0;                 // the watermark the flush brings the index to
};

const char* SubjectsIndex::column_family() const { return keys::kSubjectsCf; }

rocksdb::ColumnFamilyOptions SubjectsIndex::Options(bool writer) const {
  rocksdb::ColumnFamilyOptions o = rocks::ColumnFamilyOptions(/*point_lookups=*/false);
  o.memtable_insert_with_hint_prefix_extractor = std::make_shared<SubjectPrefix>();
  return o;
}

Status SubjectsIndex::Open(const ParticipantEnv& env, const Head& head, uint64_t* replay_from) {
  env_ = env;
  head_ = head.position;
  std::string v;
  rocksdb::Status s =
      env.db->Get(rocksdb::ReadOptions(), env.meta_cf, keys::kSubjectsThroughKey, &v);
  // Ledgers written before the watermark existed indexed every batch: absent = the head.
  if (s.IsNotFound()) {
    through_ = head.position;
  } else if (!s.ok()) {
    return rocks::ToStatus(s, "cannot read the subjects index watermark");
  } else if (v.size() != 8 || keys::GetU64(v) > head.position) {
    return Status::Corruption("the subjects index watermark is malformed or past the head");
  } else {
    through_ = keys::GetU64(v);
  }
  *replay_from = through_ + 1;
  return Status::Ok();
}

void SubjectsIndex::Subjects(const RecordView& r, std::vector<std::string_view>* out,
                             std::string* scratch, RecordDecoder* dec) {
  out->clear();
  EventSubjects(r.event, out);
  if (r.event.which() == schema::Event::EVENT_RETRACTED && r.find_event && r.load) {
    const uint64_t target = (*r.find_event)(Sv(r.event.getEventRetracted().getTarget()));
    if (target && (*r.load)(target, scratch) && dec->Decode(*scratch))
      EventSubjects(dec->record().getEvent(), out);
  }
}

void SubjectsIndex::OnRecord(const RecordView& r) {
  names_->ForgetEventNames();  // r's memory may be an earlier record's (a decoder reused)
  Subjects(r, &scratch_subjects_, &scratch_bytes_, &scratch_dec_);
  Add(r.position, scratch_subjects_);
}

void SubjectsIndex::Add(uint64_t position, std::span<const std::string_view> subjects) {
  for (std::string_view s : subjects)
    pending_.push_back({position, names_->NameId(s)});  // the checks looked these up: cached
  head_ = position;
}

std::unique_ptr<BatchPart> SubjectsIndex::NewPart() const { return std::make_unique<Part>(); }

bool SubjectsIndex::Stage(const StagedBatch& b, BatchMoment moment, BatchPart* part) {
  Part& p = static_cast<Part&>(*part);
  p.postings.clear();
  if (pending_.empty()) return false;
  // Flush when the submission ends, when the postings are many, or when the input pauses — at
  // most once a second then: a service closing a batch at every pause of a trickle would
  // otherwise write one entry per subject per batch (the costly random-order inserts).
  const auto now = std::chrono::steady_clock::now();
  const bool due = moment == BatchMoment::kEnd || pending_.size() >= kFlushPostings ||
                   (moment == BatchMoment::kPause && now - last_flush_ >= kPauseFlushEvery);
  if (!due) return false;
  last_flush_ = now;
  p.names.clear();
  for (const Posting& q : pending_) {
    if (q.id >= p.names.size()) p.names.resize(q.id + 1);
    if (p.names[q.id].empty()) p.names[q.id] = names_->NameOf(q.id);
  }
  p.postings.swap(pending_);
  pending_.clear();
  p.through = head_;
  return true;
}

void SubjectsIndex::Write(const StagedBatch& b, const BatchPart* part,
                          rocksdb::WriteBatch* wb) const {
  const Part& p = static_cast<const Part&>(*part);
  if (p.postings.empty()) return;
  // Group by subject with a stable counting sort (positions stay ascending within a subject).
  const std::vector<Posting>& in = p.postings;
  std::vector<uint32_t> start(p.names.size() + 1, 0);
  for (const Posting& q : in) ++start[q.id + 1];
  for (size_t i = 1; i < start.size(); ++i) start[i] += start[i - 1];
  std::vector<uint64_t> grouped(in.size());
  {
    std::vector<uint32_t> next(start.begin(), start.end() - 1);
    for (const Posting& q : in) grouped[next[q.id]++] = q.position;
  }
  // Subjects in key order, so that the memtable inserts land next to each other.
  std::vector<uint32_t> ids;
  for (uint32_t id = 0; id + 1 < start.size(); ++id)
    if (start[id + 1] > start[id]) ids.push_back(id);
  std::sort(ids.begin(), ids.end(),
            [&](uint32_t a, uint32_t c) { return p.names[a] < p.names[c]; });
  std::string key, value;
  for (uint32_t id : ids) {
    const uint64_t* q = grouped.data() + start[id];
    const size_t n = start[id + 1] - start[id];
    key.assign(p.names[id]);
    key.push_back('\0');
    keys::PutU64(&key, q[0]);
    value.clear();
    for (size_t i = 1; i < n; ++i) keys::PutVarint(&value, q[i] - q[i - 1]);
    wb->Put(env_.cf, key, value);
  }
  wb->Put(env_.meta_cf, keys::kSubjectsThroughKey, keys::PositionKey(p.through));
}

void SubjectsIndex::Durable(const StagedBatch& b, const BatchPart* part) {
  const Part& p = static_cast<const Part&>(*part);
  if (!p.postings.empty()) through_ = p.through;
}

Status SubjectsIndex::Recovered() {
  if (pending_.empty()) return Status::Ok();
  // Bring the index up to the head now: pending_ holds the postings of every record past the
  // watermark, collected by the replay.
  Part p;
  StagedBatch none;
  Stage(none, BatchMoment::kEnd, &p);
  rocksdb::WriteBatch wb;
  Write(none, &p, &wb);
  rocksdb::WriteOptions wo;
  wo.sync = true;
  if (Status s = rocks::ToStatus(env_.db->Write(wo, &wb), "cannot write the subjects index");
      !s.ok())
    return s;
  through_ = p.through;
  return Status::Ok();
}

Status SubjectsIndex::Positions(std::string_view subject, std::vector<uint64_t>* out) const {
  std::string prefix(subject);
  prefix.push_back('\0');
  std::unique_ptr<rocksdb::Iterator> it(env_.db->NewIterator(rocksdb::ReadOptions(), env_.cf));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (it->key().size() != prefix.size() + 8)
      return Status::Corruption("malformed subjects index key");
    const uint64_t first = keys::GetU64(std::string_view(it->key().data() + prefix.size(), 8));
    if (!keys::ForEachSubjectPosition(first, {it->value().data(), it->value().size()},
                                      [&](uint64_t p) { out->push_back(p); }))
      return Status::Corruption("malformed subjects index entry for " + std::string(subject));
  }
  if (!it->status().ok()) return rocks::ToStatus(it->status(), "cannot read the subjects index");
  if (!pending_.empty()) {  // a writer holds what the index does not cover yet
    const uint32_t id = names_->FindNameId(subject);
    for (const Posting& p : pending_)
      if (p.id == id) out->push_back(p.position);
  }
  return Status::Ok();
}

namespace {

// Verify: the multiset of (subject, position) entries the records imply up to the watermark
// against the stored one, and no entry beyond the watermark.
class SubjectsVerifier final : public ParticipantVerifier {
 public:
  SubjectsVerifier(const ParticipantEnv& env, uint64_t through) : env_(env), through_(through) {}
  void OnRecord(const RecordView& r) override {
    if (r.position > through_) return;  // the index covers positions up to its watermark
    SubjectsIndex::Subjects(r, &subjects_, &scratch_, &dec_);
    for (std::string_view s : subjects_) want_.Add(keys::SubjectKey(s, r.position), "", &sha_);
  }
  Status Finish(const Head& head, std::string* problem, uint64_t* position) override {
    rocks::MultisetDigest got;
    std::unique_ptr<rocksdb::Iterator> it(env_.db->NewIterator(rocksdb::ReadOptions(), env_.cf));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const std::string_view k(it->key().data(), it->key().size());
      const size_t z = k.find('\0');
      bool ok = z != std::string_view::npos && k.size() == z + 9;
      uint64_t last = 0;
      if (ok)
        ok = keys::ForEachSubjectPosition(
            keys::GetU64(k.substr(z + 1)), {it->value().data(), it->value().size()},
            [&](uint64_t p) {
              last = p;
              got.Add(keys::SubjectKey(k.substr(0, z), p), "", &sha_);
            });
      if (!ok || last > through_) {
        *problem = ok ? "subjects index entry past the index's watermark (position " +
                            std::to_string(last) + ")"
                      : "malformed subjects index entry";
        return Status::Ok();
      }
    }
    if (!it->status().ok()) return rocks::ToStatus(it->status(), "cannot read the subjects index");
    if (!(got == want_))
      *problem = "the subjects index does not match the records (" + std::to_string(got.count) +
                 " entries, " + std::to_string(want_.count) + " expected)";
    return Status::Ok();
  }

 private:
  ParticipantEnv env_;
  uint64_t through_;
  rocks::MultisetDigest want_;
  Sha256 sha_;
  std::vector<std::string_view> subjects_;
  std::string scratch_;
  RecordDecoder dec_;
};

}  // namespace

std::unique_ptr<ParticipantVerifier> SubjectsIndex::NewVerifier(const ParticipantEnv& env) const {
  return std::make_unique<SubjectsVerifier>(env, through_);
}

}  // namespace smeledger::ledger
