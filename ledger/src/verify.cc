// Verify: recompute everything the ledger claims from the records alone.
//
// Index checks are set comparisons done in O(1) memory: for each index, the multiset of entries
// the records imply and the multiset actually stored are summed under two independent 64-bit
// hashes and counted; any added, dropped or altered entry changes the sums.
#include <rocksdb/iterator.h>

#include <cstring>

#include "keys.h"
#include "ledger_impl.h"
#include "subjects.h"

namespace smeledger::ledger {

namespace {

struct MultisetDigest {
  uint64_t count = 0, h1 = 0, h2 = 0;
  void Add(std::string_view k, std::string_view v, Sha256* sha) {
    std::string buf(k);
    buf.push_back('\0');
    buf.append(v);
    const Hash d = sha->Digest(buf.data(), buf.size());
    uint64_t a, b;
    std::memcpy(&a, d.data(), 8);
    std::memcpy(&b, d.data() + 8, 8);
    h1 += a;
    h2 ^= b * 0x9E3779B97F4A7C15ull + (b >> 7);
    ++count;
  }
  bool operator==(const MultisetDigest& o) const {
    return count == o.count && h1 == o.h1 && h2 == o.h2;
  }
};

std::string_view Sv(capnp::Text::Reader t) { return {t.begin(), t.size()}; }

}  // namespace

Status LedgerImpl::Verify(VerifyReport* report, const VerifyProgress& progress) const {
  *report = VerifyReport{};
  const uint64_t total = head_.position;
  Sha256 sha;
  RecordDecoder dec, target_dec;
  LineParser parser;
  LedgerState state;
  Hash prev{};
  uint64_t expect = 1;
  int64_t last_recorded = 0;
  MultisetDigest want_ids, want_subjects;
  std::vector<std::string_view> subjects;
  std::string why, json, scratch;
  auto fail = [&](uint64_t pos, std::string problem) {
    report->ok = false;
    report->position = pos;
    report->problem = std::move(problem);
    return false;
  };
  // Event ids of earlier positions, read back from the records (rare: duplicates, retractions).
  auto loader = [this](uint64_t p, std::string* id) {
    std::string bytes;
    RecordDecoder d;
    if (!ReadRecord(p, &bytes).ok() || !d.Decode(bytes)) return false;
    auto e = d.record().getEvent().getEventId();
    id->assign(e.begin(), e.size());
    return true;
  };

  Status st = ScanRecords(1, 0, [&](uint64_t pos, std::string_view bytes) {
    if (pos != expect)
      return fail(expect, pos > expect ? "record " + std::to_string(expect) + " is missing"
                                       : "record key out of order");
    if (!dec.Decode(bytes, &why)) return fail(pos, why);
    auto rec = dec.record();
    if (rec.getPosition() != pos)
      return fail(pos, "record says position " + std::to_string(rec.getPosition()));
    if (std::string p = CheckRecordBytes(bytes, rec, prev, &sha, dec.message()); !p.empty()) return fail(pos, p);
    if (rec.getRecordedAtUs() < last_recorded)
      return fail(pos, "recorded_at goes back in time");
    auto ev = rec.getEvent();
    // The stored event must be exactly what the parser makes of its own JSON: no field, derived
    // value or enum can have been altered without this failing.
    json.clear();
    AppendEventJsonAsWritten(ev, &json);  // numbers as written, so "4.50" stays "4.50"
    if (auto r = parser.Parse(json))
      return fail(pos, "stored event is not valid JSON of the contract: " + r->message);
    capnp::MallocMessageBuilder mb(128);
    auto rebuilt = mb.initRoot<schema::Event>();
    if (auto r = parser.BuildEvent(rebuilt))
      return fail(pos, "stored event breaks the contract: " + r->message);
    const auto a = capnp::canonicalize(rebuilt.asReader()), b = capnp::canonicalize(ev);
    if (a.size() != b.size() || std::memcmp(a.begin(), b.begin(), a.size() * 8) != 0)
      return fail(pos, "stored event differs from its own JSON (a derived value was altered)");
    // It must have been acceptable where it stands.
    const std::string_view id = Sv(ev.getEventId());
    if (state.FindEvent(id, loader) != 0) return fail(pos, "event_id repeated: " + std::string(id));
    if (auto r = state.Check(ev, pos - 1, loader))
      return fail(pos, "record would be rejected here: " + std::string(ReasonCode(r->reason)) +
                           " (" + r->message + ")");
    // Index entries it implies.
    want_ids.Add(id, keys::PositionKey(pos), &sha);
    if (pos <= subjects_through_) {  // the index covers positions up to its watermark
      IndexSubjects(
          ev, [&](std::string_view t) { return state.FindEvent(t, loader); }, &subjects,
          &scratch, &target_dec);
      for (std::string_view s : subjects) want_subjects.Add(keys::SubjectKey(s, pos), "", &sha);
    }
    state.Apply(pos, ev, loader);
    prev = HashFromData(rec.getHash());
    last_recorded = rec.getRecordedAtUs();
    ++expect;
    if (progress && (pos & 0xFFFF) == 0) progress(pos, total);
    return true;
  });
  if (!st.ok()) return st;
  report->records = expect - 1;
  if (!report->ok) return Status::Ok();
  if (progress) progress(expect - 1, total);

  // Head.
  if (head_.position != expect - 1 || head_.hash != prev) {
    report->ok = false;
    report->position = expect - 1;
    report->problem = "the stored head (position " + std::to_string(head_.position) + ", hash " +
                      HexOf(head_.hash) + ") does not match the last record";
    return Status::Ok();
  }
  // Indexes.
  auto scan = [&](rocksdb::ColumnFamilyHandle* cf, MultisetDigest* got) -> Status {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf));
    for (it->SeekToFirst(); it->Valid(); it->Next())
      got->Add(std::string_view(it->key().data(), it->key().size()),
               std::string_view(it->value().data(), it->value().size()), &sha);
    return it->status().ok() ? Status::Ok() : Status::Io(it->status().ToString());
  };
  MultisetDigest got_ids, got_subjects;
  if (Status s = scan(event_ids_cf_, &got_ids); !s.ok()) return s;
  {  // subjects: one entry per subject per flush, holding a list of positions
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), subjects_cf_));
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
              got_subjects.Add(keys::SubjectKey(k.substr(0, z), p), "", &sha);
            });
      if (!ok || last > subjects_through_) {
        report->ok = false;
        report->problem = ok ? "subjects index entry past the index's watermark (position " +
                                   std::to_string(last) + ")"
                             : "malformed subjects index entry";
        return Status::Ok();
      }
    }
    if (!it->status().ok()) return Status::Io(it->status().ToString());
  }
  if (!(got_ids == want_ids)) {
    report->ok = false;
    report->problem = "the event_id index does not match the records (" +
                      std::to_string(got_ids.count) + " entries, " +
                      std::to_string(want_ids.count) + " expected)";
    return Status::Ok();
  }
  if (!(got_subjects == want_subjects)) {
    report->ok = false;
    report->problem = "the subjects index does not match the records (" +
                      std::to_string(got_subjects.count) + " entries, " +
                      std::to_string(want_subjects.count) + " expected)";
    return Status::Ok();
  }
  report->position = expect - 1;
  report->hash = prev;
  return Status::Ok();
}

}  // namespace smeledger::ledger
