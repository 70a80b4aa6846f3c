// Internal: the first stage of the submission pipeline. A thread of its own reads the input,
// splits lines and runs the stateless checks (EVENTS.md 1–3) ahead of the validating thread,
// handing over chunks of parsed lines, each with its Cap'n Proto record already built.
//
// Thread safety: Next() and Release() are called by one consumer thread. The stage owns its
// thread; destroying the stage stops and joins it (also mid-input).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <time.h>
#include <vector>

#include <capnp/message.h>

#include "smeledger/ledger/outcome.h"
#include "smeledger/ledger/status.h"
#include "smeledger/schemas/record.capnp.h"

namespace smeledger::ledger {

// CPU time of the calling thread, in seconds (each pipeline stage reports its own).
inline double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
}

struct ParsedLine {
  uint64_t line_no = 0;
  // The line, for the rare duplicate comparison: ParsedChunk::Text. Lines are copied one after
  // the other into the chunk's buffer (a copy into a per-line string cost a cache miss each).
  size_t text_offset = 0, text_size = 0;
  std::optional<Rejection> early;   // check 1 or the form of event_id (check 2)
  bool has_event_id = false;        // the line has a string event_id (see LineOutcome)
  std::string event_id;
  uint64_t event_id_fingerprint = 0;  // EventIdIndex::Fingerprint(event_id), when early is empty
  std::optional<Rejection> late;    // check 3
  // The record with its event written, when checks 1–3 passed. Its first segment lives in the
  // chunk's arena.
  std::optional<capnp::MallocMessageBuilder> message;
  // Its canonical stored form with placeholder position, time and hashes (PrepareRecord).
  std::string prepared;
  // The subjects it names (EventSubjects), as views into `message`: for the subjects index and
  // so that the validating thread can prefetch their state a few lines ahead.
  std::vector<std::string_view> subjects;
};

struct ParsedChunk {
  std::vector<ParsedLine> lines;
  size_t n = 0;                       // lines used
  std::vector<capnp::word> arena;     // first segments of the messages, zeroed when unused
  uint64_t bytes_read = 0;            // input bytes read when the chunk was complete
  std::string text;                   // the lines' bytes, one after the other
  std::string_view Text(const ParsedLine& l) const { return {text.data() + l.text_offset, l.text_size}; }
};

class ParseStage {
 public:
  // Starts reading `fd` (not owned). Chunks hold up to `lines_per_chunk` lines.
  ParseStage(int fd, size_t lines_per_chunk = 2048, size_t chunks = 4);
  ~ParseStage();
  ParseStage(const ParseStage&) = delete;
  ParseStage& operator=(const ParseStage&) = delete;

  // The next chunk in input order, or nullptr at the end of input (then see status()).
  ParsedChunk* Next();
  // Gives a chunk obtained from Next() back for reuse.
  void Release(ParsedChunk* chunk);
  // The read error that ended the input, if any. Valid once Next() returned nullptr.
  const Status& status() const { return status_; }
  // The parsing thread's CPU time so far (complete once Next() returned nullptr).
  double cpu_seconds() const;

 private:
  void Run(int fd);
  static constexpr size_t kWordsPerLine = 96;

  std::vector<std::unique_ptr<ParsedChunk>> storage_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<ParsedChunk*> free_, full_;
  bool done_ = false;   // producer finished (end of input or error)
  bool stop_ = false;   // consumer is gone
  Status status_;
  std::atomic<double> cpu_seconds_{0};
  std::thread thread_;
};

}  // namespace smeledger::ledger
