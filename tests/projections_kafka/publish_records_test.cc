// Not a test: a hidden test case (tag [.publish]) that publishes a ledger's records to
// <prefix>records the way the wire contract says, for measuring `project` by hand before
// `serve` exists (projections/kafka/README.md, "Speed"):
//
//   SMELEDGER_KAFKA_DIR=DIR SMELEDGER_PUBLISH_LEDGER=LEDGER SMELEDGER_PUBLISH_PREFIX=P
//     build/bin/projections_kafka_tests '[.publish]'
//
// Transactions of 10,000 records, lz4, as a transactional publisher (serve) would send them.
#include <catch2/catch.hpp>

#include "replica_support.h"

using namespace smeledger;
using namespace smeledger::testing;

TEST_CASE("publish a ledger's records to <prefix>records", "[.publish]") {
  const char* db = std::getenv("SMELEDGER_PUBLISH_LEDGER");
  const char* prefix = std::getenv("SMELEDGER_PUBLISH_PREFIX");
  const std::string bootstrap = KafkaBootstrap();
  REQUIRE(db);
  REQUIRE(prefix);
  REQUIRE_FALSE(bootstrap.empty());
  ledger_kafka::KafkaOptions o;
  o.bootstrap_servers = bootstrap;
  o.topic_prefix = prefix;
  auto log = QuietLogger();
  REQUIRE(ledger_kafka::EnsureTopics(o, log).ok());
  std::unique_ptr<ledger_kafka::Producer> p;
  REQUIRE(ledger_kafka::Producer::Open(o,
                                       {{"transactional.id", std::string(prefix) + "publisher"},
                                        {"compression.codec", "lz4"},
                                        {"linger.ms", "5"},
                                        {"batch.size", "1000000"}},
                                       log, nullptr, &p)
              .ok());
  REQUIRE(p->InitTransactions(60s).ok());
  ledger::LedgerOptions lo;
  lo.read_only = true;
  std::unique_ptr<ledger::Ledger> l;
  REQUIRE(ledger::Ledger::Open(lo, db, &l).ok());
  const std::string topic = ledger_kafka::TopicNamesFor(o).records;
  const double t0 = MonotonicSeconds();
  uint64_t n = 0;
  bool open = false;
  Status failed;
  REQUIRE(l->ScanRecords(1, 0, [&](uint64_t position, std::string_view bytes) {
               if (!open) {
                 if (failed = p->BeginTransaction(); !failed.ok()) return false;
                 open = true;
               }
               const std::string key = std::to_string(position);
               for (;;) {
                 failed = p->Produce(topic, 0, std::string_view(key), bytes, {});
                 if (!failed.IsRetryable()) break;
                 p->Poll(std::chrono::milliseconds(5));
               }
               if (!failed.ok()) return false;
               if (++n % 10000 == 0) {
                 open = false;
                 if (failed = p->CommitTransaction(60s); !failed.ok()) return false;
               }
               return true;
             }).ok());
  INFO(failed.message());
  REQUIRE(failed.ok());
  if (open) REQUIRE(p->CommitTransaction(60s).ok());
  REQUIRE(p->Flush(60s).ok());
  std::fprintf(stderr, "published %llu records to %s in %.2f s\n",
               static_cast<unsigned long long>(n), topic.c_str(), MonotonicSeconds() - t0);
}
