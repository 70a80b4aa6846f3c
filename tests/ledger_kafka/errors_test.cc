// The classification of librdkafka's error codes into what the caller does next.
#include <catch2/catch.hpp>
#include <librdkafka/rdkafka.h>

#include "smeledger/ledger_kafka/errors.h"

using namespace smeledger;
using namespace smeledger::ledger_kafka;

TEST_CASE("transport, timeouts and leadership changes are retryable", "[ledger_kafka]") {
  for (rd_kafka_resp_err_t e :
       {RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN,
        RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT,
        RD_KAFKA_RESP_ERR__QUEUE_FULL, RD_KAFKA_RESP_ERR__RESOLVE,
        RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
        RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
        RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND,
        RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS, RD_KAFKA_RESP_ERR_NOT_COORDINATOR,
        RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_CONCURRENT_TRANSACTIONS}) {
    INFO(rd_kafka_err2name(e));
    CHECK(ClassifyKafkaError(e) == KafkaErrorClass::kRetryable);
    CHECK(KafkaErrorStatus(e, "x").IsRetryable());
  }
}

TEST_CASE("fenced, unauthorized, unknown topic and broken guarantees are fatal",
          "[ledger_kafka]") {
  for (rd_kafka_resp_err_t e :
       {RD_KAFKA_RESP_ERR__FATAL, RD_KAFKA_RESP_ERR__FENCED, RD_KAFKA_RESP_ERR_PRODUCER_FENCED,
        RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH, RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
        RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED,
        RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
        RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED, RD_KAFKA_RESP_ERR__AUTHENTICATION,
        RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC,
        RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE, RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER,
        RD_KAFKA_RESP_ERR_UNKNOWN_PRODUCER_ID, RD_KAFKA_RESP_ERR__GAPLESS_GUARANTEE,
        RD_KAFKA_RESP_ERR_UNKNOWN}) {
    INFO(rd_kafka_err2name(e));
    CHECK(ClassifyKafkaError(e) == KafkaErrorClass::kFatal);
    CHECK(KafkaErrorStatus(e, "x").code() == Status::Code::kIo);
  }
}

TEST_CASE("configuration errors are the user's, an existing topic is a normal race",
          "[ledger_kafka]") {
  for (rd_kafka_resp_err_t e :
       {RD_KAFKA_RESP_ERR_INVALID_CONFIG, RD_KAFKA_RESP_ERR__INVALID_ARG,
        RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR, RD_KAFKA_RESP_ERR_INVALID_PARTITIONS,
        RD_KAFKA_RESP_ERR_POLICY_VIOLATION, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE,
        RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION}) {
    INFO(rd_kafka_err2name(e));
    CHECK(ClassifyKafkaError(e) == KafkaErrorClass::kBadConfig);
    CHECK(KafkaErrorStatus(e, "x").code() == Status::Code::kInvalidInput);
  }
  CHECK(ClassifyKafkaError(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) == KafkaErrorClass::kExists);
  CHECK(KafkaErrorStatus(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS, "x").code() ==
        Status::Code::kConflict);
  CHECK(ClassifyKafkaError(RD_KAFKA_RESP_ERR_NO_ERROR) == KafkaErrorClass::kNone);
}

TEST_CASE("every code has a class and a status message naming the error", "[ledger_kafka]") {
  const struct rd_kafka_err_desc* descs;
  size_t n;
  rd_kafka_get_err_descs(&descs, &n);
  size_t named = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!descs[i].name || descs[i].code == RD_KAFKA_RESP_ERR_NO_ERROR ||
        descs[i].code == RD_KAFKA_RESP_ERR__BEGIN || descs[i].code == RD_KAFKA_RESP_ERR__END)
      continue;  // the markers of the internal range are no errors
    ++named;
    const Status s = KafkaErrorStatus(descs[i].code, "doing it", "detail");
    CHECK_FALSE(s.ok());
    CHECK(s.message() == std::string("doing it: detail (") + descs[i].name + ")");
    CHECK(KafkaErrorName(descs[i].code) == descs[i].name);
  }
  CHECK(named > 100);
}
