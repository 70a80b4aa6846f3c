// `smeledger project` end to end against the development broker: a ledger built with submit,
// its records published to <prefix>records as the wire contract says, `project` run as a user
// runs it, and every read command compared byte for byte on the two directories.
#include <catch2/catch.hpp>

#include <filesystem>
#include <random>
#include <regex>

#include "replica_support.h"
#include "smeledger/projections/projection_store.h"

using namespace smeledger;
using namespace smeledger::testing;
using namespace std::chrono_literals;

namespace {

std::string Ok(const std::string& dir, const std::string& args) {
  Run r = Smeledger(dir, args);
  INFO(args << "\n" << r.err);
  REQUIRE(r.exit_code == 0);
  return r.out;
}

void Write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// A ledger at dir/<name> of the generated province (`generate_args`), plus, when `notice`, a
// notice.approved of 2019-Q3 with the digest the projection computes (so that `notice verify`
// has something to check).
std::string BuildLedger(const TempDir& dir, const std::string& name,
                        const std::string& generate_args, bool notice) {
  const std::string db = dir / name;
  Write(dir / (name + ".jsonl"), Ok(dir.path(), "generate " + generate_args));
  Ok(dir.path(), "--db " + db + " -q submit " + (dir / (name + ".jsonl")));
  if (notice) {
    const std::string q3 = Ok(dir.path(), "--db " + db + " --format json report quarterly --period 2019-Q3");
    Write(dir / (name + "-notice.jsonl"),
          R"({"event_id":"notice-q3","type":"notice.approved","occurred_at":"2019-10-08T10:00:00+08:00","actor":"dept","period":"2019-Q3","position":)" +
              Field(q3, "position") + R"(,"rules":"anhui-2019-trial","digest":")" +
              Field(q3, "digest") + "\"}\n");
    Ok(dir.path(), "--db " + db + " -q submit " + (dir / (name + "-notice.jsonl")));
  }
  return db;
}

// The shipped rule set with another id and another satisfied_min_score.
std::string VariantRules(const TempDir& dir) {
  std::string text = Slurp(std::string(SMELEDGER_SOURCE_DIR) +
                           "/projections/rules/anhui-2019-trial.toml");
  text = std::regex_replace(text, std::regex("id = \"anhui-2019-trial\""),
                            "id = \"anhui-2019-variant\"");
  text = std::regex_replace(text, std::regex("satisfied_min_score = 4"),
                            "satisfied_min_score = 3");
  const std::string path = dir / "variant.toml";
  Write(path, text);
  return path;
}

// The read commands of CLI.md, each as the argument string after `--db DIR --format json`.
std::vector<std::string> ReadCommands(const TempDir& dir, const std::string& ledger_db,
                                      const std::string& variant) {
  const std::string all = Ok(dir.path(), "--db " + ledger_db + " --format json export --to 5000");
  auto first = [&](const std::string& field) {
    const std::string k = "\"" + field + "\":\"";
    const size_t at = all.find(k);
    REQUIRE(at != std::string::npos);
    return all.substr(at + k.size(), all.find('"', at + k.size()) - at - k.size());
  };
  const std::string inst = first("institution"), ent = first("enterprise");
  const std::string event_id = first("event_id");
  const uint64_t head = HeadOf(ledger_db);
  return {
      "verify",
      "export",
      "export --from 100 --to 200",
      "show 1",
      "show " + std::to_string(head),
      "show --event-id " + event_id,
      "history --subject " + inst,
      "history --subject " + ent,
      "report quarterly --period 2019-Q3",
      "report annual --year 2019",
      "report quarterly --period 2019-Q2 --position " + std::to_string(head / 2),
      "compliance --period 2019-Q3",
      "explain --subject city:340100 --indicator demand_matches --period 2019-Q3",
      "explain --subject " + inst + " --indicator data_upload --period 2019-Q3",
      "diff --rules " + variant + " --against anhui-2019-trial --period 2019-Q3",
      "--rules " + variant + " report annual --year 2019",
      "notice verify --period 2019-Q3",
  };
}

// Every read command prints the same bytes (and exits the same) on both directories.
void CheckSameOutputs(const std::string& dir, const std::string& ledger_db,
                      const std::string& replica_db, const std::vector<std::string>& commands) {
  for (const std::string& c : commands) {
    Run a = Smeledger(dir, "--db " + ledger_db + " --format json " + c);
    Run b = Smeledger(dir, "--db " + replica_db + " --format json " + c);
    INFO(c << "\nledger: " << a.err << "\nreplica: " << b.err);
    CHECK(a.exit_code == 0);
    CHECK(b.exit_code == a.exit_code);
    CHECK(!a.out.empty());
    CHECK(b.out == a.out);
  }
}

std::vector<std::string> ProjectArgs(const std::string& db, const std::string& bootstrap,
                                     const std::string& prefix,
                                     const std::vector<std::string>& more = {}) {
  std::vector<std::string> a = {"--db", db, "project", "--bootstrap", bootstrap,
                                "--topic-prefix", prefix};
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

std::string LastLine(const std::string& s) {
  const auto l = Lines(s);
  return l.empty() ? "" : l.back();
}

}  // namespace

TEST_CASE("a replica's read commands print byte for byte what the ledger's print, also while "
          "it runs",
          "[project][kafka]") {
  const std::string bootstrap = KafkaBootstrap();
  REQUIRE_FALSE(bootstrap.empty());
  TempDir dir;
  const std::string ledger_db = BuildLedger(
      dir, "ledger", "--institutions 20 --enterprises 500 --year 2019 --seed 1", true);
  const auto records = LedgerRecords(ledger_db);
  REQUIRE(records.size() > 100000);
  const std::string prefix = UniqueTopicPrefix("project-same");
  RecordsPublisher pub(bootstrap, prefix, 5000);
  pub.Publish(records, 0, records.size() / 3);

  const std::string replica = dir / "replica";
  Child project(ProjectArgs(replica, bootstrap, prefix), dir / "project.out",
                dir / "project.err");
  REQUIRE(WaitForHead(replica, records.size() / 3, 120s, &project));
  // The rest arrives while readers open the replica beside its writer.
  std::thread rest([&] { pub.Publish(records, records.size() / 3, records.size()); });
  for (int i = 0; i < 3; ++i) {
    Run r = Smeledger(dir.path(), "--db " + replica + " --format json report quarterly --period 2019-Q3");
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(Smeledger(dir.path(), "--db " + replica + " --format json show 1").exit_code == 0);
  }
  rest.join();
  REQUIRE(WaitForHead(replica, records.size(), 120s, &project));
  REQUIRE(project.Running());

  const auto commands = ReadCommands(dir, ledger_db, VariantRules(dir));
  CheckSameOutputs(dir.path(), ledger_db, replica, commands);  // while it runs

  project.Signal(SIGTERM);
  const auto code = project.Wait(30s);
  INFO(project.err());
  REQUIRE(code.has_value());
  CHECK(*code == 0);
  const std::string err = project.err();
  CHECK(err.find("read replica of " + prefix + "records (partition 0) at " + replica +
                 ", rules anhui-2019-trial (") != std::string::npos);
  CHECK(err.find("), from the beginning\n") != std::string::npos);
  CHECK(err.find("consumer: bootstrap.servers=" + bootstrap) != std::string::npos);
  CHECK(err.find("isolation.level=read_committed") != std::string::npos);
  CHECK(err.find("auto.offset.reset=error") != std::string::npos);
  CHECK(LastLine(err).find("stopped: " + std::to_string(records.size()) +
                           " records appended, 0 repeated deliveries skipped") !=
        std::string::npos);
  CHECK(LastLine(err).find("head " + std::to_string(records.size()) + ", projection at " +
                           std::to_string(records.size())) != std::string::npos);
  CheckSameOutputs(dir.path(), ledger_db, replica, commands);  // at rest

  // The projection store holds the replica's rule set at the head: reports fold nothing.
  Run v = Smeledger(dir.path(), "--db " + replica + " -v --format json report quarterly --period 2019-Q3");
  CHECK(v.err.find("saved state at position " + std::to_string(records.size()) +
                   ", 0 records folded") != std::string::npos);
}

TEST_CASE("a repeated delivery is skipped, and a gap or a broken link stops project with "
          "exit 1 naming the position",
          "[project][kafka]") {
  const std::string bootstrap = KafkaBootstrap();
  REQUIRE_FALSE(bootstrap.empty());
  TempDir dir;
  const std::string gen = "--institutions 10 --enterprises 200 --year 2019 --limit 3000 --seed ";
  const auto a = LedgerRecords(BuildLedger(dir, "a", gen + "1", false));
  const auto b = LedgerRecords(BuildLedger(dir, "b", gen + "2", false));

  SECTION("the same records produced twice") {
    const std::string prefix = UniqueTopicPrefix("project-dup");
    RecordsPublisher pub(bootstrap, prefix, 0);
    pub.Publish(a, 0, 2000);
    pub.Publish(a, 1000, 3000);  // 1001..2000 again, then the rest
    pub.Publish(a, 2990, 3000);  // the last ten again
    Child project(ProjectArgs(dir / "replica", bootstrap, prefix), dir / "p.out", dir / "p.err");
    REQUIRE(WaitForHead(dir / "replica", 3000, 60s, &project));
    std::this_thread::sleep_for(1s);  // the trailing repeats too
    project.Signal(SIGTERM);
    REQUIRE(project.Wait(30s) == std::optional<int>(0));
    INFO(project.err());
    CHECK(LastLine(project.err()).find("stopped: 3000 records appended, 1010 repeated deliveries "
                                       "skipped") != std::string::npos);
    CHECK(LastLine(project.err()).find("next offset 4010") != std::string::npos);
    CHECK(Ok(dir.path(), "--db " + (dir / "replica") + " --format json export") ==
          Ok(dir.path(), "--db " + (dir / "a") + " --format json export"));
  }

  SECTION("a position missing from the topic") {
    const std::string prefix = UniqueTopicPrefix("project-gap");
    RecordsPublisher pub(bootstrap, prefix, 0);
    pub.Publish(a, 0, 1233);
    pub.Publish(a, 1234, 3000);  // position 1234 is never published
    Child project(ProjectArgs(dir / "replica", bootstrap, prefix), dir / "p.out", dir / "p.err");
    const auto code = project.Wait(60s);
    INFO(project.err());
    REQUIRE(code.has_value());
    CHECK(*code == 1);
    CHECK(LastLine(project.err()) ==
          "smeledger: record 1234 is missing: the next record to arrive was 1235 (offset 1233 of " +
              prefix + "records partition 0)");
    CHECK(HeadOf(dir / "replica") == 1233);
    // Never a silent skip: a restart stops at the same place.
    Child again(ProjectArgs(dir / "replica", bootstrap, prefix), dir / "p2.out", dir / "p2.err");
    CHECK(again.Wait(60s) == std::optional<int>(1));
    CHECK(LastLine(again.err()).find("record 1234 is missing") != std::string::npos);
  }

  SECTION("a record of another ledger") {
    const std::string prefix = UniqueTopicPrefix("project-link");
    RecordsPublisher pub(bootstrap, prefix, 0);
    pub.Publish(a, 0, 1999);
    pub.Publish(b, 1999, 3000);  // position 2000 onwards from another ledger
    Child project(ProjectArgs(dir / "replica", bootstrap, prefix), dir / "p.out", dir / "p.err");
    const auto code = project.Wait(60s);
    INFO(project.err());
    REQUIRE(code.has_value());
    CHECK(*code == 1);
    CHECK(LastLine(project.err()).find("smeledger: record 2000: prev_hash does not match") == 0);
    CHECK(LastLine(project.err()).find("(offset 1999 of " + prefix + "records partition 0)") !=
          std::string::npos);
    CHECK(HeadOf(dir / "replica") == 1999);
  }

  SECTION("a key that is not its record's position") {
    const std::string prefix = UniqueTopicPrefix("project-key");
    RecordsPublisher pub(bootstrap, prefix, 0);
    pub.Publish(a, 0, 99);
    pub.Send("101", a[99].bytes);  // position 100 under key 101
    Child project(ProjectArgs(dir / "replica", bootstrap, prefix), dir / "p.out", dir / "p.err");
    const auto code = project.Wait(60s);
    INFO(project.err());
    REQUIRE(code.has_value());
    CHECK(*code == 1);
    CHECK(LastLine(project.err()) == "smeledger: record 100 at offset 99 of " + prefix +
                                         "records partition 0 has key \"101\", not its position");
    CHECK(HeadOf(dir / "replica") == 99);
  }
}

TEST_CASE("project killed at random moments resumes from its stored offset each time and ends "
          "where the ledger is",
          "[project][kafka][slow]") {
  const std::string bootstrap = KafkaBootstrap();
  REQUIRE_FALSE(bootstrap.empty());
  TempDir dir;
  const std::string ledger_db = BuildLedger(
      dir, "ledger", "--institutions 20 --enterprises 500 --year 2019 --seed 3", true);
  const auto records = LedgerRecords(ledger_db);
  const std::string prefix = UniqueTopicPrefix("project-kill");
  // Records keep arriving, in transactions, while project is killed and restarted.
  std::thread publisher([&] {
    RecordsPublisher pub(bootstrap, prefix, 2000);
    for (size_t from = 0; from < records.size(); from += 10000) {
      pub.Publish(records, from, std::min(records.size(), from + 10000));
      std::this_thread::sleep_for(150ms);
    }
  });
  const std::string replica = dir / "replica";
  std::mt19937 rng(Catch::rngSeed());
  std::vector<uint64_t> heads;
  for (int kill = 0; kill < 6; ++kill) {
    Child project(ProjectArgs(replica, bootstrap, prefix), dir / "p.out", dir / "p.err");
    std::this_thread::sleep_for(std::chrono::milliseconds(300 + rng() % 1200));
    REQUIRE(project.Running());
    project.Signal(SIGKILL);
    REQUIRE(project.Wait(10s) == std::optional<int>(128 + SIGKILL));
    heads.push_back(HeadOf(replica));
  }
  publisher.join();
  INFO("heads after each kill: " << Catch::Detail::stringify(heads));
  CHECK(std::is_sorted(heads.begin(), heads.end()));
  CHECK(heads.back() > 0);
  // Each start after the first that stored anything resumed at an offset, not the beginning.
  const std::string err = Slurp(dir / "p.err");
  CHECK(std::regex_search(err, std::regex("from offset [1-9][0-9]*\n")));

  Child last(ProjectArgs(replica, bootstrap, prefix), dir / "p.out", dir / "p.err");
  REQUIRE(WaitForHead(replica, records.size(), 120s, &last));
  last.Signal(SIGTERM);
  REQUIRE(last.Wait(30s) == std::optional<int>(0));
  const std::string last_line = LastLine(Slurp(dir / "p.err"));
  INFO(last_line);
  // What the killed runs stored is never appended twice: the last run appended the rest only.
  CHECK(last_line.find("head " + std::to_string(records.size())) != std::string::npos);
  CheckSameOutputs(dir.path(), ledger_db, replica,
                   {"verify", "export", "report quarterly --period 2019-Q3",
                    "report annual --year 2019", "compliance --period 2019-Q3",
                    "notice verify --period 2019-Q3"});
}

TEST_CASE("replicas of two rule sets run side by side on one topic, and a new one starts from the "
          "beginning",
          "[project][kafka]") {
  const std::string bootstrap = KafkaBootstrap();
  REQUIRE_FALSE(bootstrap.empty());
  TempDir dir;
  const std::string ledger_db = BuildLedger(
      dir, "ledger", "--institutions 20 --enterprises 500 --year 2019 --seed 1", false);
  const auto records = LedgerRecords(ledger_db);
  const std::string variant = VariantRules(dir);
  const std::string prefix = UniqueTopicPrefix("project-rules");
  RecordsPublisher pub(bootstrap, prefix, 5000);
  const size_t half = records.size() / 2;
  pub.Publish(records, 0, half);

  Child one(ProjectArgs(dir / "one", bootstrap, prefix), dir / "one.out", dir / "one.err");
  Child two({"--rules", variant, "--db", dir / "two", "project", "--bootstrap", bootstrap,
             "--topic-prefix", prefix},
            dir / "two.out", dir / "two.err");
  REQUIRE(WaitForHead(dir / "one", half, 120s, &one));
  REQUIRE(WaitForHead(dir / "two", half, 120s, &two));
  pub.Publish(records, half, records.size());
  REQUIRE(WaitForHead(dir / "one", records.size(), 120s, &one));
  REQUIRE(WaitForHead(dir / "two", records.size(), 120s, &two));

  // A rule change, Kafka style: a new replica of the new rules reads the topic from offset 0.
  Child three({"--rules", variant, "--db", dir / "three", "project", "--bootstrap", bootstrap,
               "--topic-prefix", prefix},
              dir / "three.out", dir / "three.err");
  REQUIRE(WaitForHead(dir / "three", records.size(), 120s, &three));
  for (Child* c : {&one, &two, &three}) {
    c->Signal(SIGTERM);
    INFO(c->err());
    CHECK(c->Wait(30s) == std::optional<int>(0));
  }
  CHECK(Slurp(dir / "three.err").find("rules anhui-2019-variant (" + variant +
                                      "), from the beginning") != std::string::npos);

  // Each replica keeps its own rule set's projection at the head.
  auto versions = [](const std::string& db) {
    std::unique_ptr<projections::ProjectionStore> s;
    REQUIRE(projections::ProjectionStore::Open(db, true, &s).ok());
    return s->Versions();
  };
  const auto v1 = versions(dir / "one"), v2 = versions(dir / "two");
  REQUIRE(v1.size() == 1);
  REQUIRE(v2.size() == 1);
  CHECK(v1[0].rfind("anhui-2019-trial ", 0) == 0);
  CHECK(v2[0].rfind("anhui-2019-variant ", 0) == 0);
  CHECK(v2[0].substr(v2[0].rfind(' ') + 1) == std::to_string(records.size()));

  const std::vector<std::string> reports = {
      "report annual --year 2019", "--rules " + variant + " report annual --year 2019",
      "--rules " + variant + " compliance --period 2019-Q3",
      "diff --rules " + variant + " --against anhui-2019-trial --period 2019-Q3"};
  for (const char* name : {"one", "two", "three"}) CheckSameOutputs(dir.path(), ledger_db, dir / name, reports);
  // The variant really scores differently.
  CHECK(Ok(dir.path(), "--db " + (dir / "two") + " --format json --rules " + variant +
                           " report annual --year 2019") !=
        Ok(dir.path(), "--db " + (dir / "two") + " --format json report annual --year 2019"));
}

TEST_CASE("SIGTERM finishes the batch in hand and exits 0, and the next start resumes after it",
          "[project][kafka]") {
  const std::string bootstrap = KafkaBootstrap();
  REQUIRE_FALSE(bootstrap.empty());
  TempDir dir;
  const auto records = LedgerRecords(BuildLedger(
      dir, "ledger", "--institutions 20 --enterprises 500 --year 2019 --seed 4", false));
  const std::string prefix = UniqueTopicPrefix("project-term");
  RecordsPublisher pub(bootstrap, prefix, 0);
  pub.PublishAll(records);
  const std::string replica = dir / "replica";
  uint64_t stopped_at = 0;
  {
    Child project(ProjectArgs(replica, bootstrap, prefix), dir / "p.out", dir / "p.err");
    REQUIRE(WaitForHead(replica, 1, 60s, &project));
    project.Signal(SIGTERM);
    REQUIRE(project.Wait(30s) == std::optional<int>(0));
    const std::string last = LastLine(project.err());
    INFO(project.err());
    std::smatch m;
    REQUIRE(std::regex_search(last, m, std::regex("head ([0-9]+), projection at ([0-9]+), "
                                                  "next offset ([0-9]+)$")));
    stopped_at = std::stoull(m[1]);
    CHECK(m[2] == m[1]);                             // the projection caught up before exit
    CHECK(std::stoull(m[3]) == stopped_at);          // offset = position - 1, stored + 1
    CHECK(HeadOf(replica) == stopped_at);            // everything in hand was appended
  }
  if (stopped_at < records.size()) {
    Child again(ProjectArgs(replica, bootstrap, prefix), dir / "p2.out", dir / "p2.err");
    REQUIRE(WaitForHead(replica, records.size(), 60s, &again));
    again.Signal(SIGINT);
    REQUIRE(again.Wait(30s) == std::optional<int>(0));
    INFO(again.err());
    CHECK(again.err().find("from offset " + std::to_string(stopped_at) + "\n") != std::string::npos);
    CHECK(LastLine(again.err()).find("stopped: " + std::to_string(records.size() - stopped_at) +
                                     " records appended, 0 repeated") != std::string::npos);
  }
}

TEST_CASE("project refuses: a second one on the same --db (exit 3), a ledger's directory (exit 2)",
          "[project][kafka]") {
  const std::string bootstrap = KafkaBootstrap();
  REQUIRE_FALSE(bootstrap.empty());
  TempDir dir;
  const std::string ledger_db = BuildLedger(
      dir, "ledger", "--institutions 10 --enterprises 200 --year 2019 --limit 1000", false);
  const std::string prefix = UniqueTopicPrefix("project-refuse");
  RecordsPublisher pub(bootstrap, prefix, 0);
  pub.PublishAll(LedgerRecords(ledger_db));
  Child project(ProjectArgs(dir / "replica", bootstrap, prefix), dir / "p.out", dir / "p.err");
  REQUIRE(WaitForHead(dir / "replica", 1000, 60s, &project));

  Run second = Smeledger(dir.path(), "--db " + (dir / "replica") + " project --bootstrap " +
                                         bootstrap + " --topic-prefix " + prefix);
  CHECK(second.exit_code == 3);
  CHECK(Lines(second.err).size() == 1);
  CHECK(second.err.rfind("smeledger: ", 0) == 0);
  CHECK(project.Running());

  Run mine = Smeledger(dir.path(), "--db " + ledger_db + " project --bootstrap " + bootstrap +
                                       " --topic-prefix " + prefix);
  CHECK(mine.exit_code == 2);
  CHECK(mine.err == "smeledger: " + ledger_db +
                        " is a ledger, not a read replica: give `project` a directory of its "
                        "own\n");
  // Nothing was written to the ledger: it still verifies and submits.
  CHECK(Smeledger(dir.path(), "--db " + ledger_db + " verify").exit_code == 0);

  project.Signal(SIGTERM);
  CHECK(project.Wait(30s) == std::optional<int>(0));
}

TEST_CASE("project: an unreachable bootstrap is exit 3 naming it, a bad -X is exit 2",
          "[project]") {
  TempDir dir;
  const double t0 = MonotonicSeconds();
  Run r = Smeledger(dir.path(), "--db " + (dir / "replica") +
                                    " project --bootstrap 127.0.0.1:1 --connect-timeout 2");
  const double secs = MonotonicSeconds() - t0;
  INFO(r.err);
  CHECK(r.exit_code == 3);
  CHECK(secs < 15);
  CHECK(LastLine(r.err) == "smeledger: cannot reach Kafka at 127.0.0.1:1 within 2 s (_TRANSPORT)");

  Run x = Smeledger(dir.path(), "--db " + (dir / "replica") +
                                    " project --bootstrap 127.0.0.1:1 -X no.such.property=1");
  CHECK(x.exit_code == 2);
  CHECK(Lines(x.err).size() == 1);
  CHECK(x.err.find("no.such.property") != std::string::npos);

  // Each value valid, together not (librdkafka's own check): exit 2 at once, no cluster needed.
  const double t1 = MonotonicSeconds();
  Run c = Smeledger(dir.path(), "--db " + (dir / "other") +
                                    " project --bootstrap 127.0.0.1:1 -X fetch.max.bytes=1024");
  CHECK(c.exit_code == 2);
  CHECK(MonotonicSeconds() - t1 < 10);
  CHECK(Lines(c.err).size() == 1);
  CHECK(c.err.find("fetch.max.bytes") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "other"));
}

TEST_CASE("project --log-format json: every log line is one JSON object", "[project][kafka]") {
  const std::string bootstrap = KafkaBootstrap();
  REQUIRE_FALSE(bootstrap.empty());
  TempDir dir;
  const std::string prefix = UniqueTopicPrefix("project-json");
  Child project(ProjectArgs(dir / "replica", bootstrap, prefix,
                            {"--log-format", "json", "-X", "sasl.password=hunter2",
                             "--status-interval", "1"}),
                dir / "p.out", dir / "p.err");
  std::this_thread::sleep_for(3s);  // past the first status lines
  project.Signal(SIGTERM);
  REQUIRE(project.Wait(30s) == std::optional<int>(0));
  const std::string err = project.err();
  INFO(err);
  CHECK(err.find("hunter2") == std::string::npos);
  CHECK(err.find("sasl.password=***") != std::string::npos);
  CHECK(std::regex_search(err, std::regex("\"msg\":\"head 0, projection at 0, next offset "
                                          "(-|0), end offset 0, lag 0, 0 records/s\"")));
  const auto lines = Lines(err);
  REQUIRE(lines.size() >= 5);
  for (const std::string& l : lines) {
    CHECK(l.front() == '{');
    CHECK(l.back() == '}');
    CHECK(l.find("\"logger\":\"project\"") != std::string::npos);
  }
}

TEST_CASE("a stored offset the topic no longer has (the topic recreated) is exit 3, never a "
          "silent jump",
          "[project][kafka]") {
  const std::string bootstrap = KafkaBootstrap();
  REQUIRE_FALSE(bootstrap.empty());
  TempDir dir;
  const auto records = LedgerRecords(BuildLedger(
      dir, "ledger", "--institutions 10 --enterprises 200 --year 2019 --limit 500", false));
  const std::string prefix = UniqueTopicPrefix("project-gone");
  {
    RecordsPublisher pub(bootstrap, prefix, 0);
    pub.PublishAll(records);
  }
  {
    Child project(ProjectArgs(dir / "replica", bootstrap, prefix), dir / "p.out", dir / "p.err");
    REQUIRE(WaitForHead(dir / "replica", 500, 60s, &project));
    project.Signal(SIGTERM);
    REQUIRE(project.Wait(30s) == std::optional<int>(0));
  }
  ShellRun del = Shell(KafkaDevScript() + " run-class org.apache.kafka.tools.TopicCommand " +
                       "--bootstrap-server " + bootstrap + " --delete --topic " + prefix +
                       "records");
  INFO(del.err);
  REQUIRE(del.exit_code == 0);
  // The deletion completes asynchronously: wait until the metadata no longer has the topic.
  bool gone = false;
  for (int attempt = 0; attempt < 60 && !gone; ++attempt) {
    // All topics: a request naming the topic could have the broker create it again.
    ShellRun md = Shell("kcat -L -b " + bootstrap);
    gone = md.exit_code == 0 && md.out.find('"' + prefix + "records\"") == std::string::npos;
    if (!gone) std::this_thread::sleep_for(500ms);
  }
  REQUIRE(gone);
  // project recreates the topic empty (EnsureTopics); offset 500 is not in it.
  Child project(ProjectArgs(dir / "replica", bootstrap, prefix), dir / "p2.out", dir / "p2.err");
  const auto code = project.Wait(60s);
  const std::string err = project.err();
  INFO(err);
  REQUIRE(code.has_value());
  CHECK(*code == 3);
  CHECK(err.find("created topic " + prefix + "records") != std::string::npos);
  CHECK(LastLine(err).find("smeledger: consuming " + prefix + "records/0: ") == 0);
  CHECK(LastLine(err).find("(_AUTO_OFFSET_RESET)") != std::string::npos);
  CHECK(HeadOf(dir / "replica") == 500);
}
