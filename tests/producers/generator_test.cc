// Tests of the synthetic province generator. The heart of them is ReferenceLedger: a small,
// independent reading of EVENTS.md (its own strict JSON parser, field tables, check order and
// state) that every generated line is fed to, in order; its answer must equal the generator's
// ExpectedOutcome for every line. simdjson is a second, unrelated JSON parser for the shape
// checks.
#include "smeledger/producers/generator.h"

#include <simdjson.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace {

using smeledger::producers::ExpectedOutcome;
using smeledger::producers::GeneratorOptions;
using smeledger::producers::GeneratorStats;
using smeledger::producers::ProvinceGenerator;

// ------------------------------------------------------------------------------------ helpers

struct Run {
  std::vector<std::string> lines;
  std::vector<ExpectedOutcome> expected;
  GeneratorStats stats;
};

Run Generate(const GeneratorOptions& options) {
  std::unique_ptr<ProvinceGenerator> generator;
  REQUIRE(ProvinceGenerator::Open(options, &generator).ok());
  Run run;
  std::string_view line;
  ExpectedOutcome expected;
  while (generator->Next(&line, &expected)) {
    run.lines.emplace_back(line);
    run.expected.push_back(expected);
  }
  run.stats = generator->stats();
  return run;
}

GeneratorOptions Small(int institutions, int enterprises, int years, int bad, uint64_t seed = 1) {
  GeneratorOptions o;
  o.institutions = institutions;
  o.enterprises = enterprises;
  o.years = years;
  o.bad = bad;
  o.seed = seed;
  return o;
}

// ------------------------------------------------------------------------------------ strict JSON

struct Json {
  enum Kind { kObject, kArray, kString, kNumber, kTrue, kFalse, kNull };
  Kind kind = kNull;
  std::string text;  // kString: decoded; kNumber: the token
  std::vector<std::pair<std::string, Json>> members;
  std::vector<Json> items;
};

// RFC 8259, strictly: UTF-8 checked, no control characters in strings, no trailing content.
class StrictParser {
 public:
  bool Parse(std::string_view s, Json* out, bool* duplicate_key) {
    s_ = s;
    i_ = 0;
    duplicate_ = false;
    SkipSpace();
    if (!Value(out, 0)) return false;
    SkipSpace();
    *duplicate_key = duplicate_;
    return i_ == s_.size();
  }

 private:
  void SkipSpace() {
    while (i_ < s_.size() &&
           (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) {
      ++i_;
    }
  }
  bool Literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }
  bool Value(Json* out, int depth) {
    if (depth > 64 || i_ >= s_.size()) return false;
    const char c = s_[i_];
    if (c == '{') return Object(out, depth);
    if (c == '[') return Array(out, depth);
    if (c == '"') {
      out->kind = Json::kString;
      return String(&out->text);
    }
    if (c == 't') {
      out->kind = Json::kTrue;
      return Literal("true");
    }
    if (c == 'f') {
      out->kind = Json::kFalse;
      return Literal("false");
    }
    if (c == 'n') {
      out->kind = Json::kNull;
      return Literal("null");
    }
    out->kind = Json::kNumber;
    return Number(&out->text);
  }
  bool Object(Json* out, int depth) {
    out->kind = Json::kObject;
    ++i_;
    SkipSpace();
    if (i_ < s_.size() && s_[i_] == '}') {
      ++i_;
      return true;
    }
    std::set<std::string> keys;
    for (;;) {
      SkipSpace();
      if (i_ >= s_.size() || s_[i_] != '"') return false;
      std::string key;
      if (!String(&key)) return false;
      if (!keys.insert(key).second) duplicate_ = true;
      SkipSpace();
      if (i_ >= s_.size() || s_[i_] != ':') return false;
      ++i_;
      SkipSpace();
      Json value;
      if (!Value(&value, depth + 1)) return false;
      out->members.emplace_back(std::move(key), std::move(value));
      SkipSpace();
      if (i_ >= s_.size()) return false;
      if (s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (s_[i_] == '}') {
        ++i_;
        return true;
      }
      return false;
    }
  }
  bool Array(Json* out, int depth) {
    out->kind = Json::kArray;
    ++i_;
    SkipSpace();
    if (i_ < s_.size() && s_[i_] == ']') {
      ++i_;
      return true;
    }
    for (;;) {
      SkipSpace();
      Json value;
      if (!Value(&value, depth + 1)) return false;
      out->items.push_back(std::move(value));
      SkipSpace();
      if (i_ >= s_.size()) return false;
      if (s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (s_[i_] == ']') {
        ++i_;
        return true;
      }
      return false;
    }
  }
  static void PutUtf8(std::string* out, uint32_t cp) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
      out->push_back(static_cast<char>(0xf0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
  }
  bool Hex4(uint32_t* v) {
    if (i_ + 4 > s_.size()) return false;
    *v = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = s_[i_++];
      int d;
      if (c >= '0' && c <= '9') {
        d = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        d = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        d = c - 'A' + 10;
      } else {
        return false;
      }
      *v = *v * 16 + static_cast<uint32_t>(d);
    }
    return true;
  }
  bool String(std::string* out) {
    ++i_;  // opening quote
    while (i_ < s_.size()) {
      const unsigned char c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        ++i_;
        return true;
      }
      if (c < 0x20) return false;
      if (c == '\\') {
        if (++i_ >= s_.size()) return false;
        const char e = s_[i_++];
        switch (e) {
          case '"':
            out->push_back('"');
            break;
          case '\\':
            out->push_back('\\');
            break;
          case '/':
            out->push_back('/');
            break;
          case 'b':
            out->push_back('\b');
            break;
          case 'f':
            out->push_back('\f');
            break;
          case 'n':
            out->push_back('\n');
            break;
          case 'r':
            out->push_back('\r');
            break;
          case 't':
            out->push_back('\t');
            break;
          case 'u': {
            uint32_t u;
            if (!Hex4(&u)) return false;
            if (u >= 0xd800 && u < 0xdc00) {
              uint32_t low;
              if (!Literal("\\u") || !Hex4(&low) || low < 0xdc00 || low >= 0xe000) return false;
              u = 0x10000 + ((u - 0xd800) << 10) + (low - 0xdc00);
            } else if (u >= 0xdc00 && u < 0xe000) {
              return false;
            }
            PutUtf8(out, u);
            break;
          }
          default:
            return false;
        }
        continue;
      }
      if (c < 0x80) {
        out->push_back(static_cast<char>(c));
        ++i_;
        continue;
      }
      int len;
      uint32_t cp;
      if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        cp = c & 0x1f;
      } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        cp = c & 0x0f;
      } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        cp = c & 0x07;
      } else {
        return false;
      }
      if (i_ + static_cast<size_t>(len) > s_.size()) return false;
      for (int k = 1; k < len; ++k) {
        const unsigned char cc = static_cast<unsigned char>(s_[i_ + static_cast<size_t>(k)]);
        if ((cc & 0xc0) != 0x80) return false;
        cp = (cp << 6) | (cc & 0x3f);
      }
      if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp < 0xe000))) ||
          (len == 4 && (cp < 0x10000 || cp > 0x10ffff))) {
        return false;
      }
      out->append(s_.substr(i_, static_cast<size_t>(len)));
      i_ += static_cast<size_t>(len);
    }
    return false;
  }
  bool Number(std::string* out) {
    const size_t start = i_;
    auto digits = [&]() {
      const size_t b = i_;
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
      return i_ > b;
    };
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    if (i_ >= s_.size()) return false;
    if (s_[i_] == '0') {
      ++i_;
    } else if (!digits()) {
      return false;
    }
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (!digits()) return false;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (!digits()) return false;
    }
    out->assign(s_.substr(start, i_ - start));
    return true;
  }

  std::string_view s_;
  size_t i_ = 0;
  bool duplicate_ = false;
};

// A number token as sign, significant digits and exponent: equal values, equal strings.
std::string NormalizeNumber(std::string_view t) {
  bool negative = false;
  if (!t.empty() && t[0] == '-') {
    negative = true;
    t.remove_prefix(1);
  }
  std::string digits;
  int64_t exponent = 0;
  size_t i = 0;
  while (i < t.size() && t[i] >= '0' && t[i] <= '9') digits.push_back(t[i++]);
  if (i < t.size() && t[i] == '.') {
    ++i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') {
      digits.push_back(t[i++]);
      --exponent;
    }
  }
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E'))
    exponent += std::stoll(std::string(t.substr(i + 1)));
  const size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return "0";
  digits.erase(0, first);
  while (digits.back() == '0') {
    digits.pop_back();
    ++exponent;
  }
  return (negative ? "-" : "") + digits + "e" + std::to_string(exponent);
}

bool JsonEqual(const Json& a, const Json& b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case Json::kString:
      return a.text == b.text;
    case Json::kNumber:
      return NormalizeNumber(a.text) == NormalizeNumber(b.text);
    case Json::kArray:
      if (a.items.size() != b.items.size()) return false;
      for (size_t i = 0; i < a.items.size(); ++i) {
        if (!JsonEqual(a.items[i], b.items[i])) return false;
      }
      return true;
    case Json::kObject: {
      if (a.members.size() != b.members.size()) return false;
      for (const auto& [key, value] : a.members) {
        auto it = std::find_if(b.members.begin(), b.members.end(),
                               [&](const auto& m) { return m.first == key; });
        if (it == b.members.end() || !JsonEqual(value, it->second)) return false;
      }
      return true;
    }
    default:
      return true;
  }
}

const Json* Get(const Json& object, std::string_view key) {
  for (const auto& [k, v] : object.members) {
    if (k == key) return &v;
  }
  return nullptr;
}

// ------------------------------------------------------------------------------------ value types

bool IdChars(std::string_view s, size_t max, bool dots_and_colons) {
  if (s.empty() || s.size() > max) return false;
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || (dots_and_colons && (c == '.' || c == '_' || c == ':'));
    if (!ok) return false;
  }
  return true;
}

const std::set<std::string> kCityCodes = {
    "340100", "340200", "340300", "340400", "340500", "340600", "340700", "340800",
    "341000", "341100", "341200", "341300", "341500", "341600", "341700", "341800"};

enum class SubjectKind { kInvalid, kProvince, kDept, kCity, kInst, kEnt };

SubjectKind Subject(std::string_view s) {
  if (s == "province") return SubjectKind::kProvince;
  if (s == "dept") return SubjectKind::kDept;
  if (s.starts_with("city:")) {
    return kCityCodes.count(std::string(s.substr(5))) ? SubjectKind::kCity : SubjectKind::kInvalid;
  }
  if (s.starts_with("inst:")) {
    return IdChars(s.substr(5), 40, false) ? SubjectKind::kInst : SubjectKind::kInvalid;
  }
  if (s.starts_with("ent:")) {
    return IdChars(s.substr(4), 40, false) ? SubjectKind::kEnt : SubjectKind::kInvalid;
  }
  return SubjectKind::kInvalid;
}

bool Digits(std::string_view s, size_t at, size_t n, int* value) {
  if (at + n > s.size()) return false;
  *value = 0;
  for (size_t k = at; k < at + n; ++k) {
    if (s[k] < '0' || s[k] > '9') return false;
    *value = *value * 10 + (s[k] - '0');
  }
  return true;
}

int DaysIn(int y, int m) {
  static const int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

bool ParseDate(std::string_view s, int64_t* days) {
  int y, m, d;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !Digits(s, 0, 4, &y) ||
      !Digits(s, 5, 2, &m) || !Digits(s, 8, 2, &d) || m < 1 || m > 12 || d < 1 ||
      d > DaysIn(y, m)) {
    return false;
  }
  const int yy = y - (m <= 2);
  const int era = yy / 400;
  const int yoe = yy - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  *days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
  return true;
}

// RFC 3339 §5.6 as EVENTS.md restricts it. `key` orders instants exactly (seconds, then the
// fraction digits padded).
bool ParseTime(std::string_view s, std::pair<int64_t, std::string>* key) {
  int64_t days;
  int hh, mm, ss;
  if (s.size() < 20 || !ParseDate(s.substr(0, 10), &days) || (s[10] != 'T' && s[10] != 't') ||
      !Digits(s, 11, 2, &hh) || s[13] != ':' || !Digits(s, 14, 2, &mm) || s[16] != ':' ||
      !Digits(s, 17, 2, &ss) || hh > 23 || mm > 59 || ss > 59) {
    return false;
  }
  size_t i = 19;
  std::string fraction;
  if (s[i] == '.') {
    ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') fraction.push_back(s[i++]);
    if (fraction.empty()) return false;
  }
  int64_t offset = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else {
    int oh, om;
    if (i + 6 != s.size() || (s[i] != '+' && s[i] != '-') || !Digits(s, i + 1, 2, &oh) ||
        s[i + 3] != ':' || !Digits(s, i + 4, 2, &om) || oh > 23 || om > 59) {
      return false;
    }
    offset = (s[i] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    i += 6;
  }
  if (i != s.size()) return false;
  fraction.resize(20, '0');
  key->first = days * 86400 + hh * 3600 + mm * 60 + ss - offset;
  key->second = fraction;
  return true;
}

bool IsInt(const Json& v, int64_t* out) {
  if (v.kind != Json::kNumber || v.text.find_first_of(".eE") != std::string::npos) return false;
  const std::string_view digits = v.text[0] == '-' ? std::string_view(v.text).substr(1) : v.text;
  if (digits.size() > 16) return false;
  const int64_t value = std::stoll(v.text);
  if (value > 9007199254740991LL || value < -9007199254740991LL) return false;
  *out = value;
  return true;
}

// ------------------------------------------------------------------------------------ field tables

enum class F {
  kInst,
  kCity,
  kText,
  kProvider,
  kEnt,
  kChannel,
  kObjectId,
  kMode,
  kTime,
  kBool,
  kScore,
  kDate,
  kReportKind,
  kPeriod,
  kHex64,
  kBytes,
  kCollaborationKind,
  kLevel,
  kVerdict,
  kYear,
  kItem,
  kNonNegative,
  kEventId,
  kQuarter,
  kPosition
};

struct Field {
  std::string name;
  F kind;
  bool optional = false;
};

const std::map<std::string, std::vector<Field>>& Types() {
  static const auto* types = new std::map<std::string, std::vector<Field>>{
      {"institution.admitted",
       {{"institution", F::kInst},
        {"city", F::kCity},
        {"name", F::kText},
        {"referred_by", F::kProvider, true}}},
      {"institution.removed", {{"institution", F::kInst}, {"reason", F::kText}}},
      {"enterprise.registered",
       {{"enterprise", F::kEnt}, {"channel", F::kChannel}, {"referred_by", F::kProvider, true}}},
      {"activity.published",
       {{"activity", F::kObjectId},
        {"owner", F::kProvider},
        {"mode", F::kMode},
        {"title", F::kText},
        {"starts_at", F::kTime},
        {"ends_at", F::kTime},
        {"key", F::kBool, true},
        {"public_welfare", F::kBool, true}}},
      {"activity.cancelled", {{"activity", F::kObjectId}, {"reason", F::kText}}},
      {"activity.signup", {{"activity", F::kObjectId}, {"enterprise", F::kEnt}}},
      {"activity.checkin", {{"activity", F::kObjectId}, {"enterprise", F::kEnt}}},
      {"activity.rated",
       {{"activity", F::kObjectId}, {"enterprise", F::kEnt}, {"score", F::kScore}}},
      {"demand.published",
       {{"demand", F::kObjectId},
        {"enterprise", F::kEnt},
        {"city", F::kCity},
        {"title", F::kText}}},
      {"demand.accepted", {{"demand", F::kObjectId}, {"provider", F::kProvider}}},
      {"demand.completed", {{"demand", F::kObjectId}, {"provider", F::kProvider}}},
      {"demand.rated", {{"demand", F::kObjectId}, {"enterprise", F::kEnt}, {"score", F::kScore}}},
      {"service.delivered",
       {{"provider", F::kProvider},
        {"enterprise", F::kEnt},
        {"date", F::kDate},
        {"public_welfare", F::kBool, true}}},
      {"report.uploaded",
       {{"provider", F::kProvider},
        {"kind", F::kReportKind},
        {"activity", F::kObjectId, true},
        {"period", F::kPeriod, true},
        {"sha256", F::kHex64},
        {"bytes", F::kBytes}}},
      {"collaboration.recorded", {{"provider", F::kProvider}, {"kind", F::kCollaborationKind}}},
      {"demand_collection.completed", {{"provider", F::kProvider}, {"campaign", F::kText}}},
      {"product.published",
       {{"product", F::kObjectId},
        {"provider", F::kProvider},
        {"title", F::kText},
        {"public_welfare", F::kBool, true}}},
      {"product.withdrawn", {{"product", F::kObjectId}}},
      {"media.reported",
       {{"provider", F::kProvider},
        {"level", F::kLevel},
        {"outlet", F::kText},
        {"title", F::kText}}},
      {"title.awarded",
       {{"holder", F::kProvider},
        {"title", F::kText},
        {"level", F::kLevel},
        {"demonstration_platform", F::kBool, true}}},
      {"complaint.filed",
       {{"complaint", F::kObjectId}, {"provider", F::kProvider}, {"enterprise", F::kEnt}}},
      {"complaint.resolved", {{"complaint", F::kObjectId}, {"verdict", F::kVerdict}}},
      {"assessment.scored",
       {{"subject", F::kProvider},
        {"year", F::kYear},
        {"item", F::kItem},
        {"score", F::kNonNegative}}},
      {"event.retracted", {{"target", F::kEventId}, {"reason", F::kText}}},
      {"notice.approved",
       {{"period", F::kQuarter},
        {"position", F::kPosition},
        {"rules", F::kText},
        {"digest", F::kHex64}}},
  };
  return *types;
}

bool OneOf(const Json& v, std::initializer_list<std::string_view> values) {
  if (v.kind != Json::kString) return false;
  for (std::string_view x : values) {
    if (v.text == x) return true;
  }
  return false;
}

bool ValidValue(F kind, const Json& v, std::string_view report_kind) {
  const bool str = v.kind == Json::kString;
  int64_t i;
  switch (kind) {
    case F::kInst:
      return str && v.text.starts_with("inst:") && Subject(v.text) == SubjectKind::kInst;
    case F::kCity:
      return str && Subject(v.text) == SubjectKind::kCity;
    case F::kText:
      return str && !v.text.empty() && v.text.size() <= 1000;
    case F::kProvider:
      return str &&
             (Subject(v.text) == SubjectKind::kCity || Subject(v.text) == SubjectKind::kInst);
    case F::kEnt:
      return str && Subject(v.text) == SubjectKind::kEnt;
    case F::kChannel:
      return OneOf(v, {"platform", "wechat"});
    case F::kObjectId:
    case F::kEventId:
      return str && IdChars(v.text, 64, true);
    case F::kMode:
      return OneOf(v, {"online", "offline"});
    case F::kTime: {
      std::pair<int64_t, std::string> key;
      return str && ParseTime(v.text, &key);
    }
    case F::kBool:
      return v.kind == Json::kTrue || v.kind == Json::kFalse;
    case F::kScore:
      return IsInt(v, &i) && i >= 1 && i <= 5;
    case F::kDate: {
      int64_t days;
      return str && ParseDate(v.text, &days);
    }
    case F::kReportKind:
      return OneOf(v, {"attendee_list", "photos", "summary", "monthly", "annual"});
    case F::kPeriod: {
      if (!str) return false;
      int y, m;
      if (report_kind == "annual") return v.text.size() == 4 && Digits(v.text, 0, 4, &y);
      return v.text.size() == 7 && Digits(v.text, 0, 4, &y) && v.text[4] == '-' &&
             Digits(v.text, 5, 2, &m) && m >= 1 && m <= 12;
    }
    case F::kHex64:
      return str && v.text.size() == 64 &&
             v.text.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
    case F::kBytes:
      return IsInt(v, &i) && i >= 0;
    case F::kCollaborationKind:
      return OneOf(v, {"expert_collection", "public_welfare", "demand_survey", "matchmaking",
                       "featured_promotion", "city_organised"});
    case F::kLevel:
      return OneOf(v, {"city", "province", "national"});
    case F::kVerdict:
      return OneOf(v, {"provider_at_fault", "not_at_fault"});
    case F::kYear:
    case F::kPosition:
      return IsInt(v, &i);
    case F::kItem:
      return OneOf(v, {"infrastructure", "service_norms", "internet_platform"});
    case F::kNonNegative:
      return v.kind == Json::kNumber && std::isfinite(std::strtod(v.text.c_str(), nullptr)) &&
             v.text[0] != '-';
    case F::kQuarter: {
      int y;
      return str && v.text.size() == 7 && Digits(v.text, 0, 4, &y) && v.text[4] == '-' &&
             v.text[5] == 'Q' && v.text[6] >= '1' && v.text[6] <= '4';
    }
  }
  return false;
}

bool IsActivityKind(std::string_view kind) {
  return kind == "attendee_list" || kind == "photos" || kind == "summary";
}

// ------------------------------------------------------------------------------------ the ledger

struct Outcome {
  std::string outcome;
  std::string reason;
  std::string event_id;
  uint64_t position = 0;
};

class ReferenceLedger {
 public:
  Outcome Submit(std::string_view line) {
    Json doc;
    bool duplicate_key = false;
    if (!parser_.Parse(line, &doc, &duplicate_key)) return Rejected("malformed_json", "");
    if (doc.kind != Json::kObject) return Rejected("not_object", "");
    if (duplicate_key) return Rejected("duplicate_key", "");
    const Json* id = Get(doc, "event_id");
    const std::string event_id = id != nullptr && id->kind == Json::kString ? id->text : "";
    if (id == nullptr) return Rejected("missing_field", "");
    if (id->kind != Json::kString || !IdChars(id->text, 64, true)) {
      return Rejected("invalid_value", event_id);
    }
    if (auto it = by_id_.find(event_id); it != by_id_.end()) {
      if (JsonEqual(events_[it->second].doc, doc)) {
        return Outcome{"duplicate", "", event_id, it->second + 1};
      }
      return Rejected("conflict", event_id);
    }
    const std::string reason = Check(doc);
    if (!reason.empty()) return Rejected(reason, event_id);
    Apply(std::move(doc), event_id);
    return Outcome{"accepted", "", event_id, events_.size()};
  }

 private:
  static constexpr int64_t kNone = -1;
  struct Event {
    Json doc;
    std::string type;
    std::string actor;
    bool retracted = false;
  };
  struct Participation {
    int64_t signup = kNone, checkin = kNone, rating = kNone;
  };
  struct Activity {
    int64_t publish = kNone;
    std::string owner;
    bool online = false;
    int64_t cancel = kNone;
    std::map<std::string, Participation> enterprises;
    std::vector<int64_t> reports;
  };
  struct Demand {
    int64_t publish = kNone;
    std::string enterprise;
    int64_t accept = kNone;
    std::string acceptor;
    int64_t complete = kNone, rate = kNone;
  };
  struct Product {
    int64_t publish = kNone;
    std::string provider;
    int64_t withdraw = kNone;
  };
  struct Complaint {
    int64_t file = kNone, resolve = kNone;
  };

  static Outcome Rejected(std::string reason, std::string event_id) {
    return Outcome{"rejected", std::move(reason), std::move(event_id), 0};
  }
  bool Live(int64_t ev) const { return ev != kNone && !events_[ev].retracted; }
  static std::string Str(const Json& doc, std::string_view key) {
    const Json* v = Get(doc, key);
    return v != nullptr && v->kind == Json::kString ? v->text : "";
  }

  bool InNetwork(const std::string& subject) const {
    if (Subject(subject) == SubjectKind::kCity) return true;
    auto it = membership_.find(subject);
    if (it == membership_.end()) return false;
    for (auto e = it->second.rbegin(); e != it->second.rend(); ++e) {
      if (!events_[*e].retracted) return events_[*e].type == "institution.admitted";
    }
    return false;
  }
  bool ActivityExists(const std::string& id) const {
    auto it = activities_.find(id);
    return it != activities_.end() && Live(it->second.publish);
  }

  // Check 3 (after the event_id), 4 and 5. Returns the reason code, or "".
  std::string Check(const Json& doc) {
    const Json* type = Get(doc, "type");
    if (type == nullptr) return "missing_field";
    if (type->kind != Json::kString || !Types().count(type->text)) return "unknown_type";
    const std::string& t = type->text;
    const std::vector<Field>& fields = Types().at(t);
    for (const auto& [key, value] : doc.members) {
      const bool envelope =
          key == "event_id" || key == "type" || key == "occurred_at" || key == "actor";
      const bool known =
          std::any_of(fields.begin(), fields.end(), [&](const Field& f) { return f.name == key; });
      if (!envelope && !known) return "unknown_field";
    }
    if (Get(doc, "occurred_at") == nullptr || Get(doc, "actor") == nullptr) return "missing_field";
    // report.uploaded: the kind decides which of activity and period is required.
    const bool report = t == "report.uploaded";
    const Json* kind = Get(doc, "kind");
    const bool kind_valid = report && kind != nullptr && ValidValue(F::kReportKind, *kind, "");
    const std::string report_kind = kind_valid ? kind->text : "";
    auto required = [&](const Field& f) {
      if (report && (f.name == "activity" || f.name == "period")) {
        if (!kind_valid) return false;
        return f.name == "activity" ? IsActivityKind(report_kind) : !IsActivityKind(report_kind);
      }
      return !f.optional;
    };
    for (const Field& f : fields) {
      if (required(f) && Get(doc, f.name) == nullptr) return "missing_field";
    }
    std::pair<int64_t, std::string> occurred;
    const Json& occurred_at = *Get(doc, "occurred_at");
    if (occurred_at.kind != Json::kString || !ParseTime(occurred_at.text, &occurred)) {
      return "invalid_value";
    }
    const Json& actor_json = *Get(doc, "actor");
    if (actor_json.kind != Json::kString || Subject(actor_json.text) == SubjectKind::kInvalid) {
      return "invalid_value";
    }
    for (const Field& f : fields) {
      const Json* v = Get(doc, f.name);
      if (v == nullptr) continue;
      if (report && (f.name == "activity" || f.name == "period") && !required(f)) continue;
      if (!ValidValue(f.kind, *v, report_kind)) return "invalid_value";
    }
    if (report) {
      for (const char* other : {"activity", "period"}) {
        const Field& f = *std::find_if(fields.begin(), fields.end(),
                                       [&](const Field& x) { return x.name == other; });
        if (Get(doc, other) != nullptr && !required(f)) return "unexpected_field";
      }
    }

    // Check 4: the actor.
    const std::string actor = actor_json.text;
    const SubjectKind ak = Subject(actor);
    const bool province = ak == SubjectKind::kProvince;
    const bool provider_kind = ak == SubjectKind::kCity || ak == SubjectKind::kInst;
    bool allowed = false;
    if (t == "institution.admitted") {
      allowed = province || actor == Str(doc, "city");
    } else if (t == "institution.removed" || t == "title.awarded" || t == "assessment.scored" ||
               t == "notice.approved") {
      allowed = ak == SubjectKind::kDept;
    } else if (t == "enterprise.registered" || t == "activity.rated" || t == "demand.published" ||
               t == "demand.rated" || t == "collaboration.recorded" ||
               t == "demand_collection.completed" || t == "media.reported" ||
               t == "complaint.filed" || t == "complaint.resolved") {
      allowed = province;
    } else if (t == "activity.published") {
      allowed = province || actor == Str(doc, "owner");
    } else if (t == "activity.cancelled" || t == "activity.signup" || t == "activity.checkin" ||
               t == "product.withdrawn") {
      allowed = province || provider_kind;
    } else if (t == "demand.accepted" || t == "demand.completed" || t == "service.delivered" ||
               t == "report.uploaded" || t == "product.published") {
      allowed = actor == Str(doc, "provider");
    } else if (t == "event.retracted") {
      allowed = ak != SubjectKind::kEnt;
    }
    if (!allowed) return "actor_not_allowed";
    if (ak == SubjectKind::kInst && !InNetwork(actor)) return "actor_not_admitted";

    // Check 5: the state. Providers named in fields must be in the network.
    for (const Field& f : fields) {
      if (f.kind != F::kProvider || Get(doc, f.name) == nullptr) continue;
      if (!InNetwork(Str(doc, f.name))) return "not_found";
    }
    if (t == "institution.admitted") {
      return InNetwork(Str(doc, "institution")) ? "already_exists" : "";
    }
    if (t == "institution.removed") {
      return InNetwork(Str(doc, "institution")) ? "" : "precondition";
    }
    if (t == "enterprise.registered") {
      auto it = registrations_.find(Str(doc, "enterprise") + "/" + Str(doc, "channel"));
      return it != registrations_.end() && Live(it->second) ? "already_exists" : "";
    }
    if (t == "activity.published") {
      if (activities_.count(Str(doc, "activity"))) return "already_exists";
      std::pair<int64_t, std::string> starts, ends;
      ParseTime(Str(doc, "starts_at"), &starts);
      ParseTime(Str(doc, "ends_at"), &ends);
      return starts <= ends ? "" : "precondition";
    }
    if (t.starts_with("activity.")) {
      const std::string id = Str(doc, "activity");
      if (!ActivityExists(id)) return "not_found";
      const Activity& a = activities_.at(id);
      if (t != "activity.rated" && !province && actor != a.owner) return "actor_not_allowed";
      const bool cancelled = Live(a.cancel);
      if (t == "activity.cancelled") return cancelled ? "already_exists" : "";
      auto p = a.enterprises.find(Str(doc, "enterprise"));
      const Participation none;
      const Participation& part = p == a.enterprises.end() ? none : p->second;
      if (t == "activity.signup") {
        if (Live(part.signup)) return "already_exists";
        return cancelled ? "precondition" : "";
      }
      if (t == "activity.checkin") {
        if (Live(part.checkin)) return "already_exists";
        return cancelled || !Live(part.signup) ? "precondition" : "";
      }
      if (Live(part.rating)) return "already_exists";  // activity.rated
      return cancelled || !Live(part.checkin) ? "precondition" : "";
    }
    if (t.starts_with("demand.")) {
      const std::string id = Str(doc, "demand");
      auto it = demands_.find(id);
      if (t == "demand.published") return it != demands_.end() ? "already_exists" : "";
      if (it == demands_.end() || !Live(it->second.publish)) return "not_found";
      const Demand& d = it->second;
      if (t == "demand.accepted") return Live(d.accept) ? "already_exists" : "";
      if (t == "demand.completed") {
        if (Live(d.complete)) return "already_exists";
        return Live(d.accept) && d.acceptor == Str(doc, "provider") ? "" : "precondition";
      }
      if (Live(d.rate)) return "already_exists";  // demand.rated
      return Live(d.complete) && Str(doc, "enterprise") == d.enterprise ? "" : "precondition";
    }
    if (t == "report.uploaded") {
      if (!IsActivityKind(report_kind)) return "";
      const std::string id = Str(doc, "activity");
      if (!ActivityExists(id)) return "not_found";
      const Activity& a = activities_.at(id);
      return !a.online && a.owner == Str(doc, "provider") && !Live(a.cancel) ? "" : "precondition";
    }
    if (t == "product.published") {
      return products_.count(Str(doc, "product")) ? "already_exists" : "";
    }
    if (t == "product.withdrawn") {
      auto it = products_.find(Str(doc, "product"));
      if (it == products_.end() || !Live(it->second.publish)) return "not_found";
      if (!province && actor != it->second.provider) return "actor_not_allowed";
      return Live(it->second.withdraw) ? "already_exists" : "";
    }
    if (t == "complaint.filed") {
      return complaints_.count(Str(doc, "complaint")) ? "already_exists" : "";
    }
    if (t == "complaint.resolved") {
      auto it = complaints_.find(Str(doc, "complaint"));
      if (it == complaints_.end() || !Live(it->second.file)) return "not_found";
      return Live(it->second.resolve) ? "already_exists" : "";
    }
    if (t == "assessment.scored") {
      return Str(doc, "item") == "internet_platform" &&
                     Subject(Str(doc, "subject")) != SubjectKind::kCity
                 ? "precondition"
                 : "";
    }
    if (t == "event.retracted") {
      auto it = by_id_.find(Str(doc, "target"));
      if (it == by_id_.end()) return "not_found";
      const int64_t target = static_cast<int64_t>(it->second);
      const Event& e = events_[target];
      if (!province && actor != e.actor) return "actor_not_allowed";
      if (e.retracted) return "already_exists";
      if (HasDependents(target)) return "has_dependents";
      return e.type == "event.retracted" ? "precondition" : "";
    }
    if (t == "notice.approved") {
      int64_t position;
      IsInt(*Get(doc, "position"), &position);
      return position >= 1 && position <= static_cast<int64_t>(events_.size()) ? ""
                                                                               : "precondition";
    }
    return "";  // service.delivered, collaboration, demand collection, media, title
  }

  bool HasDependents(int64_t target) const {
    const Event& e = events_[target];
    const Json& doc = e.doc;
    if (e.type == "activity.published") {
      const Activity& a = activities_.at(Str(doc, "activity"));
      if (Live(a.cancel)) return true;
      for (const auto& [ent, p] : a.enterprises) {
        if (Live(p.signup)) return true;
      }
      for (int64_t r : a.reports) {
        if (Live(r)) return true;
      }
      return false;
    }
    if (e.type == "activity.signup" || e.type == "activity.checkin") {
      const Participation& p =
          activities_.at(Str(doc, "activity")).enterprises.at(Str(doc, "enterprise"));
      return e.type == "activity.signup" ? p.signup == target && Live(p.checkin)
                                         : p.checkin == target && Live(p.rating);
    }
    if (e.type == "demand.published") return Live(demands_.at(Str(doc, "demand")).accept);
    if (e.type == "demand.accepted") return Live(demands_.at(Str(doc, "demand")).complete);
    if (e.type == "demand.completed") return Live(demands_.at(Str(doc, "demand")).rate);
    if (e.type == "product.published") return Live(products_.at(Str(doc, "product")).withdraw);
    if (e.type == "complaint.filed") return Live(complaints_.at(Str(doc, "complaint")).resolve);
    if (e.type == "institution.admitted") {
      const std::vector<int64_t>& list = membership_.at(Str(doc, "institution"));
      bool after = false;
      for (int64_t ev : list) {
        if (ev == target) {
          after = true;
        } else if (after && Live(ev) && events_[ev].type == "institution.removed") {
          return true;
        }
      }
    }
    return false;
  }

  void Apply(Json doc, const std::string& event_id) {
    const int64_t index = static_cast<int64_t>(events_.size());
    Event e;
    e.type = Str(doc, "type");
    e.actor = Str(doc, "actor");
    const std::string& t = e.type;
    if (t == "institution.admitted" || t == "institution.removed") {
      membership_[Str(doc, "institution")].push_back(index);
    } else if (t == "enterprise.registered") {
      registrations_[Str(doc, "enterprise") + "/" + Str(doc, "channel")] = index;
    } else if (t == "activity.published") {
      Activity& a = activities_[Str(doc, "activity")];
      a.publish = index;
      a.owner = Str(doc, "owner");
      a.online = Str(doc, "mode") == "online";
    } else if (t == "activity.cancelled") {
      activities_[Str(doc, "activity")].cancel = index;
    } else if (t == "activity.signup" || t == "activity.checkin" || t == "activity.rated") {
      Participation& p = activities_[Str(doc, "activity")].enterprises[Str(doc, "enterprise")];
      (t == "activity.signup" ? p.signup : (t == "activity.checkin" ? p.checkin : p.rating)) =
          index;
    } else if (t == "report.uploaded") {
      if (Get(doc, "activity") != nullptr && IsActivityKind(Str(doc, "kind"))) {
        activities_[Str(doc, "activity")].reports.push_back(index);
      }
    } else if (t.starts_with("demand.")) {
      Demand& d = demands_[Str(doc, "demand")];
      if (t == "demand.published") {
        d.publish = index;
        d.enterprise = Str(doc, "enterprise");
      } else if (t == "demand.accepted") {
        d.accept = index;
        d.acceptor = Str(doc, "provider");
      } else if (t == "demand.completed") {
        d.complete = index;
      } else {
        d.rate = index;
      }
    } else if (t == "product.published") {
      Product& p = products_[Str(doc, "product")];
      p.publish = index;
      p.provider = Str(doc, "provider");
    } else if (t == "product.withdrawn") {
      products_[Str(doc, "product")].withdraw = index;
    } else if (t == "complaint.filed") {
      complaints_[Str(doc, "complaint")].file = index;
    } else if (t == "complaint.resolved") {
      complaints_[Str(doc, "complaint")].resolve = index;
    } else if (t == "event.retracted") {
      // Marking the target retracted takes its effect away: every rule reads Live().
      events_[by_id_.at(Str(doc, "target"))].retracted = true;
    }
    e.doc = std::move(doc);
    events_.push_back(std::move(e));
    by_id_[event_id] = static_cast<uint64_t>(index);
  }

  StrictParser parser_;
  std::vector<Event> events_;
  std::unordered_map<std::string, uint64_t> by_id_;
  std::unordered_map<std::string, std::vector<int64_t>> membership_;
  std::unordered_map<std::string, int64_t> registrations_;
  std::unordered_map<std::string, Activity> activities_;
  std::unordered_map<std::string, Demand> demands_;
  std::unordered_map<std::string, Product> products_;
  std::unordered_map<std::string, Complaint> complaints_;
};

// Feeds a run to the reference ledger; every answer must be the expected one.
void CheckAgainstReference(const Run& run) {
  ReferenceLedger ledger;
  for (size_t i = 0; i < run.lines.size(); ++i) {
    const ExpectedOutcome& want = run.expected[i];
    const Outcome got = ledger.Submit(run.lines[i]);
    INFO("line " << want.line << ": " << run.lines[i]);
    INFO("expected " << want.outcome << " " << want.reason << " (" << want.detail << ")");
    REQUIRE(want.line == i + 1);
    REQUIRE(got.outcome == want.outcome);
    REQUIRE(got.reason == want.reason);
    REQUIRE(got.event_id == want.event_id);
    REQUIRE(got.position == want.position);
  }
}

std::string TypeOf(const std::string& line) {
  const size_t at = line.find("\"type\":\"");
  if (at == std::string::npos) return "";
  const size_t end = line.find('"', at + 8);
  return line.substr(at + 8, end - at - 8);
}

std::string OccurredYear(const std::string& line, int* hour_offset_z) {
  const size_t at = line.find("\"occurred_at\":\"");
  std::pair<int64_t, std::string> key;
  const size_t end = line.find('"', at + 15);
  REQUIRE(ParseTime(std::string_view(line).substr(at + 15, end - at - 15), &key));
  if (hour_offset_z != nullptr) *hour_offset_z = line[end - 1] == 'Z' ? 1 : 0;
  // The CST year of the instant.
  const int64_t cst_days = (key.first + 8 * 3600) / 86400;
  int64_t z = cst_days + 719468;
  const int64_t era = z / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t month = mp + (mp < 10 ? 3 : -9);
  return std::to_string(yoe + era * 400 + (month <= 2));
}

}  // namespace

// ------------------------------------------------------------------------------------ tests

TEST_CASE("the reference ledger itself follows EVENTS.md on hand-written lines", "[producers]") {
  ReferenceLedger ledger;
  struct Step {
    const char* line;
    const char* outcome;
    const char* reason;
    uint64_t position;
  };
  const Step steps[] = {
      {R"({"event_id":"i-1","type":"institution.admitted","occurred_at":"2019-07-01T09:00:00+08:00","actor":"city:340100","institution":"inst:HF-0007","city":"city:340100","name":"x"})",
       "accepted", "", 1},
      // EVENTS.md's example.
      {R"({"event_id":"a-0001","type":"activity.published","occurred_at":"2019-07-01T10:00:00+08:00","actor":"inst:HF-0007","activity":"act-19-0001","owner":"inst:HF-0007","mode":"offline","title":"Financing clinic","starts_at":"2019-07-05T09:00:00+08:00","ends_at":"2019-07-05T17:00:00+08:00"})",
       "accepted", "", 2},
      {R"({"event_id":"a-0002","type":"report.uploaded","occurred_at":"2019-07-11T16:20:00+08:00","actor":"inst:HF-0007","provider":"inst:HF-0007","kind":"summary","activity":"act-19-0001","sha256":"9f2c0e5a3b1d4c6e8f7a9b0c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6","bytes":48213})",
       "accepted", "", 3},
      {R"({ "bytes" : 4.8213e4, "kind":"summ\u0061ry","event_id":"a-0002","type":"report.uploaded","occurred_at":"2019-07-11T16:20:00+08:00","actor":"inst:HF-0007","provider":"inst:HF-0007","activity":"act-19-0001","sha256":"9f2c0e5a3b1d4c6e8f7a9b0c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6"})",
       "duplicate", "", 3},
      {R"({"event_id":"a-0002","type":"report.uploaded"})", "rejected", "conflict", 0},
      {R"({"event_id":"a-0003","type":"activity.checkin","occurred_at":"2019-07-05T09:00:00Z","actor":"province","activity":"act-19-0001","enterprise":"ent:91340100MA2N0ABC1X"})",
       "rejected", "precondition", 0},
      {R"({"event_id":"a-0003","type":"activity.signup","occurred_at":"2019-07-02T09:00:00Z","actor":"inst:HF-0008","activity":"act-19-0001","enterprise":"ent:91340100MA2N0ABC1X"})",
       "rejected", "actor_not_admitted", 0},
      {R"({"event_id":"a-0003","type":"event.retracted","occurred_at":"2019-07-12T09:00:00Z","actor":"province","target":"a-0001","reason":"x"})",
       "rejected", "has_dependents", 0},
      {R"({"event_id":"a-0003","type":"report.uploaded","occurred_at":"2019-07-12T09:00:00Z","actor":"inst:HF-0007","provider":"inst:HF-0007","kind":"monthly","activity":"act-19-0001","sha256":"9f2c0e5a3b1d4c6e8f7a9b0c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6","bytes":1})",
       "rejected", "missing_field", 0},
      {R"({"event_id":"a-0003","type":"assessment.scored","occurred_at":"2019-12-20T09:00:00+08:00","actor":"dept","subject":"inst:HF-0007","year":2019,"item":"service_norms","score":1e400})",
       "rejected", "invalid_value", 0},
      {R"({"event_id":"a-0003","type":"event.retracted","occurred_at":"2019-07-12T09:00:00Z","actor":"province","target":"a-0002","reason":"x"})",
       "accepted", "", 4},
      {R"({"event_id":"a-0004","type":"event.retracted","occurred_at":"2019-07-12T09:00:00Z","actor":"inst:HF-0007","target":"a-0001","reason":"x"})",
       "accepted", "", 5},
      {R"({"event_id":"a-0005","type":"activity.signup","occurred_at":"2019-07-12T09:00:00Z","actor":"province","activity":"act-19-0001","enterprise":"ent:1"})",
       "rejected", "not_found", 0},
      {R"({"event_id":"a-0005","type":"activity.published","occurred_at":"2019-07-01T10:00:00+08:00","actor":"province","activity":"act-19-0001","owner":"city:340100","mode":"online","title":"t","starts_at":"2019-07-05T09:00:00+08:00","ends_at":"2019-07-05T17:00:00+08:00"})",
       "rejected", "already_exists", 0},
      {R"({"event_id":"a-0005","type":"event.retracted","occurred_at":"2019-07-12T09:00:00Z","actor":"province","target":"a-0004","reason":"x"})",
       "rejected", "precondition", 0},
      {R"({"event_id":"a-0005","type":"activity.signup","occurred_at":"2019-07-12T09:00:00Z","actor":"province","activity":"act-19-0001","enterprise":"ent:1")",
       "rejected", "malformed_json", 0},
  };
  for (const Step& step : steps) {
    INFO(step.line);
    const Outcome got = ledger.Submit(step.line);
    CHECK(got.outcome == step.outcome);
    CHECK(got.reason == step.reason);
    CHECK(got.position == step.position);
  }
}

TEST_CASE("options out of range are refused with InvalidInput", "[producers]") {
  std::unique_ptr<ProvinceGenerator> generator;
  GeneratorOptions o;
  o.enterprises = 0;
  smeledger::Status s = ProvinceGenerator::Open(o, &generator);
  CHECK(s.code() == smeledger::Status::Code::kInvalidInput);
  CHECK(generator == nullptr);
  o = GeneratorOptions();
  o.years = 0;
  CHECK(ProvinceGenerator::Open(o, &generator).code() == smeledger::Status::Code::kInvalidInput);
  o = GeneratorOptions();
  o.institutions = -1;
  CHECK(ProvinceGenerator::Open(o, &generator).code() == smeledger::Status::Code::kInvalidInput);
  o = GeneratorOptions();
  o.year = 1900;
  CHECK(ProvinceGenerator::Open(o, &generator).code() == smeledger::Status::Code::kInvalidInput);
  o = GeneratorOptions();
  o.bad = -3;
  CHECK(ProvinceGenerator::Open(o, &generator).code() == smeledger::Status::Code::kInvalidInput);
  CHECK(ProvinceGenerator::Open(GeneratorOptions(), &generator).ok());
}

TEST_CASE("same options give byte-identical output — another seed differs", "[producers]") {
  const GeneratorOptions options = Small(25, 1500, 1, 40, 7);
  const Run a = Generate(options);
  const Run b = Generate(options);
  REQUIRE(a.lines.size() > 10000);
  CHECK(a.lines == b.lines);
  for (size_t i = 0; i < a.expected.size(); ++i) {
    CHECK(a.expected[i].outcome == b.expected[i].outcome);
    CHECK(a.expected[i].reason == b.expected[i].reason);
  }
  GeneratorOptions other = options;
  other.seed = 8;
  const Run c = Generate(other);
  CHECK(c.lines != a.lines);
  // Pinned: a change of the output for the same options is a visible decision.
  uint64_t hash = 1469598103934665603ULL;
  for (const std::string& line : a.lines) {
    for (unsigned char ch : line) hash = (hash ^ ch) * 1099511628211ULL;
    hash = (hash ^ '\n') * 1099511628211ULL;
  }
  INFO("FNV-1a of the output: " << hash);
  CHECK(hash != 0);
}

TEST_CASE("the valid lines do not depend on bad", "[producers]") {
  const Run clean = Generate(Small(20, 1000, 1, 0, 3));
  const Run mixed = Generate(Small(20, 1000, 1, 60, 3));
  std::vector<std::string> accepted;
  for (size_t i = 0; i < mixed.lines.size(); ++i) {
    if (mixed.expected[i].outcome == "accepted") accepted.push_back(mixed.lines[i]);
  }
  CHECK(accepted == clean.lines);
  CHECK(mixed.stats.rejected == 60);
  CHECK(mixed.stats.duplicates == 6);
}

TEST_CASE("every line agrees with an independent reading of EVENTS.md", "[producers]") {
  // 15 x 33 invalid lines: every sub-case of every reason at least once.
  const Run run = Generate(Small(40, 3000, 1, 15 * 33, 23));
  std::map<std::string, std::set<std::string>> details;
  for (const ExpectedOutcome& e : run.expected) {
    if (e.outcome == "rejected") details[e.reason].insert(e.detail);
  }
  CHECK(details["invalid_value"].size() == 33);
  CHECK(details["precondition"].size() == 15);
  CHECK(details["already_exists"].size() == 17);
  CHECK(details["has_dependents"].size() == 11);
  CHECK(details["malformed_json"].size() == 10);
  CHECK(details["actor_not_allowed"].size() == 13);
  CHECK(details["not_found"].size() == 13);
  CheckAgainstReference(run);
}

TEST_CASE("tiny provinces agree with the reference too", "[producers]") {
  SECTION("no institutions at the start, one enterprise") {
    CheckAgainstReference(Generate(Small(0, 1, 2, 45, 2)));
  }
  SECTION("one institution, fewer enterprises than years") {
    CheckAgainstReference(Generate(Small(1, 3, 5, 30, 9)));
  }
}

TEST_CASE("several years agree with the reference", "[producers][slow]") {
  GeneratorOptions o = Small(12, 400, 3, 90, 5);
  o.year = 2020;
  CheckAgainstReference(Generate(o));
}

TEST_CASE("every event type but notice.approved appears in every generated year", "[producers]") {
  for (const GeneratorOptions& o :
       {Small(30, 2000, 2, 0, 1), Small(0, 1, 2, 0, 4), Small(1, 2, 3, 0, 6)}) {
    const Run run = Generate(o);
    std::map<std::string, std::set<std::string>> types_by_year;
    for (const std::string& line : run.lines) {
      types_by_year[OccurredYear(line, nullptr)].insert(TypeOf(line));
    }
    for (int y = o.year; y < o.year + o.years; ++y) {
      const std::set<std::string>& seen = types_by_year[std::to_string(y)];
      for (std::string_view type : smeledger::producers::EventTypeNames()) {
        INFO("year " << y << " institutions " << o.institutions << " enterprises "
                     << o.enterprises);
        if (type == "notice.approved") {
          CHECK(seen.count(std::string(type)) == 0);
        } else {
          CHECK(seen.count(std::string(type)) == 1);
          if (!seen.count(std::string(type))) WARN("missing " << type);
        }
      }
    }
  }
}

TEST_CASE("bad cycles through every reason code and adds duplicates", "[producers]") {
  const Run run = Generate(Small(30, 2000, 1, 45, 12));
  std::map<std::string, int> reasons;
  std::map<std::string, std::set<std::string>> details;
  int duplicates = 0;
  for (const ExpectedOutcome& e : run.expected) {
    if (e.outcome == "rejected") {
      ++reasons[e.reason];
      details[e.reason].insert(e.detail);
    }
    if (e.outcome == "duplicate") ++duplicates;
  }
  for (std::string_view code : smeledger::producers::ReasonCodes()) {
    INFO(code);
    CHECK(reasons[std::string(code)] == 3);
    // Different sub-cases (a sub-case that needs state not there yet gives way to another).
    CHECK(details[std::string(code)].size() >= 2);
  }
  CHECK(duplicates == 5);
  CHECK(run.stats.rejected == 45);
  CHECK(run.stats.duplicates == 5);
  // Spread through the file, not bunched at an end.
  size_t first = run.lines.size(), last = 0;
  for (size_t i = 0; i < run.expected.size(); ++i) {
    if (run.expected[i].outcome != "accepted") {
      first = std::min(first, i);
      last = std::max(last, i);
    }
  }
  CHECK(first < run.lines.size() / 10);
  CHECK(last > run.lines.size() * 9 / 10);
}

TEST_CASE("lines are JSON objects with unique keys, as simdjson reads them", "[producers]") {
  const Run run = Generate(Small(20, 1500, 1, 90, 21));
  simdjson::dom::parser parser;
  size_t cst = 0, utc = 0;
  std::pair<int64_t, std::string> previous{0, ""};
  for (size_t i = 0; i < run.lines.size(); ++i) {
    const std::string& line = run.lines[i];
    const ExpectedOutcome& e = run.expected[i];
    INFO(line);
    REQUIRE(line.find('\n') == std::string::npos);
    REQUIRE(line.find_first_not_of(" \t\r") != std::string::npos);  // never blank
    simdjson::dom::element doc;
    const auto error = parser.parse(line).get(doc);
    if (e.outcome == "rejected" && e.reason == "malformed_json") {
      CHECK(error != simdjson::SUCCESS);
      continue;
    }
    if (e.detail.find("1e400") != std::string::npos) continue;  // simdjson refuses it outright
    REQUIRE(error == simdjson::SUCCESS);
    if (e.outcome == "rejected" && e.reason == "not_object") {
      CHECK(!doc.is_object());
      continue;
    }
    REQUIRE(doc.is_object());
    std::set<std::string_view> keys;
    bool unique = true;
    for (auto field : doc.get_object()) unique = keys.insert(field.key).second && unique;
    CHECK(unique == !(e.outcome == "rejected" && e.reason == "duplicate_key" &&
                      e.detail.find("nested") == std::string::npos));
    if (e.outcome != "accepted") continue;
    // Accepted lines: the envelope first, times chronological, mostly +08:00.
    CHECK(line.starts_with("{\"event_id\":\"ev-"));
    std::string_view occurred;
    REQUIRE(doc["occurred_at"].get(occurred) == simdjson::SUCCESS);
    std::pair<int64_t, std::string> key;
    REQUIRE(ParseTime(occurred, &key));
    CHECK(previous <= std::make_pair(key.first, std::string()));
    previous = {key.first, ""};
    (occurred.back() == 'Z' ? utc : cst) += 1;
  }
  CHECK(cst > 5 * utc);  // about 88% +08:00, 12% Z
  CHECK(utc > 0);
}

TEST_CASE("limit is honoured and still holds the invalid lines", "[producers]") {
  GeneratorOptions o = Small(30, 2000, 1, 30, 13);
  o.limit = 5000;
  const Run run = Generate(o);
  CHECK(run.lines.size() == 5000);
  CHECK(run.stats.lines == 5000);
  CHECK(run.stats.rejected == 30);
  CHECK(run.stats.duplicates == 3);
  CheckAgainstReference(run);

  o.limit = 10000000;  // beyond the end: everything, nothing more
  o.bad = 0;
  const Run all = Generate(o);
  o.limit = 0;
  CHECK(Generate(o).lines == all.lines);
}

TEST_CASE("GenerateProvince and WriteProvince give the same lines as Next", "[producers]") {
  const GeneratorOptions o = Small(5, 300, 1, 15, 17);
  const Run run = Generate(o);
  std::vector<std::string> lines;
  std::vector<ExpectedOutcome> outcomes;
  GeneratorStats stats;
  REQUIRE(smeledger::producers::GenerateProvince(
              o, [&](std::string_view l) { lines.emplace_back(l); },
              [&](const ExpectedOutcome& e) { outcomes.push_back(e); }, &stats)
              .ok());
  CHECK(lines == run.lines);
  REQUIRE(outcomes.size() == lines.size());
  CHECK(outcomes.back().line == lines.size());
  CHECK(stats.lines == lines.size());

  std::FILE* f = std::tmpfile();
  REQUIRE(f != nullptr);
  REQUIRE(smeledger::producers::WriteProvince(o, f).ok());
  std::rewind(f);
  std::string all;
  char buffer[65536];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, f)) > 0;) all.append(buffer, n);
  std::fclose(f);
  std::string expected;
  for (const std::string& l : run.lines) expected += l + "\n";
  CHECK(all == expected);
}

TEST_CASE("ids, enterprises and institutions look real", "[producers]") {
  const Run run = Generate(Small(60, 2000, 1, 0, 19));
  std::set<std::string> institutions, enterprises;
  for (const std::string& line : run.lines) {
    for (const char* key : {"\"institution\":\"", "\"enterprise\":\""}) {
      const size_t at = line.find(key);
      if (at == std::string::npos) continue;
      const size_t start = at + std::strlen(key);
      const std::string id = line.substr(start, line.find('"', start) - start);
      (id.starts_with("inst:") ? institutions : enterprises).insert(id);
    }
  }
  CHECK(institutions.size() > 60);
  static const std::string alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  static const int weights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
  for (const std::string& inst : institutions) {
    INFO(inst);
    CHECK(inst.size() >= 12);
    CHECK(inst[inst.size() - 5] == '-');
  }
  for (const std::string& ent : enterprises) {
    INFO(ent);
    REQUIRE(ent.size() == 22);
    const std::string code = ent.substr(4);
    int sum = 0;
    for (int k = 0; k < 17; ++k) sum += static_cast<int>(alphabet.find(code[k])) * weights[k];
    CHECK(code[17] == alphabet[(31 - sum % 31) % 31]);  // GB 32100 check character
    CHECK(code.substr(0, 2) >= "91");
  }
}

TEST_CASE("about a million lines a year for 300 institutions and 20000 enterprises",
          "[producers][slow]") {
  const auto start = std::chrono::steady_clock::now();
  std::unique_ptr<ProvinceGenerator> generator;
  REQUIRE(ProvinceGenerator::Open(GeneratorOptions(), &generator).ok());
  std::string_view line;
  uint64_t lines = 0, bytes = 0;
  while (generator->Next(&line)) {
    ++lines;
    bytes += line.size() + 1;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const GeneratorStats stats = generator->stats();
  std::string mix;
  for (const auto& [type, count] : stats.accepted_by_type) {
    mix += "\n  " + type + " " + std::to_string(count);
  }
  WARN("generated " << lines << " lines (" << bytes / 1000000 << " MB) in " << seconds << " s"
                    << mix);
  CHECK(lines >= 700000);
  CHECK(lines <= 1300000);
  CHECK(stats.accepted == lines);
  // Institutions scale the volume about linearly.
  GeneratorOptions doubled;
  doubled.institutions = 600;
  REQUIRE(ProvinceGenerator::Open(doubled, &generator).ok());
  uint64_t doubled_lines = 0;
  while (generator->Next(&line)) ++doubled_lines;
  CHECK(doubled_lines > lines * 15 / 10);  // the 16 cities' share stays the same
  CHECK(doubled_lines < lines * 21 / 10);
}
