// Internal: the first stage of the submission pipeline. A thread of its own reads the source's
// lines and runs the stateless checks (EVENTS.md 1–3) ahead of the validating thread, handing
// over chunks of parsed lines, each with its Cap'n Proto record already built. A chunk is
// handed over when full, at the end of input, or `chunk_delay` after its first line when the
// source is slow, so a trickle of lines still reaches the ledger promptly.
//
// Thread safety: Next() and Release() are called by one consumer thread. The stage owns its
// thread; destroying the stage stops and joins it (also mid-input).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
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
#include "smeledger/ledger/source.h"
#include "smeledger/ledger/status.h"
#include "smeledger/schemas/record.capnp.h"
#include "subjects.h"

namespace smeledger::ledger {

// CPU time of the calling thread, in seconds (each pipeline stage reports its own).
inline double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
}

// One input line after the stateless checks. The fields the validating thread reads for every
// line come first, within the first kHotLines cache lines, so that it can prefetch them a few
// lines ahead (they were written by the parsing thread, on the other core).
struct alignas(64) ParsedLine {
  enum class State : uint8_t {
    kEarly,   // rejected by check 1 or by the form of event_id (check 2): `rejection`
    kLate,    // passed checks 1–2, rejected by check 3: `rejection` (after the duplicate check)
    kParsed,  // passed checks 1–3: `event` and `prepared` are set
  };
  uint64_t line_no = 0;
  uint64_t token = 0;                 // the source's token of the line, if has_token
  uint64_t event_id_fingerprint = 0;  // EventIdIndex::Fingerprint(event_id), unless kEarly
  // The line, for the rare duplicate comparison: ParsedChunk::Text. Lines are copied one after
  // the other into the chunk's buffer (a copy into a per-line string cost a cache miss each).
  size_t text_offset = 0, text_size = 0;
  State state = State::kEarly;
  bool has_event_id = false;  // the line has a string event_id (see LineOutcome)
  bool has_token = false;
  // kParsed: the record's event, a view into `message`.
  schema::Event::Reader event;
  std::string event_id;
  // kParsed: the record's canonical stored form with placeholder position, time and hashes
  // (PrepareRecord).
  std::string prepared;
  // kParsed: the subjects it names (EventSubjects), as views into `message`: for the subjects
  // index and so that the validating thread can prefetch their state a few lines ahead.
  SubjectViews subjects;
  // Cold.
  Rejection rejection{};  // kEarly, kLate
  // kParsed: the record with its event written. Its first segment lives in the chunk's arena.
  std::optional<capnp::MallocMessageBuilder> message;

  static constexpr size_t kHotLines = 4;
};

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winvalid-offsetof"
static_assert(offsetof(ParsedLine, rejection) <= ParsedLine::kHotLines * 64,
              "the hot fields of ParsedLine outgrew the lines the validating thread prefetches");
#pragma GCC diagnostic pop

struct ParsedChunk {
  static constexpr size_t kWordsPerLine = 96;  // each line's first message segment
  // Declared before `lines`: a line's message zeroes its slice of the arena when destroyed.
  std::vector<capnp::word> arena;
  std::vector<ParsedLine> lines;
  size_t n = 0;                       // lines used
  uint64_t bytes_read = 0;            // input bytes read when the chunk was complete
  std::string text;                   // the lines' bytes, one after the other
  std::string_view Text(const ParsedLine& l) const { return {text.data() + l.text_offset, l.text_size}; }
  // Line i's first message segment.
  kj::ArrayPtr<capnp::word> Segment(size_t i) {
    return {arena.data() + i * kWordsPerLine, kWordsPerLine};
  }
};

class ParseStage {
 public:
  // Starts reading `source` (not owned; outlives the stage). Chunks hold up to
  // `lines_per_chunk` lines.
  explicit ParseStage(SubmissionSource* source,
                      std::chrono::milliseconds chunk_delay = std::chrono::milliseconds(5),
                      size_t lines_per_chunk = 2048, size_t chunks = 4);
  ~ParseStage();
  ParseStage(const ParseStage&) = delete;
  ParseStage& operator=(const ParseStage&) = delete;

  // The next chunk in input order, or nullptr at the end of input (then see status()) or when
  // none came by `deadline` (then *timed_out).
  ParsedChunk* Next(std::chrono::steady_clock::time_point deadline, bool* timed_out);
  // Gives a chunk obtained from Next() back for reuse.
  void Release(ParsedChunk* chunk);
  // The read error that ended the input, if any. Valid once Next() returned nullptr.
  const Status& status() const { return status_; }
  // The parsing thread's CPU time so far (complete once Next() returned nullptr).
  double cpu_seconds() const;

 private:
  void Run();
  bool ReadLine(SourceLine* line, std::chrono::milliseconds wait, bool* idle);

  SubmissionSource* source_;
  const std::chrono::milliseconds chunk_delay_;
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
