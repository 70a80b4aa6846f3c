// The cluster and the topics of Kafka mode: is the cluster there, do the topics exist with
// the settings the wire contract needs (README.md, "Topics" and "Topic settings").
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "smeledger/ledger/status.h"
#include "smeledger/ledger_kafka/options.h"

namespace spdlog {
class logger;
}

namespace smeledger::ledger_kafka {

struct ClusterInfo {
  int brokers = 0;           // brokers in the cluster metadata
  std::string broker_list;   // "id@host:port, ..." as the metadata names them
};

// Asks the cluster for its metadata, waiting at most options.connect_timeout.
// Errors: kRetryable "cannot reach Kafka at <bootstrap> within <N> s" when no broker answered;
// kInvalidInput for a bad property; other classes per errors.h. *info (may be null) is filled
// on success. Logs librdkafka's messages through `logger` (not null).
Status CheckReachable(const KafkaOptions& options, const std::shared_ptr<spdlog::logger>& logger,
                      ClusterInfo* info = nullptr);

// The settings one topic of Kafka mode gets when this library creates it.
struct TopicSpec {
  std::string name;
  int partitions = 1;
  int replication_factor = 1;   // min(3, brokers)
  int min_insync_replicas = 1;  // 2 when replication_factor is 3, else 1
  // retention.ms=-1, retention.bytes=-1, cleanup.policy=delete are fixed.
};

// The three topics' specs for a cluster of `brokers` brokers.
std::vector<TopicSpec> TopicSpecsFor(const KafkaOptions& options, int brokers);

// Creates the submissions, records and outcomes topics when missing (CreateTopics; another
// process creating them at the same time is fine), waits until the metadata shows each with a
// leader, then checks every one of them against the contract: 1 partition, retention.ms -1,
// retention.bytes -1, cleanup.policy delete. Waits at most options.connect_timeout in all.
// Errors: kRetryable when the cluster cannot be reached in time; kIo naming the topic, the
// setting, the value found and the value expected when a topic exists with wrong settings
// (commands exit 3: the operator must fix or remove the topic); others per errors.h.
Status EnsureTopics(const KafkaOptions& options, const std::shared_ptr<spdlog::logger>& logger);

}  // namespace smeledger::ledger_kafka
