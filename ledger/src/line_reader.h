// Internal: splits a byte stream into the event lines of EVENTS.md ("Lines"): a UTF-8 BOM at
// the very start is dropped, lines end at LF (a CR just before the LF is dropped too; a lone
// CR ends nothing), lines of JSON whitespace only are skipped but counted.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "smeledger/ledger/status.h"

namespace smeledger::ledger {

class LineReader {
 public:
  // Reads from `fd` (not owned, not closed).
  explicit LineReader(int fd);

  // The next non-blank line and its 1-based physical line number. The view is valid until the
  // next call. Returns false at the end of input or on a read error (see status()).
  bool Next(uint64_t* line_no, std::string_view* line);

  const Status& status() const { return status_; }
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  bool Fill();  // reads more; false at EOF or error
  int fd_;
  std::vector<char> buf_;
  size_t begin_ = 0, end_ = 0;
  bool eof_ = false, first_ = true;
  uint64_t line_no_ = 0;
  uint64_t bytes_read_ = 0;
  Status status_;
};

// True when `s` holds only JSON whitespace (space, tab, CR, LF).
bool IsBlank(std::string_view s);

}  // namespace smeledger::ledger
