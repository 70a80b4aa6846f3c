#include "outbox.h"

#include "keys.h"
#include "record_codec.h"
#include "rocks_util.h"
#include "smeledger/ledger/outcome_json.h"

namespace smeledger::ledger {

namespace {

constexpr uint8_t kEntryVersion = 1;
enum : uint8_t { kAccepted = 0, kDuplicate = 1, kRejected = 2 };

void PutBytes(std::string* out, std::string_view b) {
  keys::PutVarint(out, b.size());
  out->append(b);
}

// One decoded line of an entry. Views point into the entry's value.
struct EntryLine {
  uint64_t token = 0;
  uint64_t line = 0;
  uint8_t kind = kAccepted;
  uint64_t position = 0;  // accepted, duplicate
  bool has_event_id = false;
  std::string_view event_id;
  Rejection rejection{};
};

// Decodes an entry; calls fn(const EntryLine&) for each line. False (with *why) when malformed.
template <typename Fn>
bool DecodeEntry(uint64_t first_token, std::string_view v, uint64_t* last_position, Fn&& fn,
                 std::string* why) {
  size_t at = 0;
  uint64_t version = 0, count = 0;
  auto bad = [&](const char* w) {
    *why = w;
    return false;
  };
  if (!keys::GetVarint(v, &at, &version) || version != kEntryVersion)
    return bad("unknown outbox entry version");
  if (!keys::GetVarint(v, &at, last_position) || !keys::GetVarint(v, &at, &count))
    return bad("truncated outbox entry");
  uint64_t token = first_token;
  auto bytes = [&](std::string_view* out) {
    uint64_t n = 0;
    if (!keys::GetVarint(v, &at, &n) || n > v.size() - at) return false;
    *out = v.substr(at, n);
    at += n;
    return true;
  };
  for (uint64_t i = 0; i < count; ++i) {
    EntryLine l;
    uint64_t delta = 0, kind = 0;
    if (!keys::GetVarint(v, &at, &delta) || !keys::GetVarint(v, &at, &l.line) ||
        !keys::GetVarint(v, &at, &kind) || kind > kRejected)
      return bad("malformed outbox line");
    if ((i > 0 && delta == 0) || token + delta < token) return bad("outbox tokens do not increase");
    token += delta;
    l.token = token;
    l.kind = static_cast<uint8_t>(kind);
    if (l.kind != kRejected) {
      if (!keys::GetVarint(v, &at, &l.position) || l.position == 0 || l.position > *last_position)
        return bad("malformed outbox position");
      l.has_event_id = true;
      if (!bytes(&l.event_id)) return bad("malformed outbox event_id");
    } else {
      uint64_t has = 0, reason = 0;
      std::string_view field, message;
      if (!keys::GetVarint(v, &at, &has) || has > 1) return bad("malformed outbox rejection");
      l.has_event_id = has == 1;
      if (l.has_event_id && !bytes(&l.event_id)) return bad("malformed outbox event_id");
      if (!keys::GetVarint(v, &at, &reason) || reason >= static_cast<uint64_t>(kReasonCount) ||
          !bytes(&field) || !bytes(&message))
        return bad("malformed outbox rejection");
      l.rejection.reason = static_cast<Reason>(reason);
      l.rejection.field.assign(field);
      l.rejection.message.assign(message);
    }
    fn(l);
  }
  if (at != v.size()) return bad("trailing bytes in an outbox entry");
  return true;
}

}  // namespace

const char* Outbox::column_family() const { return keys::kOutboxCf; }

rocksdb::ColumnFamilyOptions Outbox::Options(bool writer) const {
  return rocks::ColumnFamilyOptions(/*point_lookups=*/false);
}

Status Outbox::Open(const ParticipantEnv& env, const Head& head, uint64_t* replay_from) {
  env_ = env;
  *replay_from = head.position + 1;
  return Status::Ok();
}

bool Outbox::Stage(const StagedBatch& b, BatchMoment moment, BatchPart* part) {
  return !b.tokens.empty();
}

void Outbox::Write(const StagedBatch& b, const BatchPart* part, rocksdb::WriteBatch* wb) const {
  if (b.tokens.empty()) return;
  std::string v;
  v.reserve(16 + 32 * b.outcomes.size());
  keys::PutVarint(&v, kEntryVersion);
  keys::PutVarint(&v, b.head.position);
  keys::PutVarint(&v, b.outcomes.size());
  uint64_t prev = b.tokens[0];
  for (size_t i = 0; i < b.outcomes.size(); ++i) {
    const OutcomeRef& r = b.outcomes[i];
    keys::PutVarint(&v, b.tokens[i] - prev);
    prev = b.tokens[i];
    keys::PutVarint(&v, r.line);
    if (r.accepted()) {
      keys::PutVarint(&v, kAccepted);
      keys::PutVarint(&v, r.ref);
      PutBytes(&v, b.event_ids[r.ref - b.first_position]);
      continue;
    }
    const OtherOutcome& o = b.others[r.ref & ~OutcomeRef::kOther];
    if (o.kind == OutcomeKind::kDuplicate) {
      keys::PutVarint(&v, kDuplicate);
      keys::PutVarint(&v, o.position);
      PutBytes(&v, o.event_id);
      continue;
    }
    keys::PutVarint(&v, kRejected);
    keys::PutVarint(&v, o.has_event_id ? 1 : 0);
    if (o.has_event_id) PutBytes(&v, o.event_id);
    keys::PutVarint(&v, static_cast<uint64_t>(o.rejection.reason));
    PutBytes(&v, o.rejection.field);
    PutBytes(&v, o.rejection.message);
  }
  wb->Put(env_.cf, keys::PositionKey(b.tokens[0]), v);
}

Status Outbox::Read(uint64_t after_position, uint64_t from_token, size_t max_records,
                    Ledger::OutboxChunk* out) const {
  *out = Ledger::OutboxChunk{};
  const rocksdb::Snapshot* snap = env_.db->GetSnapshot();
  struct Release {
    rocksdb::DB* db;
    const rocksdb::Snapshot* s;
    ~Release() { db->ReleaseSnapshot(s); }
  } release{env_.db, snap};
  rocksdb::ReadOptions ro;
  ro.snapshot = snap;

  std::string v;
  Head head;
  rocksdb::Status s = env_.db->Get(ro, env_.meta_cf, keys::kHeadKey, &v);
  if (s.IsNotFound()) return Status::Ok();  // an empty ledger
  if (!s.ok()) return rocks::ToStatus(s, "cannot read the ledger head");
  if (!keys::DecodeHead(v, &head)) return Status::Corruption("the ledger head is malformed");
  const uint64_t end = std::min<uint64_t>(head.position, after_position + max_records);

  // Records after_position + 1 .. end.
  out->first_position = after_position + 1;
  if (end > after_position) {
    out->records.reserve(end - after_position);
    rocksdb::ReadOptions rro = ro;
    rro.readahead_size = 2 << 20;
    rro.fill_cache = false;
    const std::string upper = keys::PositionKey(end + 1);
    rocksdb::Slice upper_slice(upper);
    rro.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(env_.db->NewIterator(rro, records_cf_));
    uint64_t expect = after_position + 1;
    for (it->Seek(keys::PositionKey(expect)); it->Valid(); it->Next(), ++expect) {
      if (it->key().size() != 8 || keys::GetU64({it->key().data(), 8}) != expect)
        return Status::Corruption("record " + std::to_string(expect) + " is missing");
      out->records.emplace_back(it->value().data(), it->value().size());
    }
    if (!it->status().ok()) return rocks::ToStatus(it->status(), "cannot read records");
    if (expect != end + 1)
      return Status::Corruption("record " + std::to_string(expect) + " is missing");
  }

  // Outcomes of whole entries whose records are all at or below `end`.
  std::string bytes, why;
  Status failed;
  // An accepted or duplicated line's hash: its record's last 32 bytes.
  auto hash_of = [&](uint64_t position, Hash* h) -> bool {
    if (position >= out->first_position && position <= end)
      return StoredRecordHash(out->records[position - out->first_position], h);
    rocksdb::Status g = env_.db->Get(ro, records_cf_, keys::PositionKey(position), &bytes);
    return g.ok() && StoredRecordHash(bytes, h);
  };
  std::unique_ptr<rocksdb::Iterator> it(env_.db->NewIterator(ro, env_.cf));
  // The entry holding from_token, if one does, starts at or before it.
  it->SeekForPrev(keys::PositionKey(from_token));
  if (!it->Valid()) it->Seek(keys::PositionKey(from_token));
  const size_t max_outcomes = 2 * max_records + 1;
  for (; it->Valid() && out->outcomes.size() < max_outcomes && failed.ok(); it->Next()) {
    if (it->key().size() != 8) return Status::Corruption("malformed outbox key");
    const uint64_t first = keys::GetU64({it->key().data(), 8});
    const std::string_view value(it->value().data(), it->value().size());
    uint64_t last_position = 0;
    // Whether the entry's records are all out yet: a cheap first pass reads only its header.
    {
      size_t at = 0;
      uint64_t version = 0;
      if (!keys::GetVarint(value, &at, &version) || !keys::GetVarint(value, &at, &last_position))
        return Status::Corruption("malformed outbox entry at token " + std::to_string(first));
      if (last_position > end) break;
    }
    const bool ok = DecodeEntry(
        first, value, &last_position,
        [&](const EntryLine& l) {
          if (l.token < from_token || !failed.ok()) return;
          LineOutcome o;
          o.line = l.line;
          if (l.kind == kRejected) {
            o.kind = OutcomeKind::kRejected;
            o.has_event_id = l.has_event_id;
            o.event_id = l.event_id;
            o.rejection = &l.rejection;
          } else {
            if (!hash_of(l.position, &o.hash)) {
              failed = Status::Corruption("outbox names record " + std::to_string(l.position) +
                                          ", which cannot be read");
              return;
            }
            o.kind = l.kind == kAccepted ? OutcomeKind::kAccepted : OutcomeKind::kDuplicate;
            o.has_event_id = true;
            o.event_id = l.event_id;
            o.position = l.position;
          }
          Ledger::OutboxChunk::Outcome& oc = out->outcomes.emplace_back();
          oc.token = l.token;
          AppendOutcomeJsonWithOffset(o, l.token, &oc.json);
        },
        &why);
    if (!ok) return Status::Corruption(why + " (outbox entry at token " + std::to_string(first) + ")");
  }
  if (!failed.ok()) return failed;
  return rocks::ToStatus(it->status(), "cannot read the outbox");
}

Status Outbox::Prune(uint64_t below_token) {
  if (!env_.cf) return Status::Ok();
  std::unique_ptr<rocksdb::Iterator> it(env_.db->NewIterator(rocksdb::ReadOptions(), env_.cf));
  std::string why, end_key;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const uint64_t first = keys::GetU64({it->key().data(), 8});
    uint64_t last_position = 0, last_token = first;
    if (!DecodeEntry(first, {it->value().data(), it->value().size()}, &last_position,
                     [&](const EntryLine& l) { last_token = l.token; }, &why))
      return Status::Corruption(why + " (outbox entry at token " + std::to_string(first) + ")");
    if (last_token >= below_token) break;
    end_key = keys::PositionKey(first + 1);  // past this entry's key
  }
  if (!it->status().ok()) return rocks::ToStatus(it->status(), "cannot read the outbox");
  if (end_key.empty()) return Status::Ok();
  rocksdb::WriteOptions wo;
  return rocks::ToStatus(env_.db->DeleteRange(wo, env_.cf, keys::PositionKey(0), end_key),
                         "cannot prune the outbox");
}

namespace {

// Every entry decodes, tokens increase across entries, and what they name lies at or below the
// head. (Which lines were accepted is the records' to say; a pruned entry is gone by design.)
class OutboxVerifier final : public ParticipantVerifier {
 public:
  explicit OutboxVerifier(const ParticipantEnv& env) : env_(env) {}
  void OnRecord(const RecordView&) override {}
  Status Finish(const Head& head, std::string* problem, uint64_t* position) override {
    if (!env_.cf) return Status::Ok();  // a ledger older than the outbox
    std::unique_ptr<rocksdb::Iterator> it(env_.db->NewIterator(rocksdb::ReadOptions(), env_.cf));
    uint64_t next_token = 0;
    bool any = false;
    std::string why;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (it->key().size() != 8) {
        *problem = "malformed outbox key";
        return Status::Ok();
      }
      const uint64_t first = keys::GetU64({it->key().data(), 8});
      uint64_t last_position = 0, last_token = first;
      if (any && first < next_token) why = "outbox entries overlap";
      if (why.empty() &&
          !DecodeEntry(first, {it->value().data(), it->value().size()}, &last_position,
                       [&](const EntryLine& l) { last_token = l.token; }, &why)) {
      } else if (why.empty() && last_position > head.position) {
        why = "outbox entry names position " + std::to_string(last_position) +
              ", past the head";
      }
      if (!why.empty()) {
        *problem = why + " (outbox entry at token " + std::to_string(first) + ")";
        return Status::Ok();
      }
      next_token = last_token + 1;
      any = true;
    }
    return rocks::ToStatus(it->status(), "cannot read the outbox");
  }

 private:
  ParticipantEnv env_;
};

}  // namespace

std::unique_ptr<ParticipantVerifier> Outbox::NewVerifier(const ParticipantEnv& env) const {
  return std::make_unique<OutboxVerifier>(env);
}

}  // namespace smeledger::ledger
