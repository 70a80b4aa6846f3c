// `smeledger produce` end to end, as a user runs it, against the development broker: what
// arrives in the submissions topic (read back with kcat), compression as the broker stored it,
// topic checks, exit codes, and `--wait` against a fake `serve` that answers with exactly what
// `submit` answers for the same file.
#include <catch2/catch.hpp>
#include <simdjson.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <sstream>
#include <thread>

#include "cli_support.h"
#include "kafka_support.h"
#include "ledger_fixture.h"
#include "smeledger/ledger_kafka/admin.h"
#include "smeledger/ledger_kafka/client.h"

using namespace smeledger;
using namespace smeledger::testing;
using namespace std::chrono_literals;

namespace {

std::shared_ptr<spdlog::logger> TestLogger(std::ostringstream* out) {
  auto l = std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(*out));
  l->set_level(spdlog::level::info);
  return l;
}

// The event lines of a file as submit sees them: (1-based physical line number, text without
// its line ending), blank lines skipped, a leading BOM dropped, CRLF endings stripped.
std::vector<std::pair<uint64_t, std::string>> EventLines(std::string text) {
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
  std::vector<std::pair<uint64_t, std::string>> out;
  uint64_t n = 0;
  size_t at = 0;
  while (at < text.size()) {
    size_t nl = text.find('\n', at);
    const bool has_nl = nl != std::string::npos;
    std::string line = text.substr(at, (has_nl ? nl : text.size()) - at);
    at = has_nl ? nl + 1 : text.size();
    ++n;
    if (has_nl && !line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t\r\n") == std::string::npos) continue;
    out.emplace_back(n, line);
  }
  return out;
}

struct Consumed {
  int64_t offset;
  std::string headers;  // kcat's %h: "line=N"
  std::string key_len;  // kcat's %K: -1 for no key
  std::string value;
};

// The topic's messages from the beginning, read with kcat (an independent client).
std::vector<Consumed> Kcat(const std::string& bootstrap, const std::string& topic) {
  ShellRun r = Shell("kcat -C -b " + bootstrap + " -t " + topic +
                     " -p 0 -o beginning -e -q -f '%o\\t%h\\t%K\\t%s\\n'");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  std::vector<Consumed> out;
  for (const std::string& l : Lines(r.out)) {
    size_t a = l.find('\t'), b = l.find('\t', a + 1), c = l.find('\t', b + 1);
    REQUIRE(c != std::string::npos);
    out.push_back({std::stoll(l.substr(0, a)), l.substr(a + 1, b - a - 1),
                   l.substr(b + 1, c - b - 1), l.substr(c + 1)});
  }
  return out;
}

// What DumpLogSegments shows of the broker's stored batches.
std::string DumpSegment(const std::string& kafka_dir, const std::string& topic, bool data) {
  ShellRun r = Shell(KafkaDevScript() + " run-class kafka.tools.DumpLogSegments --files " +
                     TopicSegmentFile(kafka_dir, topic) + (data ? " --print-data-log" : ""));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return r.out;
}

size_t Count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + what.size()))
    ++n;
  return n;
}

std::string LastLine(const std::string& s) {
  std::vector<std::string> l = Lines(s);
  return l.empty() ? "" : l.back();
}

void CheckSameLines(const std::vector<std::pair<uint64_t, std::string>>& expected,
                    const std::vector<Consumed>& got) {
  REQUIRE(got.size() == expected.size());
  size_t bytes_expected = 0, bytes_got = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("message " << i);
    CHECK(got[i].offset == static_cast<int64_t>(i));
    CHECK(got[i].headers == "line=" + std::to_string(expected[i].first));
    CHECK(got[i].key_len == "-1");
    CHECK(got[i].value == expected[i].second);
    bytes_expected += expected[i].second.size();
    bytes_got += got[i].value.size();
  }
  CHECK(bytes_got == bytes_expected);
}

}  // namespace

TEST_CASE("produce sends every line of a generated file, in order, with its line number",
          "[produce][kafka]") {
  const std::string bootstrap = KafkaBootstrap();
  REQUIRE_FALSE(bootstrap.empty());
  TempDir dir;
  const std::string prefix = UniqueTopicPrefix("produce-generated");
  auto g = Smeledger(dir.path(),
                     "generate --institutions 20 --enterprises 500 --year 2019 --seed 1 --bad 50");
  REQUIRE(g.exit_code == 0);
  const std::string events = dir / "events.jsonl";
  std::ofstream(events, std::ios::binary) << g.out;
  const auto expected = EventLines(g.out);
  REQUIRE(expected.size() > 100000);

  auto r = Smeledger(dir.path(), "produce --bootstrap " + bootstrap + " --topic-prefix " + prefix +
                                     " " + events);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const std::string summary = "produced " + std::to_string(expected.size()) + " lines in ";
  CHECK(r.err.find(summary) != std::string::npos);
  CHECK(r.err.find("to " + prefix + "submissions at offsets 0\u2013" +
                   std::to_string(expected.size() - 1)) != std::string::npos);

  CheckSameLines(expected, Kcat(bootstrap, prefix + "submissions"));

  // The broker stored lz4 batches, and far fewer bytes than the file has.
  const std::string batches = DumpSegment(KafkaDir(), prefix + "submissions", false);
  CHECK(Count(batches, "compresscodec: lz4") > 10);
  CHECK(Count(batches, "compresscodec: none") == 0);
  const auto stored = std::filesystem::file_size(TopicSegmentFile(KafkaDir(), prefix + "submissions"));
  CHECK(stored < g.out.size() / 3);
}

TEST_CASE("the broker stores what -X compression.codec asks for, lz4 by default",
          "[produce][kafka]") {
  const std::string bootstrap = KafkaBootstrap();
  TempDir dir;
  auto g = Smeledger(dir.path(), "generate --institutions 2 --enterprises 20 --year 2019 --seed 3 "
                                 "--limit 2000");
  REQUIRE(g.exit_code == 0);
  const std::string events = dir / "events.jsonl";
  std::ofstream(events, std::ios::binary) << g.out;

  const std::string lz4 = UniqueTopicPrefix("codec-lz4");
  REQUIRE(Smeledger(dir.path(), "-q produce --bootstrap " + bootstrap + " --topic-prefix " + lz4 +
                                    " " + events)
              .exit_code == 0);
  const std::string dump = DumpSegment(KafkaDir(), lz4 + "submissions", true);
  INFO(dump.substr(0, 2000));
  CHECK(Count(dump, "compresscodec: lz4") >= 1);
  CHECK(Count(dump, "compresscodec: none") == 0);
  CHECK(Count(dump, "headerKeys: [line]") == Lines(g.out).size());

  const std::string none = UniqueTopicPrefix("codec-none");
  REQUIRE(Smeledger(dir.path(), "-q produce --bootstrap " + bootstrap + " --topic-prefix " + none +
                                    " -X compression.codec=none " + events)
              .exit_code == 0);
  const std::string plain = DumpSegment(KafkaDir(), none + "submissions", false);
  CHECK(Count(plain, "compresscodec: none") >= 1);
  CHECK(Count(plain, "compresscodec: lz4") == 0);
}

TEST_CASE("blank lines, CRLF and a BOM: line numbers as submit counts them, blank lines not sent",
          "[produce][kafka]") {
  const std::string bootstrap = KafkaBootstrap();
  TempDir dir;
  const std::string text =
      "\xEF\xBB\xBF{\"a\":1}\r\n\r\n   \n{\"b\":2}\n\t\r\nnot json\r\n{\"c\":3}";  // no final LF
  const std::string events = dir / "events.jsonl";
  std::ofstream(events, std::ios::binary) << text;
  const std::string prefix = UniqueTopicPrefix("numbering");
  auto r = Smeledger(dir.path(), "produce --bootstrap " + bootstrap + " --topic-prefix " + prefix +
                                     " -", events);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto expected = EventLines(text);
  REQUIRE(expected.size() == 4);
  CHECK(expected[0] == std::make_pair(uint64_t{1}, std::string("{\"a\":1}")));
  CHECK(expected[1].first == 4);
  CHECK(expected[2] == std::make_pair(uint64_t{6}, std::string("not json")));
  CHECK(expected[3] == std::make_pair(uint64_t{7}, std::string("{\"c\":3}")));
  CheckSameLines(expected, Kcat(bootstrap, prefix + "submissions"));
}

TEST_CASE("an unreachable bootstrap: exit 3 within the timeout, one line naming it",
          "[produce]") {
  TempDir dir;
  std::ofstream(dir / "e.jsonl") << "{}\n";
  const double t0 = MonotonicSeconds();
  auto r = Smeledger(dir.path(),
                     "produce --bootstrap 127.0.0.1:9 --connect-timeout 2 " + (dir / "e.jsonl"));
  const double secs = MonotonicSeconds() - t0;
  CHECK(r.exit_code == 3);
  CHECK(LastLine(r.err) == "smeledger: cannot reach Kafka at 127.0.0.1:9 within 2 s (_TRANSPORT)");
  CHECK(Count(r.err, "smeledger: ") == 1);
  CHECK(secs < 6);
}

TEST_CASE("a bad -X property: exit 2 naming it, before any connection", "[produce]") {
  TempDir dir;
  std::ofstream(dir / "e.jsonl") << "{}\n";
  auto r = Smeledger(dir.path(), "produce --bootstrap 127.0.0.1:9 -X no.such.thing=1 " +
                                     (dir / "e.jsonl"));
  CHECK(r.exit_code == 2);
  CHECK(LastLine(r.err) ==
        "smeledger: invalid Kafka property -X no.such.thing=1: No such configuration property: "
        "\"no.such.thing\"");
  auto v = Smeledger(dir.path(), "produce --bootstrap 127.0.0.1:9 -X linger.ms=soon " +
                                     (dir / "e.jsonl"));
  CHECK(v.exit_code == 2);
  CHECK(LastLine(v.err).find("-X linger.ms=soon") != std::string::npos);
  auto i = Smeledger(dir.path(), "produce --bootstrap 127.0.0.1:9 -X acks=1 " + (dir / "e.jsonl"));
  CHECK(i.exit_code == 2);
  CHECK(LastLine(i.err).find("acks") != std::string::npos);
  auto o = Smeledger(dir.path(), "produce --bootstrap 127.0.0.1:9 --outcomes x " +
                                     (dir / "e.jsonl"));
  CHECK(o.exit_code == 2);
}

TEST_CASE("produce --log-format json: one JSON object per log line, secrets masked", "[produce]") {
  TempDir dir;
  std::ofstream(dir / "e.jsonl") << "{}\n";
  auto r = Smeledger(dir.path(),
                     "produce --bootstrap 127.0.0.1:9 --connect-timeout 1 --log-format json "
                     "-X sasl.password=hunter2 -X 'client.id=a\"b\\c' " + (dir / "e.jsonl"));
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("hunter2") == std::string::npos);
  std::vector<std::string> lines = Lines(r.err);
  REQUIRE(lines.size() >= 3);
  simdjson::ondemand::parser parser;
  bool saw_config = false;
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    INFO(lines[i]);
    simdjson::padded_string p(lines[i]);
    auto doc = parser.iterate(p);
    std::string_view time, level, logger, msg;
    REQUIRE(doc["time"].get_string().get(time) == simdjson::SUCCESS);
    REQUIRE(doc["level"].get_string().get(level) == simdjson::SUCCESS);
    REQUIRE(doc["logger"].get_string().get(logger) == simdjson::SUCCESS);
    REQUIRE(doc["msg"].get_string().get(msg) == simdjson::SUCCESS);
    CHECK(time.size() == 27);
    CHECK(time.back() == 'Z');
    CHECK(logger == "produce");
    if (msg.find("producer properties:") != std::string_view::npos) {
      saw_config = true;
      CHECK(msg.find("sasl.password=***") != std::string_view::npos);
      CHECK(msg.find("client.id=a\"b\\c") != std::string_view::npos);
      CHECK(msg.find("compression.codec=lz4") != std::string_view::npos);
    }
  }
  CHECK(saw_config);
  CHECK(lines.back().rfind("smeledger: cannot reach Kafka at 127.0.0.1:9", 0) == 0);
}

TEST_CASE("a submissions topic with 2 partitions is refused: exit 3 naming it",
          "[produce][kafka]") {
  const std::string bootstrap = KafkaBootstrap();
  TempDir dir;
  std::ofstream(dir / "e.jsonl") << "{}\n";
  const std::string prefix = UniqueTopicPrefix("two-partitions");
  ShellRun c = Shell(KafkaDevScript() + " run-class org.apache.kafka.tools.TopicCommand " +
                     "--bootstrap-server " + bootstrap + " --create --topic " + prefix +
                     "submissions --partitions 2");
  INFO(c.err);
  REQUIRE(c.exit_code == 0);
  auto r = Smeledger(dir.path(), "produce --bootstrap " + bootstrap + " --topic-prefix " + prefix +
                                     " " + (dir / "e.jsonl"));
  CHECK(r.exit_code == 3);
  CHECK(LastLine(r.err).rfind("smeledger: topic " + prefix +
                                  "submissions: partitions is 2, expected 1",
                              0) == 0);
  CHECK(Kcat(bootstrap, prefix + "submissions").empty());
}

namespace {

// A stand-in for `smeledger serve`: reads the submissions topic and answers each message with
// the outcome `submit` gave the same line (by the message's `line` header), as serve would
// publish it: keyed by the submissions offset, with "offset" as the last member. Around the
// answers it publishes what produce must ignore: an aborted transaction with wrong answers
// for the same offsets, answers for offsets nobody sent, a repeated answer, a message that is
// no outcome; and it publishes each batch of answers in reverse order.
class FakeServe {
 public:
  FakeServe(ledger_kafka::KafkaOptions o, std::map<uint64_t, std::string> outcome_by_line,
            bool transactional)
      : o_(std::move(o)), by_line_(std::move(outcome_by_line)), txn_(transactional) {
    thread_ = std::thread([this] { status_ = Run(); });
  }
  ~FakeServe() {
    if (thread_.joinable()) thread_.join();
  }
  Status Join() {
    thread_.join();
    return status_;
  }
  std::string log() const { return log_.str(); }

 private:
  Status Run() {
    const auto names = ledger_kafka::TopicNamesFor(o_);
    auto logger = TestLogger(&log_);
    std::unique_ptr<ledger_kafka::Consumer> c;
    if (Status s = ledger_kafka::Consumer::Open(o_, {}, logger, &c); !s.ok()) return s;
    const ledger_kafka::TopicPartitionOffset tp{names.submissions, 0, 0};
    if (Status s = c->Assign({&tp, 1}); !s.ok()) return s;
    std::vector<std::pair<int64_t, uint64_t>> seen;  // offset, line
    const double deadline = MonotonicSeconds() + 120;
    while (seen.size() < by_line_.size()) {
      if (MonotonicSeconds() > deadline) return Status::Io("fake serve: submissions missing");
      ledger_kafka::ConsumedMessage m;
      ledger_kafka::Consumer::Read read;
      if (Status s = c->Poll(200ms, &m, &read); !s.ok() || read != ledger_kafka::Consumer::Read::kMessage)
        continue;
      auto h = m.Header("line");
      if (!h) return Status::Io("fake serve: no line header");
      seen.emplace_back(m.offset, std::stoull(std::string(*h)));
    }
    ledger_kafka::KafkaProperties props;
    if (txn_) props.push_back({"transactional.id", o_.topic_prefix + "fake-serve"});
    std::unique_ptr<ledger_kafka::Producer> p;
    if (Status s = ledger_kafka::Producer::Open(o_, props, logger, nullptr, &p); !s.ok())
      return s;
    auto answer = [&](int64_t offset, const std::string& outcome) {
      std::string v = outcome.substr(0, outcome.size() - 1) + ",\"offset\":" +
                      std::to_string(offset) + "}";
      const std::string key = std::to_string(offset);
      return p->Produce(names.outcomes, 0, std::string_view(key), v, {});
    };
    if (txn_) {
      if (Status s = p->InitTransactions(60s); !s.ok()) return s;
      // Wrong answers that are never committed: read_committed must not show them.
      if (Status s = p->BeginTransaction(); !s.ok()) return s;
      for (auto& [offset, line] : seen)
        if (Status s = answer(offset, "{\"line\":" + std::to_string(line) +
                                          ",\"event_id\":null,\"outcome\":\"rejected\","
                                          "\"reason\":\"precondition\",\"field\":\"\","
                                          "\"message\":\"aborted\"}");
            !s.ok())
          return s;
      if (Status s = p->Flush(30s); !s.ok()) return s;
      if (Status s = p->AbortTransaction(30s); !s.ok()) return s;
    }
    const size_t kBatch = 97;
    for (size_t from = 0; from < seen.size(); from += kBatch) {
      if (txn_)
        if (Status s = p->BeginTransaction(); !s.ok()) return s;
      if (from == 0)
        if (Status s = p->Produce(names.outcomes, 0, std::nullopt, "not an outcome", {}); !s.ok())
          return s;
      const size_t to = std::min(seen.size(), from + kBatch);
      for (size_t i = to; i-- > from;)
        if (Status s = answer(seen[i].first, by_line_.at(seen[i].second)); !s.ok()) return s;
      // Someone else's line, and a repeat of one of ours.
      if (Status s = answer(1'000'000 + static_cast<int64_t>(from),
                            "{\"line\":1,\"event_id\":null,\"outcome\":\"rejected\",\"reason\":"
                            "\"precondition\",\"field\":\"\",\"message\":\"not yours\"}");
          !s.ok())
        return s;
      if (Status s = answer(seen[from].first, by_line_.at(seen[from].second)); !s.ok())
        return s;
      if (txn_) {
        if (Status s = p->CommitTransaction(30s); !s.ok()) return s;
      }
    }
    return p->Flush(30s);
  }

  ledger_kafka::KafkaOptions o_;
  std::map<uint64_t, std::string> by_line_;
  bool txn_;
  std::ostringstream log_;
  Status status_;
  std::thread thread_;
};

// Runs submit on `events` in a fresh ledger: its outcomes file, stderr and exit code.
struct SubmitResult {
  int exit_code;
  std::string outcomes;
  std::string err;
  std::map<uint64_t, std::string> by_line;
};
SubmitResult SubmitReference(const TempDir& dir, const std::string& events) {
  auto s = Smeledger(dir.path(), "--db " + (dir / "ledger") + " submit " + events +
                                     " --outcomes " + (dir / "submit-outcomes.jsonl"));
  SubmitResult r{s.exit_code, Slurp(dir / "submit-outcomes.jsonl"), s.err, {}};
  for (const std::string& l : Lines(r.outcomes)) r.by_line[std::stoull(Field(l, "line"))] = l;
  return r;
}

// The lines of submit's stderr that produce --wait must print the same way.
std::vector<std::string> RejectionLines(const std::string& err) {
  std::vector<std::string> out;
  for (const std::string& l : Lines(err))
    if (l.rfind("line ", 0) == 0 || l.rfind("... and ", 0) == 0) out.push_back(l);
  return out;
}

std::string Counts(const std::string& err) {  // "A accepted, ... position P" of the summary
  for (const std::string& l : Lines(err))
    if (l.rfind("submitted ", 0) == 0) return l.substr(l.find("): ") + 3);
  return "<no summary>";
}

void CheckWaitMatchesSubmit(const std::string& events_text, bool transactional,
                            int expected_exit) {
  const std::string bootstrap = KafkaBootstrap();
  REQUIRE_FALSE(bootstrap.empty());
  TempDir dir;
  const std::string events = dir / "events.jsonl";
  std::ofstream(events, std::ios::binary) << events_text;
  const SubmitResult ref = SubmitReference(dir, events);
  REQUIRE(ref.exit_code == expected_exit);
  REQUIRE(ref.by_line.size() == EventLines(events_text).size());

  ledger_kafka::KafkaOptions o;
  o.bootstrap_servers = bootstrap;
  o.topic_prefix = UniqueTopicPrefix(transactional ? "wait-txn" : "wait-plain");
  std::ostringstream log;
  REQUIRE(ledger_kafka::EnsureTopics(o, TestLogger(&log)).ok());
  FakeServe serve(o, ref.by_line, transactional);

  auto r = Smeledger(dir.path(), "produce --bootstrap " + bootstrap + " --topic-prefix " +
                                     o.topic_prefix + " --wait --timeout 120 --outcomes " +
                                     (dir / "produce-outcomes.jsonl") + " " + events);
  Status s = serve.Join();
  INFO(r.err << "\nfake serve: " << s.ToString() << "\n" << serve.log());
  REQUIRE(s.ok());
  CHECK(r.exit_code == expected_exit);
  CHECK(Slurp(dir / "produce-outcomes.jsonl") == ref.outcomes);
  CHECK(RejectionLines(r.err) == RejectionLines(ref.err));
  CHECK(Counts(r.err) == Counts(ref.err));
  if (expected_exit != 0) CHECK(LastLine(r.err) == LastLine(ref.err));
}

}  // namespace

TEST_CASE("produce --wait writes exactly the outcomes submit writes, exit 1 on a rejection (transactions)",
          "[produce][wait][kafka]") {
  TempDir gen;
  auto g = Smeledger(gen.path(), "generate --institutions 3 --enterprises 40 --year 2019 --seed 5 "
                                 "--bad 30 --limit 1500");
  REQUIRE(g.exit_code == 0);
  // A BOM, CRLF endings, blank lines, a line that is not JSON, and no final line ending.
  std::string text = "\xEF\xBB\xBF";
  int n = 0;
  for (const std::string& l : Lines(g.out)) {
    text += l + (++n % 7 == 0 ? "\r\n" : "\n");
    if (n % 50 == 0) text += "\n  \r\n";
  }
  text += "this is not json\r\n\r\n";
  text += Lines(g.out).front();  // a duplicate of line 1, last, unterminated
  CheckWaitMatchesSubmit(text, /*transactional=*/true, /*expected_exit=*/1);
}

TEST_CASE("produce --wait exits 0 when every line is accepted (no transactions)",
          "[produce][wait][kafka]") {
  TempDir gen;
  auto g = Smeledger(gen.path(), "generate --institutions 3 --enterprises 40 --year 2019 --seed 6 "
                                 "--limit 800");
  REQUIRE(g.exit_code == 0);
  CheckWaitMatchesSubmit(g.out, /*transactional=*/false, /*expected_exit=*/0);
}

TEST_CASE("produce --wait --timeout: no ledger answering is exit 3 once outcomes stop coming",
          "[produce][wait][kafka]") {
  TempDir dir;
  std::ofstream(dir / "e.jsonl") << "{\"a\":1}\n{\"b\":2}\n";
  const std::string prefix = UniqueTopicPrefix("wait-timeout");
  const double t0 = MonotonicSeconds();
  auto r = Smeledger(dir.path(), "produce --bootstrap " + KafkaBootstrap() + " --topic-prefix " +
                                     prefix + " --wait --timeout 2 " + (dir / "e.jsonl"));
  CHECK(r.exit_code == 3);
  CHECK(LastLine(r.err) == "smeledger: no outcome arrived for 2 s: 0 of 2 lines answered (is "
                           "`smeledger serve` running?)");
  CHECK(MonotonicSeconds() - t0 < 30);
}
