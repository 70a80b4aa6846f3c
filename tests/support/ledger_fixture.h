// Test support: a temporary ledger directory, a fake clock, and submission from a string.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "smeledger/ledger/ledger.h"

namespace smeledger::testing {

class TempDir {
 public:
  TempDir() {
    char t[] = "/tmp/smeledger-test-XXXXXX";
    path_ = mkdtemp(t);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

class FakeClock final : public ledger::Clock {
 public:
  int64_t now = 1'562'000'000'000'000;  // 2019-07-01
  int64_t NowMicros() override { return now; }
};

struct Out {
  uint64_t line;
  ledger::OutcomeKind kind;
  std::string reason;  // "" unless rejected
  std::string field;
  std::string message;
  uint64_t position;
  bool has_event_id;
  std::string event_id;
  ledger::Hash hash;
  bool accepted() const { return kind == ledger::OutcomeKind::kAccepted; }
  bool duplicate() const { return kind == ledger::OutcomeKind::kDuplicate; }
};

class Collect final : public ledger::OutcomeSink {
 public:
  std::vector<Out> outs;
  void OnOutcome(const ledger::LineOutcome& o) override {
    Out x{o.line,
          o.kind,
          o.rejection ? std::string(ledger::ReasonCode(o.rejection->reason)) : "",
          o.rejection ? o.rejection->field : "",
          o.rejection ? o.rejection->message : "",
          o.position,
          o.has_event_id,
          std::string(o.event_id),
          o.hash};
    outs.push_back(std::move(x));
  }
};

// Writes `text` to a temporary file and submits it. Returns the outcomes.
inline std::vector<Out> SubmitText(ledger::Ledger& l, const std::string& text,
                                   ledger::SubmitStats* stats = nullptr) {
  char t[] = "/tmp/smeledger-input-XXXXXX";
  int fd = mkstemp(t);
  size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  ::lseek(fd, 0, SEEK_SET);
  Collect c;
  Status s = l.Submit(fd, &c, stats, nullptr);
  ::close(fd);
  ::unlink(t);
  if (!s.ok()) throw std::runtime_error("submit failed: " + s.ToString());
  return c.outs;
}

inline std::unique_ptr<ledger::Ledger> OpenAt(const std::string& path, ledger::Clock* clock,
                                              bool read_only = false, size_t batch = 16384) {
  ledger::LedgerOptions o;
  o.clock = clock;
  o.read_only = read_only;
  o.batch_events = batch;
  std::unique_ptr<ledger::Ledger> l;
  Status s = ledger::Ledger::Open(o, path, &l);
  if (!s.ok()) throw std::runtime_error("open failed: " + s.ToString());
  return l;
}

// One event line: envelope plus `fields` (a JSON fragment without braces, may be empty).
inline std::string E(const std::string& id, const std::string& type, const std::string& actor,
                     const std::string& fields = "") {
  std::string s = R"({"event_id":")" + id + R"(","type":")" + type +
                  R"(","occurred_at":"2019-07-01T10:00:00+08:00","actor":")" + actor + "\"";
  if (!fields.empty()) s += "," + fields;
  return s + "}\n";
}

}  // namespace smeledger::testing
