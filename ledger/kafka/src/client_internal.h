// Internal: creating a librdkafka client from KafkaOptions, with its callbacks wired to an
// spdlog logger. Every client of this library (Producer, Consumer, the admin calls) is made
// here, so properties, logging and error reporting are the same for all of them.
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "rdkafka_owners.h"
#include "smeledger/ledger/status.h"
#include "smeledger/ledger_kafka/client.h"
#include "smeledger/ledger_kafka/options.h"

namespace spdlog {
class logger;
}

namespace smeledger::ledger_kafka {

// What librdkafka's callbacks reach through the configuration's opaque pointer. Owned beside
// the rd_kafka_t and destroyed after it (librdkafka's threads may call back until then).
struct ClientContext {
  std::shared_ptr<spdlog::logger> logger;
  DeliveryHandler* delivery = nullptr;  // producers only; may be null

  // error_cb: the last error code logged, so that a broker going down is one line in the log,
  // not one per reconnect attempt. Touched by librdkafka's threads and the polling thread.
  std::atomic<int> last_error{0};
  std::atomic<int64_t> last_error_ms{0};
};

// Creates a client of `type` with librdkafka's defaults, then `role_defaults`, then
// options.properties (EffectiveProperties), callbacks logging to ctx->logger and, for
// producers, delivery reports to ctx->delivery. REQUIRES: ctx outlives the client.
// Errors: kInvalidInput naming the property librdkafka refused, or why rd_kafka_new failed.
Status NewClient(rd_kafka_type_t type, const KafkaOptions& options,
                 const KafkaProperties& role_defaults, ClientContext* ctx, KafkaHandle* out);

// The properties every Consumer gets before the role's own (consumer.cc).
KafkaProperties ConsumerDefaults(const KafkaOptions& options);

// Metadata of the cluster (all topics when `all_topics`), waiting at most `timeout_ms`.
// Errors: kRetryable "cannot reach Kafka at <bootstrap> within <N> s" when no broker answered.
Status FetchMetadata(rd_kafka_t* rk, const KafkaOptions& options, bool all_topics,
                     int timeout_ms, MetadataPtr* out);

// "30 s", "2.5 s".
std::string SecondsText(std::chrono::milliseconds d);

// Status for an rd_kafka_error_t (transactions and other calls that return one): kIo when
// fatal, kConflict when the transaction must be aborted, kRetryable when retriable, else by
// the error code's class. REQUIRES: error != nullptr.
Status TxnErrorStatus(const rd_kafka_error_t* error, std::string_view what);

}  // namespace smeledger::ledger_kafka
