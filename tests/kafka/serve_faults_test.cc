// `smeledger serve` under faults, with lines streaming in through `produce --wait` the whole
// time, and a read replica (`project`) following the records topic: serve and project each
// SIGKILLed at random moments and restarted; every broker stopped for 10 s; on three nodes,
// the partition leaders of submissions and of records SIGKILLed and restarted. After each:
// produce --wait ends with exactly submit's outcomes, the ledger verifies, the records and
// outcomes topics hold everything once, in order, without a gap, and the replica holds the
// ledger's records byte for byte and prints submit's reports.
#include <catch2/catch.hpp>

#include <random>

#include "serve_support.h"

using namespace smeledger;
using namespace smeledger::testing;
using namespace std::chrono_literals;

namespace {

// A stream of lines through `produce --wait` (fed by the test through a pipe) into the topics
// of `prefix`, and the reference: what submit answers for the same lines.
class Stream {
 public:
  Stream(const TempDir& dir, const std::string& bootstrap, const std::string& generate_args)
      : dir_(dir), bootstrap_(bootstrap), prefix_(UniqueTopicPrefix("serve-stream")) {
    auto g = Smeledger(dir.path(), "generate " + generate_args);
    REQUIRE(g.exit_code == 0);
    std::ofstream(dir / "events.jsonl", std::ios::binary) << g.out;
    lines_ = Lines(g.out);
    ref_ = RunSubmitReference(dir, dir / "events.jsonl");
    REQUIRE(ref_.outcomes.size() == lines_.size());
  }

  const std::string& prefix() const { return prefix_; }
  const std::vector<std::string>& lines() const { return lines_; }
  std::string db() const { return dir_ / "served"; }
  std::string replica() const { return dir_ / "replica"; }

  // Starts `produce --wait` reading the pipe.
  void StartProduce() {
    produce_ = std::make_unique<Child>(
        std::vector<std::string>{"produce", "--bootstrap", bootstrap_, "--topic-prefix", prefix_,
                                 "--wait", "--timeout", "600", "--outcomes", outcomes_file(), "-"},
        dir_ / "produce.log", Child::kPipe);
  }
  // Feeds lines [from, to) at `rate` lines a second (in the background until Join()).
  Feeder& Feed(size_t from, size_t to, double rate) {
    feeders_.push_back(std::make_unique<Feeder>(produce_->stdin_fd(), lines_, from, to, rate));
    return *feeders_.back();
  }
  Child& produce() { return *produce_; }

  std::unique_ptr<Child> StartServe(const std::vector<std::string>& extra, const std::string& log) {
    return std::make_unique<Child>(ServeArgs(db(), bootstrap_, prefix_, extra), dir_ / log);
  }

  // `project`: the read replica of the records topic, in replica().
  std::unique_ptr<Child> StartProject(const std::string& log) {
    return std::make_unique<Child>(ProjectArgs(replica(), bootstrap_, prefix_), dir_ / log);
  }

  // Every line fed: ends produce's input, waits for its answers, stops `serve` (SIGTERM) and
  // checks everything; with `project`, waits until the replica holds every record, stops it
  // and checks it too (the served ledger's records byte for byte, submit's reports).
  void Finish(Child& serve, Child* project = nullptr) {
    for (auto& f : feeders_) f->Join();
    produce_->CloseStdin();
    auto p = produce_->Wait(600s);
    INFO("produce: " << produce_->log() << "\nserve: " << serve.log());
    REQUIRE(p);
    CHECK(Describe(*p) == "exit " + std::to_string(ref_.exit_code));
    serve.Signal(SIGTERM);
    auto e = serve.Wait(60s);
    REQUIRE(e);
    CHECK(Describe(*e) == "exit 0");

    const std::vector<std::string> hashes = RecordHashes(dir_.path(), db());
    CheckOutcomesMatch(Lines(Slurp(outcomes_file())), ref_.outcomes, hashes);
    CHECK(CheckVerifies(dir_.path(), db()) == ref_.accepted);
    CHECK(CheckRecordsTopic(bootstrap_, prefix_, db()) == ref_.accepted);
    CheckOutcomesMatch(CheckOutcomesTopic(bootstrap_, prefix_, lines_.size()), ref_.outcomes,
                       hashes);
    if (project == nullptr) return;
    INFO("project: " << project->log());
    CHECK(WaitUntil([&] { return HeadOf(replica()) == ref_.accepted; }, 120s));
    project->Signal(SIGTERM);
    auto ep = project->Wait(60s);
    REQUIRE(ep);
    CHECK(Describe(*ep) == "exit 0");
    CHECK(CheckVerifies(dir_.path(), replica()) == ref_.accepted);
    CheckReadsMatch(dir_.path(), ref_.db, replica());
    CheckReplicaOf(dir_.path(), db(), replica());
  }

 private:
  std::string outcomes_file() const { return dir_ / "produce-outcomes.jsonl"; }

  const TempDir& dir_;
  std::string bootstrap_;
  std::string prefix_;
  std::vector<std::string> lines_;
  SubmitReference ref_;
  std::unique_ptr<Child> produce_;
  std::vector<std::unique_ptr<Feeder>> feeders_;
};

size_t Count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + what.size()))
    ++n;
  return n;
}

// The last `n` lines of `text`.
std::string Tail(const std::string& text, size_t n) {
  const std::vector<std::string> l = Lines(text);
  std::string out;
  for (size_t i = l.size() > n ? l.size() - n : 0; i < l.size(); ++i) out += l[i] + "\n";
  return out;
}

}  // namespace

TEST_CASE("serve and project SIGKILLed at random moments mid-stream and restarted: every line "
          "answered once, every record published once, the replica equal",
          "[serve][crash][kafka][slow]") {
  const std::string bootstrap = KafkaBootstrap();
  REQUIRE_FALSE(bootstrap.empty());
  TempDir dir;
  Stream stream(dir, bootstrap, "--institutions 80 --enterprises 8000 --year 2019 --seed 3 "
                                "--bad 300 --limit 250000");
  const size_t total = stream.lines().size();
  const unsigned seed = std::random_device{}();
  std::mt19937 rng(seed);
  INFO("random seed " << seed);
  stream.StartProduce();
  Feeder& feed = stream.Feed(0, total, 5000);  // about 50 s of lines

  // Round 1 is killed at a random moment of its start-up (fencing, reading the topics' ends);
  // the others once they consume, at a random moment after that, until six were killed while
  // lines were still coming (the feed's pace leaves time for about ten rounds).
  const std::vector<std::string> batches = {"97", "1000", "16384", "211", "4096", "3000", "50"};
  int mid_stream_kills = 0, replica_kills = 0;
  std::string kills;
  // The read replica beside it, SIGKILLed at its own random moment of each round.
  std::unique_ptr<Child> project = stream.StartProject("project-0.log");
  const double t0 = MonotonicSeconds();
  for (size_t round = 0; mid_stream_kills < 6 && round < 12; ++round) {
    const std::string& batch = batches[round % batches.size()];
    auto serve = stream.StartServe({"--batch", batch}, "serve-" + std::to_string(round) + ".log");
    const uint64_t before = StoredOffset(stream.db(), stream.prefix());
    if (round == 1) {
      std::this_thread::sleep_for(std::chrono::milliseconds(
          std::uniform_int_distribution<int>(0, 1500)(rng)));
    } else {
      REQUIRE(WaitUntil([&] { return StoredOffset(stream.db(), stream.prefix()) > before; }, 60s));
      std::this_thread::sleep_for(std::chrono::milliseconds(
          std::uniform_int_distribution<int>(0, 800)(rng)));
    }
    if (round != 1) {
      std::this_thread::sleep_for(std::chrono::milliseconds(
          std::uniform_int_distribution<int>(0, 400)(rng)));
      const Child::Exit pe = project->Kill();
      CHECK(pe.signal == SIGKILL);
      const uint64_t replica_head = HeadOf(stream.replica());
      if (replica_head > 0 && feed.written() < total) ++replica_kills;
      kills += "\n  project: replica head " + std::to_string(replica_head);
      CheckVerifies(dir.path(), stream.replica());
      project = stream.StartProject("project-" + std::to_string(round + 1) + ".log");
    }
    const bool feeding = feed.written() < total;
    const Child::Exit e = serve->Kill();
    CHECK(e.signal == SIGKILL);
    const uint64_t offset = StoredOffset(stream.db(), stream.prefix());
    const size_t answered = ReadTopic(bootstrap, stream.prefix() + "outcomes").size();
    kills += "\n  batch " + batch + ": offset " + std::to_string(offset) + ", " +
             std::to_string(answered) + " answered" + (feeding ? "" : ", feed done");
    if (round != 1 && feeding && offset < total) ++mid_stream_kills;
    // Whatever the moment, the ledger is whole.
    CheckVerifies(dir.path(), stream.db());
  }
  WARN("SIGKILLs in " << MonotonicSeconds() - t0 << " s (random seed " << seed << "):" << kills);
  CHECK(mid_stream_kills >= 5);
  CHECK(replica_kills >= 5);

  auto serve = stream.StartServe({}, "serve-last.log");
  stream.Finish(*serve, project.get());
}

TEST_CASE("every broker stopped for 10 s mid-stream: serve, project and produce --wait wait and "
          "resume, "
          "nothing lost or twice",
          "[serve][kafka][slow]") {
  TempDir dir;
  DevCluster cluster(dir / "kafka");  // its own: it is stopped
  ShellRun start = cluster.Start(1);
  INFO(start.err);
  REQUIRE(start.exit_code == 0);
  const std::string bootstrap = cluster.bootstrap();
  Stream stream(dir, bootstrap, "--institutions 20 --enterprises 500 --year 2019 --seed 2 "
                                "--bad 40 --limit 120000");
  stream.StartProduce();
  auto serve = stream.StartServe({"--batch", "2000"}, "serve.log");
  auto project = stream.StartProject("project.log");

  stream.Feed(0, 40000, 20000).Join();
  REQUIRE(WaitUntil([&] { return StoredOffset(stream.db(), stream.prefix()) > 0; }, 60s));
  const double stopped_at = MonotonicSeconds();
  ShellRun stop = cluster.Stop();
  INFO(stop.err);
  REQUIRE(stop.exit_code == 0);
  const uint64_t at_stop = StoredOffset(stream.db(), stream.prefix());
  stream.Feed(40000, 80000, 20000).Join();  // while no broker runs: produce holds them
  std::this_thread::sleep_for(
      std::chrono::duration<double>(std::max(0.0, stopped_at + 10 - MonotonicSeconds())));
  CHECK(serve->Running());
  CHECK(project->Running());
  CHECK(stream.produce().Running());
  CHECK(StoredOffset(stream.db(), stream.prefix()) <= 40000);
  ShellRun again = cluster.Start(1);
  INFO(again.err);
  REQUIRE(again.exit_code == 0);
  WARN("brokers stopped for " << MonotonicSeconds() - stopped_at << " s with serve at offset "
                              << at_stop);
  stream.Feed(80000, stream.lines().size(), 20000);
  stream.Finish(*serve, project.get());
  // It said so (librdkafka's connection failures, the status line's missing end offset).
  CHECK(Count(serve->log(), "] [warning] ") + Count(serve->log(), "] [error] ") > 0);
}

// The 3-node cluster of the `kafka3` fixture (tests/kafka/CMakeLists.txt): a shorter broker
// session timeout, so that the controller moves a dead node's leaderships within seconds.
TEST_CASE("three nodes: the leaders of submissions and of records SIGKILLed mid-stream, then "
          "restarted: nothing lost, nothing twice",
          "[serve][kafka3][slow]") {
  DevCluster cluster(KafkaDir(), /*owned=*/false);
  ShellRun up = cluster.Start(3);  // every node up, whatever an earlier test left
  INFO(up.err);
  REQUIRE(up.exit_code == 0);
  const std::string bootstrap = cluster.bootstrap();
  TempDir dir;
  Stream stream(dir, bootstrap, "--institutions 20 --enterprises 500 --year 2019 --seed 5 "
                                "--bad 40 --limit 150000");
  const size_t total = stream.lines().size();
  stream.StartProduce();
  auto serve = stream.StartServe({"--batch", "2000"}, "serve.log");
  auto project = stream.StartProject("project.log");
  Feeder& feed = stream.Feed(0, total, 4000);  // about 37 s of lines
  auto offset = [&] { return StoredOffset(stream.db(), stream.prefix()); };

  // The submissions leader: serve's consumer and produce's producer move to the new leader.
  REQUIRE(WaitUntil([&] { return offset() > 20000; }, 120s));
  const int sub_leader = cluster.Leader(stream.prefix() + "submissions");
  REQUIRE(sub_leader >= 1);
  const double t0 = MonotonicSeconds();
  CHECK(feed.written() < total);  // mid-stream
  REQUIRE(cluster.KillNode(sub_leader).exit_code == 0);
  const uint64_t at_kill = offset();
  CHECK(WaitUntil([&] { return offset() > at_kill + 10000; }, 120s));
  WARN("submissions leader (node " << sub_leader << ") killed at offset " << at_kill
                                   << "; 10000 more lines consumed after "
                                   << MonotonicSeconds() - t0 << " s");
  ShellRun back = cluster.StartNode(sub_leader);
  INFO(back.err);
  REQUIRE(back.exit_code == 0);

  // The records leader: serve's transactions move to the new leader. Measured in the outcomes
  // topic (they are published with the records, in the same transactions).
  REQUIRE(WaitUntil([&] { return offset() > 70000; }, 120s));
  const int rec_leader = cluster.Leader(stream.prefix() + "records");
  REQUIRE(rec_leader >= 1);
  const double t1 = MonotonicSeconds();
  const size_t answered = ReadTopic(bootstrap, stream.prefix() + "outcomes").size();
  CHECK(feed.written() < total);  // mid-stream
  REQUIRE(cluster.KillNode(rec_leader).exit_code == 0);
  const bool published = WaitForOutcomes(bootstrap, stream.prefix(), answered + 10000, 120s);
  INFO("serve's last lines:\n" << Tail(serve->log(), 40));
  CHECK(published);
  WARN("records leader (node " << rec_leader << ") killed with " << answered
                               << " lines answered; 10000 more answered after "
                               << MonotonicSeconds() - t1 << " s");
  ShellRun back2 = cluster.StartNode(rec_leader);
  INFO(back2.err);
  REQUIRE(back2.exit_code == 0);

  stream.Finish(*serve, project.get());
}
