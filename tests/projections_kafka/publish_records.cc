// Not a test: publishes a ledger's records to <prefix>records the way the wire contract says
// (key = the position in decimal, value = the stored bytes), in transactions of 10,000 with
// lz4, as `serve` will; for measuring `project` by hand before `serve` exists
// (projections/kafka/README.md, "Speed").
//
//   build/bin/projections_kafka_publish BOOTSTRAP PREFIX LEDGER_DIR
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>

#include "smeledger/ledger/ledger.h"
#include "smeledger/ledger_kafka/admin.h"
#include "smeledger/ledger_kafka/client.h"

using namespace smeledger;
using namespace std::chrono_literals;

namespace {

int Fail(const Status& s) {
  std::fprintf(stderr, "projections_kafka_publish: %s\n", s.message().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s BOOTSTRAP PREFIX LEDGER_DIR\n", argv[0]);
    return 2;
  }
  ledger_kafka::KafkaOptions o;
  o.bootstrap_servers = argv[1];
  o.topic_prefix = argv[2];
  auto log = std::make_shared<spdlog::logger>("publish",
                                              std::make_shared<spdlog::sinks::null_sink_mt>());
  if (Status s = ledger_kafka::EnsureTopics(o, log); !s.ok()) return Fail(s);
  std::unique_ptr<ledger_kafka::Producer> p;
  if (Status s = ledger_kafka::Producer::Open(o,
                                              {{"transactional.id", o.topic_prefix + "publisher"},
                                               {"compression.codec", "lz4"},
                                               {"linger.ms", "5"},
                                               {"batch.size", "1000000"}},
                                              log, nullptr, &p);
      !s.ok())
    return Fail(s);
  if (Status s = p->InitTransactions(60s); !s.ok()) return Fail(s);
  ledger::LedgerOptions lo;
  lo.read_only = true;
  std::unique_ptr<ledger::Ledger> l;
  if (Status s = ledger::Ledger::Open(lo, argv[3], &l); !s.ok()) return Fail(s);
  const std::string topic = ledger_kafka::TopicNamesFor(o).records;
  const auto t0 = std::chrono::steady_clock::now();
  uint64_t n = 0;
  bool open = false;
  Status failed;
  Status scanned = l->ScanRecords(1, 0, [&](uint64_t position, std::string_view bytes) {
    if (!open) {
      if (failed = p->BeginTransaction(); !failed.ok()) return false;
      open = true;
    }
    const std::string key = std::to_string(position);
    do {
      failed = p->Produce(topic, 0, std::string_view(key), bytes, {});
      if (failed.IsRetryable()) p->Poll(5ms);
    } while (failed.IsRetryable());
    if (!failed.ok()) return false;
    if (++n % 10000 == 0) {
      open = false;
      if (failed = p->CommitTransaction(60s); !failed.ok()) return false;
    }
    return true;
  });
  if (!scanned.ok()) return Fail(scanned);
  if (!failed.ok()) return Fail(failed);
  if (open)
    if (Status s = p->CommitTransaction(60s); !s.ok()) return Fail(s);
  if (Status s = p->Flush(60s); !s.ok()) return Fail(s);
  std::fprintf(stderr, "published %llu records to %s in %.2f s\n",
               static_cast<unsigned long long>(n), topic.c_str(),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return 0;
}
