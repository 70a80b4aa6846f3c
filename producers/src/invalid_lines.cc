// How each invalid line is crafted to be rejected for exactly one reason under EVENTS.md's
// check order (JSON; event_id; type, fields, values; actor; state rules), given the state at
// its point; and how duplicates are re-spelled. Sub-cases that need state search recent
// objects and give way to the next sub-case when none fits.
#include "invalid_lines.h"

#include <algorithm>

namespace smeledger::producers::internal {

namespace {
constexpr int64_t kHour = 3600;
constexpr int64_t kDay = 86400;
// How far back the searches for a suitable object look.
constexpr size_t kScanLimit = 6000;
}  // namespace

// ------------------------------------------------------------------------------------ making lines

InvalidLineSource::InvalidLineSource(const ProvinceState& state, uint64_t seed, int first_year)
    : state_(state), rng_(seed, 2), first_year_(first_year) {}

void InvalidLineSource::Keep(std::string_view line, int32_t event) {
  if (samples_.size() < 64) {
    samples_.push_back(Sample{std::string(line), static_cast<uint32_t>(event)});
  } else {
    samples_[sample_next_] = Sample{std::string(line), static_cast<uint32_t>(event)};
    sample_next_ = (sample_next_ + 1) % samples_.size();
  }
}

bool InvalidLineSource::MakeInvalid(uint32_t index, int64_t now) {
  now_ = now;
  const Reason reason = static_cast<Reason>(index % kReasonCount);
  const uint32_t variant = index / kReasonCount;
  const uint32_t n = kVariants[reason];
  for (uint32_t k = 0; k < n; ++k) {
    const uint32_t v = (variant + k) % n;
    bool made = false;
    switch (reason) {
      case kMalformedJson:
        made = MalformedJson(v);
        break;
      case kNotObject:
        made = NotObject(v);
        break;
      case kDuplicateKey:
        made = DuplicateKey(v);
        break;
      case kMissingField:
        made = MissingField(v);
        break;
      case kInvalidValue:
        made = InvalidValue(v);
        break;
      case kConflict:
        made = Conflict(v);
        break;
      case kUnknownType:
        made = UnknownType(v);
        break;
      case kUnknownField:
        made = UnknownField(v);
        break;
      case kUnexpectedField:
        made = UnexpectedField(v);
        break;
      case kActorNotAllowed:
        made = ActorNotAllowed(v);
        break;
      case kActorNotAdmitted:
        made = ActorNotAdmitted(v);
        break;
      case kNotFound:
        made = NotFound(v);
        break;
      case kAlreadyExists:
        made = AlreadyExists(v);
        break;
      case kHasDependents:
        made = HasDependents(v);
        break;
      case kPrecondition:
        made = Precondition(v);
        break;
      default:
        break;
    }
    if (made) {
      if (event_id_.starts_with("bad-") && event_id_.size() <= 64) last_rejected_id_ = event_id_;
      return true;
    }
  }
  return false;
}

// ------------------------------------------------------------------------------------ helpers

std::string InvalidLineSource::NextBadId() {
  std::string id = "bad-";
  AppendPadded(&id, ++bad_counter_, 6);
  return id;
}

void InvalidLineSource::BeginBad(std::string_view type, std::string_view actor) {
  out_.Open();
  event_id_ = NextBadId();
  out_.Plain("event_id", event_id_);
  out_.Plain("type", type);
  out_.Time("occurred_at", now_, rng_);
  out_.Plain("actor", actor);
}

void InvalidLineSource::Reject(Reason reason, std::string_view detail) {
  reason_ = reason;
  position_ = 0;
  detail_ = detail;
}

void InvalidLineSource::PutActivityId(uint32_t a) {
  const Activity& x = state_.activities[a];
  out_.Key("activity");
  std::string& b = out_.buffer();
  b.push_back('"');
  ProvinceState::AppendObjectId(&b, "act-", x.year, x.seq);
  b.push_back('"');
}

void InvalidLineSource::PutDemandId(uint32_t d) {
  const Demand& x = state_.demands[d];
  out_.Key("demand");
  std::string& b = out_.buffer();
  b.push_back('"');
  ProvinceState::AppendObjectId(&b, "dem-", x.year, x.seq);
  b.push_back('"');
}

void InvalidLineSource::PutProductId(uint32_t p) {
  const Product& x = state_.products[p];
  out_.Key("product");
  std::string& b = out_.buffer();
  b.push_back('"');
  ProvinceState::AppendObjectId(&b, "prd-", x.year, x.seq);
  b.push_back('"');
}

void InvalidLineSource::PutComplaintId(uint32_t c) {
  const Complaint& x = state_.complaints[c];
  out_.Key("complaint");
  std::string& b = out_.buffer();
  b.push_back('"');
  ProvinceState::AppendObjectId(&b, "cmp-", x.year, x.seq);
  b.push_back('"');
}

void InvalidLineSource::PutTarget(int32_t event) {
  out_.Key("target");
  std::string& b = out_.buffer();
  b.push_back('"');
  ProvinceState::AppendEventId(&b, event);
  b.push_back('"');
}

int32_t InvalidLineSource::AnyInstitution() {
  return state_.DrawInstitution(rng_);
}

std::string_view InvalidLineSource::AnyCitySubject() {
  return kCities[rng_.Below(kCityCount)].subject;
}

std::string_view InvalidLineSource::AnyEnterprise() {
  return state_.enterprises[rng_.Below(state_.enterprises.size())].subject();
}

// "NA" is no city's prefix, so the generator never admits these.
std::string InvalidLineSource::NeverAdmittedInstitution() {
  std::string id = "inst:NA-";
  AppendPadded(&id, 1 + rng_.Below(9999), 4);
  return id;
}

std::string_view InvalidLineSource::SampledLine(uint32_t* event) {
  if (samples_.empty()) return {};
  const Sample& s = samples_[rng_.Below(samples_.size())];
  *event = s.event;
  return s.line;
}

template <typename Pred>
int32_t InvalidLineSource::FindActivity(Pred pred) {
  const size_t n = state_.activities.size();
  const size_t window = std::min(n, kScanLimit);
  if (window == 0) return kNone;
  const size_t start = rng_.Below(window);
  for (size_t k = 0; k < window; ++k) {
    const size_t i = n - 1 - (start + k) % window;
    if (pred(state_.activities[i])) return static_cast<int32_t>(i);
  }
  return kNone;
}

template <typename Pred>
int32_t InvalidLineSource::FindDemand(Pred pred) {
  const size_t n = state_.demands.size();
  const size_t window = std::min(n, kScanLimit);
  if (window == 0) return kNone;
  const size_t start = rng_.Below(window);
  for (size_t k = 0; k < window; ++k) {
    const size_t i = n - 1 - (start + k) % window;
    if (pred(state_.demands[i])) return static_cast<int32_t>(i);
  }
  return kNone;
}

template <typename Pred>
int32_t InvalidLineSource::FindEvent(Pred pred) {
  const size_t n = state_.events.size();
  const size_t window = std::min(n, kScanLimit * 10);
  if (window == 0) return kNone;
  const size_t start = rng_.Below(window);
  for (size_t k = 0; k < window; ++k) {
    const size_t i = n - 1 - (start + k) % window;
    if (pred(state_.events[i], static_cast<int32_t>(i))) return static_cast<int32_t>(i);
  }
  return kNone;
}

int32_t InvalidLineSource::FindRemovedInstitution() const {
  const size_t n = state_.providers.size();
  for (size_t i = kCityCount; i < n; ++i) {
    const Provider& p = state_.providers[i];
    if (!p.in_network && !p.ghost && !p.stints.empty() && p.stints.back().remove_ev != kNone) {
      return static_cast<int32_t>(i);
    }
  }
  return kNone;
}

namespace {

// Appends a time that is valid, `days` after `t`, in CST.
void AppendQuotedTime(std::string* out, int64_t t) {
  out->push_back('"');
  AppendTime(out, t, TimeStyle::kCst, 0);
  out->push_back('"');
}

}  // namespace

// ------------------------------------------------------------------------------------ check 1

bool InvalidLineSource::MalformedJson(uint32_t v) {
  const std::string id = NextBadId();
  const std::string_view city = AnyCitySubject();
  std::string& b = out_.buffer();
  auto delivered_prefix = [&]() {
    out_.Open();
    out_.Plain("event_id", id);
    out_.Plain("type", "service.delivered");
    out_.Time("occurred_at", now_, rng_);
    out_.Plain("actor", city);
    out_.Plain("provider", city);
    out_.Plain("enterprise", AnyEnterprise());
  };
  const char* detail = "";
  switch (v) {
    case 0:
      delivered_prefix();
      out_.Date("date", CstDay(now_));
      detail = "truncated line: no closing brace";
      break;
    case 1:
      delivered_prefix();
      out_.Date("date", CstDay(now_));
      b.append(",}");
      detail = "trailing comma before the closing brace";
      break;
    case 2:
      out_.Open();
      out_.Plain("event_id", id);
      out_.Plain("type", "assessment.scored");
      out_.Time("occurred_at", now_, rng_);
      out_.Plain("actor", "dept");
      out_.Plain("subject", city);
      out_.Int("year", first_year_);
      out_.Plain("item", "infrastructure");
      out_.Raw("score", "NaN");
      out_.Close();
      detail = "NaN as a number";
      break;
    case 3: {
      delivered_prefix();
      out_.Date("date", CstDay(now_));
      out_.Key("note");
      // "融" then a truncated "资": invalid UTF-8 inside a string.
      b.append("\"\xe8\x9e\x8d");
      b.push_back(static_cast<char>(0xe8));
      b.push_back(static_cast<char>(0xb5));
      b.append("\"}");
      detail = "invalid UTF-8 in a string";
      break;
    }
    case 4:
      delivered_prefix();
      out_.Date("date", CstDay(now_));
      out_.Key("note");
      b.append("\"raw");
      b.push_back('\x01');
      b.append("control\"}");
      detail = "unescaped control character in a string";
      break;
    case 5:
      b.clear();
      b.append("{'event_id':'").append(id).append("','type':'media.reported','occurred_at':'");
      AppendTime(&b, now_, TimeStyle::kCst, 0);
      b.append("','actor':'province','provider':'").append(city);
      b.append("','level':'city','outlet':'Hefei Evening News','title':'SME day'}");
      detail = "single-quoted strings";
      break;
    case 6:
      delivered_prefix();
      out_.Date("date", CstDay(now_));
      out_.Close();
      b.append(" {}");
      detail = "a second value after the object";
      break;
    case 7:
      out_.Open();
      out_.Plain("event_id", id);
      out_.Plain("type", "report.uploaded");
      out_.Time("occurred_at", now_, rng_);
      out_.Plain("actor", city);
      out_.Plain("provider", city);
      out_.Plain("kind", "annual");
      out_.Plain("period", std::to_string(first_year_));
      out_.Hex64("sha256", rng_);
      out_.Raw("bytes", "0123");
      out_.Close();
      detail = "number with a leading zero";
      break;
    case 8:
      b.clear();
      b.append("{event_id:\"").append(id).append("\",\"type\":\"collaboration.recorded\"}");
      detail = "unquoted member name";
      break;
    default:
      out_.Open();
      out_.Plain("event_id", id);
      out_.Plain("type", "assessment.scored");
      out_.Time("occurred_at", now_, rng_);
      out_.Plain("actor", "dept");
      out_.Plain("subject", city);
      out_.Int("year", first_year_);
      out_.Plain("item", "service_norms");
      out_.Raw("score", "-Infinity");
      out_.Close();
      detail = "-Infinity as a number";
      break;
  }
  event_id_.clear();
  Reject(kMalformedJson, detail);
  return true;
}

bool InvalidLineSource::NotObject(uint32_t v) {
  const std::string id = NextBadId();
  std::string& b = out_.buffer();
  b.clear();
  const char* detail = "";
  switch (v) {
    case 0:
      b.append("[\"event_id\",\"").append(id).append("\"]");
      detail = "an array of strings";
      break;
    case 1:
      b.append("\"activity.signup\"");
      detail = "a string";
      break;
    case 2:
      b.append("42");
      detail = "a number";
      break;
    case 3:
      b.append("null");
      detail = "null";
      break;
    case 4:
      b.append("true");
      detail = "true";
      break;
    case 5:
      b.append("[]");
      detail = "an empty array";
      break;
    default:
      b.append("[{\"event_id\":\"").append(id).append("\",\"type\":\"activity.signup\"}]");
      detail = "an object wrapped in an array";
      break;
  }
  event_id_.clear();
  Reject(kNotObject, detail);
  return true;
}

bool InvalidLineSource::DuplicateKey(uint32_t v) {
  const std::string_view city = AnyCitySubject();
  BeginBad("service.delivered", city);
  std::string& b = out_.buffer();
  const char* detail = "";
  switch (v) {
    case 0:
      out_.Plain("actor", "province");
      detail = "actor twice with different values";
      break;
    case 1:
      out_.Plain("type", "service.delivered");
      detail = "type twice with the same value";
      break;
    case 2:
      out_.Raw("meta", "{\"source\":\"erp\",\"source\":\"wechat\"}");
      detail = "repeated key in a nested object";
      break;
    case 3:
      out_.Key("event\\u005fid");
      AppendJsonString(&b, event_id_);
      detail = "event_id repeated, spelled with an escape";
      break;
    default:
      out_.Plain("enterprise", AnyEnterprise());
      detail = "enterprise twice";
      break;
  }
  out_.Plain("provider", city);
  out_.Plain("enterprise", AnyEnterprise());
  out_.Date("date", CstDay(now_));
  out_.Close();
  event_id_.clear();
  Reject(kDuplicateKey, detail);
  return true;
}

// ------------------------------------------------------------------------------------ checks 2-3

bool InvalidLineSource::MissingField(uint32_t v) {
  const std::string_view city = AnyCitySubject();
  const char* detail = "";
  switch (v) {
    case 0:
      out_.Open();
      out_.Plain("type", "service.delivered");
      out_.Time("occurred_at", now_, rng_);
      out_.Plain("actor", city);
      out_.Plain("provider", city);
      out_.Plain("enterprise", AnyEnterprise());
      out_.Date("date", CstDay(now_));
      out_.Close();
      event_id_.clear();
      Reject(kMissingField, "no event_id");
      return true;
    case 1:
      out_.Open();
      event_id_ = NextBadId();
      out_.Plain("event_id", event_id_);
      out_.Time("occurred_at", now_, rng_);
      out_.Plain("actor", city);
      out_.Plain("provider", city);
      out_.Plain("enterprise", AnyEnterprise());
      out_.Date("date", CstDay(now_));
      out_.Close();
      Reject(kMissingField, "no type");
      return true;
    case 2:
      out_.Open();
      event_id_ = NextBadId();
      out_.Plain("event_id", event_id_);
      out_.Plain("type", "collaboration.recorded");
      out_.Plain("actor", "province");
      out_.Plain("provider", city);
      out_.Plain("kind", "matchmaking");
      out_.Close();
      Reject(kMissingField, "no occurred_at");
      return true;
    case 3:
      out_.Open();
      event_id_ = NextBadId();
      out_.Plain("event_id", event_id_);
      out_.Plain("type", "media.reported");
      out_.Time("occurred_at", now_, rng_);
      out_.Plain("provider", city);
      out_.Plain("level", "province");
      out_.Str("outlet", "安徽日报");
      out_.Str("title", "服务平台助企纾困");
      out_.Close();
      Reject(kMissingField, "no actor");
      return true;
    case 4:
      BeginBad("activity.signup", "province");
      out_.Plain("activity", "act-0000-000001");
      detail = "signup without enterprise";
      break;
    case 5:
      BeginBad("report.uploaded", city);
      out_.Plain("provider", city);
      out_.Plain("kind", "monthly");
      out_.Hex64("sha256", rng_);
      out_.Int("bytes", 51234);
      detail = "monthly report without period";
      break;
    case 6:
      BeginBad("report.uploaded", city);
      out_.Plain("provider", city);
      out_.Plain("kind", "summary");
      out_.Hex64("sha256", rng_);
      out_.Int("bytes", 20480);
      detail = "summary report without activity";
      break;
    case 7:
      BeginBad("assessment.scored", "dept");
      out_.Plain("subject", city);
      out_.Int("year", first_year_);
      out_.Plain("item", "service_norms");
      detail = "assessment without score";
      break;
    case 8:
      BeginBad("activity.published", city);
      out_.Plain("activity", "act-0000-000002");
      out_.Plain("owner", city);
      out_.Plain("mode", "hybrid");
      out_.Key("starts_at");
      AppendQuotedTime(&out_.buffer(), now_ + 3 * kDay);
      out_.Key("ends_at");
      AppendQuotedTime(&out_.buffer(), now_ + 3 * kDay + 2 * kHour);
      detail = "activity without title (and an invalid mode, checked later)";
      break;
    case 9:
      BeginBad("demand.published", "province");
      out_.Plain("demand", "dem-0000-000001");
      out_.Plain("enterprise", AnyEnterprise());
      out_.Str("title", "寻求融资对接");
      detail = "demand without city";
      break;
    case 10:
      BeginBad("event.retracted", "province");
      out_.Plain("target", "ev-00000001");
      detail = "retraction without reason";
      break;
    default:
      BeginBad("complaint.resolved", "province");
      out_.Plain("complaint", "cmp-0000-000001");
      detail = "complaint resolution without verdict";
      break;
  }
  out_.Close();
  Reject(kMissingField, detail);
  return true;
}

bool InvalidLineSource::InvalidValue(uint32_t v) {
  const std::string_view city = AnyCitySubject();
  const std::string year = std::to_string(first_year_);
  std::string& b = out_.buffer();
  auto signup_like = [&](std::string_view type) {
    BeginBad(type, "province");
    out_.Plain("activity", "act-0000-000003");
    out_.Plain("enterprise", AnyEnterprise());
  };
  auto envelope_with_id = [&](std::string_view id_json) {
    out_.Open();
    out_.Raw("event_id", id_json);
    out_.Plain("type", "collaboration.recorded");
  };
  auto collaboration_rest = [&]() {
    out_.Plain("provider", city);
    out_.Plain("kind", "demand_survey");
  };
  auto bad_time_envelope = [&](const std::string& time) {
    out_.Open();
    event_id_ = NextBadId();
    out_.Plain("event_id", event_id_);
    out_.Plain("type", "collaboration.recorded");
    out_.Plain("occurred_at", time);
    out_.Plain("actor", "province");
    collaboration_rest();
  };
  auto period_report = [&](std::string_view kind, std::string_view period) {
    BeginBad("report.uploaded", city);
    out_.Plain("provider", city);
    out_.Plain("kind", kind);
    out_.Plain("period", period);
  };
  auto published = [&]() {
    BeginBad("activity.published", city);
    out_.Plain("activity", "act-0000-000004");
    out_.Plain("owner", city);
  };
  auto times = [&]() {
    out_.Key("starts_at");
    AppendQuotedTime(&b, now_ + 5 * kDay);
    out_.Key("ends_at");
    AppendQuotedTime(&b, now_ + 5 * kDay + 3 * kHour);
  };
  const char* detail = "";
  switch (v) {
    case 0:
      event_id_ = "bad " + NextBadId();
      envelope_with_id("\"" + event_id_ + "\"");
      out_.Time("occurred_at", now_, rng_);
      out_.Plain("actor", "province");
      collaboration_rest();
      detail = "event_id with a space";
      break;
    case 1:
      event_id_ = NextBadId() + std::string(55, 'x');  // 65 characters
      envelope_with_id("\"" + event_id_ + "\"");
      out_.Time("occurred_at", now_, rng_);
      out_.Plain("actor", "province");
      collaboration_rest();
      detail = "event_id of 65 characters";
      break;
    case 2:
      envelope_with_id(std::to_string(100000 + bad_counter_++));
      out_.Time("occurred_at", now_, rng_);
      out_.Plain("actor", "province");
      collaboration_rest();
      event_id_.clear();
      detail = "event_id is a number";
      break;
    case 3:
      bad_time_envelope(year + "-07-01 10:00:00+08:00");
      detail = "occurred_at with a space separator";
      break;
    case 4:
      bad_time_envelope(year + "-02-30T10:00:00+08:00");
      detail = "occurred_at on February 30";
      break;
    case 5:
      bad_time_envelope(year + "-06-30T23:59:60+08:00");
      detail = "occurred_at with a leap second";
      break;
    case 6:
      bad_time_envelope(year + "-07-01T10:00:00+24:00");
      detail = "occurred_at with offset +24:00";
      break;
    case 7:
      BeginBad("collaboration.recorded", "city:340900");
      collaboration_rest();
      detail = "actor is not one of the 16 cities";
      break;
    case 8:
      BeginBad("service.delivered", "inst:HF_0001");
      out_.Plain("provider", "inst:HF_0001");
      out_.Plain("enterprise", AnyEnterprise());
      out_.Date("date", CstDay(now_));
      detail = "actor institution id with an underscore";
      break;
    case 9:
      signup_like("activity.rated");
      out_.Int("score", 6);
      detail = "rating score 6";
      break;
    case 10:
      signup_like("activity.rated");
      out_.Raw("score", "4.5");
      detail = "rating score 4.5 (not an int)";
      break;
    case 11:
      signup_like("activity.rated");
      out_.Plain("score", "5");
      detail = "rating score as a string";
      break;
    case 12:
      published();
      out_.Plain("mode", "hybrid");
      out_.Str("title", "线上线下融合沙龙");
      times();
      detail = "mode hybrid";
      break;
    case 13:
      BeginBad("enterprise.registered", "province");
      out_.Plain("enterprise", AnyEnterprise());
      out_.Plain("channel", "email");
      detail = "channel email";
      break;
    case 14: {
      BeginBad("report.uploaded", city);
      out_.Plain("provider", city);
      out_.Plain("kind", "annual");
      out_.Plain("period", year);
      out_.Hex64("sha256", rng_);
      b.erase(b.size() - 2, 1);  // 63 digits
      out_.Int("bytes", 1024);
      detail = "sha256 of 63 digits";
      break;
    }
    case 15:
      period_report("monthly", year + "-05");
      out_.Hex64("sha256", rng_);
      out_.Int("bytes", -1);
      detail = "bytes -1";
      break;
    case 16:
      period_report("monthly", year + "-13");
      out_.Hex64("sha256", rng_);
      out_.Int("bytes", 4096);
      detail = "monthly period month 13";
      break;
    case 17:
      period_report("annual", year + "-12");
      out_.Hex64("sha256", rng_);
      out_.Int("bytes", 4096);
      detail = "annual period written YYYY-MM";
      break;
    case 18:
      published();
      out_.Plain("mode", "offline");
      out_.Str("title", "融资对接会");
      times();
      out_.Raw("key", "null");
      detail = "optional key set to null";
      break;
    case 19:
      published();
      out_.Plain("mode", "online");
      out_.Plain("title", "");
      times();
      detail = "empty title";
      break;
    case 20: {
      published();
      out_.Plain("mode", "online");
      std::string title;
      while (title.size() < 1001) title.append("培训");  // 3 bytes each: 1002 bytes
      out_.Str("title", title);
      times();
      detail = "title of 1002 bytes";
      break;
    }
    case 21:
      BeginBad("assessment.scored", "dept");
      out_.Plain("subject", city);
      out_.Int("year", first_year_);
      out_.Plain("item", "infrastructure");
      out_.Raw("score", "1e400");
      detail = "assessment score 1e400 (not finite as a double)";
      break;
    case 22:
      BeginBad("assessment.scored", "dept");
      out_.Plain("subject", city);
      out_.Int("year", first_year_);
      out_.Plain("item", "infrastructure");
      out_.Raw("score", "-0.5");
      detail = "assessment score below 0";
      break;
    case 23:
      BeginBad("service.delivered", city);
      out_.Plain("provider", city);
      out_.Plain("enterprise", AnyEnterprise());
      out_.Plain("date", year + "-7-1");
      detail = "date without zero padding";
      break;
    case 24:
      BeginBad("demand.published", "province");
      out_.Plain("demand", "dem-0000-000002");
      out_.Plain("enterprise", AnyEnterprise());
      out_.Plain("city", "city:341400");
      out_.Str("title", "寻求融资对接");
      detail = "demand city 341400 (not one of the 16)";
      break;
    case 25:
      BeginBad("assessment.scored", "dept");
      out_.Plain("subject", city);
      out_.Raw("year", year + ".0");
      out_.Plain("item", "service_norms");
      out_.Int("score", 4);
      detail = "assessment year with a fraction";
      break;
    case 26:
      signup_like("activity.signup");
      b.resize(b.rfind("\"enterprise\":") - 1);
      out_.Plain("enterprise", "ent:" + std::string(41, '9'));
      detail = "enterprise id of 41 characters";
      break;
    case 27:
      BeginBad("service.delivered", city);
      out_.Plain("provider", city);
      out_.Plain("enterprise", AnyEnterprise());
      out_.Date("date", CstDay(now_));
      out_.Plain("public_welfare", "yes");
      detail = "public_welfare as a string";
      break;
    case 28:
      published();
      out_.Plain("mode", "offline");
      out_.Str("title", "融资对接会");
      out_.Plain("starts_at", year + "-09-01T25:00:00+08:00");
      out_.Key("ends_at");
      AppendQuotedTime(&b, now_ + 5 * kDay);
      detail = "starts_at hour 25";
      break;
    case 29:
      BeginBad("complaint.resolved", "province");
      out_.Plain("complaint", "cmp-0000-000002");
      out_.Plain("verdict", "guilty");
      detail = "verdict guilty";
      break;
    case 30:
      BeginBad("collaboration.recorded", "province");
      out_.Plain("provider", city);
      out_.Plain("kind", "training");
      detail = "collaboration kind training";
      break;
    case 31:
      BeginBad("media.reported", "province");
      out_.Plain("provider", city);
      out_.Plain("level", "county");
      out_.Str("outlet", "县融媒体中心");
      out_.Str("title", "助企服务进园区");
      detail = "media level county";
      break;
    default:
      period_report("annual", year);
      out_.Hex64("sha256", rng_);
      out_.Raw("bytes", "9007199254740993");
      detail = "bytes beyond 2^53-1";
      break;
  }
  out_.Close();
  Reject(kInvalidValue, detail);
  return true;
}

bool InvalidLineSource::Conflict(uint32_t v) {
  uint32_t ev = 0;
  std::string_view sample = SampledLine(&ev);
  std::string& b = out_.buffer();
  auto other_line = [&](int32_t event) {
    // A line of another type with the same event_id: the content surely differs.
    const bool media = state_.events[event].type != kMediaReported;
    out_.Open();
    event_id_.clear();
    ProvinceState::AppendEventId(&event_id_, event);
    out_.Plain("event_id", event_id_);
    out_.Plain("type", media ? "media.reported" : "collaboration.recorded");
    out_.Time("occurred_at", now_, rng_);
    out_.Plain("actor", "province");
    out_.Plain("provider", AnyCitySubject());
    if (media) {
      out_.Plain("level", "city");
      out_.Str("outlet", "合肥晚报");
      out_.Str("title", "中小企业服务周启动");
    } else {
      out_.Plain("kind", "matchmaking");
    }
    out_.Close();
  };
  const char* detail = "";
  switch (v) {
    case 0: {
      if (sample.empty()) return false;
      b.assign(sample);
      const size_t at = b.find("\"occurred_at\":\"");
      if (at == std::string::npos) return false;
      const size_t sec = at + 15 + 17;  // YYYY-MM-DDTHH:MM:SS
      const int s = (b[sec] - '0') * 10 + (b[sec + 1] - '0');
      const int t = (s + 1) % 60;
      b[sec] = static_cast<char>('0' + t / 10);
      b[sec + 1] = static_cast<char>('0' + t % 10);
      detail = "an accepted event_id again, occurred_at one second off";
      break;
    }
    case 1:
      if (sample.empty()) return false;
      b.assign(sample);
      b.pop_back();
      b.append(",\"note\":\"resent with a note\"}");
      detail = "an accepted event_id again, with an extra (unknown) field";
      break;
    case 2:
      if (state_.events.empty()) return false;
      other_line(static_cast<int32_t>(rng_.Below(state_.events.size())));
      Reject(kConflict, "an accepted event_id reused for an event of another type");
      return true;
    case 3: {
      const int32_t e = FindEvent([](const EventRecord& r, int32_t) { return r.retracted; });
      if (e == kNone) return false;
      other_line(e);
      Reject(kConflict, "a retracted event's event_id reused");
      return true;
    }
    default: {
      if (sample.empty()) return false;
      b.assign(sample);
      const size_t at = b.find("\"type\":\"");
      const size_t end = b.find('"', at + 8);
      b.replace(at + 8, end - at - 8, "activity.deleted");
      detail = "an accepted event_id again, with an unknown type";
      break;
    }
  }
  event_id_.clear();
  ProvinceState::AppendEventId(&event_id_, static_cast<int32_t>(ev));
  Reject(kConflict, detail);
  return true;
}

bool InvalidLineSource::UnknownType(uint32_t v) {
  static constexpr std::string_view kTypes[] = {
      "\"activity.deleted\"",   "\"Activity.Published\"", "null", "42", "\"\"",
      "\"notice.approved.v2\"", "\"activity.signup \""};
  static constexpr const char* kDetails[] = {"type activity.deleted",
                                             "type in the wrong case",
                                             "type null",
                                             "type a number",
                                             "type empty",
                                             "type notice.approved.v2",
                                             "type with a trailing space"};
  out_.Open();
  event_id_ = NextBadId();
  out_.Plain("event_id", event_id_);
  out_.Raw("type", kTypes[v % std::size(kTypes)]);
  out_.Time("occurred_at", now_, rng_);
  out_.Plain("actor", "province");
  out_.Plain("activity", "act-0000-000005");
  out_.Plain("enterprise", AnyEnterprise());
  out_.Close();
  Reject(kUnknownType, kDetails[v % std::size(kDetails)]);
  return true;
}

bool InvalidLineSource::UnknownField(uint32_t v) {
  const std::string_view city = AnyCitySubject();
  const char* detail = "";
  switch (v) {
    case 0:
      BeginBad("activity.signup", "province");
      out_.Plain("activity", "act-0000-000006");
      out_.Plain("enterprise", AnyEnterprise());
      out_.Str("note", "前台代报名");
      detail = "signup with a note";
      break;
    case 1:
      BeginBad("activity.signup", "province");
      out_.Plain("Actor", "province");
      out_.Plain("activity", "act-0000-000006");
      out_.Plain("enterprise", AnyEnterprise());
      detail = "Actor in the wrong case beside actor";
      break;
    case 2:
      BeginBad("service.delivered", city);
      out_.Plain("provider", city);
      out_.Plain("enterprise", AnyEnterprise());
      out_.Date("date", CstDay(now_));
      out_.Int("score", 5);
      detail = "service.delivered with a score (a field of other types)";
      break;
    case 3:
      out_.Open();
      event_id_ = NextBadId();
      out_.Plain("event_id", event_id_);
      out_.Str("remark", "补录");
      out_.Plain("type", "service.delivered");
      out_.Time("occurred_at", now_, rng_);
      out_.Plain("actor", city);
      out_.Plain("provider", city);
      out_.Date("date", CstDay(now_));
      detail = "unknown field first, and enterprise missing (checked later)";
      break;
    case 4:
      BeginBad("collaboration.recorded", "province");
      out_.Plain("provider", city);
      out_.Plain("kind", "expert_collection");
      out_.Raw("comment", "null");
      detail = "unknown field set to null";
      break;
    default:
      BeginBad("collaboration.recorded", "province");
      out_.Plain("provider", city);
      out_.Plain("kind", "expert_collection");
      out_.Raw("extra", "{\"nested\":true}");
      detail = "unknown field holding an object";
      break;
  }
  out_.Close();
  Reject(kUnknownField, detail);
  return true;
}

bool InvalidLineSource::UnexpectedField(uint32_t v) {
  const std::string_view city = AnyCitySubject();
  const std::string year = std::to_string(first_year_);
  BeginBad("report.uploaded", city);
  out_.Plain("provider", city);
  const char* detail = "";
  switch (v) {
    case 0:
      out_.Plain("kind", "monthly");
      out_.Plain("activity", "act-0000-000007");
      out_.Plain("period", year + "-03");
      detail = "monthly report naming an activity";
      break;
    case 1:
      out_.Plain("kind", "annual");
      out_.Plain("period", year);
      out_.Int("activity", 123);
      detail = "annual report with a numeric activity (not value-checked)";
      break;
    case 2:
      out_.Plain("kind", "summary");
      out_.Plain("activity", "act-0000-000007");
      out_.Plain("period", year + "-07");
      detail = "summary report with a period";
      break;
    default:
      out_.Plain("kind", "photos");
      out_.Plain("activity", "act-0000-000007");
      out_.Raw("period", "null");
      detail = "photos report with period null";
      break;
  }
  out_.Hex64("sha256", rng_);
  out_.Int("bytes", 65536);
  out_.Close();
  Reject(kUnexpectedField, detail);
  return true;
}

// ------------------------------------------------------------------------------------ check 4

bool InvalidLineSource::ActorNotAllowed(uint32_t v) {
  const uint8_t ca = static_cast<uint8_t>(rng_.Below(kCityCount));
  const uint8_t cb = static_cast<uint8_t>((ca + 1 + rng_.Below(kCityCount - 1)) % kCityCount);
  const std::string_view city_a = kCities[ca].subject;
  const std::string_view city_b = kCities[cb].subject;
  std::string& b = out_.buffer();
  auto publish_rest = [&](std::string_view owner) {
    out_.Plain("activity", "act-0000-000008");
    out_.Plain("owner", owner);
    out_.Plain("mode", "online");
    out_.Str("title", "政策解读直播");
    out_.Key("starts_at");
    AppendQuotedTime(&b, now_ + 4 * kDay);
    out_.Key("ends_at");
    AppendQuotedTime(&b, now_ + 4 * kDay + kHour);
  };
  const char* detail = "";
  switch (v) {
    case 0:
      BeginBad("service.delivered", AnyEnterprise());
      out_.Plain("provider", city_a);
      out_.Plain("enterprise", AnyEnterprise());
      out_.Date("date", CstDay(now_));
      detail = "an enterprise as actor";
      break;
    case 1:
      BeginBad("activity.published", "dept");
      publish_rest(city_a);
      detail = "dept publishing an activity";
      break;
    case 2:
      BeginBad("activity.rated", state_.providers.size() > kCityCount
                                     ? std::string_view(state_.providers[kCityCount].id)
                                     : std::string_view("inst:HF-0001"));
      out_.Plain("activity", "act-0000-000008");
      out_.Plain("enterprise", AnyEnterprise());
      out_.Int("score", 5);
      detail = "an institution submitting a rating";
      break;
    case 3:
      BeginBad("activity.published", city_b);
      publish_rest(city_a);
      detail = "a city publishing another city's activity";
      break;
    case 4:
      BeginBad("institution.admitted", city_b);
      out_.Plain("institution", NeverAdmittedInstitution());
      out_.Plain("city", city_a);
      out_.Str("name", "测试服务中心");
      detail = "a city admitting an institution of another city";
      break;
    case 5:
      BeginBad("demand.accepted", "province");
      out_.Plain("demand", "dem-0000-000003");
      out_.Plain("provider", city_a);
      detail = "province accepting a demand for a provider";
      break;
    case 6:
      BeginBad("report.uploaded", "province");
      out_.Plain("provider", city_a);
      out_.Plain("kind", "monthly");
      out_.Plain("period", std::to_string(first_year_) + "-04");
      out_.Hex64("sha256", rng_);
      out_.Int("bytes", 40960);
      detail = "province uploading a provider's report";
      break;
    case 7: {
      // State: an institution in the network signs up on someone else's activity.
      const int32_t inst = AnyInstitution();
      if (inst == kNone) return false;
      const int32_t a = FindActivity([&](const Activity& x) {
        return ProvinceState::Published(x) && x.cancel_ev == kNone && x.owner != inst;
      });
      if (a == kNone) return false;
      BeginBad("activity.signup", state_.providers[inst].id);
      PutActivityId(static_cast<uint32_t>(a));
      out_.Plain("enterprise", AnyEnterprise());
      detail = "an institution recording a signup on another owner's activity";
      break;
    }
    case 8: {
      const int32_t e = FindEvent([&](const EventRecord& r, int32_t) {
        if (r.type != kProductPublished || r.retracted) return false;
        const Product& p = state_.products[r.object];
        return p.withdraw_ev == kNone && p.provider != ca;
      });
      if (e == kNone) return false;
      BeginBad("product.withdrawn", city_a);
      PutProductId(state_.events[e].object);
      detail = "a city withdrawing another provider's product";
      break;
    }
    case 9: {
      const int32_t e = FindEvent(
          [&](const EventRecord& r, int32_t) { return r.actor != static_cast<int32_t>(ca); });
      if (e == kNone) return false;
      BeginBad("event.retracted", city_a);
      PutTarget(e);
      out_.Str("reason", "误操作");
      detail = "a city retracting an event it did not submit";
      break;
    }
    case 10: {
      const int32_t e =
          FindEvent([&](const EventRecord& r, int32_t) { return r.actor == kProvinceActor; });
      if (e == kNone) return false;
      BeginBad("event.retracted", "dept");
      PutTarget(e);
      out_.Str("reason", "录入错误");
      detail = "dept retracting a province event";
      break;
    }
    case 11:
      BeginBad("title.awarded", city_a);
      out_.Plain("holder", city_b);
      out_.Str("title", "市级优秀服务机构");
      out_.Plain("level", "city");
      detail = "a city awarding a title";
      break;
    default:
      BeginBad("institution.removed", state_.providers.size() > kCityCount
                                          ? std::string_view(state_.providers.back().id)
                                          : std::string_view("inst:HF-0001"));
      out_.Plain("institution", NeverAdmittedInstitution());
      out_.Str("reason", "违规");
      detail = "an institution removing an institution";
      break;
  }
  out_.Close();
  Reject(kActorNotAllowed, detail);
  return true;
}

bool InvalidLineSource::ActorNotAdmitted(uint32_t v) {
  std::string never = NeverAdmittedInstitution();
  std::string actor = never;
  const char* detail = "";
  if (v == 1 || v == 4) {
    const int32_t removed = FindRemovedInstitution();
    if (removed == kNone) return false;
    actor = state_.providers[removed].id;
  } else if (v == 5) {
    int32_t ghost = kNone;
    for (size_t i = kCityCount; i < state_.providers.size() && ghost == kNone; ++i) {
      if (state_.providers[i].ghost && !state_.providers[i].in_network)
        ghost = static_cast<int32_t>(i);
    }
    if (ghost == kNone) return false;
    actor = state_.providers[ghost].id;
  }
  std::string& b = out_.buffer();
  switch (v) {
    case 0:
      BeginBad("activity.published", actor);
      out_.Plain("activity", "act-0000-000009");
      out_.Plain("owner", actor);
      out_.Plain("mode", "offline");
      out_.Str("title", "企业管理沙龙");
      out_.Key("starts_at");
      AppendQuotedTime(&b, now_ + 6 * kDay);
      out_.Key("ends_at");
      AppendQuotedTime(&b, now_ + 6 * kDay + 3 * kHour);
      detail = "a never-admitted institution publishing its activity";
      break;
    case 2:
      BeginBad("report.uploaded", actor);
      out_.Plain("provider", actor);
      out_.Plain("kind", "monthly");
      out_.Plain("period", std::to_string(first_year_) + "-02");
      out_.Hex64("sha256", rng_);
      out_.Int("bytes", 30000);
      detail = "a never-admitted institution uploading a monthly report";
      break;
    case 3:
      BeginBad("demand.accepted", actor);
      out_.Plain("demand", "dem-0000-000004");
      out_.Plain("provider", actor);
      detail = "a never-admitted institution accepting a demand";
      break;
    case 4:
      BeginBad("product.published", actor);
      out_.Plain("product", "prd-0000-000001");
      out_.Plain("provider", actor);
      out_.Str("title", "融资顾问服务");
      detail = "a removed institution publishing a product";
      break;
    default:  // 1 (removed) and 5 (admission retracted)
      BeginBad("service.delivered", actor);
      out_.Plain("provider", actor);
      out_.Plain("enterprise", AnyEnterprise());
      out_.Date("date", CstDay(now_));
      detail = v == 1 ? "a removed institution recording a service"
                      : "an institution whose admission was retracted recording a service";
      break;
  }
  out_.Close();
  Reject(kActorNotAdmitted, detail);
  return true;
}

// ------------------------------------------------------------------------------------ check 5

bool InvalidLineSource::NotFound(uint32_t v) {
  const std::string_view city = AnyCitySubject();
  std::string& b = out_.buffer();
  std::string missing_id = std::string("0000-") + std::to_string(100000 + rng_.Below(900000));
  const char* detail = "";
  switch (v) {
    case 0:
      BeginBad("activity.signup", "province");
      out_.Plain("activity", "act-" + missing_id);
      out_.Plain("enterprise", AnyEnterprise());
      detail = "signup on an unknown activity";
      break;
    case 1:
      BeginBad("demand.accepted", city);
      out_.Plain("demand", "dem-" + missing_id);
      out_.Plain("provider", city);
      detail = "accepting an unknown demand";
      break;
    case 2:
      BeginBad("product.withdrawn", "province");
      out_.Plain("product", "prd-" + missing_id);
      detail = "withdrawing an unknown product";
      break;
    case 3:
      BeginBad("complaint.resolved", "province");
      out_.Plain("complaint", "cmp-" + missing_id);
      out_.Plain("verdict", "not_at_fault");
      detail = "resolving an unknown complaint";
      break;
    case 4:
      BeginBad("event.retracted", "province");
      out_.Plain("target", "no-such-event-" + missing_id);
      out_.Str("reason", "录入错误");
      detail = "retracting an unknown event";
      break;
    case 5:
      BeginBad("collaboration.recorded", "province");
      out_.Plain("provider", NeverAdmittedInstitution());
      out_.Plain("kind", "matchmaking");
      detail = "collaboration of an institution not in the network";
      break;
    case 6: {
      const std::string inst = NeverAdmittedInstitution();
      BeginBad("institution.admitted", "province");
      out_.Plain("institution", inst);
      out_.Plain("city", city);
      out_.Str("name", "自荐服务中心");
      out_.Plain("referred_by", inst);
      detail = "an institution admitted on its own referral";
      break;
    }
    case 7: {
      const int32_t removed = FindRemovedInstitution();
      BeginBad("title.awarded", "dept");
      out_.Plain("holder",
                 removed == kNone ? NeverAdmittedInstitution() : state_.providers[removed].id);
      out_.Str("title", "安徽省优秀中小企业服务机构");
      out_.Plain("level", "province");
      detail = "a title for an institution not in the network";
      break;
    }
    case 8:
      if (last_rejected_id_.empty()) return false;
      {
        const std::string target = last_rejected_id_;
        BeginBad("event.retracted", "province");
        out_.Plain("target", target);
      }
      out_.Str("reason", "撤回");
      detail = "retracting an event_id that was only ever rejected";
      break;
    case 9:
      BeginBad("activity.checkin", "province");
      out_.Plain("activity", "act-" + missing_id);
      out_.Plain("enterprise", AnyEnterprise());
      detail = "check-in on an unknown activity";
      break;
    case 10:
      BeginBad("enterprise.registered", "province");
      out_.Plain("enterprise", AnyEnterprise());
      out_.Plain("channel", "wechat");
      out_.Plain("referred_by", NeverAdmittedInstitution());
      detail = "registration referred by an institution not in the network";
      break;
    case 11:
      BeginBad("activity.published", "province");
      out_.Plain("activity", "act-" + missing_id);
      out_.Plain("owner", NeverAdmittedInstitution());
      out_.Plain("mode", "online");
      out_.Str("title", "数字化转型直播课");
      out_.Key("starts_at");
      AppendQuotedTime(&b, now_ + 7 * kDay);
      out_.Key("ends_at");
      AppendQuotedTime(&b, now_ + 7 * kDay + kHour);
      detail = "an activity owned by an institution not in the network";
      break;
    default: {
      const int32_t removed = FindRemovedInstitution();
      BeginBad("complaint.filed", "province");
      out_.Plain("complaint", "cmp-" + missing_id);
      out_.Plain("provider",
                 removed == kNone ? NeverAdmittedInstitution() : state_.providers[removed].id);
      out_.Plain("enterprise", AnyEnterprise());
      detail = "a complaint against an institution not in the network";
      break;
    }
  }
  out_.Close();
  Reject(kNotFound, detail);
  return true;
}

bool InvalidLineSource::AlreadyExists(uint32_t v) {
  std::string& b = out_.buffer();
  auto find_slot = [&](auto slot_pred) -> std::pair<int32_t, int32_t> {
    int32_t slot = kNone;
    const int32_t a = FindActivity([&](const Activity& x) {
      if (!ProvinceState::Published(x) || x.cancel_ev != kNone) return false;
      for (uint32_t s = x.first_slot; s < x.first_slot + x.slot_count; ++s) {
        if (slot_pred(state_.slots[s])) {
          slot = static_cast<int32_t>(s);
          return true;
        }
      }
      return false;
    });
    return {a, slot};
  };
  const char* detail = "";
  switch (v) {
    case 0:
    case 16: {
      const bool retracted = v == 16;
      const int32_t a = FindActivity(
          [&](const Activity& x) { return x.publish_ev != kNone && x.retracted == retracted; });
      if (a == kNone) return false;
      const std::string_view city = AnyCitySubject();
      BeginBad("activity.published", "province");
      PutActivityId(static_cast<uint32_t>(a));
      out_.Plain("owner", city);
      out_.Plain("mode", "offline");
      out_.Str("title", "融资对接会");
      out_.Key("starts_at");
      AppendQuotedTime(&b, now_ + 8 * kDay);
      out_.Key("ends_at");
      AppendQuotedTime(&b, now_ + 8 * kDay + 2 * kHour);
      detail = retracted ? "publishing again the id of a retracted activity"
                         : "publishing an activity id already taken";
      break;
    }
    case 1: {
      const int32_t p = AnyInstitution();
      if (p == kNone) return false;
      BeginBad("institution.admitted", "province");
      out_.Plain("institution", state_.providers[p].id);
      out_.Plain("city", kCities[state_.providers[p].city].subject);
      out_.Str("name", state_.providers[p].name);
      detail = "admitting an institution already in the network";
      break;
    }
    case 2: {
      const uint32_t start = static_cast<uint32_t>(rng_.Below(state_.enterprises.size()));
      int32_t ent = kNone;
      int channel = 0;
      for (uint32_t k = 0; k < state_.enterprises.size() && k < kScanLimit && ent == kNone; ++k) {
        const uint32_t e = (start + k) % state_.enterprises.size();
        for (int c = 0; c < 2; ++c) {
          if (state_.enterprises[e].reg_ev[c] != kNone) {
            ent = static_cast<int32_t>(e);
            channel = c;
            break;
          }
        }
      }
      if (ent == kNone) return false;
      BeginBad("enterprise.registered", "province");
      out_.Plain("enterprise", state_.enterprises[ent].subject());
      out_.Plain("channel", channel == 0 ? "platform" : "wechat");
      detail = "registering again on the same channel";
      break;
    }
    case 3:
    case 4:
    case 5: {
      const auto [a, s] = find_slot([&](const Slot& x) {
        return v == 3 ? x.signup_ev != kNone
                      : (v == 4 ? x.checkin_ev != kNone : x.rating_ev != kNone);
      });
      if (a == kNone) return false;
      BeginBad(v == 3 ? "activity.signup" : (v == 4 ? "activity.checkin" : "activity.rated"),
               "province");
      PutActivityId(static_cast<uint32_t>(a));
      out_.Plain("enterprise", state_.enterprises[state_.slots[s].enterprise].subject());
      if (v == 5) out_.Int("score", 4);
      detail = v == 3 ? "signing up twice" : (v == 4 ? "checking in twice" : "rating twice");
      break;
    }
    case 6: {
      const int32_t d =
          FindDemand([&](const Demand& x) { return !x.retracted && x.accept_ev != kNone; });
      if (d == kNone) return false;
      const std::string_view city = kCities[state_.demands[d].city].subject;
      BeginBad("demand.accepted", city);
      PutDemandId(static_cast<uint32_t>(d));
      out_.Plain("provider", city);
      detail = "accepting a demand already accepted";
      break;
    }
    case 7: {
      const int32_t d = FindDemand([&](const Demand& x) {
        return !x.retracted && x.complete_ev != kNone && state_.InNetwork(x.acceptor);
      });
      if (d == kNone) return false;
      const std::string_view provider = state_.providers[state_.demands[d].acceptor].id;
      BeginBad("demand.completed", provider);
      PutDemandId(static_cast<uint32_t>(d));
      out_.Plain("provider", provider);
      detail = "completing a demand twice";
      break;
    }
    case 8: {
      const int32_t a = FindActivity(
          [&](const Activity& x) { return ProvinceState::Published(x) && x.cancel_ev != kNone; });
      if (a == kNone) return false;
      BeginBad("activity.cancelled", "province");
      PutActivityId(static_cast<uint32_t>(a));
      out_.Str("reason", "重复取消");
      detail = "cancelling an activity twice";
      break;
    }
    case 9: {
      const int32_t e = FindEvent([&](const EventRecord& r, int32_t) {
        return r.type == kProductWithdrawn && !r.retracted && !state_.products[r.object].retracted;
      });
      if (e == kNone) return false;
      BeginBad("product.withdrawn", "province");
      PutProductId(state_.events[e].object);
      detail = "withdrawing a product twice";
      break;
    }
    case 10: {
      const int32_t e = FindEvent([&](const EventRecord& r, int32_t) {
        return r.type == kComplaintResolved && !r.retracted &&
               !state_.complaints[r.object].retracted;
      });
      if (e == kNone) return false;
      BeginBad("complaint.resolved", "province");
      PutComplaintId(state_.events[e].object);
      out_.Plain("verdict", "not_at_fault");
      detail = "resolving a complaint twice";
      break;
    }
    case 11: {
      const int32_t e = FindEvent(
          [&](const EventRecord& r, int32_t) { return r.retracted && r.type != kEventRetracted; });
      if (e == kNone) return false;
      BeginBad("event.retracted", "province");
      PutTarget(e);
      out_.Str("reason", "重复撤回");
      detail = "retracting an event already retracted";
      break;
    }
    case 12: {
      if (state_.products.empty()) return false;
      const uint32_t p = static_cast<uint32_t>(rng_.Below(state_.products.size()));
      const std::string_view city = AnyCitySubject();
      BeginBad("product.published", city);
      PutProductId(p);
      out_.Plain("provider", city);
      out_.Str("title", "融资顾问服务");
      detail = "publishing a product id already taken";
      break;
    }
    case 13: {
      if (state_.complaints.empty()) return false;
      const uint32_t c = static_cast<uint32_t>(rng_.Below(state_.complaints.size()));
      BeginBad("complaint.filed", "province");
      PutComplaintId(c);
      out_.Plain("provider", AnyCitySubject());
      out_.Plain("enterprise", AnyEnterprise());
      detail = "filing a complaint id already taken";
      break;
    }
    case 14: {
      const int32_t d = FindDemand([](const Demand& x) { return x.publish_ev != kNone; });
      if (d == kNone) return false;
      BeginBad("demand.published", "province");
      PutDemandId(static_cast<uint32_t>(d));
      out_.Plain("enterprise", AnyEnterprise());
      out_.Plain("city", AnyCitySubject());
      out_.Str("title", "寻求法律顾问");
      detail = "publishing a demand id already taken";
      break;
    }
    default: {
      const int32_t d =
          FindDemand([](const Demand& x) { return !x.retracted && x.rate_ev != kNone; });
      if (d == kNone) return false;
      BeginBad("demand.rated", "province");
      PutDemandId(static_cast<uint32_t>(d));
      out_.Plain("enterprise", state_.enterprises[state_.demands[d].enterprise].subject());
      out_.Int("score", 5);
      detail = "rating a demand twice";
      break;
    }
  }
  out_.Close();
  Reject(kAlreadyExists, detail);
  return true;
}

bool InvalidLineSource::HasDependents(uint32_t v) {
  static constexpr EventType kTargets[] = {
      kActivityPublished,   kActivitySignup,    kActivityCheckin,  kDemandPublished,
      kDemandAccepted,      kDemandCompleted,   kProductPublished, kComplaintFiled,
      kInstitutionAdmitted, kActivityPublished, kActivityPublished};
  static constexpr const char* kDetails[] = {"retracting a publication with live signups",
                                             "retracting a signup with a live check-in",
                                             "retracting a check-in with a live rating",
                                             "retracting a demand with a live acceptance",
                                             "retracting an acceptance with a live completion",
                                             "retracting a completion with a live rating",
                                             "retracting a product with a live withdrawal",
                                             "retracting a complaint with a live resolution",
                                             "retracting an admission with a live removal",
                                             "retracting a publication with a live cancellation",
                                             "retracting a publication with live reports"};
  const EventType type = kTargets[v];
  if (type == kInstitutionAdmitted) {
    // Admissions are old news by the time of removals: look them up by institution.
    const int32_t removed = FindRemovedInstitution();
    if (removed == kNone) return false;
    BeginBad("event.retracted", "province");
    PutTarget(state_.providers[removed].stints.back().admit_ev);
    out_.Str("reason", "入驻登记有误");
    out_.Close();
    Reject(kHasDependents, kDetails[v]);
    return true;
  }
  const int32_t e = FindEvent([&](const EventRecord& r, int32_t i) {
    if (r.type != type || state_.RetractionBlocker(i) != kHasDependents) return false;
    if (type != kActivityPublished) return true;
    const Activity& a = state_.activities[r.object];
    return v == 0 ? a.live_signups > 0 : (v == 9 ? state_.Live(a.cancel_ev) : a.live_reports > 0);
  });
  if (e == kNone) return false;
  BeginBad("event.retracted", "province");
  PutTarget(e);
  out_.Str("reason", "录入错误");
  out_.Close();
  Reject(kHasDependents, kDetails[v]);
  return true;
}

bool InvalidLineSource::Precondition(uint32_t v) {
  std::string& b = out_.buffer();
  // An activity (live) with a slot matching `slot_pred`, the activity matching `act_pred`.
  auto find_slot = [&](auto act_pred, auto slot_pred) -> std::pair<int32_t, int32_t> {
    int32_t slot = kNone;
    const int32_t a = FindActivity([&](const Activity& x) {
      if (!ProvinceState::Published(x) || !act_pred(x)) return false;
      for (uint32_t s = x.first_slot; s < x.first_slot + x.slot_count; ++s) {
        if (slot_pred(state_.slots[s])) {
          slot = static_cast<int32_t>(s);
          return true;
        }
      }
      return false;
    });
    return {a, slot};
  };
  auto report_on = [&](int32_t provider, int32_t activity, const char* kind) {
    BeginBad("report.uploaded", state_.providers[provider].id);
    out_.Plain("provider", state_.providers[provider].id);
    out_.Plain("kind", kind);
    PutActivityId(static_cast<uint32_t>(activity));
    out_.Hex64("sha256", rng_);
    out_.Int("bytes", 88000);
  };
  const char* detail = "";
  switch (v) {
    case 0: {
      const std::string_view city = AnyCitySubject();
      BeginBad("activity.published", city);
      out_.Plain("activity", "act-0000-" + std::to_string(100000 + rng_.Below(900000)));
      out_.Plain("owner", city);
      out_.Plain("mode", "offline");
      out_.Str("title", "企业家沙龙");
      out_.Key("starts_at");
      AppendQuotedTime(&b, now_ + 9 * kDay + 3 * kHour);
      out_.Key("ends_at");
      AppendQuotedTime(&b, now_ + 9 * kDay);
      detail = "starts_at after ends_at";
      break;
    }
    case 1:
    case 14: {
      const bool rating = v == 14;
      const auto [a, s] = find_slot([](const Activity& x) { return x.cancel_ev != kNone; },
                                    [&](const Slot& x) {
                                      return rating ? x.checkin_ev != kNone && x.rating_ev == kNone
                                                    : x.signup_ev != kNone && x.checkin_ev == kNone;
                                    });
      if (a == kNone) return false;
      BeginBad(rating ? "activity.rated" : "activity.checkin", "province");
      PutActivityId(static_cast<uint32_t>(a));
      out_.Plain("enterprise", state_.enterprises[state_.slots[s].enterprise].subject());
      if (rating) out_.Int("score", 3);
      detail = rating ? "rating on a cancelled activity" : "checkin on a cancelled activity";
      break;
    }
    case 2: {
      // An enterprise that never signed up to a live activity.
      uint32_t ent = 0;
      const int32_t a = FindActivity([&](const Activity& x) {
        if (!ProvinceState::Published(x) || x.cancel_ev != kNone) return false;
        for (int tries = 0; tries < 4; ++tries) {
          ent = static_cast<uint32_t>(rng_.Below(state_.enterprises.size()));
          bool signed_up = false;
          for (uint32_t s = x.first_slot; s < x.first_slot + x.slot_count; ++s) {
            signed_up = signed_up ||
                        (state_.slots[s].enterprise == ent && state_.slots[s].signup_ev != kNone);
          }
          if (!signed_up) return true;
        }
        return false;
      });
      if (a == kNone) return false;
      BeginBad("activity.checkin", "province");
      PutActivityId(static_cast<uint32_t>(a));
      out_.Plain("enterprise", state_.enterprises[ent].subject());
      detail = "checkin without a signup";
      break;
    }
    case 3: {
      const auto [a, s] =
          find_slot([](const Activity& x) { return x.cancel_ev == kNone; },
                    [](const Slot& x) { return x.signup_ev != kNone && x.checkin_ev == kNone; });
      if (a == kNone) return false;
      BeginBad("activity.rated", "province");
      PutActivityId(static_cast<uint32_t>(a));
      out_.Plain("enterprise", state_.enterprises[state_.slots[s].enterprise].subject());
      out_.Int("score", 5);
      detail = "rating without a check-in";
      break;
    }
    case 4:
    case 5: {
      const bool accepted = v == 4;
      const int32_t d = FindDemand([&](const Demand& x) {
        return !x.retracted && x.publish_ev != kNone && x.complete_ev == kNone &&
               (accepted ? x.accept_ev != kNone : x.accept_ev == kNone);
      });
      if (d == kNone) return false;
      // A city that did not accept it (cities are always in the network).
      int32_t city = state_.demands[d].city;
      if (city == state_.demands[d].acceptor) city = (city + 1) % kCityCount;
      BeginBad("demand.completed", state_.providers[city].id);
      PutDemandId(static_cast<uint32_t>(d));
      out_.Plain("provider", state_.providers[city].id);
      detail = accepted ? "completing a demand another provider accepted"
                        : "completing a demand nobody accepted";
      break;
    }
    case 6:
    case 7: {
      const bool completed = v == 6;
      const int32_t d = FindDemand([&](const Demand& x) {
        return !x.retracted && x.publish_ev != kNone && x.rate_ev == kNone &&
               (completed ? x.complete_ev != kNone : x.complete_ev == kNone);
      });
      if (d == kNone) return false;
      uint32_t ent = state_.demands[d].enterprise;
      if (completed) ent = (ent + 1) % static_cast<uint32_t>(state_.enterprises.size());
      if (completed && ent == state_.demands[d].enterprise) return false;  // a single enterprise
      BeginBad("demand.rated", "province");
      PutDemandId(static_cast<uint32_t>(d));
      out_.Plain("enterprise", state_.enterprises[ent].subject());
      out_.Int("score", 4);
      detail = completed ? "a demand rated by an enterprise that did not publish it"
                         : "rating a demand not completed";
      break;
    }
    case 8: {
      const int32_t a = FindActivity([&](const Activity& x) {
        return ProvinceState::Published(x) && (x.flags & kOnline) && state_.InNetwork(x.owner);
      });
      if (a == kNone) return false;
      report_on(state_.activities[a].owner, a, "summary");
      detail = "a summary report on an online activity";
      break;
    }
    case 9: {
      const int32_t a = FindActivity([&](const Activity& x) {
        return ProvinceState::Published(x) && !(x.flags & kOnline) && x.cancel_ev == kNone;
      });
      if (a == kNone) return false;
      int32_t other = static_cast<int32_t>(rng_.Below(kCityCount));
      if (other == state_.activities[a].owner) other = (other + 1) % kCityCount;
      report_on(other, a, "attendee_list");
      detail = "an attendee list for another provider's activity";
      break;
    }
    case 10: {
      const int32_t a = FindActivity([&](const Activity& x) {
        return ProvinceState::Published(x) && !(x.flags & kOnline) && x.cancel_ev != kNone &&
               state_.InNetwork(x.owner);
      });
      if (a == kNone) return false;
      report_on(state_.activities[a].owner, a, "photos");
      detail = "photos of a cancelled activity";
      break;
    }
    case 11: {
      const int32_t p = AnyInstitution();
      if (p == kNone) return false;
      BeginBad("assessment.scored", "dept");
      out_.Plain("subject", state_.providers[p].id);
      out_.Int("year", first_year_);
      out_.Plain("item", "internet_platform");
      out_.Raw("score", "4.5");
      detail = "internet_platform scored for an institution";
      break;
    }
    case 12: {
      const int32_t removed = FindRemovedInstitution();
      BeginBad("institution.removed", "dept");
      out_.Plain("institution",
                 removed == kNone ? NeverAdmittedInstitution() : state_.providers[removed].id);
      out_.Str("reason", "年度评价不合格");
      detail = "removing an institution not in the network";
      break;
    }
    default: {
      const int32_t e =
          FindEvent([](const EventRecord& r, int32_t) { return r.type == kEventRetracted; });
      if (e == kNone) return false;
      BeginBad("event.retracted", "province");
      PutTarget(e);
      out_.Str("reason", "撤回撤回");
      detail = "retracting a retraction";
      break;
    }
  }
  out_.Close();
  Reject(kPrecondition, detail);
  return true;
}

// ------------------------------------------------------------------------------------ duplicates

namespace {

struct Member {
  std::string_view key;    // JSON text of the key, quotes excluded
  std::string_view value;  // JSON text of the value
};

// Splits a flat JSON object written by JsonLine into its members. Values are strings, numbers,
// true or false (the generator writes nothing else in valid lines).
std::vector<Member> SplitFlatObject(std::string_view line) {
  std::vector<Member> members;
  size_t i = 1;
  while (i < line.size() && line[i] == '"') {
    const size_t key_end = line.find('"', i + 1);
    Member m;
    m.key = line.substr(i + 1, key_end - i - 1);
    size_t j = key_end + 2;  // past ':'
    const size_t start = j;
    if (line[j] == '"') {
      ++j;
      while (line[j] != '"') j += line[j] == '\\' ? 2 : 1;
      ++j;
    } else {
      while (line[j] != ',' && line[j] != '}') ++j;
    }
    m.value = line.substr(start, j - start);
    members.push_back(m);
    i = j + 1;
  }
  return members;
}

void AppendUnicodeEscape(std::string* out, uint32_t unit, bool upper) {
  const char* hex = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  out->append("\\u");
  for (int shift = 12; shift >= 0; shift -= 4) out->push_back(hex[(unit >> shift) & 15]);
}

// Re-escapes the JSON string text `quoted` (with its quotes): same value, other spelling.
void AppendReescaped(std::string* out, std::string_view quoted, Rng& rng) {
  out->push_back('"');
  const std::string_view s = quoted.substr(1, quoted.size() - 2);
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\\') {  // an escape the writer made: keep it
      const size_t len = s[i + 1] == 'u' ? 6 : 2;
      out->append(s.substr(i, len));
      i += len;
    } else if (c < 0x80) {
      if (c == '/') {
        out->append("\\/");
      } else if (rng.Below(4) == 0) {
        AppendUnicodeEscape(out, c, rng.Below(2) == 0);
      } else {
        out->push_back(static_cast<char>(c));
      }
      ++i;
    } else {
      const int len = c >= 0xf0 ? 4 : (c >= 0xe0 ? 3 : 2);
      uint32_t cp = c & (len == 4 ? 0x07 : (len == 3 ? 0x0f : 0x1f));
      for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
      if (rng.Below(2) == 0) {
        if (cp >= 0x10000) {
          cp -= 0x10000;
          AppendUnicodeEscape(out, 0xd800 + (cp >> 10), false);
          AppendUnicodeEscape(out, 0xdc00 + (cp & 0x3ff), false);
        } else {
          AppendUnicodeEscape(out, cp, rng.Below(2) == 0);
        }
      } else {
        out->append(s.substr(i, static_cast<size_t>(len)));
      }
      i += static_cast<size_t>(len);
    }
  }
  out->push_back('"');
}

// An integer written in exponent form with the same value: 48213 -> 4.8213e4, 5 -> 5.0.
void AppendExponentForm(std::string* out, std::string_view digits) {
  bool negative = !digits.empty() && digits[0] == '-';
  if (negative) {
    out->push_back('-');
    digits.remove_prefix(1);
  }
  if (digits.size() == 1) {
    out->append(digits);
    out->append(".0");
    return;
  }
  out->push_back(digits[0]);
  out->push_back('.');
  out->append(digits.substr(1));
  out->push_back('e');
  AppendInt(out, static_cast<int64_t>(digits.size() - 1));
}

}  // namespace

bool InvalidLineSource::MakeDuplicate(uint32_t index) {
  uint32_t ev = 0;
  const std::string_view sample = SampledLine(&ev);
  if (sample.empty()) return false;
  std::vector<Member> members = SplitFlatObject(sample);
  // Another key order: reversed, or rotated.
  if (index % 2 == 0) {
    std::reverse(members.begin(), members.end());
  } else {
    std::rotate(members.begin(), members.begin() + 1 + rng_.Below(members.size() - 1),
                members.end());
  }
  const bool spaced = index % 3 == 1;
  const bool escape_keys = index % 3 == 2;
  const bool numbers = index % 4 == 3;
  std::string& b = out_.buffer();
  b.clear();
  b.append(spaced ? "{ " : "{");
  for (size_t k = 0; k < members.size(); ++k) {
    if (k > 0) b.append(spaced ? " , " : ",");
    const std::string quoted_key = "\"" + std::string(members[k].key) + "\"";
    if (escape_keys) {
      AppendReescaped(&b, quoted_key, rng_);
    } else {
      b.append(quoted_key);
    }
    b.append(spaced ? " : " : ":");
    const std::string_view value = members[k].value;
    if (value[0] == '"') {
      AppendReescaped(&b, value, rng_);
    } else if (numbers && value.find_first_of(".eE") == std::string_view::npos && value != "true" &&
               value != "false") {
      AppendExponentForm(&b, value);
    } else {
      b.append(value);
    }
  }
  b.append(spaced ? " }" : "}");
  event_id_.clear();
  ProvinceState::AppendEventId(&event_id_, static_cast<int32_t>(ev));
  reason_ = kNoReason;
  position_ = static_cast<uint64_t>(ev) + 1;
  detail_ = spaced        ? "resubmitted with keys reordered, spaces and re-escaped strings"
            : escape_keys ? "resubmitted with keys reordered and escaped keys and strings"
                          : "resubmitted with keys reordered and re-escaped strings";
  if (numbers) detail_ += ", integers in exponent form";
  return true;
}

}  // namespace smeledger::producers::internal
