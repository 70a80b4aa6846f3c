// verify: any changed byte of any stored record, and any index damage, is reported with its
// position; readers work beside a writer.
#include <rocksdb/db.h>

#include <catch2/catch.hpp>

#include "keys.h"
#include "ledger_fixture.h"

using namespace smeledger;
using namespace smeledger::testing;

namespace {

std::string Province(int n) {
  std::string s = E("a0", "institution.admitted", "province",
                    R"("institution":"inst:HF-1","city":"city:340100","name":"n")");
  for (int i = 1; i < n; ++i)
    s += E("s" + std::to_string(i), "service.delivered", "inst:HF-1",
           R"("provider":"inst:HF-1","enterprise":"ent:E)" + std::to_string(i) +
               R"(","date":"2019-07-02")");
  return s;
}

// Raw access to the ledger's RocksDB, as an attacker or a failing disk would have.
struct RawDb {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs;
  // cfs[0..3]: default, records, event_ids, subjects; then every other column family.
  explicit RawDb(const std::string& path) {
    std::vector<rocksdb::ColumnFamilyDescriptor> d = {
        {rocksdb::kDefaultColumnFamilyName, {}},
        {"records", {}},
        {"event_ids", {}},
        {"subjects", {}}};
    std::vector<std::string> names;
    REQUIRE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
    for (const std::string& n : names)
      if (n != rocksdb::kDefaultColumnFamilyName && n != "records" && n != "event_ids" &&
          n != "subjects")
        d.push_back({n, {}});
    rocksdb::DB* raw;
    REQUIRE(rocksdb::DB::Open(rocksdb::DBOptions(), path, d, &cfs, &raw).ok());
    db.reset(raw);
  }
  ~RawDb() {
    for (auto* c : cfs) db->DestroyColumnFamilyHandle(c).PermitUncheckedError();
  }
};

ledger::VerifyReport VerifyAt(const std::string& path) {
  auto l = OpenAt(path, nullptr, /*read_only=*/true);
  ledger::VerifyReport r;
  REQUIRE(l->Verify(&r, nullptr).ok());
  return r;
}

// verify finds a problem and names it.
void CheckVerifyFails(const std::string& path, const std::string& what) {
  auto r = VerifyAt(path);
  CHECK_FALSE(r.ok);
  CHECK(r.problem.find(what) != std::string::npos);
}

}  // namespace

TEST_CASE("verify passes on an intact ledger and reports the head", "[verify]") {
  TempDir dir;
  FakeClock clock;
  ledger::Hash head_hash;
  {
    auto l = OpenAt(dir.path(), &clock, false, /*batch=*/7);
    SubmitText(*l, Province(50));
    head_hash = l->head().hash;
  }
  auto r = VerifyAt(dir.path());
  CHECK(r.ok);
  CHECK(r.position == 50);
  CHECK(r.hash == head_hash);
}

TEST_CASE("verify accepts numbers exactly as they were written", "[verify]") {
  TempDir dir;
  FakeClock clock;
  {
    auto l = OpenAt(dir.path(), &clock);
    std::string text = Province(2);
    int i = 0;
    for (const char* score : {"4.50", "-0", "-0.0", "45e-1", "1E1", "1e-400"})
      text += E("sc" + std::to_string(i++), "assessment.scored", "dept",
                std::string(R"("subject":"inst:HF-1","year":2019,"item":"service_norms","score":)") +
                    score);
    for (const Out& o : SubmitText(*l, text)) REQUIRE(o.accepted());
  }
  auto r = VerifyAt(dir.path());
  INFO(r.problem);
  CHECK(r.ok);
  CHECK(r.position == 8);
}

TEST_CASE("verify finds a flipped byte in any record, at its position", "[verify][tamper]") {
  TempDir dir;
  FakeClock clock;
  {
    auto l = OpenAt(dir.path(), &clock);
    SubmitText(*l, Province(40));
  }
  std::string original;
  {
    RawDb raw(dir.path());
    REQUIRE(raw.db->Get({}, raw.cfs[1], ledger::keys::PositionKey(23), &original).ok());
  }
  // Every byte position of record 23, flipped one at a time (sampled to keep it quick).
  for (size_t i = 0; i < original.size(); i += (i < 64 ? 1 : 5)) {
    std::string bad = original;
    bad[i] ^= 0x01;
    {
      RawDb raw(dir.path());
      REQUIRE(raw.db->Put({}, raw.cfs[1], ledger::keys::PositionKey(23), bad).ok());
    }
    auto r = VerifyAt(dir.path());
    INFO("flipped byte " << i);
    CHECK_FALSE(r.ok);
    CHECK(r.position == 23);
  }
  {
    RawDb raw(dir.path());
    REQUIRE(raw.db->Put({}, raw.cfs[1], ledger::keys::PositionKey(23), original).ok());
  }
  CHECK(VerifyAt(dir.path()).ok);
}

TEST_CASE("verify finds dropped records and damaged indexes", "[verify][tamper]") {
  TempDir dir;
  FakeClock clock;
  {
    auto l = OpenAt(dir.path(), &clock);
    SubmitText(*l, Province(30));
  }
  SECTION("a record deleted") {
    {
      RawDb raw(dir.path());
      REQUIRE(raw.db->Delete({}, raw.cfs[1], ledger::keys::PositionKey(12)).ok());
    }
    auto r = VerifyAt(dir.path());
    CHECK_FALSE(r.ok);
    CHECK(r.position == 12);
  }
  SECTION("the last record deleted: the head no longer matches") {
    {
      RawDb raw(dir.path());
      REQUIRE(raw.db->Delete({}, raw.cfs[1], ledger::keys::PositionKey(30)).ok());
    }
    CheckVerifyFails(dir.path(), "head");
  }
  SECTION("an event_id index entry pointing elsewhere") {
    {
      RawDb raw(dir.path());
      REQUIRE(raw.db->Put({}, raw.cfs[2], "s5", ledger::keys::PositionKey(9)).ok());  // s5 is at 6
    }
    CheckVerifyFails(dir.path(), "event_id index");
  }
  SECTION("a subjects index entry added") {
    {
      RawDb raw(dir.path());
      REQUIRE(raw.db->Put({}, raw.cfs[3], ledger::keys::SubjectKey("ent:E99", 4), "").ok());
    }
    CheckVerifyFails(dir.path(), "subjects index");
  }
  SECTION("a subjects index entry loses a position") {
    {
      RawDb raw(dir.path());
      std::string v;
      REQUIRE(raw.db->Get({}, raw.cfs[3], ledger::keys::SubjectKey("inst:HF-1", 1), &v).ok());
      REQUIRE(v.size() > 2);
      v.pop_back();
      REQUIRE(raw.db->Put({}, raw.cfs[3], ledger::keys::SubjectKey("inst:HF-1", 1), v).ok());
    }
    CheckVerifyFails(dir.path(), "subjects index");
  }
}

TEST_CASE("readers open beside a writer and catch up", "[verify][readers]") {
  TempDir dir;
  FakeClock clock;
  auto writer = OpenAt(dir.path(), &clock);
  SubmitText(*writer, Province(10));
  auto reader = OpenAt(dir.path(), nullptr, /*read_only=*/true);
  CHECK(reader->head().position == 10);
  SubmitText(*writer, E("late", "collaboration.recorded", "province",
                        R"("provider":"inst:HF-1","kind":"matchmaking")"));
  REQUIRE(reader->Refresh().ok());
  CHECK(reader->head().position == 11);
  std::vector<uint64_t> positions;
  REQUIRE(reader->SubjectPositions("ent:E3", &positions).ok());
  CHECK(positions == std::vector<uint64_t>{4});
  uint64_t pos = 0;
  REQUIRE(reader->FindEvent("late", &pos).ok());
  CHECK(pos == 11);
  // The writer answers the same from its in-memory table, durable or not, and misses cleanly.
  pos = 0;
  REQUIRE(writer->FindEvent("late", &pos).ok());
  CHECK(pos == 11);
  uint64_t none = 0;
  CHECK(writer->FindEvent("no-such-event", &none).code() == Status::Code::kNotFound);
  CHECK(reader->FindEvent("no-such-event", &none).code() == Status::Code::kNotFound);
  ledger::VerifyReport r;
  REQUIRE(reader->Verify(&r, nullptr).ok());
  CHECK(r.ok);
  // A second writer is refused with a clear reason, told by its code (not its message).
  ledger::LedgerOptions o;
  std::unique_ptr<ledger::Ledger> second;
  Status s = ledger::Ledger::Open(o, dir.path(), &second);
  CHECK(s.code() == Status::Code::kLocked);
  CHECK(s.message().find("open for writing in another process") != std::string::npos);
}

TEST_CASE("a clock at the epoch records 1 µs past it, and verify accepts the records",
          "[verify]") {
  TempDir dir;
  FakeClock clock;
  clock.now = 0;  // recorded_at 0 would truncate a data word in canonical form
  {
    auto l = OpenAt(dir.path(), &clock);
    for (const Out& o : SubmitText(*l, Province(5))) REQUIRE(o.accepted());
    CHECK(l->head().recorded_at_us == 1);
    clock.now = 5;
    for (const Out& o : SubmitText(*l, E("late", "collaboration.recorded", "province",
                                         R"("provider":"inst:HF-1","kind":"matchmaking")")))
      REQUIRE(o.accepted());
  }
  auto r = VerifyAt(dir.path());
  INFO(r.problem);
  CHECK(r.ok);
  CHECK(r.position == 6);
}

TEST_CASE("the subjects index catches up after a crash between two of its flushes",
          "[verify][subjects]") {
  TempDir dir;
  FakeClock clock;
  {
    auto l = OpenAt(dir.path(), &clock, false, /*batch=*/4);
    SubmitText(*l, Province(20));
    // A second Submit, with a retraction: indexed under its actor and its target's subjects.
    SubmitText(*l, E("r1", "event.retracted", "inst:HF-1", R"("target":"s3","reason":"typo")") +
                       E("late", "collaboration.recorded", "province",
                         R"("provider":"inst:HF-1","kind":"matchmaking")"));
    REQUIRE(l->head().position == 22);
  }
  const std::vector<uint64_t> hf1_all = [] {
    std::vector<uint64_t> v;
    for (uint64_t p = 1; p <= 22; ++p) v.push_back(p);
    return v;
  }();
  // What a crash after the second Submit's records but before its index flush leaves behind:
  // the index and its watermark as they were after the first Submit.
  {
    RawDb raw(dir.path());
    std::unique_ptr<rocksdb::Iterator> it(raw.db->NewIterator({}, raw.cfs[3]));
    std::vector<std::string> late_keys;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const std::string k = it->key().ToString();
      if (ledger::keys::GetU64(k.substr(k.size() - 8)) > 20) late_keys.push_back(k);
    }
    REQUIRE(late_keys.size() == 3);  // inst:HF-1, ent:E3 (the retraction's target), province
    for (const auto& k : late_keys) REQUIRE(raw.db->Delete({}, raw.cfs[3], k).ok());
    REQUIRE(raw.db->Put({}, raw.cfs[0], ledger::keys::kSubjectsThroughKey,
                        ledger::keys::PositionKey(20))
                .ok());
  }
  auto positions = [&](ledger::Ledger& l, const std::string& subject) {
    std::vector<uint64_t> v;
    REQUIRE(l.SubjectPositions(subject, &v).ok());
    return v;
  };
  {  // A reader answers from the index and the records past its watermark; verify agrees.
    auto reader = OpenAt(dir.path(), nullptr, /*read_only=*/true);
    CHECK(positions(*reader, "inst:HF-1") == hf1_all);
    CHECK(positions(*reader, "ent:E3") == std::vector<uint64_t>{4, 21});
    CHECK(positions(*reader, "province") == std::vector<uint64_t>{1, 22});
    ledger::VerifyReport r;
    REQUIRE(reader->Verify(&r, nullptr).ok());
    CHECK(r.ok);
  }
  {  // The next writer brings the index up to the head when it opens.
    auto writer = OpenAt(dir.path(), &clock);
    CHECK(positions(*writer, "ent:E3") == std::vector<uint64_t>{4, 21});
  }
  {
    RawDb raw(dir.path());
    std::string v;
    REQUIRE(raw.db->Get({}, raw.cfs[0], ledger::keys::kSubjectsThroughKey, &v).ok());
    CHECK(ledger::keys::GetU64(v) == 22);
    REQUIRE(raw.db->Get({}, raw.cfs[3], ledger::keys::SubjectKey("ent:E3", 21), &v).ok());
  }
  auto reader = OpenAt(dir.path(), nullptr, /*read_only=*/true);
  CHECK(positions(*reader, "inst:HF-1") == hf1_all);
  CHECK(positions(*reader, "province") == std::vector<uint64_t>{1, 22});
  CHECK(VerifyAt(dir.path()).ok);
  SECTION("an entry past the watermark is reported") {
    reader.reset();
    {
      RawDb raw(dir.path());
      REQUIRE(raw.db->Put({}, raw.cfs[0], ledger::keys::kSubjectsThroughKey,
                          ledger::keys::PositionKey(21))
                  .ok());
    }
    CheckVerifyFails(dir.path(), "watermark");
  }
}

TEST_CASE("a subjects index flush is atomic with the batch that carries it", "[subjects]") {
  // Postings wait in memory between flushes; within a Submit of many batches they reach the
  // index with its last batch, and the watermark always equals the head after a Submit.
  TempDir dir;
  FakeClock clock;
  auto l = OpenAt(dir.path(), &clock, false, /*batch=*/3);
  SubmitText(*l, Province(10));
  std::vector<uint64_t> v;
  REQUIRE(l->SubjectPositions("ent:E7", &v).ok());
  CHECK(v == std::vector<uint64_t>{8});
  l.reset();
  RawDb raw(dir.path());
  std::string w;
  REQUIRE(raw.db->Get({}, raw.cfs[0], ledger::keys::kSubjectsThroughKey, &w).ok());
  CHECK(ledger::keys::GetU64(w) == 10);
  // One entry per subject for the whole Submit, not one per batch.
  REQUIRE(raw.db->Get({}, raw.cfs[3], ledger::keys::SubjectKey("inst:HF-1", 1), &w).ok());
  CHECK(w == std::string(9, '\x01'));
}
