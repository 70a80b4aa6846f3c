// Verify: recompute everything the ledger claims from the records alone.
//
// Index checks are set comparisons done in O(1) memory: for each index, the multiset of entries
// the records imply and the multiset actually stored are summed under two independent 64-bit
// hashes and counted; any added, dropped or altered entry changes the sums.
#include <rocksdb/iterator.h>

#include <cstring>

#include "keys.h"
#include "ledger_impl.h"
#include "rocks_util.h"

namespace smeledger::ledger {

namespace {

std::string_view Sv(capnp::Text::Reader t) { return {t.begin(), t.size()}; }

}  // namespace

Status LedgerImpl::Verify(VerifyReport* report, const VerifyProgress& progress) const {
  *report = VerifyReport{};
  const uint64_t total = head_.position;
  Sha256 sha;
  RecordDecoder dec;
  LineParser parser;
  LedgerState state;
  Hash prev{};
  uint64_t expect = 1;
  int64_t last_recorded = 0;
  rocks::MultisetDigest want_ids;
  std::string why, json;
  auto fail = [&](uint64_t pos, std::string problem) {
    report->ok = false;
    report->position = pos;
    report->problem = std::move(problem);
    return false;
  };
  // Event ids of earlier positions, read back from the records (rare: duplicates, retractions).
  EventLoader loader = [this](uint64_t p, std::string* id) {
    std::string bytes;
    RecordDecoder d;
    if (!ReadRecord(p, &bytes).ok() || !d.Decode(bytes)) return false;
    auto e = d.record().getEvent().getEventId();
    id->assign(e.begin(), e.size());
    return true;
  };
  // What participants' verifiers may ask of earlier records: verify's own state, stored bytes.
  const std::function<uint64_t(std::string_view)> find_event = [&](std::string_view t) {
    return state.FindEvent(t, loader);
  };
  const std::function<bool(uint64_t, std::string*)> load = [this](uint64_t p, std::string* b) {
    return ReadRecord(p, b).ok();
  };
  std::vector<std::unique_ptr<ParticipantVerifier>> verifiers;
  for (size_t k = 0; k < participants_.size(); ++k)
    verifiers.push_back(participants_[k]->NewVerifier(EnvFor(k)));

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
    RecordView view;
    view.position = pos;
    view.event = ev;
    view.hash = HashFromData(rec.getHash());
    view.find_event = &find_event;
    view.load = &load;
    for (auto& v : verifiers) v->OnRecord(view);
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
  // Indexes: event_ids here, the participants' column families by their verifiers.
  rocks::MultisetDigest got_ids;
  {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), event_ids_cf_));
    for (it->SeekToFirst(); it->Valid(); it->Next())
      got_ids.Add(std::string_view(it->key().data(), it->key().size()),
                  std::string_view(it->value().data(), it->value().size()), &sha);
    if (!it->status().ok()) return rocks::ToStatus(it->status(), "cannot read the event_id index");
  }
  if (!(got_ids == want_ids)) {
    report->ok = false;
    report->problem = "the event_id index does not match the records (" +
                      std::to_string(got_ids.count) + " entries, " +
                      std::to_string(want_ids.count) + " expected)";
    return Status::Ok();
  }
  const Head at{expect - 1, prev, last_recorded};
  for (auto& v : verifiers) {
    std::string problem;
    uint64_t position = 0;
    if (Status s = v->Finish(at, &problem, &position); !s.ok()) return s;
    if (!problem.empty()) {
      report->ok = false;
      report->position = position;
      report->problem = problem;
      return Status::Ok();
    }
  }
  report->position = expect - 1;
  report->hash = prev;
  for (auto& v : verifiers) v->Report(report);
  return Status::Ok();
}

}  // namespace smeledger::ledger
