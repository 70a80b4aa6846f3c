#include "source_offsets.h"

#include "keys.h"
#include "rocks_util.h"

namespace smeledger::ledger {

const char* SourceOffsets::column_family() const { return keys::kOffsetsCf; }

rocksdb::ColumnFamilyOptions SourceOffsets::Options(bool writer) const {
  return rocks::ColumnFamilyOptions(/*point_lookups=*/true);
}

Status SourceOffsets::Open(const ParticipantEnv& env, const Head& head, uint64_t* replay_from) {
  env_ = env;
  *replay_from = head.position + 1;
  return Status::Ok();
}

bool SourceOffsets::Stage(const StagedBatch& b, BatchMoment moment, BatchPart* part) {
  return b.has_source();
}

void SourceOffsets::Write(const StagedBatch& b, const BatchPart* part,
                          rocksdb::WriteBatch* wb) const {
  if (b.has_source()) wb->Put(env_.cf, b.source_name, keys::PositionKey(b.source_next));
}

Status SourceOffsets::Get(std::string_view name, uint64_t* next_token) const {
  if (!env_.cf) return Status::NotFound("no position stored for " + std::string(name));
  std::string v;
  rocksdb::Status s =
      env_.db->Get(rocksdb::ReadOptions(), env_.cf, rocksdb::Slice(name.data(), name.size()), &v);
  if (s.IsNotFound()) return Status::NotFound("no position stored for " + std::string(name));
  if (!s.ok()) return rocks::ToStatus(s, "cannot read the source offsets");
  if (v.size() != 8)
    return Status::Corruption("the stored position of " + std::string(name) + " is malformed");
  *next_token = keys::GetU64(v);
  return Status::Ok();
}

namespace {

// Each entry: a name of 1–200 bytes and an 8-byte token. (What a token means is the source's;
// nothing in the records says which offset made them.)
class OffsetsVerifier final : public ParticipantVerifier {
 public:
  explicit OffsetsVerifier(const ParticipantEnv& env) : env_(env) {}
  void OnRecord(const RecordView&) override {}
  Status Finish(const Head&, std::string* problem, uint64_t*) override {
    if (!env_.cf) return Status::Ok();  // a ledger older than the column family
    std::unique_ptr<rocksdb::Iterator> it(env_.db->NewIterator(rocksdb::ReadOptions(), env_.cf));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (it->key().size() == 0 || it->key().size() > 200 || it->value().size() != 8) {
        *problem = "malformed source offset entry \"" + it->key().ToString() + "\"";
        return Status::Ok();
      }
    }
    return rocks::ToStatus(it->status(), "cannot read the source offsets");
  }

 private:
  ParticipantEnv env_;
};

}  // namespace

std::unique_ptr<ParticipantVerifier> SourceOffsets::NewVerifier(const ParticipantEnv& env) const {
  return std::make_unique<OffsetsVerifier>(env);
}

}  // namespace smeledger::ledger
