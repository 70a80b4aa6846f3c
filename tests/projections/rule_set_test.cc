// Rule sets: the shipped values, and every refusal with a message naming file and key.
#include <catch2/catch.hpp>

#include <fstream>

#include "smeledger/projections/rule_set.h"

using namespace smeledger;
using namespace smeledger::projections;

namespace {

std::string Shipped() { return RuleSet::Shipped("anhui-2019-trial").value().text; }

std::string Edit(std::string t, const std::string& a, const std::string& b) {
  auto p = t.find(a);
  REQUIRE(p != std::string::npos);
  t.replace(p, a.size(), b);
  return t;
}

std::string Refusal(const std::string& text) {
  auto r = RuleSet::Parse(text, "my.toml");
  REQUIRE(!r.ok());
  CHECK(r.status().code() == Status::Code::kInvalidInput);
  return r.status().message();
}

}  // namespace

TEST_CASE("the shipped rule set holds every value of INDICATORS.md", "[rules]") {
  auto r = RuleSet::Shipped("anhui-2019-trial");
  REQUIRE(r.ok());
  const RuleSet& rs = *r;
  CHECK(rs.id == "anhui-2019-trial");
  CHECK(rs.digest.size() == 64);
  CHECK(rs.satisfied_min_score == ExactNumber(4));
  CHECK(rs.offline_upload_kinds ==
        std::vector<UploadKind>{UploadKind::kAttendeeList, UploadKind::kPhotos, UploadKind::kSummary});
  CHECK(rs.upload_working_days == 5);
  CHECK(rs.monthly_due_day == 10);
  CHECK(rs.annual_due_month == 1);
  CHECK(rs.annual_due_day == 10);
  CHECK(rs.upload_time_source == UploadTimeSource::kOccurredAt);
  struct Row { PointsRow r; int cmax, ctarget, imax, itarget; };
  const Row rows[] = {
      {PointsRow::kSatisfaction, 10, 0, 15, 0},    {PointsRow::kDemandMatches, 10, 200, 10, 20},
      {PointsRow::kEnterprisesServed, 10, 500, 10, 50}, {PointsRow::kActivities, 10, 40, 10, 8},
      {PointsRow::kRegisteredUsers, 5, 1000, 10, 100}, {PointsRow::kResourcesBrought, 10, 10, -1, 0},
      {PointsRow::kQualityResources, 5, 2, -1, 0},  {PointsRow::kLinkage, 8, 12, 10, 4},
      {PointsRow::kDemandCollection, 6, 4, 7, 2},   {PointsRow::kDataUpload, 6, 0, 8, 0},
      {PointsRow::kInfrastructure, 5, 0, 5, 0},     {PointsRow::kServiceNorms, 5, 0, 5, 0},
      {PointsRow::kInternetPlatform, 5, 0, -1, 0},  {PointsRow::kProducts, 5, 20, 10, 5}};
  ExactNumber city_total = 0, inst_total = 0;
  for (const Row& row : rows) {
    INFO(PointsRowId(row.r));
    const auto& c = rs.Points(Group::kCity, row.r);
    const auto& i = rs.Points(Group::kInstitution, row.r);
    CHECK(c.applies);
    CHECK(c.max == ExactNumber(row.cmax));
    CHECK(c.target == ExactNumber(row.ctarget));
    city_total = city_total + c.max;
    if (row.imax < 0) {
      CHECK(!i.applies);
    } else {
      CHECK(i.max == ExactNumber(row.imax));
      CHECK(i.target == ExactNumber(row.itarget));
      inst_total = inst_total + i.max;
    }
  }
  CHECK(city_total == ExactNumber(100));
  CHECK(inst_total == ExactNumber(100));
  CHECK(rs.media.per_item == ExactNumber(1));
  CHECK(rs.media.cap == ExactNumber(3));
  CHECK(rs.titles.per_item == ExactNumber(2));
  CHECK(rs.titles.cap == ExactNumber(4));
  CHECK(rs.bonus_cap == ExactNumber(5));
  CHECK(rs.complaints.per_item == ExactNumber(2));
  CHECK(rs.complaints.cap == ExactNumber(10));
  CHECK(rs.excellent_min_total == ExactNumber(90));
  CHECK(rs.excellent_top_percent == ExactNumber(20));
  CHECK(rs.qualified_min_total == ExactNumber(60));
}

TEST_CASE("rule sets are refused with the file and the key", "[rules]") {
  const std::string t = Shipped();
  CHECK(Refusal(Edit(t, "products = { max = 10, target = 5 }", "products = { max = 10, target = 0 }")) ==
        "rule set my.toml: `points.institution.products.target`: must be above 0");
  CHECK(Refusal(Edit(t, "linkage = { max = 8, target = 12 }", "linkage = { max = 8, target = -1 }"))
            .find("`points.city.linkage.target`") != std::string::npos);
  CHECK(Refusal(Edit(t, "monthly_due_day = 10", "monthly_due_day = 29")) ==
        "rule set my.toml: `data_upload.monthly_due_day`: must be from 1 to 28, not 29");
  CHECK(Refusal(Edit(t, "[points.institution]\n", "[points.institution]\nfoo = { max = 1 }\n")) ==
        "rule set my.toml: `points.institution.foo`: unknown indicator (no points row)");
  CHECK(Refusal(Edit(t, "[points.institution]\n",
                     "[points.institution]\nresources_brought = { max = 1, target = 1 }\n"))
            .find("unknown indicator for the institution group") != std::string::npos);
  CHECK(Refusal(Edit(t, "satisfied_min_score = 4\n", "")) ==
        "rule set my.toml: `satisfaction.satisfied_min_score`: missing value");
  CHECK(Refusal(Edit(t, "demand_matches = { max = 10, target = 200 }\n", "")) ==
        "rule set my.toml: `points.city.demand_matches`: missing value");
  CHECK(Refusal(Edit(t, "upload_working_days = 5", "upload_working_days = \"5\"")) ==
        "rule set my.toml: `data_upload.upload_working_days`: must be an integer");
  CHECK(Refusal(Edit(t, "upload_time_source = \"occurred_at\"", "upload_time_source = \"now\""))
            .find("`data_upload.upload_time_source`") != std::string::npos);
  CHECK(Refusal(Edit(t, "annual_due = \"01-10\"", "annual_due = \"02-30\""))
            .find("`data_upload.annual_due`") != std::string::npos);
  CHECK(Refusal(Edit(t, "\"photos\"", "\"video\"")).find("`data_upload.offline_upload_kinds`") !=
        std::string::npos);
  CHECK(Refusal(Edit(t, "[grades]", "colour = 1\n[grades]")) ==
        "rule set my.toml: `deduction.colour`: unknown key");
  CHECK(Refusal(Edit(t, "satisfaction = { max = 10 }", "satisfaction = { max = 10, target = 3 }"))
            .find("`points.city.satisfaction.target`") != std::string::npos);
  CHECK(Refusal("id = ").find("my.toml:1: not valid TOML") != std::string::npos);
  CHECK(Refusal(Edit(t, "id = \"anhui-2019-trial\"\n", "")) == "rule set my.toml: `id`: missing value");
}

TEST_CASE("the rules option resolves a shipped id or a file — a new id is a new version", "[rules]") {
  CHECK(RuleSet::Resolve("anhui-2019-trial").ok());
  auto missing = RuleSet::Resolve("/nonexistent/rules.toml");
  CHECK(missing.status().code() == Status::Code::kInvalidInput);
  const std::string path = "/tmp/smeledger-rules-test-" + std::to_string(::getpid()) + ".toml";
  {
    std::ofstream f(path);
    f << Edit(Edit(Shipped(), "id = \"anhui-2019-trial\"", "id = \"anhui-2020\""),
              "satisfied_min_score = 4", "satisfied_min_score = 3.5");
  }
  auto r = RuleSet::Resolve(path);
  std::remove(path.c_str());
  REQUIRE(r.ok());
  CHECK(r->id == "anhui-2020");
  CHECK(r->satisfied_min_score == ExactNumber::Ratio(7, 2));
  CHECK(r->digest != RuleSet::Shipped("anhui-2019-trial")->digest);
  CHECK(r->origin == path);
}
