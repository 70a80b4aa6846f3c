#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <cstring>

#include "client_internal.h"
#include "smeledger/ledger_kafka/errors.h"

namespace smeledger::ledger_kafka {

namespace {

spdlog::level::level_enum LevelOf(int syslog_level) {
  if (syslog_level <= 2) return spdlog::level::critical;
  if (syslog_level == 3) return spdlog::level::err;
  if (syslog_level == 4) return spdlog::level::warn;
  if (syslog_level <= 6) return spdlog::level::info;
  return spdlog::level::debug;
}

ClientContext* ContextOf(const rd_kafka_t* rk) {
  return static_cast<ClientContext*>(rd_kafka_opaque(rk));
}

// librdkafka's callbacks run on its own threads (log) or inside poll (errors, reports): they
// must not throw.
void OnLog(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  ClientContext* ctx = ContextOf(rk);
  if (!ctx || !ctx->logger) return;
  try {
    ctx->logger->log(LevelOf(level), "{} {}: {}", rd_kafka_name(rk), fac, buf);
  } catch (...) {
  }
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* ctx = static_cast<ClientContext*>(opaque);
  if (!ctx || !ctx->logger) return;
  try {
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
      char fatal[512] = "";
      const rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, fatal, sizeof fatal);
      ctx->logger->critical("{}: fatal error: {} ({})", rd_kafka_name(rk), fatal,
                            rd_kafka_err2name(orig));
      return;
    }
    // A connection that failed was logged by librdkafka itself (log_cb, facility FAIL).
    if (err == RD_KAFKA_RESP_ERR__TRANSPORT) {
      ctx->logger->debug("{}: {} (_TRANSPORT)", rd_kafka_name(rk), reason);
      return;
    }
    // One line per kind of error per 30 s: a cluster that is down would otherwise log every
    // reconnect attempt of every broker connection.
    const int64_t now = NowMs();
    if (ctx->last_error.exchange(err) == err && now - ctx->last_error_ms.load() < 30'000) return;
    ctx->last_error_ms.store(now);
    ctx->logger->warn("{}: {} ({})", rd_kafka_name(rk), reason,
                      rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)));
  } catch (...) {
  }
}

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* ctx = static_cast<ClientContext*>(opaque);
  if (!ctx || !ctx->delivery) return;
  DeliveryReport r;
  r.error_code = m->err;
  const char* topic = m->rkt ? rd_kafka_topic_name(m->rkt) : "";
  r.topic = topic;
  r.partition = m->partition;
  r.offset = m->err ? -1 : m->offset;
  r.opaque = m->_private;
  if (m->err) r.status = KafkaErrorStatus(m->err, "cannot deliver to " + std::string(topic));
  try {
    ctx->delivery->OnDelivery(r);
  } catch (...) {
  }
}

}  // namespace

std::string SecondsText(std::chrono::milliseconds d) {
  char b[32];
  if (d.count() % 1000 == 0) {
    std::snprintf(b, sizeof b, "%lld s", static_cast<long long>(d.count() / 1000));
  } else {
    std::snprintf(b, sizeof b, "%.1f s", d.count() / 1000.0);
  }
  return b;
}

Status NewClient(rd_kafka_type_t type, const KafkaOptions& options,
                 const KafkaProperties& role_defaults, ClientContext* ctx, KafkaHandle* out) {
  if (options.bootstrap_servers.empty())
    return Status::InvalidInput("no Kafka bootstrap servers given (--bootstrap)");
  ConfPtr conf(rd_kafka_conf_new());
  char errstr[512];
  for (const KafkaProperty& p : EffectiveProperties(options, role_defaults)) {
    if (rd_kafka_conf_set(conf.get(), p.key.c_str(), p.value.c_str(), errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK)
      return Status::InvalidInput("invalid Kafka property -X " + p.key + "=" +
                                  (IsSecretProperty(p.key) ? "***" : p.value) + ": " + errstr);
  }
  rd_kafka_conf_set_opaque(conf.get(), ctx);
  rd_kafka_conf_set_log_cb(conf.get(), OnLog);
  rd_kafka_conf_set_error_cb(conf.get(), OnError);
  if (type == RD_KAFKA_PRODUCER) rd_kafka_conf_set_dr_msg_cb(conf.get(), OnDelivery);
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), errstr, sizeof errstr);
  if (!rk) return Status::InvalidInput(std::string("invalid Kafka configuration: ") + errstr);
  conf.release();  // rd_kafka_new took it
  out->reset(rk);
  return Status::Ok();
}

Status CheckClientConfig(ClientType type, const KafkaOptions& options,
                         const KafkaProperties& role_defaults) {
  KafkaProperties defaults;
  if (type == ClientType::kConsumer) defaults = ConsumerDefaults(options);
  for (const KafkaProperty& p : role_defaults) defaults.push_back(p);
  KafkaOptions offline = options;
  offline.bootstrap_servers = "-";  // NewClient wants one; replaced below
  ClientContext ctx;                // no logger: librdkafka's "no bootstrap servers" is expected
  ConfPtr conf(rd_kafka_conf_new());
  char errstr[512];
  KafkaProperties all = EffectiveProperties(offline, defaults);
  all.push_back({"bootstrap.servers", ""});  // connect nowhere
  for (const KafkaProperty& p : all) {
    if (rd_kafka_conf_set(conf.get(), p.key.c_str(), p.value.c_str(), errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK)
      return Status::InvalidInput("invalid Kafka property -X " + p.key + "=" +
                                  (IsSecretProperty(p.key) ? "***" : p.value) + ": " + errstr);
  }
  rd_kafka_conf_set_opaque(conf.get(), &ctx);
  rd_kafka_conf_set_log_cb(conf.get(), OnLog);
  rd_kafka_conf_set_error_cb(conf.get(), OnError);
  rd_kafka_t* rk =
      rd_kafka_new(type == ClientType::kProducer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER,
                   conf.get(), errstr, sizeof errstr);
  if (!rk) return Status::InvalidInput(std::string("invalid Kafka configuration: ") + errstr);
  conf.release();
  KafkaHandle owned(rk);
  return Status::Ok();
}

Status FetchMetadata(rd_kafka_t* rk, const KafkaOptions& options, bool all_topics,
                     int timeout_ms, MetadataPtr* out) {
  const rd_kafka_metadata_t* md = nullptr;
  const rd_kafka_resp_err_t err =
      rd_kafka_metadata(rk, all_topics ? 1 : 0, nullptr, &md, std::max(timeout_ms, 1));
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    out->reset(md);
    return Status::Ok();
  }
  if (ClassifyKafkaError(err) == KafkaErrorClass::kRetryable)
    return Status::Retryable("cannot reach Kafka at " + options.bootstrap_servers + " within " +
                             SecondsText(options.connect_timeout) + " (" +
                             rd_kafka_err2name(err) + ")");
  return KafkaErrorStatus(err, "cannot read the metadata of Kafka at " +
                                   options.bootstrap_servers);
}

Status TxnErrorStatus(const rd_kafka_error_t* error, std::string_view what) {
  std::string m(what);
  m += ": ";
  m += rd_kafka_error_string(error);
  m += " (";
  m += rd_kafka_error_name(error);
  m += ")";
  if (rd_kafka_error_is_fatal(error)) return Status::Io(std::move(m));
  if (rd_kafka_error_txn_requires_abort(error)) return Status::Conflict(std::move(m));
  if (rd_kafka_error_is_retriable(error)) return Status::Retryable(std::move(m));
  return KafkaErrorStatus(rd_kafka_error_code(error), what, rd_kafka_error_string(error));
}

}  // namespace smeledger::ledger_kafka
