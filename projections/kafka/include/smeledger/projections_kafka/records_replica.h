// RecordsReplica: `smeledger project`, a read replica over the records topic. It consumes
// `<prefix>records` (partition 0, read_committed, assign-only: never a consumer group) from
// the offset its directory stored, fills ReplicaBatches (a batch closes at the writer's limits,
// after batch_delay, or at the end of the topic) and hands each to a writer thread, which
// appends it while the next one fills, brings the projection up to date after a batch when
// catch_up_interval has passed and whenever the topic is idle. It logs its configuration, a
// status line (head, offsets, end offset, lag, rate) every status_interval from a thread of its
// own, and the client's errors and retries with their causes.
//
//   std::unique_ptr<RecordsReplica> r;
//   Status s = RecordsReplica::Open(options, logger, &r);  // directory, cluster, topics
//   s = r->Run(stop_flag);                                  // until *stop or an error
//
// Memory is bounded whatever the lag: librdkafka's prefetch queue (queued.max.messages.kbytes),
// two batches (the one filling, the one being appended), RocksDB's memtables, and the
// projection's fold (which grows with the ledger, not with the lag).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

#include "smeledger/ledger/status.h"
#include "smeledger/ledger_kafka/options.h"
#include "smeledger/projections_kafka/replica_writer.h"

namespace spdlog {
class logger;
}

namespace smeledger::projections_kafka {

struct RecordsReplicaOptions {
  // The cluster, the topic prefix, the user's -X properties (applied after the consumer
  // defaults below) and the connect timeout. Required: kafka.bootstrap_servers.
  // Consumer defaults: isolation.level=read_committed, auto.offset.reset=error (a stored
  // offset the topic no longer has is an error, never a silent jump), enable.partition.eof=true
  // (the end of the partition closes a batch), queued.min.messages=10000000 and
  // queued.max.messages.kbytes=65536 (the prefetch is bounded by bytes: README.md, "Speed").
  ledger_kafka::KafkaOptions kafka;

  // The replica's directory, rule set and batch limits. writer.source_name is set by Open
  // ("<prefix>records/0"). Required: writer.db, writer.rules.
  ReplicaWriterOptions writer;

  // A batch in hand is appended this long after its first message at the latest.
  // Default: 50 ms.
  std::chrono::milliseconds batch_delay{50};

  // While records keep arriving, the projection is brought up to date after a batch at most
  // this often (a catch-up loads and saves the whole fold); when the topic is idle, at once.
  // Default: 1 s.
  std::chrono::milliseconds catch_up_interval{1000};

  // How often the status line (head, offsets, end offset, lag, rate) is logged. Default: 5 s.
  std::chrono::milliseconds status_interval{5000};
};

// What a run did.
struct RecordsReplicaStats {
  ReplicaWriterStats writer;
  uint64_t head = 0;         // the replica's head at the end
  int64_t next_offset = -2;  // the next offset stored (-2: none yet)
  uint64_t retries = 0;      // retryable consumer errors ridden out
  double seconds = 0;
};

class RecordsReplica {
 public:
  // Checks the consumer's configuration (kInvalidInput naming the problem, before anything
  // else), opens the replica directory (ReplicaWriter::Open's errors), checks that the cluster
  // answers within kafka.connect_timeout (kRetryable "cannot reach Kafka at <bootstrap> within
  // N s"), creates or checks the topics (EnsureTopics' errors), opens the consumers
  // (kInvalidInput for a bad property) and logs the configuration. `logger` is not null.
  static Status Open(const RecordsReplicaOptions& options, std::shared_ptr<spdlog::logger> logger,
                     std::unique_ptr<RecordsReplica>* out);

  virtual ~RecordsReplica() = default;

  // Consumes, appends and projects until `stop` becomes true (checked at least every 100 ms;
  // the batch in hand is then appended and the projection brought to the head: Ok) or an
  // error stops it: kCorruption naming the position (a gap, a broken link, a key that is not
  // its record's position, a record that differs from the one kept at its position); kIo for a
  // consumer error that cannot pass (an offset the topic no longer has, an unknown topic, not
  // authorized); the writer's environment errors. Retryable consumer errors (a broker down) are
  // logged, rate-limited, and waited out. What was appended before an error stays, with its
  // offset. `stop` may be set from a signal handler (it is lock-free). Closes the consumers
  // before it returns. REQUIRES: called once.
  virtual Status Run(const std::atomic<bool>& stop, RecordsReplicaStats* stats) = 0;
};

}  // namespace smeledger::projections_kafka
