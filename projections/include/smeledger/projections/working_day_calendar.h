// China's official working-day calendar (INDICATORS.md, "Working day"): Monday–Friday unless a
// public holiday of the State Council General Office's yearly notice, plus the Saturdays and
// Sundays that notice makes working days (调休).
//
// The calendar knows whole years, each transcribed from its notice; the years 2019–2026 ship
// inside the library (projections/data/cn-workdays.toml, embedded at build time) and a user file
// may add more (`--calendar FILE`). The file format is described in projections/README.md.
//
// Invariant: a question whose answer depends on a day of a year the calendar does not know is
// answered with Status::NotFound naming that year, never with a guess from the weekday.
//
// Thread safety: const methods may be called concurrently from any number of threads. AddFile
// and AddToml modify the calendar and need external synchronization; the intended use is to
// load once, at start-up, and then share the calendar read-only (e.g. by const reference or
// std::shared_ptr<const WorkingDayCalendar>).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "smeledger/ledger/status.h"

namespace smeledger::projections {

class WorkingDayCalendar {
 public:
  // An empty calendar: it knows no year, so every question about a day is NotFound.
  // Mostly for tests and tools that want only their own file; LoadDefault() is the usual start.
  WorkingDayCalendar() = default;

  // A value type: copyable and movable; copies are independent.
  WorkingDayCalendar(const WorkingDayCalendar&) = default;
  WorkingDayCalendar& operator=(const WorkingDayCalendar&) = default;
  WorkingDayCalendar(WorkingDayCalendar&&) noexcept = default;
  WorkingDayCalendar& operator=(WorkingDayCalendar&&) noexcept = default;

  // The calendar shipped with the library (the years of projections/data/cn-workdays.toml,
  // compiled into the binary: no file is read). Fails (Status::Corruption, saying what is wrong)
  // only if that data is broken, which is a build defect.
  static Result<WorkingDayCalendar> LoadDefault();

  // Adds the years of the calendar file at `path` (same format as the shipped data).
  // All or nothing: on error the calendar is unchanged.
  // Errors: Status::InvalidInput when the file cannot be read, is not valid TOML, or breaks a
  // rule of the format (see AddToml); the message names the file and, where it applies, the
  // line, the year and the date.
  Status AddFile(const std::string& path);

  // Adds the years of `toml_text`. `origin` names the text in error messages (a file path, or
  // e.g. "<embedded>"); it is copied. All or nothing: on error the calendar is unchanged.
  // Rules (Status::InvalidInput otherwise):
  //   - every top-level key is a year "YYYY" whose value is a table with exactly the keys
  //     `source` (non-empty string), `holidays` and `workdays` (arrays of dates, may be empty);
  //   - a date is a "YYYY-MM-DD" string (or a TOML local date) of a real day in the table's year;
  //   - no date is listed twice, no date is both a holiday and a workday;
  //   - every workday is a Saturday or a Sunday;
  //   - a year the calendar already knows cannot be given again (the error names the year and
  //     both origins): an extra file adds years, it never silently replaces shipped ones.
  Status AddToml(std::string_view toml_text, std::string_view origin);

  // Whether the day (days since 1970-01-01) is a working day. O(1).
  // Errors: Status::NotFound("the working-day calendar has no year Y: add it with
  // --calendar FILE") when the day's year is unknown.
  Result<bool> IsWorkingDay(int32_t epoch_day) const;

  // The n-th working day after `epoch_day`, which itself is not counted (INDICATORS.md): with
  // n = 1, the first working day strictly after it. n = 0 returns `epoch_day` itself, whatever
  // it is, and inspects no day. Only the days after `epoch_day` up to the answer are looked at,
  // so `epoch_day` may lie in an unknown year as long as those days do not.
  // Errors: Status::InvalidInput for n < 0; Status::NotFound naming the first unknown year the
  // walk reaches (e.g. a walk that runs off the last known year).
  Result<int32_t> AddWorkingDays(int32_t epoch_day, int n) const;

  // Whether the calendar has the year. Years need not be contiguous: a file may add 2028
  // without 2027, and then every question about a day of 2027 is NotFound.
  bool KnowsYear(int year) const;
  // The smallest and largest known year; both 0 when the calendar is empty.
  int first_year() const;
  int last_year() const;

  // The `source` text of a known year (the notice it was transcribed from), or "" if unknown.
  const std::string& SourceOf(int year) const;

 private:
  struct Year {
    std::string origin;             // where the year came from (file path or "<embedded>")
    std::string source;             // the notice(s), as the file states them
    std::vector<int32_t> holidays;  // epoch days, sorted
    std::vector<int32_t> workdays;  // epoch days, sorted
  };

  // Recomputes the bitsets below from years_.
  void Rebuild();
  Status UnknownYearAt(int32_t epoch_day) const;

  std::map<int, Year> years_;

  // Day-indexed bitsets over [first_day_, first_day_ + day_count_), first_day_ being 1 January
  // of the first year: bit i of known_ says the calendar knows day first_day_ + i (its year is
  // loaded); bit i of working_ says that day is a working day.
  int32_t first_day_ = 0;
  int32_t day_count_ = 0;
  std::vector<uint64_t> known_;
  std::vector<uint64_t> working_;
};

}  // namespace smeledger::projections
