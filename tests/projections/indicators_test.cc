// Hand-computed fixtures for every quarterly indicator (INDICATORS.md), retraction effects,
// stints and subjects of a period, and CST boundaries.
#include <catch2/catch.hpp>

#include "projection_fixture.h"

using namespace smeledger;
using namespace smeledger::testing;


namespace {

std::string Act(const std::string& id, const std::string& owner, const std::string& mode,
                const std::string& starts, const std::string& ends, bool key = false) {
  std::string f = R"("activity":")" + id + R"(","owner":")" + owner + R"(","mode":")" + mode +
                  R"(","title":"T","starts_at":")" + starts + R"(","ends_at":")" + ends + "\"";
  if (key) f += R"(,"key":true)";
  return f;
}

std::string Upload(const std::string& id, const std::string& prov, const std::string& at,
                   const std::string& kind, const std::string& what) {
  const bool act = kind == "attendee_list" || kind == "photos" || kind == "summary";
  return Ev(id, "report.uploaded", prov, at,
            R"("provider":")" + prov + R"(","kind":")" + kind + R"(",)" +
                (act ? R"("activity":")" : R"("period":")") + what +
                R"(","sha256":"9f2c0e5a3b1d4c6e8f7a9b0c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6","bytes":1)");
}

// The world of the Q3 2019 fixture (expected values worked out below).
void BuildQ3(ProjWorld& w) {
  const std::string A = "inst:A";
  w.Submit(
      // inst:A admitted 2019-07-01, referred by Hefei (resources_brought Hefei Q3 = 1).
      Admit("adm-A", A, "2019-07-01T10:00:00+08:00", "city:340100") +
      // inst:B admitted 2019-06-30 CST (Q2): a subject of Q3 (in the network), not brought in Q3.
      Admit("adm-B", "inst:B", "2019-06-30T15:30:00Z", "city:340100") +
      // registered_users(A): E1 on both channels in Q3 = 1 distinct; E2 at 2019-10-01 00:30
      // CST (Q4) and E3 at 2019-04-01 00:30 CST (Q2) are outside.
      Ev("r1", "enterprise.registered", "province", "2019-07-02T10:00:00+08:00",
         R"("enterprise":"ent:E1","channel":"platform","referred_by":"inst:A")") +
      Ev("r2", "enterprise.registered", "province", "2019-08-02T10:00:00+08:00",
         R"("enterprise":"ent:E1","channel":"wechat","referred_by":"inst:A")") +
      Ev("r3", "enterprise.registered", "province", "2019-09-30T16:30:00Z",
         R"("enterprise":"ent:E2","channel":"platform","referred_by":"inst:A")") +
      Ev("r4", "enterprise.registered", "province", "2019-03-31T16:30:00Z",
         R"("enterprise":"ent:E3","channel":"platform","referred_by":"inst:A")") +
      // enterprises_served(A) by `date`: E1 twice and E2 (public welfare) in Q3 = 2, pw = 1;
      // E3 on 2019-10-01 is Q4 even though it occurred in Q3.
      Ev("s1", "service.delivered", A, "2019-07-02T10:00:00+08:00",
         R"("provider":"inst:A","enterprise":"ent:E1","date":"2019-07-02")") +
      Ev("s2", "service.delivered", A, "2019-08-01T10:00:00+08:00",
         R"("provider":"inst:A","enterprise":"ent:E1","date":"2019-08-01")") +
      Ev("s3", "service.delivered", A, "2019-09-30T10:00:00+08:00",
         R"("provider":"inst:A","enterprise":"ent:E2","date":"2019-09-30","public_welfare":true)") +
      Ev("s4", "service.delivered", A, "2019-09-30T10:00:00+08:00",
         R"("provider":"inst:A","enterprise":"ent:E3","date":"2019-10-01")"));
  // Demands: d1 (rated 5) and d2 (rated 3) completed by A in Q3; d3 completed then retracted.
  for (const char* d : {"d1", "d2", "d3"}) {
    const std::string ds(d);
    w.Submit(Ev(ds + "p", "demand.published", "province", "2019-07-03T10:00:00+08:00",
                R"("demand":")" + ds + R"(","enterprise":"ent:E1","city":"city:340100","title":"T")") +
             Ev(ds + "a", "demand.accepted", A, "2019-07-03T11:00:00+08:00",
                R"("demand":")" + ds + R"(","provider":"inst:A")") +
             Ev(ds + "c", "demand.completed", A, "2019-07-04T11:00:00+08:00",
                R"("demand":")" + ds + R"(","provider":"inst:A")"));
  }
  w.Submit(
      Ev("d1r", "demand.rated", "province", "2019-07-05T10:00:00+08:00",
         R"("demand":"d1","enterprise":"ent:E1","score":5)") +
      Ev("d2r", "demand.rated", "province", "2019-07-05T10:00:00+08:00",
         R"("demand":"d2","enterprise":"ent:E1","score":3)") +
      Ev("d3x", "event.retracted", A, "2019-07-06T10:00:00+08:00",
         R"("target":"d3c","reason":"mistake")") +
      // Online act-on (key): signup, check-in, rating 4: complete. act-on2: no rating.
      Ev("ao", "activity.published", A, "2019-07-01T10:00:00+08:00",
         Act("act-on", A, "online", "2019-07-05T09:00:00+08:00", "2019-07-05T17:00:00+08:00", true)) +
      Ev("ao-s", "activity.signup", A, "2019-07-02T10:00:00+08:00",
         R"("activity":"act-on","enterprise":"ent:E1")") +
      Ev("ao-c", "activity.checkin", A, "2019-07-05T10:00:00+08:00",
         R"("activity":"act-on","enterprise":"ent:E1")") +
      Ev("ao-r", "activity.rated", "province", "2019-07-05T18:00:00+08:00",
         R"("activity":"act-on","enterprise":"ent:E1","score":4)") +
      Ev("ao2", "activity.published", A, "2019-07-01T10:00:00+08:00",
         Act("act-on2", A, "online", "2019-07-05T09:00:00+08:00", "2019-07-05T17:00:00+08:00")) +
      Ev("ao2-s", "activity.signup", A, "2019-07-02T10:00:00+08:00",
         R"("activity":"act-on2","enterprise":"ent:E1")") +
      Ev("ao2-c", "activity.checkin", A, "2019-07-05T10:00:00+08:00",
         R"("activity":"act-on2","enterprise":"ent:E1")") +
      // Offline act-off ends Fri 2019-07-05: deadline the 5th working day after = 2019-07-12.
      // All three kinds uploaded 2019-07-08: complete and on time.
      Ev("af", "activity.published", A, "2019-07-01T10:00:00+08:00",
         Act("act-off", A, "offline", "2019-07-05T09:00:00+08:00", "2019-07-05T17:00:00+08:00")) +
      Upload("af-1", A, "2019-07-08T10:00:00+08:00", "attendee_list", "act-off") +
      Upload("af-2", A, "2019-07-08T10:00:00+08:00", "photos", "act-off") +
      Upload("af-3", A, "2019-07-08T10:00:00+08:00", "summary", "act-off") +
      // act-off2: photos only: incomplete; its item is missing.
      Ev("af2", "activity.published", A, "2019-07-01T10:00:00+08:00",
         Act("act-off2", A, "offline", "2019-07-05T09:00:00+08:00", "2019-07-05T17:00:00+08:00")) +
      Upload("af2-2", A, "2019-07-08T10:00:00+08:00", "photos", "act-off2") +
      // act-off3: complete, then cancelled: neither an activity nor an item.
      Ev("af3", "activity.published", A, "2019-07-01T10:00:00+08:00",
         Act("act-off3", A, "offline", "2019-07-05T09:00:00+08:00", "2019-07-05T17:00:00+08:00")) +
      Upload("af3-1", A, "2019-07-08T10:00:00+08:00", "attendee_list", "act-off3") +
      Upload("af3-2", A, "2019-07-08T10:00:00+08:00", "photos", "act-off3") +
      Upload("af3-3", A, "2019-07-08T10:00:00+08:00", "summary", "act-off3") +
      Ev("af3x", "activity.cancelled", A, "2019-07-09T10:00:00+08:00",
         R"("activity":"act-off3","reason":"r")") +
      // linkage: two, one retracted = 1; demand_collection = 1.
      Ev("l1", "collaboration.recorded", "province", "2019-08-01T10:00:00+08:00",
         R"("provider":"inst:A","kind":"matchmaking")") +
      Ev("l2", "collaboration.recorded", "province", "2019-08-01T10:00:00+08:00",
         R"("provider":"inst:A","kind":"demand_survey")") +
      Ev("l2x", "event.retracted", "province", "2019-08-02T10:00:00+08:00",
         R"("target":"l2","reason":"duplicate")") +
      Ev("dc1", "demand_collection.completed", "province", "2019-08-01T10:00:00+08:00",
         R"("provider":"inst:A","campaign":"C")") +
      // products at the end of Q3: p1 (Q2) yes; p2 withdrawn in Q3 no; p3 published
      // 2019-10-01 00:30 CST no; p4 withdrawn in Q4 yes => 2.
      Ev("p1", "product.published", A, "2019-05-01T10:00:00+08:00",
         R"("product":"p1","provider":"inst:A","title":"T")") +
      Ev("p2", "product.published", A, "2019-07-01T10:00:00+08:00",
         R"("product":"p2","provider":"inst:A","title":"T")") +
      Ev("p2w", "product.withdrawn", A, "2019-09-30T10:00:00+08:00", R"("product":"p2")") +
      Ev("p3", "product.published", A, "2019-09-30T16:30:00Z",
         R"("product":"p3","provider":"inst:A","title":"T")") +
      Ev("p4", "product.published", A, "2019-07-01T10:00:00+08:00",
         R"("product":"p4","provider":"inst:A","title":"T","public_welfare":true)") +
      Ev("p4w", "product.withdrawn", A, "2019-10-02T10:00:00+08:00", R"("product":"p4")") +
      // Monthly reports: July on its deadline day (on time); August at 2019-09-10T16:30Z =
      // 2019-09-11 CST (late); September none (missing).
      Upload("m7", A, "2019-08-10T23:59:00+08:00", "monthly", "2019-07") +
      Upload("m8", A, "2019-09-10T16:30:00Z", "monthly", "2019-08"));
}

}  // namespace

TEST_CASE("every quarterly indicator of a hand-built Q3 2019", "[projections]") {
  ProjWorld w;
  BuildQ3(w);
  auto v = w.Values("2019-Q3");
  // Subjects: 16 cities, inst:A, inst:B.
  REQUIRE(v.size() == 18);
  CHECK(v[16].subject == "inst:A");
  CHECK(v[17].subject == "inst:B");
  const auto* a = Row(v, "inst:A");
  REQUIRE(a);
  CHECK(a->demand_matches == 2);             // d1, d2 (d3's completion retracted)
  CHECK(a->enterprises_served == 2);         // E1, E2
  CHECK(a->enterprises_served_public_welfare == 1);
  CHECK(a->activities == 2);                 // act-on, act-off
  CHECK(a->key_activities == 1);             // act-on
  CHECK(a->registered_users == 1);           // E1
  CHECK(a->linkage == 1);
  CHECK(a->demand_collection == 1);
  CHECK(a->products == 2);                   // p1, p4
  CHECK(a->products_public_welfare == 1);    // p4
  // satisfaction: act-on 4 (yes), d1 5 (yes), d2 3 (no) = 2/3
  CHECK(a->satisfaction.num == 2);
  CHECK(a->satisfaction.den == 3);
  // data_upload: act-off on time, act-off2 missing, monthly 07 on time, 08 late, 09 missing
  CHECK(a->data_upload.num == 2);
  CHECK(a->data_upload.den == 5);
  const auto* hefei = Row(v, "city:340100");
  CHECK(hefei->resources_brought == 1);  // A (B was admitted in Q2)
  CHECK(!hefei->satisfaction.defined());
  CHECK(hefei->data_upload.num == 0);
  CHECK(hefei->data_upload.den == 3);  // three monthly items, all missing
  const auto* b = Row(v, "inst:B");
  CHECK(b->demand_matches == 0);
  CHECK(b->data_upload.den == 3);

  // Q2: inst:B was admitted on 2019-06-30 CST, so it brings Hefei a resource in Q2; A is not a
  // subject of Q2; E3 registered at 2019-04-01 00:30 CST counts for A only in Q2 — but A is not
  // in the network in Q2, so it has no row.
  auto q2 = w.Values("2019-Q2");
  CHECK(q2.size() == 17);
  CHECK(Row(q2, "city:340100")->resources_brought == 1);
  CHECK(Row(q2, "inst:A") == nullptr);
  // Q4: E2's registration (2019-10-01 00:30 CST) and E3's service dated 2019-10-01.
  auto q4 = w.Values("2019-Q4");
  CHECK(Row(q4, "inst:A")->registered_users == 1);
  CHECK(Row(q4, "inst:A")->enterprises_served == 1);
  CHECK(Row(q4, "inst:A")->products == 2);  // p1, p3 (p4 withdrawn 2019-10-02)
}

TEST_CASE("the year distinct-counts enterprises across its quarters", "[projections]") {
  ProjWorld w;
  BuildQ3(w);
  auto y = w.Values("2019");
  const auto* a = Row(y, "inst:A");
  CHECK(a->registered_users == 3);    // E1 (Q3), E2 (Q4), E3 (Q2)
  CHECK(a->enterprises_served == 3);  // E1, E2, E3 (E1 twice)
  CHECK(a->products == 2);            // at 2019-12-31: p1, p3
}

TEST_CASE("data-upload items of the fixture, in the listed order", "[projections][compliance]") {
  ProjWorld w;
  BuildQ3(w);
  auto items = w.Items("2019-Q3", 0, "inst:A");
  REQUIRE(items.size() == 5);
  CHECK(items[0].item == "activity:act-off");
  CHECK(FormatDate(items[0].deadline) == "2019-07-12");
  CHECK(FormatDate(items[0].uploaded) == "2019-07-08");
  CHECK(items[0].status == projections::ItemStatus::kOnTime);
  CHECK(items[1].item == "activity:act-off2");
  CHECK(!items[1].has_uploaded);
  CHECK(items[1].status == projections::ItemStatus::kMissing);
  CHECK(items[2].item == "monthly:2019-07");
  CHECK(FormatDate(items[2].deadline) == "2019-08-10");
  CHECK(items[2].status == projections::ItemStatus::kOnTime);  // on the deadline day
  CHECK(items[3].item == "monthly:2019-08");
  CHECK(FormatDate(items[3].uploaded) == "2019-09-11");  // 16:30Z is the next day in CST
  CHECK(items[3].status == projections::ItemStatus::kLate);
  CHECK(items[4].item == "monthly:2019-09");
  CHECK(items[4].status == projections::ItemStatus::kMissing);
}

TEST_CASE("an event at 2019-03-31T16:30:00Z is in Q2 (CST)", "[projections]") {
  ProjWorld w;
  w.Submit(Admit("a1", "inst:A", "2019-01-02T10:00:00+08:00") +
           Ev("c1", "collaboration.recorded", "province", "2019-03-31T16:30:00Z",
              R"("provider":"inst:A","kind":"matchmaking")") +
           Ev("c2", "collaboration.recorded", "province", "2019-03-31T15:59:59Z",
              R"("provider":"inst:A","kind":"matchmaking")"));
  CHECK(Row(w.Values("2019-Q1"), "inst:A")->linkage == 1);  // c2: 23:59:59 CST on Mar 31
  CHECK(Row(w.Values("2019-Q2"), "inst:A")->linkage == 1);  // c1: 00:30 CST on Apr 1
}

TEST_CASE("stints: removal, retracted removal, removed institutions' subjects",
          "[projections]") {
  ProjWorld w;
  // A: admitted 2019-02-10, removed 2019-05-20 (both days in the network).
  w.Submit(Admit("a1", "inst:A", "2019-02-10T10:00:00+08:00") +
           Ev("x1", "institution.removed", "dept", "2019-05-20T10:00:00+08:00",
              R"("institution":"inst:A","reason":"r")") +
           // B: admitted in Q1, removed in Q1, the removal retracted: back in the network.
           Admit("b1", "inst:B", "2019-01-10T10:00:00+08:00") +
           Ev("y1", "institution.removed", "dept", "2019-02-10T10:00:00+08:00",
              R"("institution":"inst:B","reason":"r")") +
           Ev("y1x", "event.retracted", "dept", "2019-02-11T10:00:00+08:00",
              R"("target":"y1","reason":"mistake")") +
           // C: admitted and removed in Q1, re-admitted in Q3.
           Admit("c1", "inst:C", "2019-01-10T10:00:00+08:00") +
           Ev("z1", "institution.removed", "dept", "2019-03-01T10:00:00+08:00",
              R"("institution":"inst:C","reason":"r")") +
           Admit("c2", "inst:C", "2019-07-15T10:00:00+08:00"));
  auto subjects = [&](const std::string& p) {
    std::vector<std::string> s;
    for (const auto& r : w.Values(p))
      if (r.group == projections::Group::kInstitution) s.push_back(r.subject);
    return s;
  };
  CHECK(subjects("2019-Q1") == std::vector<std::string>{"inst:A", "inst:B", "inst:C"});
  CHECK(subjects("2019-Q2") == std::vector<std::string>{"inst:A", "inst:B"});
  CHECK(subjects("2019-Q3") == std::vector<std::string>{"inst:B", "inst:C"});
  // Items: A's monthly items of Q2 are April and May (in the network), but only those whose
  // deadline A is still in the network on: neither (removed 2019-05-20, deadlines 05-10? no:
  // April's deadline is 2019-05-10 — A is in the network then; May's is 2019-06-10 — not).
  auto items = w.Items("2019-Q2", 0, "inst:A");
  REQUIRE(items.size() == 1);
  CHECK(items[0].item == "monthly:2019-04");
  // C in Q3: admitted 07-15: July, August, September.
  CHECK(w.Items("2019-Q3", 0, "inst:C").size() == 3);
  // Retracting A's removal puts A back: Q3 subject again.
  w.Submit(Ev("x1x", "event.retracted", "dept", "2019-08-01T10:00:00+08:00",
              R"("target":"x1","reason":"mistake")"));
  CHECK(subjects("2019-Q3") == std::vector<std::string>{"inst:A", "inst:B", "inst:C"});
}

TEST_CASE("retraction takes an event's contribution away everywhere", "[projections]") {
  ProjWorld w;
  BuildQ3(w);
  const uint64_t before = w.head();
  // Retract the rating of d2 (score 3), then the completion of d2, and the check-in... of act-on
  // needs its rating retracted first: retract ao-r, then ao-c.
  w.Submit(Ev("x1", "event.retracted", "province", "2019-10-05T10:00:00+08:00",
              R"("target":"d2r","reason":"r")") +
           Ev("x2", "event.retracted", "inst:A", "2019-10-05T10:00:00+08:00",
              R"("target":"d2c","reason":"r")") +
           Ev("x3", "event.retracted", "province", "2019-10-05T10:00:00+08:00",
              R"("target":"ao-r","reason":"r")") +
           Ev("x4", "event.retracted", "inst:A", "2019-10-05T10:00:00+08:00",
              R"("target":"s3","reason":"r")") +
           Ev("x5", "event.retracted", "province", "2019-10-05T10:00:00+08:00",
              R"("target":"r1","reason":"r")") +
           Ev("x6", "event.retracted", "inst:A", "2019-10-05T10:00:00+08:00",
              R"("target":"m7","reason":"r")"));
  const auto* a = Row(w.Values("2019-Q3"), "inst:A");
  CHECK(a->demand_matches == 1);      // d1
  CHECK(a->satisfaction.num == 1);    // d1 5 only
  CHECK(a->satisfaction.den == 1);
  CHECK(a->activities == 1);          // act-on lost its rating
  CHECK(a->key_activities == 0);
  CHECK(a->enterprises_served == 1);  // E1
  CHECK(a->enterprises_served_public_welfare == 0);
  CHECK(a->registered_users == 1);    // E1 still, through wechat (r2)
  CHECK(a->data_upload.num == 1);     // monthly 07 now missing
  // As of the position before the retractions, the old values.
  const auto* old = Row(w.Values("2019-Q3", before), "inst:A");
  CHECK(old->demand_matches == 2);
  CHECK(old->activities == 2);
  // A demand re-completed by another provider after its completion is retracted.
  w.Submit(Admit("adm-C", "inst:C", "2019-07-01T10:00:00+08:00") +
           Ev("x7", "event.retracted", "inst:A", "2019-10-05T10:00:00+08:00",
              R"("target":"d2a","reason":"r")") +
           Ev("d2a2", "demand.accepted", "inst:C", "2019-08-01T10:00:00+08:00",
              R"("demand":"d2","provider":"inst:C")") +
           Ev("d2c2", "demand.completed", "inst:C", "2019-08-02T10:00:00+08:00",
              R"("demand":"d2","provider":"inst:C")") +
           Ev("d2r2", "demand.rated", "province", "2019-08-03T10:00:00+08:00",
              R"("demand":"d2","enterprise":"ent:E1","score":4)"));
  auto v = w.Values("2019-Q3");
  CHECK(Row(v, "inst:A")->demand_matches == 1);
  CHECK(Row(v, "inst:C")->demand_matches == 1);
  CHECK(Row(v, "inst:C")->satisfaction.num == 1);
  CHECK(Row(v, "inst:A")->satisfaction.den == 1);
}

TEST_CASE("media, titles and complaints, dated by their own event", "[projections]") {
  ProjWorld w;
  w.Submit(Admit("a1", "inst:A", "2019-01-02T10:00:00+08:00") +
           Ev("m1", "media.reported", "province", "2019-02-01T10:00:00+08:00",
              R"("provider":"inst:A","level":"city","outlet":"O","title":"T")") +
           Ev("t1", "title.awarded", "dept", "2019-02-01T10:00:00+08:00",
              R"("holder":"inst:A","title":"T","level":"province")") +
           Ev("t2", "title.awarded", "dept", "2019-02-01T10:00:00+08:00",
              R"("holder":"inst:A","title":"T","level":"city","demonstration_platform":true)") +
           Ev("cf1", "complaint.filed", "province", "2019-03-30T10:00:00+08:00",
              R"("complaint":"c1","provider":"inst:A","enterprise":"ent:E1")") +
           Ev("cr1", "complaint.resolved", "province", "2019-04-02T10:00:00+08:00",
              R"("complaint":"c1","verdict":"provider_at_fault")") +
           Ev("cf2", "complaint.filed", "province", "2019-04-01T10:00:00+08:00",
              R"("complaint":"c2","provider":"inst:A","enterprise":"ent:E1")") +
           Ev("cr2", "complaint.resolved", "province", "2019-04-02T10:00:00+08:00",
              R"("complaint":"c2","verdict":"not_at_fault")"));
  auto q1 = Row(w.Values("2019-Q1"), "inst:A");
  CHECK(q1->media == 1);
  CHECK(q1->titles == 1);       // the city-level title does not count
  CHECK(q1->complaints == 0);   // resolved in Q2
  auto q2 = Row(w.Values("2019-Q2"), "inst:A");
  CHECK(q2->complaints == 1);   // c1 at fault; c2 not
}

TEST_CASE("the saved fold round-trips, and the store catches up incrementally",
          "[projections][store]") {
  ProjWorld w;
  BuildQ3(w);
  const projections::Period q3 = projections::Period::Parse("2019-Q3").value();
  auto fresh = w.Fold();
  std::string bytes, again;
  fresh->Serialize(&bytes);
  std::unique_ptr<projections::Projection> loaded;
  REQUIRE(projections::Projection::Deserialize(bytes, &loaded).ok());
  loaded->Serialize(&again);
  CHECK(bytes == again);
  auto notice = [&](const projections::Projection& p) {
    return projections::QuarterlyNoticeJson(
        projections::BuildQuarterlyNotice(p, w.rules, w.cal, q3).value());
  };
  CHECK(notice(*loaded) == notice(*fresh));
  // Damaged bytes are refused, never trusted.
  std::unique_ptr<projections::Projection> bad;
  CHECK(projections::Projection::Deserialize(bytes.substr(0, bytes.size() / 2), &bad).code() ==
        Status::Code::kCorruption);

  std::unique_ptr<projections::ProjectionStore> store;
  REQUIRE(projections::ProjectionStore::Open(w.dir.path(), false, &store).ok());
  projections::CatchUpStats st;
  REQUIRE(store->CatchUp(*w.l, w.rules, &st).ok());
  CHECK(st.rebuilt);
  CHECK(st.to_position == w.head());
  const uint64_t first = w.head();
  w.Submit(Ev("late-1", "collaboration.recorded", "province", "2019-09-01T10:00:00+08:00",
              R"("provider":"inst:A","kind":"matchmaking")") +
           Ev("late-2", "event.retracted", "province", "2019-09-02T10:00:00+08:00",
              R"("target":"l1","reason":"r")"));  // a target before the checkpoint
  REQUIRE(store->CatchUp(*w.l, w.rules, &st).ok());
  CHECK(!st.rebuilt);
  CHECK(st.from_position == first);
  CHECK(st.records == 2);
  std::unique_ptr<projections::Projection> head, older;
  REQUIRE(store->Load(*w.l, w.rules, 0, &head, &st).ok());
  CHECK(st.records == 0);
  CHECK(notice(*head) == notice(*w.Fold()));
  CHECK(Row(w.Values("2019-Q3"), "inst:A")->linkage == 1);  // l1 retracted, late-1 added
  REQUIRE(store->Load(*w.l, w.rules, first - 1, &older, &st).ok());
  CHECK(st.rebuilt);  // before the checkpoint: folded from position 1
  CHECK(notice(*older) == notice(*w.Fold(first - 1)));
  CHECK(store->Versions().size() == 1);
}
