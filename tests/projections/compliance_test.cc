// Data-upload items around deadline days, UTC stamps whose CST date differs, activities
// published after they started, pending vs missing as of different positions, and the
// upload_time_source rule.
#include <catch2/catch.hpp>

#include "projection_fixture.h"

using namespace smeledger;
using namespace smeledger::testing;
using projections::ItemStatus;

namespace {

const std::string kSha = R"("sha256":"9f2c0e5a3b1d4c6e8f7a9b0c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6","bytes":1)";

std::string Offline(const std::string& eid, const std::string& id, const std::string& published,
                    const std::string& starts, const std::string& ends) {
  return Ev(eid, "activity.published", "inst:A", published,
            R"("activity":")" + id + R"(","owner":"inst:A","mode":"offline","title":"T","starts_at":")" +
                starts + R"(","ends_at":")" + ends + "\"");
}

std::string Up(const std::string& eid, const std::string& at, const std::string& kind,
               const std::string& act) {
  return Ev(eid, "report.uploaded", "inst:A", at,
            R"("provider":"inst:A","kind":")" + kind + R"(","activity":")" + act + R"(",)" + kSha);
}

const projections::UploadItem& Item(const std::vector<projections::UploadItem>& v,
                                    const std::string& item) {
  for (const auto& i : v)
    if (i.item == item) return i;
  FAIL("no item " << item);
  return v[0];
}

}  // namespace

TEST_CASE("data-upload items around deadlines and as-of positions", "[projections][compliance]") {
  ProjWorld w;
  w.RecordAt(1'564'617'600);  // 2019-08-01T00:00:00Z = 08:00 CST
  w.Submit(Admit("adm", "inst:A", "2019-07-01T10:00:00+08:00") +
           // Y: published 2019-08-02, a day after it started (Thu 2019-08-01); deadline: 5th
           // working day after 08-01 = 2019-08-08.
           Offline("py", "Y", "2019-08-02T10:00:00+08:00", "2019-08-01T09:00:00+08:00",
                   "2019-08-01T17:00:00+08:00") +
           Up("y1", "2019-08-02T10:00:00+08:00", "attendee_list", "Y") +
           Up("y2", "2019-08-02T10:00:00+08:00", "photos", "Y") +
           Up("y3", "2019-08-02T10:00:00+08:00", "summary", "Y") +
           // Z: ends Thu 2019-08-15; deadline 2019-08-22; nothing uploaded.
           Offline("pz", "Z", "2019-08-10T10:00:00+08:00", "2019-08-15T09:00:00+08:00",
                   "2019-08-15T17:00:00+08:00") +
           // X: ends Fri 2019-09-27. Working days after: Sun 09-29 (make-up day), Mon 09-30,
           // then National Day until 10-07, Tue 10-08, Wed 10-09, Thu 10-10: deadline 2019-10-10.
           Offline("px", "X", "2019-09-01T10:00:00+08:00", "2019-09-27T09:00:00+08:00",
                   "2019-09-27T17:00:00+08:00"));
  const uint64_t p_a = w.head();
  w.RecordAt(1'566'486'000);  // 2019-08-22T15:00:00Z = 23:00 CST on the deadline day of Z
  w.Submit(Ev("c1", "collaboration.recorded", "province", "2019-08-22T10:00:00+08:00",
              R"("provider":"inst:A","kind":"matchmaking")"));
  const uint64_t p_b = w.head();
  w.RecordAt(1'566'491'400);  // 2019-08-22T16:30:00Z = 2019-08-23 00:30 CST
  w.Submit(Ev("c2", "collaboration.recorded", "province", "2019-08-22T10:00:00+08:00",
              R"("provider":"inst:A","kind":"matchmaking")"));
  const uint64_t p_c = w.head();
  w.RecordAt(1'575'158'400);  // 2019-12-01
  w.Submit(Up("x1", "2019-10-10T15:59:59Z", "attendee_list", "X") +  // 10-10 23:59:59 CST
           Up("x2", "2019-10-10T16:00:00Z", "photos", "X") +         // 10-11 00:00 CST: late
           Up("x3", "2019-10-01T10:00:00+08:00", "summary", "X") +
           Ev("m8", "report.uploaded", "inst:A", "2019-09-05T10:00:00+08:00",
              R"("provider":"inst:A","kind":"monthly","period":"2019-08",)" + kSha));

  {
    auto v = w.Items("2019-Q3", p_a, "inst:A");
    CHECK(Item(v, "activity:Y").status == ItemStatus::kPending);  // as of 08-01, deadline 08-08
    CHECK(FormatDate(Item(v, "activity:Y").deadline) == "2019-08-08");
    CHECK(FormatDate(Item(v, "activity:Z").deadline) == "2019-08-22");
    CHECK(FormatDate(Item(v, "activity:X").deadline) == "2019-10-10");
  }
  {
    auto v = w.Items("2019-Q3", p_b, "inst:A");
    CHECK(Item(v, "activity:Y").status == ItemStatus::kLate);      // published after its start
    CHECK(Item(v, "activity:Z").status == ItemStatus::kPending);   // as of the deadline day
    CHECK(Item(v, "monthly:2019-07").status == ItemStatus::kMissing);  // deadline 08-10
  }
  {
    auto v = w.Items("2019-Q3", p_c, "inst:A");
    CHECK(Item(v, "activity:Z").status == ItemStatus::kMissing);   // a day later
    CHECK(!Item(v, "activity:Z").has_uploaded);
  }
  auto v = w.Items("2019-Q3", 0, "inst:A");
  const auto& x = Item(v, "activity:X");
  CHECK(x.status == ItemStatus::kLate);
  CHECK(FormatDate(x.uploaded) == "2019-10-11");
  CHECK(Item(v, "monthly:2019-08").status == ItemStatus::kOnTime);  // occurred 09-05
  // Order: activities in ledger order, then months.
  REQUIRE(v.size() == 6);
  CHECK(v[0].item == "activity:Y");
  CHECK(v[1].item == "activity:Z");
  CHECK(v[2].item == "activity:X");
  CHECK(v[3].item == "monthly:2019-07");

  // upload_time_source = recorded_at: every upload above was recorded on a CST day of its own.
  std::string t = w.rules.text;
  t.replace(t.find("upload_time_source = \"occurred_at\""), 34, "upload_time_source = \"recorded_at\"");
  w.rules = projections::RuleSet::Parse(t, "recorded.toml").value();
  auto r = w.Items("2019-Q3", 0, "inst:A");
  CHECK(FormatDate(Item(r, "activity:X").uploaded) == "2019-12-01");
  CHECK(Item(r, "monthly:2019-08").status == ItemStatus::kLate);  // recorded 2019-12-01
  CHECK(FormatDate(Item(r, "activity:Y").uploaded) == "2019-08-01");  // recorded 08:00 CST

  // The data_upload indicator uses the same items: Q3 as of the head under occurred_at:
  // Y late, Z missing, X late, 07 missing, 08 on time, 09 missing = 1/6.
  w.rules = projections::RuleSet::Shipped("anhui-2019-trial").value();
  const auto* a = Row(w.Values("2019-Q3"), "inst:A");
  CHECK(a->data_upload.num == 1);
  CHECK(a->data_upload.den == 6);
}

TEST_CASE("annual items: the year and its fourth quarter", "[projections][compliance]") {
  ProjWorld w;
  w.RecordAt(1'546'300'800);  // 2019-01-01T00:00:00Z
  w.Submit(Admit("adm", "inst:A", "2019-11-15T10:00:00+08:00") +
           Ev("an", "report.uploaded", "inst:A", "2020-01-10T23:00:00+08:00",
              R"("provider":"inst:A","kind":"annual","period":"2019",)" + kSha));
  auto q4 = w.Items("2019-Q4", 0, "inst:A");
  REQUIRE(q4.size() == 3);  // November, December, annual
  CHECK(q4[0].item == "monthly:2019-11");
  CHECK(q4[2].item == "annual:2019");
  CHECK(FormatDate(q4[2].deadline) == "2020-01-10");
  CHECK(FormatDate(q4[1].deadline) == "2020-01-10");  // December's report: 10 January
  CHECK(q4[2].status == ItemStatus::kOnTime);          // on the deadline day
  CHECK(w.Items("2019-Q3", 0, "inst:A").empty());      // not in the network in Q3
  CHECK(w.Items("2019", 0, "inst:A").size() == 3);
}
