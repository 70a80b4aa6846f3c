// smeledger bench kafka: the whole Kafka path end to end (produce → serve → records → replica).
#pragma once

#include <cstdint>

#include "cli.h"
#include "kafka_cli.h"

namespace smeledger::cli {

struct BenchKafkaArgs {
  KafkaArgs kafka;
  uint64_t events = 1000000;
  // After the throughput run: lines sent at this steady rate for paced_seconds, whose
  // send-to-outcome latency is what a provider sees when the ledger keeps up.
  double paced_rate = 2000;
  double paced_seconds = 5;
  bool keep = false;  // keep the scratch directory (logs, ledgers)
};

int BenchKafka(const GlobalOptions& g, const BenchKafkaArgs& a);

}  // namespace smeledger::cli
