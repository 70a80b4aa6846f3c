// The public face of the generator: option checks, the pull loop and the sinks.
#include "smeledger/producers/generator.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "simulation.h"

namespace smeledger::producers {

namespace {

constexpr std::string_view kOutcomeNames[3] = {"accepted", "duplicate", "rejected"};

Status CheckOptions(const GeneratorOptions& o) {
  if (o.institutions < 0 || o.institutions > 100000) {
    return Status::InvalidInput("institutions must be between 0 and 100000");
  }
  if (o.enterprises < 1 || o.enterprises > 20000000) {
    return Status::InvalidInput("enterprises must be between 1 and 20000000");
  }
  if (o.years < 1 || o.years > 200) return Status::InvalidInput("years must be between 1 and 200");
  if (o.year < 1971 || o.year + o.years > 9999) {
    return Status::InvalidInput("year must be 1971 or later, and year + years at most 9999");
  }
  if (o.bad < 0 || o.bad > 10000000) {
    return Status::InvalidInput("bad must be between 0 and 10000000");
  }
  return Status::Ok();
}

}  // namespace

// ------------------------------------------------------------------------------------ Simulation

bool ProvinceGenerator::Simulation::Next(std::string_view* line, ExpectedOutcome* expected) {
  if (options_.limit > 0 && lines_ >= options_.limit) return false;
  bool special = false;
  for (;;) {
    if (invalid_ != nullptr && EmitDueSpecial(false)) {
      special = true;
      break;
    }
    if (queue_.empty()) {
      if (invalid_ != nullptr && EmitDueSpecial(true)) {
        special = true;
        break;
      }
      return false;
    }
    const Intent in = queue_.Pop();
    if (in.at > now_) now_ = in.at;
    if (Execute(in)) {
      ++valid_lines_;
      break;
    }
  }
  ++lines_;
  if (!special) {
    *line = out_.view();
    if (expected != nullptr) {
      expected->line = lines_;
      expected->event_id.clear();
      const int32_t index = static_cast<int32_t>(state_.events.size() - 1);
      internal::ProvinceState::AppendEventId(&expected->event_id, index);
      expected->outcome.assign(kOutcomeNames[0]);
      expected->reason.clear();
      expected->position = state_.events.size();
      expected->detail.clear();
    }
    return true;
  }
  *line = invalid_->line();
  if (invalid_->duplicate()) {
    ++duplicates_;
  } else {
    ++rejected_by_reason_[invalid_->reason()];
  }
  if (expected != nullptr) {
    expected->line = lines_;
    expected->event_id = invalid_->event_id();
    expected->outcome.assign(kOutcomeNames[invalid_->duplicate() ? 1 : 2]);
    if (invalid_->duplicate()) {
      expected->reason.clear();
    } else {
      expected->reason.assign(internal::kReasonNames[invalid_->reason()]);
    }
    expected->position = invalid_->position();
    expected->detail = invalid_->detail();
  }
  return true;
}

void ProvinceGenerator::Simulation::PlanSpecials() {
  const uint64_t bad = static_cast<uint64_t>(options_.bad);
  const uint64_t dups = (bad + 9) / 10;
  if (options_.limit > 0) {
    // Spread over the first `limit` lines, by count of valid lines before each.
    const uint64_t valid = options_.limit > bad + dups ? options_.limit - bad - dups : 0;
    for (uint64_t j = 0; j < bad; ++j) {
      specials_.push_back(
          Special{(2 * j + 1) * valid / (2 * bad), static_cast<uint32_t>(j), false});
    }
    for (uint64_t j = 0; j < dups; ++j) {
      specials_.push_back(
          Special{(4 * j + 3) * valid / (4 * dups), static_cast<uint32_t>(j), true});
    }
  } else {
    // Spread over the simulated time, which the valid lines fill about evenly (from the day
    // after the first admissions, so that the file starts with the network).
    const int64_t start = internal::CstTime(first_year_, 1, 3, 12);
    const uint64_t span = static_cast<uint64_t>(internal::CstTime(last_year_ + 1, 1, 20) - start);
    for (uint64_t j = 0; j < bad; ++j) {
      specials_.push_back(Special{static_cast<uint64_t>(start) + (2 * j + 1) * (span / 2) / bad,
                                  static_cast<uint32_t>(j), false});
    }
    for (uint64_t j = 0; j < dups; ++j) {
      specials_.push_back(Special{static_cast<uint64_t>(start) + (4 * j + 3) * (span / 4) / dups,
                                  static_cast<uint32_t>(j), true});
    }
  }
  std::stable_sort(specials_.begin(), specials_.end(),
                   [](const Special& l, const Special& r) { return l.when < r.when; });
}

bool ProvinceGenerator::Simulation::EmitDueSpecial(bool at_end) {
  while (next_special_ < specials_.size()) {
    const Special& s = specials_[next_special_];
    bool due;
    if (at_end) {
      due = true;
    } else if (options_.limit > 0) {
      due = valid_lines_ >= s.when;
    } else {
      due = queue_.empty() || static_cast<uint64_t>(queue_.Peek().at) >= s.when;
      if (due && static_cast<int64_t>(s.when) > now_) now_ = static_cast<int64_t>(s.when);
    }
    if (!due) break;
    waiting_specials_.push_back(next_special_++);
  }
  for (size_t i = 0; i < waiting_specials_.size(); ++i) {
    const Special& s = specials_[waiting_specials_[i]];
    const bool made =
        s.duplicate ? invalid_->MakeDuplicate(s.index) : invalid_->MakeInvalid(s.index, now_);
    if (made) {
      waiting_specials_.erase(waiting_specials_.begin() + static_cast<std::ptrdiff_t>(i));
      return true;
    }
  }
  return false;
}

GeneratorStats ProvinceGenerator::Simulation::Stats() const {
  GeneratorStats s;
  s.lines = lines_;
  s.accepted = state_.events.size();
  s.duplicates = duplicates_;
  for (int t = 0; t < internal::kEventTypeCount; ++t) {
    s.accepted_by_type[std::string(internal::kEventTypeNames[t])] = accepted_by_type_[t];
  }
  for (int r = 0; r < internal::kReasonCount; ++r) {
    s.rejected_by_reason[std::string(internal::kReasonNames[r])] = rejected_by_reason_[r];
    s.rejected += rejected_by_reason_[r];
  }
  return s;
}

// ------------------------------------------------------------------------------------ public API

Status ProvinceGenerator::Open(const GeneratorOptions& options,
                               std::unique_ptr<ProvinceGenerator>* out) {
  Status s = CheckOptions(options);
  if (!s.ok()) return s;
  out->reset(new ProvinceGenerator(std::make_unique<Simulation>(options)));
  return Status::Ok();
}

ProvinceGenerator::ProvinceGenerator(std::unique_ptr<Simulation> simulation)
    : simulation_(std::move(simulation)) {}

ProvinceGenerator::~ProvinceGenerator() = default;

bool ProvinceGenerator::Next(std::string_view* line, ExpectedOutcome* expected) {
  return simulation_->Next(line, expected);
}

GeneratorStats ProvinceGenerator::stats() const { return simulation_->Stats(); }

Status GenerateProvince(const GeneratorOptions& options, const LineSink& sink,
                        const OutcomeSink& outcomes, GeneratorStats* stats) {
  std::unique_ptr<ProvinceGenerator> generator;
  Status s = ProvinceGenerator::Open(options, &generator);
  if (!s.ok()) return s;
  std::string_view line;
  ExpectedOutcome expected;
  ExpectedOutcome* want = outcomes ? &expected : nullptr;
  while (generator->Next(&line, want)) {
    sink(line);
    if (want != nullptr) outcomes(expected);
  }
  if (stats != nullptr) *stats = generator->stats();
  return Status::Ok();
}

Status WriteProvince(const GeneratorOptions& options, std::FILE* out, GeneratorStats* stats) {
  std::unique_ptr<ProvinceGenerator> generator;
  Status s = ProvinceGenerator::Open(options, &generator);
  if (!s.ok()) return s;
  std::string buffer;
  buffer.reserve(1 << 20);
  std::string_view line;
  auto flush = [&]() {
    if (!buffer.empty() && std::fwrite(buffer.data(), 1, buffer.size(), out) != buffer.size()) {
      return false;
    }
    buffer.clear();
    return true;
  };
  while (generator->Next(&line)) {
    buffer.append(line);
    buffer.push_back('\n');
    if (buffer.size() >= (1 << 20) - 4096 && !flush()) {
      return Status::Io(std::string("cannot write the generated lines: ") + std::strerror(errno));
    }
  }
  if (!flush() || std::fflush(out) != 0) {
    return Status::Io(std::string("cannot write the generated lines: ") + std::strerror(errno));
  }
  if (stats != nullptr) *stats = generator->stats();
  return Status::Ok();
}

std::span<const std::string_view> EventTypeNames() {
  return std::span<const std::string_view>(internal::kEventTypeNames);
}

std::span<const std::string_view> ReasonCodes() {
  return std::span<const std::string_view>(internal::kReasonNames);
}

}  // namespace smeledger::producers
