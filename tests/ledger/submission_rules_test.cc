// Checks 4 and 5 of EVENTS.md (actor, state rules, retraction) through Ledger::Submit.
#include <catch2/catch.hpp>

#include "ledger_fixture.h"

using namespace smeledger;
using namespace smeledger::testing;

namespace {

const std::string kAct =
    R"("activity":"act-1","owner":"inst:HF-1","mode":"offline","title":"Financing clinic",)"
    R"("starts_at":"2019-07-05T09:00:00+08:00","ends_at":"2019-07-05T17:00:00+08:00")";
const std::string kOnline =
    R"("activity":"act-2","owner":"inst:HF-1","mode":"online","title":"Webinar",)"
    R"("starts_at":"2019-07-05T09:00:00+08:00","ends_at":"2019-07-05T17:00:00+08:00")";

// A small network: two institutions in Hefei, one activity of each mode, a signed-up,
// checked-in enterprise on the online one, a demand accepted by inst:HF-1.
std::string Base() {
  return E("b1", "institution.admitted", "province",
           R"("institution":"inst:HF-1","city":"city:340100","name":"Hefei SME Centre")") +
         E("b2", "institution.admitted", "city:340100",
           R"("institution":"inst:HF-2","city":"city:340100","name":"Law firm","referred_by":"inst:HF-1")") +
         E("b3", "activity.published", "inst:HF-1", kAct) +
         E("b4", "activity.published", "inst:HF-1", kOnline) +
         E("b5", "activity.signup", "inst:HF-1", R"("activity":"act-2","enterprise":"ent:E1")") +
         E("b6", "activity.checkin", "province", R"("activity":"act-2","enterprise":"ent:E1")") +
         E("b7", "demand.published", "province",
           R"("demand":"d-1","enterprise":"ent:E1","city":"city:340100","title":"Need a loan")") +
         E("b8", "demand.accepted", "inst:HF-1", R"("demand":"d-1","provider":"inst:HF-1")");
}

struct World {
  TempDir dir;
  FakeClock clock;
  std::unique_ptr<ledger::Ledger> l = OpenAt(dir.path(), &clock);
  World() {
    for (const Out& o : SubmitText(*l, Base())) REQUIRE(o.accepted());
  }
  // Submits one line and returns its outcome.
  Out One(const std::string& line) {
    auto v = SubmitText(*l, line);
    REQUIRE(v.size() == 1);
    return v[0];
  }
  std::string Reason(const std::string& line) { return One(line).reason; }
};

}  // namespace

TEST_CASE("accepted events get gap-free positions and a hash chain", "[ledger]") {
  World w;
  CHECK(w.l->head().position == 8);
  auto o = w.One(E("n1", "service.delivered", "inst:HF-2",
                   R"("provider":"inst:HF-2","enterprise":"ent:E9","date":"2019-07-02")"));
  CHECK(o.accepted());
  CHECK(o.position == 9);
  CHECK(w.l->head().hash == o.hash);
}

TEST_CASE("actor_not_allowed: the kind of actor or the subject named on the line", "[ledger]") {
  World w;
  CHECK(w.Reason(E("x", "institution.removed", "province",
                   R"("institution":"inst:HF-2","reason":"closed")")) == "actor_not_allowed");
  CHECK(w.Reason(E("x", "institution.admitted", "city:340200",
                   R"("institution":"inst:HF-9","city":"city:340100","name":"n")")) ==
        "actor_not_allowed");
  CHECK(w.Reason(E("x", "activity.rated", "inst:HF-1",
                   R"("activity":"act-2","enterprise":"ent:E1","score":5)")) ==
        "actor_not_allowed");
  CHECK(w.Reason(E("x", "demand.accepted", "inst:HF-2",
                   R"("demand":"d-1","provider":"inst:HF-1")")) == "actor_not_allowed");
  CHECK(w.Reason(E("x", "service.delivered", "ent:E1",
                   R"("provider":"inst:HF-1","enterprise":"ent:E1","date":"2019-07-02")")) ==
        "actor_not_allowed");
  // Owner known only from state: check 5's actor_not_allowed, after not_found.
  CHECK(w.Reason(E("x", "activity.signup", "inst:HF-2",
                   R"("activity":"act-2","enterprise":"ent:E2")")) == "actor_not_allowed");
  CHECK(w.Reason(E("x", "activity.signup", "inst:HF-2",
                   R"("activity":"nope","enterprise":"ent:E2")")) == "not_found");
}

TEST_CASE("actor_not_admitted for an institution outside the network", "[ledger]") {
  World w;
  auto o = w.One(E("x", "service.delivered", "inst:HF-7",
                   R"("provider":"inst:HF-7","enterprise":"ent:E1","date":"2019-07-02")"));
  CHECK(o.reason == "actor_not_admitted");
  CHECK(o.field == "actor");
}

TEST_CASE("not_found for missing objects and providers outside the network", "[ledger]") {
  World w;
  CHECK(w.Reason(E("x", "activity.cancelled", "province",
                   R"("activity":"zzz","reason":"r")")) == "not_found");
  CHECK(w.Reason(E("x", "collaboration.recorded", "province",
                   R"("provider":"inst:HF-7","kind":"matchmaking")")) == "not_found");
  // A self-referral is not_found: the institution is not in the network yet.
  auto o = w.One(E("x", "institution.admitted", "province",
                   R"("institution":"inst:HF-3","city":"city:340100","name":"n","referred_by":"inst:HF-3")"));
  CHECK(o.reason == "not_found");
  CHECK(o.field == "referred_by");
  CHECK(w.Reason(E("x", "event.retracted", "province", R"("target":"nope","reason":"r")")) ==
        "not_found");
  CHECK(w.Reason(E("x", "demand.rated", "province",
                   R"("demand":"d-9","enterprise":"ent:E1","score":4)")) == "not_found");
}

TEST_CASE("already_exists: ids are unique forever, one signup, one rating", "[ledger]") {
  World w;
  CHECK(w.Reason(E("x", "activity.published", "inst:HF-1", kAct)) == "already_exists");
  CHECK(w.Reason(E("x", "activity.signup", "province",
                   R"("activity":"act-2","enterprise":"ent:E1")")) == "already_exists");
  CHECK(w.Reason(E("x", "institution.admitted", "province",
                   R"("institution":"inst:HF-1","city":"city:340100","name":"n")")) ==
        "already_exists");
  CHECK(w.Reason(E("x", "demand.accepted", "inst:HF-2",
                   R"("demand":"d-1","provider":"inst:HF-2")")) == "already_exists");
  CHECK(w.One(E("r1", "activity.rated", "province",
                R"("activity":"act-2","enterprise":"ent:E1","score":5)"))
            .accepted());
  CHECK(w.Reason(E("x", "activity.rated", "province",
                   R"("activity":"act-2","enterprise":"ent:E1","score":4)")) == "already_exists");
  CHECK(w.One(E("e1", "enterprise.registered", "province",
                R"("enterprise":"ent:E1","channel":"wechat")"))
            .accepted());
  CHECK(w.Reason(E("x", "enterprise.registered", "province",
                   R"("enterprise":"ent:E1","channel":"wechat")")) == "already_exists");
  CHECK(w.One(E("e2", "enterprise.registered", "province",
                R"("enterprise":"ent:E1","channel":"platform")"))
            .accepted());
}

TEST_CASE("precondition: the remaining rules, first in table order", "[ledger]") {
  World w;
  // starts_at after ends_at, by a fraction beyond nanoseconds.
  CHECK(w.Reason(E("x", "activity.published", "inst:HF-1",
                   R"("activity":"a9","owner":"inst:HF-1","mode":"online","title":"t",)"
                   R"("starts_at":"2019-07-05T09:00:00.0000000001Z","ends_at":"2019-07-05T09:00:00Z")")) ==
        "precondition");
  CHECK(w.One(E("ok-eq", "activity.published", "inst:HF-1",
                R"("activity":"a10","owner":"inst:HF-1","mode":"online","title":"t",)"
                R"("starts_at":"2019-07-05T17:00:00+08:00","ends_at":"2019-07-05T09:00:00Z")"))
            .accepted());
  // Check-in without signup.
  CHECK(w.Reason(E("x", "activity.checkin", "inst:HF-1",
                   R"("activity":"act-2","enterprise":"ent:E5")")) == "precondition");
  // Rating without check-in.
  CHECK(w.Reason(E("x", "activity.rated", "province",
                   R"("activity":"act-1","enterprise":"ent:E1","score":3)")) == "precondition");
  // Completion by a provider that did not accept: precondition, not actor.
  CHECK(w.Reason(E("x", "demand.completed", "inst:HF-2",
                   R"("demand":"d-1","provider":"inst:HF-2")")) == "precondition");
  // Report on an online activity, and on another provider's activity.
  const std::string sha = std::string(64, 'a');
  CHECK(w.Reason(E("x", "report.uploaded", "inst:HF-1",
                   R"("provider":"inst:HF-1","kind":"summary","activity":"act-2","sha256":")" +
                       sha + R"(","bytes":10)")) == "precondition");
  CHECK(w.Reason(E("x", "report.uploaded", "inst:HF-2",
                   R"("provider":"inst:HF-2","kind":"photos","activity":"act-1","sha256":")" +
                       sha + R"(","bytes":10)")) == "precondition");
  CHECK(w.Reason(E("x", "assessment.scored", "dept",
                   R"("subject":"inst:HF-1","year":2019,"item":"internet_platform","score":4.5)")) ==
        "precondition");
  CHECK(w.Reason(E("x", "institution.removed", "dept",
                   R"("institution":"inst:HF-8","reason":"r")")) == "precondition");
  // notice position: 1..head
  CHECK(w.Reason(E("x", "notice.approved", "dept",
                   R"("period":"2019-Q3","position":0,"rules":"anhui-2019-trial","digest":")" +
                       sha + "\"")) == "precondition");
  const uint64_t head = w.l->head().position;
  CHECK(w.Reason(E("x", "notice.approved", "dept",
                   R"("period":"2019-Q3","position":)" + std::to_string(head + 1) +
                       R"(,"rules":"anhui-2019-trial","digest":")" + sha + "\"")) ==
        "precondition");
  CHECK(w.One(E("n-ok", "notice.approved", "dept",
                R"("period":"2019-Q3","position":)" + std::to_string(head) +
                    R"(,"rules":"anhui-2019-trial","digest":")" + sha + "\""))
            .accepted());
  // Cancelled: signup and check-in refused; ratings of checked-in enterprises too.
  CHECK(w.One(E("c1", "activity.cancelled", "inst:HF-1", R"("activity":"act-2","reason":"r")"))
            .accepted());
  CHECK(w.Reason(E("x", "activity.signup", "inst:HF-1",
                   R"("activity":"act-2","enterprise":"ent:E7")")) == "precondition");
  CHECK(w.Reason(E("x", "activity.rated", "province",
                   R"("activity":"act-2","enterprise":"ent:E1","score":5)")) == "precondition");
  // already_exists comes before precondition.
  CHECK(w.Reason(E("x", "activity.signup", "inst:HF-1",
                   R"("activity":"act-2","enterprise":"ent:E1")")) == "already_exists");
  CHECK(w.Reason(E("x", "activity.cancelled", "province", R"("activity":"act-2","reason":"r")")) ==
        "already_exists");
}

TEST_CASE("retraction takes an event's effect away everywhere", "[ledger][retraction]") {
  World w;
  REQUIRE(w.One(E("r1", "activity.rated", "province",
                  R"("activity":"act-2","enterprise":"ent:E1","score":2)"))
              .accepted());
  // A live dependent blocks the retraction of what it depends on.
  auto o = w.One(E("x", "event.retracted", "province", R"("target":"b6","reason":"r")"));
  CHECK(o.reason == "has_dependents");
  CHECK(o.field == "target");
  CHECK(w.Reason(E("x", "event.retracted", "inst:HF-1", R"("target":"b4","reason":"r")")) ==
        "has_dependents");
  CHECK(w.Reason(E("x", "event.retracted", "province", R"("target":"b7","reason":"r")")) ==
        "has_dependents");
  // Only the target's actor or province may retract.
  CHECK(w.Reason(E("x", "event.retracted", "inst:HF-2", R"("target":"b5","reason":"r")")) ==
        "actor_not_allowed");
  // Retract the rating: the enterprise may rate again.
  CHECK(w.One(E("x1", "event.retracted", "province", R"("target":"r1","reason":"typo")"))
            .accepted());
  CHECK(w.Reason(E("x", "event.retracted", "province", R"("target":"r1","reason":"again")")) ==
        "already_exists");
  CHECK(w.Reason(E("x", "event.retracted", "province", R"("target":"x1","reason":"r")")) ==
        "precondition");
  CHECK(w.One(E("r2", "activity.rated", "province",
                R"("activity":"act-2","enterprise":"ent:E1","score":5)"))
            .accepted());
  // Resubmitting the retracted event is a duplicate and does not revive it.
  auto dup = w.One(E("r1", "activity.rated", "province",
                     R"("activity":"act-2","enterprise":"ent:E1","score":2)"));
  CHECK(dup.duplicate());
  // Retract the acceptance: the demand is free again.
  CHECK(w.One(E("x2", "event.retracted", "inst:HF-1", R"("target":"b8","reason":"r")"))
            .accepted());
  CHECK(w.One(E("a2", "demand.accepted", "inst:HF-2", R"("demand":"d-1","provider":"inst:HF-2")"))
            .accepted());
  // Retract the offline activity (no dependents): it no longer exists, its id stays taken.
  CHECK(w.One(E("x3", "event.retracted", "inst:HF-1", R"("target":"b3","reason":"r")"))
            .accepted());
  CHECK(w.Reason(E("x", "activity.signup", "province",
                   R"("activity":"act-1","enterprise":"ent:E3")")) == "not_found");
  CHECK(w.Reason(E("x", "activity.published", "inst:HF-1", kAct)) == "already_exists");
}

TEST_CASE("retracting a removal puts the institution back — an admission depends on its removal",
          "[ledger][retraction]") {
  World w;
  REQUIRE(w.One(E("rm", "institution.removed", "dept",
                  R"("institution":"inst:HF-2","reason":"unqualified")"))
              .accepted());
  CHECK(w.Reason(E("x", "service.delivered", "inst:HF-2",
                   R"("provider":"inst:HF-2","enterprise":"ent:E1","date":"2019-07-02")")) ==
        "actor_not_admitted");
  CHECK(w.Reason(E("x", "event.retracted", "province", R"("target":"b2","reason":"r")")) ==
        "has_dependents");
  CHECK(w.One(E("x1", "event.retracted", "dept", R"("target":"rm","reason":"appeal")"))
            .accepted());
  CHECK(w.One(E("s1", "service.delivered", "inst:HF-2",
                R"("provider":"inst:HF-2","enterprise":"ent:E1","date":"2019-07-02")"))
            .accepted());
  // Re-admission after a removal is a new stint.
  REQUIRE(w.One(E("rm2", "institution.removed", "dept", R"("institution":"inst:HF-2","reason":"r")"))
              .accepted());
  CHECK(w.One(E("ad2", "institution.admitted", "province",
                R"("institution":"inst:HF-2","city":"city:340100","name":"Law firm")"))
            .accepted());
}

TEST_CASE("duplicate vs conflict on the canonical JSON value", "[ledger][duplicate]") {
  World w;
  const std::string original =
      R"({"event_id":"dd","type":"service.delivered","occurred_at":"2019-07-01T10:00:00+08:00","actor":"inst:HF-1","provider":"inst:HF-1","enterprise":"ent:E1","date":"2019-07-02","public_welfare":false})"
      "\n";
  auto first = w.One(original);
  REQUIRE(first.accepted());
  // Keys reordered, escapes, whitespace: the same JSON value.
  auto d = w.One(
      R"( { "public_welfare" : false, "date":"2019-07-02", "enterprise":"ent:\u0045\u0031", "provider":"inst:HF-1","actor":"inst\u003aHF-1","occurred_at":"2019-07-01T10:00:00+08:00","type":"service\/delivered","event_id":"dd" } )"
      "\n");
  // "service\/delivered" unescapes to "service/delivered": a different value: conflict.
  CHECK(d.reason == "conflict");
  auto d2 = w.One(
      R"( { "public_welfare" : false, "date":"2019-07-02", "enterprise":"ent:\u0045\u0031", "provider":"inst:HF-1","actor":"inst\u003aHF-1","occurred_at":"2019-07-01T10:00:00+08:00","type":"service.delivered","event_id":"dd" } )"
      "\n");
  CHECK(d2.duplicate());
  CHECK(d2.position == first.position);
  CHECK(d2.hash == first.hash);
  // Absent bool and false differ.
  auto c = w.One(E("dd", "service.delivered", "inst:HF-1",
                   R"("provider":"inst:HF-1","enterprise":"ent:E1","date":"2019-07-02")"));
  CHECK(c.reason == "conflict");
  CHECK(c.field == "event_id");
  // Numbers compare by value.
  REQUIRE(w.One(E("sc", "assessment.scored", "dept",
                  R"("subject":"inst:HF-1","year":2019,"item":"infrastructure","score":4.5)"))
              .accepted());
  CHECK(w.One(E("sc", "assessment.scored", "dept",
                R"("subject":"inst:HF-1","year":2019,"item":"infrastructure","score":4.50)"))
            .duplicate());
  CHECK(w.One(E("sc", "assessment.scored", "dept",
                R"("subject":"inst:HF-1","year":2019,"item":"infrastructure","score":45e-1)"))
            .duplicate());
  CHECK(w.One(E("sc", "assessment.scored", "dept",
                R"("subject":"inst:HF-1","year":2019,"item":"infrastructure","score":4.6)"))
            .reason == "conflict");
  // Even an invalid line with a taken id is a conflict (check 2 before check 3).
  CHECK(w.One(E("sc", "no.such.type", "dept")).reason == "conflict");
}

TEST_CASE("a rejected line takes nothing: its event_id stays free", "[ledger]") {
  World w;
  const uint64_t before = w.l->head().position;
  CHECK(w.Reason(E("free", "activity.checkin", "inst:HF-1",
                   R"("activity":"act-2","enterprise":"ent:E5")")) == "precondition");
  CHECK(w.l->head().position == before);
  CHECK(w.One(E("free", "activity.signup", "inst:HF-1",
                R"("activity":"act-2","enterprise":"ent:E5")"))
            .accepted());
}

TEST_CASE("duplicates and dependencies inside one batch", "[ledger]") {
  TempDir dir;
  FakeClock clock;
  auto l = OpenAt(dir.path(), &clock);
  std::string text = Base();
  text += E("b1", "institution.admitted", "province",
            R"("institution":"inst:HF-1","city":"city:340100","name":"Hefei SME Centre")");
  text += E("b5", "activity.signup", "inst:HF-1", R"("activity":"act-2","enterprise":"ent:E2")");
  text += E("x", "event.retracted", "province", R"("target":"b5","reason":"r")");
  auto outs = SubmitText(*l, text);
  REQUIRE(outs.size() == 11);
  CHECK(outs[8].duplicate());
  CHECK(outs[8].position == 1);
  CHECK(outs[9].reason == "conflict");
  CHECK(outs[10].reason == "has_dependents");  // b5's check-in b6 is live
}

TEST_CASE("lines: BOM, CRLF, blank lines and physical line numbers", "[ledger][lines]") {
  TempDir dir;
  FakeClock clock;
  auto l = OpenAt(dir.path(), &clock);
  std::string b1 = E("b1", "institution.admitted", "province",
                     R"("institution":"inst:HF-1","city":"city:340100","name":"n")");
  b1.pop_back();
  std::string last = E("b2", "collaboration.recorded", "province",
                      R"("provider":"inst:HF-1","kind":"matchmaking")");
  last.pop_back();  // the last line has no line ending
  const std::string text =
      "\xEF\xBB\xBF" + b1 + "\r\n\r\n  \t \n" + "{oops\n" + "\n" + last;
  auto outs = SubmitText(*l, text);
  REQUIRE(outs.size() == 3);
  CHECK(outs[0].line == 1);
  CHECK(outs[0].accepted());
  CHECK(outs[1].line == 4);
  CHECK(outs[1].reason == "malformed_json");
  CHECK_FALSE(outs[1].has_event_id);
  CHECK(outs[2].line == 6);
}

TEST_CASE("state survives reopening — recorded_at comes from the clock and never goes back",
          "[ledger]") {
  TempDir dir;
  FakeClock clock;
  {
    auto l = OpenAt(dir.path(), &clock);
    SubmitText(*l, Base());
  }
  clock.now -= 1'000'000;  // the clock steps back
  auto l = OpenAt(dir.path(), &clock);
  CHECK(l->head().position == 8);
  auto outs = SubmitText(*l, E("x", "activity.signup", "inst:HF-1",
                                R"("activity":"act-2","enterprise":"ent:E1")") +
                                 E("y", "activity.signup", "inst:HF-1",
                                   R"("activity":"act-2","enterprise":"ent:E2")"));
  CHECK(outs[0].reason == "already_exists");
  REQUIRE(outs[1].accepted());
  std::string bytes, json;
  REQUIRE(l->ReadRecord(9, &bytes).ok());
  REQUIRE(ledger::RecordToJson(bytes, &json).ok());
  CHECK(json.find("\"recorded_at\":\"2019-07-01T16:53:20.000000Z\"") != std::string::npos);
}
