// Internal: the on-disk layout of a ledger directory (documented in ledger/README.md).
//
// Column families
//   default    meta:  "format" -> "smeledger-ledger/1"
//                     "role"   -> "replica" for a read replica (absent: a ledger)
//                     "head"   -> 0x02 ‖ position u64be ‖ hash[32] ‖ recorded_at_us i64be
//                                 (version 2; version 1 was the same 48 bytes without the 0x02)
//                     "subjects_through" -> u64be: the subjects index covers positions ≤ this
//   records    u64be(position) -> stored record bytes (schemas/record.capnp, canonical)
//   event_ids  event_id bytes  -> u64be(position)
//   subjects   subject bytes ‖ 0x00 ‖ u64be(first position) -> LEB128 gaps to the next positions
//              (who records name: one entry per subject per flush of the index)
//   offsets    source name -> u64be(the next token to read): source_offsets.h
//   outbox     u64be(a batch's first token) -> the batch's outcomes: outbox.h
// Everything one batch accepts (records, event_id entries, head, and what each batch
// participant adds: a subjects-index flush, the source's offset, the outbox entry) is one
// RocksDB WriteBatch.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "smeledger/ledger/ledger.h"

namespace smeledger::ledger::keys {

inline constexpr const char* kFormatKey = "format";
inline constexpr const char* kFormatValue = "smeledger-ledger/1";
inline constexpr const char* kHeadKey = "head";
inline constexpr const char* kRoleKey = "role";
inline constexpr const char* kRoleReplica = "replica";
// The subjects index covers positions up to this one (u64be); see ledger/README.md.
inline constexpr const char* kSubjectsThroughKey = "subjects_through";

inline constexpr const char* kRecordsCf = "records";
inline constexpr const char* kEventIdsCf = "event_ids";
inline constexpr const char* kSubjectsCf = "subjects";
inline constexpr const char* kOffsetsCf = "offsets";
inline constexpr const char* kOutboxCf = "outbox";
inline constexpr const char* kMerkleCf = "merkle";
// `default`: u64be, the number of leaves the stored Merkle tree covers (= the head once built).
inline constexpr const char* kMerkleSizeKey = "merkle_size";

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

// A stored Merkle node: level (1 byte) ‖ index u64be (ledger/README.md, "Merkle tree").
inline std::string MerkleNodeKey(int level, uint64_t index) {
  std::string k(1, static_cast<char>(level));
  PutU64(&k, index);
  return k;
}

inline std::string SubjectKey(std::string_view subject, uint64_t position) {
  std::string k(subject);
  k.push_back('\0');
  PutU64(&k, position);
  return k;
}

// The head's stored form: version 2 (see the layout above).
inline constexpr uint8_t kHeadVersion = 2;
inline std::string EncodeHead(const Head& h) {
  std::string v(1, static_cast<char>(kHeadVersion));
  PutU64(&v, h.position);
  v.append(reinterpret_cast<const char*>(h.hash.data()), h.hash.size());
  PutU64(&v, static_cast<uint64_t>(h.recorded_at_us));
  return v;
}
// Reads a head of version 1 (48 bytes) or 2. False when `v` is neither.
inline bool DecodeHead(std::string_view v, Head* h) {
  if (v.size() == 49 && static_cast<uint8_t>(v[0]) == kHeadVersion) {
    v.remove_prefix(1);
  } else if (v.size() != 48) {
    return false;
  }
  h->position = GetU64(v);
  for (size_t i = 0; i < 32; ++i) h->hash[i] = static_cast<uint8_t>(v[8 + i]);
  h->recorded_at_us = static_cast<int64_t>(GetU64(v.substr(40)));
  return true;
}

// Appends `v` as an unsigned LEB128 varint.
inline void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// Reads an unsigned LEB128 varint at *at, advancing it. False when truncated or too long.
inline bool GetVarint(std::string_view s, size_t* at, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift <= 63; shift += 7) {
    if (*at >= s.size()) return false;
    const uint8_t b = static_cast<uint8_t>(s[(*at)++]);
    *v |= uint64_t{b & 0x7fu} << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
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
