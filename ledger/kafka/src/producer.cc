#include <spdlog/spdlog.h>

#include <utility>
#include <vector>

#include "client_internal.h"
#include "smeledger/ledger_kafka/client.h"
#include "smeledger/ledger_kafka/errors.h"

namespace smeledger::ledger_kafka {

struct Producer::Rep {
  // Declaration order is destruction order reversed: topic handles go first, then the client,
  // then the context its callbacks use.
  ClientContext ctx;
  KafkaHandle rk;
  std::vector<std::pair<std::string, TopicPtr>> topics;

  // A cached handle: looking a topic up by name on every message costs a lock and a hash.
  rd_kafka_topic_t* Topic(std::string_view name) {
    for (auto& [n, t] : topics)
      if (n == name) return t.get();
    std::string n(name);
    rd_kafka_topic_t* t = rd_kafka_topic_new(rk.get(), n.c_str(), nullptr);
    if (!t) return nullptr;
    topics.emplace_back(std::move(n), TopicPtr(t));
    return t;
  }
};

Producer::Producer(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}

Status Producer::Open(const KafkaOptions& options, const KafkaProperties& role_defaults,
                      std::shared_ptr<spdlog::logger> logger, DeliveryHandler* handler,
                      std::unique_ptr<Producer>* out) {
  auto rep = std::make_unique<Rep>();
  rep->ctx.logger = std::move(logger);
  rep->ctx.delivery = handler;
  if (Status s = NewClient(RD_KAFKA_PRODUCER, options, role_defaults, &rep->ctx, &rep->rk);
      !s.ok())
    return s;
  out->reset(new Producer(std::move(rep)));
  return Status::Ok();
}

Producer::~Producer() {
  if (!rep_ || !rep_->rk) return;
  if (rd_kafka_flush(rep_->rk.get(), 10'000) != RD_KAFKA_RESP_ERR_NO_ERROR && rep_->ctx.logger)
    rep_->ctx.logger->warn("{}: {} messages not delivered when the producer was closed",
                           name(), rd_kafka_outq_len(rep_->rk.get()));
  rep_->topics.clear();
  rep_->rk.reset();
}

Status Producer::Produce(std::string_view topic, int32_t partition,
                         std::optional<std::string_view> key, std::string_view value,
                         std::span<const MessageHeader> headers, void* opaque) {
  rd_kafka_topic_t* rkt = rep_->Topic(topic);
  if (!rkt)
    return KafkaErrorStatus(rd_kafka_last_error(), "cannot open topic " + std::string(topic));
  HeadersPtr hdrs;
  if (!headers.empty()) {
    hdrs.reset(rd_kafka_headers_new(headers.size()));
    for (const MessageHeader& h : headers)
      rd_kafka_header_add(hdrs.get(), h.name.data(), static_cast<ssize_t>(h.name.size()),
                          h.value.data(), static_cast<ssize_t>(h.value.size()));
  }
  // librdkafka's V_ macros cast their arguments unparenthesized: pass plain variables.
  const void* key_data = key ? key->data() : nullptr;
  const size_t key_size = key ? key->size() : 0;
  void* value_data = const_cast<char*>(value.data());
  const size_t value_size = value.size();
  const rd_kafka_resp_err_t err = rd_kafka_producev(
      rep_->rk.get(), RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION(partition),
      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
      RD_KAFKA_V_VALUE(value_data, value_size), RD_KAFKA_V_KEY(key_data, key_size),
      RD_KAFKA_V_HEADERS(hdrs.get()), RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return KafkaErrorStatus(err, "cannot produce to " + std::string(topic));
  hdrs.release();  // the message owns them now
  return Status::Ok();
}

int Producer::Poll(std::chrono::milliseconds wait) {
  return rd_kafka_poll(rep_->rk.get(), static_cast<int>(wait.count()));
}

Status Producer::Flush(std::chrono::milliseconds timeout) {
  const rd_kafka_resp_err_t err = rd_kafka_flush(rep_->rk.get(), static_cast<int>(timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return KafkaErrorStatus(err, "flush", std::to_string(OutstandingMessages()) +
                                              " messages still outstanding");
  return Status::Ok();
}

int Producer::OutstandingMessages() const { return rd_kafka_outq_len(rep_->rk.get()); }

Status Producer::FatalError() const {
  char errstr[512] = "";
  const rd_kafka_resp_err_t err = rd_kafka_fatal_error(rep_->rk.get(), errstr, sizeof errstr);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Ok();
  return Status::Io("the Kafka producer stopped: " + std::string(errstr) + " (" +
                    rd_kafka_err2name(err) + ")");
}

namespace {
Status FromError(rd_kafka_error_t* e, std::string_view what) {
  if (!e) return Status::Ok();
  ErrorPtr owned(e);
  return TxnErrorStatus(owned.get(), what);
}
}  // namespace

Status Producer::InitTransactions(std::chrono::milliseconds timeout) {
  return FromError(rd_kafka_init_transactions(rep_->rk.get(), static_cast<int>(timeout.count())),
                   "init_transactions");
}

Status Producer::BeginTransaction() {
  return FromError(rd_kafka_begin_transaction(rep_->rk.get()), "begin_transaction");
}

Status Producer::CommitTransaction(std::chrono::milliseconds timeout) {
  return FromError(
      rd_kafka_commit_transaction(rep_->rk.get(), static_cast<int>(timeout.count())),
      "commit_transaction");
}

Status Producer::AbortTransaction(std::chrono::milliseconds timeout) {
  return FromError(rd_kafka_abort_transaction(rep_->rk.get(), static_cast<int>(timeout.count())),
                   "abort_transaction");
}

std::string Producer::name() const { return rd_kafka_name(rep_->rk.get()); }

}  // namespace smeledger::ledger_kafka
