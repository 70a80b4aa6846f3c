// Test support for suites that talk to the development broker (tests/kafka/CMakeLists.txt):
// where it is, a topic prefix of each test's own, and the broker's tools.
//
// The `kafka1` CTest fixture starts one node with scripts/kafka-dev.sh and passes its
// directory in SMELEDGER_KAFKA_DIR; the directory's `bootstrap` file names the broker.
// Every test case uses its own topic prefix, so tests never see each other's messages and can
// run in parallel (ctest -j) against the one broker.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace smeledger::testing {

// $SMELEDGER_KAFKA_DIR, or "" when the test runs outside the fixture.
inline std::string KafkaDir() {
  const char* d = std::getenv("SMELEDGER_KAFKA_DIR");
  return d ? d : "";
}

// The fixture broker's bootstrap list (HOST:PORT,...), or "" when there is none.
inline std::string KafkaBootstrap() {
  const std::string dir = KafkaDir();
  if (dir.empty()) return "";
  std::ifstream f(dir + "/bootstrap");
  std::string b;
  std::getline(f, b);
  while (!b.empty() && (b.back() == '\n' || b.back() == '\r' || b.back() == ' ')) b.pop_back();
  return b;
}

// A topic prefix no other test (in this run or an earlier one on the same broker) uses:
// "test.<what>.<pid>.<n>.<random>." with `what` reduced to topic-name characters.
inline std::string UniqueTopicPrefix(const std::string& what) {
  static std::atomic<int> counter{0};
  std::string clean;
  for (char c : what) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    clean.push_back(ok ? c : '-');
    if (clean.size() == 60) break;
  }
  std::random_device rd;
  return "test." + clean + "." + std::to_string(::getpid()) + "." +
         std::to_string(counter.fetch_add(1)) + "." + std::to_string(rd() % 1000000) + ".";
}

// scripts/kafka-dev.sh of this checkout.
inline std::string KafkaDevScript() {
  return std::string(SMELEDGER_SOURCE_DIR) + "/scripts/kafka-dev.sh";
}

// The first log segment of partition 0 of `topic` on node `node` of the broker in `dir`.
inline std::string TopicSegmentFile(const std::string& dir, const std::string& topic,
                                    int node = 1) {
  return dir + "/node-" + std::to_string(node) + "/data/" + topic +
         "-0/00000000000000000000.log";
}

struct ShellRun {
  int exit_code;
  std::string out;
  std::string err;
};

// Runs `command` through /bin/sh, capturing stdout and stderr (in temporary files).
inline ShellRun Shell(const std::string& command) {
  char out_name[] = "/tmp/smeledger-shell-out-XXXXXX";
  char err_name[] = "/tmp/smeledger-shell-err-XXXXXX";
  const int o = mkstemp(out_name), e = mkstemp(err_name);
  if (o >= 0) ::close(o);
  if (e >= 0) ::close(e);
  const std::string cmd =
      "( " + command + " ) >" + out_name + " 2>" + err_name + " </dev/null";
  const int rc = std::system(cmd.c_str());
  auto slurp = [](const char* path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  };
  ShellRun r{WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, slurp(out_name), slurp(err_name)};
  std::remove(out_name);
  std::remove(err_name);
  return r;
}

// A development cluster that a test stops, kills or restarts (scripts/kafka-dev.sh on `dir`):
// never the shared `kafka1` fixture's. With `owned`, the test started it and it is stopped and
// wiped when the DevCluster goes out of scope, however the test ends; without, it is a
// fixture's cluster (e.g. `kafka3`), which the fixture stops.
class DevCluster {
 public:
  explicit DevCluster(std::string dir, bool owned = true)
      : dir_(std::move(dir)), owned_(owned) {}
  ~DevCluster() {
    if (owned_) Shell(KafkaDevScript() + " stop --wipe --dir " + dir_);
  }
  DevCluster(const DevCluster&) = delete;
  DevCluster& operator=(const DevCluster&) = delete;

  const std::string& dir() const { return dir_; }
  // `start`: creates the cluster (with --set properties) or restarts its stopped nodes.
  ShellRun Start(int nodes, const std::vector<std::string>& sets = {}) {
    std::string cmd =
        KafkaDevScript() + " start --nodes " + std::to_string(nodes) + " --dir " + dir_;
    for (const std::string& s : sets) cmd += " --set " + s;
    return Shell(cmd);
  }
  ShellRun Stop() { return Shell(KafkaDevScript() + " stop --dir " + dir_); }
  ShellRun KillNode(int node, const std::string& signal = "KILL") {
    return Shell(KafkaDevScript() + " kill-node " + std::to_string(node) + " --signal " + signal +
                 " --dir " + dir_);
  }
  ShellRun StartNode(int node) {
    return Shell(KafkaDevScript() + " start-node " + std::to_string(node) + " --dir " + dir_);
  }
  // The node leading partition 0 of `topic`, or -1 when it has none (or no answer).
  int Leader(const std::string& topic) {
    ShellRun r = Shell(KafkaDevScript() + " leader " + topic + " --dir " + dir_);
    if (r.exit_code != 0) return -1;
    try {
      return std::stoi(r.out);
    } catch (...) {
      return -1;
    }
  }
  std::string bootstrap() const {
    std::ifstream f(dir_ + "/bootstrap");
    std::string b;
    std::getline(f, b);
    return b;
  }

 private:
  std::string dir_;
  bool owned_;
};

// Seconds since an arbitrary start (steady clock).
inline double MonotonicSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace smeledger::testing
