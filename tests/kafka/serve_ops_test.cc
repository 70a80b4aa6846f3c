// `smeledger serve` as an operator meets it: stopped with SIGTERM or SIGINT mid-stream (the
// batch in hand finished, every consumed line answered, exit 0) and restarted (nothing
// consumed twice); a second serve on the same ledger; an unreachable cluster; a bad -X; JSON
// logs; and a second ledger served under the same topic prefix.
#include <catch2/catch.hpp>
#include <simdjson.h>

#include "serve_support.h"

using namespace smeledger;
using namespace smeledger::testing;
using namespace std::chrono_literals;

namespace {

std::string LastLine(const std::string& s) {
  std::vector<std::string> l = Lines(s);
  return l.empty() ? "" : l.back();
}

size_t Count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + what.size()))
    ++n;
  return n;
}

// `generate ... --limit n` written to dir/name; its lines.
std::vector<std::string> Generate(const TempDir& dir, const std::string& name, int n, int seed,
                                  int bad = 0) {
  auto g = Smeledger(dir.path(), "generate --institutions 20 --enterprises 500 --year 2019 "
                                 "--seed " + std::to_string(seed) + " --bad " +
                                     std::to_string(bad) + " --limit " + std::to_string(n));
  REQUIRE(g.exit_code == 0);
  std::ofstream(dir / name, std::ios::binary) << g.out;
  return Lines(g.out);
}

void Produce(const TempDir& dir, const std::string& bootstrap, const std::string& prefix,
             const std::string& file) {
  auto p = Smeledger(dir.path(), "-q produce --bootstrap " + bootstrap + " --topic-prefix " +
                                     prefix + " " + file);
  INFO(p.err);
  REQUIRE(p.exit_code == 0);
}

}  // namespace

TEST_CASE("serve stopped by SIGTERM or SIGINT mid-stream answers every line it consumed, exits "
          "0, and a restart consumes nothing twice",
          "[serve][ops][kafka]") {
  const std::string bootstrap = KafkaBootstrap();
  const int sig = GENERATE(SIGTERM, SIGINT);
  INFO("signal " << sig);
  TempDir dir;
  const std::string prefix = UniqueTopicPrefix(sig == SIGTERM ? "serve-sigterm" : "serve-sigint");
  const std::vector<std::string> lines = Generate(dir, "events.jsonl", 150000, 11, 40);
  const SubmitReference ref = RunSubmitReference(dir, dir / "events.jsonl");
  Produce(dir, bootstrap, prefix, dir / "events.jsonl");  // the backlog

  const std::string db = dir / "served";
  uint64_t consumed = 0;
  {
    // Small batches: many durable writes and transactions while the signal comes.
    Child serve(ServeArgs(db, bootstrap, prefix, {"--batch", "500"}), dir / "serve-1.log");
    REQUIRE(WaitUntil([&] { return StoredOffset(db, prefix) >= 5000; }, 120s));
    serve.Signal(sig);
    auto e = serve.Wait(60s);
    REQUIRE(e);
    CHECK(Describe(*e) == "exit 0");
    CHECK(serve.log().find("serve: stopping: finishing the batch in hand") != std::string::npos);
    consumed = StoredOffset(db, prefix);
    CHECK(consumed < lines.size());  // it was stopped mid-stream
  }
  // Every line consumed has its outcome published, and every durable record.
  std::vector<std::string> outcomes = CheckOutcomesTopic(bootstrap, prefix, consumed);
  CHECK(CheckRecordsTopic(bootstrap, prefix, db) == HeadOf(db));

  // Restarted, it goes on from where it stopped.
  {
    Child serve(ServeArgs(db, bootstrap, prefix), dir / "serve-2.log");
    const std::string resumed =
        "consuming " + prefix + "submissions/0 from offset " + std::to_string(consumed);
    CHECK(WaitUntil([&] { return serve.log().find(resumed) != std::string::npos; }, 60s));
    REQUIRE(WaitUntil([&] { return StoredOffset(db, prefix) == lines.size(); }, 180s));
    serve.Signal(SIGTERM);
    auto e = serve.Wait(60s);
    REQUIRE(e);
    CHECK(Describe(*e) == "exit 0");
  }
  CheckOutcomesMatch(CheckOutcomesTopic(bootstrap, prefix, lines.size()), ref.outcomes,
                     RecordHashes(dir.path(), db));
  CHECK(CheckRecordsTopic(bootstrap, prefix, db) == ref.accepted);
  CHECK(CheckVerifies(dir.path(), db) == ref.accepted);
}

TEST_CASE("a second serve on the same ledger: exit 3 with one line, the first goes on",
          "[serve][ops][kafka]") {
  const std::string bootstrap = KafkaBootstrap();
  TempDir dir;
  const std::string prefix = UniqueTopicPrefix("serve-twice");
  const std::string db = dir / "served";
  Child first(ServeArgs(db, bootstrap, prefix), dir / "first.log");
  REQUIRE(
      WaitUntil([&] { return first.log().find("serve: consuming") != std::string::npos; }, 60s));
  Child second(ServeArgs(db, bootstrap, prefix), dir / "second.log");
  auto e = second.Wait(60s);
  REQUIRE(e);
  CHECK(Describe(*e) == "exit 3");
  const std::string err = second.log();
  INFO(err);
  CHECK(Count(err, "smeledger: ") == 1);
  CHECK(LastLine(err).rfind("smeledger: ", 0) == 0);
  CHECK(LastLine(err).find("is another serve running on it?") != std::string::npos);
  CHECK(LastLine(err).find(db) != std::string::npos);

  Generate(dir, "events.jsonl", 2000, 12);
  Produce(dir, bootstrap, prefix, dir / "events.jsonl");
  REQUIRE(WaitUntil([&] { return StoredOffset(db, prefix) == 2000; }, 60s));
  CHECK(first.Running());
  first.Signal(SIGTERM);
  auto f = first.Wait(60s);
  REQUIRE(f);
  CHECK(Describe(*f) == "exit 0");
  CheckOutcomesTopic(bootstrap, prefix, 2000);
}

TEST_CASE("serve with an unreachable bootstrap: exit 3 within the timeout, one line naming it",
          "[serve][ops]") {
  TempDir dir;
  const double t0 = MonotonicSeconds();
  auto r = Smeledger(dir.path(), "--db " + (dir / "db") +
                                     " serve --bootstrap 127.0.0.1:9 --connect-timeout 2");
  const double secs = MonotonicSeconds() - t0;
  INFO(r.err);
  CHECK(r.exit_code == 3);
  CHECK(LastLine(r.err) == "smeledger: cannot reach Kafka at 127.0.0.1:9 within 2 s (_TRANSPORT)");
  CHECK(Count(r.err, "smeledger: ") == 1);
  CHECK(secs < 6);
}

TEST_CASE("serve with a bad -X property: exit 2 naming it, before any connection",
          "[serve][ops]") {
  TempDir dir;
  const std::string serve = "--db " + (dir / "db") + " serve --bootstrap 127.0.0.1:9 ";
  auto u = Smeledger(dir.path(), serve + "-X no.such.thing=1");
  CHECK(u.exit_code == 2);
  CHECK(LastLine(u.err) ==
        "smeledger: invalid Kafka property -X no.such.thing=1: No such configuration property: "
        "\"no.such.thing\"");
  auto v = Smeledger(dir.path(), serve + "-X linger.ms=soon");
  CHECK(v.exit_code == 2);
  CHECK(LastLine(v.err).find("-X linger.ms=soon") != std::string::npos);
  // A combination librdkafka refuses for serve's transactional producer.
  auto i = Smeledger(dir.path(), serve + "-X acks=1");
  INFO(i.err);
  CHECK(i.exit_code == 2);
  CHECK(LastLine(i.err).find("acks") != std::string::npos);
  CHECK(Count(i.err, "smeledger: ") == 1);
}

TEST_CASE("serve --log-format json: every log line is one JSON object, status lines included",
          "[serve][ops][kafka]") {
  const std::string bootstrap = KafkaBootstrap();
  TempDir dir;
  const std::string prefix = UniqueTopicPrefix("serve-json-log");
  Generate(dir, "events.jsonl", 3000, 13, 5);
  Produce(dir, bootstrap, prefix, dir / "events.jsonl");
  const std::string db = dir / "served";
  Child serve({"--db", db, "serve", "--bootstrap", bootstrap, "--topic-prefix", prefix,
               "--log-format", "json", "--status-interval", "0.3", "-X", "sasl.password=hunter2"},
              dir / "serve.log");
  REQUIRE(WaitUntil([&] {
    return StoredOffset(db, prefix) == 3000 &&
           Count(serve.log(), "serve: status head=" + std::to_string(HeadOf(db)) + " ") > 0;
  }, 60s));
  serve.Signal(SIGTERM);
  auto e = serve.Wait(60s);
  REQUIRE(e);
  CHECK(Describe(*e) == "exit 0");

  const std::string log = serve.log();
  CHECK(log.find("hunter2") == std::string::npos);
  simdjson::ondemand::parser parser;
  size_t status = 0, stopped = 0;
  const std::vector<std::string> lines = Lines(log);
  REQUIRE(lines.size() >= 5);
  for (const std::string& l : lines) {
    INFO(l);
    simdjson::padded_string p(l);
    auto doc = parser.iterate(p);
    std::string_view time, level, logger, msg;
    REQUIRE(doc["time"].get_string().get(time) == simdjson::SUCCESS);
    REQUIRE(doc["level"].get_string().get(level) == simdjson::SUCCESS);
    REQUIRE(doc["logger"].get_string().get(logger) == simdjson::SUCCESS);
    REQUIRE(doc["msg"].get_string().get(msg) == simdjson::SUCCESS);
    CHECK(time.back() == 'Z');
    CHECK(logger == "serve");
    if (msg.rfind("serve: status head=", 0) == 0) ++status;
    if (msg.rfind("serve: stopped: 3000 lines", 0) == 0) ++stopped;
  }
  CHECK(status >= 1);
  CHECK(stopped == 1);
}

// Two ledgers served under one topic prefix (a copy-paste mistake in a deployment): the
// second finds that the records topic holds another ledger's records and exits 3 with one line
// *before* init_transactions, so it does not fence the running service: the first goes on
// consuming and publishing, and the topics stay the first ledger's, each position once.
TEST_CASE("two serves on different ledgers under one topic prefix: the second exits 3 with one "
          "line and does not fence the first, which goes on — the topics stay the first ledger's",
          "[serve][ops][kafka]") {
  const std::string bootstrap = KafkaBootstrap();
  TempDir dir;
  const std::string prefix = UniqueTopicPrefix("serve-fenced");
  const std::string db_a = dir / "ledger-a", db_b = dir / "ledger-b";
  Generate(dir, "first.jsonl", 5000, 14);
  Generate(dir, "second.jsonl", 5000, 15);
  Produce(dir, bootstrap, prefix, dir / "first.jsonl");

  Child a(ServeArgs(db_a, bootstrap, prefix), dir / "a.log");
  REQUIRE(WaitForOutcomes(bootstrap, prefix, 5000, 120s));
  Child b(ServeArgs(db_b, bootstrap, prefix), dir / "b.log");
  auto eb = b.Wait(120s);
  INFO("a: " << a.log() << "\nb: " << b.log());
  REQUIRE(eb);
  CHECK(Describe(*eb) == "exit 3");
  CHECK(Count(b.log(), "smeledger: ") == 1);
  CHECK(LastLine(b.log()).find("is not this ledger's") != std::string::npos);
  CHECK(HeadOf(db_b) == 0);

  // More lines: the first, never fenced, consumes, appends and publishes them.
  Produce(dir, bootstrap, prefix, dir / "second.jsonl");
  REQUIRE(WaitForOutcomes(bootstrap, prefix, 10000, 120s));
  CHECK(a.Running());
  a.Signal(SIGTERM);
  auto ea = a.Wait(60s);
  INFO("a: " << a.log());
  REQUIRE(ea);
  CHECK(Describe(*ea) == "exit 0");
  CHECK(Count(a.log(), "smeledger: ") == 0);
  CheckOutcomesTopic(bootstrap, prefix, 10000);
  CHECK(CheckRecordsTopic(bootstrap, prefix, db_a) == HeadOf(db_a));
  CHECK(CheckVerifies(dir.path(), db_a) == HeadOf(db_a));
}

// A provider's Ctrl-C: produce stops reading its input, still delivers what it sent, and says
// up to which line, so that the rest can be sent later; interrupted while waiting for outcomes,
// it says how many came (the ledger answers every sent line all the same).
TEST_CASE("produce stopped by SIGINT: what it sent is delivered and it names the last line sent — "
          "stopped while waiting, it says how many outcomes came — exit 1 both times",
          "[produce][ops][kafka]") {
  const std::string bootstrap = KafkaBootstrap();
  TempDir dir;
  const std::string prefix = UniqueTopicPrefix("produce-sigint");
  const std::vector<std::string> lines = Generate(dir, "events.jsonl", 1500, 16);
  auto sent = [&] { return ReadTopic(bootstrap, prefix + "submissions").size(); };

  {  // Mid-input: 1000 lines through the pipe, which then stays open.
    Child p({"produce", "--bootstrap", bootstrap, "--topic-prefix", prefix, "-"},
            dir / "p1.log", Child::kPipe);
    Feeder(p.stdin_fd(), lines, 0, 1000, 1e9).Join();
    REQUIRE(WaitUntil([&] { return sent() >= 1000; }, 60s));
    CHECK(p.Running());
    p.Signal(SIGINT);
    auto e = p.Wait(60s);
    INFO(p.log());
    REQUIRE(e);
    CHECK(Describe(*e) == "exit 1");
    CHECK(Count(p.log(), "smeledger: ") == 1);
    CHECK(LastLine(p.log()) == "smeledger: interrupted: 1000 lines sent, up to line 1000 of the "
                               "input; the lines after it were not sent");
    CHECK(sent() == 1000);
  }
  {  // Waiting for outcomes that do not come (no serve runs).
    const std::string outcomes = dir / "outcomes.jsonl";
    Child p({"produce", "--bootstrap", bootstrap, "--topic-prefix", prefix, "--wait",
             "--outcomes", outcomes, "-"},
            dir / "p2.log", Child::kPipe);
    Feeder(p.stdin_fd(), lines, 1000, 1500, 1e9).Join();
    p.CloseStdin();
    REQUIRE(WaitUntil([&] { return p.log().find("produced 500 lines") != std::string::npos; },
                      60s));
    p.Signal(SIGINT);
    auto e = p.Wait(60s);
    INFO(p.log());
    REQUIRE(e);
    CHECK(Describe(*e) == "exit 1");
    CHECK(LastLine(p.log()) == "smeledger: interrupted while waiting: 0 of 500 outcomes received "
                               "(written to " + outcomes + "); every sent line is answered in " +
                                   prefix + "outcomes all the same");
    CHECK(sent() == 1500);
  }
}
