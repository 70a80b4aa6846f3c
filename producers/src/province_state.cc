#include "province_state.h"

#include "json_line.h"

namespace smeledger::producers::internal {

Reason ProvinceState::RetractionBlocker(int32_t target) const {
  if (target < 0 || static_cast<size_t>(target) >= events.size()) return kNotFound;
  const EventRecord& e = events[target];
  if (e.type == kEventRetracted) return kPrecondition;
  if (e.retracted) return kAlreadyExists;
  // EVENTS.md's dependents: retract the dependent first.
  bool dependents = false;
  switch (e.type) {
    case kActivityPublished: {
      const Activity& a = activities[e.object];
      dependents = Live(a.cancel_ev) || a.live_signups > 0 || a.live_reports > 0;
      break;
    }
    case kActivitySignup:
      dependents = Live(slots[e.sub].checkin_ev);
      break;
    case kActivityCheckin:
      dependents = Live(slots[e.sub].rating_ev);
      break;
    case kDemandPublished:
      dependents = Live(demands[e.object].accept_ev);
      break;
    case kDemandAccepted:
      dependents = Live(demands[e.object].complete_ev);
      break;
    case kDemandCompleted:
      dependents = Live(demands[e.object].rate_ev);
      break;
    case kProductPublished:
      dependents = Live(products[e.object].withdraw_ev);
      break;
    case kComplaintFiled:
      dependents = Live(complaints[e.object].resolve_ev);
      break;
    case kInstitutionAdmitted:
      // The removal that ends this admission's stint.
      for (const Stint& s : providers[e.object].stints) {
        if (s.admit_ev == target) dependents = Live(s.remove_ev);
      }
      break;
    default:
      break;
  }
  return dependents ? kHasDependents : kNoReason;
}

void ProvinceState::UndoEffect(int32_t target) {
  const EventRecord& e = events[target];
  switch (e.type) {
    case kInstitutionAdmitted: {
      Provider& p = providers[e.object];
      for (size_t i = 0; i < p.stints.size(); ++i) {
        if (p.stints[i].admit_ev != target) continue;
        const bool last = i + 1 == p.stints.size();
        p.stints.erase(p.stints.begin() + static_cast<std::ptrdiff_t>(i));
        if (last) p.in_network = false;
        break;
      }
      break;
    }
    case kInstitutionRemoved: {
      Provider& p = providers[e.object];
      for (size_t i = 0; i < p.stints.size(); ++i) {
        if (p.stints[i].remove_ev != target) continue;
        p.stints[i].remove_ev = kNone;
        if (i + 1 == p.stints.size()) p.in_network = true;
        break;
      }
      break;
    }
    case kEnterpriseRegistered:
      enterprises[e.object].reg_ev[e.aux] = kNone;
      break;
    case kActivityPublished:
      activities[e.object].retracted = true;
      break;
    case kActivityCancelled:
      activities[e.object].cancel_ev = kNone;
      break;
    case kActivitySignup:
      slots[e.sub].signup_ev = kNone;
      --activities[e.object].live_signups;
      break;
    case kActivityCheckin:
      slots[e.sub].checkin_ev = kNone;
      break;
    case kActivityRated:
      slots[e.sub].rating_ev = kNone;
      break;
    case kReportUploaded:
      if (e.aux < kMonthly) --activities[e.object].live_reports;
      break;
    case kDemandPublished:
      demands[e.object].retracted = true;
      break;
    case kDemandAccepted:
      demands[e.object].accept_ev = kNone;
      demands[e.object].acceptor = kNone;
      break;
    case kDemandCompleted:
      demands[e.object].complete_ev = kNone;
      break;
    case kDemandRated:
      demands[e.object].rate_ev = kNone;
      break;
    case kProductPublished:
      products[e.object].retracted = true;
      break;
    case kProductWithdrawn:
      products[e.object].withdraw_ev = kNone;
      break;
    case kComplaintFiled:
      complaints[e.object].retracted = true;
      break;
    case kComplaintResolved:
      complaints[e.object].resolve_ev = kNone;
      break;
    default:  // the other types change no state a rule reads
      break;
  }
}

std::string_view ProvinceState::ActorId(int32_t actor) const {
  if (actor == kProvinceActor) return "province";
  if (actor == kDeptActor) return "dept";
  return providers[actor].id;
}

void ProvinceState::AppendEventId(std::string* out, int32_t index) {
  out->append("ev-");
  AppendPadded(out, static_cast<uint64_t>(index) + 1, 8);
}

void ProvinceState::AppendObjectId(std::string* out, std::string_view prefix, uint16_t year,
                                   uint32_t seq) {
  out->append(prefix);
  AppendPadded(out, year, 4);
  out->push_back('-');
  AppendPadded(out, seq, 6);
}

int32_t ProvinceState::DrawInstitution(Rng& rng) const {
  const size_t n = providers.size() - kCityCount;
  if (n == 0) return kNone;
  for (int tries = 0; tries < 16; ++tries) {
    const int32_t p = static_cast<int32_t>(kCityCount + rng.Below(n));
    if (providers[p].in_network && !providers[p].ghost) return p;
  }
  const size_t start = rng.Below(n);
  for (size_t k = 0; k < n; ++k) {
    const int32_t p = static_cast<int32_t>(kCityCount + (start + k) % n);
    if (providers[p].in_network && !providers[p].ghost) return p;
  }
  return kNone;
}

}  // namespace smeledger::producers::internal
