// The working-day calendar against the State Council notices. Every expected value below was
// worked out by hand from the notices (see the comment beside it), not from the code.
#include "smeledger/projections/working_day_calendar.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "smeledger/ledger/civil_time.h"

namespace smeledger::projections {
namespace {

int32_t Day(const char* date) {
  int32_t d = 0;
  REQUIRE(ParseDate(date, &d));
  return d;
}

WorkingDayCalendar Shipped() {
  Result<WorkingDayCalendar> cal = WorkingDayCalendar::LoadDefault();
  REQUIRE(cal.ok());
  return std::move(cal).value();
}

bool Working(const WorkingDayCalendar& cal, const char* date) {
  Result<bool> r = cal.IsWorkingDay(Day(date));
  INFO(date << ": " << r.status().message());
  REQUIRE(r.ok());
  return r.value();
}

// "the n-th working day after date", as YYYY-MM-DD.
std::string Add(const WorkingDayCalendar& cal, const char* date, int n) {
  Result<int32_t> r = cal.AddWorkingDays(Day(date), n);
  INFO(date << " + " << n << ": " << r.status().message());
  REQUIRE(r.ok());
  return FormatDate(r.value());
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// A year no notice has published yet: test data, not a claim about 2027.
constexpr const char* kYear2027 = R"toml(
[2027]
source = "test data"
holidays = ["2027-01-01"]
workdays = []
)toml";

}  // namespace

TEST_CASE("shipped calendar covers 2019 to 2026", "[calendar]") {
  WorkingDayCalendar cal = Shipped();
  CHECK(cal.first_year() == 2019);
  CHECK(cal.last_year() == 2026);
  for (int y = 2019; y <= 2026; ++y) CHECK(cal.KnowsYear(y));
  CHECK_FALSE(cal.KnowsYear(2018));
  CHECK_FALSE(cal.KnowsYear(2027));
  CHECK(Contains(cal.SourceOf(2020), "国办发明电〔2020〕1号"));  // the extension notice
  CHECK(cal.SourceOf(2030).empty());
}

TEST_CASE("Spring Festival around the holiday, several years", "[calendar]") {
  WorkingDayCalendar cal = Shipped();
  // 2019: off Feb 4 (Mon, 除夕) – Feb 10 (Sun); Sat Feb 2 and Sun Feb 3 worked.
  CHECK(Working(cal, "2019-02-02"));
  CHECK(Working(cal, "2019-02-03"));
  CHECK_FALSE(Working(cal, "2019-02-04"));
  CHECK_FALSE(Working(cal, "2019-02-10"));
  CHECK(Working(cal, "2019-02-11"));  // Monday after the holiday
  // 2021: off Feb 11–17; Sun Feb 7 and Sat Feb 20 worked.
  CHECK(Add(cal, "2021-02-05", 1) == "2021-02-07");  // Fri → Sat off → Sun worked
  CHECK(Add(cal, "2021-02-10", 1) == "2021-02-18");  // Wed → Thu Feb 11..Wed 17 off → Thu 18
  CHECK(Working(cal, "2021-02-20"));
  // 2022: off Jan 31–Feb 6; Sat Jan 29 and Sun Jan 30 worked.
  CHECK(Add(cal, "2022-01-28", 2) == "2022-01-30");  // Fri → Sat 29 (1), Sun 30 (2)
  CHECK(Add(cal, "2022-01-30", 1) == "2022-02-07");  // Jan 31..Feb 6 off → Mon Feb 7
  // 2024: off Feb 10–17 only; 除夕 Fri Feb 9 was NOT a holiday (leave merely encouraged);
  // Sun Feb 4 and Sun Feb 18 worked.
  CHECK(Working(cal, "2024-02-04"));
  CHECK(Working(cal, "2024-02-09"));
  CHECK(Add(cal, "2024-02-08", 1) == "2024-02-09");
  CHECK(Add(cal, "2024-02-08", 2) == "2024-02-18");  // Fri 9 (1); Feb 10..17 off; Sun 18 (2)
  // 2025 (new rules: 除夕 is a holiday): off Jan 28 (Tue) – Feb 4; Sun Jan 26, Sat Feb 8 worked.
  CHECK_FALSE(Working(cal, "2025-01-28"));
  // Fri Jan 24 → Sat 25 off, Sun 26 (1), Mon 27 (2), Jan 28..Feb 4 off, Wed 5 (3), Thu 6 (4),
  // Fri 7 (5).
  CHECK(Add(cal, "2025-01-24", 5) == "2025-02-07");
  CHECK(Working(cal, "2025-02-08"));
  // 2026: off Feb 15 (Sun) – Feb 23 (Mon); Sat Feb 14 and Sat Feb 28 worked.
  CHECK(Add(cal, "2026-02-13", 1) == "2026-02-14");
  CHECK(Add(cal, "2026-02-13", 2) == "2026-02-24");  // Sat 14 (1); 15..23 off; Tue 24 (2)
  CHECK_FALSE(Working(cal, "2026-02-23"));
  CHECK(Working(cal, "2026-02-28"));
}

TEST_CASE("2020 Spring Festival extension to 2 February", "[calendar]") {
  WorkingDayCalendar cal = Shipped();
  CHECK(Working(cal, "2020-01-19"));        // Sun, make-up day of the original notice
  CHECK_FALSE(Working(cal, "2020-01-30"));  // last day of the original Jan 24–30 holiday
  CHECK_FALSE(Working(cal, "2020-01-31"));  // Fri, added by the extension
  CHECK_FALSE(Working(cal, "2020-02-01"));  // Sat: the make-up day was cancelled by the extension
  CHECK_FALSE(Working(cal, "2020-02-02"));  // Sun, last day of the extended holiday
  CHECK(Working(cal, "2020-02-03"));        // Mon: "2月3日起正常上班"
  CHECK(Add(cal, "2020-01-17", 1) == "2020-01-19");  // Fri → Sat off → Sun worked
  CHECK(Add(cal, "2020-01-23", 1) == "2020-02-03");  // Thu → Jan 24..Feb 2 all off
}

TEST_CASE("2019 Labour Day revision", "[calendar]") {
  WorkingDayCalendar cal = Shipped();
  // Revised: off May 1–4; Sun Apr 28 and Sun May 5 worked.
  CHECK(Working(cal, "2019-04-28"));
  CHECK_FALSE(Working(cal, "2019-05-01"));
  CHECK_FALSE(Working(cal, "2019-05-02"));  // a Thursday that only the revision made a holiday
  CHECK_FALSE(Working(cal, "2019-05-04"));
  CHECK(Working(cal, "2019-05-05"));
  CHECK(Add(cal, "2019-04-26", 1) == "2019-04-28");  // Fri → Sat off → Sun worked
  CHECK(Add(cal, "2019-04-30", 2) == "2019-05-06");  // May 1..4 off; Sun 5 (1), Mon 6 (2)
}

TEST_CASE("National Day", "[calendar]") {
  WorkingDayCalendar cal = Shipped();
  // 2019: off Oct 1–7; Sun Sep 29, Sat Oct 12 worked. Mon Sep 30 not counted; Oct 8 Tue (1),
  // 9 (2), 10 (3), Fri 11 (4), Sat 12 make-up (5).
  CHECK(Working(cal, "2019-09-29"));
  CHECK(Add(cal, "2019-09-30", 5) == "2019-10-12");
  // 2020 with Mid-Autumn: off Oct 1–8; Sun Sep 27 and Sat Oct 10 worked.
  CHECK(Working(cal, "2020-09-27"));
  CHECK_FALSE(Working(cal, "2020-10-08"));
  CHECK(Working(cal, "2020-10-09"));
  CHECK(Working(cal, "2020-10-10"));
  // Fri Sep 25 → Sat off, Sun 27 (1), Mon 28 (2), Tue 29 (3), Wed 30 (4), Oct 1..8 off, Fri 9 (5).
  CHECK(Add(cal, "2020-09-25", 5) == "2020-10-09");
  // 2022: make-up days after the holiday, Sat Oct 8 and Sun Oct 9.
  CHECK(Working(cal, "2022-10-08"));
  CHECK(Working(cal, "2022-10-09"));
  // 2023 with Mid-Autumn: off Sep 29–Oct 6; Sat Oct 7 worked.
  CHECK(Add(cal, "2023-09-28", 1) == "2023-10-07");
  // 2026: off Oct 1–7; Sun Sep 20 and Sat Oct 10 worked.
  CHECK(Working(cal, "2026-09-20"));
  CHECK(Working(cal, "2026-10-10"));
}

TEST_CASE("single-day holidays and plain weeks", "[calendar]") {
  WorkingDayCalendar cal = Shipped();
  CHECK_FALSE(Working(cal, "2023-04-05"));  // 清明 2023 fell on a Wednesday: that day only
  CHECK(Working(cal, "2023-04-06"));
  CHECK_FALSE(Working(cal, "2021-03-06"));           // a plain Saturday
  CHECK_FALSE(Working(cal, "2021-03-07"));           // a plain Sunday
  CHECK(Working(cal, "2021-03-08"));                 // a plain Monday
  CHECK(Add(cal, "2021-03-05", 1) == "2021-03-08");  // Fri → the weekend is skipped
}

TEST_CASE("walks across New Year", "[calendar]") {
  WorkingDayCalendar cal = Shipped();
  // Tue 2019-12-31; Wed Jan 1 off; Thu 2 (1), Fri 3 (2), weekend, Mon 6 (3), Tue 7 (4), Wed 8 (5).
  CHECK(Add(cal, "2019-12-31", 5) == "2020-01-08");
  // Wed 2020-12-30; Thu 31 (1); Jan 1..3 2021 off; Mon 4 (2), Tue 5 (3).
  CHECK(Add(cal, "2020-12-30", 3) == "2021-01-05");
  // Fri 2021-12-31; Jan 1..3 2022 off (Sat..Mon); Tue 4.
  CHECK(Add(cal, "2021-12-31", 1) == "2022-01-04");
  // Fri 2022-12-30; Sat 31 (off by the 2023 notice, a Saturday anyway), Sun 1, Mon 2 off; Tue 3.
  CHECK(Add(cal, "2022-12-30", 1) == "2023-01-03");
  // 2026: off Jan 1–3; Sun Jan 4 worked. Wed 2025-12-31 → Thu..Sat off → Sun 4.
  CHECK(Add(cal, "2025-12-31", 1) == "2026-01-04");
  // Thu 2026-12-24: Fri 25 (1), weekend, Mon 28 (2), Tue 29 (3), Wed 30 (4), Thu 31 (5).
  CHECK(Add(cal, "2026-12-24", 5) == "2026-12-31");
}

TEST_CASE("working days in a whole year", "[calendar]") {
  WorkingDayCalendar cal = Shipped();
  auto count = [&](int year) {
    int n = 0;
    for (int32_t d = DaysFromCivil(year, 1, 1); d <= DaysFromCivil(year, 12, 31); ++d) {
      Result<bool> w = cal.IsWorkingDay(d);
      REQUIRE(w.ok());
      n += w.value() ? 1 : 0;
    }
    return n;
  };
  // 2019 starts on a Tuesday: 52 weeks + 1 Tuesday = 261 weekdays; 17 weekday holidays
  // (Jan 1; Feb 4–8; Apr 5; May 1–3; Jun 7; Sep 13; Oct 1–4, 7), 6 make-up days: 250.
  CHECK(count(2019) == 250);
  // 2020 (leap) starts on a Wednesday: 52 weeks + Wed, Thu = 262 weekdays; 19 weekday holidays
  // (Jan 1; Jan 24, 27–31; Apr 6; May 1, 4–5; Jun 25–26; Oct 1–2, 5–8), 6 make-up days
  // (Sat Feb 1 no longer one): 249.
  CHECK(count(2020) == 249);
}

TEST_CASE("n = 0 and negative n", "[calendar]") {
  WorkingDayCalendar cal = Shipped();
  CHECK(Add(cal, "2019-10-01", 0) == "2019-10-01");  // the day itself, even a holiday
  Result<int32_t> r = cal.AddWorkingDays(Day("2019-10-01"), -1);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Status::Code::kInvalidInput);
}

TEST_CASE("an unknown year is an error naming the year, never a guess", "[calendar]") {
  WorkingDayCalendar cal = Shipped();
  Result<bool> w = cal.IsWorkingDay(Day("2027-01-04"));  // a plain Monday, but unknown
  REQUIRE_FALSE(w.ok());
  CHECK(w.status().code() == Status::Code::kNotFound);
  CHECK(w.status().message() ==
        "the working-day calendar has no year 2027: add it with --calendar FILE");

  Result<bool> before = cal.IsWorkingDay(Day("2018-12-31"));
  REQUIRE_FALSE(before.ok());
  CHECK(before.status().message() ==
        "the working-day calendar has no year 2018: add it with --calendar FILE");

  // A walk that runs off the last year: Thu 2026-12-24 + 6 needs Fri 2027-01-01.
  Result<int32_t> off = cal.AddWorkingDays(Day("2026-12-24"), 6);
  REQUIRE_FALSE(off.ok());
  CHECK(off.status().code() == Status::Code::kNotFound);
  CHECK(Contains(off.status().message(), "no year 2027"));
  CHECK_FALSE(cal.AddWorkingDays(Day("2026-12-31"), 1).ok());

  // Only the days after the start are looked at: Mon 2018-12-31 + 1 needs only 2019
  // (Tue Jan 1 off → Wed Jan 2).
  CHECK(Add(cal, "2018-12-31", 1) == "2019-01-02");

  WorkingDayCalendar empty;
  CHECK(empty.first_year() == 0);
  CHECK(empty.last_year() == 0);
  Result<bool> e = empty.IsWorkingDay(Day("2020-01-02"));
  REQUIRE_FALSE(e.ok());
  CHECK(Contains(e.status().message(), "no year 2020"));
}

TEST_CASE("a user file adds 2027", "[calendar]") {
  WorkingDayCalendar cal = Shipped();
  REQUIRE(cal.AddToml(kYear2027, "extra.toml").ok());
  CHECK(cal.KnowsYear(2027));
  CHECK(cal.last_year() == 2027);
  CHECK_FALSE(Working(cal, "2027-01-01"));  // Fri, a holiday in the test file
  // Thu 2026-12-31 → Fri Jan 1 off, weekend, Mon Jan 4.
  CHECK(Add(cal, "2026-12-31", 1) == "2027-01-04");
  CHECK(Add(cal, "2026-12-24", 6) == "2027-01-04");
  CHECK_FALSE(cal.AddWorkingDays(Day("2027-12-31"), 1).ok());  // 2028 still unknown
}

TEST_CASE("AddFile reads a calendar file — a missing file names its path", "[calendar]") {
  namespace fs = std::filesystem;
  const fs::path dir =
      fs::temp_directory_path() / ("smeledger-calendar-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path file = dir / "cn-2027.toml";
  {
    std::ofstream out(file);
    out << kYear2027;
  }
  WorkingDayCalendar cal = Shipped();
  REQUIRE(cal.AddFile(file.string()).ok());
  CHECK(cal.KnowsYear(2027));

  Status missing = cal.AddFile((dir / "nope.toml").string());
  CHECK(missing.code() == Status::Code::kInvalidInput);
  CHECK(Contains(missing.message(), "nope.toml"));
  fs::remove_all(dir);
}

TEST_CASE("bad calendar files are rejected, naming file, year and date", "[calendar]") {
  WorkingDayCalendar cal = Shipped();
  auto reject = [&](const std::string& toml, std::initializer_list<const char*> mentions) {
    Status s = cal.AddToml(toml, "bad.toml");
    INFO(toml);
    REQUIRE_FALSE(s.ok());
    CHECK(s.code() == Status::Code::kInvalidInput);
    CHECK(Contains(s.message(), "bad.toml"));
    for (const char* m : mentions) {
      INFO(s.message());
      CHECK(Contains(s.message(), m));
    }
    CHECK_FALSE(cal.KnowsYear(2027));  // all or nothing
  };
  // Not TOML at all.
  reject("[2027\nholidays = [", {});
  // A date outside its table's year.
  reject("[2027]\nsource = \"x\"\nholidays = [\"2028-01-01\"]\nworkdays = []\n",
         {"2027", "2028-01-01"});
  // Not a real date.
  reject("[2027]\nsource = \"x\"\nholidays = [\"2027-02-30\"]\nworkdays = []\n",
         {"2027", "2027-02-30"});
  // A workday that is a weekday: Tue 2027-01-05.
  reject("[2027]\nsource = \"x\"\nholidays = []\nworkdays = [\"2027-01-05\"]\n",
         {"2027", "2027-01-05"});
  // Both a holiday and a workday: Sat 2027-01-02.
  reject("[2027]\nsource = \"x\"\nholidays = [\"2027-01-02\"]\nworkdays = [\"2027-01-02\"]\n",
         {"2027", "2027-01-02"});
  // Missing `workdays`, unknown key, missing source, a top-level key that is not a year.
  reject("[2027]\nsource = \"x\"\nholidays = []\n", {"2027", "workdays"});
  reject("[2027]\nsource = \"x\"\nholiday = []\nholidays = []\nworkdays = []\n",
         {"2027", "holiday"});
  reject("[2027]\nholidays = []\nworkdays = []\n", {"2027", "source"});
  reject("[y2027]\nsource = \"x\"\nholidays = []\nworkdays = []\n", {"y2027"});
  // One good year and one bad one: neither is added.
  reject(std::string(kYear2027) +
             "[2028]\nsource = \"x\"\nholidays = [\"2027-12-31\"]\n"
             "workdays = []\n",
         {"2028", "2027-12-31"});
}

TEST_CASE("a year already known cannot be given again", "[calendar]") {
  WorkingDayCalendar cal = Shipped();
  Status s = cal.AddToml("[2020]\nsource = \"x\"\nholidays = []\nworkdays = []\n", "mine.toml");
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == Status::Code::kInvalidInput);
  CHECK(Contains(s.message(), "2020"));
  CHECK(Contains(s.message(), "mine.toml"));
  CHECK(Working(cal, "2020-01-31") == false);  // the shipped year is untouched

  REQUIRE(cal.AddToml(kYear2027, "a.toml").ok());
  Status again = cal.AddToml(kYear2027, "b.toml");
  CHECK(Contains(again.message(), "2027"));
  CHECK(Contains(again.message(), "a.toml"));
  CHECK(Contains(again.message(), "b.toml"));
}

TEST_CASE("the embedded data is the data file of the source tree", "[calendar]") {
  // Guards the build-time embedding: same answers for every day of every shipped year.
  WorkingDayCalendar from_file;
  REQUIRE(
      from_file.AddFile(std::string(SMELEDGER_SOURCE_DIR) + "/projections/data/cn-workdays.toml")
          .ok());
  WorkingDayCalendar embedded = Shipped();
  REQUIRE(from_file.first_year() == embedded.first_year());
  REQUIRE(from_file.last_year() == embedded.last_year());
  for (int32_t d = DaysFromCivil(embedded.first_year(), 1, 1);
       d <= DaysFromCivil(embedded.last_year(), 12, 31); ++d) {
    Result<bool> a = from_file.IsWorkingDay(d);
    Result<bool> b = embedded.IsWorkingDay(d);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    if (a.value() != b.value()) FAIL("differs on " << FormatDate(d));
  }
}

}  // namespace smeledger::projections
