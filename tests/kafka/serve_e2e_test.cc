// `smeledger serve` end to end on the development broker, as a user runs it: a generated
// province (with bad lines) through produce → serve → project answers exactly what `submit`
// answers; the served ledger and its read replica verify and report as the embedded one does; the records topic is the
// ledger's records, byte for byte; blank messages; other clients (kcat, Kafka's console
// producer, capnp) on either side.
#include <catch2/catch.hpp>

#include "serve_support.h"
#include "smeledger/ledger_kafka/admin.h"

using namespace smeledger;
using namespace smeledger::testing;
using namespace std::chrono_literals;

namespace {

std::shared_ptr<spdlog::logger> QuietLogger() {
  return std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

}  // namespace

TEST_CASE("produce → serve → project: a generated province answered exactly as submit does, its "
          "records published, the replica the ledger byte for byte",
          "[serve][kafka]") {
  const std::string bootstrap = KafkaBootstrap();
  REQUIRE_FALSE(bootstrap.empty());
  TempDir dir;
  const std::string prefix = UniqueTopicPrefix("serve-e2e");
  const std::string events = dir / "events.jsonl", db = dir / "served",
                    outcomes = dir / "produce-outcomes.jsonl";
  auto g = Smeledger(dir.path(), "generate --institutions 20 --enterprises 500 --year 2019 "
                                 "--seed 1 --bad 50");
  REQUIRE(g.exit_code == 0);
  std::ofstream(events, std::ios::binary) << g.out;
  const SubmitReference ref = RunSubmitReference(dir, events);
  REQUIRE(ref.exit_code == 1);  // the bad lines
  REQUIRE(ref.outcomes.size() > 100000);

  const double t0 = MonotonicSeconds();
  Child serve(ServeArgs(db, bootstrap, prefix), dir / "serve.log");
  const std::string replica = dir / "replica";
  Child project(ProjectArgs(replica, bootstrap, prefix), dir / "project.log");
  auto p = Smeledger(dir.path(), "produce --bootstrap " + bootstrap + " --topic-prefix " + prefix +
                                     " --wait --timeout 300 --outcomes " + outcomes + " " + events);
  const double secs = MonotonicSeconds() - t0;
  INFO(p.err << "\nserve's log:\n" << serve.log());
  REQUIRE(p.exit_code == 1);  // as submit: the bad lines
  WARN("produce --wait + serve: " << ref.outcomes.size() << " lines answered in " << secs
                                  << " s (" << ref.outcomes.size() / secs << " lines/s)");

  // Each outcome is submit's but for the hash, which is the served ledger's record hash.
  const std::vector<std::string> hashes = RecordHashes(dir.path(), db);
  CHECK(hashes.size() - 1 == ref.accepted);
  CheckOutcomesMatch(Lines(Slurp(outcomes)), ref.outcomes, hashes);
  for (uint64_t pos : {uint64_t{1}, ref.accepted / 2, ref.accepted}) {
    auto show = Smeledger(dir.path(), "--db " + db + " show " + std::to_string(pos));
    REQUIRE(show.exit_code == 0);
    CHECK(Field(show.out, "hash") == hashes[pos]);
  }

  serve.Signal(SIGTERM);
  auto e = serve.Wait(60s);
  REQUIRE(e);
  CHECK(Describe(*e) == "exit 0");

  CHECK(CheckVerifies(dir.path(), db) == ref.accepted);
  CheckReadsMatch(dir.path(), ref.db, db);
  CHECK(CheckRecordsTopic(bootstrap, prefix, db) == ref.accepted);
  CheckOutcomesMatch(CheckOutcomesTopic(bootstrap, prefix, ref.outcomes.size()), ref.outcomes,
                     hashes);

  // A read replica, started while serve ran: the served ledger's records byte for byte, and
  // the embedded ledger's reports.
  CHECK(WaitUntil([&] { return HeadOf(replica) == ref.accepted; }, 120s));
  project.Signal(SIGTERM);
  auto ep = project.Wait(60s);
  INFO("project's log:\n" << project.log());
  REQUIRE(ep);
  CHECK(Describe(*ep) == "exit 0");
  CHECK(CheckVerifies(dir.path(), replica) == ref.accepted);
  CheckReadsMatch(dir.path(), ref.db, replica);
  CheckReplicaOf(dir.path(), db, replica);
}

TEST_CASE("serve: a blank or whitespace-only message gets one malformed_json outcome, a CRLF "
          "ending is not part of the line",
          "[serve][kafka]") {
  const std::string bootstrap = KafkaBootstrap();
  TempDir dir;
  const std::string prefix = UniqueTopicPrefix("serve-blank");
  auto g = Smeledger(dir.path(), "generate --institutions 2 --enterprises 10 --year 2019 "
                                 "--seed 4 --limit 3");
  REQUIRE(g.exit_code == 0);
  const std::vector<std::string> ev = Lines(g.out);
  REQUIRE(ev.size() == 3);

  // What is sent (no `line` header: line numbers are offset + 1), and what submit says of the
  // event lines.
  const std::vector<std::optional<std::string>> messages = {
      ev[0] + "\r\n", std::string(), std::nullopt /* no value at all */, "   ",
      "\t \r\n",      "\r\n",        ev[1] + "\n", ev[2],
      ev[0] /* a duplicate: the line without its CRLF is the same */};
  std::ofstream(dir / "events.jsonl", std::ios::binary)
      << ev[0] << "\r\n" << ev[1] << "\n" << ev[2] << "\n" << ev[0] << "\n";
  const SubmitReference ref = RunSubmitReference(dir, dir / "events.jsonl");
  REQUIRE(ref.outcomes.size() == 4);

  auto o = TestKafkaOptions(bootstrap, prefix);
  REQUIRE(ledger_kafka::EnsureTopics(o, QuietLogger()).ok());
  {
    std::unique_ptr<ledger_kafka::Producer> producer;
    REQUIRE(ledger_kafka::Producer::Open(o, {{"acks", "all"}, {"enable.idempotence", "true"}},
                                         QuietLogger(), nullptr, &producer)
                .ok());
    for (const auto& m : messages)
      REQUIRE(producer
                  ->Produce(prefix + "submissions", 0, std::nullopt,
                            m ? std::string_view(*m) : std::string_view(), {})
                  .ok());
    REQUIRE(producer->Flush(30s).ok());
  }
  const std::vector<TopicMessage> sent = ReadTopic(bootstrap, prefix + "submissions");
  REQUIRE(sent.size() == messages.size());

  const std::string db = dir / "served";
  Child serve(ServeArgs(db, bootstrap, prefix), dir / "serve.log");
  REQUIRE(WaitForOutcomes(bootstrap, prefix, messages.size(), 120s));
  serve.Signal(SIGTERM);
  auto e = serve.Wait(60s);
  REQUIRE(e);
  CHECK(Describe(*e) == "exit 0");

  const std::vector<std::string> got = CheckOutcomesTopic(bootstrap, prefix, messages.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("offset " << i << ": " << got[i]);
    CHECK(Field(got[i], "line") == std::to_string(i + 1));
  }
  for (size_t i : {1, 2, 3, 4, 5}) {
    INFO("offset " << i << ": " << got[i]);
    CHECK(Field(got[i], "outcome") == "rejected");
    CHECK(Field(got[i], "reason") == "malformed_json");
    CHECK(Field(got[i], "field") == "");
    CHECK(Field(got[i], "event_id") == "null");
  }
  // The event lines as submit answered them (its line numbers differ: the file has no blanks).
  auto renumber = [](std::string json, size_t line) {
    return "{\"line\":" + std::to_string(line) + json.substr(json.find(','));
  };
  const std::vector<std::string> hashes = RecordHashes(dir.path(), db);
  CheckOutcomesMatch({got[0], got[6], got[7], got[8]},
                     {renumber(ref.outcomes[0], 1), renumber(ref.outcomes[1], 7),
                      renumber(ref.outcomes[2], 8), renumber(ref.outcomes[3], 9)},
                     hashes);
  CHECK(Field(got[8], "outcome") == "duplicate");
  CHECK(CheckRecordsTopic(bootstrap, prefix, db) == 3);
}

TEST_CASE("serve interop: lines from kcat and Kafka's console producer are ingested — kcat and "
          "capnp read a published record",
          "[serve][interop][kafka]") {
  const std::string bootstrap = KafkaBootstrap();
  TempDir dir;
  const std::string prefix = UniqueTopicPrefix("serve-interop");
  auto g = Smeledger(dir.path(), "generate --institutions 2 --enterprises 20 --year 2019 "
                                 "--seed 7 --bad 10 --limit 200");
  REQUIRE(g.exit_code == 0);
  const std::vector<std::string> lines = Lines(g.out);
  REQUIRE(lines.size() == 200);
  std::string first, second;
  for (size_t i = 0; i < 200; ++i) (i < 100 ? first : second) += lines[i] + "\n";
  std::ofstream(dir / "first.jsonl", std::ios::binary) << first;
  std::ofstream(dir / "second.jsonl", std::ios::binary) << second;
  std::ofstream(dir / "all.jsonl", std::ios::binary) << g.out;
  const SubmitReference ref = RunSubmitReference(dir, dir / "all.jsonl");
  REQUIRE(ref.outcomes.size() == 200);

  // The topics as serve creates them; then lines from Kafka's own console producer, then kcat.
  const std::string db = dir / "served";
  Child serve(ServeArgs(db, bootstrap, prefix), dir / "serve.log");
  REQUIRE(WaitUntil([&] { return serve.log().find("serve: consuming") != std::string::npos; },
                    60s));
  ShellRun console = Shell(KafkaDevScript() +
                           " run-class org.apache.kafka.tools.ConsoleProducer --bootstrap-server " +
                           bootstrap + " --topic " + prefix + "submissions < " +
                           (dir / "first.jsonl"));
  INFO(console.err);
  REQUIRE(console.exit_code == 0);
  // Lines on stdin: one message each (a file named on the command line would be one message).
  ShellRun kcat = Shell("kcat -P -b " + bootstrap + " -t " + prefix + "submissions -p 0 < " +
                        (dir / "second.jsonl"));
  INFO(kcat.err);
  REQUIRE(kcat.exit_code == 0);
  const std::vector<TopicMessage> sent = ReadTopic(bootstrap, prefix + "submissions");
  REQUIRE(sent.size() == 200);
  for (size_t i = 0; i < sent.size(); ++i) {
    CHECK(sent[i].offset == static_cast<int64_t>(i));
    CHECK_FALSE(sent[i].line_header);
  }

  REQUIRE(WaitForOutcomes(bootstrap, prefix, 200, 120s));
  serve.Signal(SIGTERM);
  auto e = serve.Wait(60s);
  REQUIRE(e);
  CHECK(Describe(*e) == "exit 0");
  // Without a `line` header an outcome's line is offset + 1: here, the line in all.jsonl.
  CheckOutcomesMatch(CheckOutcomesTopic(bootstrap, prefix, 200), ref.outcomes,
                     RecordHashes(dir.path(), db));
  const uint64_t head = CheckRecordsTopic(bootstrap, prefix, db);
  REQUIRE(head >= 3);

  // Record 3 as kcat reads it (found by its key: commit markers take offsets too), decoded by
  // capnp with the project's schema.
  ShellRun k = Shell("kcat -C -b " + bootstrap + " -t " + prefix +
                     "records -p 0 -o beginning -c 3 -e -q -f '%o %k\\n'");
  REQUIRE(k.exit_code == 0);
  const std::vector<std::string> keys = Lines(k.out);
  REQUIRE(keys.size() == 3);
  REQUIRE(keys[2].substr(keys[2].find(' ') + 1) == "3");
  const std::string offset = keys[2].substr(0, keys[2].find(' '));
  ShellRun c = Shell("kcat -C -b " + bootstrap + " -t " + prefix + "records -p 0 -o " + offset +
                     " -c 1 -e -q -f '%s' | capnp convert binary:json " + SMELEDGER_SOURCE_DIR +
                     "/schemas/record.capnp Record");
  INFO(c.err);
  REQUIRE(c.exit_code == 0);
  std::string event_id;
  for (const std::string& o : ref.outcomes)
    if (Field(o, "outcome") == "accepted" && Field(o, "position") == "3")
      event_id = Field(o, "event_id");
  REQUIRE_FALSE(event_id.empty());
  CHECK(c.out.find("\"" + event_id + "\"") != std::string::npos);
  CHECK(c.out.find("\"position\": \"3\"") != std::string::npos);
}
