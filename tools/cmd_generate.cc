// smeledger generate --institutions N --enterprises M --year Y [--years K] [--seed S] [--bad K]
#include <cstdio>

#include "cli.h"
#include "smeledger/producers/generator.h"

namespace smeledger::cli {

void AddGenerate(CLI::App& app, GlobalOptions& g, int* exit_code) {
  auto* cmd = app.add_subcommand("generate", "a synthetic province as valid JSON Lines, on stdout");
  auto o = std::make_shared<producers::GeneratorOptions>();
  auto expect = std::make_shared<std::string>();
  cmd->add_option("--institutions", o->institutions, "resident service institutions")
      ->capture_default_str();
  cmd->add_option("--enterprises", o->enterprises, "enterprises")->capture_default_str();
  cmd->add_option("--year", o->year, "first year")->capture_default_str();
  cmd->add_option("--years", o->years, "consecutive years")->capture_default_str();
  cmd->add_option("--seed", o->seed, "random seed (same options, same bytes)")
      ->capture_default_str();
  cmd->add_option("--bad", o->bad, "invalid lines to mix in, of every reason code")
      ->capture_default_str();
  cmd->add_option("--limit", o->limit, "stop after this many lines (0: no limit)")
      ->capture_default_str();
  cmd->add_option("--expect", *expect,
                  "also write the outcome a ledger must give each line (JSON Lines) to FILE");
  cmd->callback([&g, exit_code, o, expect] {
    std::FILE* ex = nullptr;
    if (!expect->empty() && !(ex = std::fopen(expect->c_str(), "w"))) {
      *exit_code = Fail(kUsage, "cannot write " + *expect);
      return;
    }
    std::string buf;
    buf.reserve(1 << 20);
    auto flush = [&] {
      std::fwrite(buf.data(), 1, buf.size(), stdout);
      buf.clear();
    };
    std::string eline;
    producers::GeneratorStats stats;
    Status s = producers::GenerateProvince(
        *o,
        [&](std::string_view line) {
          buf.append(line);
          buf.push_back('\n');
          if (buf.size() > (1 << 20) - 4096) flush();
        },
        ex ? producers::OutcomeSink([&](const producers::ExpectedOutcome& e) {
          eline = "{\"line\":" + std::to_string(e.line) + ",\"outcome\":\"" + e.outcome +
                  "\",\"reason\":\"" + e.reason + "\",\"position\":" +
                  std::to_string(e.position) + "}\n";
          std::fputs(eline.c_str(), ex);
        })
           : producers::OutcomeSink(),
        &stats);
    flush();
    if (ex) std::fclose(ex);
    if (std::fflush(stdout) != 0) {
      *exit_code = Fail(kEnvironment, "cannot write to standard output");
      return;
    }
    if (!s.ok()) {
      *exit_code = Fail(kUsage, s.message());
      return;
    }
    if (!g.quiet)
      std::fprintf(stderr, "generated %llu lines: %llu valid, %llu duplicate, %llu invalid\n",
                   static_cast<unsigned long long>(stats.lines),
                   static_cast<unsigned long long>(stats.accepted),
                   static_cast<unsigned long long>(stats.duplicates),
                   static_cast<unsigned long long>(stats.rejected));
  });
}

}  // namespace smeledger::cli
