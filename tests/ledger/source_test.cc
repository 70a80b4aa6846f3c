// The long-lived submission pipeline: sources with tokens, batches closed on time, stop
// requests, the consumed position and the outbox written with each batch, and read replicas.
#include <fcntl.h>
#include <rocksdb/db.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <deque>
#include <mutex>
#include <thread>

#include "keys.h"
#include "ledger_fixture.h"
#include "smeledger/ledger/outcome_json.h"

using namespace smeledger;
using namespace smeledger::testing;
using namespace std::chrono_literals;

namespace {

// A source fed by the test: lines with tokens (Kafka offsets, say), pauses, an end.
class FakeSource final : public ledger::SubmissionSource {
 public:
  explicit FakeSource(std::string name = "submissions/0") : name_(std::move(name)) {}
  // Adds the lines of `text` (one event per line) with consecutive tokens from `token`.
  void Add(const std::string& text, uint64_t token) {
    std::lock_guard<std::mutex> l(mu_);
    size_t at = 0;
    while (at < text.size()) {
      size_t nl = text.find('\n', at);
      if (nl == std::string::npos) nl = text.size();
      items_.push_back({text.substr(at, nl - at), token++});
      at = nl + 1;
    }
  }
  void End() {
    std::lock_guard<std::mutex> l(mu_);
    ended_ = true;
  }
  Read Next(ledger::SourceLine* line, std::chrono::milliseconds wait) override {
    const auto until = std::chrono::steady_clock::now() + wait;
    for (;;) {
      {
        std::lock_guard<std::mutex> l(mu_);
        if (stop_requested()) return Read::kEnd;
        if (!items_.empty()) {
          current_ = std::move(items_.front());
          items_.pop_front();
          line->line_no = ++lines_;
          line->text = current_.text;
          line->has_token = true;
          line->token = current_.token;
          return Read::kLine;
        }
        if (ended_) return Read::kEnd;
      }
      if (std::chrono::steady_clock::now() >= until) return Read::kIdle;
      std::this_thread::sleep_for(1ms);
    }
  }
  Status status() const override { return Status::Ok(); }
  std::string_view name() const override { return name_; }

 private:
  struct Item {
    std::string text;
    uint64_t token;
  };
  std::string name_;
  std::mutex mu_;
  std::deque<Item> items_;
  Item current_;
  bool ended_ = false;
  uint64_t lines_ = 0;
};

std::string Admit(const std::string& id, const std::string& inst) {
  return E(id, "institution.admitted", "province",
           R"("institution":")" + inst + R"(","city":"city:340100","name":"n")");
}

std::string Services(int from, int to) {
  std::string s;
  for (int i = from; i < to; ++i)
    s += E("s" + std::to_string(i), "service.delivered", "inst:HF-1",
           R"("provider":"inst:HF-1","enterprise":"ent:E)" + std::to_string(i) +
               R"(","date":"2019-07-02")");
  return s;
}

std::unique_ptr<ledger::Ledger> Open(const std::string& path, ledger::Clock* clock,
                                     bool replica = false, bool read_only = false,
                                     size_t batch = 16384,
                                     std::chrono::milliseconds delay = 100ms) {
  ledger::LedgerOptions o;
  o.clock = clock;
  o.replica = replica;
  o.read_only = read_only;
  o.batch_events = batch;
  o.batch_delay = delay;
  std::unique_ptr<ledger::Ledger> l;
  Status s = ledger::Ledger::Open(o, path, &l);
  if (!s.ok()) throw std::runtime_error("open failed: " + s.ToString());
  return l;
}

// Outcomes as they arrive, with the time each came.
class TimedCollect final : public ledger::OutcomeSink {
 public:
  std::mutex mu;
  std::vector<Out> outs;
  void OnOutcome(const ledger::LineOutcome& o) override {
    std::lock_guard<std::mutex> l(mu);
    outs.push_back({o.line, o.kind, o.rejection ? std::string(ledger::ReasonCode(o.rejection->reason)) : "",
                    "", "", o.position, o.has_event_id, std::string(o.event_id), o.hash});
  }
  size_t size() {
    std::lock_guard<std::mutex> l(mu);
    return outs.size();
  }
};

}  // namespace

TEST_CASE("a source's next token is stored with each batch, also one of only rejections",
          "[source]") {
  TempDir dir;
  FakeClock clock;
  {
    auto l = Open(dir.path(), &clock);
    uint64_t next = 0;
    CHECK(l->SourcePosition("submissions/0", &next).code() == Status::Code::kNotFound);
    FakeSource src;
    src.Add(Admit("a0", "inst:HF-1") + Services(1, 5), 100);  // tokens 100..104
    src.End();
    Collect c;
    REQUIRE(l->Submit(&src, &c, nullptr, nullptr).ok());
    REQUIRE(c.outs.size() == 5);
    REQUIRE(l->SourcePosition("submissions/0", &next).ok());
    CHECK(next == 105);
    // Only rejections and a duplicate: nothing accepted, the position still moves on.
    FakeSource bad;
    bad.Add("not json\n" + E("s1", "service.delivered", "inst:HF-1",
                             R"("provider":"inst:HF-1","enterprise":"ent:E1","date":"2019-07-02")"),
            105);
    bad.End();
    Collect c2;
    REQUIRE(l->Submit(&bad, &c2, nullptr, nullptr).ok());
    REQUIRE(c2.outs.size() == 2);
    CHECK(c2.outs[0].reason == "malformed_json");
    CHECK(c2.outs[1].duplicate());
    CHECK(l->head().position == 5);
    REQUIRE(l->SourcePosition("submissions/0", &next).ok());
    CHECK(next == 107);
  }
  // Durable: a reader sees it, and verify checks the offsets too.
  auto r = Open(dir.path(), nullptr, false, /*read_only=*/true);
  uint64_t next = 0;
  REQUIRE(r->SourcePosition("submissions/0", &next).ok());
  CHECK(next == 107);
  ledger::VerifyReport vr;
  REQUIRE(r->Verify(&vr, nullptr).ok());
  CHECK(vr.ok);
}

TEST_CASE("a quiet source still gets its outcomes: batches close on time", "[source]") {
  TempDir dir;
  FakeClock clock;
  auto l = Open(dir.path(), &clock, false, false, 16384, /*delay=*/20ms);
  FakeSource src;
  TimedCollect c;
  src.Add(Admit("a0", "inst:HF-1") + Services(1, 3), 0);
  std::thread t([&] {
    // The first three lines must be answered while the source stays open and quiet.
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (c.size() < 3 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(2ms);
    src.Add(Services(3, 4), 3);
    while (c.size() < 4 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(2ms);
    src.End();
  });
  REQUIRE(l->Submit(&src, &c, nullptr, nullptr).ok());
  t.join();
  REQUIRE(c.outs.size() == 4);
  for (const Out& o : c.outs) CHECK(o.accepted());
  uint64_t next = 0;
  REQUIRE(l->SourcePosition("submissions/0", &next).ok());
  CHECK(next == 4);
}

TEST_CASE("a file arriving through a pipe is answered before the pipe closes", "[source]") {
  TempDir dir;
  FakeClock clock;
  auto l = Open(dir.path(), &clock, false, false, 16384, /*delay=*/20ms);
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const std::string first = Admit("a0", "inst:HF-1") + Services(1, 3);
  REQUIRE(::write(fds[1], first.data(), first.size()) == static_cast<ssize_t>(first.size()));
  TimedCollect c;
  std::atomic<bool> answered_while_open{false};
  std::thread t([&] {
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (c.size() < 3 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(2ms);
    answered_while_open = c.size() == 3;
    const std::string more = Services(3, 5);
    CHECK(::write(fds[1], more.data(), more.size()) == static_cast<ssize_t>(more.size()));
    ::close(fds[1]);
  });
  REQUIRE(l->Submit(fds[0], &c, nullptr, nullptr).ok());
  t.join();
  ::close(fds[0]);
  CHECK(answered_while_open);
  REQUIRE(c.outs.size() == 5);
  CHECK(c.outs[4].line == 5);
  uint64_t next = 0;
  CHECK(l->SourcePosition("", &next).code() == Status::Code::kNotFound);  // a file has no tokens
}

TEST_CASE("a stop request ends the submission at a batch boundary — resuming completes it",
          "[source]") {
  TempDir dir;
  FakeClock clock;
  // Longer than the parse stage reads ahead (4 chunks of 2,048 lines), so the stop comes first.
  const std::string text = Admit("a0", "inst:HF-1") + Services(1, 30000);
  uint64_t next = 0;
  {
    auto l = Open(dir.path(), &clock, false, false, /*batch=*/97, 20ms);
    FakeSource src;
    src.Add(text, 0);
    TimedCollect c;
    std::thread stopper([&] {
      const auto until = std::chrono::steady_clock::now() + 10s;
      while (c.size() < 500 && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(1ms);
      src.RequestStop();
    });
    REQUIRE(l->Submit(&src, &c, nullptr, nullptr).ok());
    stopper.join();
    REQUIRE(l->SourcePosition("submissions/0", &next).ok());
    // Every line consumed got its outcome, and the stored position follows the last of them.
    CHECK(next == c.outs.size());
    CHECK(l->head().position == c.outs.size());
    CHECK(next < 30000);
  }
  auto l = Open(dir.path(), &clock);
  FakeSource rest;
  // A consumer resumes from the stored position: the lines from `next` on.
  size_t at = 0;
  for (uint64_t i = 0; i < next; ++i) at = text.find('\n', at) + 1;
  rest.Add(text.substr(at), next);
  rest.End();
  Collect c;
  REQUIRE(l->Submit(&rest, &c, nullptr, nullptr).ok());
  for (const Out& o : c.outs) CHECK(o.accepted());
  CHECK(l->head().position == 30000);
  REQUIRE(l->SourcePosition("submissions/0", &next).ok());
  CHECK(next == 30000);
}

TEST_CASE("the outbox: records and every line's outcome, read back in one view, then pruned",
          "[source][outbox]") {
  TempDir dir;
  FakeClock clock;
  auto l = Open(dir.path(), &clock, false, false, /*batch=*/4);
  // Records submitted before the service started have no outcomes to publish.
  SubmitText(*l, Admit("a0", "inst:HF-1"));
  FakeSource src;
  src.Add(Services(1, 6) + "{\"event_id\":\"x\"}\n" +
              E("s1", "service.delivered", "inst:HF-1",
                R"("provider":"inst:HF-1","enterprise":"ent:E1","date":"2019-07-02")"),
          40);  // tokens 40..46
  src.End();
  Collect c;
  REQUIRE(l->Submit(&src, &c, nullptr, nullptr).ok());
  REQUIRE(c.outs.size() == 7);
  ledger::Ledger::OutboxChunk chunk;
  REQUIRE(l->ReadOutbox(0, 0, 1000, &chunk).ok());
  CHECK(chunk.first_position == 1);
  REQUIRE(chunk.records.size() == 6);
  REQUIRE(chunk.outcomes.size() == 7);
  // Each outcome is exactly what `submit --outcomes` writes for the line, plus its token.
  for (size_t i = 0; i < c.outs.size(); ++i) {
    const Out& o = c.outs[i];
    ledger::LineOutcome lo;
    lo.line = o.line;
    lo.kind = o.kind;
    lo.has_event_id = o.has_event_id;
    lo.event_id = o.event_id;
    lo.position = o.position;
    lo.hash = o.hash;
    ledger::Rejection rej{};
    if (o.kind == ledger::OutcomeKind::kRejected) {
      REQUIRE(ledger::ParseReasonCode(o.reason, &rej.reason));
      std::string stripped;
      uint64_t token = 0;
      REQUIRE(ledger::StripOutcomeOffset(chunk.outcomes[i].json, &stripped, &token));
      CHECK(stripped.find("\"outcome\":\"rejected\",\"reason\":\"" + o.reason) != std::string::npos);
      CHECK(token == 40 + i);
      continue;
    }
    std::string want;
    ledger::AppendOutcomeJsonWithOffset(lo, 40 + i, &want);
    CHECK(chunk.outcomes[i].json == want);
    CHECK(chunk.outcomes[i].token == 40 + i);
  }
  // A record limit: only the outcomes whose batches' records are all out come with them. The
  // first batch holds tokens 40–43 (positions 2–5), the second 44–46 (position 6).
  REQUIRE(l->ReadOutbox(0, 0, 4, &chunk).ok());
  CHECK(chunk.records.size() == 4);
  CHECK(chunk.outcomes.empty());
  REQUIRE(l->ReadOutbox(0, 0, 5, &chunk).ok());
  CHECK(chunk.records.size() == 5);
  REQUIRE(chunk.outcomes.size() == 4);
  CHECK(chunk.outcomes[3].token == 43);
  REQUIRE(l->ReadOutbox(5, 44, 1000, &chunk).ok());
  CHECK(chunk.first_position == 6);
  CHECK(chunk.records.size() == 1);
  REQUIRE(chunk.outcomes.size() == 3);
  CHECK(chunk.outcomes[0].token == 44);
  // From a token inside a batch (a publisher that stopped mid-way): the rest of it.
  REQUIRE(l->ReadOutbox(6, 42, 1000, &chunk).ok());
  CHECK(chunk.records.empty());
  REQUIRE(chunk.outcomes.size() == 5);
  CHECK(chunk.outcomes[0].token == 42);
  REQUIRE(l->ReadOutbox(6, 47, 1000, &chunk).ok());
  CHECK(chunk.empty());
  // Pruned entries are gone; later ones stay.
  REQUIRE(l->PruneOutbox(44).ok());
  REQUIRE(l->ReadOutbox(0, 0, 1000, &chunk).ok());
  REQUIRE_FALSE(chunk.outcomes.empty());
  CHECK(chunk.outcomes[0].token == 44);
  l.reset();
  auto r = Open(dir.path(), nullptr, false, true);
  ledger::VerifyReport vr;
  REQUIRE(r->Verify(&vr, nullptr).ok());
  INFO(vr.problem);
  CHECK(vr.ok);
}

TEST_CASE("verify reports a damaged outbox entry", "[source][outbox][verify]") {
  TempDir dir;
  FakeClock clock;
  {
    auto l = Open(dir.path(), &clock);
    FakeSource src;
    src.Add(Admit("a0", "inst:HF-1") + Services(1, 4), 0);
    src.End();
    REQUIRE(l->Submit(&src, nullptr, nullptr, nullptr).ok());
  }
  {
    std::vector<std::string> names;
    REQUIRE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir.path(), &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> d;
    for (const auto& n : names) d.push_back({n, {}});
    std::vector<rocksdb::ColumnFamilyHandle*> cfs;
    rocksdb::DB* raw = nullptr;
    REQUIRE(rocksdb::DB::Open(rocksdb::DBOptions(), dir.path(), d, &cfs, &raw).ok());
    size_t outbox = 0;
    for (size_t i = 0; i < names.size(); ++i)
      if (names[i] == "outbox") outbox = i;
    REQUIRE(outbox > 0);
    std::string v;
    REQUIRE(raw->Get({}, cfs[outbox], ledger::keys::PositionKey(0), &v).ok());
    v.pop_back();  // truncated
    REQUIRE(raw->Put({}, cfs[outbox], ledger::keys::PositionKey(0), v).ok());
    for (auto* c : cfs) raw->DestroyColumnFamilyHandle(c).PermitUncheckedError();
    delete raw;
  }
  auto r = Open(dir.path(), nullptr, false, true);
  ledger::VerifyReport vr;
  REQUIRE(r->Verify(&vr, nullptr).ok());
  CHECK_FALSE(vr.ok);
  CHECK(vr.problem.find("outbox") != std::string::npos);
}

namespace {

// The records of a ledger, as a replica receives them.
std::vector<std::string> RecordsOf(ledger::Ledger& l) {
  std::vector<std::string> out;
  REQUIRE(l.ScanRecords(1, 0, [&](uint64_t, std::string_view b) {
             out.emplace_back(b);
             return true;
           }).ok());
  return out;
}

Status Append(ledger::Ledger& replica, const std::vector<std::string>& records, size_t from,
              size_t to, ledger::Ledger::ReplicaStats* stats = nullptr) {
  std::vector<ledger::Ledger::ReplicatedRecord> in;
  for (size_t i = from; i < to; ++i) in.push_back({records[i], 1000 + i});
  return replica.AppendReplicated(in, "records/0", stats);
}

}  // namespace

TEST_CASE("a replica keeps the ledger's records, checks each, and reads like the ledger",
          "[replica]") {
  TempDir dir;
  FakeClock clock;
  const std::string ledger_dir = dir / "ledger", replica_dir = dir / "replica";
  std::vector<std::string> records;
  {
    auto l = Open(ledger_dir, &clock, false, false, /*batch=*/8);
    SubmitText(*l, Admit("a0", "inst:HF-1") + Services(1, 40) +
                       E("r1", "event.retracted", "inst:HF-1", R"("target":"s3","reason":"typo")"));
    records = RecordsOf(*l);
  }
  REQUIRE(records.size() == 41);
  {
    auto r = Open(replica_dir, nullptr, /*replica=*/true);
    ledger::Ledger::ReplicaStats st;
    REQUIRE(Append(*r, records, 0, 25, &st).ok());
    CHECK(st.appended == 25);
    // A repeated delivery is skipped; the rest is appended.
    st = {};
    REQUIRE(Append(*r, records, 20, 41, &st).ok());
    CHECK(st.skipped == 5);
    CHECK(st.appended == 16);
    uint64_t next = 0;
    REQUIRE(r->SourcePosition("records/0", &next).ok());
    CHECK(next == 1041);
    // Submissions go to the ledger, not to a replica.
    FakeSource src;
    src.End();
    CHECK(r->Submit(&src, nullptr, nullptr, nullptr).code() == Status::Code::kInvalidInput);
    REQUIRE(r->AppendReplicated({}, "records/0", nullptr).ok());  // a pause: flushes the index
  }
  auto a = Open(ledger_dir, nullptr, false, true), b = Open(replica_dir, nullptr, false, true);
  CHECK(a->head().position == b->head().position);
  CHECK(a->head().hash == b->head().hash);
  CHECK(RecordsOf(*a) == RecordsOf(*b));
  for (const char* subject : {"inst:HF-1", "ent:E3", "province"}) {
    std::vector<uint64_t> pa, pb;
    REQUIRE(a->SubjectPositions(subject, &pa).ok());
    REQUIRE(b->SubjectPositions(subject, &pb).ok());
    CHECK(pa == pb);
  }
  uint64_t pa = 0, pb = 0;
  REQUIRE(a->FindEvent("s7", &pa).ok());
  REQUIRE(b->FindEvent("s7", &pb).ok());
  CHECK(pa == pb);
  ledger::VerifyReport vr;
  REQUIRE(b->Verify(&vr, nullptr).ok());
  INFO(vr.problem);
  CHECK(vr.ok);
  CHECK(vr.position == 41);
}

TEST_CASE("a replica refuses a gap, a broken link, altered bytes and a fork, naming the position",
          "[replica]") {
  TempDir dir;
  FakeClock clock;
  std::vector<std::string> records, other;
  {
    auto l = Open(dir / "ledger", &clock);
    SubmitText(*l, Admit("a0", "inst:HF-1") + Services(1, 10));
    records = RecordsOf(*l);
  }
  {
    clock.now += 1000;  // another ledger: same events, other times, so other hashes
    auto l = Open(dir / "other", &clock);
    SubmitText(*l, Admit("a0", "inst:HF-1") + Services(1, 10));
    other = RecordsOf(*l);
  }
  auto r = Open(dir / "replica", nullptr, /*replica=*/true);
  REQUIRE(Append(*r, records, 0, 4).ok());
  // A gap: position 6 after 4.
  Status s = Append(*r, records, 5, 7);
  CHECK(s.code() == Status::Code::kCorruption);
  CHECK(s.message().find("record 5 is missing") != std::string::npos);
  CHECK(r->head().position == 4);
  // Another ledger's record 5 does not link to this head.
  s = Append(*r, other, 4, 5);
  CHECK(s.code() == Status::Code::kCorruption);
  CHECK(s.message().find("record 5") != std::string::npos);
  // A flipped byte in the event.
  std::vector<std::string> bad = records;
  bad[4][bad[4].size() / 2] ^= 1;
  bad[5][bad[5].size() / 2] ^= 1;
  s = Append(*r, bad, 4, 5);
  CHECK(s.code() == Status::Code::kCorruption);
  // A fork: position 3 again with other bytes.
  s = Append(*r, other, 2, 3);
  CHECK(s.code() == Status::Code::kCorruption);
  CHECK(s.message().find("record 3 arrived again") != std::string::npos);
  // Records before a bad one are kept.
  std::vector<ledger::Ledger::ReplicatedRecord> in = {{records[4], 5}, {bad[5], 6}};
  s = r->AppendReplicated(in, "records/0", nullptr);
  CHECK(s.code() == Status::Code::kCorruption);
  CHECK(r->head().position == 5);
  uint64_t next = 0;
  REQUIRE(r->SourcePosition("records/0", &next).ok());
  CHECK(next == 6);
}

TEST_CASE("a directory is a ledger or a replica for life", "[replica]") {
  TempDir dir;
  FakeClock clock;
  Open(dir / "ledger", &clock);
  Open(dir / "replica", nullptr, /*replica=*/true);
  ledger::LedgerOptions o;
  o.replica = true;
  std::unique_ptr<ledger::Ledger> l;
  CHECK(ledger::Ledger::Open(o, dir / "ledger", &l).code() == Status::Code::kInvalidInput);
  o.replica = false;
  CHECK(ledger::Ledger::Open(o, dir / "replica", &l).code() == Status::Code::kInvalidInput);
  o.read_only = true;  // readers open either
  CHECK(ledger::Ledger::Open(o, dir / "replica", &l).ok());
}

TEST_CASE("the head is stored versioned — a version-1 head still reads", "[source]") {
  TempDir dir;
  FakeClock clock;
  ledger::Head want;
  {
    auto l = Open(dir.path(), &clock);
    SubmitText(*l, Admit("a0", "inst:HF-1") + Services(1, 3));
    want = l->head();
  }
  std::vector<std::string> names;
  REQUIRE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir.path(), &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> d;
  for (const auto& n : names) d.push_back({n, {}});
  {
    std::vector<rocksdb::ColumnFamilyHandle*> cfs;
    rocksdb::DB* raw = nullptr;
    REQUIRE(rocksdb::DB::Open(rocksdb::DBOptions(), dir.path(), d, &cfs, &raw).ok());
    std::string v;
    REQUIRE(raw->Get({}, cfs[0], ledger::keys::kHeadKey, &v).ok());
    CHECK(v.size() == 49);
    CHECK(v[0] == 2);
    REQUIRE(raw->Put({}, cfs[0], ledger::keys::kHeadKey, v.substr(1)).ok());  // as version 1
    for (auto* c : cfs) raw->DestroyColumnFamilyHandle(c).PermitUncheckedError();
    delete raw;
  }
  auto l = Open(dir.path(), &clock);
  CHECK(l->head().position == want.position);
  CHECK(l->head().hash == want.hash);
  CHECK(l->head().recorded_at_us == want.recorded_at_us);
}
