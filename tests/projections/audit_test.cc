// explain and diff over a small hand-built ledger.
#include <catch2/catch.hpp>

#include "projection_fixture.h"
#include "smeledger/projections/audit.h"

using namespace smeledger;
using namespace smeledger::testing;

namespace {

void Build(ProjWorld& w) {
  std::string s = Admit("adm", "inst:A", "2019-07-01T10:00:00+08:00");
  for (const char* d : {"d1", "d2", "d3"}) {
    const std::string ds(d);
    s += Ev(ds + "p", "demand.published", "province", "2019-07-03T10:00:00+08:00",
            R"("demand":")" + ds + R"(","enterprise":"ent:E1","city":"city:340100","title":"T")") +
         Ev(ds + "a", "demand.accepted", "inst:A", "2019-07-03T11:00:00+08:00",
            R"("demand":")" + ds + R"(","provider":"inst:A")") +
         Ev(ds + "c", "demand.completed", "inst:A",
            ds == "d3" ? "2019-06-30T10:00:00+08:00" : "2019-07-04T11:00:00+08:00",
            R"("demand":")" + ds + R"(","provider":"inst:A")");
  }
  s += Ev("d1r", "demand.rated", "province", "2019-07-05T10:00:00+08:00",
          R"("demand":"d1","enterprise":"ent:E1","score":3)") +
       Ev("d2r", "demand.rated", "province", "2019-07-05T10:00:00+08:00",
          R"("demand":"d2","enterprise":"ent:E1","score":5)") +
       Ev("x", "event.retracted", "province", "2019-07-06T10:00:00+08:00",
          R"("target":"d2r","reason":"r")");
  w.Submit(s);
}

}  // namespace

TEST_CASE("explain lists the records counted and those left out, with reasons",
          "[projections][audit]") {
  ProjWorld w;
  Build(w);
  auto ex = projections::Explain(*w.l, w.rules, w.cal, "inst:A", "demand_matches",
                                 projections::Period::Parse("2019-Q3").value(), 0);
  REQUIRE(ex.ok());
  CHECK(ex->value == "2");
  REQUIRE(ex->records.size() == 3);
  CHECK(ex->records[0].event_id == "d1c");
  CHECK(ex->records[0].counted);
  CHECK(ex->records[1].event_id == "d2c");
  CHECK(ex->records[1].counted);
  CHECK(ex->records[2].event_id == "d3c");
  CHECK(!ex->records[2].counted);
  CHECK(ex->records[2].reason == "completed 2019-06-30, outside 2019-Q3");

  auto sat = projections::Explain(*w.l, w.rules, w.cal, "inst:A", "satisfaction",
                                  projections::Period::Parse("2019-Q3").value(), 0);
  REQUIRE(sat.ok());
  CHECK(sat->value == "0");  // one rating of 3: rated, not satisfied
  REQUIRE(sat->records.size() == 2);
  CHECK(sat->records[0].reason == "rated 3: rated, not satisfied");
  CHECK(!sat->records[1].counted);
  CHECK(sat->records[1].reason.rfind("retracted by x at position ", 0) == 0);
  const std::string json = projections::ExplanationJson(*sat);
  CHECK(json.find(R"("value":0,"counted":[{"position":)") != std::string::npos);

  CHECK(!projections::Explain(*w.l, w.rules, w.cal, "inst:A", "resources_brought",
                              projections::Period::Parse("2019-Q3").value(), 0)
             .ok());  // a city-only indicator
}

TEST_CASE("diff shows values and ratings that change class", "[projections][audit]") {
  ProjWorld w;
  Build(w);
  std::string t = w.rules.text;
  t.replace(t.find("id = \"anhui-2019-trial\""), 23, "id = \"lenient\"");
  t.replace(t.find("satisfied_min_score = 4"), 23, "satisfied_min_score = 3");
  auto lenient = projections::RuleSet::Parse(t, "lenient.toml").value();
  auto p = w.Fold();
  auto d = projections::DiffRuleSets(*w.l, *p, lenient, w.rules, w.cal,
                                     projections::Period::Parse("2019-Q3").value());
  REQUIRE(d.ok());
  REQUIRE(d->values.size() == 1);
  CHECK(d->values[0].subject == "inst:A");
  CHECK(d->values[0].indicator == "satisfaction");
  CHECK(d->values[0].old_value == "0");
  CHECK(d->values[0].new_value == "1");
  REQUIRE(d->records.size() == 1);
  CHECK(d->records[0].what == "rating 3");
  CHECK(d->records[0].old_class == "not satisfied");
  CHECK(d->records[0].new_class == "satisfied");
}
