#include "smeledger/ledger_kafka/admin.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

#include "client_internal.h"
#include "smeledger/ledger_kafka/errors.h"

namespace smeledger::ledger_kafka {

namespace {

using Clock = std::chrono::steady_clock;

int RemainingMs(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::max<int64_t>(left, 0));
}

// The settings every topic of Kafka mode must have (README.md, "Topic settings").
struct RequiredSetting {
  const char* name;
  const char* value;
};
constexpr RequiredSetting kRequiredSettings[] = {
    {"retention.ms", "-1"},
    {"retention.bytes", "-1"},
    {"cleanup.policy", "delete"},
};

const rd_kafka_metadata_topic_t* FindTopic(const rd_kafka_metadata_t* md, const std::string& n) {
  for (int i = 0; i < md->topic_cnt; ++i)
    if (n == md->topics[i].topic) return &md->topics[i];
  return nullptr;
}

// True when the metadata shows the topic with every partition led.
bool IsReady(const rd_kafka_metadata_topic_t* t) {
  if (!t || t->err != RD_KAFKA_RESP_ERR_NO_ERROR || t->partition_cnt == 0) return false;
  for (int p = 0; p < t->partition_cnt; ++p)
    if (t->partitions[p].leader < 0) return false;
  return true;
}

// Waits for the admin result event on `queue`.
Status AwaitAdminResult(rd_kafka_queue_t* queue, const KafkaOptions& options,
                        Clock::time_point deadline, const char* what, EventPtr* out) {
  // The request's own timeout fires first; the extra second lets its answer arrive.
  rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, RemainingMs(deadline) + 1000);
  if (!ev)
    return Status::Retryable("cannot reach Kafka at " + options.bootstrap_servers + " within " +
                             SecondsText(options.connect_timeout) + " (" + what + ")");
  out->reset(ev);
  if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    const rd_kafka_resp_err_t err = rd_kafka_event_error(ev);
    if (ClassifyKafkaError(err) == KafkaErrorClass::kRetryable)
      return Status::Retryable("cannot reach Kafka at " + options.bootstrap_servers +
                               " within " + SecondsText(options.connect_timeout) + " (" + what +
                               ": " + rd_kafka_err2name(err) + ")");
    return KafkaErrorStatus(err, what, rd_kafka_event_error_string(ev));
  }
  return Status::Ok();
}

AdminOptionsPtr AdminOptionsFor(rd_kafka_t* rk, rd_kafka_admin_op_t op,
                                Clock::time_point deadline) {
  AdminOptionsPtr o(rd_kafka_AdminOptions_new(rk, op));
  char errstr[256];
  const int ms = std::max(RemainingMs(deadline), 1);
  rd_kafka_AdminOptions_set_request_timeout(o.get(), ms, errstr, sizeof errstr);
  if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS)
    rd_kafka_AdminOptions_set_operation_timeout(o.get(), ms, errstr, sizeof errstr);
  return o;
}

Status CreateTopics(rd_kafka_t* rk, const std::vector<TopicSpec>& missing,
                    const KafkaOptions& options, Clock::time_point deadline,
                    spdlog::logger& log) {
  std::vector<NewTopicPtr> owned;
  std::vector<rd_kafka_NewTopic_t*> raw;
  char errstr[512];
  for (const TopicSpec& t : missing) {
    NewTopicPtr nt(rd_kafka_NewTopic_new(t.name.c_str(), t.partitions, t.replication_factor,
                                         errstr, sizeof errstr));
    if (!nt) return Status::InvalidInput("topic " + t.name + ": " + errstr);
    const std::string min_isr = std::to_string(t.min_insync_replicas);
    rd_kafka_NewTopic_set_config(nt.get(), "min.insync.replicas", min_isr.c_str());
    for (const RequiredSetting& s : kRequiredSettings)
      rd_kafka_NewTopic_set_config(nt.get(), s.name, s.value);
    raw.push_back(nt.get());
    owned.push_back(std::move(nt));
  }
  QueuePtr queue(rd_kafka_queue_new(rk));
  AdminOptionsPtr opts = AdminOptionsFor(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS, deadline);
  rd_kafka_CreateTopics(rk, raw.data(), raw.size(), opts.get(), queue.get());
  EventPtr ev;
  if (Status s = AwaitAdminResult(queue.get(), options, deadline, "CreateTopics", &ev); !s.ok())
    return s;
  const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev.get());
  size_t n = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(res, &n);
  for (size_t i = 0; i < n; ++i) {
    const char* name = rd_kafka_topic_result_name(results[i]);
    const rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      for (const TopicSpec& t : missing)
        if (t.name == name)
          log.info("created topic {} (partitions {}, replication.factor {}, min.insync.replicas "
                   "{}, retention.ms -1, retention.bytes -1, cleanup.policy delete)",
                   t.name, t.partitions, t.replication_factor, t.min_insync_replicas);
      continue;
    }
    if (ClassifyKafkaError(err) == KafkaErrorClass::kExists) {  // another process won the race
      log.debug("topic {} was created by another process meanwhile", name);
      continue;
    }
    const char* detail = rd_kafka_topic_result_error_string(results[i]);
    return KafkaErrorStatus(err, std::string("cannot create topic ") + name, detail ? detail : "");
  }
  return Status::Ok();
}

Status CheckSettings(rd_kafka_t* rk, const std::vector<TopicSpec>& specs,
                     const KafkaOptions& options, Clock::time_point deadline) {
  std::vector<ConfigResourcePtr> owned;
  std::vector<rd_kafka_ConfigResource_t*> raw;
  for (const TopicSpec& t : specs) {
    owned.emplace_back(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, t.name.c_str()));
    raw.push_back(owned.back().get());
  }
  QueuePtr queue(rd_kafka_queue_new(rk));
  AdminOptionsPtr opts = AdminOptionsFor(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, deadline);
  rd_kafka_DescribeConfigs(rk, raw.data(), raw.size(), opts.get(), queue.get());
  EventPtr ev;
  if (Status s = AwaitAdminResult(queue.get(), options, deadline, "DescribeConfigs", &ev);
      !s.ok())
    return s;
  const rd_kafka_DescribeConfigs_result_t* res = rd_kafka_event_DescribeConfigs_result(ev.get());
  size_t n = 0;
  const rd_kafka_ConfigResource_t** resources = rd_kafka_DescribeConfigs_result_resources(res, &n);
  for (size_t i = 0; i < n; ++i) {
    const std::string topic = rd_kafka_ConfigResource_name(resources[i]);
    if (rd_kafka_resp_err_t err = rd_kafka_ConfigResource_error(resources[i]); err) {
      const char* detail = rd_kafka_ConfigResource_error_string(resources[i]);
      return KafkaErrorStatus(err, "cannot read the settings of topic " + topic,
                              detail ? detail : "");
    }
    size_t nc = 0;
    const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(resources[i], &nc);
    std::map<std::string, std::string> found;
    for (size_t c = 0; c < nc; ++c) {
      const char* v = rd_kafka_ConfigEntry_value(entries[c]);
      found[rd_kafka_ConfigEntry_name(entries[c])] = v ? v : "";
    }
    for (const RequiredSetting& s : kRequiredSettings) {
      auto it = found.find(s.name);
      const std::string value = it == found.end() ? "<absent>" : it->second;
      if (value != s.value)
        return Status::Io("topic " + topic + ": " + s.name + " is " + value + ", expected " +
                          s.value + " (README.md, \"Topics\"): fix or remove the topic");
    }
  }
  return Status::Ok();
}

}  // namespace

Status CheckReachable(const KafkaOptions& options, const std::shared_ptr<spdlog::logger>& logger,
                      ClusterInfo* info) {
  ClientContext ctx;
  ctx.logger = logger;
  KafkaHandle rk;
  if (Status s = NewClient(RD_KAFKA_PRODUCER, options, {}, &ctx, &rk); !s.ok()) return s;
  MetadataPtr md;
  if (Status s = FetchMetadata(rk.get(), options, false,
                               static_cast<int>(options.connect_timeout.count()), &md);
      !s.ok())
    return s;
  if (info) {
    info->brokers = md->broker_cnt;
    info->broker_list.clear();
    for (int i = 0; i < md->broker_cnt; ++i) {
      if (i) info->broker_list += ", ";
      info->broker_list += std::to_string(md->brokers[i].id) + "@" + md->brokers[i].host + ":" +
                           std::to_string(md->brokers[i].port);
    }
  }
  return Status::Ok();
}

std::vector<TopicSpec> TopicSpecsFor(const KafkaOptions& options, int brokers) {
  const TopicNames names = TopicNamesFor(options);
  TopicSpec spec;
  spec.partitions = 1;
  spec.replication_factor = std::clamp(brokers, 1, 3);
  spec.min_insync_replicas = spec.replication_factor == 3 ? 2 : 1;
  std::vector<TopicSpec> specs(3, spec);
  specs[0].name = names.submissions;
  specs[1].name = names.records;
  specs[2].name = names.outcomes;
  return specs;
}

Status EnsureTopics(const KafkaOptions& options, const std::shared_ptr<spdlog::logger>& logger) {
  const Clock::time_point deadline = Clock::now() + options.connect_timeout;
  ClientContext ctx;
  ctx.logger = logger;
  KafkaHandle rk;
  if (Status s = NewClient(RD_KAFKA_PRODUCER, options, {}, &ctx, &rk); !s.ok()) return s;

  // All topics: asking for ours by name would let a broker with auto.create.topics.enable
  // create them with its own defaults.
  MetadataPtr md;
  if (Status s = FetchMetadata(rk.get(), options, true, RemainingMs(deadline), &md); !s.ok())
    return s;
  const std::vector<TopicSpec> specs = TopicSpecsFor(options, md->broker_cnt);
  std::vector<TopicSpec> missing;
  for (const TopicSpec& t : specs) {
    const rd_kafka_metadata_topic_t* mt = FindTopic(md.get(), t.name);
    if (!mt || mt->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) missing.push_back(t);
  }
  if (!missing.empty())
    if (Status s = CreateTopics(rk.get(), missing, options, deadline, *logger); !s.ok()) return s;

  // Wait until every broker we ask knows the topics and each partition has a leader.
  for (;;) {
    bool ready = true;
    for (const TopicSpec& t : specs) ready = ready && IsReady(FindTopic(md.get(), t.name));
    if (ready) break;
    if (RemainingMs(deadline) == 0) {
      for (const TopicSpec& t : specs) {
        const rd_kafka_metadata_topic_t* mt = FindTopic(md.get(), t.name);
        if (!IsReady(mt))
          return Status::Retryable("topic " + t.name + " has no leader within " +
                                   SecondsText(options.connect_timeout) +
                                   (mt && mt->err ? std::string(" (") +
                                                        rd_kafka_err2name(mt->err) + ")"
                                                  : std::string()));
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (Status s = FetchMetadata(rk.get(), options, true, std::max(RemainingMs(deadline), 1), &md);
        !s.ok())
      return s;
  }

  for (const TopicSpec& t : specs) {
    const rd_kafka_metadata_topic_t* mt = FindTopic(md.get(), t.name);
    if (mt->partition_cnt != t.partitions)
      return Status::Io("topic " + t.name + ": partitions is " +
                        std::to_string(mt->partition_cnt) + ", expected " +
                        std::to_string(t.partitions) +
                        " (README.md, \"Topics\"): fix or remove the topic");
    if (mt->partitions[0].replica_cnt < t.replication_factor)
      logger->warn("topic {} has {} replicas; {} brokers would allow {}", t.name,
                   mt->partitions[0].replica_cnt, md->broker_cnt, t.replication_factor);
  }
  return CheckSettings(rk.get(), specs, options, deadline);
}

}  // namespace smeledger::ledger_kafka
