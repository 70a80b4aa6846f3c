#include "rocks_util.h"

#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>

namespace smeledger::ledger::rocks {

Status ToStatus(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::Ok();
  const std::string m = what + ": " + s.ToString();
  if (s.IsCorruption()) return Status::Corruption(m);
  if (s.IsNotFound()) return Status::NotFound(m);
  if (s.IsNoSpace()) return Status::NoSpace(m);
  if (s.IsBusy() || s.IsTryAgain()) return Status::Retryable(m);
  return Status::Io(m);
}

rocksdb::ColumnFamilyOptions ColumnFamilyOptions(bool point_lookups) {
  rocksdb::ColumnFamilyOptions o;
  o.write_buffer_size = 64 << 20;
  // Recent data (L0, L1: what a flush writes and what scans of a young ledger read) stays
  // uncompressed, which spares the flush thread and every scan a codec; older levels use LZ4,
  // which decompresses several times faster than ZSTD for a modest size cost.
  o.compression = rocksdb::kLZ4Compression;
  o.compression_per_level = {rocksdb::kNoCompression, rocksdb::kNoCompression,
                             rocksdb::kLZ4Compression, rocksdb::kLZ4Compression,
                             rocksdb::kLZ4Compression, rocksdb::kLZ4Compression,
                             rocksdb::kLZ4Compression};
  rocksdb::BlockBasedTableOptions t;
  t.block_size = 16 << 10;
  // XXH3 block checksums: Debian's librocksdb is built without SSE 4.2, so its CRC32C is the
  // table-driven one, several times slower than XXH3 for every block flushed, compacted and read.
  // The checksum type is stored per file: ledgers written with CRC32C still read.
  t.checksum = rocksdb::kXXH3;
  if (point_lookups) t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  return o;
}

}  // namespace smeledger::ledger::rocks
