// The annual evaluation by hand: points, caps, exact decimals, rounding half away from zero,
// ranking ties, grades, quality_resources after the institutions are graded.
#include <catch2/catch.hpp>

#include "projection_fixture.h"

using namespace smeledger;
using namespace smeledger::testing;
using projections::ExactNumber;
using projections::Grade;

namespace {

std::string Demand(const std::string& d, const std::string& prov, int score) {
  return Ev(d + "p", "demand.published", "province", "2019-03-01T10:00:00+08:00",
            R"("demand":")" + d + R"(","enterprise":"ent:E1","city":"city:340100","title":"T")") +
         Ev(d + "a", "demand.accepted", prov, "2019-03-01T11:00:00+08:00",
            R"("demand":")" + d + R"(","provider":")" + prov + "\"") +
         Ev(d + "c", "demand.completed", prov, "2019-03-02T11:00:00+08:00",
            R"("demand":")" + d + R"(","provider":")" + prov + "\"") +
         Ev(d + "r", "demand.rated", "province", "2019-03-03T11:00:00+08:00",
            R"("demand":")" + d + R"(","enterprise":"ent:E1","score":)" + std::to_string(score));
}

std::string Product(const std::string& id, const std::string& prov) {
  return Ev(id, "product.published", prov, "2019-03-01T10:00:00+08:00",
            R"("product":")" + id + R"(","provider":")" + prov + R"(","title":"T")");
}

std::string Linkage(const std::string& id, const std::string& prov) {
  return Ev(id, "collaboration.recorded", "province", "2019-03-01T10:00:00+08:00",
            R"("provider":")" + prov + R"(","kind":"matchmaking")");
}

std::string Assess(const std::string& id, const std::string& subj, const std::string& item,
                   const std::string& score) {
  return Ev(id, "assessment.scored", "dept", "2019-12-20T10:00:00+08:00",
            R"("subject":")" + subj + R"(","year":2019,"item":")" + item + R"(","score":)" + score);
}

// Recorded on 2019-01-05: every data-upload item is pending, so data_upload is null and
// scores its max (8 for institutions, 6 for cities).
void Build(ProjWorld& w) {
  w.RecordAt(1'546'646'400);  // 2019-01-05T00:00:00Z
  std::string s;
  for (const char* i : {"A", "B", "C", "E", "F", "H", "J"})
    s += Admit(std::string("adm-") + i, std::string("inst:") + i, "2019-01-02T10:00:00+08:00",
               "city:340100");
  // A: linkage 1 (10*1/4 = 2.5), products 3 (10*3/5 = 6), data_upload 8, infrastructure
  // 4.125, service_norms 7 capped at 5: base 25.625. Media 2 (2), province titles 3 (6, cap 4):
  // bonus min(5, 6) = 5. One complaint at fault: deduction 2. Total 28.625 -> 28.63.
  s += Linkage("l-a", "inst:A") + Product("pa1", "inst:A") + Product("pa2", "inst:A") +
       Product("pa3", "inst:A") + Assess("as-a1", "inst:A", "infrastructure", "4.125") +
       Assess("as-a2", "inst:A", "service_norms", "3") +
       Assess("as-a3", "inst:A", "service_norms", "7");  // the later one counts
  for (int k = 0; k < 2; ++k)
    s += Ev("m-a" + std::to_string(k), "media.reported", "province", "2019-05-01T10:00:00+08:00",
            R"("provider":"inst:A","level":"city","outlet":"O","title":"T")");
  for (int k = 0; k < 3; ++k)
    s += Ev("t-a" + std::to_string(k), "title.awarded", "dept", "2019-05-01T10:00:00+08:00",
            R"("holder":"inst:A","title":"T","level":"province")");
  s += Ev("cf-a", "complaint.filed", "province", "2019-05-01T10:00:00+08:00",
          R"("complaint":"c-a","provider":"inst:A","enterprise":"ent:E1")") +
       Ev("cr-a", "complaint.resolved", "province", "2019-05-02T10:00:00+08:00",
          R"("complaint":"c-a","verdict":"provider_at_fault")");
  // E: one demand rated 5: 0.5 + satisfaction 15 + 8 = 23.5.
  s += Demand("d-e", "inst:E", 5);
  // F: one demand rated 1 (0.5 + 0), products 5 (10), linkage 2 (5), + 8 = 23.5: ties E, and
  // ranks after E on satisfaction (0 < 1).
  s += Demand("d-f", "inst:F", 1);
  for (int k = 0; k < 5; ++k) s += Product("pf" + std::to_string(k), "inst:F");
  s += Linkage("l-f1", "inst:F") + Linkage("l-f2", "inst:F");
  // B: infrastructure 0.005 + 8 = 8.005 -> 8.01 (a double would give 8.00).
  s += Assess("as-b", "inst:B", "infrastructure", "0.005");
  // C, H: 8. J: 8, and a demonstration-platform title (city level: no bonus).
  s += Ev("t-j", "title.awarded", "dept", "2019-06-01T10:00:00+08:00",
          R"("holder":"inst:J","title":"Demo","level":"city","demonstration_platform":true)");
  // Hefei: internet_platform 3.5.
  s += Assess("as-h", "city:340100", "internet_platform", "3.5");
  w.Submit(s);
}

projections::RuleSet GradeRules(const projections::RuleSet& base) {
  std::string t = base.text;
  auto rep = [&](const std::string& a, const std::string& b) {
    auto p = t.find(a);
    REQUIRE(p != std::string::npos);
    t.replace(p, a.size(), b);
  };
  rep("id = \"anhui-2019-trial\"", "id = \"test-grades\"");
  rep("excellent_min_total = 90", "excellent_min_total = 20");
  rep("qualified_min_total = 60", "qualified_min_total = 8.005");
  auto r = projections::RuleSet::Parse(t, "test-grades.toml");
  REQUIRE(r.ok());
  return r.value();
}

const projections::AnnualRow& Find(const projections::AnnualEvaluation& e, const std::string& s) {
  for (const auto& r : e.subjects)
    if (r.values.subject == s) return r;
  FAIL("no row " << s);
  return e.subjects[0];
}

}  // namespace

TEST_CASE("annual points, bonus, deduction, exact total and rounding", "[projections][annual]") {
  ProjWorld w;
  Build(w);
  auto p = w.Fold();
  auto ev = projections::BuildAnnualEvaluation(*p, w.rules, w.cal, 2019);
  REQUIRE(ev.ok());
  REQUIRE(ev->subjects.size() == 16 + 7);
  CHECK(ev->subjects[0].values.subject == "city:340100");
  CHECK(ev->subjects[16].values.subject == "inst:A");
  const auto& a = Find(*ev, "inst:A");
  using R = projections::PointsRow;
  auto pts = [](const projections::AnnualRow& r, R row) { return r.points[static_cast<int>(row)]; };
  CHECK(pts(a, R::kLinkage) == ExactNumber::Ratio(5, 2));
  CHECK(pts(a, R::kProducts) == ExactNumber(6));
  CHECK(pts(a, R::kDataUpload) == ExactNumber(8));  // null data_upload scores max
  CHECK(pts(a, R::kSatisfaction) == ExactNumber(0));  // null satisfaction scores 0
  CHECK(pts(a, R::kInfrastructure) == ExactNumber::Ratio(33, 8));  // 4.125
  CHECK(pts(a, R::kServiceNorms) == ExactNumber(5));  // 7 capped
  CHECK(a.base == ExactNumber::Ratio(205, 8));        // 25.625
  CHECK(a.bonus == ExactNumber(5));
  CHECK(a.deduction == ExactNumber(2));
  CHECK(a.total == ExactNumber::Ratio(2863, 100));
  CHECK(a.values.service_norms.text == "7");
  const auto& b = Find(*ev, "inst:B");
  CHECK(b.base == ExactNumber::Ratio(8005, 1000));
  CHECK(b.total == ExactNumber::Ratio(801, 100));
  const auto& e = Find(*ev, "inst:E");
  CHECK(e.total == ExactNumber::Ratio(47, 2));
  CHECK(Find(*ev, "inst:F").total == ExactNumber::Ratio(47, 2));
  // Default grades: nobody reaches 60.
  for (const auto& r : ev->subjects) CHECK(r.grade == Grade::kUnqualified);
  CHECK(ev->white_list.empty());
  CHECK(ev->black_list.size() == 23);

  const std::string json = projections::AnnualEvaluationJson(*ev, w.rules);
  CHECK(json.find(R"("subject":"inst:A","group":"institution","indicators":{"satisfaction":null,)") !=
        std::string::npos);
  CHECK(json.find(R"("infrastructure":4.125,"service_norms":5,"products":6},"base":25.625,"bonus":5,"deduction":2,"total":28.63,"rank":1,"grade":"unqualified"})") !=
        std::string::npos);
  CHECK(json.find(R"("total":8.01,"rank":4)") != std::string::npos);
}

TEST_CASE("ranking ties, grades and quality_resources after institutions are graded",
          "[projections][annual]") {
  ProjWorld w;
  Build(w);
  auto rules = GradeRules(w.rules);
  auto p = w.Fold();
  auto ev = projections::BuildAnnualEvaluation(*p, rules, w.cal, 2019);
  REQUIRE(ev.ok());
  CHECK(ev->rules == "test-grades");
  // Institutions: A 28.63, E 23.5 (satisfaction 1), F 23.5 (satisfaction 0), B 8.01, then
  // C, H, J at 8 with null satisfaction, by id. Top 20% of 7 = ceil(1.4) = 2.
  const char* order[] = {"inst:A", "inst:E", "inst:F", "inst:B", "inst:C", "inst:H", "inst:J"};
  for (int i = 0; i < 7; ++i) CHECK(Find(*ev, order[i]).rank == i + 1);
  CHECK(Find(*ev, "inst:A").grade == Grade::kExcellent);
  CHECK(Find(*ev, "inst:E").grade == Grade::kExcellent);
  CHECK(Find(*ev, "inst:F").grade == Grade::kQualified);  // rank 3 > 2
  CHECK(Find(*ev, "inst:B").grade == Grade::kQualified);  // 8.01 >= 8.005
  CHECK(Find(*ev, "inst:C").grade == Grade::kUnqualified);  // 8 < 8.005
  // Hefei brought all seven (10*7/10 = 7); quality: A and E excellent, J a demonstration
  // platform = 3 (5 * min(1, 3/2) = 5); data_upload null = 6; internet_platform 3.5.
  const auto& hefei = Find(*ev, "city:340100");
  CHECK(hefei.values.resources_brought == 7);
  CHECK(hefei.values.quality_resources == 3);
  CHECK(hefei.base == ExactNumber::Ratio(43, 2));
  CHECK(hefei.rank == 1);
  CHECK(hefei.grade == Grade::kExcellent);  // 21.5 >= 20, rank 1 <= ceil(3.2) = 4
  CHECK(Find(*ev, "city:340200").total == ExactNumber(6));
  CHECK(Find(*ev, "city:340200").rank == 2);  // ties at 6, by id
  CHECK(Find(*ev, "city:341800").rank == 16);
  CHECK(ev->white_list ==
        std::vector<std::string>{"city:340100", "inst:A", "inst:B", "inst:E", "inst:F"});
}

TEST_CASE("ExactNumber: parsing, rounding half away from zero, nearest double", "[projections]") {
  ExactNumber x;
  REQUIRE(ExactNumber::ParseDecimal("4.50", &x));
  CHECK(x == ExactNumber::Ratio(9, 2));
  REQUIRE(ExactNumber::ParseDecimal("1e1", &x));
  CHECK(x == ExactNumber(10));
  REQUIRE(ExactNumber::ParseDecimal("0.125E-1", &x));
  CHECK(x == ExactNumber::Ratio(1, 80));
  CHECK(!ExactNumber::ParseDecimal("1.", &x));
  CHECK(ExactNumber::Ratio(8005, 1000).RoundHalfAwayFromZero(2) == ExactNumber::Ratio(801, 100));
  CHECK(ExactNumber::Ratio(-8005, 1000).RoundHalfAwayFromZero(2) == ExactNumber::Ratio(-801, 100));
  CHECK(ExactNumber::Ratio(80049, 10000).RoundHalfAwayFromZero(2) == ExactNumber(8));
  CHECK(ExactNumber::Ratio(1, 3).ToDouble() == 1.0 / 3.0);
  CHECK(ExactNumber::Ratio(2863, 100).ToJson() == "28.63");
  CHECK(ExactNumber(6).ToJson() == "6");
  CHECK(ExactNumber::Ratio(7, 3) > ExactNumber::Ratio(23, 10));
  CHECK(ExactNumber::Ratio(32, 10).Ceil() == 4);
  CHECK(ExactNumber(3).Ceil() == 3);
}
