// smeledger: the one command-line program (CLI.md). main() only wires subcommands together.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "cli.h"
#include "malloc_tuning.h"

int main(int argc, char** argv) {
  using namespace smeledger::cli;
  TuneAllocatorOrReexec(argv);  // first, while nothing else has run: it may exec
  // The libraries' own log lines (a failed flush on close, building an older ledger's Merkle
  // tree) go to stderr: stdout is the command's output.
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "smeledger", std::make_shared<spdlog::sinks::stderr_sink_mt>()));
  CLI::App app{"smeledger — an event-sourced, hash-chained service-record ledger"};
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the subcommand too
  GlobalOptions g;
  app.add_option("--db", g.db, "the ledger's RocksDB directory")->capture_default_str();
  app.add_option("--rules", g.rules, "rule set id or TOML file")->capture_default_str();
  app.add_option("--calendar", g.calendar, "extra working-day calendar years (TOML)");
  app.add_option("--format", g.format, "json, csv or table (default: table on a terminal, "
                                       "json otherwise)")
      ->check(CLI::IsMember({"json", "csv", "table"}));
  app.add_flag("--excel", g.excel, "with --format csv: a UTF-8 byte-order mark for Excel");
  app.add_flag("-q,--quiet", g.quiet, "no summaries or progress");
  app.add_flag("-v,--verbose", g.verbose, "more detail on stderr");

  int exit_code = kOk;
  AddSubmit(app, g, &exit_code);
  AddVerify(app, g, &exit_code);
  AddReadCommands(app, g, &exit_code);
  AddGenerate(app, g, &exit_code);
  AddBench(app, g, &exit_code);
  AddReport(app, g, &exit_code);
  AddCompliance(app, g, &exit_code);
  AddAudit(app, g, &exit_code);
  AddProduce(app, g, &exit_code);
  AddServe(app, g, &exit_code);
  AddProject(app, g, &exit_code);
  AddKeygen(app, g, &exit_code);
  AddCheckpoint(app, g, &exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kUsage;
  }
  return exit_code;
}
