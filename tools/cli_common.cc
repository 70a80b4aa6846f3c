#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "cli.h"

namespace smeledger::cli {

Format GlobalOptions::format_value() const {
  if (format == "json") return Format::kJson;
  if (format == "csv") return Format::kCsv;
  if (format == "table") return Format::kTable;
  return isatty(STDOUT_FILENO) ? Format::kTable : Format::kJson;
}

bool GlobalOptions::stderr_is_tty() const { return isatty(STDERR_FILENO); }

int Fail(int code, const std::string& message) {
  std::fprintf(stderr, "smeledger: %s\n", message.c_str());
  return code;
}

int ExitFor(const Status& s) {
  switch (s.code()) {
    case Status::Code::kOk: return kOk;
    case Status::Code::kInvalidInput: return kUsage;
    case Status::Code::kCorruption: return kProblem;
    case Status::Code::kConflict: return kProblem;
    case Status::Code::kNotFound: return kProblem;
    case Status::Code::kRetryable:
    case Status::Code::kIo:
    case Status::Code::kNoSpace:
    case Status::Code::kLocked: return kEnvironment;
  }
  return kEnvironment;
}

std::unique_ptr<ledger::Ledger> OpenLedger(const GlobalOptions& g, bool read_only,
                                           int* exit_code) {
  ledger::LedgerOptions o;
  o.read_only = read_only;
  std::unique_ptr<ledger::Ledger> l;
  Status s = ledger::Ledger::Open(o, g.db, &l);
  if (!s.ok()) {
    *exit_code = Fail(kEnvironment, "cannot open the ledger: " + s.message());
    return nullptr;
  }
  return l;
}

double PeakRssMb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::atof(line.c_str() + 6) / 1024.0;  // kB
  return 0;
}

double NowSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Progress::Progress(const GlobalOptions& g, std::string what)
    : on_(!g.quiet && g.stderr_is_tty()), what_(std::move(what)) {}

Progress::~Progress() { Done(); }

void Progress::Update(const std::string& text) {
  if (!on_) return;
  const double now = NowSeconds();
  if (now - last_ < 0.2) return;  // at most five redraws a second
  last_ = now;
  std::fprintf(stderr, "\r\033[K%s: %s", what_.c_str(), text.c_str());
  std::fflush(stderr);
  shown_ = true;
}

void Progress::Done() {
  if (on_ && shown_) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  }
  shown_ = false;
}

}  // namespace smeledger::cli
