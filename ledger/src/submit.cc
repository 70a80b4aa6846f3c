// The submission pipeline (ledger/README.md, "Submission pipeline"): parse → validate, stamp,
// stage (the caller's thread) → chain and write (the writing thread), group-committed.
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "keys.h"
#include "ledger_impl.h"
#include "parse_stage.h"
#include "rocks_util.h"

namespace smeledger::ledger {

void LedgerImpl::ResetBatch(StagedBatch* b, uint64_t first_position) {
  b->Reset(first_position);
  if (b->parts.size() != participants_.size()) {
    b->parts.clear();
    for (const auto& p : participants_) b->parts.push_back(p->NewPart());
  }
}

void LedgerImpl::Emit(StagedBatch& b, OutcomeSink* sink) {
  if (sink) {
    for (const OutcomeRef& r : b.outcomes) {
      LineOutcome lo;
      lo.line = r.line;
      if (r.accepted()) {
        const size_t i = r.ref - b.first_position;
        lo.kind = OutcomeKind::kAccepted;
        lo.has_event_id = true;
        lo.event_id = b.event_ids[i];
        lo.position = r.ref;
        lo.hash = b.hashes[i];
        sink->OnOutcome(lo);
        continue;
      }
      OtherOutcome& o = b.others[r.ref & ~OutcomeRef::kOther];
      if (o.hash_pending) {  // its original is durable by now: batches go in order
        std::string bytes;
        RecordDecoder dec;
        if (LoadAny(o.position, &bytes) && dec.Decode(bytes))
          o.hash = HashFromData(dec.record().getHash());
      }
      lo.kind = o.kind;
      lo.has_event_id = o.has_event_id;
      lo.event_id = o.event_id;
      lo.position = o.position;
      lo.hash = o.hash;
      lo.rejection = o.kind == OutcomeKind::kRejected ? &o.rejection : nullptr;
      sink->OnOutcome(lo);
    }
  }
  b.outcomes.clear();
  b.others.clear();
}

Status LedgerImpl::WaitInFlight(OutcomeSink* sink, const std::function<void()>& progress) {
  if (!in_flight_) return Status::Ok();
  const auto w0 = std::chrono::steady_clock::now();
  rocksdb::Status s = in_flight_result_.get();
  wait_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  StagedBatch* done = in_flight_;
  in_flight_ = nullptr;
  if (!s.ok()) {
    failed_ = true;
    return rocks::ToStatus(s, "cannot write to the ledger");
  }
  SetDurableHead(done->head);
  if (head_.position == done->head.position) head_.hash = done->head.hash;
  for (size_t k = 0; k < participants_.size(); ++k)
    participants_[k]->Durable(*done, done->parts[k].get());
  write_cpu_seconds_ += done->write_cpu_seconds;
  Emit(*done, sink);
  ResetBatch(done, 0);
  if (progress) progress();
  return Status::Ok();
}

rocksdb::Status LedgerImpl::WriteStaged(StagedBatch* b, const rocksdb::WriteOptions& wo) {
  const double cpu0 = ThreadCpuSeconds();
  char key[8];
  Hash prev = chain_hash_;
  if (b->hashes.size() < b->n) b->hashes.resize(b->n);
  for (size_t i = 0; i < b->n; ++i) {
    const uint64_t pos = b->first_position + i;
    keys::EncodeU64(pos, key);
    const rocksdb::Slice key_slice(key, 8);
    if (b->sealed) {  // a replica's: checked and hashed by AppendReplicated
      b->wb.Put(records_cf_, key_slice, b->records[i]);
      b->wb.Put(event_ids_cf_, b->event_ids[i], key_slice);
      prev = b->hashes[i];
      continue;
    }
    if (constexpr size_t kAhead = 4; i + kAhead < b->n) {  // written on the other core
      const std::string& r = b->records[i + kAhead];
      for (size_t k = 0; k < r.size(); k += 64) __builtin_prefetch(r.data() + k);
      __builtin_prefetch(b->event_ids[i + kAhead].data());
    }
    // Seal a private copy (hot in cache): the staged bytes stay as the validating thread wrote
    // them, since it may read them concurrently.
    sealed_.assign(b->records[i]);
    const Hash h = SealStamped(&sealed_, prev, &writer_sha_);
    b->wb.Put(records_cf_, key_slice, sealed_);
    b->wb.Put(event_ids_cf_, b->event_ids[i], key_slice);
    b->hashes[i] = h;
    prev = h;
  }
  b->head.hash = prev;
  for (size_t k = 0; k < participants_.size(); ++k)
    participants_[k]->Write(*b, b->parts[k].get(), &b->wb);
  b->wb.Put(meta_cf_, keys::kHeadKey, keys::EncodeHead(b->head));
  rocksdb::Status s = db_->Write(wo, &b->wb);
  if (s.ok()) chain_hash_ = prev;
  b->write_cpu_seconds = ThreadCpuSeconds() - cpu0;
  return s;
}

Status LedgerImpl::Rotate(OutcomeSink* sink, const std::function<void()>& progress,
                          BatchMoment moment) {
  if (Status st = WaitInFlight(sink, progress); !st.ok()) return st;
  StagedBatch* b = building_;
  bool must_write = false;
  for (size_t k = 0; k < participants_.size(); ++k)
    must_write |= participants_[k]->Stage(*b, moment, b->parts[k].get());
  if (b->n == 0 && !must_write) {  // only rejections and duplicates: nothing to write
    Emit(*b, sink);
    ResetBatch(b, head_.position + 1);
    if (progress) progress();
    return Status::Ok();
  }
  b->head = head_;
  in_flight_ = b;
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync;
  in_flight_result_ = std::async(std::launch::async, [this, b, wo] {
    pthread_setname_np(pthread_self(), "ledger-write");
    return WriteStaged(b, wo);
  });
  building_ = b == &batches_[0] ? &batches_[1] : &batches_[0];
  ResetBatch(building_, head_.position + 1);
  return Status::Ok();
}

Status LedgerImpl::Submit(SubmissionSource* source, OutcomeSink* sink, SubmitStats* stats_out,
                          const SubmitProgress& progress) {
  if (options_.read_only) return Status::InvalidInput("the ledger is open read-only");
  if (options_.replica)
    return Status::InvalidInput("a read replica takes records from its ledger, not submissions");
  if (failed_) return Status::Io("an earlier write failed; reopen the ledger");
  SubmitStats local;
  SubmitStats& stats = stats_out ? *stats_out : local;
  // Three stages on their own threads: parse (ParseStage) → validate, seal, stage (here) →
  // durable write (Rotate's writer).
  if (const uint64_t total = source->total_bytes())  // ~150 bytes a line in practice
    state_.Expect(static_cast<size_t>(total / 150));
  const double validate_cpu0 = ThreadCpuSeconds();
  write_cpu_seconds_ = 0;
  using Clock = std::chrono::steady_clock;
  // A chunk goes from the parse stage to this thread within a fraction of the batch delay.
  ParseStage parse(source, std::max(std::chrono::milliseconds(1), options_.batch_delay / 8));
  // However Submit ends, no writer thread outlives it: a batch left unreported (an error path)
  // is waited for and marks the ledger failed (its memory is ahead of what was reported).
  struct DrainOnExit {
    LedgerImpl* l;
    ~DrainOnExit() {
      if (l->in_flight_) {
        l->in_flight_result_.wait();
        l->in_flight_ = nullptr;
        l->failed_ = true;
      }
    }
  } drain{this};
  LineParser parser;  // only for the rare duplicate comparison
  std::vector<std::string_view> subjects;
  std::string line_json, stored_bytes, scratch;
  int64_t batch_time = 0;
  uint64_t bytes_read = 0;
  wait_seconds_ = 0;
  RecordDecoder target_dec;
  const std::function<void()> report = [&] {
    stats.bytes = bytes_read;
    if (progress) progress(stats);
  };
  const std::string_view source_name = source->name();
  ResetBatch(building_, head_.position + 1);
  for (StagedBatch& b : batches_) b.outcomes.reserve(2 * options_.batch_events);
  // When the batch being built got its first line (a batch closes batch_delay after it).
  Clock::time_point batch_opened = Clock::time_point::max();

  // Every line's outcome slot: its line number and, from a source with tokens, its token.
  auto note_line = [&](const ParsedLine& p, uint64_t ref) {
    StagedBatch& b = *building_;
    if (b.outcomes.empty()) batch_opened = Clock::now();
    b.outcomes.push_back({p.line_no, ref});
    if (p.has_token && !source_name.empty()) {
      b.tokens.push_back(p.token);
      b.source_name = source_name;
      b.source_next = p.token + 1;
    }
  };
  auto other = [&](const ParsedLine& p, OtherOutcome&& o) {
    note_line(p, OutcomeRef::kOther | building_->others.size());
    building_->others.push_back(std::move(o));
  };
  auto reject = [&](const ParsedLine& p, Rejection&& r) {
    ++stats.rejected;
    ++stats.by_reason[static_cast<int>(r.reason)];
    other(p, {OutcomeKind::kRejected, p.has_event_id, p.event_id, 0, {}, std::move(r)});
  };
  auto rotate = [&](BatchMoment moment) {
    batch_opened = Clock::time_point::max();
    return Rotate(sink, report, moment);
  };

  double parse_wait = 0;
  for (;;) {
    const auto t0 = Clock::now();
    const bool open = batch_opened != Clock::time_point::max();
    const Clock::time_point due = open ? batch_opened + options_.batch_delay : Clock::time_point::max();
    // With a batch in flight, only look whether a chunk is ready: if none is, the time is
    // better spent reporting the batch in flight (a slow source's outcomes go out at once).
    bool timed_out = false;
    ParsedChunk* chunk = parse.Next(in_flight_ ? std::min(due, t0) : due, &timed_out);
    parse_wait += std::chrono::duration<double>(Clock::now() - t0).count();
    if (timed_out) {
      Status st = open && Clock::now() >= due ? rotate(BatchMoment::kPause)  // the source is slow
                                              : WaitInFlight(sink, report);
      if (!st.ok()) return st;
      continue;
    }
    if (!chunk) break;
    for (size_t i = 0; i < chunk->n; ++i) {
      ParsedLine& p = chunk->lines[i];
      // The parsing thread wrote the lines on the other core: fetch what this thread will read
      // ahead of time, the lines themselves far ahead, what they point to nearer.
      constexpr size_t kFar = 16, kNear = 8;
      constexpr size_t kMessageLines = 5;  // a typical event's message: ~40 words
      if (i + kFar < chunk->n) {
        const char* far = reinterpret_cast<const char*>(&chunk->lines[i + kFar]);
        for (size_t k = 0; k < ParsedLine::kHotLines; ++k) __builtin_prefetch(far + 64 * k);
      }
      if (i + kNear < chunk->n) {
        const ParsedLine& ahead = chunk->lines[i + kNear];
        if (ahead.state != ParsedLine::State::kEarly) {
          state_.PrefetchEvent(ahead.event_id_fingerprint);
          __builtin_prefetch(ahead.event_id.data());
        }
        if (ahead.state == ParsedLine::State::kParsed) {
          const char* seg = reinterpret_cast<const char*>(chunk->Segment(i + kNear).begin());
          for (size_t k = 0; k < kMessageLines; ++k) __builtin_prefetch(seg + 64 * k);
          __builtin_prefetch(ahead.prepared.data());
          for (std::string_view s : ahead.subjects) state_.PrefetchName(s);
        }
      }
      ++stats.lines;
      if (building_->n >= options_.batch_events ||
          building_->outcomes.size() >= 2 * options_.batch_events) {
        if (Status st = rotate(BatchMoment::kBusy); !st.ok()) return st;
      }
      if (p.state == ParsedLine::State::kEarly) {
        reject(p, std::move(p.rejection));
        continue;
      }
      const std::string_view event_id = p.event_id;
      if (const uint64_t pos = state_.FindEvent(event_id, event_loader_, p.event_id_fingerprint)) {
        RecordDecoder dec;
        if (!LoadAny(pos, &stored_bytes) || !dec.Decode(stored_bytes))
          return Status::Corruption("cannot read record " + std::to_string(pos));
        line_json.clear();
        AppendEventJson(dec.record().getEvent(), &line_json);
        if (!parser.Parse(chunk->Text(p)) && line_json == parser.CanonicalJson()) {
          ++stats.duplicates;
          other(p, {OutcomeKind::kDuplicate, true, std::string(event_id), pos,
                    HashFromData(dec.record().getHash()), {}, pos > durable_head_.position});
        } else {
          reject(p, Rejection{Reason::kConflict, "event_id",
                              "event_id \"" + std::string(event_id) +
                                  "\" was accepted at position " + std::to_string(pos) +
                                  " with other content"});
        }
        continue;
      }
      if (p.state == ParsedLine::State::kLate) {
        reject(p, std::move(p.rejection));
        continue;
      }
      const schema::Event::Reader ev = p.event;
      if (auto r = state_.Check(ev, head_.position, event_loader_)) {
        reject(p, std::move(*r));
        continue;
      }
      // Accept. recorded_at is never the epoch itself: a zero time would change the record's
      // canonical layout, which the staged bytes fix (PrepareRecord).
      StagedBatch& b = *building_;
      if (b.n == 0)
        batch_time = std::max({clock_->NowMicros(), head_.recorded_at_us, int64_t{1}});
      const uint64_t pos = head_.position + 1;
      if (b.n == b.records.size()) {
        b.records.emplace_back();
        b.event_ids.emplace_back();
      }
      b.event_ids[b.n].assign(event_id);
      std::string& bytes = b.records[b.n++];
      bytes.swap(p.prepared);  // both strings keep their capacity for reuse
      StampPrepared(&bytes, pos, batch_time);  // the writer chains the hashes
      if (ev.which() == schema::Event::EVENT_RETRACTED) {
        RecordView r;
        r.position = pos;
        r.event = ev;
        r.find_event = &find_event_;
        r.load = &load_any_;
        SubjectsIndex::Subjects(r, &subjects, &scratch, &target_dec);
        subjects_->Add(pos, subjects);
      } else {
        subjects_->Add(pos, {p.subjects.begin(), p.subjects.size()});  // found by the parse stage
      }
      state_.Apply(pos, ev, event_loader_, p.event_id_fingerprint);
      head_.position = pos;
      head_.recorded_at_us = batch_time;
      ++stats.accepted;
      note_line(p, pos);
    }
    bytes_read = chunk->bytes_read;
    parse.Release(chunk);
    // A batch open too long under a steady trickle goes out now.
    if (batch_opened != Clock::time_point::max() &&
        Clock::now() >= batch_opened + options_.batch_delay) {
      if (Status st = rotate(BatchMoment::kBusy); !st.ok()) return st;
    }
  }
  // Keep what was accepted before a read error: it is valid, and durable once written.
  Status st = rotate(BatchMoment::kEnd);
  if (st.ok()) st = WaitInFlight(sink, report);
  stats.write_wait_seconds = wait_seconds_;
  stats.validate_cpu_seconds = ThreadCpuSeconds() - validate_cpu0;
  stats.write_cpu_seconds = write_cpu_seconds_;
  stats.parse_cpu_seconds = parse.cpu_seconds();
  stats.parse_wait_seconds = parse_wait;
  if (!st.ok()) return st;
  return parse.status();
}

}  // namespace smeledger::ledger
