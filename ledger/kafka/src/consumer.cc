#include <spdlog/spdlog.h>

#include <utility>

#include "client_internal.h"
#include "smeledger/ledger_kafka/client.h"
#include "smeledger/ledger_kafka/errors.h"

namespace smeledger::ledger_kafka {

struct Consumer::Rep {
  ClientContext ctx;
  KafkaHandle rk;
  MessagePtr current;  // the message the caller's ConsumedMessage views
  std::vector<MessagePtr> batch;  // the messages the caller's PollBatch views
  std::vector<rd_kafka_message_t*> raw;
};

Consumer::Consumer(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}

KafkaProperties ConsumerDefaults(const KafkaOptions& options) {
  // librdkafka serves assign() and consumer_poll() only through a consumer group handle, so a
  // group.id is needed although nothing is ever committed or joined under it.
  return {
      {"group.id", options.topic_prefix + "assign-only"},
      {"isolation.level", "read_committed"},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"enable.partition.eof", "false"},
  };
}

Status Consumer::Open(const KafkaOptions& options, const KafkaProperties& role_defaults,
                      std::shared_ptr<spdlog::logger> logger, std::unique_ptr<Consumer>* out) {
  KafkaProperties defaults = ConsumerDefaults(options);
  for (const KafkaProperty& p : role_defaults) defaults.push_back(p);
  auto rep = std::make_unique<Rep>();
  rep->ctx.logger = std::move(logger);
  if (Status s = NewClient(RD_KAFKA_CONSUMER, options, defaults, &rep->ctx, &rep->rk); !s.ok())
    return s;
  // Errors and logs queued on the main queue are served by consumer_poll.
  rd_kafka_poll_set_consumer(rep->rk.get());
  out->reset(new Consumer(std::move(rep)));
  return Status::Ok();
}

Consumer::~Consumer() {
  if (!rep_ || !rep_->rk) return;
  // Messages still held keep rd_kafka_destroy waiting for ever: release them first.
  rep_->current.reset();
  rep_->batch.clear();
  rd_kafka_consumer_close(rep_->rk.get());
  rep_->rk.reset();
}

namespace {

void Describe(rd_kafka_message_t* m, ConsumedMessage* message) {
  *message = ConsumedMessage{};
  message->topic = rd_kafka_topic_name(m->rkt);
  message->partition = m->partition;
  message->offset = m->offset;
  if (m->key) message->key = std::string_view(static_cast<const char*>(m->key), m->key_len);
  message->value = m->payload ? std::string_view(static_cast<const char*>(m->payload), m->len)
                              : std::string_view();
  rd_kafka_timestamp_type_t tstype;
  message->timestamp_ms = rd_kafka_message_timestamp(m, &tstype);
  message->rep = m;
}

Status MessageError(rd_kafka_message_t* m) {
  std::string what = "consuming";
  if (m->rkt) {
    what += " ";
    what += rd_kafka_topic_name(m->rkt);
    what += "/" + std::to_string(m->partition);
  }
  return KafkaErrorStatus(m->err, what, rd_kafka_message_errstr(m));
}

}  // namespace

Status Consumer::PollBatch(std::chrono::milliseconds wait, size_t max,
                           std::vector<ConsumedMessage>* out) {
  rep_->current.reset();
  rep_->batch.clear();
  out->clear();
  rep_->raw.resize(max);
  rd_kafka_queue_t* q = rd_kafka_queue_get_consumer(rep_->rk.get());
  const ssize_t n = rd_kafka_consume_batch_queue(q, static_cast<int>(wait.count()),
                                                 rep_->raw.data(), max);
  rd_kafka_queue_destroy(q);
  if (n < 0) return KafkaErrorStatus(rd_kafka_last_error(), "consuming");
  Status first_error;
  for (ssize_t i = 0; i < n; ++i) {
    rd_kafka_message_t* m = rep_->raw[i];
    rep_->batch.emplace_back(m);  // owned from here on
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {  // an event among the messages, not one
      if (first_error.ok()) first_error = MessageError(m);
      continue;
    }
    Describe(m, &out->emplace_back());
  }
  return first_error;
}

Status Consumer::Assign(std::span<const TopicPartitionOffset> partitions) {
  rep_->current.reset();
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (const TopicPartitionOffset& p : partitions)
    rd_kafka_topic_partition_list_add(list.get(), p.topic.c_str(), p.partition)->offset =
        p.offset;
  const rd_kafka_resp_err_t err = rd_kafka_assign(rep_->rk.get(), list.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return KafkaErrorStatus(err, "cannot assign partitions");
  return Status::Ok();
}

Status Consumer::Poll(std::chrono::milliseconds wait, ConsumedMessage* message, Read* read) {
  rep_->current.reset();
  *read = Read::kIdle;
  rd_kafka_message_t* m = rd_kafka_consumer_poll(rep_->rk.get(), static_cast<int>(wait.count()));
  if (!m) return Status::Ok();
  MessagePtr owned(m);
  if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
    *message = ConsumedMessage{};
    message->topic = m->rkt ? rd_kafka_topic_name(m->rkt) : "";
    message->partition = m->partition;
    message->offset = m->offset;
    rep_->current = std::move(owned);
    *read = Read::kEnd;
    return Status::Ok();
  }
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) return MessageError(m);
  Describe(m, message);
  rep_->current = std::move(owned);
  *read = Read::kMessage;
  return Status::Ok();
}

std::optional<std::string_view> ConsumedMessage::Header(std::string_view name) const {
  if (!rep) return std::nullopt;
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(static_cast<const rd_kafka_message_t*>(rep), &hdrs) !=
          RD_KAFKA_RESP_ERR_NO_ERROR ||
      !hdrs)
    return std::nullopt;
  const void* value = nullptr;
  size_t size = 0;
  if (rd_kafka_header_get_last(hdrs, std::string(name).c_str(), &value, &size) !=
      RD_KAFKA_RESP_ERR_NO_ERROR)
    return std::nullopt;
  return value ? std::string_view(static_cast<const char*>(value), size) : std::string_view();
}

Status Consumer::QueryWatermarks(std::string_view topic, int32_t partition,
                                 std::chrono::milliseconds timeout, int64_t* low, int64_t* high) {
  const rd_kafka_resp_err_t err =
      rd_kafka_query_watermark_offsets(rep_->rk.get(), std::string(topic).c_str(), partition, low,
                                       high, static_cast<int>(timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return KafkaErrorStatus(err, "cannot read the end offsets of " + std::string(topic));
  return Status::Ok();
}

bool Consumer::CachedHighWatermark(std::string_view topic, int32_t partition,
                                   int64_t* high) const {
  int64_t low = -1;
  const rd_kafka_resp_err_t err = rd_kafka_get_watermark_offsets(
      rep_->rk.get(), std::string(topic).c_str(), partition, &low, high);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR && *high >= 0) return true;
  *high = -1;
  return false;
}

std::string Consumer::name() const { return rd_kafka_name(rep_->rk.get()); }

}  // namespace smeledger::ledger_kafka
