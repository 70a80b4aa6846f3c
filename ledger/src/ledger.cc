#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>
#include <pthread.h>
#include <sys/stat.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "keys.h"
#include "ledger_impl.h"
#include "parse_stage.h"
#include "smeledger/ledger/canonical_json.h"
#include "smeledger/ledger/civil_time.h"
#include "subjects.h"

namespace smeledger::ledger {

namespace {

Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::Ok();
  if (s.IsCorruption()) return Status::Corruption(what + ": " + s.ToString());
  if (s.IsNotFound()) return Status::NotFound(what + ": " + s.ToString());
  return Status::Io(what + ": " + s.ToString());
}

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

enum class KeyOrder { kRandom, kAppend, kPerSubject };

rocksdb::ColumnFamilyOptions CfOptions(bool point_lookups, KeyOrder order = KeyOrder::kRandom) {
  rocksdb::ColumnFamilyOptions o;
  // Keys that arrive in order (positions; positions within a subject) insert with a hint.
  if (order == KeyOrder::kAppend)
    o.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(4));
  if (order == KeyOrder::kPerSubject)
    o.memtable_insert_with_hint_prefix_extractor = std::make_shared<SubjectPrefix>();
  o.write_buffer_size = 64 << 20;
  // Recent data (L0, L1: what a flush writes and what scans of a young ledger read) stays
  // uncompressed, which spares the flush thread and every scan a codec; older levels use LZ4,
  // which decompresses several times faster than ZSTD for a modest size cost.
  o.compression = rocksdb::kLZ4Compression;
  o.compression_per_level = {rocksdb::kNoCompression, rocksdb::kNoCompression,
                             rocksdb::kLZ4Compression, rocksdb::kLZ4Compression,
                             rocksdb::kLZ4Compression, rocksdb::kLZ4Compression,
                             rocksdb::kLZ4Compression};
  rocksdb::BlockBasedTableOptions t;
  t.block_size = 16 << 10;
  // XXH3 block checksums: Debian's librocksdb is built without SSE 4.2, so its CRC32C is the
  // table-driven one, several times slower than XXH3 for every block flushed, compacted and read.
  // The checksum type is stored per file: ledgers written with CRC32C still read.
  t.checksum = rocksdb::kXXH3;
  if (point_lookups) t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  return o;
}

// event_ids keys arrive in no order and are read rarely (show --event-id, verify; submission
// uses the in-memory map): an append-only vector memtable, sorted when flushed, costs far less
// per insert than a skiplist.
// Only the writer does: a reader (secondary instance) replays a live writer's log into memtables
// it searches, so it keeps the default skiplist.
rocksdb::ColumnFamilyOptions EventIdsCfOptions(bool writer) {
  rocksdb::ColumnFamilyOptions o = CfOptions(true);
  if (writer) o.memtable_factory = std::make_shared<rocksdb::VectorRepFactory>();
  // Small memtables (~250,000 ids each): they sort and flush in the background while a big
  // submission runs, instead of one sort of every id when the writer closes (~0.9 s per
  // million, alone at the end of `submit`).
  o.write_buffer_size = 16 << 20;
  return o;
}

std::string EncodeHead(const Head& h) {
  std::string v;
  keys::PutU64(&v, h.position);
  v.append(reinterpret_cast<const char*>(h.hash.data()), h.hash.size());
  keys::PutU64(&v, static_cast<uint64_t>(h.recorded_at_us));
  return v;
}

}  // namespace

std::string HexOf(const Hash& h) {
  static const char* kHex = "0123456789abcdef";
  std::string s(64, '0');
  for (size_t i = 0; i < h.size(); ++i) {
    s[2 * i] = kHex[h[i] >> 4];
    s[2 * i + 1] = kHex[h[i] & 15];
  }
  return s;
}

int64_t SystemClock::NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status Ledger::Open(const LedgerOptions& options, const std::string& path,
                    std::unique_ptr<Ledger>* out) {
  return LedgerImpl::OpenImpl(options, path, out);
}

LedgerImpl::~LedgerImpl() {
  // A writer flushes every column family on close, so that no write-ahead log outlives it and
  // readers open without replaying logs (a reader's replayed memtables are slow to search).
  // The column families flush side by side (two flush threads): a Flush call that waits does
  // them one after the other, so the first call only schedules them and the second waits.
  if (db_ && !options_.read_only && !failed_) {
    rocksdb::FlushOptions fo;
    fo.wait = false;
    rocksdb::Status s = db_->Flush(fo, cfs_);
    fo.wait = true;
    if (s.ok()) s = db_->Flush(fo, cfs_);
    if (!s.ok()) spdlog::warn("flushing the ledger on close failed: {}", s.ToString());
  }
  for (auto* cf : cfs_) db_->DestroyColumnFamilyHandle(cf).PermitUncheckedError();
  db_.reset();
  if (!secondary_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(secondary_dir_, ec);
  }
}

Status LedgerImpl::OpenImpl(const LedgerOptions& options, const std::string& path,
                            std::unique_ptr<Ledger>* out) {
  std::unique_ptr<LedgerImpl> l(new LedgerImpl());
  l->options_ = options;
  l->path_ = path;
  l->clock_ = options.clock ? options.clock : &l->system_clock_;

  rocksdb::DBOptions dbo;
  dbo.create_if_missing = options.create_if_missing && !options.read_only;
  dbo.create_missing_column_families = !options.read_only;
  dbo.max_background_jobs = 2;
  // Two flush threads: records and event_ids fill together and, on close, flush together.
  dbo.max_background_flushes = 2;
  dbo.max_background_compactions = 1;
  dbo.allow_concurrent_memtable_write = false;  // one writer thread; event_ids uses a vector memtable
  dbo.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  dbo.keep_log_file_num = 2;
  // Column families that fill slowly (subjects, default) would otherwise pin every log file;
  // past this total RocksDB flushes them so old logs can go.
  dbo.max_total_wal_size = uint64_t{1} << 30;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfds = {
      {rocksdb::kDefaultColumnFamilyName, CfOptions(true)},
      {keys::kRecordsCf, CfOptions(false, KeyOrder::kAppend)},
      {keys::kEventIdsCf, EventIdsCfOptions(!options.read_only)},
      {keys::kSubjectsCf, CfOptions(false, KeyOrder::kPerSubject)},
  };
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (options.read_only) {
    if (!std::filesystem::exists(std::filesystem::path(path) / "CURRENT"))
      return Status::Io("no ledger at " + path);
    char tmpl[] = "/tmp/smeledger-reader-XXXXXX";
    if (!mkdtemp(tmpl)) return Status::Io("cannot create a temporary directory for a reader");
    l->secondary_dir_ = tmpl;
    dbo.max_open_files = -1;
    s = rocksdb::DB::OpenAsSecondary(dbo, path, l->secondary_dir_, cfds, &l->cfs_, &raw);
  } else {
    s = rocksdb::DB::Open(dbo, path, cfds, &l->cfs_, &raw);
  }
  if (!s.ok()) {
    if (s.IsIOError() && s.ToString().find("lock") != std::string::npos)
      return Status::Io("the ledger at " + path + " is open for writing in another process");
    return FromRocks(s, "cannot open the ledger at " + path);
  }
  l->db_.reset(raw);
  l->meta_cf_ = l->cfs_[0];
  l->records_cf_ = l->cfs_[1];
  l->event_ids_cf_ = l->cfs_[2];
  l->subjects_cf_ = l->cfs_[3];

  // Format marker: written once on creation, checked on every open.
  std::string fmt;
  s = l->db_->Get(rocksdb::ReadOptions(), l->meta_cf_, keys::kFormatKey, &fmt);
  if (s.IsNotFound() && !options.read_only) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    rocksdb::WriteBatch wb;
    wb.Put(l->meta_cf_, keys::kFormatKey, keys::kFormatValue);
    wb.Put(l->meta_cf_, keys::kSubjectsThroughKey, keys::PositionKey(0));
    Status st = FromRocks(l->db_->Write(wo, &wb), "cannot initialise the ledger");
    if (!st.ok()) return st;
  } else if (!s.ok()) {
    return FromRocks(s, "cannot read the ledger's format");
  } else if (fmt != keys::kFormatValue) {
    return Status::Corruption("not a smeledger ledger of a known format: \"" + fmt + "\"");
  }
  if (Status st = l->LoadHead(); !st.ok()) return st;
  if (!options.read_only) {
    if (Status st = l->ReplayState(); !st.ok()) return st;
  }
  *out = std::move(l);
  return Status::Ok();
}

Status LedgerImpl::LoadHead() {
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), meta_cf_, keys::kHeadKey, &v);
  Head h;
  if (s.ok()) {
    if (v.size() != 48) return Status::Corruption("the ledger head is " + std::to_string(v.size()) + " bytes, not 48");
    h.position = keys::GetU64(v);
    std::memcpy(h.hash.data(), v.data() + 8, 32);
    h.recorded_at_us = static_cast<int64_t>(keys::GetU64(std::string_view(v).substr(40)));
  } else if (!s.IsNotFound()) {
    return FromRocks(s, "cannot read the ledger head");
  }
  head_ = durable_head_ = h;
  chain_hash_ = h.hash;
  // Ledgers written before the watermark existed indexed every batch: absent = the head.
  s = db_->Get(rocksdb::ReadOptions(), meta_cf_, keys::kSubjectsThroughKey, &v);
  if (s.IsNotFound()) {
    subjects_through_ = h.position;
  } else if (!s.ok()) {
    return FromRocks(s, "cannot read the subjects index watermark");
  } else if (v.size() != 8 || keys::GetU64(v) > h.position) {
    return Status::Corruption("the subjects index watermark is malformed or past the head");
  } else {
    subjects_through_ = keys::GetU64(v);
  }
  return Status::Ok();
}

Status LedgerImpl::Refresh() {
  if (!options_.read_only) return Status::Ok();
  if (Status st = FromRocks(db_->TryCatchUpWithPrimary(), "cannot catch up with the writer");
      !st.ok())
    return st;
  return LoadHead();
}

Status LedgerImpl::ReplayState() {
  RecordDecoder dec, target_dec;
  uint64_t expect = 1;
  std::string why, scratch;
  std::vector<std::string_view> subjects;
  const auto find_target = [&](std::string_view id) {
    return state_.FindEvent(id, event_loader_);
  };
  Status st = ScanRecords(1, 0, [&](uint64_t pos, std::string_view bytes) {
    if (pos != expect || !dec.Decode(bytes, &why)) {
      why = pos != expect ? "record " + std::to_string(expect) + " is missing" : why;
      return false;
    }
    const auto ev = dec.record().getEvent();
    if (pos > subjects_through_) {  // not indexed yet (a crash came before the flush)
      IndexSubjects(ev, find_target, &subjects, &scratch, &target_dec);
      AddPending(pos, subjects);
    }
    state_.Apply(pos, ev, event_loader_);
    ++expect;
    return true;
  });
  if (!st.ok()) return st;
  if (expect - 1 != head_.position)
    return Status::Corruption("the ledger head says position " + std::to_string(head_.position) +
                              " but records run to " + std::to_string(expect - 1) +
                              (why.empty() ? "" : " (" + why + ")") + "; run `smeledger verify`");
  if (subjects_through_ < head_.position) {  // bring the index up to the head now
    // (pending_ holds the postings of every record past the watermark, collected above)
    rocksdb::WriteBatch wb;
    SubjectPostings postings = TakePending();
    PutSubjects(&postings, head_.position, &wb);
    rocksdb::WriteOptions wo;
    wo.sync = true;
    if (Status w = FromRocks(db_->Write(wo, &wb), "cannot write the subjects index"); !w.ok())
      return w;
    subjects_through_ = head_.position;
  }
  return Status::Ok();
}

void LedgerImpl::IndexSubjects(schema::Event::Reader ev,
                               const std::function<uint64_t(std::string_view)>& find_target,
                               std::vector<std::string_view>* out, std::string* scratch,
                               RecordDecoder* target_dec) const {
  out->clear();
  EventSubjects(ev, out);
  if (ev.which() == schema::Event::EVENT_RETRACTED) {
    const uint64_t target = find_target(Sv(ev.getEventRetracted().getTarget()));
    if (target && LoadAny(target, scratch) && target_dec->Decode(*scratch))
      EventSubjects(target_dec->record().getEvent(), out);
  }
}

void LedgerImpl::AddPending(uint64_t position, std::span<const std::string_view> subjects) {
  for (std::string_view s : subjects)
    pending_.push_back({position, state_.NameId(s)});  // the checks looked these up: cached
}

LedgerImpl::SubjectPostings LedgerImpl::TakePending() {
  SubjectPostings out;
  for (const Posting& p : pending_) {
    if (p.id >= out.names.size()) out.names.resize(p.id + 1);
    if (out.names[p.id].empty()) out.names[p.id] = state_.NameOf(p.id);
  }
  out.postings.swap(pending_);
  pending_.clear();
  return out;
}

void LedgerImpl::PutSubjects(SubjectPostings* flush, uint64_t through,
                             rocksdb::WriteBatch* wb) const {
  // Group by subject with a stable counting sort (positions stay ascending within a subject).
  const std::vector<Posting>& in = flush->postings;
  std::vector<uint32_t> start(flush->names.size() + 1, 0);
  for (const Posting& p : in) ++start[p.id + 1];
  for (size_t i = 1; i < start.size(); ++i) start[i] += start[i - 1];
  std::vector<uint64_t> grouped(in.size());
  {
    std::vector<uint32_t> next(start.begin(), start.end() - 1);
    for (const Posting& p : in) grouped[next[p.id]++] = p.position;
  }
  // Subjects in key order, so that the memtable inserts land next to each other.
  std::vector<uint32_t> ids;
  for (uint32_t id = 0; id + 1 < start.size(); ++id)
    if (start[id + 1] > start[id]) ids.push_back(id);
  std::sort(ids.begin(), ids.end(),
            [&](uint32_t a, uint32_t b) { return flush->names[a] < flush->names[b]; });
  std::string key, value;
  for (uint32_t id : ids) {
    const uint64_t* p = grouped.data() + start[id];
    const size_t n = start[id + 1] - start[id];
    key.assign(flush->names[id]);
    key.push_back('\0');
    keys::PutU64(&key, p[0]);
    value.clear();
    for (size_t i = 1; i < n; ++i) keys::PutVarint(&value, p[i] - p[i - 1]);
    wb->Put(subjects_cf_, key, value);
  }
  wb->Put(meta_cf_, keys::kSubjectsThroughKey, keys::PositionKey(through));
}

bool LedgerImpl::LoadAny(uint64_t position, std::string* bytes) const {
  if (position > durable_head_.position) {
    const std::string* r = building_->Find(position);
    if (!r && in_flight_) r = in_flight_->Find(position);
    if (!r) return false;
    *bytes = *r;
    return true;
  }
  return ReadRecord(position, bytes).ok();
}

bool LedgerImpl::LoadEventId(uint64_t position, std::string* event_id) const {
  std::string bytes;
  RecordDecoder dec;
  if (!LoadAny(position, &bytes) || !dec.Decode(bytes)) return false;
  auto id = dec.record().getEvent().getEventId();
  event_id->assign(id.begin(), id.size());
  return true;
}

Status LedgerImpl::ReadRecord(uint64_t position, std::string* bytes) const {
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), records_cf_, keys::PositionKey(position), bytes);
  if (s.IsNotFound()) return Status::NotFound("no record at position " + std::to_string(position));
  return FromRocks(s, "cannot read record " + std::to_string(position));
}

Status LedgerImpl::FindEvent(std::string_view event_id, uint64_t* position) const {
  // A writer answers from its in-memory event_id table (a fingerprint hit is confirmed against
  // the record): its event_ids memtable is an unsorted vector, sorted anew on every lookup.
  if (!options_.read_only) {
    *position = state_.FindEvent(event_id, event_loader_);
    if (*position == 0) return Status::NotFound("no event " + std::string(event_id));
    return Status::Ok();
  }
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), event_ids_cf_,
                               rocksdb::Slice(event_id.data(), event_id.size()), &v);
  if (s.IsNotFound()) return Status::NotFound("no event " + std::string(event_id));
  if (!s.ok()) return FromRocks(s, "cannot read the event_id index");
  if (v.size() != 8) return Status::Corruption("event_id index entry is not 8 bytes");
  *position = keys::GetU64(v);
  return Status::Ok();
}

Status LedgerImpl::SubjectPositions(std::string_view subject, std::vector<uint64_t>* out) const {
  std::string prefix(subject);
  prefix.push_back('\0');
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), subjects_cf_));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (it->key().size() != prefix.size() + 8)
      return Status::Corruption("malformed subjects index key");
    const uint64_t first = keys::GetU64(std::string_view(it->key().data() + prefix.size(), 8));
    if (!keys::ForEachSubjectPosition(first, {it->value().data(), it->value().size()},
                                      [&](uint64_t p) { out->push_back(p); }))
      return Status::Corruption("malformed subjects index entry for " + std::string(subject));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "cannot read the subjects index");
  if (!options_.read_only) {  // the writer holds what the index does not cover yet
    const uint32_t id = state_.FindNameId(subject);
    for (const Posting& p : pending_)
      if (p.id == id) out->push_back(p.position);
  } else if (subjects_through_ < head_.position) {
    // A writer is between two flushes of the index: look at the records it does not cover.
    RecordDecoder dec, target_dec;
    std::string scratch;
    std::vector<std::string_view> subjects;
    const auto find_target = [this](std::string_view id) {
      uint64_t p = 0;
      return FindEvent(id, &p).ok() ? p : 0;
    };
    Status st = ScanRecords(subjects_through_ + 1, head_.position,
                            [&](uint64_t pos, std::string_view bytes) {
                              if (!dec.Decode(bytes)) return true;  // verify reports it
                              IndexSubjects(dec.record().getEvent(), find_target, &subjects,
                                            &scratch, &target_dec);
                              if (std::find(subjects.begin(), subjects.end(), subject) !=
                                  subjects.end())
                                out->push_back(pos);
                              return true;
                            });
    if (!st.ok()) return st;
  }
  std::sort(out->begin(), out->end());  // entries are written in order; stay safe anyway
  return Status::Ok();
}

Status LedgerImpl::ScanRecords(
    uint64_t from, uint64_t to,
    const std::function<bool(uint64_t, std::string_view)>& fn) const {
  rocksdb::ReadOptions ro;
  ro.readahead_size = 2 << 20;
  ro.fill_cache = false;
  std::string upper;
  rocksdb::Slice upper_slice;
  if (to != 0) {
    upper = keys::PositionKey(to + 1);
    upper_slice = upper;
    ro.iterate_upper_bound = &upper_slice;
  }
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, records_cf_));
  for (it->Seek(keys::PositionKey(from)); it->Valid(); it->Next()) {
    if (it->key().size() != 8) return Status::Corruption("malformed record key");
    const uint64_t pos = keys::GetU64(std::string_view(it->key().data(), 8));
    if (!fn(pos, std::string_view(it->value().data(), it->value().size()))) break;
  }
  return FromRocks(it->status(), "cannot read records");
}

// ---------------------------------------------------------------------------------------------
// Submission

namespace {

}  // namespace

void LedgerImpl::Emit(StagedBatch& b, OutcomeSink* sink) {
  if (sink) {
    for (const OutcomeRef& r : b.outcomes) {
      LineOutcome lo;
      lo.line = r.line;
      if (!(r.ref & OutcomeRef::kOther)) {
        const size_t i = r.ref - b.first_position;
        lo.kind = OutcomeKind::kAccepted;
        lo.has_event_id = true;
        lo.event_id = b.event_ids[i];
        lo.position = r.ref;
        lo.hash = b.hashes[i];
        sink->OnOutcome(lo);
        continue;
      }
      OtherOutcome& o = b.others[r.ref & ~OutcomeRef::kOther];
      if (o.hash_pending) {  // its original is durable by now: batches go in order
        std::string bytes;
        RecordDecoder dec;
        if (LoadAny(o.position, &bytes) && dec.Decode(bytes))
          o.hash = HashFromData(dec.record().getHash());
      }
      lo.kind = o.kind;
      lo.has_event_id = o.has_event_id;
      lo.event_id = o.event_id;
      lo.position = o.position;
      lo.hash = o.hash;
      lo.rejection = o.kind == OutcomeKind::kRejected ? &o.rejection : nullptr;
      sink->OnOutcome(lo);
    }
  }
  b.outcomes.clear();
  b.others.clear();
}

Status LedgerImpl::WaitInFlight(OutcomeSink* sink, const std::function<void()>& progress) {
  if (!in_flight_) return Status::Ok();
  const auto w0 = std::chrono::steady_clock::now();
  rocksdb::Status s = in_flight_result_.get();
  wait_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  StagedBatch* done = in_flight_;
  in_flight_ = nullptr;
  if (!s.ok()) {
    failed_ = true;
    return FromRocks(s, "cannot write to the ledger");
  }
  durable_head_ = done->head;
  if (head_.position == done->head.position) head_.hash = done->head.hash;
  if (done->carries_subjects()) subjects_through_ = done->subjects_through;
  write_cpu_seconds_ += done->write_cpu_seconds;
  Emit(*done, sink);
  done->Reset(0);
  if (progress) progress();
  return Status::Ok();
}

rocksdb::Status LedgerImpl::WriteStaged(StagedBatch* b, const rocksdb::WriteOptions& wo) {
  const double cpu0 = ThreadCpuSeconds();
  char key[8];
  Hash prev = chain_hash_;
  if (b->hashes.size() < b->n) b->hashes.resize(b->n);
  for (size_t i = 0; i < b->n; ++i) {
    if (constexpr size_t kAhead = 4; i + kAhead < b->n) {  // written on the other core
      const std::string& r = b->records[i + kAhead];
      for (size_t k = 0; k < r.size(); k += 64) __builtin_prefetch(r.data() + k);
      __builtin_prefetch(b->event_ids[i + kAhead].data());
    }
    // Seal a private copy (hot in cache): the staged bytes stay as the validating thread wrote
    // them, since it may read them concurrently.
    sealed_.assign(b->records[i]);
    const uint64_t pos = b->first_position + i;
    const Hash h = SealStamped(&sealed_, prev, &writer_sha_);
    keys::EncodeU64(pos, key);
    const rocksdb::Slice key_slice(key, 8);
    b->wb.Put(records_cf_, key_slice, sealed_);
    b->wb.Put(event_ids_cf_, b->event_ids[i], key_slice);
    b->hashes[i] = h;
    prev = h;
  }
  if (b->carries_subjects()) PutSubjects(&b->subjects, b->subjects_through, &b->wb);
  b->head.hash = prev;
  b->wb.Put(meta_cf_, keys::kHeadKey, EncodeHead(b->head));
  rocksdb::Status s = db_->Write(wo, &b->wb);
  if (s.ok()) chain_hash_ = prev;
  b->write_cpu_seconds = ThreadCpuSeconds() - cpu0;
  return s;
}

Status LedgerImpl::Rotate(OutcomeSink* sink, const std::function<void()>& progress, bool last) {
  if (Status st = WaitInFlight(sink, progress); !st.ok()) return st;
  StagedBatch* b = building_;
  const bool flush_subjects =
      !pending_.empty() && (last || pending_.size() >= kSubjectsFlushPostings);
  if (b->n == 0 && !flush_subjects) {  // only rejections and duplicates: nothing to write
    Emit(*b, sink);
    b->Reset(head_.position + 1);
    if (progress) progress();
    return Status::Ok();
  }
  if (flush_subjects) {
    b->subjects = TakePending();
    b->subjects_through = head_.position;
  }
  b->head = head_;
  in_flight_ = b;
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync;
  in_flight_result_ = std::async(std::launch::async, [this, b, wo] {
    pthread_setname_np(pthread_self(), "ledger-write");
    return WriteStaged(b, wo);
  });
  building_ = b == &batches_[0] ? &batches_[1] : &batches_[0];
  building_->Reset(head_.position + 1);
  return Status::Ok();
}

Status LedgerImpl::Submit(int fd, OutcomeSink* sink, SubmitStats* stats_out,
                          const SubmitProgress& progress) {
  if (options_.read_only) return Status::InvalidInput("the ledger is open read-only");
  if (failed_) return Status::Io("an earlier write failed; reopen the ledger");
  SubmitStats local;
  SubmitStats& stats = stats_out ? *stats_out : local;
  // Three stages on their own threads: parse (ParseStage) → validate, seal, stage (here) →
  // durable write (Rotate's writer).
  struct stat st_in;
  if (fstat(fd, &st_in) == 0 && S_ISREG(st_in.st_mode))  // ~150 bytes a line in practice
    state_.Expect(static_cast<size_t>(st_in.st_size / 150));
  const double validate_cpu0 = ThreadCpuSeconds();
  write_cpu_seconds_ = 0;
  ParseStage parse(fd);
  // However Submit ends, no writer thread outlives it: a batch left unreported (an error path)
  // is waited for and marks the ledger failed (its memory is ahead of what was reported).
  struct DrainOnExit {
    LedgerImpl* l;
    ~DrainOnExit() {
      if (l->in_flight_) {
        l->in_flight_result_.wait();
        l->in_flight_ = nullptr;
        l->failed_ = true;
      }
    }
  } drain{this};
  LineParser parser;  // only for the rare duplicate comparison
  std::vector<std::string_view> subjects;
  std::string line_json, stored_bytes, scratch;
  int64_t batch_time = 0;
  uint64_t bytes_read = 0;
  wait_seconds_ = 0;
  const std::function<uint64_t(std::string_view)> find_target = [&](std::string_view id) {
    return state_.FindEvent(id, event_loader_);
  };
  RecordDecoder target_dec;
  const std::function<void()> report = [&] {
    stats.bytes = bytes_read;
    if (progress) progress(stats);
  };
  building_->Reset(head_.position + 1);
  for (StagedBatch& b : batches_) b.outcomes.reserve(2 * options_.batch_events);

  auto other = [&](uint64_t line, OtherOutcome&& o) {
    building_->outcomes.push_back({line, OutcomeRef::kOther | building_->others.size()});
    building_->others.push_back(std::move(o));
  };
  auto reject = [&](const ParsedLine& p, Rejection&& r) {
    ++stats.rejected;
    ++stats.by_reason[static_cast<int>(r.reason)];
    other(p.line_no, {OutcomeKind::kRejected, p.has_event_id, p.event_id, 0, {}, std::move(r)});
  };

  double parse_wait = 0;
  for (;;) {
    const auto t0 = std::chrono::steady_clock::now();
    ParsedChunk* chunk = parse.Next();
    parse_wait += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!chunk) break;
    for (size_t i = 0; i < chunk->n; ++i) {
      ParsedLine& p = chunk->lines[i];
      // The parsing thread wrote the lines on the other core: fetch what this thread will read
      // ahead of time, the lines themselves far ahead, what they point to nearer.
      constexpr size_t kFar = 16, kNear = 8;
      constexpr size_t kMessageLines = 5;  // a typical event's message: ~40 words
      if (i + kFar < chunk->n) {
        const char* far = reinterpret_cast<const char*>(&chunk->lines[i + kFar]);
        for (size_t k = 0; k < ParsedLine::kHotLines; ++k) __builtin_prefetch(far + 64 * k);
      }
      if (i + kNear < chunk->n) {
        const ParsedLine& ahead = chunk->lines[i + kNear];
        if (ahead.state != ParsedLine::State::kEarly) {
          state_.PrefetchEvent(ahead.event_id_fingerprint);
          __builtin_prefetch(ahead.event_id.data());
        }
        if (ahead.state == ParsedLine::State::kParsed) {
          const char* seg = reinterpret_cast<const char*>(chunk->Segment(i + kNear).begin());
          for (size_t k = 0; k < kMessageLines; ++k) __builtin_prefetch(seg + 64 * k);
          __builtin_prefetch(ahead.prepared.data());
          for (std::string_view s : ahead.subjects) state_.PrefetchName(s);
        }
      }
      ++stats.lines;
      if (building_->n >= options_.batch_events ||
          building_->outcomes.size() >= 2 * options_.batch_events) {
        if (Status st = Rotate(sink, report, false); !st.ok()) return st;
      }
      if (p.state == ParsedLine::State::kEarly) {
        reject(p, std::move(p.rejection));
        continue;
      }
      const std::string_view event_id = p.event_id;
      if (const uint64_t pos = state_.FindEvent(event_id, event_loader_, p.event_id_fingerprint)) {
        RecordDecoder dec;
        if (!LoadAny(pos, &stored_bytes) || !dec.Decode(stored_bytes))
          return Status::Corruption("cannot read record " + std::to_string(pos));
        line_json.clear();
        AppendEventJson(dec.record().getEvent(), &line_json);
        if (!parser.Parse(chunk->Text(p)) && line_json == parser.CanonicalJson()) {
          ++stats.duplicates;
          other(p.line_no, {OutcomeKind::kDuplicate, true, std::string(event_id), pos,
                            HashFromData(dec.record().getHash()), {},
                            pos > durable_head_.position});
        } else {
          reject(p, Rejection{Reason::kConflict, "event_id",
                              "event_id \"" + std::string(event_id) +
                                  "\" was accepted at position " + std::to_string(pos) +
                                  " with other content"});
        }
        continue;
      }
      if (p.state == ParsedLine::State::kLate) {
        reject(p, std::move(p.rejection));
        continue;
      }
      const schema::Event::Reader ev = p.event;
      if (auto r = state_.Check(ev, head_.position, event_loader_)) {
        reject(p, std::move(*r));
        continue;
      }
      // Accept. recorded_at is never the epoch itself: a zero time would change the record's
      // canonical layout, which the staged bytes fix (PrepareRecord).
      StagedBatch& b = *building_;
      if (b.n == 0)
        batch_time = std::max({clock_->NowMicros(), head_.recorded_at_us, int64_t{1}});
      const uint64_t pos = head_.position + 1;
      if (b.n == b.records.size()) {
        b.records.emplace_back();
        b.event_ids.emplace_back();
      }
      b.event_ids[b.n].assign(event_id);
      std::string& bytes = b.records[b.n++];
      bytes.swap(p.prepared);  // both strings keep their capacity for reuse
      StampPrepared(&bytes, pos, batch_time);  // the writer chains the hashes
      if (ev.which() == schema::Event::EVENT_RETRACTED) {
        IndexSubjects(ev, find_target, &subjects, &scratch, &target_dec);
        AddPending(pos, subjects);
      } else {
        AddPending(pos, {p.subjects.begin(), p.subjects.size()});  // found by the parse stage
      }
      state_.Apply(pos, ev, event_loader_, p.event_id_fingerprint);
      head_.position = pos;
      head_.recorded_at_us = batch_time;
      ++stats.accepted;
      b.outcomes.push_back({p.line_no, pos});
    }
    bytes_read = chunk->bytes_read;
    parse.Release(chunk);
  }
  // Keep what was accepted before a read error: it is valid, and durable once written.
  Status st = Rotate(sink, report, true);
  if (st.ok()) st = WaitInFlight(sink, report);
  stats.write_wait_seconds = wait_seconds_;
  stats.validate_cpu_seconds = ThreadCpuSeconds() - validate_cpu0;
  stats.write_cpu_seconds = write_cpu_seconds_;
  stats.parse_cpu_seconds = parse.cpu_seconds();
  stats.parse_wait_seconds = parse_wait;
  if (!st.ok()) return st;
  return parse.status();
}

Status RecordToJson(std::string_view record_bytes, std::string* json) {
  RecordDecoder dec;
  std::string why;
  if (!dec.Decode(record_bytes, &why)) return Status::Corruption(why);
  auto r = dec.record();
  json->clear();
  json->append("{\"position\":");
  json->append(std::to_string(r.getPosition()));
  json->append(",\"recorded_at\":\"");
  json->append(FormatUtcMicros(r.getRecordedAtUs()));
  json->append("\",\"hash\":\"");
  json->append(HexOf(HashFromData(r.getHash())));
  json->append("\",\"prev_hash\":\"");
  json->append(HexOf(HashFromData(r.getPrevHash())));
  json->append("\",\"event\":");
  try {
    AppendEventJson(r.getEvent(), json);
  } catch (const kj::Exception& e) {
    return Status::Corruption(std::string("undecodable event: ") + e.getDescription().cStr());
  }
  json->append("}");
  return Status::Ok();
}

}  // namespace smeledger::ledger
