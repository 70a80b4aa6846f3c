// Sending event lines to the submissions topic, and collecting the ledger's answers from the
// outcomes topic (`smeledger produce`; ledger/kafka/README.md is the wire contract).
//
//   std::unique_ptr<SubmissionsProducer> p;
//   Status s = SubmissionsProducer::Open(options, logger, &p);
//   s = p->Send(source.get(), progress, &stats);          // every line delivered, or why not
//   s = p->AwaitOutcomes(&handler, {}, progress, &wait);  // with options.wait_outcomes
//
// Thread safety: one thread uses a SubmissionsProducer.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "smeledger/ledger/outcome.h"
#include "smeledger/ledger/source.h"
#include "smeledger/ledger/status.h"
#include "smeledger/ledger_kafka/options.h"

namespace spdlog {
class logger;
}

namespace smeledger::producers_kafka {

struct ProduceOptions {
  // Cluster, topic prefix and the user's -X properties (which override DefaultProperties()).
  ledger_kafka::KafkaOptions kafka;

  // Also open a consumer of the outcomes topic, positioned at its end before anything is
  // sent, so that AwaitOutcomes() can collect the answer to every line. Default: false.
  bool wait_outcomes = false;
};

// The librdkafka properties the producer uses unless -X overrides them: idempotence, acks=all,
// lz4 compression, batching, and a delivery timeout long enough to ride out a broker restart.
// Default values are listed in ledger/kafka/README.md ("produce").
ledger_kafka::KafkaProperties DefaultProperties();

struct ProduceStats {
  uint64_t lines = 0;        // event lines read and sent (blank lines are not sent)
  uint64_t bytes = 0;        // input bytes read
  uint64_t delivered = 0;    // lines the cluster acknowledged
  uint64_t failed = 0;       // lines that could not be delivered
  Status first_failure;      // why the first of them failed
  int64_t first_offset = -1;  // the submissions offsets of the first and last delivered line
  int64_t last_offset = -1;
  int outstanding = 0;       // lines sent, neither delivered nor failed yet (progress)
  uint64_t last_line = 0;    // the line number of the last line sent
  bool stopped = false;      // RequestStop() ended the input early: lines after last_line
                             // were not sent
};
using ProduceProgress = std::function<void(const ProduceStats&)>;

// One line's outcome as the ledger published it. Views are valid during OnOutcome only.
struct ReceivedOutcome {
  uint64_t line = 0;            // the line number produce sent it with (checked against the
                                // outcome's own "line")
  int64_t offset = -1;          // its submissions offset
  ledger::OutcomeKind kind = ledger::OutcomeKind::kRejected;
  uint64_t position = 0;        // accepted / duplicate
  std::string_view json;        // the `submit --outcomes` object (no line ending)
  std::string_view reason;      // rejected: the reason code, the field, the message (unescaped)
  std::string_view field;
  std::string_view message;
};

class OutcomeHandler {
 public:
  virtual ~OutcomeHandler() = default;
  // Called once per sent line, in line order.
  virtual void OnOutcome(const ReceivedOutcome& outcome) = 0;
};

struct WaitStats {
  uint64_t expected = 0;     // lines whose outcome is awaited (the delivered ones)
  uint64_t answered = 0;     // outcomes handed to the handler so far
  uint64_t accepted = 0;
  uint64_t duplicates = 0;
  uint64_t rejected = 0;
  uint64_t head_position = 0;  // the largest record position among the outcomes
  uint64_t ignored = 0;      // outcome messages for other producers' lines
  bool stopped = false;      // RequestStop() ended the wait before every outcome came
};
using WaitProgress = std::function<void(const WaitStats&)>;

class SubmissionsProducer {
 public:
  // Logs the configuration (secrets masked), checks that the cluster answers and that the
  // topics exist with the contract's settings (creating them when missing), and opens the
  // producer (and, with options.wait_outcomes, the outcomes consumer).
  // Errors: kInvalidInput for a bad -X property; kRetryable when the cluster cannot be reached
  // within options.kafka.connect_timeout; kIo for a topic with wrong settings.
  static Status Open(const ProduceOptions& options, std::shared_ptr<spdlog::logger> logger,
                     std::unique_ptr<SubmissionsProducer>* out);

  ~SubmissionsProducer();

  // Sends every line of `source`, in order, to the submissions topic (partition 0, no key,
  // header `line` = the line number in decimal ASCII), then waits until each has a delivery
  // report: a cluster that goes away meanwhile is waited for, up to the producer's
  // message.timeout.ms. `progress` (may be empty) is called now and then.
  // Returns non-ok when the input could not be read or the producer failed as a whole; lines
  // that were not delivered are counted in stats->failed (the caller decides what that means).
  Status Send(ledger::SubmissionSource* source, const ProduceProgress& progress,
              ProduceStats* stats);

  // Collects the outcome of every line Send delivered, from the outcomes topic
  // (read_committed), and hands them to `handler` in line order. Waits as long as it takes
  // (the ledger may be restarting), or, when `idle_timeout` is positive, until no awaited
  // outcome has arrived for that long (kRetryable). kCorruption when an outcome does not
  // parse or names another line than the one sent at its offset.
  // REQUIRES: Send() returned ok; opened with wait_outcomes.
  Status AwaitOutcomes(OutcomeHandler* handler, std::chrono::milliseconds idle_timeout,
                       const WaitProgress& progress, WaitStats* stats);

  // Asks Send() to stop reading its source (the lines it sent are still delivered and
  // reported) and AwaitOutcomes() to return; each then sets its stats' `stopped`. Async-signal-
  // safe (an atomic store), for a SIGINT/SIGTERM handler.
  void RequestStop();

  const std::string& topic() const;
  const std::string& outcomes_topic() const;

 private:
  struct Rep;
  explicit SubmissionsProducer(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace smeledger::producers_kafka
