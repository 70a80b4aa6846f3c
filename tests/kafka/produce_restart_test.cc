// produce rides out a cluster that goes away: every broker stopped for 10 s mid-stream, then
// started again. Nothing is lost, nothing is duplicated (the idempotent producer). This test
// runs its own one-node broker, since it stops it.
#include <catch2/catch.hpp>

#include <cstdio>
#include <thread>

#include "cli_support.h"
#include "kafka_support.h"
#include "ledger_fixture.h"

using namespace smeledger::testing;

TEST_CASE("every broker stopped for 10 s mid-stream: produce waits, loses and repeats nothing",
          "[produce][kafka][slow]") {
  TempDir dir;
  DevCluster broker(dir / "kafka");  // its own: it is stopped
  ShellRun start = broker.Start(1);
  INFO(start.err);
  REQUIRE(start.exit_code == 0);
  REQUIRE(start.out.rfind("bootstrap=", 0) == 0);
  const std::string bootstrap = Lines(start.out)[0].substr(10);

  auto g = Smeledger(dir.path(), "generate --institutions 20 --enterprises 500 --year 2019 "
                                 "--seed 2 --limit 100000");
  REQUIRE(g.exit_code == 0);
  const std::vector<std::string> lines = Lines(g.out);
  REQUIRE(lines.size() == 100000);

  const std::string prefix = UniqueTopicPrefix("restart");
  const std::string err = dir / "produce.err";
  const std::string cmd = std::string(SMELEDGER_BIN) + " produce --bootstrap " + bootstrap +
                          " --topic-prefix " + prefix + " - 2>" + err;
  // "e": close-on-exec, or the brokers this test restarts would inherit the pipe and produce
  // would never see its end.
  std::FILE* in = ::popen(cmd.c_str(), "we");
  REQUIRE(in != nullptr);
  auto write = [&](size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      std::fwrite(lines[i].data(), 1, lines[i].size(), in);
      std::fputc('\n', in);
    }
    std::fflush(in);
  };
  write(0, 50000);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  ShellRun stop = broker.Stop();
  INFO(stop.err);
  REQUIRE(stop.exit_code == 0);
  write(50000, 100000);  // sent while no broker runs
  std::this_thread::sleep_for(std::chrono::seconds(10));
  ShellRun again = broker.Start(1);
  INFO(again.err);
  REQUIRE(again.exit_code == 0);
  const int rc = ::pclose(in);
  const std::string produce_err = Slurp(err);
  INFO(produce_err);
  REQUIRE(WIFEXITED(rc));
  CHECK(WEXITSTATUS(rc) == 0);
  CHECK(produce_err.find("produced 100000 lines") != std::string::npos);

  ShellRun k = Shell("kcat -C -b " + bootstrap + " -t " + prefix +
                     "submissions -p 0 -o beginning -e -q -f '%h\\t%s\\n'");
  REQUIRE(k.exit_code == 0);
  const std::vector<std::string> back = Lines(k.out);
  REQUIRE(back.size() == lines.size());
  size_t mismatches = 0;
  for (size_t i = 0; i < back.size(); ++i)
    if (back[i] != "line=" + std::to_string(i + 1) + "\t" + lines[i]) ++mismatches;
  CHECK(mismatches == 0);
}
