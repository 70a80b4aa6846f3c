// End to end: incremental projections (after each submit) = rebuild = a fresh ledger, byte for
// byte; as-of reproduces an older notice; notice verify; compliance --strict and exit codes;
// workdays.
#include <catch2/catch.hpp>

#include <fstream>

#include "cli_support.h"
#include "ledger_fixture.h"

using namespace smeledger::testing;

namespace {

void Write(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
}

std::string Ok(const std::string& dir, const std::string& args) {
  Run r = Smeledger(dir, args);
  INFO(args << "\n" << r.err);
  REQUIRE(r.exit_code == 0);
  return r.out;
}

}  // namespace

TEST_CASE("incremental projections equal a rebuild — as-of reproduces an older notice",
          "[cli][projections][slow]") {
  TempDir dir;
  const std::string d = dir.path();
  Write(d + "/all.jsonl", Ok(d, "generate --institutions 24 --enterprises 800 --year 2019 --seed 7"));
  const auto lines = Lines(Slurp(d + "/all.jsonl"));
  REQUIRE(lines.size() > 30000);
  const size_t cut1 = lines.size() / 3, cut2 = 2 * lines.size() / 3;
  std::string p1, p2, p3;
  for (size_t i = 0; i < lines.size(); ++i)
    (i < cut1 ? p1 : i < cut2 ? p2 : p3) += lines[i] + "\n";
  Write(d + "/p1.jsonl", p1);
  Write(d + "/p2.jsonl", p2);
  Write(d + "/p3.jsonl", p3);

  const std::string inc = "--db " + d + "/inc --format json -q ";
  Ok(d, inc + "submit " + d + "/p1.jsonl");
  const std::string old_notice = Ok(d, inc + "report quarterly --period 2019-Q2");
  const std::string p1_pos = Field(old_notice, "position");
  CHECK(p1_pos == std::to_string(cut1));
  Ok(d, inc + "submit " + d + "/p2.jsonl");
  Ok(d, inc + "submit " + d + "/p3.jsonl");
  // submit saves the default projection at the head: a report has nothing left to fold.
  const Run folded =
      Smeledger(d, "--db " + d + "/inc --format json -v report quarterly --period 2019-Q3");
  CHECK(folded.err.find("saved state at position " + std::to_string(lines.size()) +
                        ", 0 records folded") != std::string::npos);
  const std::string q3_inc = Ok(d, inc + "report quarterly --period 2019-Q3");
  const std::string y_inc = Ok(d, inc + "report annual --year 2019");
  const std::string c_inc = Ok(d, inc + "compliance --period 2019");
  CHECK(q3_inc.find("\"digest\":\"") != std::string::npos);

  Ok(d, inc + "rebuild");
  CHECK(Ok(d, inc + "report quarterly --period 2019-Q3") == q3_inc);
  CHECK(Ok(d, inc + "report annual --year 2019") == y_inc);

  const std::string full = "--db " + d + "/full --format json -q ";
  Ok(d, full + "submit " + d + "/all.jsonl");
  CHECK(Ok(d, full + "report quarterly --period 2019-Q3") == q3_inc);
  CHECK(Ok(d, full + "report annual --year 2019") == y_inc);
  CHECK(Ok(d, full + "compliance --period 2019") == c_inc);

  // As of the position after the first part, the old notice again.
  CHECK(Ok(d, inc + "report quarterly --period 2019-Q2 --position " + p1_pos) == old_notice);

  // notice verify: the approved digest matches; a wrong one is a failure (exit 1).
  const std::string digest = Field(old_notice, "digest");
  Write(d + "/n.jsonl",
        R"({"event_id":"notice-1","type":"notice.approved","occurred_at":"2019-07-05T10:00:00+08:00","actor":"dept","period":"2019-Q2","position":)" +
            p1_pos + R"(,"rules":"anhui-2019-trial","digest":")" + digest + "\"}\n");
  Ok(d, inc + "submit " + d + "/n.jsonl");
  const std::string v = Ok(d, inc + "notice verify --period 2019-Q2");
  CHECK(v.find("\"ok\":true") != std::string::npos);
  std::string bad = digest;
  bad[0] = bad[0] == '0' ? '1' : '0';
  Write(d + "/n2.jsonl",
        R"({"event_id":"notice-2","type":"notice.approved","occurred_at":"2019-07-05T10:00:00+08:00","actor":"dept","period":"2019-Q2","position":)" +
            p1_pos + R"(,"rules":"anhui-2019-trial","digest":")" + bad + "\"}\n" +
        R"({"event_id":"notice-3","type":"notice.approved","occurred_at":"2019-07-05T10:00:00+08:00","actor":"dept","period":"2019-Q2","position":)" +
            p1_pos + R"(,"rules":"no-such-rules","digest":")" + digest + "\"}\n");
  Ok(d, inc + "submit " + d + "/n2.jsonl");
  Run r = Smeledger(d, inc + "notice verify --period 2019-Q2");
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("digest mismatch") != std::string::npos);
  CHECK(r.out.find("unknown rule set") != std::string::npos);

  // diff of a rule set against itself: nothing changes.
  const std::string diff = Ok(d, inc + "diff --rules anhui-2019-trial --against anhui-2019-trial --period 2019-Q3");
  CHECK(diff.find("\"changes\":[],\"records\":[]") != std::string::npos);
  // explain agrees with the report.
  const std::string ex = Ok(d, inc + "explain --subject city:340100 --indicator demand_matches --period 2019-Q3");
  CHECK(ex.find("\"counted\":[") != std::string::npos);
}

TEST_CASE("compliance --strict, CSV with --excel, a missing calendar year, workdays",
          "[cli][projections]") {
  TempDir dir;
  const std::string d = dir.path();
  Write(d + "/e.jsonl",
        R"({"event_id":"a1","type":"institution.admitted","occurred_at":"2019-07-01T10:00:00+08:00","actor":"province","institution":"inst:A","city":"city:340100","name":"A"})" "\n"
        R"({"event_id":"u1","type":"report.uploaded","occurred_at":"2019-08-09T10:00:00+08:00","actor":"inst:A","provider":"inst:A","kind":"monthly","period":"2019-07","sha256":"9f2c0e5a3b1d4c6e8f7a9b0c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6","bytes":1})" "\n");
  const std::string db = "--db " + d + "/db -q ";
  Ok(d, db + "submit " + d + "/e.jsonl");
  // Recorded now (after every deadline of 2019): August and September are missing.
  const std::string j = Ok(d, db + "--format json compliance --period 2019-Q3 --subject inst:A");
  CHECK(j == R"({"items":[{"subject":"inst:A","item":"monthly:2019-07","deadline":"2019-08-10","uploaded":"2019-08-09","status":"on_time"},)"
             R"({"subject":"inst:A","item":"monthly:2019-08","deadline":"2019-09-10","uploaded":null,"status":"missing"},)"
             R"({"subject":"inst:A","item":"monthly:2019-09","deadline":"2019-10-10","uploaded":null,"status":"missing"}]})" "\n");
  Run strict = Smeledger(d, db + "--format json compliance --period 2019-Q3 --subject inst:A --strict");
  CHECK(strict.exit_code == 1);
  CHECK(strict.err.find("late or missing") != std::string::npos);
  const std::string csv = Ok(d, db + "--format csv --excel compliance --period 2019-Q3 --subject inst:A");
  CHECK(csv.rfind("\xEF\xBB\xBFsubject,item,deadline,uploaded,status\n", 0) == 0);
  // Position 1 (admission only): as of its recorded_at everything is still pending or not.
  // An activity ending 2026-12-30 needs 2027 for its deadline: exit 3 naming the year.
  Write(d + "/f.jsonl",
        R"({"event_id":"p1","type":"activity.published","occurred_at":"2026-12-01T10:00:00+08:00","actor":"inst:A","activity":"x","owner":"inst:A","mode":"offline","title":"T","starts_at":"2026-12-30T09:00:00+08:00","ends_at":"2026-12-30T17:00:00+08:00"})" "\n");
  Ok(d, db + "submit " + d + "/f.jsonl");
  Run cal = Smeledger(d, db + "compliance --period 2026-Q4");
  CHECK(cal.exit_code == 3);
  CHECK(cal.err.find("2027") != std::string::npos);
  Run rep = Smeledger(d, db + "report quarterly --period 2026-Q4");
  CHECK(rep.exit_code == 3);
  // workdays: bare output whatever --format.
  CHECK(Ok(d, "--format json workdays add 2019-09-30 5") == "2019-10-12\n");
  CHECK(Ok(d, "workdays is 2019-10-12") == "true\n");
  CHECK(Ok(d, "workdays is 2019-10-07") == "false\n");
  CHECK(Smeledger(d, "workdays is 2031-01-02").exit_code == 3);
  // A refused rule set is bad input (exit 2).
  Write(d + "/bad.toml", "id = \"x\"\n");
  Run br = Smeledger(d, db + "--rules " + d + "/bad.toml report quarterly --period 2019-Q3");
  CHECK(br.exit_code == 2);
  CHECK(br.err.find("bad.toml") != std::string::npos);
}
