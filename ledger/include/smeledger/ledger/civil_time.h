// Times and dates as the contract writes them (EVENTS.md value types) and as the indicators read
// them (INDICATORS.md: every date is China Standard Time, UTC+8, no daylight saving).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace smeledger {

// An instant parsed from RFC 3339 §5.6: seconds since the Unix epoch (UTC) and the fraction.
struct Instant {
  int64_t unix_seconds = 0;
  uint32_t nanos = 0;             // fraction truncated to nanoseconds
  std::string_view fraction;      // the fraction digits exactly as written (may be empty);
                                  // points into the parsed text
};

// Parses RFC 3339 §5.6 date-time: `T` or `t`; `Z`, `z` or `±hh:mm` with hh ≤ 23, mm ≤ 59; any
// number (≥ 1) of fraction digits after a '.'; no leap second (`:60`); no space separator;
// years 0000–9999; the day must exist in its month (leap years per the Gregorian calendar).
// Returns false on anything else.
bool ParseRfc3339(std::string_view text, Instant* out);

// Exact comparison of two instants, including fraction digits beyond nanoseconds:
// negative, zero or positive as a is before, equal to or after b.
int CompareInstants(const Instant& a, const Instant& b);

// Parses `YYYY-MM-DD` (a real calendar day, year 0000–9999) into days since 1970-01-01.
bool ParseDate(std::string_view text, int32_t* epoch_day);

// Days since 1970-01-01 of the given civil date (proleptic Gregorian). REQUIRES a valid date.
int32_t DaysFromCivil(int year, unsigned month, unsigned day);
// The civil date of a day number.
void CivilFromDays(int32_t epoch_day, int* year, unsigned* month, unsigned* day);

// The CST (UTC+8) calendar day of an instant, as days since 1970-01-01.
int32_t CstEpochDay(int64_t unix_seconds);

// "YYYY-MM-DD".
std::string FormatDate(int32_t epoch_day);
// "YYYY-MM-DDTHH:MM:SS.ffffffZ" (UTC, microseconds) for a recorded_at value.
std::string FormatUtcMicros(int64_t unix_micros);

}  // namespace smeledger
