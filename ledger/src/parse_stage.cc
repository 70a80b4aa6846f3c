#include "parse_stage.h"

#include <pthread.h>

#include <cstring>

#include "line_parser.h"
#include "line_reader.h"
#include "record_codec.h"
#include "rules.h"
#include "subjects.h"

namespace smeledger::ledger {

ParseStage::ParseStage(int fd, size_t lines_per_chunk, size_t chunks) {
  for (size_t i = 0; i < chunks; ++i) {
    auto c = std::make_unique<ParsedChunk>();
    c->lines = std::vector<ParsedLine>(lines_per_chunk);  // ParsedLine does not move
    c->arena.assign(lines_per_chunk * ParsedChunk::kWordsPerLine, capnp::word());
    c->text.reserve(lines_per_chunk * 256);
    free_.push_back(c.get());
    storage_.push_back(std::move(c));
  }
  thread_ = std::thread([this, fd] { Run(fd); });
}

ParseStage::~ParseStage() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

ParsedChunk* ParseStage::Next() {
  std::unique_lock<std::mutex> l(mu_);
  cv_.wait(l, [&] { return !full_.empty() || done_; });
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

void ParseStage::Run(int fd) {
  pthread_setname_np(pthread_self(), "ledger-parse");
  LineReader reader(fd);
  LineParser parser;
  bool eof = false;
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
      uint64_t line_no;
      std::string_view line;
      while (c->n < c->lines.size()) {
        if (!reader.Next(&line_no, &line)) {
          eof = true;
          break;
        }
        ParsedLine& p = c->lines[c->n];
        p.message.reset();  // zeroes the arena slice the line's previous message used
        const kj::ArrayPtr<capnp::word> segment = c->Segment(c->n);
        ++c->n;
        p.line_no = line_no;
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
      c->bytes_read = reader.bytes_read();
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
  if (status_.ok()) status_ = reader.status();
  done_ = true;
  cv_.notify_all();
}

double ParseStage::cpu_seconds() const { return cpu_seconds_; }

}  // namespace smeledger::ledger
