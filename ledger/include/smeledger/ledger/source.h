// Where submissions come from. The ledger's pipeline pulls event lines from a
// SubmissionSource: a file descriptor (submit FILE|-), a Kafka partition (serve), or a test's
// fake. Each line may carry an opaque source token (a Kafka offset); the ledger stores the
// newest token it consumed in the same write batch as what that batch accepted, so a service
// resumes from the ledger's own position after a crash (SourcePosition()).
//
// Thread safety: a source is read by one thread at a time (the pipeline's parse thread), but
// RequestStop() may be called from any thread (a signal-watching thread, a test).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "smeledger/ledger/status.h"

namespace smeledger::ledger {

// One line as read. `text` is valid until the next call to Next().
struct SourceLine {
  uint64_t line_no = 0;     // 1-based physical line number (or what the source calls so)
  std::string_view text;    // without its line ending
  bool has_token = false;   // the source's position of this line is `token`
  uint64_t token = 0;       // e.g. the Kafka offset of the message carrying the line
};

class SubmissionSource {
 public:
  enum class Read {
    kLine,  // *line is the next line
    kIdle,  // nothing arrived within `wait`: the pipeline may close its open batch
    kEnd,   // no more lines: end of input, a stop request, or an error (see status())
  };

  virtual ~SubmissionSource() = default;

  // The next non-blank line, waiting at most `wait` for one to arrive.
  virtual Read Next(SourceLine* line, std::chrono::milliseconds wait) = 0;

  // Why the source ended: ok at end of input or after RequestStop(), else the failure.
  virtual Status status() const = 0;

  // Input bytes consumed so far, and the input's whole size when known (a regular file), for
  // progress displays and for sizing tables ahead. Default: 0, unknown.
  virtual uint64_t bytes_read() const { return 0; }
  virtual uint64_t total_bytes() const { return 0; }

  // The name under which the ledger stores this source's tokens ("submissions/0", say); empty
  // for sources without tokens (files). At most 200 bytes.
  virtual std::string_view name() const { return {}; }

  // Asks the source to end at the next line boundary: Next() returns kEnd from then on, and
  // the pipeline finishes the batch in hand. Safe from any thread and from a signal handler.
  void RequestStop() { stop_requested_.store(true, std::memory_order_relaxed); }
  bool stop_requested() const { return stop_requested_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> stop_requested_{false};
};

// Event lines of a byte stream per EVENTS.md ("Lines"): a leading UTF-8 BOM is dropped, LF or
// CRLF endings, blank lines skipped but counted. Reads `fd` (not owned, not closed); for a pipe
// or terminal Next() honours `wait` (kIdle), so a slow stream's batches still close on time.
std::unique_ptr<SubmissionSource> NewFdSource(int fd);

}  // namespace smeledger::ledger
