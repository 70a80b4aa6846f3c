// Test support for `smeledger project` end to end: a ledger built with generate + submit, its
// records published to <prefix>records as the wire contract says (key = decimal position,
// value = stored bytes), `project` run as a child process, and the replica's head read beside it.
#pragma once

#include <signal.h>
#include <spawn.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cli_support.h"
#include "kafka_support.h"
#include "ledger_fixture.h"
#include "smeledger/ledger/ledger.h"
#include "smeledger/ledger_kafka/admin.h"
#include "smeledger/ledger_kafka/client.h"

extern char** environ;

namespace smeledger::testing {

using namespace std::chrono_literals;

// One message of the records topic.
struct RecordMessage {
  uint64_t position;
  std::string bytes;
};

inline std::shared_ptr<spdlog::logger> QuietLogger() {
  return std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

// Every record of the ledger at `db`, in order.
inline std::vector<RecordMessage> LedgerRecords(const std::string& db) {
  ledger::LedgerOptions o;
  o.read_only = true;
  std::unique_ptr<ledger::Ledger> l;
  REQUIRE(ledger::Ledger::Open(o, db, &l).ok());
  std::vector<RecordMessage> out;
  REQUIRE(l->ScanRecords(1, 0, [&](uint64_t p, std::string_view b) {
               out.push_back({p, std::string(b)});
               return true;
             }).ok());
  return out;
}

// The replica's (or ledger's) head position as a reader sees it now; 0 when there is none yet.
inline uint64_t HeadOf(const std::string& db) {
  ledger::LedgerOptions o;
  o.read_only = true;
  std::unique_ptr<ledger::Ledger> l;
  if (!ledger::Ledger::Open(o, db, &l).ok()) return 0;
  return l->head().position;
}

// Writes records to <prefix>records, partition 0, key = decimal position, in transactions of
// `per_transaction` records (0: no transactions, an idempotent producer).
class RecordsPublisher {
 public:
  RecordsPublisher(const std::string& bootstrap, const std::string& prefix,
                   size_t per_transaction)
      : per_txn_(per_transaction) {
    o_.bootstrap_servers = bootstrap;
    o_.topic_prefix = prefix;
    auto log = QuietLogger();
    REQUIRE(ledger_kafka::EnsureTopics(o_, log).ok());
    ledger_kafka::KafkaProperties props = {{"enable.idempotence", "true"}, {"linger.ms", "5"}};
    if (per_txn_) props.push_back({"transactional.id", prefix + "test-publisher"});
    REQUIRE(ledger_kafka::Producer::Open(o_, props, log, nullptr, &p_).ok());
    if (per_txn_) REQUIRE(p_->InitTransactions(60s).ok());
    topic_ = ledger_kafka::TopicNamesFor(o_).records;
  }

  void Publish(const std::vector<RecordMessage>& records, size_t from, size_t to) {
    for (size_t i = from; i < to;) {
      const size_t end = per_txn_ ? std::min(to, i + per_txn_) : to;
      if (per_txn_) REQUIRE(p_->BeginTransaction().ok());
      for (; i < end; ++i) Send(std::to_string(records[i].position), records[i].bytes);
      if (per_txn_) {
        Status s = p_->CommitTransaction(60s);
        INFO(s.message());
        REQUIRE(s.ok());
      }
    }
    Status s = p_->Flush(60s);
    INFO(s.message());
    REQUIRE(s.ok());
  }
  void PublishAll(const std::vector<RecordMessage>& records) {
    Publish(records, 0, records.size());
  }

  // One message as given (for keys that lie). Not in a transaction: use per_transaction 0.
  void Send(const std::string& key, const std::string& value) {
    for (;;) {
      Status s = p_->Produce(topic_, 0, std::string_view(key), value, {});
      if (s.ok()) return;
      INFO(s.message());
      REQUIRE(s.IsRetryable());
      p_->Poll(10ms);
    }
  }

 private:
  ledger_kafka::KafkaOptions o_;
  size_t per_txn_;
  std::string topic_;
  std::unique_ptr<ledger_kafka::Producer> p_;
};

// `smeledger <args>` as a child process, stdout and stderr to files; killed when it goes out
// of scope still running.
class Child {
 public:
  Child(const std::vector<std::string>& args, std::string out_file, std::string err_file)
      : out_(std::move(out_file)), err_(std::move(err_file)) {
    std::vector<std::string> all = {SMELEDGER_BIN};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, err_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    const int rc = posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    REQUIRE(rc == 0);
  }
  ~Child() {
    if (pid_ > 0 && !status_) {
      ::kill(pid_, SIGKILL);
      Wait(10s);
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  void Signal(int sig) {
    if (!status_) ::kill(pid_, sig);
  }
  bool Running() { return !Wait(0ms).has_value(); }

  // The exit code (128 + signal when a signal ended it), or nullopt when it still runs after
  // `timeout`.
  std::optional<int> Wait(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!status_) {
      int st = 0;
      const pid_t r = ::waitpid(pid_, &st, WNOHANG);
      if (r == pid_) {
        status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        break;
      }
      if (std::chrono::steady_clock::now() >= deadline) break;
      std::this_thread::sleep_for(20ms);
    }
    return status_;
  }

  std::string err() const { return Slurp(err_); }
  std::string out() const { return Slurp(out_); }

 private:
  std::string out_, err_;
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// Waits until the replica at `db` holds `position` (a reader opened beside the writer), at
// most `timeout`. True when it does.
inline bool WaitForHead(const std::string& db, uint64_t position,
                        std::chrono::seconds timeout = 120s, Child* child = nullptr) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (HeadOf(db) >= position) return true;
    if (child && !child->Running()) return HeadOf(db) >= position;
    std::this_thread::sleep_for(200ms);
  }
  return false;
}

}  // namespace smeledger::testing
