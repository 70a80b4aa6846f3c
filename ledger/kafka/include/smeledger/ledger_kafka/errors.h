// Kafka errors as Status values. Every librdkafka error code (rd_kafka_resp_err_t, passed here
// as int so that librdkafka's header stays out of this one) falls into one class, chosen by
// what the caller does next; the table is in errors.cc. Callers decide on the class or the
// Status code, never on an error's message text.
#pragma once

#include <string_view>

#include "smeledger/ledger/status.h"

namespace smeledger::ledger_kafka {

enum class KafkaErrorClass {
  kNone,        // RD_KAFKA_RESP_ERR_NO_ERROR
  kRetryable,   // the cluster or network is in transition: wait and try again (Status kRetryable)
  kBadConfig,   // a property, a topic setting or an argument is wrong: tell the user
                // (Status kInvalidInput)
  kExists,      // TOPIC_ALREADY_EXISTS and the like: a normal race (Status kConflict)
  kFatal,       // fenced, not authorized, unknown topic, data the broker refuses, or anything
                // not listed: stop (Status kIo)
};

// The class of a librdkafka error code (rd_kafka_resp_err_t).
KafkaErrorClass ClassifyKafkaError(int rd_kafka_resp_err);

// The librdkafka name of an error code, e.g. "_TRANSPORT", "NOT_ENOUGH_REPLICAS".
std::string_view KafkaErrorName(int rd_kafka_resp_err);

// A Status for the error: its code from ClassifyKafkaError, its message
// "<what>: <detail or librdkafka's description> (<error name>)".
// REQUIRES: rd_kafka_resp_err != 0.
Status KafkaErrorStatus(int rd_kafka_resp_err, std::string_view what,
                        std::string_view detail = {});

}  // namespace smeledger::ledger_kafka
