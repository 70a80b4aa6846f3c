// smeledger bench ingest|verify|rebuild [--events N]: the whole path on generated data, in a
// temporary ledger; figures as JSON on stdout.
#include <fcntl.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "bench_kafka.h"
#include "cli.h"
#include "malloc_tuning.h"
#include "smeledger/producers/generator.h"

namespace smeledger::cli {
namespace {

std::string CpuModel() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

// CPU time of every thread of this process, RocksDB's background threads included.
double ProcessCpuSeconds() {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

}  // namespace

std::string BenchMachine() {
  return "\"machine\":{\"cpu\":\"" + CpuModel() +
         "\",\"cores\":" + std::to_string(std::thread::hardware_concurrency()) +
         ",\"allocator\":\"" + AllocatorSettings() + "\"}";
}

namespace {

std::string Machine() { return BenchMachine(); }

struct Scratch {
  std::string dir;
  Scratch() {
    char t[] = "/tmp/smeledger-bench-XXXXXX";
    dir = mkdtemp(t);
  }
  ~Scratch() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

// A full rebuild of the default rule set's projection, timed by `smeledger rebuild` run as a
// child process (a fresh process, so that its peak RSS is the rebuild's alone).
int BenchRebuild(const GlobalOptions& g, const std::string& db, uint64_t events) {
  const std::string out = db + "/../rebuild.json", err = db + "/../rebuild.err";
  const pid_t pid = fork();
  if (pid < 0) return Fail(kEnvironment, "cannot fork");
  if (pid == 0) {
    int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) ::dup2(fd, STDOUT_FILENO);
    int efd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (efd >= 0) ::dup2(efd, STDERR_FILENO);
    execl("/proc/self/exe", "smeledger", "--db", db.c_str(), "-v", "--format", "json", "rebuild",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return Fail(kProblem, "the rebuild failed");
  // The child's own peak, as it reports it: getrusage(RUSAGE_CHILDREN) would count this
  // process's memory too, which the child held between fork and exec.
  double peak_mb = 0;
  {
    std::ifstream e(err);
    std::string line;
    while (std::getline(e, line))
      if (line.rfind("peak RSS: ", 0) == 0) peak_mb = std::atof(line.c_str() + 10);
  }
  std::ifstream f(out);
  std::string json((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto num = [&](const std::string& key) {
    const size_t p = json.find("\"" + key + "\":");
    return p == std::string::npos ? 0.0 : std::atof(json.c_str() + p + key.size() + 3);
  };
  const double secs = num("seconds");
  const double records = num("records");
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "{\"benchmark\":\"rebuild\",\"events\":%llu,\"seconds\":%.3f,"
                "\"events_per_second\":%.0f,\"peak_rss_mb\":%.1f,",
                (unsigned long long)events, secs, secs > 0 ? records / secs : 0.0, peak_mb);
  std::printf("%s%s}\n", buf, Machine().c_str());
  return kOk;
}

int RunBench(const GlobalOptions& g, const std::string& what, uint64_t events, size_t batch,
             bool no_sync) {
  Scratch scratch;
  const std::string input = scratch.dir + "/events.jsonl";
  const std::string db = scratch.dir + "/ledger";
  producers::GeneratorOptions go;
  go.institutions = std::max<int>(16, static_cast<int>(events / 3300));
  go.enterprises = std::max<int>(1000, static_cast<int>(events / 50));
  go.years = 1;
  go.limit = events;
  if (!g.quiet) std::fprintf(stderr, "generating %llu events...\n", (unsigned long long)events);
  std::FILE* f = std::fopen(input.c_str(), "w");
  if (!f) return Fail(kEnvironment, "cannot write " + input);
  producers::GeneratorStats gs;
  Status s = producers::WriteProvince(go, f, &gs);
  std::fclose(f);
  if (!s.ok()) return Fail(kEnvironment, s.message());
  const uint64_t bytes = std::filesystem::file_size(input);

  ledger::LedgerOptions lo;
  lo.batch_events = batch;
  lo.sync = !no_sync;
  std::unique_ptr<ledger::Ledger> l;
  if (s = ledger::Ledger::Open(lo, db, &l); !s.ok()) return Fail(kEnvironment, s.message());
  int fd = ::open(input.c_str(), O_RDONLY);
  ledger::SubmitStats st;
  Progress progress(g, "bench ingest");
  double t0 = NowSeconds();
  const double cpu0 = ProcessCpuSeconds();
  s = l->Submit(fd, nullptr, &st, [&](const ledger::SubmitStats& x) {
    progress.Update(std::to_string(x.lines) + " / " + std::to_string(gs.lines) + " events");
  });
  const double ingest_secs = NowSeconds() - t0;
  const double ingest_cpu = ProcessCpuSeconds() - cpu0;
  progress.Done();
  ::close(fd);
  if (!s.ok()) return Fail(kEnvironment, s.message());
  if (st.rejected != 0)
    return Fail(kProblem, "bench data had " + std::to_string(st.rejected) + " rejected lines");
  char buf[512];
  if (what == "ingest") {
    std::snprintf(buf, sizeof buf,
                  "{\"benchmark\":\"ingest\",\"events\":%llu,\"bytes\":%llu,\"seconds\":%.3f,"
                  "\"events_per_second\":%.0f,\"mb_per_second\":%.1f,\"batch_events\":%zu,"
                  "\"sync\":%s,\"cpu_seconds\":%.3f,\"cpu_us_per_event\":%.2f,"
                  "\"thread_cpu_seconds\":{\"parse\":%.3f,\"validate\":%.3f,\"write\":%.3f},",
                  (unsigned long long)st.accepted, (unsigned long long)bytes, ingest_secs,
                  st.accepted / ingest_secs, bytes / ingest_secs / 1e6, batch,
                  no_sync ? "false" : "true", ingest_cpu, ingest_cpu * 1e6 / st.accepted,
                  st.parse_cpu_seconds, st.validate_cpu_seconds, st.write_cpu_seconds);
    std::printf("%s%s}\n", buf, Machine().c_str());
    return kOk;
  }
  if (what == "rebuild") {
    // Close the writer and open it once more, so that RocksDB's recovery flushes what the
    // ingest left in its write-ahead log: the rebuild then reads the ledger as it rests on disk.
    l.reset();
    if (s = ledger::Ledger::Open(lo, db, &l); !s.ok()) return Fail(kEnvironment, s.message());
    l.reset();
    return BenchRebuild(g, db, st.accepted);
  }
  // verify
  l.reset();
  ledger::LedgerOptions ro;
  ro.read_only = true;
  if (s = ledger::Ledger::Open(ro, db, &l); !s.ok()) return Fail(kEnvironment, s.message());
  ledger::VerifyReport r;
  Progress vp(g, "bench verify");
  t0 = NowSeconds();
  s = l->Verify(&r, [&](uint64_t d, uint64_t t) {
    vp.Update(std::to_string(d) + " / " + std::to_string(t) + " records");
  });
  const double verify_secs = NowSeconds() - t0;
  vp.Done();
  if (!s.ok() || !r.ok) return Fail(kProblem, "verify failed: " + r.problem + s.message());
  std::snprintf(buf, sizeof buf,
                "{\"benchmark\":\"verify\",\"records\":%llu,\"seconds\":%.3f,"
                "\"records_per_second\":%.0f,",
                (unsigned long long)r.records, verify_secs, r.records / verify_secs);
  std::printf("%s%s}\n", buf, Machine().c_str());
  return kOk;
}

}  // namespace

void AddBench(CLI::App& app, GlobalOptions& g, int* exit_code) {
  auto* cmd = app.add_subcommand("bench", "benchmarks on generated data in a temporary ledger");
  auto what = std::make_shared<std::string>();
  auto events = std::make_shared<uint64_t>(1000000);
  auto batch = std::make_shared<size_t>(16384);
  auto no_sync = std::make_shared<bool>(false);
  auto kafka = std::make_shared<BenchKafkaArgs>();
  cmd->add_option("what", *what, "ingest, verify, rebuild or kafka")
      ->required()
      ->check(CLI::IsMember({"ingest", "verify", "rebuild", "kafka"}));
  cmd->add_option("--events", *events, "events to generate")->capture_default_str();
  cmd->add_option("--batch", *batch, "events per durable batch")->capture_default_str();
  cmd->add_flag("--no-sync", *no_sync, "do not fsync the WAL (for comparison only)");
  AddKafkaOptions(cmd, &kafka->kafka, /*required=*/false);
  cmd->add_option("--paced-rate", kafka->paced_rate,
                  "kafka: lines/s of the paced phase that measures latency")
      ->capture_default_str();
  cmd->add_option("--paced-seconds", kafka->paced_seconds, "kafka: length of the paced phase")
      ->capture_default_str();
  cmd->add_flag("--keep", kafka->keep, "kafka: keep the scratch directory (logs, ledgers)");
  cmd->callback([&g, exit_code, what, events, batch, no_sync, kafka] {
    if (*what == "kafka") {
      if (kafka->kafka.bootstrap.empty()) {
        *exit_code = Fail(kUsage, "bench kafka needs --bootstrap");
        return;
      }
      kafka->events = *events;
      *exit_code = BenchKafka(g, *kafka);
      return;
    }
    *exit_code = RunBench(g, *what, *events, *batch, *no_sync);
  });
}

}  // namespace smeledger::cli
