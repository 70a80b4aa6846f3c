// explain, diff and the approved notices (audit.h).
#include "smeledger/projections/audit.h"

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include <algorithm>
#include <map>

#include "evaluation.h"
#include "fold_state.h"
#include "smeledger/ledger/canonical_json.h"
#include "smeledger/ledger/civil_time.h"
#include "smeledger/projections/reports.h"
#include "smeledger/projections/upload_items.h"

namespace smeledger::projections {

using namespace internal;

std::vector<NoticeCheck> ApprovedNotices(const Projection& projection, const std::string& period) {
  std::vector<NoticeCheck> out;
  for (const Notice& n : projection.state().notices) {
    if (!n.live || n.period != period) continue;
    NoticeCheck c;
    c.position = n.position;
    c.event_id = n.event_id;
    c.notice_position = n.notice_position;
    c.rules = n.rules;
    c.digest = n.digest;
    out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end(),
            [](const NoticeCheck& a, const NoticeCheck& b) { return a.position < b.position; });
  return out;
}

namespace {

const char* TypeName(int which) {
  static const char* kNames[] = {
      "institution.admitted", "institution.removed", "enterprise.registered",
      "activity.published", "activity.cancelled", "activity.signup", "activity.checkin",
      "activity.rated", "demand.published", "demand.accepted", "demand.completed",
      "demand.rated", "service.delivered", "report.uploaded", "collaboration.recorded",
      "demand_collection.completed", "product.published", "product.withdrawn",
      "media.reported", "title.awarded", "complaint.filed", "complaint.resolved",
      "assessment.scored", "event.retracted", "notice.approved"};
  return which >= 0 && which < 25 ? kNames[which] : "unknown";
}

// One contribution the fold made for the explained subject.
struct Entry {
  uint64_t position;
  std::string event_id;
  int type;
  Contribution c;
  int32_t day;
  uint32_t object;
  int32_t value;
  uint64_t retracted_at = 0;  // the retraction's position, 0 if live
  std::string retracted_by;
};

class Collector final : public FoldTracer {
 public:
  Collector(const FoldState* s, uint32_t subject) : s_(s), subject_(subject) {}
  void OnContribution(uint64_t position, int sign, Contribution c, uint32_t subject, int32_t day,
                      uint32_t object, int32_t value) override {
    if (subject != subject_ || subject == kNone) return;
    if (sign > 0) {
      index_[position] = entries.size();
      entries.push_back(Entry{position, std::string(s_->current_event_id), s_->current_type, c,
                              day, object, value, /*retracted_at=*/0, /*retracted_by=*/{}});
    } else if (auto it = index_.find(position); it != index_.end()) {
      entries[it->second].retracted_at = s_->retraction_position;
      entries[it->second].retracted_by = s_->retraction_event_id;
    }
  }
  std::vector<Entry> entries;

 private:
  const FoldState* s_;
  uint32_t subject_;
  absl::flat_hash_map<uint64_t, size_t> index_;
};

std::string Day(int32_t d) { return FormatDate(d); }

}  // namespace

Result<Explanation> Explain(const ledger::Ledger& ledger, const RuleSet& rules,
                            const WorkingDayCalendar& calendar, const std::string& subject,
                            const std::string& indicator, const Period& period, uint64_t as_of) {
  const bool city = subject.rfind("city:", 0) == 0;
  if (!city && subject.rfind("inst:", 0) != 0)
    return Status::InvalidInput("--subject must be a city:... or inst:... id, not \"" + subject + "\"");
  const auto ids = IndicatorIds(city ? Group::kCity : Group::kInstitution, period.is_year());
  if (std::find(ids.begin(), ids.end(), indicator) == ids.end())
    return Status::InvalidInput("\"" + indicator + "\" is not an indicator of " +
                                (city ? "a city" : "an institution") + " for " +
                                period.ToString());
  if (indicator == "quality_resources")
    return Status::InvalidInput("explain does not cover quality_resources yet: see `report annual` "
                                "and `explain --indicator resources_brought`");
  auto p = Projection::Empty();
  // The subject's id is interned on first sight; cities are interned up front. Resolve it
  // lazily: the collector compares ids, so intern it now in the fresh fold.
  auto& st = const_cast<FoldState&>(p->state());
  const uint32_t sid = st.subjects.Intern(subject);
  Collector col(&st, sid);
  p->set_tracer(&col);
  if (Status s = p->Advance(ledger, as_of); !s.ok()) return s;
  p->set_tracer(nullptr);

  Explanation ex;
  ex.subject = subject;
  ex.indicator = indicator;
  ex.period = period.ToString();
  ex.rules = rules.id;
  ex.position = p->position();
  auto values = EvaluateIndicators(*p, rules, calendar, period);
  if (!values.ok()) return values.status();
  ex.value = "null";
  bool is_subject = false;
  for (const IndicatorValues& v : *values)
    if (v.subject == subject) {
      ex.value = IndicatorJson(v, indicator);
      is_subject = true;
    }
  EvalContext ctx(st, rules, calendar, period, p->as_of_day());
  const std::string pname = period.ToString();
  auto add = [&](const Entry& e, bool counted, std::string reason) {
    ex.records.push_back(ExplainedRecord{e.position, e.event_id, TypeName(e.type), counted,
                                         std::move(reason)});
  };
  auto outside = [&](const Entry& e, int32_t d, const char* what) {
    add(e, false, std::string(what) + " " + Day(d) + ", outside " + pname);
  };
  auto retracted = [&](const Entry& e) {
    add(e, false, "retracted by " + e.retracted_by + " at position " + std::to_string(e.retracted_at));
  };
  if (!is_subject)
    ex.value = "null";  // not a subject of the period: no row

  absl::flat_hash_map<uint32_t, uint64_t> first_counted;  // distinct counts: enterprise -> pos
  bool satisfied[5];
  for (int k = 0; k < 5; ++k) satisfied[k] = ExactNumber(k + 1) >= rules.satisfied_min_score;

  auto simple = [&](Contribution want, const char* dated) {
    for (const Entry& e : col.entries) {
      if (e.c != want) continue;
      if (e.retracted_at) retracted(e);
      else if (!ctx.DayInPeriod(e.day)) outside(e, e.day, dated);
      else add(e, true, std::string(dated) + " " + Day(e.day));
    }
  };
  if (indicator == "demand_matches") simple(Contribution::kDemandMatch, "completed");
  else if (indicator == "linkage") simple(Contribution::kLinkage, "recorded");
  else if (indicator == "demand_collection") simple(Contribution::kDemandCollection, "completed");
  else if (indicator == "media") simple(Contribution::kMedia, "reported");
  else if (indicator == "titles" || indicator == "complaints") {
    const bool titles = indicator == "titles";
    for (const Entry& e : col.entries) {
      if (e.c != (titles ? Contribution::kTitle : Contribution::kComplaint)) continue;
      const bool qualifies = titles ? (e.value & 1) : (e.value != 0);
      if (e.retracted_at) retracted(e);
      else if (!qualifies)
        add(e, false, titles ? "level city: only province or national titles count"
                             : "verdict not_at_fault");
      else if (!ctx.DayInPeriod(e.day)) outside(e, e.day, titles ? "awarded" : "resolved");
      else add(e, true, std::string(titles ? "awarded " : "resolved at fault ") + Day(e.day));
    }
  } else if (indicator == "satisfaction") {
    for (const Entry& e : col.entries) {
      if (e.c != Contribution::kActivityRating && e.c != Contribution::kDemandRating) continue;
      if (e.c == Contribution::kActivityRating && !st.activities[e.object].online) {
        add(e, false, "rating of an offline activity");
        continue;
      }
      if (e.retracted_at) retracted(e);
      else if (!ctx.DayInPeriod(e.day)) outside(e, e.day, "rated");
      else if (e.value >= 1 && e.value <= 5 && satisfied[e.value - 1])
        add(e, true, "rated " + std::to_string(e.value) + ": satisfied");
      else
        add(e, true, "rated " + std::to_string(e.value) + ": rated, not satisfied");
    }
  } else if (indicator == "enterprises_served" || indicator == "enterprises_served_public_welfare" ||
             indicator == "registered_users") {
    const bool reg = indicator == "registered_users";
    const bool pw = indicator == "enterprises_served_public_welfare";
    for (const Entry& e : col.entries) {
      if (e.c != (reg ? Contribution::kRegistered : Contribution::kServed)) continue;
      const std::string& ent = st.subjects.Name(e.object);
      if (e.retracted_at) retracted(e);
      else if (pw && !e.value) add(e, false, "not public_welfare");
      else if (!ctx.DayInPeriod(e.day)) outside(e, e.day, reg ? "registered" : "dated");
      else if (auto it = first_counted.find(e.object); it != first_counted.end())
        add(e, false, ent + " already counted at position " + std::to_string(it->second));
      else {
        first_counted[e.object] = e.position;
        add(e, true, ent + (reg ? " registered " : " served on ") + Day(e.day));
      }
    }
  } else if (indicator == "resources_brought") {
    for (const Entry& e : col.entries) {
      if (e.c != Contribution::kAdmitted) continue;
      const std::string& inst = st.subjects.Name(e.object);
      if (e.retracted_at) retracted(e);
      else if (!ctx.DayInPeriod(e.day)) outside(e, e.day, "admitted");
      else if (auto it = first_counted.find(e.object); it != first_counted.end())
        add(e, false, inst + " already counted at position " + std::to_string(it->second));
      else {
        first_counted[e.object] = e.position;
        add(e, true, inst + " admitted " + Day(e.day));
      }
    }
  } else if (indicator == "activities" || indicator == "key_activities") {
    const bool key = indicator == "key_activities";
    for (const Entry& e : col.entries) {
      if (e.c != Contribution::kActivity) continue;
      const Activity& a = st.activities[e.object];
      std::string why;
      if (e.retracted_at) retracted(e);
      else if (key && !a.key) add(e, false, "not a key activity");
      else if (!ctx.DayInPeriod(a.ends_day)) outside(e, a.ends_day, "ends");
      else if (!ctx.ActivityComplete(a, &why)) add(e, false, why);
      else add(e, true, std::string(a.online ? "online" : "offline") + " activity ending " +
                            Day(a.ends_day) + ", complete");
    }
  } else if (indicator == "products" || indicator == "products_public_welfare") {
    const bool pw = indicator == "products_public_welfare";
    for (const Entry& e : col.entries) {
      if (e.c != Contribution::kProduct) continue;
      const Product& pr = st.products[e.object];
      if (e.retracted_at) retracted(e);
      else if (pw && !pr.public_welfare) add(e, false, "not public_welfare");
      else if (pr.published_day > ctx.last_day)
        add(e, false, "published " + Day(pr.published_day) + ", after the end of " + pname);
      else if (pr.withdrawn_day <= ctx.last_day)
        add(e, false, "withdrawn " + Day(pr.withdrawn_day) + ", by the end of " + pname);
      else add(e, true, "published " + Day(pr.published_day) + ", in service at the end of " + pname);
    }
  } else if (indicator == "infrastructure" || indicator == "service_norms" ||
             indicator == "internet_platform") {
    const uint32_t item = indicator == "infrastructure" ? 0 : indicator == "service_norms" ? 1 : 2;
    uint64_t latest = 0;
    for (const Entry& e : col.entries)
      if (e.c == Contribution::kAssessment && e.object == item && e.value == period.year &&
          !e.retracted_at)
        latest = std::max(latest, e.position);
    for (const Entry& e : col.entries) {
      if (e.c != Contribution::kAssessment || e.object != item) continue;
      if (e.retracted_at) retracted(e);
      else if (e.value != period.year) add(e, false, "scores year " + std::to_string(e.value));
      else if (e.position != latest)
        add(e, false, "replaced by the later score at position " + std::to_string(latest));
      else add(e, true, "the latest score for " + std::to_string(period.year));
    }
  } else if (indicator == "data_upload") {
    std::vector<UploadItem> items;
    if (is_subject) {
      if (Status s = ctx.ItemsOf(sid, &items); !s.ok()) return s;
    }
    for (const UploadItem& it : items) {
      ExplainedRecord r;
      r.position = it.position;
      r.type = it.position ? "activity.published" : "report.uploaded";
      r.event_id = it.item;
      r.counted = it.status != ItemStatus::kPending;
      r.reason = std::string(ItemStatusId(it.status)) + ": deadline " + Day(it.deadline) +
                 ", uploaded " + (it.has_uploaded ? Day(it.uploaded) : std::string("-")) +
                 (it.status == ItemStatus::kPending ? " (not decided yet)" : "");
      ex.records.push_back(std::move(r));
    }
  }
  std::stable_sort(ex.records.begin(), ex.records.end(),
                   [](const ExplainedRecord& a, const ExplainedRecord& b) {
                     return a.position < b.position;
                   });
  return ex;
}

std::string ExplanationJson(const Explanation& e) {
  std::string out = "{\"subject\":";
  AppendJsonString(&out, e.subject);
  out += ",\"indicator\":";
  AppendJsonString(&out, e.indicator);
  out += ",\"period\":\"" + e.period + "\",\"rules\":";
  AppendJsonString(&out, e.rules);
  out += ",\"position\":" + std::to_string(e.position) + ",\"value\":" + e.value;
  for (int pass = 0; pass < 2; ++pass) {
    out += pass == 0 ? ",\"counted\":[" : ",\"left_out\":[";
    bool first = true;
    for (const ExplainedRecord& r : e.records) {
      if (r.counted != (pass == 0)) continue;
      if (!first) out += ',';
      first = false;
      out += "{\"position\":" + std::to_string(r.position) + ",\"event_id\":";
      AppendJsonString(&out, r.event_id);
      out += ",\"type\":\"" + r.type + "\",\"reason\":";
      AppendJsonString(&out, r.reason);
      out += '}';
    }
    out += ']';
  }
  out += '}';
  return out;
}

namespace {
std::string CsvField(const std::string& v) {
  if (v.find_first_of(",\"\n") == std::string::npos) return v;
  std::string o = "\"";
  for (char c : v) o += c == '"' ? std::string("\"\"") : std::string(1, c);
  return o + "\"";
}
}  // namespace

std::string ExplanationCsv(const Explanation& e) {
  std::string out = "position,event_id,type,counted,reason\n";
  for (const ExplainedRecord& r : e.records)
    out += std::to_string(r.position) + "," + CsvField(r.event_id) + "," + r.type + "," +
           (r.counted ? "true" : "false") + "," + CsvField(r.reason) + "\n";
  return out;
}

std::string ExplanationTable(const Explanation& e) {
  std::string out = e.indicator + " of " + e.subject + " in " + e.period + " = " + e.value +
                    " (rules " + e.rules + ", as of position " + std::to_string(e.position) +
                    ")\n";
  for (int pass = 0; pass < 2; ++pass) {
    out += pass == 0 ? "\ncounted:\n" : "\nleft out:\n";
    for (const ExplainedRecord& r : e.records)
      if (r.counted == (pass == 0))
        out += "  " + std::to_string(r.position) + "  " + r.event_id + "  " + r.type + "  " +
               r.reason + "\n";
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// diff

namespace {

class RatingCollector final : public FoldTracer {
 public:
  explicit RatingCollector(const FoldState* s) : s_(s) {}
  void OnContribution(uint64_t position, int sign, Contribution c, uint32_t subject, int32_t day,
                      uint32_t object, int32_t value) override {
    if (c != Contribution::kActivityRating && c != Contribution::kDemandRating) return;
    if (c == Contribution::kActivityRating && !s_->activities[object].online) return;
    if (sign > 0)
      live[position] = {subject, day, value};
    else
      live.erase(position);
  }
  struct R {
    uint32_t subject;
    int32_t day;
    int32_t score;
  };
  std::map<uint64_t, R> live;

 private:
  const FoldState* s_;
};

}  // namespace

Result<RuleDiff> DiffRuleSets(const ledger::Ledger& ledger, const Projection& projection,
                              const RuleSet& a, const RuleSet& b,
                              const WorkingDayCalendar& calendar, const Period& period) {
  RuleDiff d;
  d.period = period.ToString();
  d.new_rules = a.id;
  d.old_rules = b.id;
  d.position = projection.position();
  // Values: the same fold, evaluated under each rule set.
  if (period.is_year()) {
    auto ea = BuildAnnualEvaluation(projection, a, calendar, period.year);
    auto eb = BuildAnnualEvaluation(projection, b, calendar, period.year);
    if (!ea.ok()) return ea.status();
    if (!eb.ok()) return eb.status();
    for (size_t i = 0; i < ea->subjects.size() && i < eb->subjects.size(); ++i) {
      const AnnualRow& na = ea->subjects[i];
      const AnnualRow& nb = eb->subjects[i];
      auto cmp = [&](const std::string& id, const std::string& o, const std::string& n) {
        if (o != n) d.values.push_back({na.values.subject, id, o, n});
      };
      for (std::string_view id : IndicatorIds(na.values.group, true))
        cmp(std::string(id), IndicatorJson(nb.values, id), IndicatorJson(na.values, id));
      for (int k = 0; k < kPointsRowCount; ++k)
        if (a.Points(na.values.group, static_cast<PointsRow>(k)).applies)
          cmp("points." + std::string(PointsRowId(static_cast<PointsRow>(k))),
              nb.points[k].ToJson(), na.points[k].ToJson());
      cmp("base", nb.base.ToJson(), na.base.ToJson());
      cmp("bonus", nb.bonus.ToJson(), na.bonus.ToJson());
      cmp("deduction", nb.deduction.ToJson(), na.deduction.ToJson());
      cmp("total", nb.total.ToJson(), na.total.ToJson());
      cmp("rank", std::to_string(nb.rank), std::to_string(na.rank));
      cmp("grade", "\"" + std::string(GradeId(nb.grade)) + "\"",
          "\"" + std::string(GradeId(na.grade)) + "\"");
    }
  } else {
    auto va = EvaluateIndicators(projection, a, calendar, period);
    auto vb = EvaluateIndicators(projection, b, calendar, period);
    if (!va.ok()) return va.status();
    if (!vb.ok()) return vb.status();
    for (size_t i = 0; i < va->size() && i < vb->size(); ++i)
      for (std::string_view id : IndicatorIds((*va)[i].group, false)) {
        const std::string o = IndicatorJson((*vb)[i], id), n = IndicatorJson((*va)[i], id);
        if (o != n) d.values.push_back({(*va)[i].subject, std::string(id), o, n});
      }
  }
  // Records whose class changed: activities (complete or not), data-upload items (status),
  // ratings (satisfied or not).
  const FoldState& s = projection.state();
  EvalContext ca(s, a, calendar, period, projection.as_of_day());
  EvalContext cb(s, b, calendar, period, projection.as_of_day());
  for (uint32_t id = 0; id < s.activities.size(); ++id) {
    const Activity& act = s.activities[id];
    if (!act.published_position || !ca.DayInPeriod(act.ends_day)) continue;
    std::string wa, wb;
    const bool in_a = ca.ActivityComplete(act, &wa), in_b = cb.ActivityComplete(act, &wb);
    if (in_a != in_b)
      d.records.push_back({act.published_position, "activity:" + s.activity_ids.Name(id),
                           s.subjects.Name(act.owner), in_b ? "counted" : "left out: " + wb,
                           in_a ? "counted" : "left out: " + wa});
  }
  for (uint32_t subj : ca.subjects()) {
    std::vector<UploadItem> ia, ib;
    if (Status st = ca.ItemsOf(subj, &ia); !st.ok()) return st;
    if (Status st = cb.ItemsOf(subj, &ib); !st.ok()) return st;
    std::map<std::string, const UploadItem*> old;
    for (const UploadItem& it : ib) old[it.item] = &it;
    for (const UploadItem& it : ia) {
      auto o = old.find(it.item);
      const std::string os = o == old.end() ? "no item" : std::string(ItemStatusId(o->second->status));
      const std::string ns(ItemStatusId(it.status));
      if (os != ns) d.records.push_back({it.position, it.item, it.subject, os, ns});
      if (o != old.end()) old.erase(o);
    }
    for (const auto& [name, it] : old)
      d.records.push_back({it->position, name, it->subject, std::string(ItemStatusId(it->status)),
                           "no item"});
  }
  if (a.satisfied_min_score != b.satisfied_min_score) {
    auto p = Projection::Empty();
    RatingCollector rc(&p->state());
    p->set_tracer(&rc);
    if (Status st = p->Advance(ledger, projection.position()); !st.ok()) return st;
    for (const auto& [pos, r] : rc.live) {
      if (!ca.DayInPeriod(r.day) || r.subject == kNone) continue;
      const bool sa = ExactNumber(r.score) >= a.satisfied_min_score;
      const bool sb = ExactNumber(r.score) >= b.satisfied_min_score;
      if (sa != sb)
        d.records.push_back({pos, "rating " + std::to_string(r.score),
                             p->state().subjects.Name(r.subject),
                             sb ? "satisfied" : "not satisfied", sa ? "satisfied" : "not satisfied"});
    }
  }
  std::stable_sort(d.records.begin(), d.records.end(), [](const ClassChange& x, const ClassChange& y) {
    return x.subject != y.subject ? x.subject < y.subject : x.position < y.position;
  });
  return d;
}

std::string RuleDiffJson(const RuleDiff& d) {
  std::string out = "{\"period\":\"" + d.period + "\",\"rules\":";
  AppendJsonString(&out, d.new_rules);
  out += ",\"against\":";
  AppendJsonString(&out, d.old_rules);
  out += ",\"position\":" + std::to_string(d.position) + ",\"changes\":[";
  for (size_t i = 0; i < d.values.size(); ++i) {
    const ValueChange& v = d.values[i];
    if (i) out += ',';
    out += "{\"subject\":";
    AppendJsonString(&out, v.subject);
    out += ",\"indicator\":";
    AppendJsonString(&out, v.indicator);
    out += ",\"old\":" + v.old_value + ",\"new\":" + v.new_value + "}";
  }
  out += "],\"records\":[";
  for (size_t i = 0; i < d.records.size(); ++i) {
    const ClassChange& r = d.records[i];
    if (i) out += ',';
    out += "{\"position\":" + std::to_string(r.position) + ",\"record\":";
    AppendJsonString(&out, r.what);
    out += ",\"subject\":";
    AppendJsonString(&out, r.subject);
    out += ",\"old\":";
    AppendJsonString(&out, r.old_class);
    out += ",\"new\":";
    AppendJsonString(&out, r.new_class);
    out += '}';
  }
  out += "]}";
  return out;
}

std::string RuleDiffCsv(const RuleDiff& d) {
  std::string out = "subject,indicator,old,new\n";
  for (const ValueChange& v : d.values)
    out += CsvField(v.subject) + "," + v.indicator + "," + CsvField(v.old_value) + "," +
           CsvField(v.new_value) + "\n";
  return out;
}

std::string RuleDiffTable(const RuleDiff& d) {
  std::string out = "diff " + d.period + ": " + d.old_rules + " (old) -> " + d.new_rules +
                    " (new), as of position " + std::to_string(d.position) + "\n\n";
  for (const ValueChange& v : d.values)
    out += "  " + v.subject + "  " + v.indicator + ": " + v.old_value + " -> " + v.new_value + "\n";
  out += "\n" + std::to_string(d.values.size()) + " values changed; " +
         std::to_string(d.records.size()) + " records changed class\n";
  for (const ClassChange& r : d.records)
    out += "  " + std::to_string(r.position) + "  " + r.what + "  " + r.subject + ": " +
           r.old_class + " -> " + r.new_class + "\n";
  return out;
}

}  // namespace smeledger::projections
