#include "smeledger/projections/projection_store.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <chrono>
#include <cstring>
#include <algorithm>

namespace smeledger::projections {
namespace {

constexpr std::string_view kFormatKey = "format";
constexpr std::string_view kFormat = "smeledger-projections/1";
constexpr size_t kChunkBytes = 4 << 20;

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void PutU64(std::string* s, uint64_t v) {
  for (int i = 7; i >= 0; --i) s->push_back(static_cast<char>(v >> (8 * i)));
}
uint64_t GetU64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

// v/<id>/<digest>/ — the prefix of one rule-set version.
std::string VersionPrefix(const RuleSet& r) { return "v/" + r.id + "/" + r.digest + "/"; }

struct Checkpoint {
  uint64_t position = 0;
  ledger::Hash hash{};
  int64_t recorded_at_us = 0;
  uint64_t chunks = 0;
  uint64_t bytes = 0;
};

std::string EncodeCheckpoint(const Checkpoint& c) {
  std::string s;
  PutU64(&s, c.position);
  s.append(reinterpret_cast<const char*>(c.hash.data()), c.hash.size());
  PutU64(&s, static_cast<uint64_t>(c.recorded_at_us));
  PutU64(&s, c.chunks);
  PutU64(&s, c.bytes);
  return s;
}

bool DecodeCheckpoint(std::string_view s, Checkpoint* c) {
  if (s.size() != 8 + 32 + 8 + 8 + 8) return false;
  c->position = GetU64(s.data());
  std::memcpy(c->hash.data(), s.data() + 8, 32);
  c->recorded_at_us = static_cast<int64_t>(GetU64(s.data() + 40));
  c->chunks = GetU64(s.data() + 48);
  c->bytes = GetU64(s.data() + 56);
  return true;
}

std::string ChunkKey(const std::string& prefix, uint64_t i) {
  std::string k = prefix + "state/";
  PutU64(&k, i);
  return k;
}

// Whether the ledger's record at `position` has `hash` (so the saved fold is of this ledger).
bool LedgerHasPrefix(const ledger::Ledger& l, uint64_t position, const ledger::Hash& hash) {
  if (position == 0) return true;
  if (position > l.head().position) return false;
  std::string bytes;
  if (!l.ReadRecord(position, &bytes).ok()) return false;
  // The hash is the last 32 bytes of the canonical record (schemas/README.md).
  if (bytes.size() < 40) return false;
  return std::memcmp(bytes.data() + bytes.size() - 32, hash.data(), 32) == 0;
}

class RocksProjectionStore final : public ProjectionStore {
 public:
  RocksProjectionStore(std::unique_ptr<rocksdb::DB> db, bool read_only)
      : db_(std::move(db)), read_only_(read_only) {}

  Status CatchUp(const ledger::Ledger& l, const RuleSet& rules, CatchUpStats* stats) override {
    return Advance(l, rules, false, stats);
  }
  Status Rebuild(const ledger::Ledger& l, const RuleSet& rules, CatchUpStats* stats) override {
    return Advance(l, rules, true, stats);
  }

  Status Load(const ledger::Ledger& l, const RuleSet& rules, uint64_t as_of,
              std::unique_ptr<Projection>* out, CatchUpStats* stats) override {
    const double t0 = Now();
    const uint64_t head = l.head().position;
    if (as_of == 0) as_of = head;
    if (as_of > head)
      return Status::InvalidInput("position " + std::to_string(as_of) +
                                  " is beyond the ledger's head (" + std::to_string(head) + ")");
    std::unique_ptr<Projection> p;
    // This version first, then any version: the fold does not depend on the rules.
    std::vector<std::string> prefixes = {VersionPrefix(rules)};
    for (const std::string& v : VersionPrefixes())
      if (v != prefixes[0]) prefixes.push_back(v);
    for (const std::string& prefix : prefixes) {
      Checkpoint c;
      if (!ReadCheckpoint(prefix, &c) || c.position > as_of || !LedgerHasPrefix(l, c.position, c.hash))
        continue;
      Status s = ReadState(prefix, c, &p);
      if (s.ok()) break;
      p.reset();
    }
    CatchUpStats st;
    st.rebuilt = !p;
    if (!p) p = Projection::Empty();
    st.from_position = p->position();
    Status s = p->Advance(l, as_of);
    if (!s.ok()) return s;
    st.to_position = p->position();
    st.records = st.to_position - st.from_position;
    st.seconds = Now() - t0;
    if (stats) *stats = st;
    *out = std::move(p);
    return Status::Ok();
  }

  std::vector<std::string> Versions() override {
    std::vector<std::string> out;
    for (const std::string& prefix : VersionPrefixes()) {
      Checkpoint c;
      if (!ReadCheckpoint(prefix, &c)) continue;
      std::string v = prefix.substr(2, prefix.size() - 3);
      std::replace(v.begin(), v.end(), '/', ' ');
      out.push_back(v + " " + std::to_string(c.position));
    }
    return out;
  }

 private:
  Status Advance(const ledger::Ledger& l, const RuleSet& rules, bool rebuild,
                 CatchUpStats* stats) {
    if (read_only_) return Status::InvalidInput("the projection store is open read-only");
    const double t0 = Now();
    const std::string prefix = VersionPrefix(rules);
    std::unique_ptr<Projection> p;
    Checkpoint old;
    const bool had = ReadCheckpoint(prefix, &old);
    if (!rebuild && had && LedgerHasPrefix(l, old.position, old.hash)) {
      if (!ReadState(prefix, old, &p).ok()) p.reset();
    }
    CatchUpStats st;
    st.rebuilt = !p;
    if (!p) p = Projection::Empty();
    st.from_position = p->position();
    if (Status s = p->Advance(l, 0); !s.ok()) return s;
    st.to_position = p->position();
    st.records = st.to_position - st.from_position;
    if (!(had && !st.rebuilt && st.records == 0)) {
      if (Status s = Save(prefix, rules, *p, had ? old.chunks : 0); !s.ok()) return s;
    }
    st.seconds = Now() - t0;
    if (stats) *stats = st;
    return Status::Ok();
  }

  Status Save(const std::string& prefix, const RuleSet& rules, const Projection& p,
              uint64_t old_chunks) {
    std::string bytes;
    p.Serialize(&bytes);
    Checkpoint c;
    c.position = p.position();
    c.hash = p.hash();
    c.recorded_at_us = p.recorded_at_us();
    c.bytes = bytes.size();
    c.chunks = (bytes.size() + kChunkBytes - 1) / kChunkBytes;
    rocksdb::WriteBatch batch;
    for (uint64_t i = 0; i < c.chunks; ++i) {
      const size_t off = i * kChunkBytes;
      batch.Put(ChunkKey(prefix, i),
                rocksdb::Slice(bytes.data() + off, std::min(kChunkBytes, bytes.size() - off)));
    }
    for (uint64_t i = c.chunks; i < old_chunks; ++i) batch.Delete(ChunkKey(prefix, i));
    batch.Put(prefix + "rules", rules.text);
    batch.Put(prefix + "checkpoint", EncodeCheckpoint(c));
    rocksdb::WriteOptions wo;
    wo.sync = true;
    rocksdb::Status s = db_->Write(wo, &batch);
    if (!s.ok()) return Status::Io("cannot save the projection: " + s.ToString());
    return Status::Ok();
  }

  bool ReadCheckpoint(const std::string& prefix, Checkpoint* c) {
    if (!db_) return false;
    std::string v;
    if (!db_->Get(rocksdb::ReadOptions(), prefix + "checkpoint", &v).ok()) return false;
    return DecodeCheckpoint(v, c);
  }

  Status ReadState(const std::string& prefix, const Checkpoint& c,
                   std::unique_ptr<Projection>* out) {
    std::string bytes, chunk;
    bytes.reserve(c.bytes);
    for (uint64_t i = 0; i < c.chunks; ++i) {
      rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), ChunkKey(prefix, i), &chunk);
      if (!s.ok()) return Status::Corruption("saved projection chunk missing: " + s.ToString());
      bytes += chunk;
    }
    if (bytes.size() != c.bytes) return Status::Corruption("saved projection has the wrong size");
    Status s = Projection::Deserialize(bytes, out);
    if (s.ok() && ((*out)->position() != c.position || (*out)->hash() != c.hash))
      return Status::Corruption("saved projection does not match its checkpoint");
    return s;
  }

  std::vector<std::string> VersionPrefixes() {
    std::vector<std::string> out;
    if (!db_) return out;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    for (it->Seek("v/"); it->Valid() && it->key().starts_with("v/"); it->Next()) {
      const std::string k = it->key().ToString();
      const size_t cp = k.rfind("/checkpoint");
      if (cp != std::string::npos && cp + 11 == k.size()) out.push_back(k.substr(0, cp + 1));
    }
    return out;
  }

  std::unique_ptr<rocksdb::DB> db_;
  bool read_only_;
};

}  // namespace

Status ProjectionStore::Open(const std::string& ledger_dir, bool read_only,
                             std::unique_ptr<ProjectionStore>* out) {
  const std::string path = ledger_dir + "/projections";
  rocksdb::Options o;
  o.create_if_missing = !read_only;
  o.max_open_files = 64;
  o.keep_log_file_num = 2;
  o.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (read_only) {
    // No saved state yet (or unreadable): a store with nothing saved; everything folds from
    // position 1.
    s = rocksdb::DB::OpenForReadOnly(o, path, &raw);
    if (!s.ok()) {
      out->reset(new RocksProjectionStore(nullptr, true));
      return Status::Ok();
    }
  } else {
    s = rocksdb::DB::Open(o, path, &raw);
    if (!s.ok()) return Status::Io("cannot open the projection store " + path + ": " + s.ToString());
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string fmt;
  s = db->Get(rocksdb::ReadOptions(), kFormatKey, &fmt);
  if (s.IsNotFound() && !read_only) {
    s = db->Put(rocksdb::WriteOptions(), kFormatKey, kFormat);
    fmt = kFormat;
  }
  if (!s.ok() && !s.IsNotFound()) return Status::Io("projection store: " + s.ToString());
  if (s.ok() && fmt != kFormat)
    return Status::Corruption(path + " is not a projection store of this format (" + fmt + ")");
  out->reset(new RocksProjectionStore(std::move(db), read_only));
  return Status::Ok();
}

Status CatchUpDefault(const ledger::Ledger& ledger, const std::string& ledger_dir,
                      CatchUpStats* stats) {
  auto rules = RuleSet::Shipped(kDefaultRuleSetId);
  if (!rules.ok()) return rules.status();
  std::unique_ptr<ProjectionStore> store;
  if (Status s = ProjectionStore::Open(ledger_dir, false, &store); !s.ok()) return s;
  return store->CatchUp(ledger, *rules, stats);
}

SubmitResult SubmitAndCatchUp(ledger::Ledger& ledger, const std::string& ledger_dir,
                              ledger::SubmissionSource* source, ledger::OutcomeSink* sink,
                              ledger::SubmitStats* stats, const ledger::SubmitProgress& progress) {
  SubmitResult r;
  ledger::SubmitStats local;
  if (!stats) stats = &local;
  r.submit = ledger.Submit(source, sink, stats, progress);
  // What was made durable before a failure is worth a catch-up too.
  r.projection = CatchUpDefault(ledger, ledger_dir, &r.catch_up);
  return r;
}

}  // namespace smeledger::projections
