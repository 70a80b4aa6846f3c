// Internal: what every RocksDB user in the ledger shares — column family options, the mapping
// of RocksDB's Status onto ours (by code, never by message text), and the multiset digest
// verify compares indexes with.
#pragma once

#include <rocksdb/options.h>
#include <rocksdb/status.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "record_codec.h"
#include "smeledger/ledger/status.h"

namespace smeledger::ledger::rocks {

// RocksDB's status as ours: Busy/TryAgain (a conflict that passes) retryable, NoSpace,
// Corruption, NotFound; every other failure Io. `what` says what was being done.
Status ToStatus(const rocksdb::Status& s, const std::string& what);

// Options shared by the ledger's column families. `point_lookups`: a bloom filter.
rocksdb::ColumnFamilyOptions ColumnFamilyOptions(bool point_lookups);

// A multiset of (key, value) entries summed under two independent 64-bit hashes and counted:
// any entry added, dropped or altered changes the sums. O(1) memory.
struct MultisetDigest {
  uint64_t count = 0, h1 = 0, h2 = 0;
  void Add(std::string_view k, std::string_view v, Sha256* sha) {
    std::string buf(k);
    buf.push_back('\0');
    buf.append(v);
    const Hash d = sha->Digest(buf.data(), buf.size());
    uint64_t a, b;
    std::memcpy(&a, d.data(), 8);
    std::memcpy(&b, d.data() + 8, 8);
    h1 += a;
    h2 ^= b * 0x9E3779B97F4A7C15ull + (b >> 7);
    ++count;
  }
  bool operator==(const MultisetDigest& o) const {
    return count == o.count && h1 == o.h1 && h2 == o.h2;
  }
};

}  // namespace smeledger::ledger::rocks
