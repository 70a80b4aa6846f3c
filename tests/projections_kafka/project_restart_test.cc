// project rides out a cluster that goes away: every broker stopped for 10 s while project is
// reading the records topic, then started again. It waits (logging each retry with its cause),
// resumes, and ends with the ledger's records. This test runs its own one-node broker, since it
// stops it.
#include <catch2/catch.hpp>

#include "replica_support.h"

using namespace smeledger;
using namespace smeledger::testing;

TEST_CASE("every broker stopped for 10 s mid-stream: project waits, resumes and ends where the "
          "ledger is",
          "[project][kafka][slow]") {
  TempDir dir;
  DevCluster broker(dir / "kafka");  // its own: it is stopped
  ShellRun start = broker.Start(1);
  INFO(start.err);
  REQUIRE(start.exit_code == 0);
  const std::string bootstrap = Lines(start.out)[0].substr(10);

  Run g = Smeledger(dir.path(), "generate --institutions 20 --enterprises 500 --year 2019 --seed 5");
  REQUIRE(g.exit_code == 0);
  std::ofstream(dir / "e.jsonl", std::ios::binary) << g.out;
  REQUIRE(Smeledger(dir.path(), "--db " + (dir / "ledger") + " -q submit " + (dir / "e.jsonl"))
              .exit_code == 0);
  const auto records = LedgerRecords(dir / "ledger");
  REQUIRE(records.size() > 100000);
  const std::string prefix = UniqueTopicPrefix("project-outage");
  {
    RecordsPublisher pub(bootstrap, prefix, 5000);
    pub.PublishAll(records);
  }
  // Small fetches, so that project is still reading when the broker goes.
  const std::string replica = dir / "replica";
  Child project({"--db", replica, "project", "--bootstrap", bootstrap, "--topic-prefix", prefix,
                 "-X", "fetch.max.bytes=65536", "-X", "message.max.bytes=65536",
                 "-X", "max.partition.fetch.bytes=65536",
                 "-X", "reconnect.backoff.max.ms=1000"},
                dir / "p.out", dir / "p.err");
  if (!WaitForHead(replica, 5000, 60s, &project)) FAIL(project.err());
  ShellRun stop = broker.Stop();
  INFO(stop.err);
  REQUIRE(stop.exit_code == 0);
  const uint64_t during = HeadOf(replica);
  INFO("head when the broker stopped: " << during << " of " << records.size());
  CHECK(during < records.size());
  std::this_thread::sleep_for(10s);
  CHECK(project.Running());
  ShellRun again = broker.Start(1);
  INFO(again.err);
  REQUIRE(again.exit_code == 0);

  REQUIRE(WaitForHead(replica, records.size(), 180s, &project));
  project.Signal(SIGTERM);
  REQUIRE(project.Wait(30s) == std::optional<int>(0));
  const std::string err = project.err();
  INFO(err);
  // The client's errors while the broker was away, with their causes.
  CHECK(err.find("[warning] rdkafka#consumer-") != std::string::npos);
  CHECK((err.find("(_TRANSPORT)") != std::string::npos ||
         err.find("(_ALL_BROKERS_DOWN)") != std::string::npos));
  CHECK(err.find("end offset unknown (") != std::string::npos);
  CHECK(Lines(err).back().find("stopped: " + std::to_string(records.size()) +
                               " records appended, 0 repeated") != std::string::npos);
  Run a = Smeledger(dir.path(), "--db " + (dir / "ledger") + " --format json export");
  Run b = Smeledger(dir.path(), "--db " + replica + " --format json export");
  CHECK(a.exit_code == 0);
  CHECK(b.out == a.out);
}
