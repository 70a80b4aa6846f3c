// Internal: civil time in China Standard Time and a JSON object writer that formats straight
// into one reused buffer (no streams, no allocation once the buffer has grown).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "rng.h"

namespace smeledger::producers::internal {

inline constexpr int64_t kCstOffsetSeconds = 8 * 3600;
inline constexpr int64_t kDaySeconds = 86400;

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
inline int32_t DaysFromCivil(int y, int m, int d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

inline void CivilFromDays(int32_t z, int* y, int* m, int* d) {
  z += 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const int doe = z - era * 146097;
  const int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp + (mp < 10 ? 3 : -9);
  *y = yoe + era * 400 + (*m <= 2);
}

inline int DaysInMonth(int y, int m) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

// The CST calendar day (days since 1970-01-01) of a Unix time, and back (CST midnight).
inline int32_t CstDay(int64_t unix_seconds) {
  const int64_t local = unix_seconds + kCstOffsetSeconds;
  return static_cast<int32_t>(local >= 0 ? local / kDaySeconds
                                         : (local - kDaySeconds + 1) / kDaySeconds);
}
inline int64_t CstMidnight(int32_t day) {
  return static_cast<int64_t>(day) * kDaySeconds - kCstOffsetSeconds;
}
inline int64_t CstTime(int y, int m, int d, int hh = 0, int mm = 0, int ss = 0) {
  return CstMidnight(DaysFromCivil(y, m, d)) + hh * 3600 + mm * 60 + ss;
}
// 0 = Monday ... 6 = Sunday (1970-01-01 was a Thursday). REQUIRES: day >= 0.
inline int Weekday(int32_t day) { return (day + 3) % 7; }
inline bool IsWeekend(int32_t day) { return Weekday(day) >= 5; }
// The n-th Monday-to-Friday day after `day` (not counting `day`); n = 0 gives `day`.
inline int32_t AddWeekdays(int32_t day, int n) {
  while (n > 0) {
    ++day;
    if (!IsWeekend(day)) --n;
  }
  return day;
}

// Appends v in decimal, zero-padded to at least `width` digits. REQUIRES: v >= 0.
inline void AppendPadded(std::string* out, uint64_t v, int width) {
  char tmp[24];
  char* end = tmp + sizeof tmp;
  char* p = end;
  do {
    *--p = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (end - p < width) *--p = '0';
  out->append(p, static_cast<size_t>(end - p));
}

// Writes the two digits of v (0-99) at p.
inline void PutTwoDigits(char* p, int v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
}
inline void AppendInt(std::string* out, int64_t v) {
  if (v < 0) {
    out->push_back('-');
    AppendPadded(out, static_cast<uint64_t>(-(v + 1)) + 1, 1);
  } else {
    AppendPadded(out, static_cast<uint64_t>(v), 1);
  }
}

// "YYYY-MM-DD" of a day number.
inline void AppendDate(std::string* out, int32_t day) {
  int y, m, d;
  CivilFromDays(day, &y, &m, &d);
  AppendPadded(out, y, 4);
  out->push_back('-');
  AppendPadded(out, m, 2);
  out->push_back('-');
  AppendPadded(out, d, 2);
}

// How a time is written. Most providers write CST with an explicit +08:00 offset; some
// systems write UTC with Z; a few add milliseconds.
enum class TimeStyle : uint8_t { kCst, kUtc, kCstMillis, kUtcMillis };

inline TimeStyle DrawTimeStyle(Rng& rng) {
  const uint64_t r = rng.Below(1000);
  if (r < 850) return TimeStyle::kCst;
  if (r < 950) return TimeStyle::kUtc;
  if (r < 985) return TimeStyle::kCstMillis;
  return TimeStyle::kUtcMillis;
}

// RFC 3339 text of a Unix time in the given style; `millis` is used by the *Millis styles.
inline void AppendTime(std::string* out, int64_t unix_seconds, TimeStyle style, int millis) {
  const bool utc = style == TimeStyle::kUtc || style == TimeStyle::kUtcMillis;
  const int64_t local = unix_seconds + (utc ? 0 : kCstOffsetSeconds);
  const int32_t day = static_cast<int32_t>(local >= 0 ? local / kDaySeconds
                                                      : (local - kDaySeconds + 1) / kDaySeconds);
  const int sec = static_cast<int>(local - static_cast<int64_t>(day) * kDaySeconds);
  int y, m, d;
  CivilFromDays(day, &y, &m, &d);
  // "YYYY-MM-DDTHH:MM:SS" then ".mmm" and the offset, formatted in place.
  char buf[32];
  PutTwoDigits(buf, y / 100);
  PutTwoDigits(buf + 2, y % 100);
  buf[4] = '-';
  PutTwoDigits(buf + 5, m);
  buf[7] = '-';
  PutTwoDigits(buf + 8, d);
  buf[10] = 'T';
  PutTwoDigits(buf + 11, sec / 3600);
  buf[13] = ':';
  PutTwoDigits(buf + 14, sec / 60 % 60);
  buf[16] = ':';
  PutTwoDigits(buf + 17, sec % 60);
  size_t n = 19;
  if (style == TimeStyle::kCstMillis || style == TimeStyle::kUtcMillis) {
    buf[n++] = '.';
    buf[n++] = static_cast<char>('0' + millis / 100);
    PutTwoDigits(buf + n, millis % 100);
    n += 2;
  }
  if (utc) {
    buf[n++] = 'Z';
  } else {
    std::memcpy(buf + n, "+08:00", 6);
    n += 6;
  }
  out->append(buf, n);
}

// Appends `s` as a JSON string: '"', '\\' and control characters escaped, all else as is.
inline void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  for (char c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (u < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out->append("\\u00");
      out->push_back(kHex[u >> 4]);
      out->push_back(kHex[u & 15]);
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

// Writes one flat JSON object, member by member, into a reused buffer.
class JsonLine {
 public:
  void Open() {
    buf_.clear();
    buf_.push_back('{');
    first_ = true;
  }
  void Close() { buf_.push_back('}'); }

  // `key` is written verbatim between quotes: pass plain ASCII names.
  void Key(std::string_view key) {
    if (!first_) buf_.push_back(',');
    first_ = false;
    buf_.push_back('"');
    buf_.append(key);
    buf_.append("\":");
  }
  void Str(std::string_view key, std::string_view value) {
    Key(key);
    AppendJsonString(&buf_, value);
  }
  // A string known to need no escaping (ids, codes, times built here).
  void Plain(std::string_view key, std::string_view value) {
    Key(key);
    buf_.push_back('"');
    buf_.append(value);
    buf_.push_back('"');
  }
  void Int(std::string_view key, int64_t value) {
    Key(key);
    AppendInt(&buf_, value);
  }
  void Bool(std::string_view key, bool value) {
    Key(key);
    buf_.append(value ? "true" : "false");
  }
  // Any JSON text as the value, verbatim.
  void Raw(std::string_view key, std::string_view json) {
    Key(key);
    buf_.append(json);
  }
  void Time(std::string_view key, int64_t unix_seconds, Rng& rng) {
    Key(key);
    buf_.push_back('"');
    const TimeStyle style = DrawTimeStyle(rng);
    const int millis = style == TimeStyle::kCstMillis || style == TimeStyle::kUtcMillis
                           ? static_cast<int>(rng.Below(1000))
                           : 0;
    AppendTime(&buf_, unix_seconds, style, millis);
    buf_.push_back('"');
  }
  void Date(std::string_view key, int32_t day) {
    Key(key);
    buf_.push_back('"');
    AppendDate(&buf_, day);
    buf_.push_back('"');
  }
  // 64 random lower- or upper-case hex digits (a file's SHA-256).
  void Hex64(std::string_view key, Rng& rng) {
    Key(key);
    const char* digits = rng.Below(20) == 0 ? "0123456789ABCDEF" : "0123456789abcdef";
    buf_.push_back('"');
    for (int i = 0; i < 4; ++i) {
      uint64_t w = rng.Next();
      for (int j = 0; j < 16; ++j, w >>= 4) buf_.push_back(digits[w & 15]);
    }
    buf_.push_back('"');
  }

  std::string& buffer() { return buf_; }
  std::string_view view() const { return buf_; }

 private:
  std::string buf_;
  bool first_ = true;
};

}  // namespace smeledger::producers::internal
