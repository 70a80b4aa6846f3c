// JSON, CSV and terminal-table forms of the reports and the data-upload items.

#include <algorithm>

#include "digest.h"
#include "smeledger/ledger/canonical_json.h"
#include "smeledger/ledger/civil_time.h"
#include "smeledger/projections/reports.h"
#include "smeledger/projections/upload_items.h"

namespace smeledger::projections {
namespace {

constexpr std::string_view kNoticeFields[] = {
    "demand_matches",    "enterprises_served", "activities", "key_activities",
    "registered_users",  "resources_brought",  "linkage",    "demand_collection",
    "products",          "satisfaction",       "data_upload"};

std::string RateJson(const Rate& r) {
  if (!r.defined()) return "null";
  std::string s;
  AppendJsonNumber(&s, r.value());
  return s;
}

std::string ScoreJson(const Score& sc) {
  if (!sc.present) return "null";
  std::string s;
  AppendJsonNumber(&s, sc.value);
  return s;
}

std::string Csv(std::string_view v) {
  if (v.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(v);
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// A plain aligned text table. Width counts UTF-8 code points.
std::string Table(const std::vector<std::string>& header,
                  const std::vector<std::vector<std::string>>& rows) {
  auto width = [](const std::string& s) {
    size_t n = 0;
    for (unsigned char c : s)
      if ((c & 0xC0) != 0x80) ++n;
    return n;
  };
  std::vector<size_t> w(header.size());
  for (size_t i = 0; i < header.size(); ++i) w[i] = width(header[i]);
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size() && i < w.size(); ++i) w[i] = std::max(w[i], width(r[i]));
  std::string out;
  auto line = [&](const std::vector<std::string>& r) {
    for (size_t i = 0; i < r.size(); ++i) {
      out += r[i];
      if (i + 1 < r.size()) out += std::string(w[i] - width(r[i]) + 2, ' ');
    }
    out += '\n';
  };
  line(header);
  std::vector<std::string> sep;
  for (size_t x : w) sep.push_back(std::string(x, '-'));
  line(sep);
  for (const auto& r : rows) line(r);
  return out;
}

std::string Display(const std::string& json) { return json == "null" ? "-" : json; }

}  // namespace

std::vector<std::string_view> IndicatorIds(Group g, bool year) {
  std::vector<std::string_view> out;
  const bool city = g == Group::kCity;
  out = {"satisfaction", "demand_matches", "enterprises_served",
         "enterprises_served_public_welfare", "activities", "key_activities", "registered_users"};
  if (city) {
    out.push_back("resources_brought");
    if (year) out.push_back("quality_resources");
  }
  out.insert(out.end(), {"linkage", "demand_collection", "data_upload"});
  if (year) {
    out.insert(out.end(), {"infrastructure", "service_norms"});
    if (city) out.push_back("internet_platform");
  }
  out.insert(out.end(),
             {"products", "products_public_welfare", "media", "titles", "complaints"});
  return out;
}

std::string IndicatorJson(const IndicatorValues& v, std::string_view id) {
  auto n = [](int64_t x) { return std::to_string(x); };
  if (id == "satisfaction") return RateJson(v.satisfaction);
  if (id == "demand_matches") return n(v.demand_matches);
  if (id == "enterprises_served") return n(v.enterprises_served);
  if (id == "enterprises_served_public_welfare") return n(v.enterprises_served_public_welfare);
  if (id == "activities") return n(v.activities);
  if (id == "key_activities") return n(v.key_activities);
  if (id == "registered_users") return n(v.registered_users);
  if (id == "resources_brought") return n(v.resources_brought);
  if (id == "quality_resources") return n(v.quality_resources);
  if (id == "linkage") return n(v.linkage);
  if (id == "demand_collection") return n(v.demand_collection);
  if (id == "data_upload") return RateJson(v.data_upload);
  if (id == "infrastructure") return ScoreJson(v.infrastructure);
  if (id == "service_norms") return ScoreJson(v.service_norms);
  if (id == "internet_platform") return ScoreJson(v.internet_platform);
  if (id == "products") return n(v.products);
  if (id == "products_public_welfare") return n(v.products_public_welfare);
  if (id == "media") return n(v.media);
  if (id == "titles") return n(v.titles);
  if (id == "complaints") return n(v.complaints);
  return "";
}

std::string QuarterlyNoticeJson(const QuarterlyNotice& n, bool with_digest) {
  std::string out = "{\"period\":";
  AppendJsonString(&out, n.period);
  out += ",\"rules\":";
  AppendJsonString(&out, n.rules);
  out += ",\"position\":" + std::to_string(n.position) + ",\"subjects\":[";
  for (size_t i = 0; i < n.subjects.size(); ++i) {
    const IndicatorValues& v = n.subjects[i];
    if (i) out += ',';
    out += "{\"subject\":";
    AppendJsonString(&out, v.subject);
    for (std::string_view f : kNoticeFields) {
      if (f == "resources_brought" && v.group != Group::kCity) continue;
      out += ",\"";
      out += f;
      out += "\":";
      out += IndicatorJson(v, f);
    }
    out += '}';
  }
  out += ']';
  if (with_digest) {
    out += ",\"digest\":";
    AppendJsonString(&out, n.digest);
  }
  out += '}';
  return out;
}

std::string NoticeDigest(const QuarterlyNotice& n) {
  std::string canonical;
  CanonicalizeJson(QuarterlyNoticeJson(n, false), &canonical);
  return internal::Sha256Hex(canonical);
}

std::string QuarterlyNoticeCsv(const QuarterlyNotice& n) {
  std::string out = "subject";
  for (std::string_view f : kNoticeFields) out += "," + std::string(f);
  out += '\n';
  for (const IndicatorValues& v : n.subjects) {
    out += Csv(v.subject);
    for (std::string_view f : kNoticeFields) {
      out += ',';
      if (f == "resources_brought" && v.group != Group::kCity) continue;
      const std::string j = IndicatorJson(v, f);
      if (j != "null") out += j;
    }
    out += '\n';
  }
  return out;
}

std::string QuarterlyNoticeTable(const QuarterlyNotice& n) {
  std::vector<std::string> header = {"subject"};
  for (std::string_view f : kNoticeFields) header.emplace_back(f);
  std::vector<std::vector<std::string>> rows;
  for (const IndicatorValues& v : n.subjects) {
    std::vector<std::string> r = {v.subject};
    for (std::string_view f : kNoticeFields)
      r.push_back(f == "resources_brought" && v.group != Group::kCity ? ""
                                                                      : Display(IndicatorJson(v, f)));
    rows.push_back(std::move(r));
  }
  return "Quarterly notice " + n.period + " (rules " + n.rules + ", as of position " +
         std::to_string(n.position) + ")\n\n" + Table(header, rows) + "\ndigest " + n.digest +
         "\n";
}

std::string AnnualEvaluationJson(const AnnualEvaluation& e, const RuleSet& rules) {
  std::string out = "{\"year\":" + std::to_string(e.year) + ",\"rules\":";
  AppendJsonString(&out, e.rules);
  out += ",\"position\":" + std::to_string(e.position) + ",\"subjects\":[";
  for (size_t i = 0; i < e.subjects.size(); ++i) {
    const AnnualRow& r = e.subjects[i];
    const IndicatorValues& v = r.values;
    if (i) out += ',';
    out += "{\"subject\":";
    AppendJsonString(&out, v.subject);
    out += ",\"group\":";
    out += v.group == Group::kCity ? "\"city\"" : "\"institution\"";
    out += ",\"indicators\":{";
    bool first = true;
    for (std::string_view id : IndicatorIds(v.group, true)) {
      if (!first) out += ',';
      first = false;
      out += '"';
      out += id;
      out += "\":" + IndicatorJson(v, id);
    }
    out += "},\"points\":{";
    first = true;
    for (int k = 0; k < kPointsRowCount; ++k) {
      if (!rules.Points(v.group, static_cast<PointsRow>(k)).applies) continue;
      if (!first) out += ',';
      first = false;
      out += '"';
      out += PointsRowId(static_cast<PointsRow>(k));
      out += "\":" + r.points[k].ToJson();
    }
    out += "},\"base\":" + r.base.ToJson() + ",\"bonus\":" + r.bonus.ToJson() +
           ",\"deduction\":" + r.deduction.ToJson() + ",\"total\":" + r.total.ToJson() +
           ",\"rank\":" + std::to_string(r.rank) + ",\"grade\":\"" +
           std::string(GradeId(r.grade)) + "\"}";
  }
  out += "],\"white_list\":[";
  for (size_t i = 0; i < e.white_list.size(); ++i) {
    if (i) out += ',';
    AppendJsonString(&out, e.white_list[i]);
  }
  out += "],\"black_list\":[";
  for (size_t i = 0; i < e.black_list.size(); ++i) {
    if (i) out += ',';
    AppendJsonString(&out, e.black_list[i]);
  }
  out += "]}";
  return out;
}

namespace {

// Columns of the annual CSV / table: the union of both groups' indicators and points rows.
std::vector<std::string_view> AllIndicatorIds() { return IndicatorIds(Group::kCity, true); }

}  // namespace

std::string AnnualEvaluationCsv(const AnnualEvaluation& e, const RuleSet& rules) {
  std::string out = "subject,group,rank,grade,total,base,bonus,deduction";
  for (std::string_view id : AllIndicatorIds()) out += "," + std::string(id);
  for (int k = 0; k < kPointsRowCount; ++k)
    out += ",points_" + std::string(PointsRowId(static_cast<PointsRow>(k)));
  out += '\n';
  for (const AnnualRow& r : e.subjects) {
    const IndicatorValues& v = r.values;
    out += Csv(v.subject) + (v.group == Group::kCity ? ",city," : ",institution,") +
           std::to_string(r.rank) + "," + std::string(GradeId(r.grade)) + "," + r.total.ToJson() +
           "," + r.base.ToJson() + "," + r.bonus.ToJson() + "," + r.deduction.ToJson();
    const auto mine = IndicatorIds(v.group, true);
    for (std::string_view id : AllIndicatorIds()) {
      out += ',';
      if (std::find(mine.begin(), mine.end(), id) == mine.end()) continue;
      const std::string j = IndicatorJson(v, id);
      if (j != "null") out += j;
    }
    for (int k = 0; k < kPointsRowCount; ++k) {
      out += ',';
      if (rules.Points(v.group, static_cast<PointsRow>(k)).applies) out += r.points[k].ToJson();
    }
    out += '\n';
  }
  return out;
}

std::string AnnualEvaluationTable(const AnnualEvaluation& e, const RuleSet& rules) {
  std::vector<std::string> header = {"subject", "group", "rank", "grade", "total",
                                     "base",    "bonus", "deduction"};
  std::vector<std::vector<std::string>> rows;
  for (const AnnualRow& r : e.subjects)
    rows.push_back({r.values.subject, r.values.group == Group::kCity ? "city" : "institution",
                    std::to_string(r.rank), std::string(GradeId(r.grade)), r.total.ToJson(),
                    r.base.ToJson(), r.bonus.ToJson(), r.deduction.ToJson()});
  std::string out = "Annual evaluation " + std::to_string(e.year) + " (rules " + e.rules +
                    ", as of position " + std::to_string(e.position) + ")\n\n" +
                    Table(header, rows);
  out += "\nwhite list: " + std::to_string(e.white_list.size()) +
         " subjects; black list: " + std::to_string(e.black_list.size()) + " subjects\n";
  (void)rules;
  return out;
}

std::string UploadItemsJson(const std::vector<UploadItem>& items) {
  std::string out = "{\"items\":[";
  for (size_t i = 0; i < items.size(); ++i) {
    const UploadItem& it = items[i];
    if (i) out += ',';
    out += "{\"subject\":";
    AppendJsonString(&out, it.subject);
    out += ",\"item\":";
    AppendJsonString(&out, it.item);
    out += ",\"deadline\":\"" + FormatDate(it.deadline) + "\",\"uploaded\":";
    out += it.has_uploaded ? "\"" + FormatDate(it.uploaded) + "\"" : std::string("null");
    out += ",\"status\":\"" + std::string(ItemStatusId(it.status)) + "\"}";
  }
  out += "]}";
  return out;
}

std::string UploadItemsCsv(const std::vector<UploadItem>& items) {
  std::string out = "subject,item,deadline,uploaded,status\n";
  for (const UploadItem& it : items)
    out += Csv(it.subject) + "," + Csv(it.item) + "," + FormatDate(it.deadline) + "," +
           (it.has_uploaded ? FormatDate(it.uploaded) : "") + "," +
           std::string(ItemStatusId(it.status)) + "\n";
  return out;
}

std::string UploadItemsTable(const std::vector<UploadItem>& items) {
  std::vector<std::vector<std::string>> rows;
  size_t counts[4] = {0, 0, 0, 0};
  for (const UploadItem& it : items) {
    ++counts[static_cast<int>(it.status)];
    rows.push_back({it.subject, it.item, FormatDate(it.deadline),
                    it.has_uploaded ? FormatDate(it.uploaded) : "-",
                    std::string(ItemStatusId(it.status))});
  }
  return Table({"subject", "item", "deadline", "uploaded", "status"}, rows) + "\n" +
         std::to_string(items.size()) + " items: " + std::to_string(counts[0]) + " on time, " +
         std::to_string(counts[1]) + " pending, " + std::to_string(counts[2]) + " late, " +
         std::to_string(counts[3]) + " missing\n";
}

}  // namespace smeledger::projections
