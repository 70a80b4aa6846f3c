#include <fcntl.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <set>

#include "keys.h"
#include "ledger_impl.h"
#include "smeledger/ledger/civil_time.h"
#include "rocks_util.h"

namespace smeledger::ledger {

namespace {

// Positions arrive in order: the records' skiplist memtable inserts with a hint.
rocksdb::ColumnFamilyOptions RecordsCfOptions() {
  rocksdb::ColumnFamilyOptions o = rocks::ColumnFamilyOptions(/*point_lookups=*/false);
  o.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(4));
  return o;
}

// event_ids keys arrive in no order and are read rarely (show --event-id, verify; submission
// uses the in-memory map): an append-only vector memtable, sorted when flushed, costs far less
// per insert than a skiplist.
// Only a ledger's writer does: a reader (secondary instance) replays a live writer's log into
// memtables it searches, and a replica's writer looks retraction targets up in it, so both keep
// the default skiplist.
rocksdb::ColumnFamilyOptions EventIdsCfOptions(bool vector_memtable) {
  rocksdb::ColumnFamilyOptions o = rocks::ColumnFamilyOptions(/*point_lookups=*/true);
  if (vector_memtable) o.memtable_factory = std::make_shared<rocksdb::VectorRepFactory>();
  // Small memtables (~250,000 ids each): they sort and flush in the background while a big
  // submission runs, instead of one sort of every id when the writer closes (~0.9 s per
  // million, alone at the end of `submit`).
  o.write_buffer_size = 16 << 20;
  return o;
}

constexpr const char* kWriterLockFile = "WRITER.lock";

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

Status Ledger::Submit(int fd, OutcomeSink* sink, SubmitStats* stats,
                      const SubmitProgress& progress) {
  std::unique_ptr<SubmissionSource> source = NewFdSource(fd);
  return Submit(source.get(), sink, stats, progress);
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
  if (db_) {
    for (auto* cf : cfs_) db_->DestroyColumnFamilyHandle(cf).PermitUncheckedError();
  }
  db_.reset();
  if (!secondary_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(secondary_dir_, ec);
  }
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

Status LedgerImpl::OpenImpl(const LedgerOptions& options, const std::string& path,
                            std::unique_ptr<Ledger>* out) {
  std::unique_ptr<LedgerImpl> l(new LedgerImpl());
  l->options_ = options;
  l->path_ = path;
  l->clock_ = options.clock ? options.clock : &l->system_clock_;
  auto subjects = std::make_unique<SubjectsIndex>(&l->state_);
  auto offsets = std::make_unique<SourceOffsets>();
  auto outbox = std::make_unique<Outbox>();
  l->subjects_ = subjects.get();
  l->offsets_ = offsets.get();
  l->outbox_ = outbox.get();
  l->participants_.push_back(std::move(subjects));
  l->participants_.push_back(std::move(offsets));
  l->participants_.push_back(std::move(outbox));
  auto merkle = std::make_unique<MerkleTree>();
  l->merkle_ = merkle.get();
  l->participants_.push_back(std::move(merkle));

  if (!options.read_only) {
    // One writer per directory, detected by the lock's error code (RocksDB's own LOCK says so
    // only in its message text). flock is released by the kernel when the process dies.
    std::error_code ec;
    if (!std::filesystem::is_directory(path, ec)) {
      if (!options.create_if_missing) return Status::Io("no ledger at " + path);
      std::filesystem::create_directories(path, ec);
      if (ec) return Status::Io("cannot create " + path + ": " + ec.message());
    }
    const std::string lock_path = path + "/" + kWriterLockFile;
    l->lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (l->lock_fd_ < 0) {
      const int e = errno;
      return e == ENOSPC ? Status::NoSpace("cannot create " + lock_path + ": " + std::strerror(e))
                         : Status::Io("cannot open " + lock_path + ": " + std::strerror(e));
    }
    if (::flock(l->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
      const int e = errno;
      if (e == EWOULDBLOCK)
        return Status::Locked("the ledger at " + path + " is open for writing in another process");
      return Status::Io("cannot lock " + lock_path + ": " + std::strerror(e));
    }
  }
  if (Status st = l->OpenDatabase(); !st.ok()) return st;
  if (Status st = l->LoadHead(); !st.ok()) return st;
  if (!options.read_only) {
    if (Status st = l->Recover(); !st.ok()) return st;
  }
  *out = std::move(l);
  return Status::Ok();
}

Status LedgerImpl::OpenDatabase() {
  const bool writer = !options_.read_only;
  rocksdb::DBOptions dbo;
  dbo.create_if_missing = options_.create_if_missing && writer;
  dbo.create_missing_column_families = writer;
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
      {rocksdb::kDefaultColumnFamilyName, rocks::ColumnFamilyOptions(true)},
      {keys::kRecordsCf, RecordsCfOptions()},
      {keys::kEventIdsCf, EventIdsCfOptions(writer && !options_.replica)},
  };
  for (const auto& p : participants_) cfds.push_back({p->column_family(), p->Options(writer)});

  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  std::vector<size_t> opened;  // cfds index of each handle in cfs_
  if (!writer) {
    if (!std::filesystem::exists(std::filesystem::path(path_) / "CURRENT"))
      return Status::Io("no ledger at " + path_);
    // A ledger written before a participant existed lacks its column family, which a reader
    // cannot create: it opens those present and the participant reads as empty.
    std::vector<std::string> present;
    s = rocksdb::DB::ListColumnFamilies(dbo, path_, &present);
    if (!s.ok()) return rocks::ToStatus(s, "cannot open the ledger at " + path_);
    const std::set<std::string> have(present.begin(), present.end());
    std::vector<rocksdb::ColumnFamilyDescriptor> keep;
    for (size_t i = 0; i < cfds.size(); ++i) {
      if (i < 3 || have.count(cfds[i].name)) {
        keep.push_back(cfds[i]);
        opened.push_back(i);
      }
    }
    char tmpl[] = "/tmp/smeledger-reader-XXXXXX";
    if (!mkdtemp(tmpl)) return Status::Io("cannot create a temporary directory for a reader");
    secondary_dir_ = tmpl;
    dbo.max_open_files = -1;
    s = rocksdb::DB::OpenAsSecondary(dbo, path_, secondary_dir_, keep, &cfs_, &raw);
  } else {
    for (size_t i = 0; i < cfds.size(); ++i) opened.push_back(i);
    s = rocksdb::DB::Open(dbo, path_, cfds, &cfs_, &raw);
  }
  if (!s.ok()) return rocks::ToStatus(s, "cannot open the ledger at " + path_);
  db_.reset(raw);
  meta_cf_ = cfs_[0];
  records_cf_ = cfs_[1];
  event_ids_cf_ = cfs_[2];
  participant_cfs_.assign(participants_.size(), nullptr);
  for (size_t h = 3; h < cfs_.size(); ++h) participant_cfs_[opened[h] - 3] = cfs_[h];
  outbox_->set_records_cf(records_cf_);
  merkle_->set_records_cf(records_cf_);

  // Format marker (and a replica's role): written once on creation, checked on every open.
  std::string fmt, role;
  s = db_->Get(rocksdb::ReadOptions(), meta_cf_, keys::kFormatKey, &fmt);
  if (s.IsNotFound() && writer) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    rocksdb::WriteBatch wb;
    wb.Put(meta_cf_, keys::kFormatKey, keys::kFormatValue);
    wb.Put(meta_cf_, keys::kSubjectsThroughKey, keys::PositionKey(0));
    if (options_.replica) wb.Put(meta_cf_, keys::kRoleKey, keys::kRoleReplica);
    return rocks::ToStatus(db_->Write(wo, &wb), "cannot initialise the ledger");
  }
  if (!s.ok()) return rocks::ToStatus(s, "cannot read the ledger's format");
  if (fmt != keys::kFormatValue)
    return Status::Corruption("not a smeledger ledger of a known format: \"" + fmt + "\"");
  s = db_->Get(rocksdb::ReadOptions(), meta_cf_, keys::kRoleKey, &role);
  if (!s.ok() && !s.IsNotFound()) return rocks::ToStatus(s, "cannot read the ledger's role");
  const bool is_replica = s.ok() && role == keys::kRoleReplica;
  if (s.ok() && !is_replica)
    return Status::Corruption("unknown ledger role \"" + role + "\" at " + path_);
  if (writer && is_replica && !options_.replica)
    return Status::InvalidInput(path_ + " is a read replica (smeledger project): it takes records "
                                "from its ledger's records topic, not submissions");
  if (writer && !is_replica && options_.replica)
    return Status::InvalidInput(path_ + " is a ledger, not a read replica: give `project` a "
                                "directory of its own");
  return Status::Ok();
}

ParticipantEnv LedgerImpl::EnvFor(size_t k) const {
  ParticipantEnv env;
  env.db = db_.get();
  env.cf = participant_cfs_[k];
  env.meta_cf = meta_cf_;
  env.writer = !options_.read_only;
  return env;
}

Status LedgerImpl::LoadHead() {
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), meta_cf_, keys::kHeadKey, &v);
  Head h;
  if (s.ok()) {
    if (!keys::DecodeHead(v, &h))
      return Status::Corruption("the ledger head is malformed (" + std::to_string(v.size()) +
                                " bytes)");
  } else if (!s.IsNotFound()) {
    return rocks::ToStatus(s, "cannot read the ledger head");
  }
  head_ = h;
  SetDurableHead(h);
  chain_hash_ = h.hash;
  replay_from_.assign(participants_.size(), h.position + 1);
  for (size_t k = 0; k < participants_.size(); ++k)
    if (Status st = participants_[k]->Open(EnvFor(k), h, &replay_from_[k]); !st.ok()) return st;
  return Status::Ok();
}

Status LedgerImpl::Refresh() {
  if (!options_.read_only) return Status::Ok();
  if (Status st = rocks::ToStatus(db_->TryCatchUpWithPrimary(), "cannot catch up with the writer");
      !st.ok())
    return st;
  return LoadHead();
}

Status LedgerImpl::Recover() {
  // A ledger rebuilds its validation state from every record; a replica keeps none and replays
  // only what its participants asked for.
  const bool whole = !options_.replica;
  const uint64_t from =
      whole ? 1 : *std::min_element(replay_from_.begin(), replay_from_.end());
  if (from > head_.position) return Status::Ok();
  const std::vector<uint64_t>& wants = replay_from_;
  RecordDecoder dec;
  uint64_t expect = from;
  std::string why;
  Status st = ScanRecords(from, 0, [&](uint64_t pos, std::string_view bytes) {
    if (pos != expect || !dec.Decode(bytes, &why)) {
      why = pos != expect ? "record " + std::to_string(expect) + " is missing" : why;
      return false;
    }
    RecordView r;
    r.position = pos;
    r.event = dec.record().getEvent();
    r.hash = HashFromData(dec.record().getHash());
    r.find_event = &find_event_;
    r.load = &load_any_;
    for (size_t k = 0; k < participants_.size(); ++k)
      if (pos >= wants[k]) participants_[k]->OnRecord(r);
    if (whole) state_.Apply(pos, r.event, event_loader_);
    ++expect;
    return true;
  });
  if (!st.ok()) return st;
  if (expect - 1 != head_.position)
    return Status::Corruption("the ledger head says position " + std::to_string(head_.position) +
                              " but records run to " + std::to_string(expect - 1) +
                              (why.empty() ? "" : " (" + why + ")") + "; run `smeledger verify`");
  for (auto& p : participants_)
    if (Status s = p->Recovered(); !s.ok()) return s;
  return Status::Ok();
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

uint64_t LedgerImpl::FindEventForRecord(std::string_view event_id) const {
  if (!options_.replica && !options_.read_only) return state_.FindEvent(event_id, event_loader_);
  // A replica's batch being appended holds records not in the index yet.
  for (size_t i = 0; i < building_->n; ++i)
    if (building_->event_ids[i] == event_id) return building_->first_position + i;
  uint64_t p = 0;
  return FindEvent(event_id, &p).ok() ? p : 0;
}

Status LedgerImpl::ReadRecord(uint64_t position, std::string* bytes) const {
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), records_cf_, keys::PositionKey(position), bytes);
  if (s.IsNotFound()) return Status::NotFound("no record at position " + std::to_string(position));
  return rocks::ToStatus(s, "cannot read record " + std::to_string(position));
}

Status LedgerImpl::FindEvent(std::string_view event_id, uint64_t* position) const {
  // A ledger's writer answers from its in-memory event_id table (a fingerprint hit is confirmed
  // against the record): its event_ids memtable is an unsorted vector, sorted anew on every
  // lookup.
  if (!options_.read_only && !options_.replica) {
    *position = state_.FindEvent(event_id, event_loader_);
    if (*position == 0) return Status::NotFound("no event " + std::string(event_id));
    return Status::Ok();
  }
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), event_ids_cf_,
                               rocksdb::Slice(event_id.data(), event_id.size()), &v);
  if (s.IsNotFound()) return Status::NotFound("no event " + std::string(event_id));
  if (!s.ok()) return rocks::ToStatus(s, "cannot read the event_id index");
  if (v.size() != 8) return Status::Corruption("event_id index entry is not 8 bytes");
  *position = keys::GetU64(v);
  return Status::Ok();
}

Status LedgerImpl::SubjectPositions(std::string_view subject, std::vector<uint64_t>* out) const {
  if (Status st = subjects_->Positions(subject, out); !st.ok()) return st;
  if (options_.read_only && subjects_->through() < head_.position) {
    // A writer is between two flushes of the index: look at the records it does not cover.
    RecordDecoder dec, target_dec;
    std::string scratch;
    std::vector<std::string_view> subjects;
    Status st = ScanRecords(subjects_->through() + 1, head_.position,
                            [&](uint64_t pos, std::string_view bytes) {
                              if (!dec.Decode(bytes)) return true;  // verify reports it
                              RecordView r;
                              r.position = pos;
                              r.event = dec.record().getEvent();
                              r.find_event = &find_event_;
                              r.load = &load_any_;
                              SubjectsIndex::Subjects(r, &subjects, &scratch, &target_dec);
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
  return rocks::ToStatus(it->status(), "cannot read records");
}

Status LedgerImpl::SourcePosition(std::string_view source_name, uint64_t* next_token) const {
  return offsets_->Get(source_name, next_token);
}

Status LedgerImpl::ReadOutbox(uint64_t after_position, uint64_t from_token, size_t max_records,
                              OutboxChunk* out) const {
  return outbox_->Read(after_position, from_token, max_records, out);
}

Status LedgerImpl::MerkleRoot(uint64_t size, Hash* root) const {
  const uint64_t head = this->head().position;
  if (size > head)
    return Status::InvalidInput("size " + std::to_string(size) + " is beyond the head (position " +
                                std::to_string(head) + ")");
  return merkle_->Root(size, root);
}

Status LedgerImpl::PruneOutbox(uint64_t below_token) {
  if (options_.read_only) return Status::InvalidInput("the ledger is open read-only");
  return outbox_->Prune(below_token);
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
