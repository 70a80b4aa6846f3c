#include "smeledger/ledger_kafka/errors.h"

#include <librdkafka/rdkafka.h>

#include <string>

namespace smeledger::ledger_kafka {

// The classification table. What the caller does next decides the class:
//
//  kRetryable — the cluster or the network is in transition; the same call later may succeed:
//    _TRANSPORT, _RESOLVE, _ALL_BROKERS_DOWN, _TIMED_OUT, _TIMED_OUT_QUEUE, _MSG_TIMED_OUT,
//    _QUEUE_FULL, _WAIT_COORD, _WAIT_CACHE, _IN_PROGRESS, _PREV_IN_PROGRESS, _RETRY, _NODE_UPDATE,
//    _ISR_INSUFF, _PARTIAL, _OUTDATED, _NO_OFFSET, _PURGE_QUEUE, _PURGE_INFLIGHT, _UNKNOWN_BROKER
//    REQUEST_TIMED_OUT, NETWORK_EXCEPTION, LEADER_NOT_AVAILABLE, NOT_LEADER_FOR_PARTITION,
//    BROKER_NOT_AVAILABLE, REPLICA_NOT_AVAILABLE, NOT_ENOUGH_REPLICAS,
//    NOT_ENOUGH_REPLICAS_AFTER_APPEND, COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE,
//    NOT_COORDINATOR, NOT_CONTROLLER, REBALANCE_IN_PROGRESS, CONCURRENT_TRANSACTIONS,
//    KAFKA_STORAGE_ERROR, FETCH_SESSION_ID_NOT_FOUND, INVALID_FETCH_SESSION_EPOCH,
//    FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH, OFFSET_NOT_AVAILABLE,
//    PREFERRED_LEADER_NOT_AVAILABLE, ELIGIBLE_LEADERS_NOT_AVAILABLE, UNSTABLE_OFFSET_COMMIT,
//    THROTTLING_QUOTA_EXCEEDED, REASSIGNMENT_IN_PROGRESS, STALE_CTRL_EPOCH, CORRUPT_MESSAGE
//    (INVALID_MSG: a CRC failure on the wire; Kafka retries it too)
//  kBadConfig — a property, an argument or a topic setting is wrong; retrying cannot help:
//    _INVALID_ARG, _INVALID_TYPE, _UNKNOWN_PROTOCOL, _NOT_CONFIGURED, _UNSUPPORTED_FEATURE,
//    MSG_SIZE_TOO_LARGE, INVALID_MSG_SIZE, RECORD_LIST_TOO_LARGE,
//    INVALID_CONFIG, INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR, INVALID_REPLICA_ASSIGNMENT,
//    INVALID_REQUIRED_ACKS, INVALID_TRANSACTION_TIMEOUT, INVALID_REQUEST, POLICY_VIOLATION,
//    UNSUPPORTED_VERSION, UNSUPPORTED_SASL_MECHANISM, UNSUPPORTED_COMPRESSION_TYPE,
//    UNSUPPORTED_FOR_MESSAGE_FORMAT, SECURITY_DISABLED, TOPIC_EXCEPTION (an invalid topic name)
//  kExists — TOPIC_ALREADY_EXISTS, DUPLICATE_RESOURCE: someone else did it first
//  kFatal — everything else, in particular: _FATAL, _FENCED, PRODUCER_FENCED,
//    INVALID_PRODUCER_EPOCH, TRANSACTION_COORDINATOR_FENCED, FENCED_INSTANCE_ID (a newer
//    instance took over); every *_AUTHORIZATION_FAILED, SASL_AUTHENTICATION_FAILED,
//    _AUTHENTICATION, _SSL (credentials); UNKNOWN_TOPIC_OR_PART, _UNKNOWN_TOPIC,
//    _UNKNOWN_PARTITION (the topics are created before any client uses them, so a missing one
//    means it was deleted or the prefix is wrong); OFFSET_OUT_OF_RANGE (data we expected is
//    gone); OUT_OF_ORDER_SEQUENCE_NUMBER, UNKNOWN_PRODUCER_ID, _GAPLESS_GUARANTEE,
//    INVALID_TXN_STATE, _STATE, _INCONSISTENT (the idempotence or transaction guarantees can no
//    longer be kept); _DESTROY, _FAIL, _BAD_MSG, _BAD_COMPRESSION, _CRIT_SYS_RESOURCE, _FS,
//    INVALID_RECORD, UNKNOWN.
// An error not in the first three lists is fatal on purpose: a service that stops and says
// why is better than one that retries a new kind of failure for ever.
KafkaErrorClass ClassifyKafkaError(int code) {
  switch (static_cast<rd_kafka_resp_err_t>(code)) {
    case RD_KAFKA_RESP_ERR_NO_ERROR:
      return KafkaErrorClass::kNone;

    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
    case RD_KAFKA_RESP_ERR__WAIT_COORD:
    case RD_KAFKA_RESP_ERR__WAIT_CACHE:
    case RD_KAFKA_RESP_ERR__IN_PROGRESS:
    case RD_KAFKA_RESP_ERR__PREV_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR__RETRY:
    case RD_KAFKA_RESP_ERR__NODE_UPDATE:
    case RD_KAFKA_RESP_ERR__ISR_INSUFF:
    case RD_KAFKA_RESP_ERR__PARTIAL:
    case RD_KAFKA_RESP_ERR__OUTDATED:
    case RD_KAFKA_RESP_ERR__NO_OFFSET:
    case RD_KAFKA_RESP_ERR__PURGE_QUEUE:
    case RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
    case RD_KAFKA_RESP_ERR__UNKNOWN_BROKER:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_REPLICA_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
    case RD_KAFKA_RESP_ERR_NOT_CONTROLLER:
    case RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_CONCURRENT_TRANSACTIONS:
    case RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR:
    case RD_KAFKA_RESP_ERR_FETCH_SESSION_ID_NOT_FOUND:
    case RD_KAFKA_RESP_ERR_INVALID_FETCH_SESSION_EPOCH:
    case RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH:
    case RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH:
    case RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_PREFERRED_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_ELIGIBLE_LEADERS_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_UNSTABLE_OFFSET_COMMIT:
    case RD_KAFKA_RESP_ERR_THROTTLING_QUOTA_EXCEEDED:
    case RD_KAFKA_RESP_ERR_REASSIGNMENT_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_STALE_CTRL_EPOCH:
    case RD_KAFKA_RESP_ERR_INVALID_MSG:
      return KafkaErrorClass::kRetryable;

    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR__INVALID_TYPE:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PROTOCOL:
    case RD_KAFKA_RESP_ERR__NOT_CONFIGURED:
    case RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE:
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE:
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_CONFIG:
    case RD_KAFKA_RESP_ERR_INVALID_PARTITIONS:
    case RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR:
    case RD_KAFKA_RESP_ERR_INVALID_REPLICA_ASSIGNMENT:
    case RD_KAFKA_RESP_ERR_INVALID_REQUIRED_ACKS:
    case RD_KAFKA_RESP_ERR_INVALID_TRANSACTION_TIMEOUT:
    case RD_KAFKA_RESP_ERR_INVALID_REQUEST:
    case RD_KAFKA_RESP_ERR_POLICY_VIOLATION:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_SASL_MECHANISM:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_COMPRESSION_TYPE:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_FOR_MESSAGE_FORMAT:
    case RD_KAFKA_RESP_ERR_SECURITY_DISABLED:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
      return KafkaErrorClass::kBadConfig;

    case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:
    case RD_KAFKA_RESP_ERR_DUPLICATE_RESOURCE:
      return KafkaErrorClass::kExists;

    default:
      return KafkaErrorClass::kFatal;
  }
}

std::string_view KafkaErrorName(int code) {
  return rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(code));
}

Status KafkaErrorStatus(int code, std::string_view what, std::string_view detail) {
  std::string m(what);
  m += ": ";
  if (detail.empty()) {
    m += rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(code));
  } else {
    m += detail;
  }
  m += " (";
  m += KafkaErrorName(code);
  m += ")";
  switch (ClassifyKafkaError(code)) {
    case KafkaErrorClass::kNone:  // a caller's bug; keep the message, never claim success
    case KafkaErrorClass::kFatal: return Status::Io(std::move(m));
    case KafkaErrorClass::kRetryable: return Status::Retryable(std::move(m));
    case KafkaErrorClass::kBadConfig: return Status::InvalidInput(std::move(m));
    case KafkaErrorClass::kExists: return Status::Conflict(std::move(m));
  }
  return Status::Io(std::move(m));
}

}  // namespace smeledger::ledger_kafka
