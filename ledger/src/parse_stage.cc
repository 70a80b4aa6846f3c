#include "parse_stage.h"

#include <pthread.h>

#include <cstring>

#include "line_parser.h"
#include "record_codec.h"
#include "rules.h"
#include "subjects.h"

namespace smeledger::ledger {

ParseStage::ParseStage(SubmissionSource* source, std::chrono::milliseconds chunk_delay,
                       size_t lines_per_chunk, size_t chunks)
    : source_(source), chunk_delay_(chunk_delay) {
  for (size_t i = 0; i < chunks; ++i) {
    auto c = std::make_unique<ParsedChunk>();
    c->lines = std::vector<ParsedLine>(lines_per_chunk);  // ParsedLine does not move
    c->arena.assign(lines_per_chunk * ParsedChunk::kWordsPerLine, capnp::word());
    c->text.reserve(lines_per_chunk * 256);
    free_.push_back(c.get());
    storage_.push_back(std::move(c));
  }
  thread_ = std::thread([this] { Run(); });
}

ParseStage::~ParseStage() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

ParsedChunk* ParseStage::Next(std::chrono::steady_clock::time_point deadline, bool* timed_out) {
  std::unique_lock<std::mutex> l(mu_);
  *timed_out = !cv_.wait_until(l, deadline, [&] { return !full_.empty() || done_; });
  if (full_.empty()) return nullptr;
  ParsedChunk* c = full_.front();
  full_.pop_front();
  return c;
}

void ParseStage::Release(ParsedChunk* c) {
  // The lines' messages stay: the parsing thread resets each line as it reuses it (which
  // zeroes its arena slice there, not on the validating thread).
  c->n = 0;
  c->text.clear();
  {
    std::lock_guard<std::mutex> l(mu_);
    free_.push_back(c);
  }
  cv_.notify_all();
}

namespace {

// The event_id a rejected line carried, if it had a string one (CLI.md: null otherwise).
bool LineEventId(const LineParser& p, Reason r, std::string* out) {
  if (r == Reason::kMalformedJson || r == Reason::kNotObject) return false;
  for (const JsonMember& m : p.members()) {
    if (m.key == "event_id") {
      if (m.kind != JsonMember::Kind::kString) return false;
      out->assign(m.text);
      return true;
    }
  }
  return false;
}

}  // namespace

// Reads one line, waiting at most `wait`; false at the end of input (a stop request included)
// or when the consumer is gone. *idle: nothing came in time.
bool ParseStage::ReadLine(SourceLine* line, std::chrono::milliseconds wait, bool* idle) {
  *idle = false;
  switch (source_->Next(line, wait)) {
    case SubmissionSource::Read::kLine: return true;
    case SubmissionSource::Read::kIdle: *idle = true; return true;
    case SubmissionSource::Read::kEnd: return false;
  }
  return false;
}

void ParseStage::Run() {
  pthread_setname_np(pthread_self(), "ledger-parse");
  LineParser parser;
  bool eof = false;
  using Clock = std::chrono::steady_clock;
  // How long the first line of a chunk is waited for at a time (a stop request is noticed
  // between waits).
  constexpr std::chrono::milliseconds kFirstWait(100);
  try {
    while (!eof) {
      ParsedChunk* c;
      {
        std::unique_lock<std::mutex> l(mu_);
        cv_.wait(l, [&] { return !free_.empty() || stop_; });
        if (stop_) break;
        c = free_.front();
        free_.pop_front();
      }
      SourceLine in;
      Clock::time_point chunk_end{};
      while (c->n < c->lines.size()) {
        bool idle = false;
        if (c->n == 0) {
          if (!ReadLine(&in, kFirstWait, &idle)) {
            eof = true;
            break;
          }
          if (idle) {
            std::lock_guard<std::mutex> l(mu_);
            if (stop_) break;
            continue;
          }
          chunk_end = Clock::now() + chunk_delay_;
        } else {
          // Lines already waiting come at once; a pause hands the chunk over by chunk_end.
          if (!ReadLine(&in, std::chrono::milliseconds(0), &idle)) {
            eof = true;
            break;
          }
          if (idle) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                chunk_end - Clock::now());
            if (left.count() <= 0) break;
            if (!ReadLine(&in, left, &idle)) {
              eof = true;
              break;
            }
            if (idle) break;
          }
        }
        const uint64_t line_no = in.line_no;
        const std::string_view line = in.text;
        ParsedLine& p = c->lines[c->n];
        p.message.reset();  // zeroes the arena slice the line's previous message used
        const kj::ArrayPtr<capnp::word> segment = c->Segment(c->n);
        ++c->n;
        p.line_no = line_no;
        p.has_token = in.has_token;
        p.token = in.token;
        p.text_offset = c->text.size();
        p.text_size = line.size();
        c->text.append(line);
        p.event_id.clear();
        p.has_event_id = false;
        if (auto r = parser.Parse(line)) {
          p.state = ParsedLine::State::kEarly;
          p.has_event_id = LineEventId(parser, r->reason, &p.event_id);
          p.rejection = std::move(*r);
          continue;
        }
        p.has_event_id = true;
        p.event_id.assign(parser.event_id());
        p.event_id_fingerprint = EventIdIndex::Fingerprint(p.event_id);
        p.message.emplace(segment);
        auto rec = p.message->initRoot<schema::Record>();
        if (auto r = parser.BuildEvent(rec.initEvent())) {
          p.state = ParsedLine::State::kLate;
          p.rejection = std::move(*r);
          p.message.reset();
        } else {
          p.state = ParsedLine::State::kParsed;
          PrepareRecord(&*p.message, &p.prepared);
          p.event = rec.getEvent().asReader();
          p.subjects.clear();
          EventSubjects(p.event, &p.subjects);
        }
      }
      c->bytes_read = source_->bytes_read();
      {
        std::lock_guard<std::mutex> l(mu_);
        if (c->n > 0) {
          full_.push_back(c);
        } else {
          free_.push_back(c);
        }
      }
      cv_.notify_all();
    }
  } catch (const std::exception& e) {  // nothing may cross the thread boundary
    std::lock_guard<std::mutex> l(mu_);
    status_ = Status::Io(std::string("parsing failed: ") + e.what());
  } catch (const kj::Exception& e) {
    std::lock_guard<std::mutex> l(mu_);
    status_ = Status::Io(std::string("parsing failed: ") + e.getDescription().cStr());
  }
  cpu_seconds_ = ThreadCpuSeconds();
  std::lock_guard<std::mutex> l(mu_);
  if (status_.ok()) status_ = source_->status();
  done_ = true;
  cv_.notify_all();
}

double ParseStage::cpu_seconds() const { return cpu_seconds_; }

}  // namespace smeledger::ledger
