// Internal: the on-disk layout of a ledger directory (documented in ledger/README.md).
//
// Column families
//   default    meta:  "format" -> "smeledger-ledger/1"
//                     "head"   -> position u64be ‖ hash[32] ‖ recorded_at_us i64be
//   records    u64be(position) -> stored record bytes (schemas/record.capnp, canonical)
//   event_ids  event_id bytes  -> u64be(position)
//   subjects   subject bytes ‖ 0x00 ‖ u64be(position) -> "" (who a record names)
// Everything one batch accepts (records, index entries, head) is one RocksDB WriteBatch.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace smeledger::ledger::keys {

inline constexpr const char* kFormatKey = "format";
inline constexpr const char* kFormatValue = "smeledger-ledger/1";
inline constexpr const char* kHeadKey = "head";

inline constexpr const char* kRecordsCf = "records";
inline constexpr const char* kEventIdsCf = "event_ids";
inline constexpr const char* kSubjectsCf = "subjects";

inline void PutU64(std::string* out, uint64_t v) {
  char b[8];
  for (int i = 7; i >= 0; --i, v >>= 8) b[i] = static_cast<char>(v & 0xff);
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

}  // namespace smeledger::ledger::keys
