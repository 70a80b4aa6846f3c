// Internal: splits a byte stream into the event lines of EVENTS.md ("Lines"): a UTF-8 BOM at
// the very start is dropped, lines end at LF (a CR just before the LF is dropped too; a lone
// CR ends nothing), lines of JSON whitespace only are skipped but counted.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>
#include <vector>

#include "smeledger/ledger/status.h"

namespace smeledger::ledger {

class LineReader {
 public:
  enum class Got { kLine, kIdle, kEnd };

  // Reads from `fd` (not owned, not closed).
  explicit LineReader(int fd);

  // The next non-blank line and its 1-based physical line number. The view is valid until the
  // next call. Returns false at the end of input or on a read error (see status()).
  bool Next(uint64_t* line_no, std::string_view* line);

  // Next() that waits at most `wait` for input: kIdle when a pipe or terminal had nothing
  // complete to give in time (a partial line stays buffered), kEnd at the end of input or on
  // a read error.
  Got NextWithin(uint64_t* line_no, std::string_view* line, std::chrono::milliseconds wait);

  const Status& status() const { return status_; }
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  enum class Fill { kData, kIdle, kEnd };
  Fill FillBuffer(int timeout_ms);  // reads more; timeout_ms < 0 waits for ever
  int fd_;
  bool pollable_ = false;  // a pipe, socket or terminal (poll() means something)
  std::vector<char> buf_;
  size_t begin_ = 0, end_ = 0;
  size_t scanned_ = 0;  // bytes after begin_ known to hold no LF
  bool eof_ = false, first_ = true;
  uint64_t line_no_ = 0;
  uint64_t bytes_read_ = 0;
  Status status_;
};

// True when `s` holds only JSON whitespace (space, tab, CR, LF).
bool IsBlank(std::string_view s);

}  // namespace smeledger::ledger
