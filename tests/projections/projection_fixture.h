// Test support for projections: a temporary ledger, events with chosen occurred_at and
// recorded_at, and folds of it.
#pragma once

#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "ledger_fixture.h"
#include "smeledger/ledger/civil_time.h"
#include "smeledger/projections/projection.h"
#include "smeledger/projections/projection_store.h"
#include "smeledger/projections/reports.h"
#include "smeledger/projections/rule_set.h"
#include "smeledger/projections/upload_items.h"
#include "smeledger/projections/working_day_calendar.h"

namespace smeledger::testing {

// One event line with its own occurred_at.
inline std::string Ev(const std::string& id, const std::string& type, const std::string& actor,
                      const std::string& at, const std::string& fields = "") {
  std::string s = R"({"event_id":")" + id + R"(","type":")" + type + R"(","occurred_at":")" + at +
                  R"(","actor":")" + actor + "\"";
  if (!fields.empty()) s += "," + fields;
  return s + "}\n";
}

struct ProjWorld {
  TempDir dir;
  FakeClock clock;
  std::unique_ptr<ledger::Ledger> l;
  projections::RuleSet rules;
  projections::WorkingDayCalendar cal;

  ProjWorld() {
    clock.now = 1'575'158'400'000'000;  // 2019-12-01T00:00:00Z (08:00 CST)
    l = OpenAt(dir.path(), &clock);
    rules = projections::RuleSet::Shipped("anhui-2019-trial").value();
    cal = projections::WorkingDayCalendar::LoadDefault().value();
  }
  // Submits lines; every one must be accepted.
  void Submit(const std::string& text) {
    for (const Out& o : SubmitText(*l, text)) {
      INFO("line " << o.line << " " << o.event_id << ": " << o.reason << " " << o.field << " "
                   << o.message);
      REQUIRE(o.accepted());
    }
  }
  // Sets recorded_at (microseconds) for the next submissions from a UTC text.
  void RecordAt(int64_t unix_seconds) { clock.now = unix_seconds * 1'000'000; }
  uint64_t head() const { return l->head().position; }
  std::unique_ptr<projections::Projection> Fold(uint64_t to = 0) {
    auto p = projections::Projection::Empty();
    Status s = p->Advance(*l, to);
    INFO(s.ToString());
    REQUIRE(s.ok());
    return p;
  }
  std::vector<projections::IndicatorValues> Values(const std::string& period, uint64_t to = 0) {
    auto p = Fold(to);
    auto r = projections::EvaluateIndicators(*p, rules, cal,
                                             projections::Period::Parse(period).value());
    INFO(r.status().ToString());
    REQUIRE(r.ok());
    return r.value();
  }
  std::vector<projections::UploadItem> Items(const std::string& period, uint64_t to = 0,
                                             const std::string& subject = "") {
    auto p = Fold(to);
    auto r = projections::ComputeUploadItems(*p, rules, cal,
                                             projections::Period::Parse(period).value(), subject);
    INFO(r.status().ToString());
    REQUIRE(r.ok());
    return r.value();
  }
};

inline const projections::IndicatorValues* Row(const std::vector<projections::IndicatorValues>& v,
                                               const std::string& subject) {
  for (const auto& r : v)
    if (r.subject == subject) return &r;
  return nullptr;
}

// "inst:X admitted" line, province actor.
inline std::string Admit(const std::string& id, const std::string& inst, const std::string& at,
                         const std::string& referred_by = "") {
  std::string f = R"("institution":")" + inst + R"(","city":"city:340100","name":"N")";
  if (!referred_by.empty()) f += R"(,"referred_by":")" + referred_by + "\"";
  return Ev(id, "institution.admitted", "province", at, f);
}

}  // namespace smeledger::testing
