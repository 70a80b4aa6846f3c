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
    return Run(l, rules, false, stats);
  }
  Status Rebuild(const ledger::Ledger& l, const RuleSet& rules, CatchUpStats* stats) override {
    return Run(l, rules, true, stats);
  }
  Status BeginCatchUp(const ledger::Ledger& l, const RuleSet& rules,
                      std::unique_ptr<CatchUpSession>* out) override {
    return Begin(l, rules, false, out);
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
  // One catch-up (or rebuild): the saved fold loaded at Begin, advanced, saved at Finish.
  class Session final : public CatchUpSession {
   public:
    Session(RocksProjectionStore* store, const ledger::Ledger& l, const RuleSet& rules)
        : store_(store), l_(l), rules_(rules), prefix_(VersionPrefix(rules)) {}

    Status Begin(bool rebuild) {
      t0_ = Now();
      had_ = store_->ReadCheckpoint(prefix_, &old_);
      if (!rebuild && had_ && LedgerHasPrefix(l_, old_.position, old_.hash)) {
        if (!store_->ReadState(prefix_, old_, &p_).ok()) p_.reset();
      }
      st_.rebuilt = !p_;
      if (!p_) p_ = Projection::Empty();
      st_.from_position = p_->position();
      return Status::Ok();
    }
    Status Advance(uint64_t to) override { return p_->Advance(l_, to); }
    Status Finish(CatchUpStats* stats) override {
      if (Status s = p_->Advance(l_, 0); !s.ok()) return s;
      st_.to_position = p_->position();
      st_.records = st_.to_position - st_.from_position;
      if (!(had_ && !st_.rebuilt && st_.records == 0)) {
        if (Status s = store_->Save(prefix_, rules_, *p_, had_ ? old_.chunks : 0); !s.ok())
          return s;
      }
      st_.seconds = Now() - t0_;
      if (stats) *stats = st_;
      return Status::Ok();
    }

   private:
    RocksProjectionStore* store_;
    const ledger::Ledger& l_;
    const RuleSet& rules_;
    const std::string prefix_;
    Checkpoint old_;
    bool had_ = false;
    std::unique_ptr<Projection> p_;
    CatchUpStats st_;
    double t0_ = 0;
  };

  Status Begin(const ledger::Ledger& l, const RuleSet& rules, bool rebuild,
               std::unique_ptr<CatchUpSession>* out) {
    if (read_only_) return Status::InvalidInput("the projection store is open read-only");
    auto session = std::make_unique<Session>(this, l, rules);
    if (Status s = session->Begin(rebuild); !s.ok()) return s;
    *out = std::move(session);
    return Status::Ok();
  }

  Status Run(const ledger::Ledger& l, const RuleSet& rules, bool rebuild, CatchUpStats* stats) {
    std::unique_ptr<CatchUpSession> session;
    if (Status s = Begin(l, rules, rebuild, &session); !s.ok()) return s;
    return session->Finish(stats);
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

namespace {

// The default rule set's session, owning what it refers to.
class DefaultSession final : public CatchUpSession {
 public:
  Status Begin(const ledger::Ledger& ledger, const std::string& ledger_dir) {
    auto rules = RuleSet::Shipped(kDefaultRuleSetId);
    if (!rules.ok()) return rules.status();
    rules_ = std::make_unique<RuleSet>(std::move(*rules));
    if (Status s = ProjectionStore::Open(ledger_dir, false, &store_); !s.ok()) return s;
    return store_->BeginCatchUp(ledger, *rules_, &inner_);
  }
  Status Advance(uint64_t to) override { return inner_->Advance(to); }
  Status Finish(CatchUpStats* stats) override { return inner_->Finish(stats); }

 private:
  std::unique_ptr<RuleSet> rules_;
  std::unique_ptr<ProjectionStore> store_;
  std::unique_ptr<CatchUpSession> inner_;  // declared last: refers to the two above
};

}  // namespace

Status BeginDefaultCatchUp(const ledger::Ledger& ledger, const std::string& ledger_dir,
                           std::unique_ptr<CatchUpSession>* out) {
  auto session = std::make_unique<DefaultSession>();
  if (Status s = session->Begin(ledger, ledger_dir); !s.ok()) return s;
  *out = std::move(session);
  return Status::Ok();
}

}  // namespace smeledger::projections
