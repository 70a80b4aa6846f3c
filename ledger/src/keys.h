// Internal: the on-disk layout of a ledger directory (documented in ledger/README.md).
//
// Column families
//   default    meta:  "format" -> "smeledger-ledger/1"
//                     "head"   -> position u64be ‖ hash[32] ‖ recorded_at_us i64be
//   records    u64be(position) -> stored record bytes (schemas/record.capnp, canonical)
//   event_ids  event_id bytes  -> u64be(position)
//                     "subjects_through" -> u64be: the subjects index covers positions ≤ this
//   subjects   subject bytes ‖ 0x00 ‖ u64be(first position) -> LEB128 gaps to the next positions
//              (who records name: one entry per subject per flush of the index)
// Everything one batch accepts (records, event_id entries, head, and a subjects-index flush when
// it carries one) is one RocksDB WriteBatch.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace smeledger::ledger::keys {

inline constexpr const char* kFormatKey = "format";
inline constexpr const char* kFormatValue = "smeledger-ledger/1";
inline constexpr const char* kHeadKey = "head";
// The subjects index covers positions up to this one (u64be); see ledger/README.md.
inline constexpr const char* kSubjectsThroughKey = "subjects_through";

inline constexpr const char* kRecordsCf = "records";
inline constexpr const char* kEventIdsCf = "event_ids";
inline constexpr const char* kSubjectsCf = "subjects";

inline void EncodeU64(uint64_t v, char out[8]) {
  for (int i = 7; i >= 0; --i, v >>= 8) out[i] = static_cast<char>(v & 0xff);
}

inline void PutU64(std::string* out, uint64_t v) {
  char b[8];
  EncodeU64(v, b);
  out->append(b, 8);
}

inline uint64_t GetU64(std::string_view s) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(s[i]);
  return v;
}

inline std::string PositionKey(uint64_t position) {
  std::string k;
  PutU64(&k, position);
  return k;
}

inline std::string SubjectKey(std::string_view subject, uint64_t position) {
  std::string k(subject);
  k.push_back('\0');
  PutU64(&k, position);
  return k;
}

// Appends `v` as an unsigned LEB128 varint.
inline void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// Decodes a subjects-index value: calls fn(position) for `first` and each following position.
// Returns false when the value is malformed (truncated varint, zero or overflowing gap).
template <typename Fn>
bool ForEachSubjectPosition(uint64_t first, std::string_view value, Fn&& fn) {
  uint64_t pos = first;
  fn(pos);
  size_t i = 0;
  while (i < value.size()) {
    uint64_t gap = 0;
    int shift = 0;
    for (;;) {
      if (i >= value.size() || shift > 63) return false;
      const uint8_t b = static_cast<uint8_t>(value[i++]);
      gap |= uint64_t{b & 0x7fu} << shift;
      shift += 7;
      if (!(b & 0x80)) break;
    }
    if (gap == 0 || pos + gap < pos) return false;
    pos += gap;
    fn(pos);
  }
  return true;
}

}  // namespace smeledger::ledger::keys
