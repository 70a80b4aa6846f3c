#include "smeledger/projections/working_day_calendar.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "smeledger/ledger/civil_time.h"

namespace smeledger::projections {

namespace internal {
// projections/data/cn-workdays.toml, turned into a raw string literal at build time by
// projections/cmake/EmbedText.cmake (generated file: cn_workdays_data.cc in the build tree).
extern const char kCnWorkdaysToml[];
extern const std::size_t kCnWorkdaysTomlSize;
}  // namespace internal

namespace {

constexpr std::string_view kEmbeddedOrigin = "<embedded cn-workdays.toml>";

// 0 = Sunday … 6 = Saturday. 1970-01-01 was a Thursday.
int Weekday(int64_t epoch_day) {
  const int64_t r = (epoch_day + 4) % 7;
  return static_cast<int>(r < 0 ? r + 7 : r);
}

bool IsWeekend(int64_t epoch_day) {
  const int wd = Weekday(epoch_day);
  return wd == 0 || wd == 6;
}

bool TestBit(const std::vector<uint64_t>& bits, int64_t i) {
  return (bits[static_cast<size_t>(i >> 6)] >> (i & 63)) & 1u;
}
void SetBit(std::vector<uint64_t>* bits, int64_t i, bool on) {
  uint64_t& w = (*bits)[static_cast<size_t>(i >> 6)];
  const uint64_t mask = uint64_t{1} << (i & 63);
  w = on ? (w | mask) : (w & ~mask);
}

// "origin:line: " for a node, or "origin: " when the node has no position.
std::string Where(std::string_view origin, const toml::source_region& src) {
  std::string s(origin);
  if (src.begin.line > 0) s += ":" + std::to_string(src.begin.line);
  return s + ": ";
}

// A year table parsed and checked, not yet part of any calendar.
struct ParsedYear {
  int year = 0;
  std::string source;
  std::vector<int32_t> holidays;
  std::vector<int32_t> workdays;
};

// Reads one of the `holidays` / `workdays` arrays of `year` into sorted epoch days. A date also
// in `exclusive` (sorted; the other array, already read) is an error.
Status ReadDates(std::string_view origin, int year, const toml::table& tbl, std::string_view key,
                 const std::vector<int32_t>& exclusive, std::vector<int32_t>* out) {
  const toml::node* node = tbl.get(key);
  if (node == nullptr) {
    return Status::InvalidInput(Where(origin, tbl.source()) + "year " + std::to_string(year) +
                                ": missing `" + std::string(key) +
                                "` (an array of \"YYYY-MM-DD\" dates; may be empty)");
  }
  const toml::array* arr = node->as_array();
  if (arr == nullptr) {
    return Status::InvalidInput(Where(origin, node->source()) + "year " + std::to_string(year) +
                                ": `" + std::string(key) + "` must be an array of dates");
  }
  const std::string prefix_year = "year " + std::to_string(year) + ": ";
  for (const toml::node& item : *arr) {
    std::string text;
    if (const auto* s = item.as_string()) {
      text = s->get();
    } else if (const auto* d = item.as_date()) {
      std::ostringstream os;
      os << d->get();  // toml++ prints a local date as YYYY-MM-DD
      text = os.str();
    } else {
      return Status::InvalidInput(Where(origin, item.source()) + prefix_year + "`" +
                                  std::string(key) +
                                  "` holds something that is not a date (write \"YYYY-MM-DD\")");
    }
    int32_t day = 0;
    if (!ParseDate(text, &day)) {
      return Status::InvalidInput(Where(origin, item.source()) + prefix_year + "\"" + text +
                                  "\" in `" + std::string(key) +
                                  "` is not a real date written YYYY-MM-DD");
    }
    int y = 0;
    unsigned m = 0, dd = 0;
    CivilFromDays(day, &y, &m, &dd);
    if (y != year) {
      return Status::InvalidInput(
          Where(origin, item.source()) + prefix_year + "\"" + text + "\" in `" + std::string(key) +
          "` is not in " + std::to_string(year) + " (a year's table lists only that year's days)");
    }
    if (std::find(out->begin(), out->end(), day) != out->end()) {
      return Status::InvalidInput(Where(origin, item.source()) + prefix_year + "\"" + text +
                                  "\" is listed twice in `" + std::string(key) + "`");
    }
    if (std::binary_search(exclusive.begin(), exclusive.end(), day)) {
      return Status::InvalidInput(Where(origin, item.source()) + prefix_year + "\"" + text +
                                  "\" is both a holiday and a workday");
    }
    if (key == "workdays" && !IsWeekend(day)) {
      return Status::InvalidInput(Where(origin, item.source()) + prefix_year + "\"" + text +
                                  "\" in `workdays` is a weekday; `workdays` lists only the "
                                  "Saturdays and Sundays that are working days");
    }
    out->push_back(day);
  }
  std::sort(out->begin(), out->end());
  return Status::Ok();
}

Status ParseYear(std::string_view origin, const toml::key& key, const toml::node& node,
                 ParsedYear* out) {
  const std::string_view k = key.str();
  const bool four_digits =
      k.size() == 4 && std::all_of(k.begin(), k.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!four_digits) {
    return Status::InvalidInput(Where(origin, key.source()) + "`" + std::string(k) +
                                "` is not a year: the top level holds only [YYYY] tables");
  }
  out->year = std::stoi(std::string(k));
  const std::string year_s = "year " + std::string(k) + ": ";
  const toml::table* tbl = node.as_table();
  if (tbl == nullptr) {
    return Status::InvalidInput(Where(origin, node.source()) + year_s + "must be a table ([" +
                                std::string(k) + "])");
  }
  for (const auto& [field, value] : *tbl) {
    if (field != "source" && field != "holidays" && field != "workdays") {
      return Status::InvalidInput(Where(origin, field.source()) + year_s + "unknown key `" +
                                  std::string(field.str()) +
                                  "` (expected source, holidays, workdays)");
    }
  }
  const toml::node* source = tbl->get("source");
  if (source == nullptr || !source->is_string() || source->as_string()->get().empty()) {
    return Status::InvalidInput(
        Where(origin, source ? source->source() : tbl->source()) + year_s +
        "`source` must be a non-empty string naming the notice the year comes from");
  }
  out->source = source->as_string()->get();
  Status s = ReadDates(origin, out->year, *tbl, "holidays", {}, &out->holidays);
  if (s.ok()) s = ReadDates(origin, out->year, *tbl, "workdays", out->holidays, &out->workdays);
  return s;
}

}  // namespace

Result<WorkingDayCalendar> WorkingDayCalendar::LoadDefault() {
  WorkingDayCalendar cal;
  Status s = cal.AddToml(std::string_view(internal::kCnWorkdaysToml, internal::kCnWorkdaysTomlSize),
                         kEmbeddedOrigin);
  if (!s.ok()) {
    return Status::Corruption("the embedded working-day calendar is broken: " + s.message());
  }
  return cal;
}

Status WorkingDayCalendar::AddFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) {
    return Status::InvalidInput("cannot read calendar file " + path + ": " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return Status::InvalidInput("cannot read calendar file " + path + ": read error");
  }
  return AddToml(text.str(), path);
}

Status WorkingDayCalendar::AddToml(std::string_view toml_text, std::string_view origin) {
  // Exceptions stop here: toml++ (built with exceptions) reports syntax errors by throwing.
  toml::table doc;
  try {
    doc = toml::parse(toml_text, origin);
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    return Status::InvalidInput(std::string(origin) + ":" + std::to_string(at.line) + ":" +
                                std::to_string(at.column) +
                                ": not valid TOML: " + std::string(e.description()));
  }

  std::vector<ParsedYear> parsed;
  for (const auto& [key, node] : doc) {
    ParsedYear y;
    if (Status s = ParseYear(origin, key, node, &y); !s.ok()) return s;
    if (auto it = years_.find(y.year); it != years_.end()) {
      return Status::InvalidInput(Where(origin, key.source()) + "year " + std::to_string(y.year) +
                                  " is already in the working-day calendar (from " +
                                  it->second.origin +
                                  "); a year may be given only once, extra files add new years");
    }
    parsed.push_back(std::move(y));
  }
  if (parsed.empty()) {
    return Status::InvalidInput(std::string(origin) + ": no [YYYY] year table in the file");
  }

  for (ParsedYear& y : parsed) {
    years_[y.year] = Year{std::string(origin), std::move(y.source), std::move(y.holidays),
                          std::move(y.workdays)};
  }
  Rebuild();
  return Status::Ok();
}

void WorkingDayCalendar::Rebuild() {
  known_.clear();
  working_.clear();
  first_day_ = 0;
  day_count_ = 0;
  if (years_.empty()) return;
  first_day_ = DaysFromCivil(years_.begin()->first, 1, 1);
  const int32_t end_day = DaysFromCivil(years_.rbegin()->first, 12, 31) + 1;
  day_count_ = end_day - first_day_;
  const size_t words = (static_cast<size_t>(day_count_) + 63) / 64;
  known_.assign(words, 0);
  working_.assign(words, 0);
  for (const auto& [year, y] : years_) {
    const int32_t from = DaysFromCivil(year, 1, 1);
    const int32_t to = DaysFromCivil(year, 12, 31);
    for (int32_t d = from; d <= to; ++d) {
      SetBit(&known_, d - first_day_, true);
      SetBit(&working_, d - first_day_, !IsWeekend(d));
    }
    for (int32_t d : y.holidays) SetBit(&working_, d - first_day_, false);
    for (int32_t d : y.workdays) SetBit(&working_, d - first_day_, true);
  }
}

Status WorkingDayCalendar::UnknownYearAt(int32_t epoch_day) const {
  int year = 0;
  unsigned month = 0, day = 0;
  CivilFromDays(epoch_day, &year, &month, &day);
  return Status::NotFound("the working-day calendar has no year " + std::to_string(year) +
                          ": add it with --calendar FILE");
}

Result<bool> WorkingDayCalendar::IsWorkingDay(int32_t epoch_day) const {
  const int64_t i = int64_t{epoch_day} - first_day_;
  if (i < 0 || i >= day_count_ || !TestBit(known_, i)) return UnknownYearAt(epoch_day);
  return TestBit(working_, i);
}

Result<int32_t> WorkingDayCalendar::AddWorkingDays(int32_t epoch_day, int n) const {
  if (n < 0) {
    return Status::InvalidInput("a number of working days must be 0 or more, not " +
                                std::to_string(n));
  }
  int64_t i = int64_t{epoch_day} - first_day_;
  while (n > 0) {
    ++i;
    if (i < 0 || i >= day_count_ || !TestBit(known_, i)) {
      // Clamped: a walk from the last representable day has no day to name.
      const int64_t day = std::min<int64_t>(i + first_day_, INT32_MAX);
      return UnknownYearAt(static_cast<int32_t>(day));
    }
    if (TestBit(working_, i)) --n;
  }
  return static_cast<int32_t>(i + first_day_);
}

bool WorkingDayCalendar::KnowsYear(int year) const { return years_.count(year) != 0; }

int WorkingDayCalendar::first_year() const { return years_.empty() ? 0 : years_.begin()->first; }

int WorkingDayCalendar::last_year() const { return years_.empty() ? 0 : years_.rbegin()->first; }

const std::string& WorkingDayCalendar::SourceOf(int year) const {
  static const std::string kNone;
  auto it = years_.find(year);
  return it == years_.end() ? kNone : it->second.source;
}

}  // namespace smeledger::projections
