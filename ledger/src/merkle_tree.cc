#include "merkle_tree.h"

#include <spdlog/spdlog.h>

#include <cstring>

#include "keys.h"
#include "record_codec.h"
#include "rocks_util.h"

namespace smeledger::ledger {

namespace {

constexpr int kLowest = MerkleTree::kLowestStoredLevel;
// An older ledger's tree is built and written this many records at a time.
constexpr uint64_t kRebuildChunk = 1'000'000;

std::string NodeText(int level, uint64_t index) {
  return "Merkle node (level " + std::to_string(level) + ", index " + std::to_string(index) + ")";
}

// Perfect subtrees from the column family (levels ≥ kLowest) or computed from the records'
// hashes (below): a node of level k < kLowest covers 2^k records.
class RocksNodes final : public merkle::NodeSource {
 public:
  RocksNodes(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* merkle_cf,
             rocksdb::ColumnFamilyHandle* records_cf)
      : db_(db), merkle_cf_(merkle_cf), records_cf_(records_cf) {}

  Status Node(int level, uint64_t index, Hash* out) override {
    if (level >= kLowest) {
      std::string v;
      rocksdb::Status s =
          db_->Get(rocksdb::ReadOptions(), merkle_cf_, keys::MerkleNodeKey(level, index), &v);
      if (s.IsNotFound()) return Status::NotFound(NodeText(level, index) + " is not stored");
      if (!s.ok()) return rocks::ToStatus(s, "cannot read the Merkle tree");
      if (v.size() != out->size())
        return Status::Corruption(NodeText(level, index) + " is malformed");
      std::copy(v.begin(), v.end(), out->begin());
      return Status::Ok();
    }
    const uint64_t first = index << level;
    uint64_t count = uint64_t{1} << level;
    std::vector<Hash> hashes(count);
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), records_cf_));
    uint64_t j = 0;
    for (it->Seek(keys::PositionKey(first + 1)); it->Valid() && j < count; it->Next(), ++j) {
      if (it->key().size() != 8 || keys::GetU64({it->key().data(), 8}) != first + 1 + j)
        return Status::Corruption("record " + std::to_string(first + 1 + j) + " is missing");
      Hash h;
      if (!StoredRecordHash({it->value().data(), it->value().size()}, &h))
        return Status::Corruption("record " + std::to_string(first + 1 + j) + " is malformed");
      hashes[j] = hasher_.Leaf(h);
    }
    if (!it->status().ok()) return rocks::ToStatus(it->status(), "cannot read records");
    if (j != count) return Status::NotFound(NodeText(level, index) + ": records missing");
    for (; count > 1; count /= 2)
      for (uint64_t k = 0; k < count / 2; ++k)
        hashes[k] = hasher_.Node(hashes[2 * k], hashes[2 * k + 1]);
    *out = hashes[0];
    return Status::Ok();
  }

 private:
  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* merkle_cf_;
  rocksdb::ColumnFamilyHandle* records_cf_;
  merkle::Hasher hasher_;
};

Status ReadStoredSize(const ParticipantEnv& env, uint64_t* size, bool* present) {
  std::string v;
  rocksdb::Status s = env.db->Get(rocksdb::ReadOptions(), env.meta_cf, keys::kMerkleSizeKey, &v);
  *size = 0;
  *present = false;
  if (s.IsNotFound()) return Status::Ok();
  if (!s.ok()) return rocks::ToStatus(s, "cannot read the Merkle tree's size");
  if (v.size() != 8) return Status::Corruption("the Merkle tree's size is malformed");
  *size = keys::GetU64(v);
  *present = true;
  return Status::Ok();
}

}  // namespace

const char* MerkleTree::column_family() const { return keys::kMerkleCf; }

rocksdb::ColumnFamilyOptions MerkleTree::Options(bool writer) const {
  return rocks::ColumnFamilyOptions(/*point_lookups=*/true);
}

Status MerkleTree::StoredSize(uint64_t* size) const {
  bool present = false;
  return ReadStoredSize(env_, size, &present);
}

Status MerkleTree::Open(const ParticipantEnv& env, const Head& head, uint64_t* replay_from) {
  env_ = env;
  *replay_from = head.position + 1;
  if (!env.cf) return Status::Ok();  // an older ledger opened by a reader: no tree yet
  uint64_t size = 0;
  if (Status s = StoredSize(&size); !s.ok()) return s;
  if (size > head.position)
    return Status::Corruption("the Merkle tree covers " + std::to_string(size) +
                              " records but the ledger's head is at position " +
                              std::to_string(head.position) + "; run `smeledger verify`");
  if (!env.writer) return Status::Ok();
  hasher_ = std::make_unique<merkle::Hasher>();
  RocksNodes nodes(env.db, env.cf, records_cf_);
  auto restored = merkle::Appender::FromNodes(size, nodes);
  if (!restored.ok())
    return Status::Corruption("cannot restore the Merkle tree at size " + std::to_string(size) +
                              ": " + restored.status().message() + "; run `smeledger verify`");
  appender_ = std::move(*restored);
  if (size < head.position) {  // a ledger older than the tree, or a build interrupted
    spdlog::info("building the Merkle tree of records {}..{}", size + 1, head.position);
    rebuilding_ = true;
    *replay_from = size + 1;
  }
  return Status::Ok();
}

void MerkleTree::OnRecord(const RecordView& r) {
  if (!rebuilding_ || !rebuild_status_.ok()) return;
  if (r.position != appender_.size() + 1) {
    rebuild_status_ = Status::Corruption("the Merkle tree's build expected record " +
                                         std::to_string(appender_.size() + 1) + ", got " +
                                         std::to_string(r.position));
    return;
  }
  appender_.Append(hasher_->Leaf(r.hash), [&](int level, uint64_t index, const Hash& h) {
    if (level >= kLowest)
      rebuilt_.Put(env_.cf, keys::MerkleNodeKey(level, index),
                   rocksdb::Slice(reinterpret_cast<const char*>(h.data()), h.size()));
  });
  if (appender_.size() % kRebuildChunk == 0) rebuild_status_ = FlushRebuilt();
}

Status MerkleTree::FlushRebuilt() {
  rebuilt_.Put(env_.meta_cf, keys::kMerkleSizeKey, keys::PositionKey(appender_.size()));
  rocksdb::WriteOptions wo;
  wo.sync = true;
  Status s = rocks::ToStatus(env_.db->Write(wo, &rebuilt_), "cannot write the Merkle tree");
  rebuilt_.Clear();
  return s;
}

Status MerkleTree::Recovered() {
  if (!rebuilding_) return Status::Ok();
  rebuilding_ = false;
  if (!rebuild_status_.ok()) return rebuild_status_;
  return FlushRebuilt();
}

void MerkleTree::Write(const StagedBatch& b, const BatchPart*, rocksdb::WriteBatch* wb) const {
  if (b.n == 0 || !env_.cf) return;
  if (appender_.size() + 1 != b.first_position) {
    // Cannot happen while the ledger holds its invariants; the tree is left behind (the next
    // writer's open rebuilds it from the records) rather than written wrong.
    spdlog::error("the Merkle tree is at size {} but the batch starts at position {}: not "
                  "written",
                  appender_.size(), b.first_position);
    return;
  }
  const merkle::Appender::Visitor put = [this, wb](int level, uint64_t index, const Hash& h) {
    if (level >= kLowest)
      wb->Put(env_.cf, keys::MerkleNodeKey(level, index),
              rocksdb::Slice(reinterpret_cast<const char*>(h.data()), h.size()));
  };
  for (size_t i = 0; i < b.n; ++i) appender_.Append(hasher_->Leaf(b.hashes[i]), put);
  wb->Put(env_.meta_cf, keys::kMerkleSizeKey, keys::PositionKey(appender_.size()));
}

Status MerkleTree::Root(uint64_t size, Hash* root) const {
  if (!env_.cf) return Status::NotFound("this ledger has no Merkle tree yet (a writer builds it "
                                        "when it next opens the ledger)");
  uint64_t stored = 0;
  if (Status s = StoredSize(&stored); !s.ok()) return s;
  if (size > stored)
    return Status::NotFound("the Merkle tree covers " + std::to_string(stored) +
                            " records, not " + std::to_string(size));
  RocksNodes nodes(env_.db, env_.cf, records_cf_);
  auto r = merkle::RootAt(size, nodes);
  if (!r.ok()) return r.status();
  *root = *r;
  return Status::Ok();
}

namespace {

// Rebuilds the tree from the records and compares every stored node with it, streaming: the
// nodes of one level complete in index order, so one iterator a level walks them.
class MerkleVerifier final : public ParticipantVerifier {
 public:
  explicit MerkleVerifier(const ParticipantEnv& env) : env_(env) {
    if (env_.cf) status_ = ReadStoredSize(env_, &stored_size_, &size_present_);
    visit_ = [this](int level, uint64_t index, const Hash& h) { Check(level, index, h); };
  }

  void OnRecord(const RecordView& r) override {
    position_ = r.position;
    tree_.Append(hasher_.Leaf(r.hash), visit_);
  }

  Status Finish(const Head& head, std::string* problem, uint64_t* position) override {
    if (!status_.ok()) return status_;
    if (!problem_.empty()) {
      *problem = problem_;
      *position = problem_position_;
      return Status::Ok();
    }
    if (!env_.cf) return Status::Ok();  // an older ledger: no tree stored yet
    if (stored_size_ > head.position) {
      *problem = "the Merkle tree covers " + std::to_string(stored_size_) +
                 " records but the head is at position " + std::to_string(head.position);
      return Status::Ok();
    }
    if (head.position > 0 && size_present_ && stored_size_ < head.position)
      spdlog::warn("the Merkle tree covers {} of {} records (a writer builds the rest when it "
                   "opens the ledger)",
                   stored_size_, head.position);
    // Nothing stored beyond what the records imply.
    uint64_t stored = 0;
    std::unique_ptr<rocksdb::Iterator> it(env_.db->NewIterator(rocksdb::ReadOptions(), env_.cf));
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++stored;
    if (!it->status().ok()) return rocks::ToStatus(it->status(), "cannot read the Merkle tree");
    if (stored != compared_)
      *problem = "the Merkle tree holds " + std::to_string(stored) + " nodes, " +
                 std::to_string(compared_) + " expected";
    return Status::Ok();
  }

  void Report(VerifyReport* report) override {
    report->root = tree_.Root();
    report->has_root = true;
  }

 private:
  void Check(int level, uint64_t index, const Hash& h) {
    if (level < kLowest || !env_.cf || !problem_.empty() || !status_.ok()) return;
    if (((index + 1) << level) > stored_size_) return;  // beyond the tree built so far
    if (static_cast<size_t>(level) >= iterators_.size()) iterators_.resize(level + 1);
    auto& it = iterators_[level];
    const std::string key = keys::MerkleNodeKey(level, index);
    if (!it) {
      it.reset(env_.db->NewIterator(rocksdb::ReadOptions(), env_.cf));
      it->Seek(key);
    }
    if (!it->Valid() || it->key() != rocksdb::Slice(key) || it->value().size() != h.size() ||
        std::memcmp(it->value().data(), h.data(), h.size()) != 0) {
      if (!it->status().ok()) {
        status_ = rocks::ToStatus(it->status(), "cannot read the Merkle tree");
        return;
      }
      const bool missing = !it->Valid() || it->key() != rocksdb::Slice(key);
      problem_ = NodeText(level, index) + (missing ? " is missing" : " does not match the records");
      problem_position_ = position_;
      return;
    }
    it->Next();
    ++compared_;
  }

  ParticipantEnv env_;
  Status status_;
  uint64_t stored_size_ = 0;
  bool size_present_ = false;
  merkle::Hasher hasher_;
  merkle::Appender tree_;
  merkle::Appender::Visitor visit_;
  std::vector<std::unique_ptr<rocksdb::Iterator>> iterators_;
  uint64_t compared_ = 0, position_ = 0, problem_position_ = 0;
  std::string problem_;
};

}  // namespace

std::unique_ptr<ParticipantVerifier> MerkleTree::NewVerifier(const ParticipantEnv& env) const {
  return std::make_unique<MerkleVerifier>(env);
}

}  // namespace smeledger::ledger
