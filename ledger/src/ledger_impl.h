// Internal: the RocksDB-backed Ledger.
#pragma once

#include <rocksdb/db.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "line_parser.h"
#include "record_codec.h"
#include "rules.h"
#include "smeledger/ledger/ledger.h"

namespace smeledger::ledger {

class LedgerImpl final : public Ledger {
 public:
  ~LedgerImpl() override;

  static Status OpenImpl(const LedgerOptions& options, const std::string& path,
                         std::unique_ptr<Ledger>* out);

  Head head() const override { return head_; }
  Status Submit(int fd, OutcomeSink* sink, SubmitStats* stats,
                const SubmitProgress& progress) override;
  Status ReadRecord(uint64_t position, std::string* bytes) const override;
  Status FindEvent(std::string_view event_id, uint64_t* position) const override;
  Status SubjectPositions(std::string_view subject, std::vector<uint64_t>* out) const override;
  Status ScanRecords(uint64_t from, uint64_t to,
                     const std::function<bool(uint64_t, std::string_view)>& fn) const override;
  Status Verify(VerifyReport* report, const VerifyProgress& progress) const override;
  Status Refresh() override;

 private:
  LedgerImpl() = default;
  Status LoadHead();
  Status ReplayState();  // writer: rebuild LedgerState from the records

  // Record bytes for a position: pending (not yet durable) or stored.
  bool LoadAny(uint64_t position, std::string* bytes) const;
  bool LoadEventId(uint64_t position, std::string* event_id) const;

  LedgerOptions options_;
  std::string path_;
  std::string secondary_dir_;  // readers only; removed on close
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs_;  // default, records, event_ids, subjects
  rocksdb::ColumnFamilyHandle* meta_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* records_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* event_ids_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* subjects_cf_ = nullptr;
  SystemClock system_clock_;
  Clock* clock_ = nullptr;

  Head head_;                 // newest accepted record (possibly pending)
  Head durable_head_;         // newest durable record
  LedgerState state_;
  // Bytes of accepted records not yet durable: pending_[i] is position durable_head_+1+i.
  // Strings are reused across batches (no allocation per event once warm).
  std::vector<std::string> pending_;
  size_t pending_n_ = 0;
  bool failed_ = false;       // a write failed: the in-memory state is ahead of the disk
};

}  // namespace smeledger::ledger
