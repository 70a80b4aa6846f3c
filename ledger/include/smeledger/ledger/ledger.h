// The ledger: an append-only, gap-free, hash-chained log of accepted events on RocksDB.
//
//   std::unique_ptr<Ledger> ledger;
//   Status s = Ledger::Open(options, "/var/lib/smeledger", &ledger);
//
// A writer (read_only = false) takes RocksDB's lock: one writer per directory. Any number of
// readers (read_only = true) may open the same directory at the same time, also while a writer
// runs; a reader sees the ledger as of its Open (call Refresh() to catch up).
// Thread safety: a Ledger may be read from several threads; Submit is single-caller.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "smeledger/ledger/outcome.h"
#include "smeledger/ledger/source.h"
#include "smeledger/ledger/status.h"

namespace smeledger::ledger {

using Hash = std::array<uint8_t, 32>;
// Lower-case hex of a hash.
std::string HexOf(const Hash& h);

// Where recorded_at comes from. Tests inject a fake.
class Clock {
 public:
  virtual ~Clock() = default;
  // Microseconds since the Unix epoch (UTC).
  virtual int64_t NowMicros() = 0;
};

// The machine's real-time clock.
class SystemClock final : public Clock {
 public:
  int64_t NowMicros() override;
};

struct LedgerOptions {
  // Create an empty ledger when the directory holds none.
  // Default: true (false for read_only).
  bool create_if_missing = true;

  // Open as a reader (RocksDB secondary instance): no writes, no lock, works beside a writer.
  // Default: false.
  bool read_only = false;

  // Source of every record's recorded_at. Not owned; must outlive the Ledger.
  // Default: nullptr, meaning the system clock.
  Clock* clock = nullptr;

  // Accepted events per durable write batch (group commit): outcomes of a batch are reported
  // once its write batch is in the synced WAL. Larger batches ingest faster; smaller ones
  // acknowledge sooner. Default: 16384.
  size_t batch_events = 16384;

  // A batch is also closed this long after its first line arrived, however few lines it holds,
  // so that a slow source (a quiet topic, a pipe) still gets its outcomes promptly.
  // Default: 100 ms.
  std::chrono::milliseconds batch_delay{100};

  // A read replica (`smeledger project`): records arrive sealed through AppendReplicated and
  // Submit is refused. Fixed when the directory is created: opening a ledger as a replica or a
  // replica as a ledger fails (readers open either). Default: false.
  bool replica = false;

  // fsync the WAL before a batch is acknowledged. Turning it off loses durability on power
  // failure (not on a process crash); only benchmarks compare with it off. Default: true.
  bool sync = true;
};

// The newest record.
struct Head {
  uint64_t position = 0;       // 0: empty ledger
  Hash hash{};                 // zeros for the empty ledger
  int64_t recorded_at_us = 0;  // 0 for the empty ledger
};

// The outcome of one submitted line. Views are valid only during OnOutcome.
struct LineOutcome {
  uint64_t line = 0;                  // 1-based physical line number
  OutcomeKind kind = OutcomeKind::kRejected;
  bool has_event_id = false;          // rejected lines: the line had a string event_id
  std::string_view event_id;
  uint64_t position = 0;              // accepted / duplicate: the record's position
  Hash hash{};                        // accepted / duplicate: the record's hash
  const Rejection* rejection = nullptr;  // rejected only
};

// Receives outcomes in line order, each only after everything it reports is durable.
class OutcomeSink {
 public:
  virtual ~OutcomeSink() = default;
  virtual void OnOutcome(const LineOutcome& outcome) = 0;
};

struct SubmitStats {
  uint64_t lines = 0;      // event lines (blank lines excluded)
  uint64_t accepted = 0;
  uint64_t duplicates = 0;
  uint64_t rejected = 0;
  uint64_t bytes = 0;      // input bytes read
  std::array<uint64_t, kReasonCount> by_reason{};
  // Where the validating thread waited: for the writer (durable batches) and for the parser.
  // The stage that is rarely waited for is the bottleneck.
  double write_wait_seconds = 0;
  double parse_wait_seconds = 0;
  // CPU time of each stage's thread(s): parsing, validating, writing.
  double parse_cpu_seconds = 0;
  double validate_cpu_seconds = 0;
  double write_cpu_seconds = 0;
};

// Called after each durable batch: bytes read so far, and the running stats.
using SubmitProgress = std::function<void(const SubmitStats&)>;

// What verify found. `ok` false: `position` is the first bad record (or 0 for a ledger-wide
// problem) and `problem` says what is wrong.
struct VerifyReport {
  bool ok = true;
  uint64_t position = 0;   // head position when ok
  Hash hash{};             // head hash when ok
  Hash root{};             // when ok: the RFC 6962 Merkle root of the records (has_root)
  bool has_root = false;
  uint64_t records = 0;
  std::string problem;
};
using VerifyProgress = std::function<void(uint64_t checked, uint64_t total)>;

class Ledger {
 public:
  // Opens (or creates) the ledger in `path`. On success *out owns it.
  // Errors: kIo when the directory cannot be opened or locked (another writer),
  // kCorruption when its metadata is not a ledger of this format.
  static Status Open(const LedgerOptions& options, const std::string& path,
                     std::unique_ptr<Ledger>* out);

  virtual ~Ledger() = default;

  // The newest durable record. Safe to call from any thread, also while Submit or
  // AppendReplicated runs on another (it then moves forward a batch at a time).
  virtual Head head() const = 0;

  // Validates and appends every event line `source` gives until it ends (kEnd: end of input or
  // a stop request; the batch in hand is finished first). Every line gets exactly one outcome
  // through `sink` (may be null), in order, once it is durable. A batch closes when it holds
  // batch_events accepted events or batch_delay after its first line; with a source that has
  // a name (tokens), the source's next token is stored in the same write as the batch, even
  // when the batch accepted nothing, and so are its outcomes (the outbox, ReadOutbox).
  // Returns non-ok only when the environment fails (read or write error); then every outcome
  // already reported is durable and nothing after it was written.
  // REQUIRES: opened for writing, not a replica.
  virtual Status Submit(SubmissionSource* source, OutcomeSink* sink, SubmitStats* stats,
                        const SubmitProgress& progress) = 0;

  // Submit of the event lines read from file descriptor `fd` (NewFdSource).
  Status Submit(int fd, OutcomeSink* sink, SubmitStats* stats, const SubmitProgress& progress);

  // The next token stored for source `source_name` (see Submit), or kNotFound when none was.
  virtual Status SourcePosition(std::string_view source_name, uint64_t* next_token) const = 0;

  // Kafka mode's outbox (ledger/kafka/README.md): what is durable past `after_position` and
  // from `from_token` on, read in one consistent view — up to `max_records` records from
  // after_position + 1, and the outcomes (outcome_json.h, their tokens as "offset") of the
  // lines with tokens ≥ from_token whose batches' records are all among these or earlier.
  // Empty when there is nothing new. Safe to call from another thread while Submit runs.
  struct OutboxChunk {
    uint64_t first_position = 0;       // records[i] is at first_position + i
    std::vector<std::string> records;  // stored bytes
    struct Outcome {
      uint64_t token;
      std::string json;
    };
    std::vector<Outcome> outcomes;  // in token order
    bool empty() const { return records.empty() && outcomes.empty(); }
  };
  virtual Status ReadOutbox(uint64_t after_position, uint64_t from_token, size_t max_records,
                            OutboxChunk* out) const = 0;
  // Forgets the outbox entries whose outcomes all have tokens below `below_token` (published).
  // Safe from another thread while Submit runs.
  virtual Status PruneOutbox(uint64_t below_token) = 0;

  // The RFC 6962 Merkle root of the first `size` records (ledger/README.md, "Merkle tree"),
  // from the stored tree: O(log n) reads. kInvalidInput beyond the head; kNotFound when the
  // ledger has no tree yet (a ledger older than the tree, opened by a reader: its writer builds
  // the tree on its next open). Any thread.
  virtual Status MerkleRoot(uint64_t size, Hash* root) const = 0;

  // Replicas: appends records copied from another ledger, `bytes` exactly as it stored them.
  // Each is checked before it is kept: its position is the head's + 1, its prev_hash the head's
  // hash, its encoding canonical and its hash right. A record at or below the head whose hash is
  // the one stored there is skipped (a delivery repeated); any other is kCorruption naming the
  // position, and the records before it are kept. The next token of `source_name` (the last
  // record's token + 1) is stored in the same write as the records. An empty `records` tells
  // the replica its source is idle: deferred index work may be written then.
  // REQUIRES: opened for writing as a replica.
  struct ReplicatedRecord {
    std::string_view bytes;
    uint64_t token = 0;
  };
  struct ReplicaStats {
    uint64_t appended = 0;
    uint64_t skipped = 0;  // repeated deliveries
  };
  virtual Status AppendReplicated(std::span<const ReplicatedRecord> records,
                                  std::string_view source_name, ReplicaStats* stats) = 0;

  // The stored bytes of the record at `position` (a Cap'n Proto message, schemas/record.capnp).
  virtual Status ReadRecord(uint64_t position, std::string* bytes) const = 0;

  // The position of the record holding `event_id`, or kNotFound.
  virtual Status FindEvent(std::string_view event_id, uint64_t* position) const = 0;

  // Positions of the records that name `subject` (as actor or in a subject field), ascending.
  virtual Status SubjectPositions(std::string_view subject, std::vector<uint64_t>* out) const = 0;

  // Calls fn(position, bytes) for each record in [from, to] in order until fn returns false.
  // `bytes` is valid only during the call. to = 0 means the head.
  virtual Status ScanRecords(
      uint64_t from, uint64_t to,
      const std::function<bool(uint64_t position, std::string_view bytes)>& fn) const = 0;

  // Rechecks the whole ledger: every record's encoding and hash chain from position 1, that
  // each accepted event is valid against the state before it, the head, and every index.
  // Returns non-ok only for an environment failure; findings go into *report.
  virtual Status Verify(VerifyReport* report, const VerifyProgress& progress) const = 0;

  // Readers: catch up with the writer. Writers: no-op.
  virtual Status Refresh() = 0;
};

// A stored record as the JSON object of `export`:
// {"position","recorded_at","hash","prev_hash","event"}; the event in RFC 8785 form.
// Returns kCorruption when the bytes are not a valid record.
Status RecordToJson(std::string_view record_bytes, std::string* json);

}  // namespace smeledger::ledger
