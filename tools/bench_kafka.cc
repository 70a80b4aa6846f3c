// smeledger bench kafka --bootstrap B [--events N]: generates a province, starts `serve` and
// `project` as child processes (this same binary) on fresh topics, sends every line as a
// provider would (idempotent producer, acks=all, lz4), and measures until every line's outcome
// has come back and the replica holds every record: end-to-end events/s, and the latency from
// each line's send to its outcome. Then a paced phase measures latency when the ledger keeps up.
#include "bench_kafka.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "logging.h"
#include "smeledger/ledger/ledger.h"
#include "smeledger/ledger_kafka/admin.h"
#include "smeledger/ledger_kafka/client.h"
#include "smeledger/producers/generator.h"
#include "smeledger/producers_kafka/submissions_producer.h"

namespace smeledger::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct Child {
  pid_t pid = -1;
  std::string name;
  std::string log;
};

Child Spawn(const std::string& name, const std::vector<std::string>& args, const std::string& log) {
  Child c{-1, name, log};
  c.pid = fork();
  if (c.pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
    }
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv("/proc/self/exe", argv.data());
    _exit(127);
  }
  return c;
}

double PeakRssOfMb(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::atof(line.c_str() + 6) / 1024.0;
  return 0;
}

// Stops a child with SIGTERM and waits; true when it exited 0.
bool Stop(Child& c) {
  if (c.pid <= 0) return true;
  ::kill(c.pid, SIGTERM);
  int status = 0;
  const bool ok = waitpid(c.pid, &status, 0) == c.pid && WIFEXITED(status) &&
                  WEXITSTATUS(status) == 0;
  c.pid = -1;
  return ok;
}

bool Exited(Child& c) {
  int status = 0;
  return c.pid > 0 && waitpid(c.pid, &status, WNOHANG) == c.pid;
}

std::string Tail(const std::string& path) {
  std::ifstream f(path);
  std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return all.size() > 600 ? all.substr(all.size() - 600) : all;
}

// CPU seconds (user + system) a process has used so far: /proc/PID/stat's utime and stime.
double CpuSecondsOf(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const size_t close = all.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return 0;
  std::istringstream in(all.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {  // fields 3.. after "pid (comm) "
    if (i == 14) utime = std::strtoull(field.c_str(), nullptr, 10);
    if (i == 15) stime = std::strtoull(field.c_str(), nullptr, 10);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// The whole machine's busy CPU seconds so far (every core; /proc/stat's first line, all but
// idle and iowait): what the broker's JVM and everything else used besides the roles.
double MachineBusySeconds() {
  std::ifstream f("/proc/stat");
  std::string cpu;
  unsigned long long v[10] = {};
  f >> cpu;
  for (auto& x : v) f >> x;
  const unsigned long long busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
  return static_cast<double>(busy) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * (v.size() - 1) + 0.5));
  std::nth_element(v.begin(), v.begin() + i, v.end());
  return v[i];
}

}  // namespace

int BenchKafka(const GlobalOptions& g, const BenchKafkaArgs& a) {
  ledger_kafka::KafkaOptions ko;
  if (int rc = ToKafkaOptions(a.kafka, &ko); rc != kOk) return rc;
  if (a.kafka.topic_prefix == ledger_kafka::KafkaOptions().topic_prefix)
    ko.topic_prefix = "bench." + std::to_string(::getpid()) + "." +
                      std::to_string(std::chrono::system_clock::now().time_since_epoch().count() /
                                     1000000) + ".";
  const ledger_kafka::TopicNames topics = ledger_kafka::TopicNamesFor(ko);
  auto logger = NewCliLogger("bench", a.kafka.log_format, g);
  logger->set_level(g.verbose ? spdlog::level::info : spdlog::level::warn);

  char tmpl[] = "/tmp/smeledger-bench-kafka-XXXXXX";
  if (!mkdtemp(tmpl)) return Fail(kEnvironment, "cannot create a scratch directory");
  const std::string dir = tmpl;
  struct Cleanup {
    std::string dir;
    bool keep;
    ~Cleanup() {
      if (keep) return;
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } cleanup{dir, a.keep};

  // The province: the throughput run's lines, then the paced phase's.
  const uint64_t paced = static_cast<uint64_t>(a.paced_rate * a.paced_seconds);
  producers::GeneratorOptions go;
  go.institutions = std::max<int>(16, static_cast<int>(a.events / 3300));
  go.enterprises = std::max<int>(1000, static_cast<int>(a.events / 50));
  go.limit = a.events + paced;
  std::vector<std::string> lines;
  lines.reserve(go.limit);
  if (!g.quiet) std::fprintf(stderr, "generating %llu events...\n", (unsigned long long)go.limit);
  if (Status s = producers::GenerateProvince(go, [&](std::string_view l) { lines.emplace_back(l); });
      !s.ok())
    return Fail(kEnvironment, s.message());
  // The generator may give fewer lines than asked (it stops at the year's end): the paced
  // phase keeps its share, the throughput run takes the rest.
  const uint64_t burst =
      std::min<uint64_t>(a.events, lines.size() > 2 * paced ? lines.size() - paced : lines.size());
  const uint64_t total = lines.size();

  if (Status s = ledger_kafka::EnsureTopics(ko, logger); !s.ok()) return Fail(ExitFor(s), s.message());

  // The roles, as an operator would run them.
  std::vector<std::string> common = {"--bootstrap", ko.bootstrap_servers, "--topic-prefix",
                                     ko.topic_prefix};
  for (const std::string& x : a.kafka.properties) {
    common.push_back("-X");
    common.push_back(x);
  }
  auto args = [&](const std::string& db, const std::string& role) {
    std::vector<std::string> v = {"smeledger", "--db", db, role};
    v.insert(v.end(), common.begin(), common.end());
    return v;
  };
  const std::string ledger_db = dir + "/ledger", replica_db = dir + "/replica";
  Child serve = Spawn("serve", args(ledger_db, "serve"), dir + "/serve.log");
  Child project = Spawn("project", args(replica_db, "project"), dir + "/project.log");
  struct Reap {
    Child* a;
    Child* b;
    ~Reap() {
      for (Child* c : {a, b})
        if (c->pid > 0) {
          ::kill(c->pid, SIGKILL);
          waitpid(c->pid, nullptr, 0);
        }
    }
  } reap{&serve, &project};

  // Outcomes, as they come: the time each offset was answered.
  std::vector<Clock::time_point> sent(total), answered(total);
  std::atomic<uint64_t> answers{0};
  std::atomic<uint64_t> head{0};
  std::atomic<bool> done{false};
  Status consumer_status;
  std::unique_ptr<ledger_kafka::Consumer> consumer;
  if (Status s = ledger_kafka::Consumer::Open(ko, {}, logger, &consumer); !s.ok())
    return Fail(ExitFor(s), s.message());
  const ledger_kafka::TopicPartitionOffset from{topics.outcomes, 0, 0};
  if (Status s = consumer->Assign({&from, 1}); !s.ok()) return Fail(ExitFor(s), s.message());
  std::thread reader([&] {
    while (!done.load()) {
      ledger_kafka::ConsumedMessage m;
      ledger_kafka::Consumer::Read read;
      Status s = consumer->Poll(std::chrono::milliseconds(100), &m, &read);
      if (!s.ok()) {
        if (s.IsRetryable()) continue;
        consumer_status = s;
        return;
      }
      if (read != ledger_kafka::Consumer::Read::kMessage || !m.key) continue;
      uint64_t offset = 0;
      std::from_chars(m.key->data(), m.key->data() + m.key->size(), offset);
      if (offset >= total) continue;
      answered[offset] = Clock::now();
      const size_t p = m.value.find("\"position\":");
      if (p != std::string_view::npos) {
        uint64_t pos = 0;
        std::from_chars(m.value.data() + p + 11, m.value.data() + m.value.size(), pos);
        if (pos > head.load()) head = pos;
      }
      answers.fetch_add(1);
    }
  });
  struct Join {
    std::atomic<bool>* done;
    std::thread* t;
    ~Join() {
      *done = true;
      if (t->joinable()) t->join();
    }
  } join{&done, &reader};

  ledger_kafka::KafkaProperties pdefaults = producers_kafka::DefaultProperties();
  std::unique_ptr<ledger_kafka::Producer> producer;
  if (Status s = ledger_kafka::Producer::Open(ko, pdefaults, logger, nullptr, &producer); !s.ok())
    return Fail(ExitFor(s), s.message());
  auto send = [&](uint64_t i) -> Status {
    const std::string line_no = std::to_string(i + 1);
    const ledger_kafka::MessageHeader h{"line", line_no};
    for (;;) {
      sent[i] = Clock::now();
      Status s = producer->Produce(topics.submissions, 0, std::nullopt, lines[i], {&h, 1});
      if (s.ok() || !s.IsRetryable()) return s;
      producer->Poll(std::chrono::milliseconds(1));
    }
  };
  auto wait_for = [&](uint64_t n, const char* what) -> int {
    Progress progress(g, what);
    while (answers.load() < n) {
      if (Exited(serve)) return Fail(kProblem, "serve exited early:\n" + Tail(serve.log));
      if (Exited(project)) return Fail(kProblem, "project exited early:\n" + Tail(project.log));
      if (!consumer_status.ok()) return Fail(ExitFor(consumer_status), consumer_status.message());
      producer->Poll(std::chrono::milliseconds(20));
      progress.Update(std::to_string(answers.load()) + " / " + std::to_string(n) + " outcomes");
    }
    return kOk;
  };
  // The replica has every record when its head is the ledger's.
  auto replica_head = [&]() -> uint64_t {
    ledger::LedgerOptions ro;
    ro.read_only = true;
    std::unique_ptr<ledger::Ledger> r;
    if (!ledger::Ledger::Open(ro, replica_db, &r).ok()) return 0;
    return r->head().position;
  };

  // 1. Throughput: every line as fast as the producer takes them.
  if (!g.quiet) std::fprintf(stderr, "sending %llu lines...\n", (unsigned long long)burst);
  const double cpu0_serve = CpuSecondsOf(serve.pid), cpu0_project = CpuSecondsOf(project.pid),
               cpu0_self = CpuSecondsOf(::getpid()), cpu0_machine = MachineBusySeconds();
  const Clock::time_point t0 = Clock::now();
  for (uint64_t i = 0; i < burst; ++i) {
    if (Status s = send(i); !s.ok()) return Fail(ExitFor(s), s.message());
    if ((i & 0xFFF) == 0) producer->Poll(std::chrono::milliseconds(0));
  }
  const double send_secs = std::chrono::duration<double>(Clock::now() - t0).count();
  if (int rc = wait_for(burst, "bench kafka"); rc != kOk) return rc;
  const Clock::time_point t_outcomes = Clock::now();
  while (replica_head() < head.load()) {
    if (Exited(project)) return Fail(kProblem, "project exited early:\n" + Tail(project.log));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const Clock::time_point t_replica = Clock::now();
  const double cpu_serve = CpuSecondsOf(serve.pid) - cpu0_serve,
               cpu_project = CpuSecondsOf(project.pid) - cpu0_project,
               cpu_self = CpuSecondsOf(::getpid()) - cpu0_self,
               cpu_machine = MachineBusySeconds() - cpu0_machine;
  const double secs = std::chrono::duration<double>(t_replica - t0).count();
  std::vector<double> lat;
  lat.reserve(burst);
  for (uint64_t i = 0; i < burst; ++i)
    lat.push_back(std::chrono::duration<double, std::milli>(answered[i] - sent[i]).count());

  // 2. Paced: a steady stream the ledger keeps up with.
  std::vector<double> paced_lat;
  if (total > burst) {
    if (!g.quiet)
      std::fprintf(stderr, "sending %llu lines at %.0f/s...\n",
                   (unsigned long long)(total - burst), a.paced_rate);
    const Clock::time_point p0 = Clock::now();
    for (uint64_t i = burst; i < total; ++i) {
      const auto due = p0 + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>((i - burst) / a.paced_rate));
      while (Clock::now() < due) producer->Poll(std::chrono::milliseconds(1));
      if (Status s = send(i); !s.ok()) return Fail(ExitFor(s), s.message());
      producer->Poll(std::chrono::milliseconds(0));
    }
    if (int rc = wait_for(total, "bench kafka (paced)"); rc != kOk) return rc;
    for (uint64_t i = burst; i < total; ++i)
      paced_lat.push_back(std::chrono::duration<double, std::milli>(answered[i] - sent[i]).count());
  }
  const double serve_rss = PeakRssOfMb(serve.pid), project_rss = PeakRssOfMb(project.pid);
  const bool serve_ok = Stop(serve), project_ok = Stop(project);
  if (!serve_ok) return Fail(kProblem, "serve did not stop cleanly:\n" + Tail(serve.log));
  if (!project_ok) return Fail(kProblem, "project did not stop cleanly:\n" + Tail(project.log));

  char buf[1536];
  std::snprintf(
      buf, sizeof buf,
      "{\"benchmark\":\"kafka\",\"events\":%llu,\"seconds\":%.3f,\"events_per_second\":%.0f,"
      "\"send_seconds\":%.3f,\"outcomes_seconds\":%.3f,\"replica_behind_seconds\":%.3f,"
      "\"latency_ms\":{\"p50\":%.1f,\"p99\":%.1f,\"max\":%.1f},"
      "\"paced\":{\"events\":%llu,\"rate\":%.0f,\"latency_ms\":{\"p50\":%.1f,\"p99\":%.1f,"
      "\"max\":%.1f}},\"peak_rss_mb\":{\"serve\":%.1f,\"project\":%.1f},"
      "\"cpu_seconds\":{\"serve\":%.2f,\"project\":%.2f,\"producer_and_outcomes\":%.2f,"
      "\"rest_of_machine\":%.2f,\"machine\":%.2f,\"cores\":%ld},"
      "\"topic_prefix\":\"%s\",\"bootstrap\":\"%s\"",
      (unsigned long long)burst, secs, burst / secs, send_secs,
      std::chrono::duration<double>(t_outcomes - t0).count(),
      std::chrono::duration<double>(t_replica - t_outcomes).count(), Percentile(lat, 0.5),
      Percentile(lat, 0.99), Percentile(lat, 1.0), (unsigned long long)paced_lat.size(),
      a.paced_rate, Percentile(paced_lat, 0.5), Percentile(paced_lat, 0.99),
      Percentile(paced_lat, 1.0), serve_rss, project_rss, cpu_serve, cpu_project, cpu_self,
      std::max(0.0, cpu_machine - cpu_serve - cpu_project - cpu_self), cpu_machine,
      sysconf(_SC_NPROCESSORS_ONLN), ko.topic_prefix.c_str(),
      ko.bootstrap_servers.c_str());
  std::printf("%s,%s}\n", buf, BenchMachine().c_str());
  if (a.keep) std::fprintf(stderr, "logs and ledgers kept in %s\n", dir.c_str());
  return kOk;
}

}  // namespace smeledger::cli
