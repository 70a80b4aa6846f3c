// ReplicaWriter without a broker: the records topic's messages handed in as Kafka would
// (offset, key, value), from ledgers built in temporary directories.
#include <catch2/catch.hpp>

#include <map>

#include "cli_support.h"
#include "ledger_fixture.h"
#include "smeledger/projections_kafka/replica_writer.h"

using namespace smeledger;
using namespace smeledger::testing;
using projections_kafka::ReplicaWriter;
using projections_kafka::ReplicaWriterOptions;

namespace {

struct Message {
  int64_t offset;
  std::string key;
  std::string value;
};

// A ledger of `limit` generated events (seed `seed`) in dir/name, and its records as the
// records topic holds them: offset i holds position i + 1.
std::vector<Message> LedgerMessages(const TempDir& dir, const std::string& name, int seed,
                                    int limit) {
  const std::string file = dir / (name + ".jsonl");
  Run g = Smeledger(dir.path(), "generate --institutions 10 --enterprises 200 --year 2019 --seed " +
                                    std::to_string(seed) + " --limit " + std::to_string(limit));
  REQUIRE(g.exit_code == 0);
  std::ofstream(file, std::ios::binary) << g.out;
  Run s = Smeledger(dir.path(), "--db " + (dir / name) + " -q submit " + file);
  INFO(s.err);
  REQUIRE(s.exit_code == 0);
  ledger::LedgerOptions o;
  o.read_only = true;
  std::unique_ptr<ledger::Ledger> l;
  REQUIRE(ledger::Ledger::Open(o, dir / name, &l).ok());
  std::vector<Message> out;
  REQUIRE(l->ScanRecords(1, 0, [&](uint64_t position, std::string_view bytes) {
               out.push_back({static_cast<int64_t>(position - 1), std::to_string(position),
                              std::string(bytes)});
               return true;
             }).ok());
  REQUIRE(out.size() == static_cast<size_t>(limit));
  return out;
}

std::unique_ptr<ReplicaWriter> OpenWriter(const std::string& db, size_t batch = 16384) {
  ReplicaWriterOptions o;
  o.db = db;
  auto rules = projections::RuleSet::Shipped(projections::kDefaultRuleSetId);
  REQUIRE(rules.ok());
  o.rules = *rules;
  o.source_name = "t.records/0";
  o.batch_records = batch;
  o.sync = false;
  std::unique_ptr<ReplicaWriter> w;
  Status s = ReplicaWriter::Open(o, &w);
  INFO(s.message());
  REQUIRE(s.ok());
  return w;
}

// Adds messages[from, to) (appending whenever the batch is full), then appends the rest.
Status Feed(ReplicaWriter& w, const std::vector<Message>& m, size_t from, size_t to) {
  for (size_t i = from; i < to; ++i) {
    if (w.full())
      if (Status s = w.Append(); !s.ok()) return s;
    if (Status s = w.Add(m[i].offset, m[i].key, m[i].value); !s.ok()) {
      Status a = w.Append();
      return a.ok() ? s : a;
    }
  }
  return w.Append();
}

std::string Records(const std::string& db) {
  ledger::LedgerOptions o;
  o.read_only = true;
  std::unique_ptr<ledger::Ledger> l;
  REQUIRE(ledger::Ledger::Open(o, db, &l).ok());
  std::string all;
  REQUIRE(l->ScanRecords(1, 0, [&](uint64_t, std::string_view b) {
               all.append(b);
               return true;
             }).ok());
  return all;
}

}  // namespace

TEST_CASE("a replica keeps the ledger's records byte for byte and stores the next offset",
          "[replica]") {
  TempDir dir;
  const auto m = LedgerMessages(dir, "ledger", 1, 3000);
  {
    auto w = OpenWriter(dir / "replica", 1000);
    CHECK(w->resume_offset() == projections_kafka::kOffsetBeginning);
    REQUIRE(Feed(*w, m, 0, 1700).ok());
    CHECK(w->head() == 1700);
    CHECK(w->next_offset() == 1700);
    projections::CatchUpStats st;
    REQUIRE(w->CatchUp(&st).ok());
    CHECK(st.to_position == 1700);
    CHECK(w->projected() == 1700);
  }
  auto w = OpenWriter(dir / "replica", 1000);
  CHECK(w->resume_offset() == 1700);
  CHECK(w->head() == 1700);
  REQUIRE(Feed(*w, m, 1700, m.size()).ok());
  REQUIRE(w->Pause().ok());
  CHECK(w->head() == 3000);
  CHECK(w->stats().appended == 1300);
  CHECK(w->stats().batches == 2);
  w.reset();
  CHECK(Records(dir / "replica") == Records(dir / "ledger"));
}

TEST_CASE("a repeated delivery is skipped, and its offset stored", "[replica]") {
  TempDir dir;
  const auto m = LedgerMessages(dir, "ledger", 1, 500);
  auto w = OpenWriter(dir / "replica", 64);
  REQUIRE(Feed(*w, m, 0, 300).ok());
  // The producer sent 201..500 again after 1..300: offsets 300.. hold positions 201..
  std::vector<Message> again;
  for (size_t i = 200; i < m.size(); ++i)
    again.push_back({static_cast<int64_t>(300 + again.size()), m[i].key, m[i].value});
  REQUIRE(Feed(*w, again, 0, again.size()).ok());
  CHECK(w->head() == 500);
  CHECK(w->stats().skipped == 100);
  CHECK(w->stats().appended == 500);
  CHECK(w->next_offset() == 600);
}

TEST_CASE("a gap stops the replica naming the missing position; what came before is kept",
          "[replica]") {
  TempDir dir;
  const auto m = LedgerMessages(dir, "ledger", 1, 200);
  auto w = OpenWriter(dir / "replica");
  std::vector<Message> gap(m.begin(), m.begin() + 120);
  gap.insert(gap.end(), m.begin() + 121, m.end());  // position 121 never published
  for (size_t i = 0; i < gap.size(); ++i) gap[i].offset = static_cast<int64_t>(i);
  Status s = Feed(*w, gap, 0, gap.size());
  REQUIRE(s.code() == Status::Code::kCorruption);
  CHECK(s.message().find("record 121 is missing") != std::string::npos);
  CHECK(s.message().find("offset 120 of t.records partition 0") != std::string::npos);
  CHECK(w->head() == 120);
  CHECK(w->next_offset() == 120);
  w.reset();
  CHECK(OpenWriter(dir / "replica")->resume_offset() == 120);
}

TEST_CASE("a record of another ledger (a broken link) stops the replica naming the position",
          "[replica]") {
  TempDir dir;
  const auto a = LedgerMessages(dir, "a", 1, 100);
  const auto b = LedgerMessages(dir, "b", 2, 100);
  REQUIRE(a[49].value != b[49].value);
  auto w = OpenWriter(dir / "replica");
  std::vector<Message> mixed(a.begin(), a.begin() + 49);
  mixed.push_back(b[49]);  // position 50 of another ledger
  Status s = Feed(*w, mixed, 0, mixed.size());
  REQUIRE(s.code() == Status::Code::kCorruption);
  CHECK(s.message().find("record 50") != std::string::npos);
  CHECK(s.message().find("prev_hash") != std::string::npos);
  CHECK(w->head() == 49);

  // The other ledger's record at a position the replica holds is no repeat either.
  std::vector<Message> again = {b[10]};
  again[0].offset = 49;
  s = Feed(*w, again, 0, 1);
  REQUIRE(s.code() == Status::Code::kCorruption);
  CHECK(s.message().find("record 11") != std::string::npos);
  CHECK(w->head() == 49);
}

TEST_CASE("a key that is not its record's position is corruption naming both", "[replica]") {
  TempDir dir;
  const auto m = LedgerMessages(dir, "ledger", 1, 20);
  auto w = OpenWriter(dir / "replica");
  REQUIRE(w->Add(0, m[0].key, m[0].value).ok());
  Status s = w->Add(1, std::string("3"), m[1].value);
  REQUIRE(s.code() == Status::Code::kCorruption);
  CHECK(s.message() == "record 2 at offset 1 of t.records partition 0 has key \"3\", not its position");
  s = w->Add(1, std::nullopt, m[1].value);
  CHECK(s.message().find("has key (none)") != std::string::npos);
  s = w->Add(1, std::string("02"), m[1].value);
  CHECK(s.code() == Status::Code::kCorruption);
  s = w->Add(1, std::string("2"), "not a record");
  CHECK(s.code() == Status::Code::kCorruption);
  CHECK(s.message().find("offset 1 of t.records partition 0 (key \"2\") is not a record") !=
        std::string::npos);
  CHECK(w->pending() == 1);
  REQUIRE(w->Append().ok());
  CHECK(w->head() == 1);
}

TEST_CASE("a ledger's directory is refused; a second writer is locked out", "[replica]") {
  TempDir dir;
  LedgerMessages(dir, "ledger", 1, 10);
  ReplicaWriterOptions o;
  o.db = dir / "ledger";
  o.rules = projections::RuleSet::Shipped(projections::kDefaultRuleSetId).value();
  o.source_name = "t.records/0";
  std::unique_ptr<ReplicaWriter> w;
  Status s = ReplicaWriter::Open(o, &w);
  CHECK(s.code() == Status::Code::kInvalidInput);
  CHECK(s.message().find("is a ledger, not a read replica") != std::string::npos);

  auto first = OpenWriter(dir / "replica");
  o.db = dir / "replica";
  s = ReplicaWriter::Open(o, &w);
  CHECK(s.code() == Status::Code::kLocked);
}
