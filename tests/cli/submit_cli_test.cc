// The CLI end to end on generated data: outcomes, exit codes, messages, resubmission, verify.
#include <catch2/catch.hpp>

#include <map>

#include "cli_support.h"
#include "ledger_fixture.h"

using namespace smeledger::testing;

TEST_CASE("generated province with every kind of bad line: outcomes match expectations",
          "[cli]") {
  TempDir dir;
  const std::string events = dir / "events.jsonl", expect = dir / "expect.jsonl",
                    outcomes = dir / "outcomes.jsonl", db = dir / "ledger";
  auto g = Smeledger(dir.path(), "generate --institutions 20 --enterprises 2000 --year 2019 "
                                 "--seed 7 --bad 150 --limit 60000 --expect " + expect);
  REQUIRE(g.exit_code == 0);
  std::ofstream(events, std::ios::binary) << g.out;
  auto s = Smeledger(dir.path(), "--db " + db + " submit " + events + " --outcomes " + outcomes);
  CHECK(s.exit_code == 1);  // rejected lines: the user must act
  CHECK(s.err.find("rejected") != std::string::npos);
  CHECK(s.err.find("line ") != std::string::npos);
  auto want = Lines(Slurp(expect));
  auto got = Lines(Slurp(outcomes));
  REQUIRE(got.size() == want.size());
  std::map<std::string, int> reasons;
  uint64_t accepted = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("line " << Field(want[i], "line") << ": got " << got[i]);
    REQUIRE(Field(got[i], "line") == Field(want[i], "line"));
    REQUIRE(Field(got[i], "outcome") == Field(want[i], "outcome"));
    if (Field(want[i], "outcome") == "rejected") {
      REQUIRE(Field(got[i], "reason") == Field(want[i], "reason"));
      CHECK(Field(got[i], "message").size() > 5);
      CHECK(Field(got[i], "field") != "<absent>");
      reasons[Field(got[i], "reason")]++;
    } else {
      REQUIRE(Field(got[i], "position") == Field(want[i], "position"));
      CHECK(Field(got[i], "hash").size() == 64);
      if (Field(want[i], "outcome") == "accepted") ++accepted;
    }
  }
  CHECK(reasons.size() == 15);  // every reason code
  auto v = Smeledger(dir.path(), "--db " + db + " --format json verify");
  CHECK(v.exit_code == 0);
  CHECK(Field(v.out, "ok") == "true");
  CHECK(Field(v.out, "position") == std::to_string(accepted));

  // The same file again: nothing new; every valid line is a duplicate of itself.
  auto again = Smeledger(dir.path(), "--db " + db + " submit " + events + " --outcomes " +
                                         outcomes);
  CHECK(again.exit_code == 1);
  auto got2 = Lines(Slurp(outcomes));
  REQUIRE(got2.size() == want.size());
  for (size_t i = 0; i < got2.size(); ++i) {
    if (Field(want[i], "outcome") != "rejected") {
      REQUIRE(Field(got2[i], "outcome") == "duplicate");
      REQUIRE(Field(got2[i], "position") == Field(want[i], "position"));
    }
  }
  auto v2 = Smeledger(dir.path(), "--db " + db + " --format json verify");
  CHECK(Field(v2.out, "position") == std::to_string(accepted));
}

TEST_CASE("submit reads standard input (no file, or -) exactly as it reads a file", "[cli]") {
  TempDir dir;
  const std::string events = dir / "events.jsonl";
  auto g = Smeledger(dir.path(), "generate --institutions 5 --enterprises 500 --seed 3 --bad 30 "
                                 "--limit 5000");
  REQUIRE(g.exit_code == 0);
  std::ofstream(events, std::ios::binary) << g.out;
  auto from_file = Smeledger(dir.path(), "--db " + (dir / "a") + " submit " + events +
                                             " --outcomes -");
  auto from_stdin = Smeledger(dir.path(), "--db " + (dir / "b") + " submit --outcomes -", events);
  auto from_dash =
      Smeledger(dir.path(), "--db " + (dir / "c") + " submit - --outcomes -", events);
  CHECK(from_file.exit_code == 1);  // the bad lines
  CHECK(from_stdin.exit_code == from_file.exit_code);
  CHECK(from_dash.exit_code == from_file.exit_code);
  CHECK(Lines(from_file.out).size() == 5000);
  // Same outcomes line for line, hashes included (the clock differs, so compare the fields
  // that do not depend on it).
  const auto a = Lines(from_file.out), b = Lines(from_stdin.out), c = Lines(from_dash.out);
  REQUIRE(b.size() == a.size());
  REQUIRE(c.size() == a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    INFO(a[i] << "\n" << b[i]);
    for (const char* f : {"line", "outcome", "position", "reason", "field"}) {
      CHECK(Field(b[i], f) == Field(a[i], f));
      CHECK(Field(c[i], f) == Field(a[i], f));
    }
  }
}

TEST_CASE("show, history and export read what submit wrote", "[cli]") {
  TempDir dir;
  const std::string db = dir / "ledger", in = dir / "in.jsonl";
  {
    std::ofstream f(in);
    f << E("a0", "institution.admitted", "province",
           R"("institution":"inst:HF-1","city":"city:340100","name":"n")")
      << E("s1", "service.delivered", "inst:HF-1",
           R"("provider":"inst:HF-1","enterprise":"ent:E1","date":"2019-07-02")");
  }
  REQUIRE(Smeledger(dir.path(), "--db " + db + " submit " + in).exit_code == 0);
  auto show = Smeledger(dir.path(), "--db " + db + " show 2");
  CHECK(show.exit_code == 0);
  CHECK(Field(show.out, "position") == "2");
  CHECK(show.out.find(R"("event":{"actor":"inst:HF-1","date":"2019-07-02")") != std::string::npos);
  auto by_id = Smeledger(dir.path(), "--db " + db + " show --event-id s1");
  CHECK(by_id.out == show.out);
  CHECK(Smeledger(dir.path(), "--db " + db + " show 3").exit_code == 1);
  CHECK(Smeledger(dir.path(), "--db " + db + " show --event-id nope").exit_code == 1);
  auto hist = Smeledger(dir.path(), "--db " + db + " history --subject ent:E1");
  CHECK(Lines(hist.out).size() == 1);
  auto hist2 = Smeledger(dir.path(), "--db " + db + " history --subject inst:HF-1");
  CHECK(Lines(hist2.out).size() == 2);
  auto exp = Smeledger(dir.path(), "--db " + db + " export --from 1 --to 2");
  auto lines = Lines(exp.out);
  REQUIRE(lines.size() == 2);
  CHECK(Field(lines[1], "prev_hash") == Field(lines[0], "hash"));
  CHECK(Field(lines[0], "prev_hash") == std::string(64, '0'));
}

TEST_CASE("exit codes and one clear line for every failure", "[cli]") {
  TempDir dir;
  const std::string db = dir / "ledger";
  auto missing = Smeledger(dir.path(), "--db " + db + " submit " + dir / "nope.jsonl");
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("cannot read") != std::string::npos);
  CHECK(Smeledger(dir.path(), "--db " + db + " frobnicate").exit_code == 2);
  CHECK(Smeledger(dir.path(), "--db " + db + " --format yaml verify").exit_code == 2);
  // No ledger there: environment failure.
  auto noledger = Smeledger(dir.path(), "--db " + dir / "absent" + " verify");
  CHECK(noledger.exit_code == 3);
  CHECK(noledger.err.find("cannot open the ledger") != std::string::npos);
  // Stdin input, a rejected line: exit 1, line/field/reason named, nothing written.
  const std::string in = dir / "bad.jsonl";
  {
    std::ofstream f(in);
    f << E("x1", "activity.rated", "province",
           R"("activity":"a","enterprise":"ent:E1","score":9)");
  }
  auto bad = Smeledger(dir.path(), "--db " + db + " submit -", in);
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.find("line 1: rejected: invalid_value (field \"score\")") != std::string::npos);
  auto v = Smeledger(dir.path(), "--db " + db + " --format json verify");
  CHECK(Field(v.out, "position") == "0");
}

TEST_CASE("progress stays quiet when piped", "[cli]") {
  TempDir dir;
  const std::string db = dir / "ledger", events = dir / "e.jsonl";
  auto g = Smeledger(dir.path(), "generate --institutions 5 --enterprises 500 --limit 20000");
  REQUIRE(g.exit_code == 0);
  std::ofstream(events, std::ios::binary) << g.out;
  auto s = Smeledger(dir.path(), "--db " + db + " submit " + events);
  CHECK(s.exit_code == 0);
  CHECK(s.err.find('\r') == std::string::npos);
  CHECK(s.err.find("submitted 20000 lines") != std::string::npos);
  CHECK(s.out.empty());
  auto q = Smeledger(dir.path(), "-q --db " + db + " submit " + events);
  CHECK(q.err.empty());
}

TEST_CASE("bench prints its figures: rate, CPU per stage, the rebuild's own peak memory",
          "[cli][bench]") {
  TempDir dir;
  auto in = Smeledger(dir.path(), "-q bench ingest --events 20000");
  REQUIRE(in.exit_code == 0);
  INFO(in.out << in.err);
  CHECK(std::stod(Field(in.out, "events_per_second")) > 0);
  CHECK(std::stoull(Field(in.out, "events")) > 15000);
  for (const char* stage : {"parse", "validate", "write"})
    CHECK(std::stod(Field(in.out, stage)) > 0);
  auto rb = Smeledger(dir.path(), "-q bench rebuild --events 20000");
  REQUIRE(rb.exit_code == 0);
  INFO(rb.out << rb.err);
  // The child's own VmHWM: more than nothing, less than what this test's ledger could need.
  const double peak = std::stod(Field(rb.out, "peak_rss_mb"));
  CHECK(peak > 5);
  CHECK(peak < 1024);
}

TEST_CASE("the allocator is tuned through one re-exec, unless the user chose otherwise",
          "[cli][bench]") {
  TempDir dir;
  ScopedEnv opt("SMELEDGER_MALLOC", nullptr), tunables("GLIBC_TUNABLES", nullptr);
  auto allocator = [&] {
    auto r = Smeledger(dir.path(), "-q bench ingest --events 2000");
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    return Field(r.out, "allocator");
  };
  CHECK(allocator() == "glibc.malloc.hugetlb=1:glibc.malloc.arena_max=1");
  {
    ScopedEnv system("SMELEDGER_MALLOC", "system");
    CHECK(allocator() == "system");
  }
  {  // the user's own choice of either tunable stands
    ScopedEnv own("GLIBC_TUNABLES", "glibc.malloc.arena_max=2");
    CHECK(allocator() == "glibc.malloc.arena_max=2");
  }
  {  // other tunables are kept, after ours (so that they win where they overlap)
    ScopedEnv other("GLIBC_TUNABLES", "glibc.malloc.tcache_count=0:glibc.rtld.nns=2");
    CHECK(allocator() ==
          "glibc.malloc.hugetlb=1:glibc.malloc.arena_max=1:glibc.malloc.tcache_count=0");
  }
}
