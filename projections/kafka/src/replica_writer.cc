#include "smeledger/projections_kafka/replica_writer.h"

#include <capnp/serialize.h>

#include <cstring>
#include <vector>

#include "record_position.h"

namespace smeledger::projections_kafka {
namespace {

class ReplicaWriterImpl final : public ReplicaWriter {
 public:
  ReplicaWriterImpl(const ReplicaWriterOptions& options, std::unique_ptr<ledger::Ledger> ledger,
                    std::unique_ptr<projections::ProjectionStore> store, int64_t resume)
      : options_(options),
        ledger_(std::move(ledger)),
        store_(std::move(store)),
        resume_(resume),
        head_(ledger_->head().position),
        next_offset_(resume) {
    pending_.reserve(options_.batch_records);
    records_.reserve(options_.batch_records);
  }

  int64_t resume_offset() const override { return resume_; }

  Status Add(int64_t offset, std::optional<std::string_view> key,
             std::string_view value) override {
    ++stats_.messages;
    // Each value is copied 8-byte aligned, so that its position can be read in place.
    const size_t words = (value.size() + 7) / 8;
    const size_t at = used_words_;
    if (arena_.size() < at + words) arena_.resize(std::max(at + words, arena_.size() * 2));
    if (words) {
      arena_[at + words - 1] = 0;
      std::memcpy(arena_.data() + at, value.data(), value.size());
    }
    uint64_t position = 0;
    std::string why;
    const std::string_view copy(reinterpret_cast<const char*>(arena_.data() + at), value.size());
    if (!RecordPosition(copy, &position, &why))
      return Status::Corruption(Where(offset) + " (key " + KeyText(key) +
                                ") is not a record: " + why);
    uint64_t key_position = 0;
    if (!ParsePosition(key, &key_position) || key_position != position)
      return Status::Corruption("record " + std::to_string(position) + " at " + Where(offset) +
                                " has key " + KeyText(key) + ", not its position");
    used_words_ = at + words;
    bytes_ += value.size();
    pending_.push_back({offset, at, value.size()});
    return Status::Ok();
  }

  size_t pending() const override { return pending_.size(); }
  bool full() const override {
    return pending_.size() >= options_.batch_records || bytes_ >= options_.batch_bytes;
  }

  Status Append() override {
    if (pending_.empty()) return Status::Ok();
    records_.clear();
    for (const Pending& p : pending_)
      records_.push_back({std::string_view(reinterpret_cast<const char*>(arena_.data() + p.at),
                                           p.size),
                          static_cast<uint64_t>(p.offset)});
    ledger::Ledger::ReplicaStats rs;
    Status s = ledger_->AppendReplicated(records_, options_.source_name, &rs);
    const size_t done = rs.appended + rs.skipped;
    stats_.appended += rs.appended;
    stats_.skipped += rs.skipped;
    ++stats_.batches;
    if (done > 0) next_offset_.store(pending_[done - 1].offset + 1);
    head_.store(ledger_->head().position);
    if (!s.ok() && s.code() == Status::Code::kCorruption && done < pending_.size())
      s = Status::Corruption(s.message() + " (" + Where(pending_[done].offset) + ")");
    pending_.clear();
    used_words_ = 0;
    bytes_ = 0;
    // A batch far larger than usual (huge records) gives its memory back.
    if (arena_.size() > kKeptArenaWords) {
      arena_.clear();
      arena_.shrink_to_fit();
    }
    return s;
  }

  Status Pause() override {
    ledger::Ledger::ReplicaStats rs;
    return ledger_->AppendReplicated({}, options_.source_name, &rs);
  }

  Status CatchUp(projections::CatchUpStats* stats) override {
    projections::CatchUpStats local;
    if (!stats) stats = &local;
    *stats = {};
    if (projected_.load() == head_.load() && caught_up_once_) {
      stats->from_position = stats->to_position = projected_.load();
      return Status::Ok();
    }
    Status s = store_->CatchUp(*ledger_, options_.rules, stats);
    if (!s.ok()) return s;
    caught_up_once_ = true;
    if (stats->records > 0) ++stats_.catch_ups;
    projected_.store(stats->to_position);
    return Status::Ok();
  }

  uint64_t head() const override { return head_.load(); }
  uint64_t projected() const override { return projected_.load(); }
  int64_t next_offset() const override { return next_offset_.load(); }
  const ReplicaWriterStats& stats() const override { return stats_; }

 private:
  struct Pending {
    int64_t offset;
    size_t at;  // in arena_, words
    size_t size;
  };
  static constexpr size_t kKeptArenaWords = size_t{64} << 20 >> 3;  // 64 MiB

  std::string Where(int64_t offset) const {
    return "offset " + std::to_string(offset) + " of " +
           options_.source_name.substr(0, options_.source_name.rfind('/')) + " partition 0";
  }

  static std::string KeyText(std::optional<std::string_view> key) {
    if (!key) return "(none)";
    std::string k = "\"";
    for (char c : key->substr(0, 40)) k += (c >= 0x20 && c < 0x7f && c != '"') ? c : '?';
    if (key->size() > 40) k += "...";
    return k + "\"";
  }

  static bool ParsePosition(std::optional<std::string_view> key, uint64_t* out) {
    if (!key || key->empty() || key->size() > 20 || (*key)[0] == '0') return false;
    uint64_t v = 0;
    for (char c : *key) {
      if (c < '0' || c > '9') return false;
      const uint64_t d = static_cast<uint64_t>(c - '0');
      if (v > (UINT64_MAX - d) / 10) return false;
      v = v * 10 + d;
    }
    *out = v;
    return true;
  }

  const ReplicaWriterOptions options_;
  std::unique_ptr<ledger::Ledger> ledger_;
  std::unique_ptr<projections::ProjectionStore> store_;
  const int64_t resume_;
  ReplicaWriterStats stats_;

  std::vector<uint64_t> arena_;  // the batch's values, each from a word boundary
  size_t used_words_ = 0;
  size_t bytes_ = 0;
  std::vector<Pending> pending_;
  std::vector<ledger::Ledger::ReplicatedRecord> records_;

  std::atomic<uint64_t> head_{0};
  std::atomic<uint64_t> projected_{0};
  std::atomic<int64_t> next_offset_{kOffsetBeginning};
  bool caught_up_once_ = false;
};

}  // namespace

Status ReplicaWriter::Open(const ReplicaWriterOptions& options,
                           std::unique_ptr<ReplicaWriter>* out) {
  if (options.db.empty()) return Status::InvalidInput("no replica directory given (--db)");
  if (options.source_name.empty()) return Status::InvalidInput("no source name given");
  if (options.batch_records == 0) return Status::InvalidInput("batch_records must be positive");
  ledger::LedgerOptions lo;
  lo.replica = true;
  lo.sync = options.sync;
  std::unique_ptr<ledger::Ledger> ledger;
  if (Status s = ledger::Ledger::Open(lo, options.db, &ledger); !s.ok()) return s;
  int64_t resume = kOffsetBeginning;
  uint64_t next = 0;
  Status s = ledger->SourcePosition(options.source_name, &next);
  if (s.ok()) {
    resume = static_cast<int64_t>(next);
  } else if (s.code() != Status::Code::kNotFound) {
    return s;
  }
  std::unique_ptr<projections::ProjectionStore> store;
  if (s = projections::ProjectionStore::Open(options.db, false, &store); !s.ok()) return s;
  *out = std::make_unique<ReplicaWriterImpl>(options, std::move(ledger), std::move(store), resume);
  return Status::Ok();
}

}  // namespace smeledger::projections_kafka
