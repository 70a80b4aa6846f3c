#include "line_reader.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace smeledger::ledger {

namespace {
constexpr size_t kChunk = 1 << 20;
}

bool IsBlank(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  return true;
}

LineReader::LineReader(int fd) : fd_(fd), buf_(2 * kChunk) {}

bool LineReader::Fill() {
  if (eof_) return false;
  if (begin_ > 0) {  // compact
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (buf_.size() - end_ < kChunk) buf_.resize(buf_.size() * 2);
  for (;;) {
    ssize_t n = ::read(fd_, buf_.data() + end_, buf_.size() - end_);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      status_ = Status::Io(std::string("cannot read input: ") + std::strerror(errno));
      eof_ = true;
      return false;
    }
    if (n == 0) {
      eof_ = true;
      return false;
    }
    end_ += static_cast<size_t>(n);
    bytes_read_ += static_cast<uint64_t>(n);
    return true;
  }
}

bool LineReader::Next(uint64_t* line_no, std::string_view* line) {
  for (;;) {
    if (first_) {
      while (end_ - begin_ < 3 && Fill()) {
      }
      if (!status_.ok()) return false;
      if (end_ - begin_ >= 3 && std::memcmp(buf_.data() + begin_, "\xEF\xBB\xBF", 3) == 0)
        begin_ += 3;
      first_ = false;
    }
    size_t scan_from = begin_;
    const char* nl = nullptr;
    for (;;) {
      nl = static_cast<const char*>(
          std::memchr(buf_.data() + scan_from, '\n', end_ - scan_from));
      if (nl) break;
      scan_from = end_ - begin_;  // relative, as Fill compacts
      if (!Fill()) break;
      scan_from += begin_;
    }
    if (!status_.ok()) return false;
    std::string_view l;
    if (nl) {
      l = std::string_view(buf_.data() + begin_, nl - (buf_.data() + begin_));
      begin_ = static_cast<size_t>(nl - buf_.data()) + 1;
    } else {
      if (begin_ == end_) return false;  // end of input
      l = std::string_view(buf_.data() + begin_, end_ - begin_);
      begin_ = end_;
    }
    ++line_no_;
    if (!l.empty() && l.back() == '\r' && nl) l.remove_suffix(1);
    if (IsBlank(l)) continue;
    *line_no = line_no_;
    *line = l;
    return true;
  }
}

}  // namespace smeledger::ledger
