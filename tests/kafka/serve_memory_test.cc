// `smeledger serve`'s memory does not grow with its backlog: a million lines wait in the
// submissions topic before serve starts, and its peak resident set stays near that of `submit`
// reading the same lines from a file (which holds no backlog at all: the difference is what
// serve's Kafka side costs) — and that difference is no larger than with a backlog ten times
// smaller.
#include <catch2/catch.hpp>

#include <algorithm>
#include <iterator>

#include "serve_support.h"

using namespace smeledger;
using namespace smeledger::testing;
using namespace std::chrono_literals;

namespace {

struct Peaks {
  uint64_t lines = 0;
  long submit_kb = 0;  // submit's peak resident set, the file's lines
  double submit_s = 0;
  long serve_kb = 0;   // serve's, the same lines waiting in the topic when it starts
  double serve_s = 0;  // until every line is consumed
  double exit_s = 0;   // until every outcome is published and serve has exited (SIGTERM)
};

// Raises *peak_kb to the process's VmHWM; false once the process has ended. (Not the exit's
// ru_maxrss: after fork and exec it counts the test process's own resident set as well.)
bool SamplePeak(Child& c, long* peak_kb) {
  if (!c.Running()) return false;
  *peak_kb = std::max(*peak_kb, c.PeakRssKb());
  return true;
}

// The first `limit` lines of `all` through submit, then (as a backlog) through serve.
Peaks Measure(const TempDir& dir, const std::string& bootstrap, const std::string& all,
              uint64_t limit) {
  Peaks r;
  const std::string name = std::to_string(limit);
  const std::string events = dir / ("events-" + name + ".jsonl");
  ShellRun h = Shell("head -n " + name + " " + all + " > " + events);
  REQUIRE(h.exit_code == 0);
  {
    std::ifstream f(events, std::ios::binary);
    r.lines = std::count(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>(), '\n');
  }

  const std::string reference = dir / ("reference-" + name);
  double t0 = MonotonicSeconds();
  {
    Child submit({"--db", reference, "submit", events}, dir / ("submit-" + name + ".log"));
    REQUIRE(WaitUntil([&] { return !SamplePeak(submit, &r.submit_kb); }, 600s, 20ms));
    auto e = submit.Wait(0s);
    REQUIRE(e);
    CHECK(Describe(*e) == "exit 1");  // the bad lines
  }
  r.submit_s = MonotonicSeconds() - t0;

  const std::string prefix = UniqueTopicPrefix("serve-memory-" + name);
  auto p = Smeledger(dir.path(), "-q produce --bootstrap " + bootstrap + " --topic-prefix " +
                                     prefix + " " + events);
  INFO(p.err);
  REQUIRE(p.exit_code == 0);

  const std::string db = dir / ("served-" + name);
  t0 = MonotonicSeconds();
  Child serve(ServeArgs(db, bootstrap, prefix), dir / ("serve-" + name + ".log"));
  int polls = 0;
  REQUIRE(WaitUntil(
      [&] {
        SamplePeak(serve, &r.serve_kb);
        return ++polls % 10 == 0 && StoredOffset(db, prefix) == r.lines;
      },
      600s, 20ms));
  r.serve_s = MonotonicSeconds() - t0;
  // Stopped now, it publishes what is left before it exits.
  serve.Signal(SIGTERM);
  REQUIRE(WaitUntil([&] { return !SamplePeak(serve, &r.serve_kb); }, 120s, 20ms));
  auto e = serve.Wait(0s);
  r.exit_s = MonotonicSeconds() - t0;
  REQUIRE(e);
  CHECK(Describe(*e) == "exit 0");
  CHECK(ReadTopic(bootstrap, prefix + "outcomes").size() == r.lines);
  CHECK(HeadOf(db) == HeadOf(reference));
  return r;
}

}  // namespace

TEST_CASE("serve's peak memory stays flat with a backlog of a million lines",
          "[serve][memory][kafka][slow]") {
  const std::string bootstrap = KafkaBootstrap();
  REQUIRE_FALSE(bootstrap.empty());
  TempDir dir;
  const std::string all = dir / "events.jsonl";
  ShellRun g = Shell(std::string(SMELEDGER_BIN) +
                     " generate --institutions 300 --enterprises 20000 --year 2019 --seed 9 "
                     "--bad 100 --limit 1000000 > " + all);
  INFO(g.err);
  REQUIRE(g.exit_code == 0);

  // A backlog ten times smaller first: what serve adds to submit's peak must not grow with it.
  std::string figures;
  long extra_kb[2] = {0, 0};
  for (int i = 0; i < 2; ++i) {
    const Peaks m = Measure(dir, bootstrap, all, i == 0 ? 100000 : 1000000);
    extra_kb[i] = m.serve_kb - m.submit_kb;
    char b[400];
    std::snprintf(b, sizeof b,
                  "\n%llu lines: submit %.1f s, peak %ld MiB; serve from a backlog: consumed in "
                  "%.1f s (%.0f lines/s), all published and exited after %.1f s, peak %ld MiB",
                  static_cast<unsigned long long>(m.lines), m.submit_s, m.submit_kb / 1024,
                  m.serve_s, m.lines / m.serve_s, m.exit_s, m.serve_kb / 1024);
    figures += b;
    // Generous: what serve adds to submit's pipeline (librdkafka's fetch queue of at most
    // 64 MiB, one transaction's records in the producer) is far below a backlog of 190 MB of
    // lines (1M lines), and does not grow with it.
    CHECK(m.serve_kb < m.submit_kb + 384 * 1024);
    CHECK(m.serve_kb < 1536 * 1024);
  }
  WARN(figures);
  CHECK(extra_kb[1] < extra_kb[0] + 128 * 1024);
}
