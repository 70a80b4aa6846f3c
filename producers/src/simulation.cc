// The valid half of the province simulation: the world, the yearly plan and the executors that
// turn intents into accepted lines. See simulation.h for the model and its invariants.
#include "simulation.h"

#include <algorithm>

namespace smeledger::producers {

using namespace internal;  // NOLINT: the internal vocabulary is this file's language

namespace {

constexpr int64_t kMinute = 60;
constexpr int64_t kHour = 3600;
constexpr int64_t kDay = 86400;
constexpr int64_t kYearSeconds = 365 * kDay;

// Intent::x flags of signups, check-ins and ratings.
constexpr uint8_t kForceCheckin = 1;
constexpr uint8_t kForceRating = 2;
constexpr uint8_t kForceRatingRetraction = 4;
constexpr uint8_t kRerate = 8;

// Intent::y flags of activity reports.
constexpr uint16_t kRetractAndReupload = 1;

// Intent::x of admissions.
constexpr uint8_t kAdmitInitial = 0;
constexpr uint8_t kAdmitMidYear = 1;
constexpr uint8_t kAdmitGhost = 2;
constexpr uint8_t kReadmit = 3;

// Intent::x flag of assessments: retract it later and score again.
constexpr uint8_t kAssessRetract = 0x80;

int CivilYear(int64_t unix_seconds) {
  int y, m, d;
  CivilFromDays(CstDay(unix_seconds), &y, &m, &d);
  return y;
}

// The unified social credit code alphabet (GB 32100-2015): digits and 21 capital letters.
constexpr char kUsccAlphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
constexpr uint32_t kUsccBodySpace = 31u * 31u * 31u * 31u * 31u;

int UsccValue(char c) {
  for (int i = 0; i < 31; ++i) {
    if (kUsccAlphabet[i] == c) return i;
  }
  return 0;
}

}  // namespace

// ------------------------------------------------------------------------------------ world

ProvinceGenerator::Simulation::Simulation(const GeneratorOptions& options)
    : options_(options),
      rng_(options.seed, 1),
      first_year_(options.year),
      last_year_(options.year + options.years - 1),
      horizon_end_(CstTime(last_year_ + 1, 1, 31, 23, 59, 59)),
      queue_(CstDay(YearStart(first_year_)), CstDay(horizon_end_)) {
  year_seq_.assign(static_cast<size_t>(options.years + 1) * 4, 0);
  state_.events.reserve(std::min<size_t>(
      static_cast<size_t>(options.institutions + 16) * 3300 * static_cast<size_t>(options.years),
      size_t{1} << 23));
  for (int c = 0; c < kCityCount; ++c) {
    Provider city;
    city.id = std::string(kCities[c].subject);
    city.city = static_cast<uint8_t>(c);
    city.is_city = true;
    city.in_network = true;
    city.vigor = static_cast<uint16_t>(800 + rng_.Below(401));
    city.satisfied = static_cast<uint16_t>(780 + rng_.Below(190));
    state_.providers.push_back(std::move(city));
  }
  state_.institutions_by_city.resize(kCityCount);
  city_institution_count_.assign(kCityCount, 0);
  BuildEnterprises();
  for (int i = 0; i < options_.institutions; ++i) {
    const int32_t p = NewInstitution(DrawCity());
    state_.providers[p].initial = true;
  }
  Schedule(YearStart(first_year_), kYearStart, 0, 0, 0, static_cast<uint16_t>(first_year_));
  if (options_.bad > 0) {
    invalid_ = std::make_unique<InvalidLineSource>(state_, options_.seed, first_year_);
    PlanSpecials();
  }
}

void ProvinceGenerator::Simulation::BuildEnterprises() {
  static constexpr const char* kDistricts[] = {"02", "03", "04", "11", "21",
                                               "22", "23", "24", "81"};
  static constexpr int kOrgWeights[8] = {3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr int kUsccWeights[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                           29, 25, 13, 8,  24, 10, 30, 28};
  const uint32_t n = static_cast<uint32_t>(options_.enterprises);
  state_.enterprises.resize(n);
  state_.enterprises_by_city.resize(kCityCount);
  enterprise_stamp_.assign(n, 0);
  // A bijection of [0, 31^5): distinct enterprises get distinct codes.
  const uint64_t offset = rng_.Below(kUsccBodySpace);
  for (uint32_t i = 0; i < n; ++i) {
    Enterprise& e = state_.enterprises[i];
    e.city = DrawCity();
    e.join_year = static_cast<uint8_t>(
        options_.years == 1
            ? 0
            : (i < static_cast<uint32_t>(options_.years) ? i : rng_.Below(options_.years)));
    char code[19];
    code[0] = '9';
    code[1] = rng_.Below(10) == 0 ? '2' : '1';  // 91 enterprise, 92 individual business
    std::copy_n(kCities[e.city].code.data(), 4, code + 2);
    const char* district = kDistricts[rng_.Below(std::size(kDistricts))];
    code[6] = district[0];
    code[7] = district[1];
    // Organisation code (GB 11714): "MA" + 6 characters + check character.
    code[8] = 'M';
    code[9] = 'A';
    uint64_t body = (static_cast<uint64_t>(i) * 7368787 + offset) % kUsccBodySpace;
    code[10] = kUsccAlphabet[1 + rng_.Below(9)];
    for (int k = 15; k >= 11; --k) {
      code[k] = kUsccAlphabet[body % 31];
      body /= 31;
    }
    int sum = 0;
    for (int k = 0; k < 8; ++k) {
      const char c = code[8 + k];
      const int v = c >= '0' && c <= '9' ? c - '0' : c - 'A' + 10;
      sum += v * kOrgWeights[k];
    }
    const int c9 = 11 - sum % 11;
    code[16] = c9 == 10 ? 'X' : (c9 == 11 ? '0' : static_cast<char>('0' + c9));
    sum = 0;
    for (int k = 0; k < 17; ++k) sum += UsccValue(code[k]) * kUsccWeights[k];
    code[17] = kUsccAlphabet[(31 - sum % 31) % 31];
    std::copy_n("ent:", 4, e.id);
    std::copy_n(code, 18, e.id + 4);
    e.id[22] = '\0';
    state_.enterprises_by_city[e.city].push_back(i);
  }
}

int32_t ProvinceGenerator::Simulation::NewInstitution(uint8_t city) {
  Provider p;
  const uint32_t number = ++city_institution_count_[city];
  p.id = "inst:";
  p.id.append(kCities[city].prefix);
  p.id.push_back('-');
  AppendPadded(&p.id, number, 4);
  p.name = std::string(kCities[city].name);
  p.name.append(kInstitutionBrands[rng_.Below(kInstitutionBrands.size())]);
  p.name.append(kInstitutionKinds[rng_.Below(kInstitutionKinds.size())]);
  p.city = city;
  // Skewed: most near the average, a fifth very active.
  p.vigor = static_cast<uint16_t>(150 + rng_.Below(701) + rng_.Below(701) +
                                  (rng_.PerMille(200) ? rng_.Below(1501) : 0));
  p.satisfied = static_cast<uint16_t>(560 + rng_.Below(421));
  state_.providers.push_back(std::move(p));
  const int32_t index = static_cast<int32_t>(state_.providers.size() - 1);
  state_.institutions_by_city[city].push_back(index);
  return index;
}

uint8_t ProvinceGenerator::Simulation::DrawCity() {
  uint64_t r = rng_.Below(1000);
  for (int c = 0; c < kCityCount; ++c) {
    if (r < kCities[c].weight) return static_cast<uint8_t>(c);
    r -= kCities[c].weight;
  }
  return 0;
}

uint32_t ProvinceGenerator::Simulation::DrawEnterprise(uint8_t city, uint32_t same_city_percent) {
  const std::vector<uint32_t>& local = state_.enterprises_by_city[city];
  if (!local.empty() && rng_.Percent(same_city_percent)) return local[rng_.Below(local.size())];
  return static_cast<uint32_t>(rng_.Below(state_.enterprises.size()));
}

int32_t ProvinceGenerator::Simulation::DrawInstitutionOfCity(uint8_t city) {
  const std::vector<int32_t>& local = state_.institutions_by_city[city];
  if (local.empty()) return kNone;
  for (int tries = 0; tries < 8; ++tries) {
    const int32_t p = local[rng_.Below(local.size())];
    if (state_.providers[p].in_network && !state_.providers[p].ghost) return p;
  }
  return kNone;
}

int32_t ProvinceGenerator::Simulation::DrawInstitution() {
  return state_.DrawInstitution(rng_);
}

// ------------------------------------------------------------------------------------ intents

// ------------------------------------------------------------------------------------ intents

void ProvinceGenerator::Simulation::Schedule(int64_t at, Op op, uint32_t a, uint32_t b, uint8_t x,
                                             uint16_t y) {
  if (at > horizon_end_) return;
  if (at < now_) at = now_;
  queue_.Push(Intent{at, 0, a, b, y, static_cast<uint8_t>(op), x});
}

// ------------------------------------------------------------------------------------ planning

int64_t ProvinceGenerator::Simulation::DrawWorkTime(int32_t from_day, int32_t to_day) {
  if (to_day < from_day) to_day = from_day;
  int32_t day = static_cast<int32_t>(rng_.Between(from_day, to_day));
  if (IsWeekend(day) && rng_.PerMille(850)) {
    const int32_t back = day - (Weekday(day) - 4);   // that week's Friday
    const int32_t ahead = day + (7 - Weekday(day));  // the next Monday
    if (ahead <= to_day && (rng_.Percent(50) || back < from_day)) {
      day = ahead;
    } else if (back >= from_day) {
      day = back;
    }
  }
  int64_t second;
  if (rng_.Percent(90)) {
    second = 8 * kHour + 30 * kMinute + static_cast<int64_t>(rng_.Below(9 * kHour + 30 * kMinute));
  } else {
    second = 18 * kHour + static_cast<int64_t>(rng_.Below(4 * kHour));
  }
  return CstMidnight(day) + second;
}

int64_t ProvinceGenerator::Simulation::DrawWorkTimeBetween(int64_t from, int64_t to) {
  if (to <= from) return from;
  const int64_t t = DrawWorkTime(CstDay(from), CstDay(to));
  return std::clamp(t, from, to);
}

bool ProvinceGenerator::Simulation::DoYearStart(int year) {
  PlanYear(year);
  if (year < last_year_) {
    Schedule(YearStart(year + 1), kYearStart, 0, 0, 0, static_cast<uint16_t>(year + 1));
  }
  return false;
}

void ProvinceGenerator::Simulation::PlanYear(int year) {
  const int64_t year_end = YearEnd(year);
  const int32_t first_day = CstDay(YearStart(year));
  auto day_of = [&](int month, int day) { return DaysFromCivil(year, month, day); };

  // Providers start working the day after the year's first working day (in the first year,
  // the day after every resident institution was admitted).
  int32_t admission_day = first_day + 1;
  while (IsWeekend(admission_day)) ++admission_day;
  const int64_t work_from = CstMidnight(admission_day + 1);
  if (year == first_year_) {
    // The network as it stands: every resident institution is admitted on the first working
    // morning of the year, in creation order (so a referral can name an earlier one).
    int64_t t = CstMidnight(admission_day) + 9 * kHour;
    const int64_t step = options_.institutions > 0 ? 8 * kHour / options_.institutions : 0;
    for (size_t p = kCityCount; p < state_.providers.size(); ++p) {
      if (!state_.providers[p].initial) continue;
      Schedule(t + static_cast<int64_t>(rng_.Below(step + 1)), kAdmit, static_cast<uint32_t>(p), 0,
               kAdmitInitial);
      t += step;
    }
  }
  for (int m = 1; m <= 12; ++m) {
    const int64_t close = m == 12 ? YearStart(year + 1) : CstTime(year, m + 1, 1);
    Schedule(close + 5 * kMinute, kMonthClose, 0, 0, static_cast<uint8_t>(m),
             static_cast<uint16_t>(year));
  }
  Schedule(CstTime(year, 12, 15), kYearClose, 0, 0, 0, static_cast<uint16_t>(year));

  // Each provider's own work for the year.
  const size_t existing = state_.providers.size();
  for (size_t p = 0; p < existing; ++p) {
    const Provider& pr = state_.providers[p];
    const bool member =
        pr.is_city || (pr.in_network && !pr.ghost) || (year == first_year_ && pr.initial);
    if (member) PlanProvider(static_cast<int32_t>(p), year, work_from, year_end);
  }

  // Growth: new institutions join during the year (at least one, early enough that the year's
  // removal finds someone even in a network that started empty).
  const uint64_t joining = std::max<uint64_t>(1, rng_.RoundedCount(options_.institutions * 40ull));
  for (uint64_t k = 0; k < joining; ++k) {
    const int32_t p = NewInstitution(DrawCity());
    const int64_t t = k == 0 ? DrawWorkTime(day_of(2, 1), day_of(5, 31))
                             : DrawWorkTime(day_of(2, 1), day_of(11, 30));
    Schedule(t, kAdmit, static_cast<uint32_t>(p), 0, kAdmitMidYear);
  }
  // One admission made by mistake (a duplicate registration) and retracted the same day.
  {
    const int32_t p = NewInstitution(DrawCity());
    state_.providers[p].ghost = true;
    Schedule(DrawWorkTime(day_of(3, 1), day_of(11, 30)), kAdmit, static_cast<uint32_t>(p), 0,
             kAdmitGhost);
  }
  // Removals by the department, mid-year (at least two); in the first year the first one is a
  // mistake that is retracted a few days later.
  const uint64_t removals = std::max<uint64_t>(2, rng_.RoundedCount(options_.institutions * 15ull));
  for (uint64_t k = 0; k < removals; ++k) {
    Schedule(DrawWorkTime(day_of(6, 1), day_of(11, 30)), kRemove, 0, 0,
             static_cast<uint8_t>(k == 0 && year == first_year_ ? 1 : 0));
  }

  // Enterprises joining this year register on the platform and/or follow the WeChat account.
  uint32_t joiners = 0;
  for (uint32_t e = 0; e < state_.enterprises.size(); ++e) {
    if (state_.enterprises[e].join_year != year - first_year_) continue;
    ++joiners;
    bool platform = rng_.PerMille(850);
    const bool wechat = rng_.PerMille(550);
    if (!platform && !wechat) platform = true;
    for (uint8_t channel = 0; channel < 2; ++channel) {
      if (channel == 0 ? !platform : !wechat) continue;
      const uint64_t r = rng_.Below(100);
      const uint16_t referral = r < 25 ? 0 : (r < 55 ? 1 : 2);  // none, city, institution
      Schedule(DrawWorkTime(first_day + 2, day_of(12, 31)), kRegister, e, 0, channel, referral);
    }
  }
  if (joiners == 0) {
    // Nobody left to join (fewer enterprises than years): correct one registration instead.
    const uint32_t e = static_cast<uint32_t>(rng_.Below(state_.enterprises.size()));
    const int32_t reg = state_.enterprises[e].reg_ev[0] != kNone ? state_.enterprises[e].reg_ev[0]
                                                                 : state_.enterprises[e].reg_ev[1];
    if (reg != kNone) {
      Schedule(DrawWorkTime(day_of(3, 1), day_of(3, 31)), kRetract, static_cast<uint32_t>(reg), 0,
               kFollowReregister);
    }
  }

  // Titles awarded by the department: a few institutions, two cities.
  for (size_t p = kCityCount; p < existing; ++p) {
    const Provider& pr = state_.providers[p];
    if (!pr.ghost && (pr.in_network || (year == first_year_ && pr.initial)) && rng_.PerMille(50)) {
      Schedule(DrawWorkTime(day_of(3, 1), day_of(12, 20)), kAwardTitle, static_cast<uint32_t>(p));
    }
  }
  for (int k = 0; k < 2; ++k) {
    Schedule(DrawWorkTime(day_of(3, 1), day_of(12, 20)), kAwardTitle,
             static_cast<uint32_t>(rng_.Below(kCityCount)));
  }
  PlanShowcase(year);
}

// Small flows on one city platform that make every event type appear every year, whatever the
// scale (a province of one institution and one enterprise still shows them all).
void ProvinceGenerator::Simulation::PlanShowcase(int year) {
  const int32_t city = (year - first_year_) % kCityCount;
  const int64_t from = CstTime(year, 3, 1);
  const int64_t to = CstTime(year, 6, 30);
  NewActivity(city, year, from, to, kOnline | kShowcase);
  NewActivity(city, year, from, to, kShowcase);
  NewActivity(city, year, from, to, kShowcase | kCancelPlanned);
  Schedule(DrawWorkTimeBetween(from, to), kPublishProduct, static_cast<uint32_t>(city), 0, 1);
  Schedule(DrawWorkTimeBetween(from, to), kFileComplaint, static_cast<uint32_t>(city), 0, 1);
  Schedule(DrawWorkTimeBetween(from, to), kDeliver, static_cast<uint32_t>(city));
  Schedule(DrawWorkTimeBetween(from, to), kCollaborate, static_cast<uint32_t>(city), 0, 5);
  Schedule(DrawWorkTimeBetween(from, to), kCollectDemands, static_cast<uint32_t>(city));
  Schedule(DrawWorkTimeBetween(from, to), kReportMedia, static_cast<uint32_t>(city));
  const uint32_t e = DrawEnterprise(static_cast<uint8_t>(city), 100);
  const uint32_t d =
      NewDemand(year, e, static_cast<uint8_t>(city), city, kDemandComplete | kDemandRate);
  Schedule(DrawWorkTimeBetween(from, to), kPublishDemand, d);
}

void ProvinceGenerator::Simulation::PlanProvider(int32_t p, int year, int64_t from, int64_t to) {
  if (to <= from) return;
  const Provider& pr = state_.providers[p];
  const uint64_t span = static_cast<uint64_t>(to - from);
  // Expected yearly counts in thousandths, for a full year.
  struct Rates {
    uint64_t activities, deliveries, demands, products, collaborations, collections, media,
        complaints;
  };
  const uint64_t v = pr.vigor;
  const Rates r =
      pr.is_city ? Rates{50 * v, 550 * v, 230 * v, 22 * v, 12 * v, 4 * v, 3 * v, 2000}
                 : Rates{13 * v, 65 * v, 15 * v, 1000 + 5 * v, 5 * v, 2 * v, 1200 * v / 1000, 400};
  auto count = [&](uint64_t yearly_milli) {
    return rng_.Jittered(yearly_milli * span / kYearSeconds, 25);
  };

  for (uint64_t n = count(r.activities); n > 0; --n) NewActivity(p, year, from, to, 0);
  for (uint64_t n = count(r.deliveries); n > 0; --n) {
    Schedule(DrawWorkTimeBetween(from, to), kDeliver, static_cast<uint32_t>(p));
  }
  for (uint64_t n = count(r.demands); n > 0; --n) {
    const uint32_t e = DrawEnterprise(pr.city, 85);
    uint8_t plan = 0;
    if (rng_.Percent(90)) plan |= kDemandComplete;
    if (rng_.Percent(85)) plan |= kDemandRate;
    if (rng_.Percent(3)) plan |= kDemandReassign;
    const int32_t planned = rng_.Percent(8) ? kNone : p;
    const uint32_t d = NewDemand(year, e, state_.enterprises[e].city, planned, plan);
    Schedule(DrawWorkTimeBetween(from, to), kPublishDemand, d);
  }
  for (uint64_t n = count(r.products); n > 0; --n) {
    Schedule(DrawWorkTimeBetween(from, to), kPublishProduct, static_cast<uint32_t>(p));
  }
  for (uint64_t n = count(r.collaborations); n > 0; --n) {
    const uint8_t kind = static_cast<uint8_t>(pr.is_city && rng_.Percent(35) ? 5 : rng_.Below(5));
    Schedule(DrawWorkTimeBetween(from, to), kCollaborate, static_cast<uint32_t>(p), 0, kind);
  }
  for (uint64_t n = count(r.collections); n > 0; --n) {
    Schedule(DrawWorkTimeBetween(from, to), kCollectDemands, static_cast<uint32_t>(p));
  }
  for (uint64_t n = count(r.media); n > 0; --n) {
    Schedule(DrawWorkTimeBetween(from, to), kReportMedia, static_cast<uint32_t>(p));
  }
  for (uint64_t n = count(r.complaints); n > 0; --n) {
    Schedule(DrawWorkTimeBetween(from, to), kFileComplaint, static_cast<uint32_t>(p));
  }
}

uint32_t ProvinceGenerator::Simulation::NewActivity(int32_t owner, int year, int64_t from,
                                                    int64_t to, uint16_t flags) {
  Activity a;
  a.owner = owner;
  a.year = static_cast<uint16_t>(year);
  a.seq = 0;
  if (!(flags & kShowcase)) {
    if (rng_.Percent(55)) flags |= kOnline;
    if (rng_.PerMille(20)) flags |= kCancelPlanned;
    if (rng_.PerMille(2)) flags |= kMistake;
  }
  const bool online = flags & kOnline;
  if (rng_.Percent(20)) flags |= kByProvince;
  if (rng_.Percent(online ? 20 : 50)) flags |= kOwnerRecords;
  const uint64_t key = rng_.Below(100);
  if (key < 15) {
    flags |= kKeyTrue;
  } else if (key < 23) {
    flags |= kKeyFalse;
  }
  const uint64_t welfare = rng_.Below(100);
  if (welfare < 20) {
    flags |= kWelfareTrue;
  } else if (welfare < 30) {
    flags |= kWelfareFalse;
  }
  a.flags = flags;

  // Starts on a working day on the half hour, 09:00-16:00.
  const int64_t start_day_time = DrawWorkTime(CstDay(from) + 3, CstDay(to));
  a.starts_at = CstMidnight(CstDay(start_day_time)) + 9 * kHour +
                static_cast<int64_t>(rng_.Below(15)) * 30 * kMinute;
  int64_t duration;
  if (online) {
    duration = rng_.Percent(80) ? (60 + 30 * static_cast<int64_t>(rng_.Below(5))) * kMinute
                                : static_cast<int64_t>(1 + rng_.Below(5)) * kDay;
  } else {
    duration =
        rng_.Percent(90) ? static_cast<int64_t>(2 + rng_.Below(7)) * kHour : kDay + 8 * kHour;
  }
  a.ends_at = a.starts_at + duration;
  // Published a few days to two months ahead; 3% only after the start (late).
  const uint64_t lead = rng_.Below(100);
  if (lead < 3 && !(flags & kShowcase)) {
    a.publish_at = a.starts_at + kHour + static_cast<int64_t>(rng_.Below(20 * kHour));
  } else {
    const int64_t days = lead < 93 ? 2 + static_cast<int64_t>(rng_.Below(29))
                                   : 31 + static_cast<int64_t>(rng_.Below(30));
    a.publish_at = a.starts_at - days * kDay - static_cast<int64_t>(rng_.Below(8 * kHour));
    if (a.publish_at < from) a.publish_at = DrawWorkTimeBetween(from, a.starts_at - kDay);
    if (a.publish_at >= a.starts_at) a.publish_at = a.starts_at - kHour;
  }
  state_.activities.push_back(a);
  const uint32_t index = static_cast<uint32_t>(state_.activities.size() - 1);
  Schedule(a.publish_at, kPublishActivity, index);
  return index;
}

uint32_t ProvinceGenerator::Simulation::NewDemand(int year, uint32_t enterprise, uint8_t city,
                                                  int32_t planned, uint8_t plan) {
  Demand d;
  d.year = static_cast<uint16_t>(year);
  d.seq = 0;
  d.enterprise = enterprise;
  d.city = city;
  d.plan = plan;
  d.planned = planned;
  state_.demands.push_back(d);
  return static_cast<uint32_t>(state_.demands.size() - 1);
}

// ------------------------------------------------------------------------------------ lines

uint32_t ProvinceGenerator::Simulation::NextSeq(int kind, uint16_t year) {
  return ++year_seq_[static_cast<size_t>(year - first_year_) * 4 + static_cast<size_t>(kind)];
}

void ProvinceGenerator::Simulation::PutActivityId(uint32_t a) {
  PutObjectId("activity", "act-", state_.activities[a].year, state_.activities[a].seq);
}
void ProvinceGenerator::Simulation::PutDemandId(uint32_t d) {
  PutObjectId("demand", "dem-", state_.demands[d].year, state_.demands[d].seq);
}
void ProvinceGenerator::Simulation::PutProductId(uint32_t p) {
  PutObjectId("product", "prd-", state_.products[p].year, state_.products[p].seq);
}
void ProvinceGenerator::Simulation::PutComplaintId(uint32_t c) {
  PutObjectId("complaint", "cmp-", state_.complaints[c].year, state_.complaints[c].seq);
}

void ProvinceGenerator::Simulation::PutObjectId(std::string_view key, std::string_view prefix,
                                                uint16_t year, uint32_t seq) {
  out_.Key(key);
  std::string& b = out_.buffer();
  b.push_back('"');
  ProvinceState::AppendObjectId(&b, prefix, year, seq);
  b.push_back('"');
}

void ProvinceGenerator::Simulation::BeginEvent(EventType type, int32_t actor) {
  out_.Open();
  out_.Key("event_id");
  std::string& b = out_.buffer();
  b.push_back('"');
  ProvinceState::AppendEventId(&b, static_cast<int32_t>(state_.events.size()));
  b.push_back('"');
  out_.Plain("type", kEventTypeNames[type]);
  out_.Time("occurred_at", now_, rng_);
  out_.Plain("actor", state_.ActorId(actor));
}

int32_t ProvinceGenerator::Simulation::CommitEvent(EventType type, int32_t actor, uint32_t object,
                                                   uint32_t sub, uint8_t aux) {
  out_.Close();
  EventRecord r;
  r.type = type;
  r.aux = aux;
  r.actor = actor;
  r.object = object;
  r.sub = sub;
  state_.events.push_back(r);
  ++accepted_by_type_[type];
  const int32_t index = static_cast<int32_t>(state_.events.size() - 1);
  if (invalid_ != nullptr) invalid_->Offer(out_.view(), index);
  return index;
}

void ProvinceGenerator::Simulation::PutActivityTitle(int32_t owner) {
  std::string title;
  const std::string_view topic = kActivityTopics[rng_.Below(kActivityTopics.size())];
  const uint64_t form = rng_.Below(10);
  if (form < 4 && static_cast<unsigned char>(topic[0]) >= 0x80) {
    title.append(kCities[state_.providers[owner].city].name);
    title.append(topic);
  } else if (form < 7) {
    title.append(topic);
    title.append("（第");
    AppendInt(&title, static_cast<int64_t>(1 + rng_.Below(12)));
    title.append("期）");
  } else {
    title.append(topic);
  }
  out_.Str("title", title);
}

void ProvinceGenerator::Simulation::PutScoreHundredths(std::string_view key, uint32_t hundredths,
                                                       bool long_form) {
  out_.Key(key);
  std::string& b = out_.buffer();
  AppendInt(&b, hundredths / 100);
  const uint32_t frac = hundredths % 100;
  if (frac == 0) {
    if (long_form) b.append(".0");
  } else {
    b.push_back('.');
    b.push_back(static_cast<char>('0' + frac / 10));
    if (frac % 10 != 0) b.push_back(static_cast<char>('0' + frac % 10));
  }
}

uint32_t ProvinceGenerator::Simulation::DrawScore(int32_t provider) {
  if (rng_.PerMille(state_.providers[provider].satisfied)) return rng_.Percent(60) ? 5 : 4;
  const uint64_t r = rng_.Below(100);
  return r < 15 ? 1 : (r < 45 ? 2 : 3);
}

// ------------------------------------------------------------------------------------ executors

bool ProvinceGenerator::Simulation::Execute(const Intent& in) {
  switch (static_cast<Op>(in.op)) {
    case kYearStart:
      return DoYearStart(in.y);
    case kMonthClose:
      return DoMonthClose(in.y, in.x);
    case kYearClose:
      return DoYearClose(in.y);
    case kAdmit:
      return DoAdmit(in);
    case kRemove:
      return DoRemove(in);
    case kRegister:
      return DoRegister(in);
    case kPublishActivity:
      return DoPublishActivity(in);
    case kCancelActivity:
      return DoCancelActivity(in);
    case kSignup:
      return DoSignup(in);
    case kCheckin:
      return DoCheckin(in);
    case kRate:
      return DoRate(in);
    case kActivityReport:
      return DoActivityReport(in);
    case kMonthlyReport:
      return DoPeriodReport(in, false);
    case kAnnualReport:
      return DoPeriodReport(in, true);
    case kDeliver:
      return DoDeliver(in);
    case kPublishDemand:
      return DoPublishDemand(in);
    case kAcceptDemand:
      return DoAcceptDemand(in);
    case kCompleteDemand:
      return DoCompleteDemand(in);
    case kRateDemand:
      return DoRateDemand(in);
    case kPublishProduct:
      return DoPublishProduct(in);
    case kWithdrawProduct:
      return DoWithdrawProduct(in);
    case kCollaborate:
      return DoCollaborate(in);
    case kCollectDemands:
      return DoCollectDemands(in);
    case kReportMedia:
      return DoReportMedia(in);
    case kAwardTitle:
      return DoAwardTitle(in);
    case kFileComplaint:
      return DoFileComplaint(in);
    case kResolveComplaint:
      return DoResolveComplaint(in);
    case kAssess:
      return DoAssess(in);
    case kRetract:
      return DoRetract(in);
  }
  return false;
}

bool ProvinceGenerator::Simulation::DoMonthClose(int year, int month) {
  // Every provider in the network on some day of the month owes its monthly report by the
  // 10th of the next month: most are on time, some late, some never come.
  const int64_t month_start = CstTime(year, month, 1);
  const int next_year = month == 12 ? year + 1 : year;
  const int next_month = month == 12 ? 1 : month + 1;
  for (size_t p = 0; p < state_.providers.size(); ++p) {
    const Provider& pr = state_.providers[p];
    if (pr.ghost || !(pr.in_network || pr.left_at >= month_start)) continue;
    const uint64_t r = rng_.Below(1000);
    if (r >= 950) continue;
    const int first = r < 880 ? 1 : 11;
    const int last = r < 880 ? 10 : 25;
    Schedule(DrawWorkTime(DaysFromCivil(next_year, next_month, first),
                          DaysFromCivil(next_year, next_month, last)),
             kMonthlyReport, static_cast<uint32_t>(p), 0, static_cast<uint8_t>(month),
             static_cast<uint16_t>(year));
  }
  return false;
}

bool ProvinceGenerator::Simulation::DoYearClose(int year) {
  // In the second half of December the department scores every provider in the network (the
  // year-end assessment); annual reports are due by 10 January.
  const int64_t year_start = YearStart(year);
  const int next = year + 1;
  static constexpr uint32_t kScores[] = {300, 350, 375, 400, 425, 450, 475, 500};
  static constexpr uint32_t kScoreWeights[] = {10, 15, 4, 25, 5, 25, 5, 11};
  bool retraction_planned = false;
  for (size_t p = 0; p < state_.providers.size(); ++p) {
    const Provider& pr = state_.providers[p];
    if (pr.ghost || !(pr.in_network || pr.left_at >= year_start)) continue;
    const uint64_t r = rng_.Below(1000);
    if (r < 950) {
      const int first = r < 850 ? 2 : 11;
      const int last = r < 850 ? 10 : 28;
      Schedule(DrawWorkTime(DaysFromCivil(next, 1, first), DaysFromCivil(next, 1, last)),
               kAnnualReport, static_cast<uint32_t>(p), 0, 0, static_cast<uint16_t>(year));
    }
    if (!pr.in_network) continue;
    const int items = pr.is_city ? 3 : 2;
    for (int item = 0; item < items; ++item) {
      const uint32_t score = kScores[rng_.Weighted(kScoreWeights)];
      uint8_t x = static_cast<uint8_t>(item);
      if (pr.is_city && item == 2 && !retraction_planned) {
        x |= kAssessRetract;
        retraction_planned = true;
      }
      Schedule(DrawWorkTime(DaysFromCivil(year, 12, 16), DaysFromCivil(year, 12, 26)), kAssess,
               static_cast<uint32_t>(p), score, x, static_cast<uint16_t>(year));
      if (rng_.PerMille(30)) {  // scored again later: the later score replaces the earlier
        const uint32_t again = kScores[rng_.Weighted(kScoreWeights)];
        Schedule(DrawWorkTime(DaysFromCivil(year, 12, 27), DaysFromCivil(year, 12, 31)), kAssess,
                 static_cast<uint32_t>(p), again, static_cast<uint8_t>(item),
                 static_cast<uint16_t>(year));
      }
    }
  }
  return false;
}

bool ProvinceGenerator::Simulation::DoAdmit(const Intent& in) {
  const int32_t p = static_cast<int32_t>(in.a);
  Provider& pr = state_.providers[p];
  if (pr.in_network) return false;
  const int32_t actor = rng_.Percent(50) ? kProvinceActor : static_cast<int32_t>(pr.city);
  int32_t referrer = kNone;
  const uint64_t r = rng_.Below(100);
  if (r < 45) {
    referrer = rng_.Percent(85) ? pr.city : static_cast<int32_t>(rng_.Below(kCityCount));
  } else if (r < 65) {
    referrer = DrawInstitution();  // already in the network, so never p itself
  }
  BeginEvent(kInstitutionAdmitted, actor);
  out_.Plain("institution", pr.id);
  out_.Plain("city", kCities[pr.city].subject);
  out_.Str("name", pr.name);
  if (referrer != kNone) out_.Plain("referred_by", state_.providers[referrer].id);
  const int32_t ev = CommitEvent(kInstitutionAdmitted, actor, static_cast<uint32_t>(p));
  pr.in_network = true;
  pr.stints.push_back(Stint{ev, kNone});
  if (in.x == kAdmitMidYear || in.x == kReadmit) {
    const int year = CivilYear(now_);
    if (year <= last_year_) PlanProvider(p, year, now_ + kDay, YearEnd(year));
  } else if (in.x == kAdmitGhost) {
    Schedule(now_ + 30 * kMinute + static_cast<int64_t>(rng_.Below(3 * kHour)), kRetract,
             static_cast<uint32_t>(ev));
  }
  return true;
}

bool ProvinceGenerator::Simulation::DoRemove(const Intent& in) {
  const int32_t p = DrawInstitution();
  if (p == kNone) return false;
  Provider& pr = state_.providers[p];
  BeginEvent(kInstitutionRemoved, kDeptActor);
  out_.Plain("institution", pr.id);
  out_.Str("reason", kRemovalReasons[rng_.Below(kRemovalReasons.size())]);
  const int32_t ev = CommitEvent(kInstitutionRemoved, kDeptActor, static_cast<uint32_t>(p));
  pr.in_network = false;
  pr.stints.back().remove_ev = ev;
  pr.left_at = now_;
  if (in.x == 1) {
    Schedule(now_ + static_cast<int64_t>(1 + rng_.Below(5)) * kDay, kRetract,
             static_cast<uint32_t>(ev));
  } else if (rng_.Percent(30)) {
    Schedule(DrawWorkTimeBetween(now_ + 60 * kDay, now_ + 150 * kDay), kAdmit,
             static_cast<uint32_t>(p), 0, kReadmit);
  }
  return true;
}

bool ProvinceGenerator::Simulation::DoRegister(const Intent& in) {
  Enterprise& e = state_.enterprises[in.a];
  const uint8_t channel = in.x;
  if (e.reg_ev[channel] != kNone) return false;
  int32_t referrer = kNone;
  if (in.y == 1) {
    referrer = rng_.Percent(85) ? e.city : static_cast<int32_t>(rng_.Below(kCityCount));
  } else if (in.y == 2) {
    // The more active of a few institutions of the city brought it in.
    for (int k = 0; k < 3; ++k) {
      const int32_t candidate = DrawInstitutionOfCity(e.city);
      if (candidate != kNone && (referrer == kNone || state_.providers[candidate].vigor >
                                                          state_.providers[referrer].vigor)) {
        referrer = candidate;
      }
    }
    if (referrer == kNone) referrer = e.city;
  }
  BeginEvent(kEnterpriseRegistered, kProvinceActor);
  out_.Plain("enterprise", e.subject());
  out_.Plain("channel", channel == 0 ? "platform" : "wechat");
  if (referrer != kNone) out_.Plain("referred_by", state_.providers[referrer].id);
  const int32_t ev = CommitEvent(kEnterpriseRegistered, kProvinceActor, in.a, 0, channel);
  e.reg_ev[channel] = ev;
  if (rng_.PerMille(3)) {
    Schedule(now_ + static_cast<int64_t>(1 + rng_.Below(10)) * kDay, kRetract,
             static_cast<uint32_t>(ev), 0, kFollowReregister);
  }
  return true;
}

bool ProvinceGenerator::Simulation::DoPublishActivity(const Intent& in) {
  const uint32_t ai = in.a;
  Activity& a = state_.activities[ai];
  if (!state_.InNetwork(a.owner)) return false;
  const int32_t actor = (a.flags & kByProvince) ? kProvinceActor : a.owner;
  const bool online = a.flags & kOnline;
  a.year = static_cast<uint16_t>(CivilYear(now_));
  a.seq = NextSeq(0, a.year);
  BeginEvent(kActivityPublished, actor);
  PutActivityId(ai);
  out_.Plain("owner", state_.providers[a.owner].id);
  out_.Plain("mode", online ? "online" : "offline");
  PutActivityTitle(a.owner);
  out_.Time("starts_at", a.starts_at, rng_);
  out_.Time("ends_at", a.ends_at, rng_);
  if (a.flags & (kKeyTrue | kKeyFalse)) out_.Bool("key", a.flags & kKeyTrue);
  if (a.flags & (kWelfareTrue | kWelfareFalse)) out_.Bool("public_welfare", a.flags & kWelfareTrue);
  const int32_t ev = CommitEvent(kActivityPublished, actor, ai);
  a.publish_ev = ev;
  if (a.flags & kMistake) {
    Schedule(now_ + 10 * kMinute + static_cast<int64_t>(rng_.Below(80 * kMinute)), kRetract,
             static_cast<uint32_t>(ev));
    return true;
  }

  // Who signs up: mostly enterprises of the owner's city, each at most once.
  const bool showcase = a.flags & kShowcase;
  // Webinars draw more enterprises than rooms hold.
  uint64_t n =
      online ? 10 + rng_.Below(101) + rng_.Below(101) : 5 + rng_.Below(46) + rng_.Below(46);
  if (showcase) n = 3;
  const uint64_t cap = std::max<uint64_t>(1, state_.enterprises.size() / 2);
  n = std::min<uint64_t>({n, cap, state_.enterprises.size()});
  int64_t sign_from = now_ + 5 * kMinute;
  int64_t sign_to = a.starts_at - 10 * kMinute;
  if (sign_to < sign_from + kHour) sign_to = sign_from + kHour;
  a.first_slot = static_cast<uint32_t>(state_.slots.size());
  const uint32_t stamp = ai + 1;
  const uint8_t city = state_.providers[a.owner].city;
  for (uint64_t k = 0; k < n; ++k) {
    uint32_t e = 0;
    bool found = false;
    for (int tries = 0; tries < 24 && !found; ++tries) {
      e = DrawEnterprise(city, 70);
      found = enterprise_stamp_[e] != stamp;
    }
    if (!found) break;
    enterprise_stamp_[e] = stamp;
    state_.slots.push_back(Slot{e});
    uint8_t x = 0;
    if (showcase) x = kForceCheckin | kForceRating | (k == 0 ? kForceRatingRetraction : 0);
    // Enterprises sign up around the clock, but mostly by day.
    int64_t t = rng_.Between(sign_from, sign_to);
    const int64_t second_of_day = t - CstMidnight(CstDay(t));
    if (second_of_day < 7 * kHour && t + 8 * kHour < sign_to && rng_.Percent(85)) t += 8 * kHour;
    Schedule(t, kSignup, ai, static_cast<uint32_t>(state_.slots.size() - 1), x);
  }
  a.slot_count = static_cast<uint32_t>(state_.slots.size()) - a.first_slot;
  if (a.flags & kCancelPlanned) {
    // Mostly called off before the start; some stopped while running, a few revoked afterwards
    // (ratings given before a cancellation still count).
    const uint64_t when = showcase ? 0 : rng_.Below(100);
    int64_t t;
    if (when < 75) {
      t = rng_.Between(now_ + kHour, std::max(now_ + 2 * kHour, a.starts_at - kHour));
    } else if (when < 90) {
      t = rng_.Between(a.starts_at + 30 * kMinute, std::max(a.starts_at + kHour, a.ends_at));
    } else {
      t = a.ends_at + static_cast<int64_t>(1 + rng_.Below(10)) * kDay;
    }
    Schedule(std::max(t, now_ + kHour), kCancelActivity, ai);
  }
  if (!online) {
    // The 5-working-day rule: attendee list, photos and summary. Most are on time, some
    // late, some incomplete, a few never uploaded.
    const int32_t end_day = CstDay(a.ends_at);
    const uint64_t pattern = showcase ? 0 : rng_.Below(1000);
    const int late_kind = static_cast<int>(rng_.Below(4));  // 3: all three late
    const int missing_kind = static_cast<int>(rng_.Below(3));
    for (int kind = 0; kind < 3; ++kind) {
      if (pattern >= 970) break;                             // nothing uploaded
      if (pattern >= 920 && kind == missing_kind) continue;  // one kind missing
      const bool late = pattern >= 850 && pattern < 920 && (late_kind == 3 || late_kind == kind);
      const int32_t day = late ? end_day + 8 + static_cast<int32_t>(rng_.Below(18))
                               : AddWeekdays(end_day, static_cast<int>(rng_.Below(4)));
      int64_t t = CstMidnight(day) + 9 * kHour + static_cast<int64_t>(rng_.Below(9 * kHour));
      t = std::max(t, a.ends_at + 20 * kMinute + static_cast<int64_t>(rng_.Below(kHour)));
      const uint16_t y = !showcase && rng_.PerMille(10) ? kRetractAndReupload : 0;
      Schedule(t, kActivityReport, ai, 0, static_cast<uint8_t>(kind), y);
      if (!showcase && rng_.PerMille(30)) {  // uploaded again later; the earliest counts
        Schedule(t + static_cast<int64_t>(1 + rng_.Below(10)) * kDay, kActivityReport, ai, 0,
                 static_cast<uint8_t>(kind));
      }
    }
  }
  return true;
}

bool ProvinceGenerator::Simulation::DoCancelActivity(const Intent& in) {
  Activity& a = state_.activities[in.a];
  if (!ProvinceState::Published(a) || a.cancel_ev != kNone) return false;
  const int32_t actor =
      !(a.flags & kByProvince) && state_.InNetwork(a.owner) ? a.owner : kProvinceActor;
  BeginEvent(kActivityCancelled, actor);
  PutActivityId(in.a);
  out_.Str("reason", kCancelReasons[rng_.Below(kCancelReasons.size())]);
  const int32_t ev = CommitEvent(kActivityCancelled, actor, in.a);
  a.cancel_ev = ev;
  if (!(a.flags & kShowcase) && rng_.Percent(5)) {  // reinstated: the cancellation is retracted
    Schedule(now_ + 2 * kHour + static_cast<int64_t>(rng_.Below(2 * kDay)), kRetract,
             static_cast<uint32_t>(ev));
  }
  return true;
}

bool ProvinceGenerator::Simulation::DoSignup(const Intent& in) {
  Activity& a = state_.activities[in.a];
  Slot& s = state_.slots[in.b];
  if (!ProvinceState::Published(a) || a.cancel_ev != kNone || s.signup_ev != kNone) return false;
  const int32_t actor =
      (a.flags & kOwnerRecords) && state_.InNetwork(a.owner) ? a.owner : kProvinceActor;
  BeginEvent(kActivitySignup, actor);
  PutActivityId(in.a);
  out_.Plain("enterprise", state_.enterprises[s.enterprise].subject());
  const int32_t ev = CommitEvent(kActivitySignup, actor, in.a, in.b);
  s.signup_ev = ev;
  ++a.live_signups;
  const bool online = a.flags & kOnline;
  if ((in.x & kForceCheckin) || rng_.Percent(online ? 70 : 80)) {
    int64_t t;
    if (a.ends_at - a.starts_at > 8 * kHour) {
      t = rng_.Between(a.starts_at, a.ends_at - kHour);
    } else {
      t = rng_.Between(a.starts_at - 30 * kMinute, std::min(a.ends_at, a.starts_at + 2 * kHour));
    }
    Schedule(std::max(t, now_ + kMinute), kCheckin, in.a, in.b, in.x);
  } else if (rng_.PerMille(25) && a.starts_at - now_ > 3 * kHour) {
    // The enterprise withdraws before the start: its signup is retracted.
    Schedule(rng_.Between(now_ + kHour, a.starts_at - kHour), kRetract, static_cast<uint32_t>(ev));
  }
  return true;
}

bool ProvinceGenerator::Simulation::DoCheckin(const Intent& in) {
  Activity& a = state_.activities[in.a];
  Slot& s = state_.slots[in.b];
  if (!ProvinceState::Published(a) || a.cancel_ev != kNone || s.signup_ev == kNone ||
      s.checkin_ev != kNone) {
    return false;
  }
  const int32_t actor =
      (a.flags & kOwnerRecords) && state_.InNetwork(a.owner) ? a.owner : kProvinceActor;
  BeginEvent(kActivityCheckin, actor);
  PutActivityId(in.a);
  out_.Plain("enterprise", state_.enterprises[s.enterprise].subject());
  s.checkin_ev = CommitEvent(kActivityCheckin, actor, in.a, in.b);
  const bool online = a.flags & kOnline;
  if ((in.x & kForceRating) || rng_.Percent(online ? 80 : 40)) {
    const int64_t t =
        std::max(a.ends_at, now_) + 10 * kMinute + static_cast<int64_t>(rng_.Below(3 * kDay));
    Schedule(t, kRate, in.a, in.b, in.x);
  }
  return true;
}

bool ProvinceGenerator::Simulation::DoRate(const Intent& in) {
  Activity& a = state_.activities[in.a];
  Slot& s = state_.slots[in.b];
  if (!ProvinceState::Published(a) || a.cancel_ev != kNone || s.checkin_ev == kNone ||
      s.rating_ev != kNone) {
    return false;
  }
  BeginEvent(kActivityRated, kProvinceActor);
  PutActivityId(in.a);
  out_.Plain("enterprise", state_.enterprises[s.enterprise].subject());
  out_.Int("score", DrawScore(a.owner));
  const int32_t ev = CommitEvent(kActivityRated, kProvinceActor, in.a, in.b);
  s.rating_ev = ev;
  if ((in.x & kForceRatingRetraction) || (!(in.x & kRerate) && rng_.PerMille(4))) {
    // A rating entered wrongly: retracted, then the enterprise rates again.
    Schedule(now_ + kHour + static_cast<int64_t>(rng_.Below(2 * kDay)), kRetract,
             static_cast<uint32_t>(ev), 0, kFollowRerate);
  }
  return true;
}

bool ProvinceGenerator::Simulation::DoActivityReport(const Intent& in) {
  Activity& a = state_.activities[in.a];
  if (!ProvinceState::Published(a) || a.cancel_ev != kNone || (a.flags & kOnline) ||
      !state_.InNetwork(a.owner)) {
    return false;
  }
  BeginEvent(kReportUploaded, a.owner);
  out_.Plain("provider", state_.providers[a.owner].id);
  out_.Plain("kind", kReportKindNames[in.x]);
  PutActivityId(in.a);
  out_.Hex64("sha256", rng_);
  static constexpr int64_t kMin[3] = {20000, 800000, 12000};
  static constexpr int64_t kMax[3] = {400000, 30000000, 250000};
  out_.Int("bytes", rng_.Between(kMin[in.x], kMax[in.x]));
  const int32_t ev = CommitEvent(kReportUploaded, a.owner, in.a, 0, in.x);
  ++a.live_reports;
  if (in.y & kRetractAndReupload) {
    Schedule(now_ + kHour + static_cast<int64_t>(rng_.Below(3 * kHour)), kRetract,
             static_cast<uint32_t>(ev), 0, kFollowReupload);
  }
  return true;
}

bool ProvinceGenerator::Simulation::DoPeriodReport(const Intent& in, bool annual) {
  const int32_t p = static_cast<int32_t>(in.a);
  if (!state_.InNetwork(p)) return false;
  BeginEvent(kReportUploaded, p);
  out_.Plain("provider", state_.providers[p].id);
  out_.Plain("kind", annual ? "annual" : "monthly");
  out_.Key("period");
  std::string& b = out_.buffer();
  b.push_back('"');
  AppendPadded(&b, in.y, 4);
  if (!annual) {
    b.push_back('-');
    AppendPadded(&b, in.x, 2);
  }
  b.push_back('"');
  out_.Hex64("sha256", rng_);
  out_.Int("bytes", annual ? rng_.Between(200000, 8000000) : rng_.Between(30000, 600000));
  CommitEvent(kReportUploaded, p, static_cast<uint32_t>(p), in.y, annual ? kAnnual : kMonthly);
  return true;
}

bool ProvinceGenerator::Simulation::DoDeliver(const Intent& in) {
  const int32_t p = static_cast<int32_t>(in.a);
  if (!state_.InNetwork(p)) return false;
  const uint32_t e = DrawEnterprise(state_.providers[p].city, 80);
  int32_t day = CstDay(now_);
  if (rng_.Percent(30)) day -= static_cast<int32_t>(1 + rng_.Below(3));  // entered afterwards
  BeginEvent(kServiceDelivered, p);
  out_.Plain("provider", state_.providers[p].id);
  out_.Plain("enterprise", state_.enterprises[e].subject());
  out_.Date("date", day);
  const uint64_t welfare = rng_.Below(100);
  if (welfare < 30) {
    out_.Bool("public_welfare", true);
  } else if (welfare < 40) {
    out_.Bool("public_welfare", false);
  }
  const int32_t ev = CommitEvent(kServiceDelivered, p, static_cast<uint32_t>(p), e);
  if (rng_.PerMille(3)) {  // entered twice by mistake
    Schedule(now_ + kHour + static_cast<int64_t>(rng_.Below(3 * kDay)), kRetract,
             static_cast<uint32_t>(ev));
  }
  return true;
}

bool ProvinceGenerator::Simulation::DoPublishDemand(const Intent& in) {
  Demand& d = state_.demands[in.a];
  d.year = static_cast<uint16_t>(CivilYear(now_));
  d.seq = NextSeq(1, d.year);
  BeginEvent(kDemandPublished, kProvinceActor);
  PutDemandId(in.a);
  out_.Plain("enterprise", state_.enterprises[d.enterprise].subject());
  out_.Plain("city", kCities[d.city].subject);
  out_.Str("title", kDemandTopics[rng_.Below(kDemandTopics.size())]);
  d.publish_ev = CommitEvent(kDemandPublished, kProvinceActor, in.a);
  if (d.planned == kNone) return true;
  int32_t first = d.planned;
  uint8_t reassign = 0;
  if (d.plan & kDemandReassign) {
    // Taken first by someone else, who hands it over (the acceptance is retracted).
    const int32_t other = state_.providers[d.planned].is_city ? DrawInstitutionOfCity(d.city)
                                                              : static_cast<int32_t>(d.city);
    if (other != kNone && other != d.planned) {
      first = other;
      reassign = 1;
    }
  }
  Schedule(now_ + 2 * kHour + static_cast<int64_t>(rng_.Below(5 * kDay)), kAcceptDemand, in.a,
           static_cast<uint32_t>(first), reassign);
  return true;
}

bool ProvinceGenerator::Simulation::DoAcceptDemand(const Intent& in) {
  Demand& d = state_.demands[in.a];
  if (d.retracted || d.accept_ev != kNone) return false;
  int32_t p = static_cast<int32_t>(in.b);
  if (!state_.InNetwork(p)) p = d.city;  // the city platform steps in
  BeginEvent(kDemandAccepted, p);
  PutDemandId(in.a);
  out_.Plain("provider", state_.providers[p].id);
  const int32_t ev = CommitEvent(kDemandAccepted, p, in.a);
  d.accept_ev = ev;
  d.acceptor = p;
  if (in.x == 1) {
    Schedule(now_ + kHour + static_cast<int64_t>(rng_.Below(2 * kDay)), kRetract,
             static_cast<uint32_t>(ev), 0, kFollowReaccept);
  } else if (d.plan & kDemandComplete) {
    Schedule(DrawWorkTimeBetween(now_ + 3 * kDay, now_ + 40 * kDay), kCompleteDemand, in.a);
  }
  return true;
}

bool ProvinceGenerator::Simulation::DoCompleteDemand(const Intent& in) {
  Demand& d = state_.demands[in.a];
  if (d.retracted || !state_.Live(d.accept_ev) || d.complete_ev != kNone ||
      !state_.InNetwork(d.acceptor)) {
    return false;
  }
  BeginEvent(kDemandCompleted, d.acceptor);
  PutDemandId(in.a);
  out_.Plain("provider", state_.providers[d.acceptor].id);
  d.complete_ev = CommitEvent(kDemandCompleted, d.acceptor, in.a);
  if (d.plan & kDemandRate) {
    Schedule(now_ + kHour + static_cast<int64_t>(rng_.Below(10 * kDay)), kRateDemand, in.a);
  }
  return true;
}

bool ProvinceGenerator::Simulation::DoRateDemand(const Intent& in) {
  Demand& d = state_.demands[in.a];
  if (d.retracted || !state_.Live(d.complete_ev) || d.rate_ev != kNone) return false;
  BeginEvent(kDemandRated, kProvinceActor);
  PutDemandId(in.a);
  out_.Plain("enterprise", state_.enterprises[d.enterprise].subject());
  out_.Int("score", DrawScore(d.acceptor));
  d.rate_ev = CommitEvent(kDemandRated, kProvinceActor, in.a);
  return true;
}

bool ProvinceGenerator::Simulation::DoPublishProduct(const Intent& in) {
  const int32_t p = static_cast<int32_t>(in.a);
  if (!state_.InNetwork(p)) return false;
  Product pr;
  pr.year = static_cast<uint16_t>(CivilYear(now_));
  pr.seq = NextSeq(2, pr.year);
  pr.provider = p;
  state_.products.push_back(pr);
  const uint32_t index = static_cast<uint32_t>(state_.products.size() - 1);
  BeginEvent(kProductPublished, p);
  PutProductId(index);
  out_.Plain("provider", state_.providers[p].id);
  out_.Str("title", kProductTopics[rng_.Below(kProductTopics.size())]);
  const uint64_t welfare = rng_.Below(100);
  if (welfare < 40) {
    out_.Bool("public_welfare", true);
  } else if (welfare < 50) {
    out_.Bool("public_welfare", false);
  }
  state_.products[index].publish_ev = CommitEvent(kProductPublished, p, index);
  if (in.x == 1 || rng_.Percent(12)) {
    Schedule(DrawWorkTimeBetween(now_ + 20 * kDay, now_ + 200 * kDay), kWithdrawProduct, index);
  }
  return true;
}

bool ProvinceGenerator::Simulation::DoWithdrawProduct(const Intent& in) {
  Product& pr = state_.products[in.a];
  if (pr.retracted || !state_.Live(pr.publish_ev) || pr.withdraw_ev != kNone) return false;
  const int32_t actor =
      state_.InNetwork(pr.provider) && rng_.Percent(70) ? pr.provider : kProvinceActor;
  BeginEvent(kProductWithdrawn, actor);
  PutProductId(in.a);
  const int32_t ev = CommitEvent(kProductWithdrawn, actor, in.a);
  pr.withdraw_ev = ev;
  if (rng_.Percent(5)) {  // back in service: the withdrawal is retracted
    Schedule(now_ + static_cast<int64_t>(1 + rng_.Below(20)) * kDay, kRetract,
             static_cast<uint32_t>(ev));
  }
  return true;
}

bool ProvinceGenerator::Simulation::DoCollaborate(const Intent& in) {
  const int32_t p = static_cast<int32_t>(in.a);
  if (!state_.InNetwork(p)) return false;
  BeginEvent(kCollaborationRecorded, kProvinceActor);
  out_.Plain("provider", state_.providers[p].id);
  out_.Plain("kind", kCollaborationKinds[in.x]);
  CommitEvent(kCollaborationRecorded, kProvinceActor, static_cast<uint32_t>(p));
  return true;
}

bool ProvinceGenerator::Simulation::DoCollectDemands(const Intent& in) {
  const int32_t p = static_cast<int32_t>(in.a);
  if (!state_.InNetwork(p)) return false;
  BeginEvent(kDemandCollectionCompleted, kProvinceActor);
  out_.Plain("provider", state_.providers[p].id);
  std::string campaign;
  AppendPadded(&campaign, static_cast<uint64_t>(CivilYear(now_)), 4);
  campaign.append("年");
  campaign.append(kCampaigns[rng_.Below(kCampaigns.size())]);
  out_.Str("campaign", campaign);
  CommitEvent(kDemandCollectionCompleted, kProvinceActor, static_cast<uint32_t>(p));
  return true;
}

bool ProvinceGenerator::Simulation::DoReportMedia(const Intent& in) {
  const int32_t p = static_cast<int32_t>(in.a);
  if (!state_.InNetwork(p)) return false;
  static constexpr uint32_t kLevelWeights[3] = {55, 35, 10};
  const int level = rng_.Weighted(kLevelWeights);
  BeginEvent(kMediaReported, kProvinceActor);
  out_.Plain("provider", state_.providers[p].id);
  out_.Plain("level", kMediaLevels[level]);
  out_.Str("outlet", kOutlets[level][rng_.Below(kOutlets[level].size())]);
  out_.Str("title", kMediaHeadlines[rng_.Below(kMediaHeadlines.size())]);
  const int32_t ev = CommitEvent(kMediaReported, kProvinceActor, static_cast<uint32_t>(p));
  if (rng_.Percent(2)) {
    Schedule(now_ + static_cast<int64_t>(1 + rng_.Below(10)) * kDay, kRetract,
             static_cast<uint32_t>(ev));
  }
  return true;
}

bool ProvinceGenerator::Simulation::DoAwardTitle(const Intent& in) {
  const int32_t p = static_cast<int32_t>(in.a);
  if (!state_.InNetwork(p)) return false;
  const TitleInfo& title = kTitles[rng_.Below(kTitles.size())];
  BeginEvent(kTitleAwarded, kDeptActor);
  out_.Plain("holder", state_.providers[p].id);
  out_.Str("title", title.title);
  out_.Plain("level", kMediaLevels[title.level]);
  if (title.demonstration) {
    out_.Bool("demonstration_platform", true);
  } else if (rng_.Percent(50)) {
    out_.Bool("demonstration_platform", false);
  }
  CommitEvent(kTitleAwarded, kDeptActor, static_cast<uint32_t>(p));
  return true;
}

bool ProvinceGenerator::Simulation::DoFileComplaint(const Intent& in) {
  const int32_t p = static_cast<int32_t>(in.a);
  if (!state_.InNetwork(p)) return false;
  Complaint c;
  c.year = static_cast<uint16_t>(CivilYear(now_));
  c.seq = NextSeq(3, c.year);
  c.provider = p;
  c.enterprise = DrawEnterprise(state_.providers[p].city, 90);
  state_.complaints.push_back(c);
  const uint32_t index = static_cast<uint32_t>(state_.complaints.size() - 1);
  BeginEvent(kComplaintFiled, kProvinceActor);
  PutComplaintId(index);
  out_.Plain("provider", state_.providers[p].id);
  out_.Plain("enterprise", state_.enterprises[c.enterprise].subject());
  state_.complaints[index].file_ev = CommitEvent(kComplaintFiled, kProvinceActor, index);
  if (in.x == 1 || rng_.Percent(90)) {
    const uint8_t verdict = rng_.Percent(40) ? 0 : 1;  // 0 provider_at_fault, 1 not_at_fault
    Schedule(DrawWorkTimeBetween(now_ + 5 * kDay, now_ + 40 * kDay), kResolveComplaint, index, 0,
             static_cast<uint8_t>(verdict | (in.x == 1 ? 2 : 0)));
  }
  return true;
}

bool ProvinceGenerator::Simulation::DoResolveComplaint(const Intent& in) {
  Complaint& c = state_.complaints[in.a];
  if (c.retracted || !state_.Live(c.file_ev) || c.resolve_ev != kNone) return false;
  const uint8_t verdict = in.x & 1;
  BeginEvent(kComplaintResolved, kProvinceActor);
  PutComplaintId(in.a);
  out_.Plain("verdict", verdict == 0 ? "provider_at_fault" : "not_at_fault");
  const int32_t ev = CommitEvent(kComplaintResolved, kProvinceActor, in.a, 0, verdict);
  c.resolve_ev = ev;
  if ((in.x & 2) || rng_.Percent(5)) {  // reviewed on appeal: the verdict is replaced
    Schedule(DrawWorkTimeBetween(now_ + 3 * kDay, now_ + 15 * kDay), kRetract,
             static_cast<uint32_t>(ev), 0, kFollowReresolve);
  }
  return true;
}

bool ProvinceGenerator::Simulation::DoAssess(const Intent& in) {
  const int32_t p = static_cast<int32_t>(in.a);
  if (!state_.InNetwork(p)) return false;
  const uint8_t item = in.x & 0x7f;
  BeginEvent(kAssessmentScored, kDeptActor);
  out_.Plain("subject", state_.providers[p].id);
  out_.Int("year", in.y);
  out_.Plain("item", kAssessmentItems[item]);
  PutScoreHundredths("score", in.b, rng_.Percent(5));
  const int32_t ev =
      CommitEvent(kAssessmentScored, kDeptActor, static_cast<uint32_t>(p), in.y, item);
  if (in.x & kAssessRetract) {
    Schedule(now_ + kHour + static_cast<int64_t>(rng_.Below(kDay)), kRetract,
             static_cast<uint32_t>(ev), in.b >= 450 ? in.b - 50 : in.b + 50, kFollowRescore);
  }
  return true;
}

// ------------------------------------------------------------------------------------ retraction

int32_t ProvinceGenerator::Simulation::RetractionActor(int32_t target) {
  const int32_t actor = state_.events[target].actor;
  if (actor >= 0 && state_.InNetwork(actor) && rng_.Percent(60)) return actor;
  if (actor == kDeptActor && rng_.Percent(70)) return kDeptActor;
  return kProvinceActor;
}

bool ProvinceGenerator::Simulation::DoRetract(const Intent& in) {
  const int32_t target = static_cast<int32_t>(in.a);
  if (state_.RetractionBlocker(target) != kNoReason) return false;
  const EventRecord t = state_.events[target];
  const int32_t actor = RetractionActor(target);
  BeginEvent(kEventRetracted, actor);
  out_.Key("target");
  std::string& b = out_.buffer();
  b.push_back('"');
  ProvinceState::AppendEventId(&b, target);
  b.push_back('"');
  out_.Str("reason", RetractionReason(static_cast<EventType>(t.type), rng_.Next()));
  CommitEvent(kEventRetracted, actor, static_cast<uint32_t>(target));
  state_.events[target].retracted = true;
  state_.UndoEffect(target);

  const int64_t soon = now_ + 10 * kMinute + static_cast<int64_t>(rng_.Below(2 * kHour));
  switch (static_cast<FollowUp>(in.x)) {
    case kFollowNone:
      break;
    case kFollowRerate:
      Schedule(soon, kRate, t.object, t.sub, kRerate);
      break;
    case kFollowReupload:
      Schedule(soon, kActivityReport, t.object, 0, t.aux);
      break;
    case kFollowReaccept:
      Schedule(soon + static_cast<int64_t>(rng_.Below(kDay)), kAcceptDemand, t.object,
               static_cast<uint32_t>(state_.demands[t.object].planned));
      break;
    case kFollowReresolve:
      Schedule(soon, kResolveComplaint, t.object, 0, static_cast<uint8_t>(1 - t.aux));
      break;
    case kFollowReregister:
      Schedule(soon, kRegister, t.object, 0, t.aux, static_cast<uint16_t>(1 + rng_.Below(2)));
      break;
    case kFollowRescore:
      Schedule(soon, kAssess, t.object, in.b, t.aux, static_cast<uint16_t>(t.sub));
      break;
  }
  return true;
}

}  // namespace smeledger::producers
