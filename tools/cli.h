// Shared plumbing of the smeledger subcommands: global options, output format, exit codes,
// progress. Every subcommand is a thin shell over library calls.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>

#include "smeledger/ledger/ledger.h"
#include "smeledger/ledger/status.h"

namespace smeledger::cli {

// Exit statuses of CLI.md.
enum Exit : int { kOk = 0, kProblem = 1, kUsage = 2, kEnvironment = 3 };

enum class Format { kTable, kJson, kCsv };

struct GlobalOptions {
  std::string db = "./smeledger-data";
  std::string rules = "anhui-2019-trial";
  std::string calendar;
  std::string format;  // "" = table on a terminal, json otherwise
  bool excel = false;
  bool quiet = false;
  bool verbose = false;

  Format format_value() const;
  bool stderr_is_tty() const;
};

// Prints "smeledger: <message>" on stderr and returns `code`.
int Fail(int code, const std::string& message);
// The exit status for a Status that stops a command (environment, input, corruption).
int ExitFor(const Status& s);

// Opens the ledger in options.db; on failure prints why and sets *exit_code.
std::unique_ptr<ledger::Ledger> OpenLedger(const GlobalOptions& g, bool read_only,
                                           int* exit_code);

// A one-line progress display on stderr, only when stderr is a terminal and not quiet.
class Progress {
 public:
  Progress(const GlobalOptions& g, std::string what);
  ~Progress();
  void Update(const std::string& text);
  void Done();

 private:
  bool on_;
  std::string what_;
  double last_ = 0;
  bool shown_ = false;
};

double NowSeconds();
// The machine a benchmark ran on, as a JSON member: "machine":{cpu, cores, allocator}.
std::string BenchMachine();
// This process's peak resident memory in MB (/proc/self/status VmHWM).
double PeakRssMb();

// Subcommand registration. Each returns nothing; the command sets *exit_code when it runs.
void AddSubmit(CLI::App& app, GlobalOptions& g, int* exit_code);
void AddVerify(CLI::App& app, GlobalOptions& g, int* exit_code);
void AddReadCommands(CLI::App& app, GlobalOptions& g, int* exit_code);  // history, show, export
void AddGenerate(CLI::App& app, GlobalOptions& g, int* exit_code);
void AddBench(CLI::App& app, GlobalOptions& g, int* exit_code);
// Projections (tools/projection_cli.h): report, rebuild, compliance, workdays, explain, diff,
// notice verify.
void AddReport(CLI::App& app, GlobalOptions& g, int* exit_code);
void AddCompliance(CLI::App& app, GlobalOptions& g, int* exit_code);
void AddAudit(CLI::App& app, GlobalOptions& g, int* exit_code);
void AddProduce(CLI::App& app, GlobalOptions& g, int* exit_code);  // Kafka: cmd_produce.cc
void AddServe(CLI::App& app, GlobalOptions& g, int* exit_code);    // Kafka: cmd_serve.cc
void AddProject(CLI::App& app, GlobalOptions& g, int* exit_code);  // Kafka: cmd_project.cc
void AddKeygen(CLI::App& app, GlobalOptions& g, int* exit_code);      // cmd_keygen.cc
void AddCheckpoint(CLI::App& app, GlobalOptions& g, int* exit_code);  // cmd_checkpoint.cc: verify

}  // namespace smeledger::cli
