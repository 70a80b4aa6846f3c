#include "smeledger/projections/rule_set.h"

#include "digest.h"

#include <openssl/evp.h>

#include <fstream>
#include <sstream>
#include <toml++/toml.h>

namespace smeledger::projections {

namespace internal {

std::string Sha256Hex(std::string_view s) {
  unsigned char md[32];
  unsigned int len = 0;
  EVP_Digest(s.data(), s.size(), md, &len, EVP_sha256(), nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

extern const char kAnhui2019TrialToml[];
extern const std::size_t kAnhui2019TrialTomlSize;
}  // namespace internal

namespace {

constexpr std::string_view kRowIds[kPointsRowCount] = {
    "satisfaction",     "demand_matches", "enterprises_served", "activities",
    "registered_users", "resources_brought", "quality_resources", "linkage",
    "demand_collection", "data_upload",   "infrastructure",     "service_norms",
    "internet_platform", "products"};

// Which rows each group has (INDICATORS.md points table: a max for the group).
bool RowApplies(Group g, PointsRow r) {
  if (g == Group::kCity) return true;
  return r != PointsRow::kResourcesBrought && r != PointsRow::kQualityResources &&
         r != PointsRow::kInternetPlatform;
}

// Reads the TOML file's values with messages naming the origin and the dotted key.
class Reader {
 public:
  explicit Reader(std::string_view origin) : origin_(origin) {}

  Status Bad(const std::string& key, const std::string& what) const {
    return Status::InvalidInput("rule set " + origin_ + ": `" + key + "`: " + what);
  }

  // Refuses keys of `tbl` not in `known`.
  Status OnlyKnown(const toml::table& tbl, const std::string& prefix,
                   std::initializer_list<std::string_view> known,
                   const char* what = "unknown key") const {
    for (const auto& [k, v] : tbl) {
      bool ok = false;
      for (auto n : known) ok |= (k.str() == n);
      if (!ok) return Bad(prefix + std::string(k.str()), what);
    }
    return Status::Ok();
  }

  Status Number(const toml::table& tbl, const std::string& prefix, std::string_view key,
                ExactNumber* out, bool nonnegative = true) const {
    const std::string full = prefix + std::string(key);
    const toml::node* n = tbl.get(key);
    if (!n) return Bad(full, "missing value");
    if (auto i = n->as_integer()) {
      *out = ExactNumber(i->get());
    } else if (auto f = n->as_floating_point()) {
      if (!ExactNumber::FromDouble(f->get(), out)) return Bad(full, "not a finite number");
    } else {
      return Bad(full, "must be a number");
    }
    if (nonnegative && *out < ExactNumber(0)) return Bad(full, "must not be negative");
    return Status::Ok();
  }

  Status Integer(const toml::table& tbl, const std::string& prefix, std::string_view key,
                 int64_t lo, int64_t hi, int* out) const {
    const std::string full = prefix + std::string(key);
    const toml::node* n = tbl.get(key);
    if (!n) return Bad(full, "missing value");
    auto i = n->as_integer();
    if (!i) return Bad(full, "must be an integer");
    if (i->get() < lo || i->get() > hi)
      return Bad(full, "must be from " + std::to_string(lo) + " to " + std::to_string(hi) +
                           ", not " + std::to_string(i->get()));
    *out = static_cast<int>(i->get());
    return Status::Ok();
  }

  Status String(const toml::table& tbl, const std::string& prefix, std::string_view key,
                std::string* out) const {
    const std::string full = prefix + std::string(key);
    const toml::node* n = tbl.get(key);
    if (!n) return Bad(full, "missing value");
    auto s = n->as_string();
    if (!s) return Bad(full, "must be a string");
    *out = s->get();
    return Status::Ok();
  }

  Status Table(const toml::table& tbl, const std::string& prefix, std::string_view key,
               const toml::table** out) const {
    const std::string full = prefix + std::string(key);
    const toml::node* n = tbl.get(key);
    if (!n) return Bad(full, "missing value");
    *out = n->as_table();
    if (!*out) return Bad(full, "must be a table");
    return Status::Ok();
  }

 private:
  std::string origin_;
};

#define RETURN_IF_ERROR(expr)         \
  do {                                \
    Status _s = (expr);               \
    if (!_s.ok()) return _s;          \
  } while (0)

Status ParseInto(const toml::table& doc, const Reader& rd, RuleSet* rs) {
  RETURN_IF_ERROR(rd.OnlyKnown(doc, "", {"id", "description", "satisfaction", "data_upload",
                                         "points", "bonus", "deduction", "grades"}));
  RETURN_IF_ERROR(rd.String(doc, "", "id", &rs->id));
  if (rs->id.empty() || rs->id.size() > 64) return rd.Bad("id", "must be 1-64 characters");
  for (char c : rs->id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
      return rd.Bad("id", "may hold only letters, digits, '-', '_' and '.'");
  if (doc.get("description")) RETURN_IF_ERROR(rd.String(doc, "", "description", &rs->description));

  const toml::table* t = nullptr;
  RETURN_IF_ERROR(rd.Table(doc, "", "satisfaction", &t));
  RETURN_IF_ERROR(rd.OnlyKnown(*t, "satisfaction.", {"satisfied_min_score"}));
  RETURN_IF_ERROR(rd.Number(*t, "satisfaction.", "satisfied_min_score", &rs->satisfied_min_score));

  RETURN_IF_ERROR(rd.Table(doc, "", "data_upload", &t));
  RETURN_IF_ERROR(rd.OnlyKnown(*t, "data_upload.",
                               {"offline_upload_kinds", "upload_working_days", "monthly_due_day",
                                "annual_due", "upload_time_source"}));
  {
    const toml::node* n = t->get("offline_upload_kinds");
    if (!n) return rd.Bad("data_upload.offline_upload_kinds", "missing value");
    const toml::array* arr = n->as_array();
    if (!arr) return rd.Bad("data_upload.offline_upload_kinds", "must be an array of strings");
    rs->offline_upload_kinds.clear();
    for (const toml::node& item : *arr) {
      auto s = item.as_string();
      if (!s) return rd.Bad("data_upload.offline_upload_kinds", "must be an array of strings");
      UploadKind k;
      if (s->get() == "attendee_list") k = UploadKind::kAttendeeList;
      else if (s->get() == "photos") k = UploadKind::kPhotos;
      else if (s->get() == "summary") k = UploadKind::kSummary;
      else
        return rd.Bad("data_upload.offline_upload_kinds",
                      "\"" + s->get() + "\" is not attendee_list, photos or summary");
      for (UploadKind e : rs->offline_upload_kinds)
        if (e == k)
          return rd.Bad("data_upload.offline_upload_kinds", "\"" + s->get() + "\" is listed twice");
      rs->offline_upload_kinds.push_back(k);
    }
  }
  RETURN_IF_ERROR(
      rd.Integer(*t, "data_upload.", "upload_working_days", 0, 366, &rs->upload_working_days));
  RETURN_IF_ERROR(rd.Integer(*t, "data_upload.", "monthly_due_day", 1, 28, &rs->monthly_due_day));
  {
    std::string due;
    RETURN_IF_ERROR(rd.String(*t, "data_upload.", "annual_due", &due));
    int m = 0, d = 0;
    bool ok = due.size() == 5 && due[2] == '-' && std::isdigit((unsigned char)due[0]) &&
              std::isdigit((unsigned char)due[1]) && std::isdigit((unsigned char)due[3]) &&
              std::isdigit((unsigned char)due[4]);
    if (ok) {
      m = (due[0] - '0') * 10 + (due[1] - '0');
      d = (due[3] - '0') * 10 + (due[4] - '0');
      static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
      ok = m >= 1 && m <= 12 && d >= 1 && d <= kDays[m - 1];
    }
    if (!ok)
      return rd.Bad("data_upload.annual_due",
                    "must be \"MM-DD\", a day that exists in every year, not \"" + due + "\"");
    rs->annual_due_month = m;
    rs->annual_due_day = d;
  }
  {
    std::string src;
    RETURN_IF_ERROR(rd.String(*t, "data_upload.", "upload_time_source", &src));
    if (src == "occurred_at") rs->upload_time_source = UploadTimeSource::kOccurredAt;
    else if (src == "recorded_at") rs->upload_time_source = UploadTimeSource::kRecordedAt;
    else
      return rd.Bad("data_upload.upload_time_source",
                    "must be \"occurred_at\" or \"recorded_at\", not \"" + src + "\"");
  }

  const toml::table* points = nullptr;
  RETURN_IF_ERROR(rd.Table(doc, "", "points", &points));
  RETURN_IF_ERROR(rd.OnlyKnown(*points, "points.", {"city", "institution"}));
  for (Group g : {Group::kCity, Group::kInstitution}) {
    const std::string gname = g == Group::kCity ? "city" : "institution";
    const std::string prefix = "points." + gname + ".";
    const toml::table* gt = nullptr;
    RETURN_IF_ERROR(rd.Table(*points, "points.", gname, &gt));
    for (const auto& [k, v] : *gt) {
      int found = -1;
      for (int r = 0; r < kPointsRowCount; ++r)
        if (k.str() == kRowIds[r]) found = r;
      if (found < 0)
        return rd.Bad(prefix + std::string(k.str()), "unknown indicator (no points row)");
      if (!RowApplies(g, static_cast<PointsRow>(found)))
        return rd.Bad(prefix + std::string(k.str()),
                      "unknown indicator for the " + gname + " group (INDICATORS.md has no " +
                          gname + " row for it)");
    }
    for (int r = 0; r < kPointsRowCount; ++r) {
      const PointsRow row = static_cast<PointsRow>(r);
      PointsRule& pr = rs->points[static_cast<int>(g)][r];
      pr.applies = RowApplies(g, row);
      if (!pr.applies) continue;
      const std::string rowkey = prefix + std::string(kRowIds[r]);
      const toml::table* rt = nullptr;
      RETURN_IF_ERROR(rd.Table(*gt, prefix, kRowIds[r], &rt));
      const bool count = PointsRowKind(row) == RowKind::kCount;
      if (count)
        RETURN_IF_ERROR(rd.OnlyKnown(*rt, rowkey + ".", {"max", "target"}));
      else
        RETURN_IF_ERROR(rd.OnlyKnown(*rt, rowkey + ".", {"max"},
                                     "unknown key (a rate or assessment row has only `max`)"));
      RETURN_IF_ERROR(rd.Number(*rt, rowkey + ".", "max", &pr.max));
      if (count) {
        RETURN_IF_ERROR(rd.Number(*rt, rowkey + ".", "target", &pr.target, false));
        if (pr.target <= ExactNumber(0)) return rd.Bad(rowkey + ".target", "must be above 0");
      }
    }
  }

  RETURN_IF_ERROR(rd.Table(doc, "", "bonus", &t));
  RETURN_IF_ERROR(rd.OnlyKnown(*t, "bonus.", {"media", "titles", "cap"}));
  for (auto [name, dst] : {std::pair<const char*, ItemPoints*>{"media", &rs->media},
                           std::pair<const char*, ItemPoints*>{"titles", &rs->titles}}) {
    const toml::table* it = nullptr;
    RETURN_IF_ERROR(rd.Table(*t, "bonus.", name, &it));
    const std::string p = std::string("bonus.") + name + ".";
    RETURN_IF_ERROR(rd.OnlyKnown(*it, p, {"per_item", "cap"}));
    RETURN_IF_ERROR(rd.Number(*it, p, "per_item", &dst->per_item));
    RETURN_IF_ERROR(rd.Number(*it, p, "cap", &dst->cap));
  }
  RETURN_IF_ERROR(rd.Number(*t, "bonus.", "cap", &rs->bonus_cap));

  RETURN_IF_ERROR(rd.Table(doc, "", "deduction", &t));
  RETURN_IF_ERROR(rd.OnlyKnown(*t, "deduction.", {"complaints"}));
  {
    const toml::table* it = nullptr;
    RETURN_IF_ERROR(rd.Table(*t, "deduction.", "complaints", &it));
    RETURN_IF_ERROR(rd.OnlyKnown(*it, "deduction.complaints.", {"per_item", "cap"}));
    RETURN_IF_ERROR(rd.Number(*it, "deduction.complaints.", "per_item", &rs->complaints.per_item));
    RETURN_IF_ERROR(rd.Number(*it, "deduction.complaints.", "cap", &rs->complaints.cap));
  }

  RETURN_IF_ERROR(rd.Table(doc, "", "grades", &t));
  RETURN_IF_ERROR(rd.OnlyKnown(*t, "grades.", {"excellent_min_total", "excellent_top_percent",
                                               "qualified_min_total"}));
  RETURN_IF_ERROR(rd.Number(*t, "grades.", "excellent_min_total", &rs->excellent_min_total));
  RETURN_IF_ERROR(rd.Number(*t, "grades.", "excellent_top_percent", &rs->excellent_top_percent));
  if (rs->excellent_top_percent > ExactNumber(100))
    return rd.Bad("grades.excellent_top_percent", "must be from 0 to 100");
  RETURN_IF_ERROR(rd.Number(*t, "grades.", "qualified_min_total", &rs->qualified_min_total));
  return Status::Ok();
}

}  // namespace

std::string_view PointsRowId(PointsRow row) { return kRowIds[static_cast<int>(row)]; }

RowKind PointsRowKind(PointsRow row) {
  switch (row) {
    case PointsRow::kSatisfaction:
    case PointsRow::kDataUpload: return RowKind::kRate;
    case PointsRow::kInfrastructure:
    case PointsRow::kServiceNorms:
    case PointsRow::kInternetPlatform: return RowKind::kAssessment;
    default: return RowKind::kCount;
  }
}

std::string_view UploadKindId(UploadKind k) {
  switch (k) {
    case UploadKind::kAttendeeList: return "attendee_list";
    case UploadKind::kPhotos: return "photos";
    case UploadKind::kSummary: return "summary";
  }
  return "?";
}

Result<RuleSet> RuleSet::Parse(std::string_view toml_text, std::string_view origin) {
  toml::table doc;
  try {
    doc = toml::parse(toml_text, origin);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << "rule set " << origin << ":" << e.source().begin.line << ": not valid TOML: "
       << e.description();
    return Status::InvalidInput(os.str());
  }
  RuleSet rs;
  Reader rd(origin);
  Status s = ParseInto(doc, rd, &rs);
  if (!s.ok()) return s;
  rs.origin = std::string(origin);
  rs.text = std::string(toml_text);
  rs.digest = internal::Sha256Hex(toml_text);
  return rs;
}

Result<RuleSet> RuleSet::LoadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status::InvalidInput("cannot read rule set file " + path);
  std::stringstream ss;
  ss << f.rdbuf();
  return Parse(ss.str(), path);
}

std::vector<std::string> RuleSet::ShippedIds() { return {std::string(kDefaultRuleSetId)}; }

Result<RuleSet> RuleSet::Shipped(std::string_view id) {
  if (id == kDefaultRuleSetId) {
    auto r = Parse(std::string_view(internal::kAnhui2019TrialToml,
                                    internal::kAnhui2019TrialTomlSize),
                   "<shipped anhui-2019-trial.toml>");
    if (!r.ok()) return Status::Corruption("the shipped rule set is broken: " + r.status().message());
    return r;
  }
  return Status::NotFound("no shipped rule set \"" + std::string(id) + "\"");
}

Result<RuleSet> RuleSet::Resolve(const std::string& id_or_file) {
  auto shipped = Shipped(id_or_file);
  if (shipped.ok() || shipped.status().code() != Status::Code::kNotFound) return shipped;
  std::ifstream f(id_or_file, std::ios::binary);
  if (!f) {
    std::string ids;
    for (const auto& i : ShippedIds()) ids += (ids.empty() ? "" : ", ") + i;
    return Status::InvalidInput("--rules " + id_or_file +
                                ": neither a shipped rule set (" + ids + ") nor a readable file");
  }
  return LoadFile(id_or_file);
}

}  // namespace smeledger::projections
