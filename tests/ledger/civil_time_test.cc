// RFC 3339 times, dates and the CST calendar day (civil_time.h).

#include "smeledger/ledger/civil_time.h"

#include <catch2/catch.hpp>

namespace smeledger {
namespace {

bool Time(std::string_view s, Instant* out = nullptr) {
  Instant tmp;
  return ParseRfc3339(s, out ? out : &tmp);
}

}  // namespace

TEST_CASE("RFC 3339: accepted forms and their instants", "[civil_time]") {
  Instant t;
  REQUIRE(Time("1970-01-01T00:00:00Z", &t));
  CHECK(t.unix_seconds == 0);
  CHECK(t.nanos == 0);
  CHECK(t.fraction.empty());

  REQUIRE(Time("2019-07-01T10:00:00+08:00", &t));
  CHECK(t.unix_seconds == 1561946400);
  REQUIRE(Time("2019-07-01t02:00:00z", &t));  // lower-case T and Z
  CHECK(t.unix_seconds == 1561946400);
  REQUIRE(Time("2019-06-30T21:00:00-05:00", &t));
  CHECK(t.unix_seconds == 1561946400);
  REQUIRE(Time("2019-07-01T02:00:00-00:00", &t));  // "unknown local offset" is still an instant
  CHECK(t.unix_seconds == 1561946400);

  REQUIRE(Time("2019-07-01T10:00:00.5+08:00", &t));
  CHECK(t.nanos == 500000000);
  CHECK(t.fraction == "5");
  REQUIRE(Time("2019-07-01T10:00:00.123456789123456789Z", &t));  // any number of digits
  CHECK(t.nanos == 123456789);                                   // truncated, not rounded
  CHECK(t.fraction == "123456789123456789");
  REQUIRE(Time("2019-07-01T10:00:00.999999999999Z", &t));
  CHECK(t.nanos == 999999999);

  REQUIRE(Time("2019-07-01T10:00:00+23:59", &t));
  CHECK(t.unix_seconds == 1561888860);  // 2019-06-30T10:01:00Z
  REQUIRE(Time("2019-07-01T10:00:00-23:59"));
  REQUIRE(Time("2019-12-31T23:59:59Z", &t));
  CHECK(t.unix_seconds == 1577836799);
  REQUIRE(Time("0000-01-01T00:00:00Z", &t));
  CHECK(t.unix_seconds == -62167219200);
  REQUIRE(Time("9999-12-31T23:59:59Z", &t));
  CHECK(t.unix_seconds == 253402300799);
  REQUIRE(Time("1969-12-31T23:59:59Z", &t));
  CHECK(t.unix_seconds == -1);
  // Leap days.
  CHECK(Time("2020-02-29T00:00:00Z"));
  CHECK(Time("2000-02-29T00:00:00Z"));
  CHECK_FALSE(Time("2019-02-29T00:00:00Z"));
  CHECK_FALSE(Time("1900-02-29T00:00:00Z"));
  CHECK_FALSE(Time("2100-02-29T00:00:00Z"));
}

TEST_CASE("RFC 3339: rejected forms", "[civil_time]") {
  for (const char* bad : {
           "",
           "2019-07-01",
           "2019-07-01T10:00:00",   // no offset
           "2019-07-01 10:00:00Z",  // space separator
           "2019-07-01_10:00:00Z",
           "2019-07-01T10:00:60Z",  // leap second
           "2019-07-01T24:00:00Z",
           "2019-07-01T10:60:00Z",
           "2019-07-01T10:00:00+24:00",
           "2019-07-01T10:00:00+08:60",
           "2019-07-01T10:00:00+0800",
           "2019-07-01T10:00:00+08",
           "2019-07-01T10:00:00+8:00",
           "2019-07-01T10:00:00.Z",  // '.' needs a digit
           "2019-07-01T10:00:00,5Z",
           "2019-07-01T10:00Z",  // seconds are required
           "2019-7-01T10:00:00Z",
           "2019-07-1T10:00:00Z",
           "19-07-01T10:00:00Z",
           "+2019-07-01T10:00:00Z",
           "2019-13-01T10:00:00Z",
           "2019-00-01T10:00:00Z",
           "2019-04-31T10:00:00Z",
           "2019-04-00T10:00:00Z",
           "2019-07-01T10:00:00ZZ",
           "2019-07-01T10:00:00Z ",
           " 2019-07-01T10:00:00Z",
           "2019-07-01T10:00:00+08:00:00",
           "2019-07-01T1a:00:00Z",
           "2019-07-01T10:00:00UTC",
           "2019-07-01T10:00:00.5",
       }) {
    INFO(bad);
    CHECK_FALSE(Time(bad));
  }
}

TEST_CASE("CompareInstants uses every fraction digit", "[civil_time]") {
  Instant a, b;
  REQUIRE(Time("2019-07-01T10:00:00.1234567891Z", &a));
  REQUIRE(Time("2019-07-01T10:00:00.1234567892Z", &b));
  CHECK(CompareInstants(a, b) < 0);
  CHECK(CompareInstants(b, a) > 0);
  REQUIRE(Time("2019-07-01T18:00:00.5000+08:00", &b));
  REQUIRE(Time("2019-07-01T10:00:00.5Z", &a));
  CHECK(CompareInstants(a, b) == 0);
  REQUIRE(Time("2019-07-01T10:00:00Z", &b));
  CHECK(CompareInstants(a, b) > 0);
  REQUIRE(Time("2019-07-01T10:00:01Z", &b));
  CHECK(CompareInstants(a, b) < 0);
}

TEST_CASE("dates: YYYY-MM-DD, real days only", "[civil_time]") {
  int32_t d = -1;
  REQUIRE(ParseDate("1970-01-01", &d));
  CHECK(d == 0);
  REQUIRE(ParseDate("2019-07-01", &d));
  CHECK(d == 18078);
  REQUIRE(ParseDate("1969-12-31", &d));
  CHECK(d == -1);
  CHECK(ParseDate("2020-02-29", &d));
  CHECK(ParseDate("0000-01-01", &d));
  CHECK(ParseDate("9999-12-31", &d));
  for (const char* bad :
       {"2019-02-29", "2019-13-01", "2019-00-10", "2019-04-31", "2019-4-1", "20190401",
        "2019-04-01T00:00:00Z", "2019-04-01 ", "2019/04/01", "", "2019-04-0a", "-019-04-01"}) {
    INFO(bad);
    CHECK_FALSE(ParseDate(bad, &d));
  }
}

TEST_CASE("day numbers round-trip over years 0000 to 9999", "[civil_time]") {
  const int32_t first = DaysFromCivil(0, 1, 1);
  const int32_t last = DaysFromCivil(9999, 12, 31);
  CHECK(first == -719528);
  CHECK(last == 2932896);
  int y;
  unsigned m, d;
  int32_t expect = first;
  for (int32_t day = first; day <= last; ++day, ++expect) {
    CivilFromDays(day, &y, &m, &d);
    if (DaysFromCivil(y, m, d) != expect) FAIL("day " << day);
  }
  CHECK(FormatDate(0) == "1970-01-01");
  CHECK(FormatDate(-1) == "1969-12-31");
  CHECK(FormatDate(18321) == "2020-02-29");
  CHECK(FormatDate(first) == "0000-01-01");
}

TEST_CASE("CST calendar day and recorded_at format", "[civil_time]") {
  CHECK(CstEpochDay(0) == 0);              // 08:00 CST, 1 Jan 1970
  CHECK(CstEpochDay(16 * 3600 - 1) == 0);  // 23:59:59 CST
  CHECK(CstEpochDay(16 * 3600) == 1);      // midnight CST
  CHECK(CstEpochDay(-8 * 3600) == 0);      // 00:00 CST
  CHECK(CstEpochDay(-8 * 3600 - 1) == -1);
  Instant t;
  REQUIRE(Time("2019-07-01T00:00:00+08:00", &t));
  CHECK(FormatDate(CstEpochDay(t.unix_seconds)) == "2019-07-01");
  REQUIRE(Time("2019-06-30T16:00:00Z", &t));
  CHECK(FormatDate(CstEpochDay(t.unix_seconds)) == "2019-07-01");
  REQUIRE(Time("2019-06-30T15:59:59Z", &t));
  CHECK(FormatDate(CstEpochDay(t.unix_seconds)) == "2019-06-30");

  CHECK(FormatUtcMicros(0) == "1970-01-01T00:00:00.000000Z");
  CHECK(FormatUtcMicros(1561946400123456) == "2019-07-01T02:00:00.123456Z");
  CHECK(FormatUtcMicros(-1) == "1969-12-31T23:59:59.999999Z");
  CHECK(FormatUtcMicros(-86400000000) == "1969-12-31T00:00:00.000000Z");
}

}  // namespace smeledger
