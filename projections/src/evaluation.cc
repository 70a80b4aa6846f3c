// Evaluation of INDICATORS.md over a fold: subjects of a period, data-upload items, every
// indicator, the quarterly notice and the annual evaluation.
#include "evaluation.h"

#include <absl/container/flat_hash_set.h>

#include <algorithm>

#include "smeledger/ledger/civil_time.h"
#include "smeledger/projections/reports.h"

namespace smeledger::projections {
namespace internal {

std::vector<Stint> StintsOf(const std::vector<StintEvent>& ev) {
  std::vector<Stint> out;
  for (size_t i = 0; i < ev.size(); ++i) {
    if (!ev[i].admitted) continue;
    Stint s{ev[i].day, kNoDay, ev[i].position};
    for (size_t j = i + 1; j < ev.size(); ++j)
      if (!ev[j].admitted) {
        s.to = ev[j].day;
        break;
      }
    out.push_back(s);
  }
  return out;
}

EvalContext::EvalContext(const FoldState& s, const RuleSet& r, const WorkingDayCalendar& cal,
                         const Period& p, int32_t as_of)
    : state(s),
      rules(r),
      calendar(cal),
      period(p),
      first_day(p.first_day()),
      last_day(p.last_day()),
      as_of_day(as_of),
      first_quarter(p.year * 4 + (p.is_year() ? 0 : p.quarter - 1)),
      last_quarter(p.year * 4 + (p.is_year() ? 3 : p.quarter - 1)) {
  for (const auto& [inst, events] : s.stints) {
    auto st = StintsOf(events);
    if (!st.empty()) stints_.emplace(inst, std::move(st));
  }
  for (uint32_t c = 0; c < kCityCount; ++c) subjects_.push_back(c);
  for (const auto& [inst, st] : stints_)
    if (!IsCityId(inst) && InNetworkDuring(inst, first_day, last_day)) subjects_.push_back(inst);
  std::sort(subjects_.begin(), subjects_.end(), [&](uint32_t a, uint32_t b) {
    return s.subjects.Name(a) < s.subjects.Name(b);
  });
  for (uint32_t id = 0; id < s.activities.size(); ++id) {
    const Activity& a = s.activities[id];
    if (a.published_position == 0 || a.online || a.cancelled > 0 || !DayInPeriod(a.ends_day))
      continue;
    offline_by_owner_[a.owner].push_back(id);
  }
  for (auto& [owner, v] : offline_by_owner_)
    std::sort(v.begin(), v.end(), [&](uint32_t a, uint32_t b) {
      return s.activities[a].published_position < s.activities[b].published_position;
    });
}

bool EvalContext::IsCityId(uint32_t subject) { return subject < static_cast<uint32_t>(kCityCount); }

const std::vector<Stint>* EvalContext::StintsOfSubject(uint32_t subject) const {
  auto it = stints_.find(subject);
  return it == stints_.end() ? nullptr : &it->second;
}

bool EvalContext::InNetwork(uint32_t subject, int32_t day) const {
  return InNetworkDuring(subject, day, day);
}

bool EvalContext::InNetworkDuring(uint32_t subject, int32_t first, int32_t last) const {
  if (IsCityId(subject)) return true;
  const auto* st = StintsOfSubject(subject);
  if (!st) return false;
  for (const Stint& s : *st)
    if (s.from <= last && s.to >= first && s.from <= s.to) return true;
  return false;
}

bool EvalContext::ActivityComplete(const Activity& a, std::string* why) const {
  if (a.published_position == 0) {
    if (why) *why = "the activity.published is retracted";
    return false;
  }
  if (a.cancelled > 0) {
    if (why) *why = "the activity is cancelled";
    return false;
  }
  if (a.online) {
    if (a.signups < 1 || a.checkins < 1 || a.ratings < 1) {
      if (why) {
        *why = "online activity incomplete:";
        if (a.signups < 1) *why += " no signup";
        if (a.checkins < 1) *why += " no check-in";
        if (a.ratings < 1) *why += " no rating";
      }
      return false;
    }
    return true;
  }
  std::string missing;
  for (UploadKind k : rules.offline_upload_kinds)
    if (a.uploads[static_cast<int>(k)].empty()) missing += " " + std::string(UploadKindId(k));
  if (!missing.empty()) {
    if (why) *why = "offline activity incomplete: no upload of" + missing;
    return false;
  }
  return true;
}

namespace {

std::string MonthText(int32_t ym) {
  char b[16];
  std::snprintf(b, sizeof b, "%04d-%02d", ym / 12, ym % 12 + 1);
  return b;
}

ItemStatus Decide(bool on_time, bool complete, int32_t as_of, int32_t deadline) {
  if (on_time) return ItemStatus::kOnTime;
  if (as_of <= deadline) return ItemStatus::kPending;
  if (complete) return ItemStatus::kLate;
  return ItemStatus::kMissing;
}

}  // namespace

Status EvalContext::ItemsOf(uint32_t subject, std::vector<UploadItem>* out) const {
  const std::string& name = state.subjects.Name(subject);
  // Offline activities, in ledger order.
  if (auto it = offline_by_owner_.find(subject); it != offline_by_owner_.end()) {
    for (uint32_t id : it->second) {
      const Activity& a = state.activities[id];
      auto dl = calendar.AddWorkingDays(a.ends_day, rules.upload_working_days);
      if (!dl.ok()) return dl.status();
      const int32_t deadline = *dl;
      if (!InNetwork(subject, deadline)) continue;
      UploadItem item;
      item.subject = name;
      item.item = "activity:" + state.activity_ids.Name(id);
      item.deadline = deadline;
      item.position = a.published_position;
      bool complete = true;
      int32_t latest = INT32_MIN;
      for (UploadKind k : rules.offline_upload_kinds) {
        const Uploads& u = a.uploads[static_cast<int>(k)];
        if (u.empty()) {
          complete = false;
          continue;
        }
        latest = std::max(latest, UploadDay(u.front()));
      }
      const bool any_kind = !rules.offline_upload_kinds.empty();
      item.has_uploaded = complete && any_kind;
      item.uploaded = item.has_uploaded ? latest : 0;
      const bool published_in_time =
          a.published_s < a.starts_s || (a.published_s == a.starts_s && a.published_ns <= a.starts_ns);
      const bool uploads_in_time = complete && (!any_kind || latest <= deadline);
      item.status = Decide(published_in_time && uploads_in_time, complete, as_of_day, deadline);
      out->push_back(std::move(item));
    }
  }
  // Months of the period in which the subject was in the network.
  const int first_month = period.year * 12 + (period.is_year() ? 0 : (period.quarter - 1) * 3);
  const int months = period.is_year() ? 12 : 3;
  auto report_item = [&](uint32_t kind, int32_t key, int32_t deadline, std::string text) {
    if (!InNetwork(subject, deadline)) return;
    UploadItem item;
    item.subject = name;
    item.item = std::move(text);
    item.deadline = deadline;
    auto it = state.reports.find(ReportKey{subject, kind, key});
    const bool have = it != state.reports.end() && !it->second.empty();
    if (have) {
      item.has_uploaded = true;
      item.uploaded = UploadDay(it->second.front());
    }
    item.status = Decide(have && item.uploaded <= deadline, have, as_of_day, deadline);
    out->push_back(std::move(item));
  };
  for (int m = first_month; m < first_month + months; ++m) {
    const int y = m / 12;
    const unsigned mo = static_cast<unsigned>(m % 12 + 1);
    const int32_t mfirst = DaysFromCivil(y, mo, 1);
    const int32_t mlast = (mo == 12 ? DaysFromCivil(y + 1, 1, 1) : DaysFromCivil(y, mo + 1, 1)) - 1;
    if (!InNetworkDuring(subject, mfirst, mlast)) continue;
    const int32_t deadline = mlast + rules.monthly_due_day;  // day D of the next month
    report_item(static_cast<uint32_t>(schema::ReportKind::MONTHLY), m, deadline,
                "monthly:" + MonthText(m));
  }
  if (period.is_year() || period.quarter == 4) {
    const int32_t deadline = DaysFromCivil(period.year + 1, static_cast<unsigned>(rules.annual_due_month),
                                           static_cast<unsigned>(rules.annual_due_day));
    char b[16];
    std::snprintf(b, sizeof b, "annual:%04d", period.year);
    report_item(static_cast<uint32_t>(schema::ReportKind::ANNUAL), period.year, deadline, b);
  }
  return Status::Ok();
}

}  // namespace internal

using namespace internal;

std::string_view ItemStatusId(ItemStatus s) {
  switch (s) {
    case ItemStatus::kOnTime: return "on_time";
    case ItemStatus::kPending: return "pending";
    case ItemStatus::kLate: return "late";
    case ItemStatus::kMissing: return "missing";
  }
  return "?";
}

Result<std::vector<UploadItem>> ComputeUploadItems(const Projection& projection,
                                                   const RuleSet& rules,
                                                   const WorkingDayCalendar& calendar,
                                                   const Period& period,
                                                   std::string_view only_subject) {
  EvalContext ctx(projection.state(), rules, calendar, period, projection.as_of_day());
  std::vector<UploadItem> items;
  for (uint32_t s : ctx.subjects()) {
    if (!only_subject.empty() && projection.state().subjects.Name(s) != only_subject) continue;
    Status st = ctx.ItemsOf(s, &items);
    if (!st.ok()) return st;
  }
  return items;
}

Result<std::vector<IndicatorValues>> EvaluateIndicators(const Projection& projection,
                                                        const RuleSet& rules,
                                                        const WorkingDayCalendar& calendar,
                                                        const Period& period) {
  const FoldState& s = projection.state();
  EvalContext ctx(s, rules, calendar, period, projection.as_of_day());
  std::vector<IndicatorValues> rows(ctx.subjects().size());
  std::vector<int32_t> row_of(s.subjects.size(), -1);
  for (size_t i = 0; i < ctx.subjects().size(); ++i) {
    const uint32_t id = ctx.subjects()[i];
    row_of[id] = static_cast<int32_t>(i);
    rows[i].subject = s.subjects.Name(id);
    rows[i].group = id < static_cast<uint32_t>(kCityCount) ? Group::kCity : Group::kInstitution;
  }
  auto row = [&](uint32_t subject) -> IndicatorValues* {
    if (subject >= row_of.size() || row_of[subject] < 0) return nullptr;
    return &rows[row_of[subject]];
  };
  auto in_q = [&](int32_t q) { return q >= ctx.first_quarter && q <= ctx.last_quarter; };

  // Satisfied scores under the rule.
  bool satisfied[5];
  for (int k = 0; k < 5; ++k) satisfied[k] = ExactNumber(k + 1) >= rules.satisfied_min_score;

  for (const auto& [key, c] : s.counters) {
    const int32_t q = static_cast<int32_t>(static_cast<uint32_t>(key));
    if (!in_q(q)) continue;
    IndicatorValues* r = row(static_cast<uint32_t>(key >> 32));
    if (!r) continue;
    r->demand_matches += c.demand_matches;
    r->linkage += c.linkage;
    r->demand_collection += c.demand_collection;
    r->media += c.media;
    r->titles += c.titles;
    r->complaints += c.complaints;
    for (int k = 0; k < 5; ++k) {
      r->satisfaction.den += c.sat[k];
      if (satisfied[k]) r->satisfaction.num += c.sat[k];
    }
  }
  // Distinct enterprises: multisets per quarter; a year needs a union across its quarters.
  if (!period.is_year()) {
    for (const auto& [k, c] : s.served) {
      if (!in_q(k.q)) continue;
      if (IndicatorValues* r = row(k.a)) {
        if (c.all > 0) ++r->enterprises_served;
        if (c.public_welfare > 0) ++r->enterprises_served_public_welfare;
      }
    }
    for (const auto& [k, n] : s.registered)
      if (in_q(k.q) && n > 0)
        if (IndicatorValues* r = row(k.a)) ++r->registered_users;
  } else {
    absl::flat_hash_set<uint64_t> all, pw, reg;
    for (const auto& [k, c] : s.served) {
      if (!in_q(k.q) || !row(k.a)) continue;
      const uint64_t pair = (uint64_t{k.a} << 32) | k.b;
      if (c.all > 0 && all.insert(pair).second) ++row(k.a)->enterprises_served;
      if (c.public_welfare > 0 && pw.insert(pair).second)
        ++row(k.a)->enterprises_served_public_welfare;
    }
    for (const auto& [k, n] : s.registered) {
      if (!in_q(k.q) || n <= 0 || !row(k.a)) continue;
      if (reg.insert((uint64_t{k.a} << 32) | k.b).second) ++row(k.a)->registered_users;
    }
  }
  // resources_brought: distinct institutions admitted (live) with referred_by = S, dated in P.
  for (const auto& [inst, events] : s.stints) {
    absl::flat_hash_set<uint32_t> referrers;
    for (const StintEvent& e : events)
      if (e.admitted && e.referred_by != kNone && ctx.DayInPeriod(e.day) &&
          referrers.insert(e.referred_by).second)
        if (IndicatorValues* r = row(e.referred_by)) ++r->resources_brought;
  }
  for (const Activity& a : s.activities) {
    if (!ctx.DayInPeriod(a.ends_day)) continue;
    IndicatorValues* r = a.published_position ? row(a.owner) : nullptr;
    if (!r || !ctx.ActivityComplete(a, nullptr)) continue;
    ++r->activities;
    if (a.key) ++r->key_activities;
  }
  for (const Product& p : s.products) {
    if (p.published_position == 0 || p.published_day > ctx.last_day) continue;
    if (p.withdrawn_day <= ctx.last_day) continue;
    if (IndicatorValues* r = row(p.provider)) {
      ++r->products;
      if (p.public_welfare) ++r->products_public_welfare;
    }
  }
  if (period.is_year()) {
    for (const auto& [k, v] : s.assessments) {
      if (k.year != period.year || v.empty()) continue;
      IndicatorValues* r = row(k.subject);
      if (!r) continue;
      const Assessment* latest = &v.front();
      for (const Assessment& a : v)
        if (a.position > latest->position) latest = &a;
      Score sc{true, latest->score, latest->score_value};
      switch (static_cast<schema::AssessmentItem>(k.item)) {
        case schema::AssessmentItem::INFRASTRUCTURE: r->infrastructure = sc; break;
        case schema::AssessmentItem::SERVICE_NORMS: r->service_norms = sc; break;
        case schema::AssessmentItem::INTERNET_PLATFORM:
          if (r->group == Group::kCity) r->internet_platform = sc;
          break;
      }
    }
  }
  // data_upload: on-time items ÷ decided items.
  std::vector<UploadItem> items;
  for (size_t i = 0; i < ctx.subjects().size(); ++i) {
    items.clear();
    Status st = ctx.ItemsOf(ctx.subjects()[i], &items);
    if (!st.ok()) return st;
    for (const UploadItem& it : items) {
      if (it.status == ItemStatus::kPending) continue;
      ++rows[i].data_upload.den;
      if (it.status == ItemStatus::kOnTime) ++rows[i].data_upload.num;
    }
  }
  return rows;
}

Result<QuarterlyNotice> BuildQuarterlyNotice(const Projection& projection, const RuleSet& rules,
                                             const WorkingDayCalendar& calendar,
                                             const Period& period) {
  if (period.is_year())
    return Status::InvalidInput("a quarterly notice needs a quarter YYYY-Qn, not " +
                                period.ToString());
  auto rows = EvaluateIndicators(projection, rules, calendar, period);
  if (!rows.ok()) return rows.status();
  QuarterlyNotice n;
  n.period = period.ToString();
  n.rules = rules.id;
  n.position = projection.position();
  n.subjects = std::move(rows.value());
  n.digest = NoticeDigest(n);
  return n;
}

std::string_view GradeId(Grade g) {
  switch (g) {
    case Grade::kExcellent: return "excellent";
    case Grade::kQualified: return "qualified";
    case Grade::kUnqualified: return "unqualified";
  }
  return "?";
}

namespace {

int64_t CountValue(const IndicatorValues& v, PointsRow r) {
  switch (r) {
    case PointsRow::kDemandMatches: return v.demand_matches;
    case PointsRow::kEnterprisesServed: return v.enterprises_served;
    case PointsRow::kActivities: return v.activities;
    case PointsRow::kRegisteredUsers: return v.registered_users;
    case PointsRow::kResourcesBrought: return v.resources_brought;
    case PointsRow::kQualityResources: return v.quality_resources;
    case PointsRow::kLinkage: return v.linkage;
    case PointsRow::kDemandCollection: return v.demand_collection;
    case PointsRow::kProducts: return v.products;
    default: return 0;
  }
}

ExactNumber Min(const ExactNumber& a, const ExactNumber& b) { return a < b ? a : b; }
ExactNumber Max(const ExactNumber& a, const ExactNumber& b) { return a < b ? b : a; }

Status ScoreRow(const RuleSet& rules, AnnualRow* row) {
  const IndicatorValues& v = row->values;
  ExactNumber base = 0;
  for (int i = 0; i < kPointsRowCount; ++i) {
    const PointsRow r = static_cast<PointsRow>(i);
    const PointsRule& pr = rules.Points(v.group, r);
    ExactNumber pts = 0;
    if (!pr.applies) {
      row->points[i] = 0;
      continue;
    }
    switch (PointsRowKind(r)) {
      case RowKind::kCount: {
        const ExactNumber value(CountValue(v, r));
        pts = value >= pr.target ? pr.max : pr.max * value / pr.target;
        if (value < ExactNumber(0)) pts = 0;
        break;
      }
      case RowKind::kRate: {
        const Rate& rate = r == PointsRow::kSatisfaction ? v.satisfaction : v.data_upload;
        if (rate.defined())
          pts = pr.max * ExactNumber::Ratio(rate.num, rate.den);
        else
          pts = r == PointsRow::kSatisfaction ? ExactNumber(0) : pr.max;
        break;
      }
      case RowKind::kAssessment: {
        const projections::Score& sc = r == PointsRow::kInfrastructure  ? v.infrastructure
                                       : r == PointsRow::kServiceNorms ? v.service_norms
                                                                       : v.internet_platform;
        if (sc.present) {
          // Compare with max on the written value first: a huge score is capped exactly.
          ExactNumber s;
          if (!ExactNumber::ParseDecimal(sc.text, &s))
            pts = pr.max;  // beyond 128 bits: far above any max
          else
            pts = Min(s, pr.max);
        }
        break;
      }
    }
    row->points[i] = pts;
    base = base + pts;
  }
  row->base = base;
  const ExactNumber media = Min(rules.media.cap, rules.media.per_item * ExactNumber(v.media));
  const ExactNumber titles = Min(rules.titles.cap, rules.titles.per_item * ExactNumber(v.titles));
  row->bonus = Min(rules.bonus_cap, media + titles);
  row->deduction =
      Min(rules.complaints.cap, rules.complaints.per_item * ExactNumber(v.complaints));
  const ExactNumber total = Max(ExactNumber(0), base + row->bonus - row->deduction);
  row->total = total.RoundHalfAwayFromZero(2);
  if (row->total.overflow())
    return Status::InvalidInput("the score of " + v.subject +
                                " needs more than 128-bit arithmetic (a rule value or an "
                                "assessment score is too large)");
  return Status::Ok();
}

// Satisfaction descending, null last.
int CompareSatisfaction(const Rate& a, const Rate& b) {
  if (!a.defined() || !b.defined()) return a.defined() == b.defined() ? 0 : (a.defined() ? -1 : 1);
  const __int128 l = static_cast<__int128>(a.num) * b.den, r = static_cast<__int128>(b.num) * a.den;
  return l == r ? 0 : (l > r ? -1 : 1);
}

void RankAndGrade(const RuleSet& rules, std::vector<AnnualRow*>& group) {
  std::sort(group.begin(), group.end(), [](const AnnualRow* a, const AnnualRow* b) {
    if (int c = a->total.Compare(b->total); c != 0) return c > 0;
    if (int c = CompareSatisfaction(a->values.satisfaction, b->values.satisfaction); c != 0)
      return c < 0;
    return a->values.subject < b->values.subject;
  });
  const ExactNumber share =
      rules.excellent_top_percent * ExactNumber(static_cast<int64_t>(group.size())) / ExactNumber(100);
  const __int128 top = share.Ceil();
  for (size_t i = 0; i < group.size(); ++i) {
    AnnualRow* r = group[i];
    r->rank = static_cast<int>(i + 1);
    if (r->total >= rules.excellent_min_total && r->rank <= top)
      r->grade = Grade::kExcellent;
    else if (r->total < rules.qualified_min_total)
      r->grade = Grade::kUnqualified;
    else
      r->grade = Grade::kQualified;
  }
}

}  // namespace

Result<AnnualEvaluation> BuildAnnualEvaluation(const Projection& projection, const RuleSet& rules,
                                               const WorkingDayCalendar& calendar, int year) {
  const Period period = Period::Year(year);
  auto values = EvaluateIndicators(projection, rules, calendar, period);
  if (!values.ok()) return values.status();
  AnnualEvaluation ev;
  ev.year = year;
  ev.rules = rules.id;
  ev.position = projection.position();
  // Cities first, then institutions, each by id (EvaluateIndicators sorts by id; "city:" <
  // "inst:" in bytes, so the order already holds).
  for (IndicatorValues& v : values.value()) {
    AnnualRow r;
    r.values = std::move(v);
    ev.subjects.push_back(std::move(r));
  }
  std::vector<AnnualRow*> cities, insts;
  for (AnnualRow& r : ev.subjects) (r.values.group == Group::kCity ? cities : insts).push_back(&r);
  // Institutions are graded first: quality_resources needs their grades.
  for (AnnualRow* r : insts)
    if (Status s = ScoreRow(rules, r); !s.ok()) return s;
  RankAndGrade(rules, insts);

  const FoldState& s = projection.state();
  absl::flat_hash_set<uint32_t> quality;  // institutions excellent or demonstration platforms
  for (AnnualRow* r : insts)
    if (r->grade == Grade::kExcellent) quality.insert(s.subjects.Find(r->values.subject));
  for (const auto& [key, c] : s.counters) {
    const int32_t q = static_cast<int32_t>(static_cast<uint32_t>(key));
    if (c.demo_titles > 0 && q / 4 == year && q >= 0) quality.insert(static_cast<uint32_t>(key >> 32));
  }
  // Note: demo titles are counted per quarter; a positive quarter means a live one exists.
  const int32_t year_end = period.last_day();
  absl::flat_hash_set<uint64_t> counted;  // (city, institution)
  std::vector<int64_t> quality_of(kCityCount, 0);
  for (const auto& [inst, events] : s.stints) {
    if (!quality.contains(inst)) continue;
    for (const StintEvent& e : events)
      if (e.admitted && e.referred_by < static_cast<uint32_t>(kCityCount) && e.day <= year_end &&
          counted.insert((uint64_t{e.referred_by} << 32) | inst).second)
        ++quality_of[e.referred_by];
  }
  for (AnnualRow* r : cities) {
    r->values.quality_resources = quality_of[s.subjects.Find(r->values.subject)];
    if (Status st = ScoreRow(rules, r); !st.ok()) return st;
  }
  RankAndGrade(rules, cities);
  for (const AnnualRow& r : ev.subjects)
    (r.grade == Grade::kUnqualified ? ev.black_list : ev.white_list).push_back(r.values.subject);
  return ev;
}

}  // namespace smeledger::projections
