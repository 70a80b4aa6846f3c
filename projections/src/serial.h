// Internal: a small binary encoding for the saved fold (projection_store.cc). Little-endian
// varints and length-prefixed bytes; the reader checks every length (stored bytes are never
// trusted to be well formed).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace smeledger::projections::internal {

class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {}
  void U64(uint64_t v) {
    while (v >= 0x80) {
      out_->push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out_->push_back(static_cast<char>(v));
  }
  void I64(int64_t v) { U64((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void F64(double d) {
    char b[8];
    std::memcpy(b, &d, 8);
    out_->append(b, 8);
  }
  void Bytes(std::string_view s) {
    U64(s.size());
    out_->append(s.data(), s.size());
  }
  void Raw(const void* p, size_t n) { out_->append(static_cast<const char*>(p), n); }

 private:
  std::string* out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool done() const { return pos_ == in_.size(); }
  uint64_t U64() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) return Fail();
      const uint8_t b = static_cast<uint8_t>(in_[pos_++]);
      v |= uint64_t{b & 0x7fu} << shift;
      if (!(b & 0x80)) return v;
    }
    return Fail();
  }
  int64_t I64() {
    const uint64_t u = U64();
    return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  }
  uint32_t U32() {
    const uint64_t v = U64();
    if (v > 0xffffffffu) return static_cast<uint32_t>(Fail());
    return static_cast<uint32_t>(v);
  }
  int32_t I32() {
    const int64_t v = I64();
    if (v < INT32_MIN || v > INT32_MAX) return static_cast<int32_t>(Fail());
    return static_cast<int32_t>(v);
  }
  double F64() {
    double d = 0;
    if (in_.size() - pos_ < 8) return static_cast<double>(Fail());
    std::memcpy(&d, in_.data() + pos_, 8);
    pos_ += 8;
    return d;
  }
  std::string_view Bytes() {
    const uint64_t n = U64();
    if (!ok_ || n > in_.size() - pos_) {
      Fail();
      return {};
    }
    std::string_view s = in_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  bool Raw(void* p, size_t n) {
    if (in_.size() - pos_ < n) return Fail() == 0 && false;
    std::memcpy(p, in_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  // A count of items each at least `min_bytes` long: refuses counts the input cannot hold.
  uint64_t Count(size_t min_bytes = 1) {
    const uint64_t n = U64();
    if (n > (in_.size() - pos_) / (min_bytes ? min_bytes : 1) + 1) return Fail();
    return n;
  }
  uint64_t Fail() {
    ok_ = false;
    pos_ = in_.size();
    return 0;
  }

 private:
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace smeledger::projections::internal
