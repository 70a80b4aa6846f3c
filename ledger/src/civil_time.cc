#include "smeledger/ledger/civil_time.h"

#include <algorithm>
#include <cstdio>

namespace smeledger {
namespace {

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    char c = s[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int y, unsigned m) {
  static constexpr unsigned kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Parses "YYYY-MM-DD" at the start of s.
bool ParseDatePart(std::string_view s, int* y, int* m, int* d) {
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return false;
  if (!Digits(s, 0, 4, y) || !Digits(s, 5, 2, m) || !Digits(s, 8, 2, d)) return false;
  if (*m < 1 || *m > 12 || *d < 1 || static_cast<unsigned>(*d) > DaysInMonth(*y, *m)) return false;
  return true;
}

}  // namespace

// Howard Hinnant's days_from_civil.
int32_t DaysFromCivil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int>(doe) - 719468;
}

void CivilFromDays(int32_t z, int* year, unsigned* month, unsigned* day) {
  z += 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int y = static_cast<int>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  *year = y + (m <= 2);
  *month = m;
  *day = d;
}

bool ParseDate(std::string_view text, int32_t* epoch_day) {
  int y, m, d;
  if (text.size() != 10 || !ParseDatePart(text, &y, &m, &d)) return false;
  *epoch_day = DaysFromCivil(y, m, d);
  return true;
}

bool ParseRfc3339(std::string_view s, Instant* out) {
  int y, mo, d, h, mi, sec;
  if (!ParseDatePart(s, &y, &mo, &d)) return false;
  if (s.size() < 20 || (s[10] != 'T' && s[10] != 't')) return false;
  if (!Digits(s, 11, 2, &h) || s[13] != ':' || !Digits(s, 14, 2, &mi) || s[16] != ':' ||
      !Digits(s, 17, 2, &sec))
    return false;
  if (h > 23 || mi > 59 || sec > 59) return false;
  size_t pos = 19;
  std::string_view frac;
  uint32_t nanos = 0;
  if (s[pos] == '.') {
    size_t start = ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    if (pos == start) return false;
    frac = s.substr(start, pos - start);
    uint32_t scale = 100000000;
    for (size_t i = 0; i < frac.size() && i < 9; ++i, scale /= 10) nanos += (frac[i] - '0') * scale;
  }
  if (pos >= s.size()) return false;
  int offset_minutes = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh, om;
    if (!Digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !Digits(s, pos + 4, 2, &om))
      return false;
    if (oh > 23 || om > 59) return false;
    offset_minutes = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return false;
  }
  if (pos != s.size()) return false;
  const int64_t days = DaysFromCivil(y, mo, d);
  out->unix_seconds = days * 86400 + h * 3600 + mi * 60 + sec - int64_t{offset_minutes} * 60;
  out->nanos = nanos;
  out->fraction = frac;
  return true;
}

int CompareInstants(const Instant& a, const Instant& b) {
  if (a.unix_seconds != b.unix_seconds) return a.unix_seconds < b.unix_seconds ? -1 : 1;
  // Same second: compare the fraction digit strings as decimals (missing digits are zeros).
  const size_t n = std::max(a.fraction.size(), b.fraction.size());
  for (size_t i = 0; i < n; ++i) {
    char ca = i < a.fraction.size() ? a.fraction[i] : '0';
    char cb = i < b.fraction.size() ? b.fraction[i] : '0';
    if (ca != cb) return ca < cb ? -1 : 1;
  }
  return 0;
}

int32_t CstEpochDay(int64_t unix_seconds) {
  int64_t t = unix_seconds + 8 * 3600;
  int64_t day = t / 86400;
  if (t % 86400 < 0) --day;
  return static_cast<int32_t>(day);
}

std::string FormatDate(int32_t epoch_day) {
  int y;
  unsigned m, d;
  CivilFromDays(epoch_day, &y, &m, &d);
  char buf[40];  // room for any int and unsigned the compiler can imagine
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", y, m, d);
  return buf;
}

std::string FormatUtcMicros(int64_t us) {
  int64_t secs = us / 1000000;
  int64_t frac = us % 1000000;
  if (frac < 0) {
    frac += 1000000;
    --secs;
  }
  int64_t day = secs / 86400;
  int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --day;
  }
  int y;
  unsigned m, d;
  CivilFromDays(static_cast<int32_t>(day), &y, &m, &d);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%06dZ", y, m, d,
                static_cast<int>(rem / 3600), static_cast<int>(rem / 60 % 60),
                static_cast<int>(rem % 60), static_cast<int>(frac));
  return buf;
}

}  // namespace smeledger
