#include "line_reader.h"

#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "smeledger/ledger/source.h"

namespace smeledger::ledger {

namespace {
constexpr size_t kChunk = 1 << 20;
}

bool IsBlank(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  return true;
}

LineReader::LineReader(int fd) : fd_(fd), buf_(2 * kChunk) {
  struct stat st;
  pollable_ = fstat(fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) ||
                                      S_ISCHR(st.st_mode));
}

LineReader::Fill LineReader::FillBuffer(int timeout_ms) {
  if (eof_) return Fill::kEnd;
  if (begin_ > 0) {  // compact
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (buf_.size() - end_ < kChunk) buf_.resize(buf_.size() * 2);
  if (pollable_ && timeout_ms >= 0) {
    pollfd p{fd_, POLLIN, 0};
    int r;
    do {
      r = ::poll(&p, 1, timeout_ms);
    } while (r < 0 && errno == EINTR);
    if (r == 0) return Fill::kIdle;  // r < 0: let read() report the error
  }
  for (;;) {
    ssize_t n = ::read(fd_, buf_.data() + end_, buf_.size() - end_);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      status_ = Status::Io(std::string("cannot read input: ") + std::strerror(errno));
      eof_ = true;
      return Fill::kEnd;
    }
    if (n == 0) {
      eof_ = true;
      return Fill::kEnd;
    }
    end_ += static_cast<size_t>(n);
    bytes_read_ += static_cast<uint64_t>(n);
    return Fill::kData;
  }
}

bool LineReader::Next(uint64_t* line_no, std::string_view* line) {
  return NextWithin(line_no, line, std::chrono::milliseconds(-1)) == Got::kLine;
}

LineReader::Got LineReader::NextWithin(uint64_t* line_no, std::string_view* line,
                                       std::chrono::milliseconds wait) {
  const int timeout_ms = static_cast<int>(wait.count());
  for (;;) {
    if (first_) {
      while (end_ - begin_ < 3) {
        const Fill f = FillBuffer(timeout_ms);
        if (f == Fill::kIdle) return Got::kIdle;
        if (f == Fill::kEnd) break;
      }
      if (!status_.ok()) return Got::kEnd;
      if (end_ - begin_ >= 3 && std::memcmp(buf_.data() + begin_, "\xEF\xBB\xBF", 3) == 0)
        begin_ += 3;
      first_ = false;
    }
    const char* nl = nullptr;
    for (;;) {
      nl = static_cast<const char*>(
          std::memchr(buf_.data() + begin_ + scanned_, '\n', end_ - begin_ - scanned_));
      if (nl) break;
      scanned_ = end_ - begin_;  // relative to begin_, which FillBuffer moves to 0
      const Fill f = FillBuffer(timeout_ms);
      if (f == Fill::kIdle) return Got::kIdle;  // the partial line stays buffered
      if (f == Fill::kEnd) break;
    }
    scanned_ = 0;
    if (!status_.ok()) return Got::kEnd;
    std::string_view l;
    if (nl) {
      l = std::string_view(buf_.data() + begin_, nl - (buf_.data() + begin_));
      begin_ = static_cast<size_t>(nl - buf_.data()) + 1;
    } else {
      if (begin_ == end_) return Got::kEnd;  // end of input
      l = std::string_view(buf_.data() + begin_, end_ - begin_);
      begin_ = end_;
    }
    ++line_no_;
    if (!l.empty() && l.back() == '\r' && nl) l.remove_suffix(1);
    if (IsBlank(l)) continue;
    *line_no = line_no_;
    *line = l;
    return Got::kLine;
  }
}

namespace {

class FdSource final : public SubmissionSource {
 public:
  explicit FdSource(int fd) : reader_(fd) {
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
      const off_t at = ::lseek(fd, 0, SEEK_CUR);
      total_ = static_cast<uint64_t>(st.st_size - (at > 0 ? at : 0));
    }
  }
  Read Next(SourceLine* line, std::chrono::milliseconds wait) override {
    if (stop_requested()) return Read::kEnd;
    switch (reader_.NextWithin(&line->line_no, &line->text, wait)) {
      case LineReader::Got::kLine: return Read::kLine;
      case LineReader::Got::kIdle: return Read::kIdle;
      case LineReader::Got::kEnd: break;
    }
    return Read::kEnd;
  }
  Status status() const override { return reader_.status(); }
  uint64_t bytes_read() const override { return reader_.bytes_read(); }
  uint64_t total_bytes() const override { return total_; }

 private:
  LineReader reader_;
  uint64_t total_ = 0;
};

}  // namespace

std::unique_ptr<SubmissionSource> NewFdSource(int fd) { return std::make_unique<FdSource>(fd); }

}  // namespace smeledger::ledger
