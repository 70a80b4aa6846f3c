// Thin owners of librdkafka clients, so that roles (produce, serve, project) never touch
// librdkafka's C API: a Producer (plain, idempotent or transactional) and an assign-only
// Consumer. Both are created from KafkaOptions with the role's own default properties; the
// user's -X properties override those (EffectiveProperties). librdkafka's log lines and errors
// go to the spdlog logger given (the client keeps it alive until it is destroyed).
//
// Thread safety: a client is used by one thread at a time, except Producer::Produce, which
// librdkafka allows from several threads (but DeliveryHandler runs only inside Poll/Flush, on
// the thread that calls them).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "smeledger/ledger/status.h"
#include "smeledger/ledger_kafka/options.h"

namespace spdlog {
class logger;
}

namespace smeledger::ledger_kafka {

struct MessageHeader {
  std::string_view name;
  std::string_view value;
};

inline constexpr int32_t kAnyPartition = -1;

// What became of one produced message.
struct DeliveryReport {
  Status status;             // ok: stored at `offset`; else why not (per errors.h)
  int error_code = 0;        // the librdkafka error (rd_kafka_resp_err_t), 0 when delivered
  std::string_view topic;
  int32_t partition = -1;
  int64_t offset = -1;       // -1 unless delivered
  void* opaque = nullptr;    // as given to Produce
};

class DeliveryHandler {
 public:
  virtual ~DeliveryHandler() = default;
  // Called inside Producer::Poll and Flush, on their caller's thread, once per message, in
  // the order each partition stored them. `report` is valid during the call only.
  // Must not throw.
  virtual void OnDelivery(const DeliveryReport& report) = 0;
};

enum class ClientType { kProducer, kConsumer };

// Builds a client's whole configuration (as Producer::Open or Consumer::Open would) and lets
// librdkafka judge it without connecting anywhere. It catches what ValidateProperties cannot:
// an inconsistent combination, such as enable.idempotence=true with acks=1. Roles call it
// before they contact the cluster, so a configuration mistake is reported as one (exit 2)
// whatever the cluster's state. Errors: kInvalidInput naming the problem.
Status CheckClientConfig(ClientType type, const KafkaOptions& options,
                         const KafkaProperties& role_defaults);

class Producer {
 public:
  // Creates a producer. Properties: librdkafka's defaults, then `role_defaults`, then
  // options.properties. `handler` (may be null: no reports) is not owned and must outlive the
  // Producer. Errors: kInvalidInput naming a bad property or an inconsistent combination.
  static Status Open(const KafkaOptions& options, const KafkaProperties& role_defaults,
                     std::shared_ptr<spdlog::logger> logger, DeliveryHandler* handler,
                     std::unique_ptr<Producer>* out);

  // Waits up to 10 s for queued messages to be delivered (their reports are dropped; call
  // Flush first to see them), then destroys the client.
  ~Producer();

  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Enqueues one message; librdkafka copies key, value and headers. `key` nullopt: no key.
  // Errors: kRetryable when librdkafka's queue is full (call Poll and try again); kFatal
  // classes when the producer can no longer send (see FatalError()); kInvalidInput for a
  // message larger than message.max.bytes.
  Status Produce(std::string_view topic, int32_t partition, std::optional<std::string_view> key,
                 std::string_view value, std::span<const MessageHeader> headers,
                 void* opaque = nullptr);

  // Serves delivery reports (and librdkafka's other callbacks) for at most `wait`.
  // Returns how many events were served.
  int Poll(std::chrono::milliseconds wait);

  // Waits until every enqueued message has its delivery report, at most `timeout`.
  // Errors: kRetryable (_TIMED_OUT) when some are still outstanding.
  Status Flush(std::chrono::milliseconds timeout);

  // Messages (and requests) not yet delivered or failed.
  int OutstandingMessages() const;

  // Ok, or the fatal error that stopped an idempotent or transactional producer (kIo).
  Status FatalError() const;

  // Transactions (requires `transactional.id`). Error codes: kRetryable — call it again;
  // kConflict — the transaction must be aborted (AbortTransaction) and redone; kIo — fatal
  // (fenced by a newer instance, not authorized): destroy the producer.
  Status InitTransactions(std::chrono::milliseconds timeout);
  Status BeginTransaction();
  Status CommitTransaction(std::chrono::milliseconds timeout);
  Status AbortTransaction(std::chrono::milliseconds timeout);

  // The client's name, e.g. "rdkafka#producer-1".
  std::string name() const;

 private:
  struct Rep;
  explicit Producer(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

// One consumed message. The views are valid until the next Consumer::Poll, Assign or the
// Consumer's destruction.
struct ConsumedMessage {
  std::string_view topic;
  int32_t partition = -1;
  int64_t offset = -1;
  std::optional<std::string_view> key;
  std::string_view value;
  int64_t timestamp_ms = -1;  // -1 when the broker gave none

  // The value of the last header named `name`; nullopt when there is none.
  std::optional<std::string_view> Header(std::string_view name) const;

  const void* rep = nullptr;  // the rd_kafka_message_t (internal)
};

struct TopicPartitionOffset {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;  // the next offset to read
};

// A consumer that reads the partitions it is told to (assign), from the offsets it is told to,
// and commits nothing to the cluster: roles keep their positions themselves (README.md,
// "Exactly once"). Defaults (before -X): isolation.level=read_committed,
// enable.auto.commit=false, enable.auto.offset.store=false, enable.partition.eof=false.
class Consumer {
 public:
  // Errors: kInvalidInput naming a bad property.
  static Status Open(const KafkaOptions& options, const KafkaProperties& role_defaults,
                     std::shared_ptr<spdlog::logger> logger, std::unique_ptr<Consumer>* out);
  ~Consumer();

  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Reads exactly `partitions` from now on (replacing any earlier assignment).
  Status Assign(std::span<const TopicPartitionOffset> partitions);

  enum class Read { kMessage, kIdle, kEnd };
  // Waits at most `wait` for the next message. kMessage: *message holds it. kIdle: nothing in
  // time. kEnd: an assigned partition's end was reached (only with the role default or -X
  // `enable.partition.eof=true`; *message then names the partition and its end offset). A non-ok status is an error the cluster reported for an assigned partition (e.g.
  // kRetryable while a broker is down; OFFSET_OUT_OF_RANGE is kFatal): the consumer goes on
  // reading after it, the caller decides whether to continue.
  Status Poll(std::chrono::milliseconds wait, ConsumedMessage* message, Read* read);

  // Up to `max` messages at once (cheaper per message than Poll at high rates), waiting at most
  // `wait` for the first. *out is replaced by every message among them, in order; its views are
  // valid until the next Poll or PollBatch. A partition's end (kEnd of Poll) is left out. The
  // status is the first error the cluster reported among them, as Poll's (the messages are in
  // *out all the same: the caller decides whether to go on).
  Status PollBatch(std::chrono::milliseconds wait, size_t max, std::vector<ConsumedMessage>* out);

  // The partition's low and high watermarks (the first offset kept, the next offset to be
  // written), asked of the partition's leader, waiting at most `timeout`.
  // librdkafka 2.0.2 may overrun the timeout, and by as long as the partition's former leader
  // stays down if its leadership moved while it asked: not for threads that must not block.
  Status QueryWatermarks(std::string_view topic, int32_t partition,
                         std::chrono::milliseconds timeout, int64_t* low, int64_t* high);

  // The high watermark of an assigned partition as the last fetch response for it gave it,
  // without asking the cluster (never blocks). False when none is known yet.
  // Thread safety: may be called from any thread, also while another one polls.
  bool CachedHighWatermark(std::string_view topic, int32_t partition, int64_t* high) const;

  std::string name() const;

 private:
  struct Rep;
  explicit Consumer(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace smeledger::ledger_kafka
