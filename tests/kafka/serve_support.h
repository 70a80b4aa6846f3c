// Test support for `smeledger serve` end to end (tests/kafka/serve_*_test.cc): running serve
// and produce as child processes a test can signal and measure, reading a topic back with a
// committed-only consumer, and the checks every serve test makes of what it left behind — the
// ledger, the records topic, the outcomes topic — against what `submit` gives for the same
// lines.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cli_support.h"
#include "kafka_support.h"
#include "ledger_fixture.h"
#include "smeledger/ledger/ledger.h"
#include "smeledger/ledger/outcome_json.h"
#include "smeledger/ledger_kafka/client.h"

namespace smeledger::testing {

// A `smeledger` process started by the test: stdout and stderr go to `log`, stdin comes from
// `stdin_path` (kPipe: a pipe the test writes, stdin_fd()), and it inherits no other
// descriptor of the test's (a broker or a second child holding a test's pipe would keep its
// reader waiting). Killed (SIGKILL) and reaped when the Child goes out of scope while it still
// runs.
class Child {
 public:
  struct Exit {
    bool exited = false;  // false: ended by a signal
    int code = -1;        // exit status when exited
    int signal = 0;       // the signal otherwise
    long max_rss_kb = 0;  // getrusage's ru_maxrss: after fork and exec, also counts the
                          // test process's resident set at the fork (use PeakRssKb)
  };

  Child(const std::vector<std::string>& args, std::string log,
        const std::string& stdin_path = "/dev/null")
      : log_(std::move(log)) {
    int pipe_fds[2] = {-1, -1};
    if (stdin_path == kPipe) REQUIRE(::pipe2(pipe_fds, O_CLOEXEC) == 0);
    std::vector<char*> argv;
    std::string bin = SMELEDGER_BIN;
    argv.push_back(bin.data());
    std::vector<std::string> copy = args;
    for (std::string& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      const int in = stdin_path == kPipe ? pipe_fds[0] : ::open(stdin_path.c_str(), O_RDONLY);
      const int out = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (in < 0 || out < 0) _exit(126);
      ::dup2(in, 0);
      ::dup2(out, 1);
      ::dup2(out, 2);
      ::close_range(3, ~0U, 0);
      ::execv(bin.c_str(), argv.data());
      _exit(127);
    }
    if (pipe_fds[0] >= 0) {
      ::close(pipe_fds[0]);
      stdin_fd_ = pipe_fds[1];
    }
  }
  ~Child() {
    CloseStdin();
    if (pid_ > 0 && !exit_) {
      ::kill(pid_, SIGKILL);
      Reap(true);
    }
    // A REQUIRE failed while it ran (the test is unwinding): show what it logged.
    if (std::uncaught_exceptions() > 0) {
      std::vector<std::string> l = Lines(log());
      std::fprintf(stderr, "----- the last lines of %s:\n", log_.c_str());
      for (size_t i = l.size() > 60 ? l.size() - 60 : 0; i < l.size(); ++i)
        std::fprintf(stderr, "%s\n", l[i].c_str());
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  static constexpr const char* kPipe = "|pipe|";

  pid_t pid() const { return pid_; }
  // The write end of the child's stdin (kPipe), -1 once closed.
  int stdin_fd() const { return stdin_fd_; }
  void CloseStdin() {
    if (stdin_fd_ >= 0) ::close(stdin_fd_);
    stdin_fd_ = -1;
  }
  const std::string& log_path() const { return log_; }
  std::string log() const { return Slurp(log_); }

  void Signal(int sig) {
    if (!exit_) ::kill(pid_, sig);
  }
  bool Running() { return !exit_ && !Reap(false); }

  // Waits for the process to end, at most `timeout`; nullopt when it still runs.
  std::optional<Exit> Wait(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!exit_ && !Reap(false)) {
      if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return exit_;
  }
  // SIGKILL, and the exit.
  Exit Kill() {
    Signal(SIGKILL);
    Reap(true);
    return *exit_;
  }

  // The process's peak resident set so far (VmHWM in /proc/PID/status), in kB; 0 once it ended.
  long PeakRssKb() const {
    if (exit_) return 0;
    std::ifstream f("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(f, line))
      if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
    return 0;
  }

 private:
  bool Reap(bool block) {
    int status = 0;
    struct rusage ru {};
    const pid_t r = ::wait4(pid_, &status, block ? 0 : WNOHANG, &ru);
    if (r != pid_) return false;
    Exit e;
    e.exited = WIFEXITED(status);
    e.code = e.exited ? WEXITSTATUS(status) : -1;
    e.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    e.max_rss_kb = ru.ru_maxrss;
    exit_ = e;
    return true;
  }

  std::string log_;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  std::optional<Exit> exit_;
};

inline std::string Describe(const Child::Exit& e) {
  return e.exited ? "exit " + std::to_string(e.code) : "signal " + std::to_string(e.signal);
}

// Polls `done` every `every` for at most `timeout`; whether it became true.
inline bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                      std::chrono::milliseconds every = std::chrono::milliseconds(50)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(every);
  }
}

// Writes lines[from, to) (each with '\n') to `fd` at about `rate` lines a second, on its own
// thread; Join() waits until all are written. A write error (the reader gone) ends it early
// (SIGPIPE is ignored from then on in the test process).
class Feeder {
 public:
  Feeder(int fd, const std::vector<std::string>& lines, size_t from, size_t to, double rate)
      : thread_([this, fd, &lines, from, to, rate] {
          ::signal(SIGPIPE, SIG_IGN);
          const auto t0 = std::chrono::steady_clock::now();
          constexpr size_t kChunk = 500;
          std::string buf;
          for (size_t i = from; i < to;) {
            buf.clear();
            const size_t end = std::min(to, i + kChunk);
            for (; i < end; ++i) (buf += lines[i]) += '\n';
            for (size_t at = 0; at < buf.size();) {
              const ssize_t n = ::write(fd, buf.data() + at, buf.size() - at);
              if (n <= 0) return;
              at += static_cast<size_t>(n);
            }
            written_ = i;
            std::this_thread::sleep_until(
                t0 + std::chrono::duration<double>((i - from) / rate));
          }
        }) {}
  ~Feeder() { Join(); }
  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  // The index after the last line written.
  size_t written() const { return written_.load(); }

 private:
  std::atomic<size_t> written_{0};
  std::thread thread_;
};

// `serve`'s command line for the ledger `db` on the cluster `bootstrap` under topic prefix
// `prefix`; `extra` is appended (--batch N, -X k=v, ...).
inline std::vector<std::string> ServeArgs(const std::string& db, const std::string& bootstrap,
                                          const std::string& prefix,
                                          const std::vector<std::string>& extra = {}) {
  std::vector<std::string> a = {"--db", db, "serve", "--bootstrap", bootstrap, "--topic-prefix",
                                prefix, "--status-interval", "1"};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

// `smeledger project` (a read replica of the records topic of `prefix`) into `db`.
inline std::vector<std::string> ProjectArgs(const std::string& db, const std::string& bootstrap,
                                            const std::string& prefix,
                                            const std::vector<std::string>& extra = {}) {
  std::vector<std::string> a = {"--db", db, "project", "--bootstrap", bootstrap, "--topic-prefix",
                                prefix, "--status-interval", "1"};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

// The ledger in `db` as a reader sees it now (nullptr when there is none yet).
inline std::unique_ptr<ledger::Ledger> OpenReader(const std::string& db) {
  ledger::LedgerOptions o;
  o.read_only = true;
  std::unique_ptr<ledger::Ledger> l;
  if (!ledger::Ledger::Open(o, db, &l).ok()) return nullptr;
  return l;
}

inline uint64_t HeadOf(const std::string& db) {
  auto l = OpenReader(db);
  return l ? l->head().position : 0;
}

// The next submissions offset `serve` stored in `db` for `prefix` (0 when none yet).
inline uint64_t StoredOffset(const std::string& db, const std::string& prefix) {
  auto l = OpenReader(db);
  uint64_t next = 0;
  if (!l || !l->SourcePosition(prefix + "submissions/0", &next).ok()) return 0;
  return next;
}

struct TopicMessage {
  int64_t offset = -1;
  std::optional<std::string> key;
  std::string value;
  std::optional<std::string> line_header;
};

inline ledger_kafka::KafkaOptions TestKafkaOptions(const std::string& bootstrap,
                                                   const std::string& prefix) {
  ledger_kafka::KafkaOptions o;
  o.bootstrap_servers = bootstrap;
  o.topic_prefix = prefix;
  return o;
}

// Every message of partition 0 of `topic`, from its beginning to its end as of now (the high
// watermark of the first fetch: a topic still being written may never show librdkafka's
// partition end), as a read_committed consumer (the default) or a read_uncommitted one sees
// them. The end is not asked of the cluster: librdkafka 2.0.2's query_watermark_offsets hangs
// while a partition's former leader is down.
inline std::vector<TopicMessage> ReadTopic(const std::string& bootstrap, const std::string& topic,
                                           bool committed_only = true) {
  std::unique_ptr<ledger_kafka::Consumer> c;
  const ledger_kafka::KafkaProperties props = {
      {"enable.partition.eof", "true"},
      {"isolation.level", committed_only ? "read_committed" : "read_uncommitted"},
      {"fetch.max.bytes", "16777216"}};
  auto logger = std::make_shared<spdlog::logger>(
      "read-topic", std::make_shared<spdlog::sinks::null_sink_mt>());
  REQUIRE(ledger_kafka::Consumer::Open(TestKafkaOptions(bootstrap, ""), props, logger, &c).ok());
  const ledger_kafka::TopicPartitionOffset at{topic, 0, -2 /* the beginning */};
  REQUIRE(c->Assign({&at, 1}).ok());
  std::vector<TopicMessage> out;
  const double deadline = MonotonicSeconds() + 300;
  int64_t end = -1;  // known with the first fetch
  for (;;) {
    if (MonotonicSeconds() >= deadline)
      FAIL("reading " << topic << ": no end after " << out.size() << " messages");
    ledger_kafka::ConsumedMessage m;
    ledger_kafka::Consumer::Read read;
    Status s = c->Poll(std::chrono::milliseconds(500), &m, &read);
    if (!s.ok()) {
      REQUIRE(s.IsRetryable());
      continue;
    }
    if (read == ledger_kafka::Consumer::Read::kEnd) break;
    if (read != ledger_kafka::Consumer::Read::kMessage) continue;
    if (end < 0 && !c->CachedHighWatermark(topic, 0, &end)) end = INT64_MAX;
    if (m.offset >= end) break;  // written since the first fetch
    TopicMessage t;
    t.offset = m.offset;
    if (m.key) t.key = std::string(*m.key);
    t.value.assign(m.value);
    if (auto h = m.Header("line")) t.line_header = std::string(*h);
    out.push_back(std::move(t));
    if (m.offset + 1 >= end) break;
  }
  return out;
}

// Waits until the outcomes topic of `prefix` holds at least `count` committed messages.
inline bool WaitForOutcomes(const std::string& bootstrap, const std::string& prefix,
                            size_t count, std::chrono::milliseconds timeout) {
  return WaitUntil([&] { return ReadTopic(bootstrap, prefix + "outcomes").size() >= count; },
                   timeout, std::chrono::milliseconds(500));
}

// The outcome JSON with the hash's value replaced by "*": two ledgers fed the same lines give
// the same outcomes but for the hashes (their records' recorded_at differ).
inline std::string MaskHash(const std::string& json) {
  const std::string k = "\"hash\":\"";
  const size_t at = json.find(k);
  if (at == std::string::npos) return json;
  const size_t end = json.find('"', at + k.size());
  return json.substr(0, at + k.size()) + "*" + json.substr(end);
}

// What `submit` answered for a file, run into its own ledger.
struct SubmitReference {
  int exit_code = -1;
  std::string db;
  std::vector<std::string> outcomes;  // one JSON per event line, in line order
  uint64_t accepted = 0;
};
inline SubmitReference RunSubmitReference(const TempDir& dir, const std::string& events,
                                          const std::string& name = "reference") {
  SubmitReference r;
  r.db = dir / name;
  const std::string out = dir / (name + "-outcomes.jsonl");
  auto s = Smeledger(dir.path(), "--db " + r.db + " submit " + events + " --outcomes " + out);
  r.exit_code = s.exit_code;
  r.outcomes = Lines(Slurp(out));
  for (const std::string& o : r.outcomes) r.accepted += Field(o, "outcome") == "accepted";
  return r;
}

// The hash of every record of the ledger in `db`, by position ([0] unused), from `export`.
inline std::vector<std::string> RecordHashes(const std::string& dir, const std::string& db) {
  auto e = Smeledger(dir, "--db " + db + " export");
  REQUIRE(e.exit_code == 0);
  std::vector<std::string> h(1);
  size_t out_of_order = 0;
  for (const std::string& l : Lines(e.out)) {
    out_of_order += Field(l, "position") != std::to_string(h.size());
    h.push_back(Field(l, "hash"));
  }
  REQUIRE(out_of_order == 0);
  return h;
}

// The records topic holds exactly the ledger's records: positions 1..head, each once, in
// order, keyed by the position, each value the ledger's stored bytes. Returns the head.
inline uint64_t CheckRecordsTopic(const std::string& bootstrap, const std::string& prefix,
                                  const std::string& db) {
  auto ledger = OpenReader(db);
  REQUIRE(ledger);
  const uint64_t head = ledger->head().position;
  const std::vector<TopicMessage> got = ReadTopic(bootstrap, prefix + "records");
  INFO("records topic: " << got.size() << " messages, ledger head " << head);
  REQUIRE(got.size() == head);
  std::string bytes;
  size_t bad_keys = 0, bad_values = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const uint64_t pos = i + 1;
    if (got[i].key != std::to_string(pos)) {
      if (bad_keys++ == 0)
        UNSCOPED_INFO("message " << i << " has key " << got[i].key.value_or("(none)"));
      continue;
    }
    if ((!ledger->ReadRecord(pos, &bytes).ok() || got[i].value != bytes) && bad_values++ == 0)
      UNSCOPED_INFO("record " << pos << " differs from the ledger's");
  }
  CHECK(bad_keys == 0);
  CHECK(bad_values == 0);
  return head;
}

// The outcomes topic answers each submissions offset 0..count-1 exactly once, in offset order,
// keyed by the offset, each value ending in `"offset":N`. Returns the outcomes without it.
inline std::vector<std::string> CheckOutcomesTopic(const std::string& bootstrap,
                                                   const std::string& prefix, uint64_t count) {
  const std::vector<TopicMessage> got = ReadTopic(bootstrap, prefix + "outcomes");
  INFO("outcomes topic: " << got.size() << " messages, " << count << " submissions");
  std::vector<std::string> outcomes;
  size_t bad = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    std::string o;
    uint64_t offset = 0;
    const bool ok = ledger::StripOutcomeOffset(got[i].value, &o, &offset);
    if (!ok || offset != i || got[i].key != std::to_string(i)) {
      if (bad++ == 0)
        UNSCOPED_INFO("outcome message " << i << ": key " << got[i].key.value_or("(none)")
                                         << ", value " << got[i].value);
    }
    outcomes.push_back(std::move(o));
  }
  CHECK(bad == 0);
  REQUIRE(got.size() == count);
  return outcomes;
}

// `got` (served) equals `want` (submit's) line by line except for the hashes, and every
// accepted or duplicate outcome's hash is the served ledger's record hash at its position.
inline void CheckOutcomesMatch(const std::vector<std::string>& got,
                               const std::vector<std::string>& want,
                               const std::vector<std::string>& hashes) {
  REQUIRE(got.size() == want.size());
  size_t differ = 0, bad_hash = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (MaskHash(got[i]) != MaskHash(want[i]) && differ++ < 3)
      UNSCOPED_INFO("outcome " << i << ": served " << got[i] << "\n  submit " << want[i]);
    const std::string pos = Field(got[i], "position");
    if (pos == "<absent>") continue;
    const uint64_t p = std::stoull(pos);
    if ((p >= hashes.size() || Field(got[i], "hash") != hashes[p]) && bad_hash++ < 3)
      UNSCOPED_INFO("outcome " << i << " names hash " << Field(got[i], "hash")
                               << ", the ledger's record " << p << " has another");
  }
  CHECK(differ == 0);
  CHECK(bad_hash == 0);
}

// `verify` passes on `db`; returns its head position.
inline uint64_t CheckVerifies(const std::string& dir, const std::string& db) {
  auto v = Smeledger(dir, "--db " + db + " --format json verify");
  INFO(v.out << v.err);
  CHECK(v.exit_code == 0);
  CHECK(Field(v.out, "ok") == "true");
  return std::stoull(Field(v.out, "position"));
}

// The read commands give the same output on `db` as on the reference ledger `ref_db` (a
// ledger of the same lines written by `submit`: its records' hashes differ — each record holds
// the moment it was written — but every count, report and digest is the same).
inline void CheckReadsMatch(const std::string& dir, const std::string& ref_db,
                            const std::string& db) {
  for (const std::string cmd : {"report quarterly --period 2019-Q3 --format json",
                                "report annual --year 2019 --format json",
                                "compliance --period 2019-Q3 --format json"}) {
    INFO(cmd);
    auto want = Smeledger(dir, "--db " + ref_db + " " + cmd);
    auto got = Smeledger(dir, "--db " + db + " " + cmd);
    INFO(want.err << got.err);
    REQUIRE(want.exit_code == 0);
    CHECK(got.exit_code == 0);
    CHECK(want.out.size() > 100);
    CHECK(got.out == want.out);
  }
}

// A read replica holds the served ledger's records byte for byte: `export` and `verify` print
// the same on both.
inline void CheckReplicaOf(const std::string& dir, const std::string& ledger_db,
                           const std::string& replica_db) {
  for (const std::string cmd : {"export", "--format json verify"}) {
    INFO(cmd);
    auto want = Smeledger(dir, "--db " + ledger_db + " " + cmd);
    auto got = Smeledger(dir, "--db " + replica_db + " " + cmd);
    INFO(want.err << got.err);
    REQUIRE(want.exit_code == 0);
    CHECK(got.exit_code == 0);
    CHECK(!want.out.empty());
    CHECK((got.out == want.out));  // (not printed: an export is large)
  }
}

}  // namespace smeledger::testing
