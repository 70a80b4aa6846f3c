#include "rules.h"

#include "smeledger/ledger/civil_time.h"

#include <algorithm>
#include <cstring>

namespace smeledger::ledger {

using W = schema::Event::Which;

// ---------------------------------------------------------------------------------------------
// Interner

uint32_t Interner::Intern(std::string_view s) {
  if (const uint32_t c = Cached(s); c != kNone) return c;
  auto it = ids_.find(s);
  if (it != ids_.end()) {
    Remember(s, it->second);
    return it->second;
  }
  if (block_used_ + s.size() > block_size_) {
    block_size_ = std::max<size_t>(1 << 20, s.size());
    blocks_.emplace_back(new char[block_size_]);
    block_used_ = 0;
  }
  char* p = blocks_.back().get() + block_used_;
  std::memcpy(p, s.data(), s.size());
  block_used_ += s.size();
  std::string_view stored(p, s.size());
  const uint32_t id = static_cast<uint32_t>(names_.size());
  names_.push_back(stored);
  ids_.emplace(stored, id);
  Remember(s, id);
  return id;
}

uint32_t Interner::Find(std::string_view s) const {
  if (const uint32_t c = Cached(s); c != kNone) return c;
  auto it = ids_.find(s);
  if (it == ids_.end()) return kNone;
  Remember(s, it->second);
  return it->second;
}

// ---------------------------------------------------------------------------------------------
// EventIdIndex: open addressing, linear probing, load factor ≤ 1/2.

void EventIdIndex::Grow() {
  auto old = std::move(slots_);
  slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
  const size_t mask = slots_.size() - 1;
  for (const Slot& s : old) {
    if (s.pos == 0) continue;
    size_t i = s.fp & mask;
    while (slots_[i].pos != 0) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

void EventIdIndex::Reserve(size_t n) {
  size_t want = 1024;
  while (want < 2 * n) want *= 2;
  if (want <= slots_.size()) return;
  auto old = std::move(slots_);
  slots_.assign(want, Slot{});
  const size_t mask = want - 1;
  for (const Slot& s : old) {
    if (s.pos == 0) continue;
    size_t i = s.fp & mask;
    while (slots_[i].pos != 0) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

void EventIdIndex::Insert(uint64_t fp, uint64_t position) {
  if ((count_ + 1) * 2 > slots_.size()) Grow();
  const size_t mask = slots_.size() - 1;
  size_t i = fp & mask;
  while (slots_[i].pos != 0) i = (i + 1) & mask;
  slots_[i] = Slot{fp, position};
  ++count_;
}

// ---------------------------------------------------------------------------------------------
// LedgerState

namespace {

std::string_view Sv(capnp::Text::Reader t) { return {t.begin(), t.size()}; }

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool IsCity(std::string_view s) { return StartsWith(s, "city:"); }
bool IsInst(std::string_view s) { return StartsWith(s, "inst:"); }
bool IsProvider(std::string_view s) { return IsCity(s) || IsInst(s); }

Rejection Reject(Reason r, std::string field, std::string message) {
  return Rejection{r, std::move(field), std::move(message)};
}

std::string Q(std::string_view s) { return "\"" + std::string(s) + "\""; }

}  // namespace

LedgerState::LedgerState() { meta_.reserve(1 << 16); }

bool LedgerState::InNetworkId(uint32_t subject) const {
  if (subject == Interner::kNone) return false;
  std::string_view name = names_.Name(subject);
  if (IsCity(name)) return true;
  if (!IsInst(name)) return false;
  auto it = institutions_.find(subject);
  return it != institutions_.end() && it->second.InNetwork();
}

bool LedgerState::InNetwork(std::string_view subject) const {
  if (IsCity(subject)) return true;
  return InNetworkId(names_.Find(subject));
}

uint64_t LedgerState::FindEvent(std::string_view event_id, const EventLoader& load,
                                uint64_t fingerprint) const {
  std::string scratch;
  const uint64_t fp = fingerprint ? fingerprint : EventIdIndex::Fingerprint(event_id);
  return event_ids_.Find(fp, [&](uint64_t pos) {
    return load(pos, &scratch) && scratch == event_id;
  });
}

void LedgerState::UseEvent(schema::Event::Reader e) const {
  const void* key = e.getEventId().begin();
  if (key != cached_event_) {
    names_.ClearCache();
    cached_event_ = key;
  }
}

std::optional<Rejection> LedgerState::Check(schema::Event::Reader e, uint64_t head,
                                            const EventLoader& load) const {
  names_.ClearCache();  // a new event (its message may reuse an earlier one's memory)
  cached_event_ = e.getEventId().begin();
  if (auto r = CheckActor(e)) return r;
  return CheckState(e, head, load);
}

// Check 4: may this kind of actor submit this type, and is it the subject named on the line?
std::optional<Rejection> LedgerState::CheckActor(schema::Event::Reader e) const {
  const std::string_view actor = Sv(e.getActor());
  const bool province = actor == "province", dept = actor == "dept";
  const bool provider = IsProvider(actor);
  bool allowed = false;
  std::string must;
  switch (e.which()) {
    case W::INSTITUTION_ADMITTED:
      allowed = province || actor == Sv(e.getInstitutionAdmitted().getCity());
      must = "province or the city platform named in city";
      break;
    case W::INSTITUTION_REMOVED:
    case W::TITLE_AWARDED:
    case W::ASSESSMENT_SCORED:
    case W::NOTICE_APPROVED:
      allowed = dept;
      must = "dept";
      break;
    case W::ENTERPRISE_REGISTERED:
    case W::ACTIVITY_RATED:
    case W::DEMAND_PUBLISHED:
    case W::DEMAND_RATED:
    case W::COLLABORATION_RECORDED:
    case W::DEMAND_COLLECTION_COMPLETED:
    case W::MEDIA_REPORTED:
    case W::COMPLAINT_FILED:
    case W::COMPLAINT_RESOLVED:
      allowed = province;
      must = "province";
      break;
    case W::ACTIVITY_PUBLISHED:
      allowed = province || actor == Sv(e.getActivityPublished().getOwner());
      must = "province or the activity's owner";
      break;
    case W::ACTIVITY_CANCELLED:
    case W::ACTIVITY_SIGNUP:
    case W::ACTIVITY_CHECKIN:
      allowed = province || provider;
      must = "province or the activity's owner";
      break;
    case W::PRODUCT_WITHDRAWN:
      allowed = province || provider;
      must = "province or the product's provider";
      break;
    case W::DEMAND_ACCEPTED:
      allowed = actor == Sv(e.getDemandAccepted().getProvider());
      must = "the provider named in provider";
      break;
    case W::DEMAND_COMPLETED:
      allowed = actor == Sv(e.getDemandCompleted().getProvider());
      must = "the provider named in provider";
      break;
    case W::SERVICE_DELIVERED:
      allowed = actor == Sv(e.getServiceDelivered().getProvider());
      must = "the provider named in provider";
      break;
    case W::REPORT_UPLOADED:
      allowed = actor == Sv(e.getReportUploaded().getProvider());
      must = "the provider named in provider";
      break;
    case W::PRODUCT_PUBLISHED:
      allowed = actor == Sv(e.getProductPublished().getProvider());
      must = "the provider named in provider";
      break;
    case W::EVENT_RETRACTED:
      allowed = province || dept || provider;
      must = "province or the target's actor";
      break;
  }
  if (!allowed)
    return Reject(Reason::kActorNotAllowed, "actor",
                  "actor " + Q(actor) + " may not submit this event: it must be " + must);
  if (IsInst(actor) && !InNetworkId(Id(e.getActor())))
    return Reject(Reason::kActorNotAdmitted, "actor",
                  "actor " + Q(actor) + " is not in the network");
  return std::nullopt;
}

std::optional<Rejection> LedgerState::ProviderExists(std::string_view field,
                                                     capnp::Text::Reader v) const {
  if (v.size() == 0 || IsCity(Sv(v))) return std::nullopt;
  if (!InNetworkId(Id(v)))
    return Reject(Reason::kNotFound, std::string(field),
                  std::string(field) + " " + Q(Sv(v)) + " is not in the network");
  return std::nullopt;
}

// Check 5. Within a type the order is: not_found, actor_not_allowed, already_exists,
// has_dependents, precondition (the table's rules column within each class).
std::optional<Rejection> LedgerState::CheckState(schema::Event::Reader e, uint64_t head,
                                                 const EventLoader& load) const {
  const std::string_view actor = Sv(e.getActor());
  const bool province = actor == "province";
  const uint32_t actor_id = Id(e.getActor());

  auto find_activity = [&](capnp::Text::Reader id) -> const Activity* {
    auto it = activities_.find(Id(id));
    return it == activities_.end() || !it->second.live ? nullptr : &it->second;
  };
  auto activity_missing = [&](capnp::Text::Reader id) {
    return Reject(Reason::kNotFound, "activity", "activity " + Q(Sv(id)) + " does not exist");
  };
  auto participation = [&](capnp::Text::Reader act, capnp::Text::Reader ent) -> Participation {
    const uint32_t a = Id(act), b = Id(ent);
    if (a == Interner::kNone || b == Interner::kNone) return {};
    auto it = participation_.find(PairKey(a, b));
    return it == participation_.end() ? Participation{} : it->second;
  };
  auto not_owner = [&](const Activity& a) {
    return Reject(Reason::kActorNotAllowed, "actor",
                  "actor " + Q(actor) + " is neither province nor the activity's owner " +
                      Q(names_.Name(a.owner)));
  };
  auto find_demand = [&](capnp::Text::Reader id) -> const Demand* {
    auto it = demands_.find(Id(id));
    return it == demands_.end() || !it->second.live ? nullptr : &it->second;
  };
  auto demand_missing = [&](capnp::Text::Reader id) {
    return Reject(Reason::kNotFound, "demand", "demand " + Q(Sv(id)) + " does not exist");
  };

  switch (e.which()) {
    case W::INSTITUTION_ADMITTED: {
      auto v = e.getInstitutionAdmitted();
      if (v.hasReferredBy())
        if (auto r = ProviderExists("referred_by", v.getReferredBy())) return r;
      if (InNetworkId(Id(v.getInstitution())))
        return Reject(Reason::kAlreadyExists, "institution",
                      "institution " + Q(Sv(v.getInstitution())) + " is already in the network");
      return std::nullopt;
    }
    case W::INSTITUTION_REMOVED: {
      auto v = e.getInstitutionRemoved();
      if (!InNetworkId(Id(v.getInstitution())))
        return Reject(Reason::kPrecondition, "institution",
                      "institution " + Q(Sv(v.getInstitution())) + " is not in the network");
      return std::nullopt;
    }
    case W::ENTERPRISE_REGISTERED: {
      auto v = e.getEnterpriseRegistered();
      if (v.hasReferredBy())
        if (auto r = ProviderExists("referred_by", v.getReferredBy())) return r;
      const uint32_t ent = Id(v.getEnterprise());
      if (ent != Interner::kNone &&
          registrations_.count(PairKey(ent, static_cast<uint32_t>(v.getChannel()))))
        return Reject(Reason::kAlreadyExists, "enterprise",
                      "enterprise " + Q(Sv(v.getEnterprise())) +
                          " is already registered on this channel");
      return std::nullopt;
    }
    case W::ACTIVITY_PUBLISHED: {
      auto v = e.getActivityPublished();
      if (auto r = ProviderExists("owner", v.getOwner())) return r;
      if (activities_.count(Id(v.getActivity())))
        return Reject(Reason::kAlreadyExists, "activity",
                      "activity id " + Q(Sv(v.getActivity())) + " is already taken");
      // Exact comparison, fraction digits included, from the written texts.
      Instant ps, pt;
      ParseRfc3339(Sv(v.getStartsAt().getText()), &ps);
      ParseRfc3339(Sv(v.getEndsAt().getText()), &pt);
      if (CompareInstants(ps, pt) > 0)
        return Reject(Reason::kPrecondition, "starts_at", "starts_at is after ends_at");
      return std::nullopt;
    }
    case W::ACTIVITY_CANCELLED: {
      auto v = e.getActivityCancelled();
      const Activity* a = find_activity(v.getActivity());
      if (!a) return activity_missing(v.getActivity());
      if (!province && a->owner != actor_id) return not_owner(*a);
      if (a->cancelled)
        return Reject(Reason::kAlreadyExists, "activity",
                      "activity " + Q(Sv(v.getActivity())) + " is already cancelled");
      return std::nullopt;
    }
    case W::ACTIVITY_SIGNUP: {
      auto v = e.getActivitySignup();
      const Activity* a = find_activity(v.getActivity());
      if (!a) return activity_missing(v.getActivity());
      if (!province && a->owner != actor_id) return not_owner(*a);
      if (participation(v.getActivity(), v.getEnterprise()).signup)
        return Reject(Reason::kAlreadyExists, "enterprise",
                      "enterprise " + Q(Sv(v.getEnterprise())) + " has already signed up");
      if (a->cancelled)
        return Reject(Reason::kPrecondition, "activity",
                      "activity " + Q(Sv(v.getActivity())) + " is cancelled");
      return std::nullopt;
    }
    case W::ACTIVITY_CHECKIN: {
      auto v = e.getActivityCheckin();
      const Activity* a = find_activity(v.getActivity());
      if (!a) return activity_missing(v.getActivity());
      if (!province && a->owner != actor_id) return not_owner(*a);
      const Participation p = participation(v.getActivity(), v.getEnterprise());
      if (p.checkin)
        return Reject(Reason::kAlreadyExists, "enterprise",
                      "enterprise " + Q(Sv(v.getEnterprise())) + " has already checked in");
      if (a->cancelled)
        return Reject(Reason::kPrecondition, "activity",
                      "activity " + Q(Sv(v.getActivity())) + " is cancelled");
      if (!p.signup)
        return Reject(Reason::kPrecondition, "enterprise",
                      "enterprise " + Q(Sv(v.getEnterprise())) + " has not signed up");
      return std::nullopt;
    }
    case W::ACTIVITY_RATED: {
      auto v = e.getActivityRated();
      const Activity* a = find_activity(v.getActivity());
      if (!a) return activity_missing(v.getActivity());
      const Participation p = participation(v.getActivity(), v.getEnterprise());
      if (p.rated)
        return Reject(Reason::kAlreadyExists, "enterprise",
                      "enterprise " + Q(Sv(v.getEnterprise())) + " has already rated");
      if (a->cancelled)
        return Reject(Reason::kPrecondition, "activity",
                      "activity " + Q(Sv(v.getActivity())) + " is cancelled");
      if (!p.checkin)
        return Reject(Reason::kPrecondition, "enterprise",
                      "enterprise " + Q(Sv(v.getEnterprise())) + " has not checked in");
      return std::nullopt;
    }
    case W::DEMAND_PUBLISHED: {
      auto v = e.getDemandPublished();
      if (demands_.count(Id(v.getDemand())))
        return Reject(Reason::kAlreadyExists, "demand",
                      "demand id " + Q(Sv(v.getDemand())) + " is already taken");
      return std::nullopt;
    }
    case W::DEMAND_ACCEPTED: {
      auto v = e.getDemandAccepted();
      const Demand* d = find_demand(v.getDemand());
      if (!d) return demand_missing(v.getDemand());
      if (auto r = ProviderExists("provider", v.getProvider())) return r;
      if (d->accepted)
        return Reject(Reason::kAlreadyExists, "demand",
                      "demand " + Q(Sv(v.getDemand())) + " is already accepted");
      return std::nullopt;
    }
    case W::DEMAND_COMPLETED: {
      auto v = e.getDemandCompleted();
      const Demand* d = find_demand(v.getDemand());
      if (!d) return demand_missing(v.getDemand());
      if (auto r = ProviderExists("provider", v.getProvider())) return r;
      if (d->completed)
        return Reject(Reason::kAlreadyExists, "demand",
                      "demand " + Q(Sv(v.getDemand())) + " is already completed");
      if (!d->accepted || d->accepted_by != Id(v.getProvider()))
        return Reject(Reason::kPrecondition, "provider",
                      "demand " + Q(Sv(v.getDemand())) + " is not accepted by " +
                          Q(Sv(v.getProvider())));
      return std::nullopt;
    }
    case W::DEMAND_RATED: {
      auto v = e.getDemandRated();
      const Demand* d = find_demand(v.getDemand());
      if (!d) return demand_missing(v.getDemand());
      if (d->rated)
        return Reject(Reason::kAlreadyExists, "demand",
                      "demand " + Q(Sv(v.getDemand())) + " is already rated");
      if (!d->completed)
        return Reject(Reason::kPrecondition, "demand",
                      "demand " + Q(Sv(v.getDemand())) + " is not completed");
      if (d->enterprise != Id(v.getEnterprise()))
        return Reject(Reason::kPrecondition, "enterprise",
                      "enterprise " + Q(Sv(v.getEnterprise())) +
                          " is not the one that published the demand");
      return std::nullopt;
    }
    case W::SERVICE_DELIVERED:
      return ProviderExists("provider", e.getServiceDelivered().getProvider());
    case W::REPORT_UPLOADED: {
      auto v = e.getReportUploaded();
      const bool activity_kind = v.getKind() == schema::ReportKind::ATTENDEE_LIST ||
                                 v.getKind() == schema::ReportKind::PHOTOS ||
                                 v.getKind() == schema::ReportKind::SUMMARY;
      const Activity* a = nullptr;
      if (activity_kind) {
        a = find_activity(v.getActivity());
        if (!a) return activity_missing(v.getActivity());
      }
      if (auto r = ProviderExists("provider", v.getProvider())) return r;
      if (a) {
        if (!a->offline)
          return Reject(Reason::kPrecondition, "activity",
                        "activity " + Q(Sv(v.getActivity())) + " is not offline");
        if (a->owner != Id(v.getProvider()))
          return Reject(Reason::kPrecondition, "activity",
                        "activity " + Q(Sv(v.getActivity())) + " is not an activity of " +
                            Q(Sv(v.getProvider())));
        if (a->cancelled)
          return Reject(Reason::kPrecondition, "activity",
                        "activity " + Q(Sv(v.getActivity())) + " is cancelled");
      }
      return std::nullopt;
    }
    case W::COLLABORATION_RECORDED:
      return ProviderExists("provider", e.getCollaborationRecorded().getProvider());
    case W::DEMAND_COLLECTION_COMPLETED:
      return ProviderExists("provider", e.getDemandCollectionCompleted().getProvider());
    case W::PRODUCT_PUBLISHED: {
      auto v = e.getProductPublished();
      if (auto r = ProviderExists("provider", v.getProvider())) return r;
      if (products_.count(Id(v.getProduct())))
        return Reject(Reason::kAlreadyExists, "product",
                      "product id " + Q(Sv(v.getProduct())) + " is already taken");
      return std::nullopt;
    }
    case W::PRODUCT_WITHDRAWN: {
      auto v = e.getProductWithdrawn();
      auto it = products_.find(Id(v.getProduct()));
      if (it == products_.end() || !it->second.live)
        return Reject(Reason::kNotFound, "product",
                      "product " + Q(Sv(v.getProduct())) + " does not exist");
      if (!province && it->second.provider != actor_id)
        return Reject(Reason::kActorNotAllowed, "actor",
                      "actor " + Q(actor) + " is neither province nor the product's provider");
      if (it->second.withdrawn)
        return Reject(Reason::kAlreadyExists, "product",
                      "product " + Q(Sv(v.getProduct())) + " is already withdrawn");
      return std::nullopt;
    }
    case W::MEDIA_REPORTED:
      return ProviderExists("provider", e.getMediaReported().getProvider());
    case W::TITLE_AWARDED:
      return ProviderExists("holder", e.getTitleAwarded().getHolder());
    case W::COMPLAINT_FILED: {
      auto v = e.getComplaintFiled();
      if (auto r = ProviderExists("provider", v.getProvider())) return r;
      if (complaints_.count(Id(v.getComplaint())))
        return Reject(Reason::kAlreadyExists, "complaint",
                      "complaint id " + Q(Sv(v.getComplaint())) + " is already taken");
      return std::nullopt;
    }
    case W::COMPLAINT_RESOLVED: {
      auto v = e.getComplaintResolved();
      auto it = complaints_.find(Id(v.getComplaint()));
      if (it == complaints_.end() || !it->second.live)
        return Reject(Reason::kNotFound, "complaint",
                      "complaint " + Q(Sv(v.getComplaint())) + " does not exist");
      if (it->second.resolved)
        return Reject(Reason::kAlreadyExists, "complaint",
                      "complaint " + Q(Sv(v.getComplaint())) + " is already resolved");
      return std::nullopt;
    }
    case W::ASSESSMENT_SCORED: {
      auto v = e.getAssessmentScored();
      if (auto r = ProviderExists("subject", v.getSubject())) return r;
      if (v.getItem() == schema::AssessmentItem::INTERNET_PLATFORM && !IsCity(Sv(v.getSubject())))
        return Reject(Reason::kPrecondition, "item",
                      "internet_platform is scored only for city platforms");
      return std::nullopt;
    }
    case W::EVENT_RETRACTED:
      return CheckRetraction(e, load);
    case W::NOTICE_APPROVED: {
      const int64_t p = e.getNoticeApproved().getPosition();
      if (p < 1 || static_cast<uint64_t>(p) > head)
        return Reject(Reason::kPrecondition, "position",
                      "position " + std::to_string(p) + " is not between 1 and the head " +
                          std::to_string(head));
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::optional<Rejection> LedgerState::CheckRetraction(schema::Event::Reader e,
                                                      const EventLoader& load) const {
  auto v = e.getEventRetracted();
  const std::string_view target = Sv(v.getTarget());
  const uint64_t pos = FindEvent(target, load);
  if (pos == 0)
    return Reject(Reason::kNotFound, "target", "event " + Q(target) + " does not exist");
  const PosMeta& m = meta_[pos - 1];
  const std::string_view actor = Sv(e.getActor());
  if (actor != "province" && names_.Name(m.actor) != actor)
    return Reject(Reason::kActorNotAllowed, "actor",
                  "actor " + Q(actor) + " is neither province nor the target's actor " +
                      Q(names_.Name(m.actor)));
  if (m.retracted)
    return Reject(Reason::kAlreadyExists, "target",
                  "event " + Q(target) + " is already retracted");
  auto dependents = [&](const char* what) {
    return Reject(Reason::kHasDependents, "target",
                  "event " + Q(target) + " has a live " + what + ": retract it first");
  };
  switch (static_cast<W>(m.which)) {
    case W::INSTITUTION_ADMITTED: {
      auto it = institutions_.find(m.a);
      if (it != institutions_.end() && !it->second.removals.empty() &&
          it->second.removals.back() > pos)
        return dependents("institution.removed");
      break;
    }
    case W::ACTIVITY_PUBLISHED: {
      const Activity& a = activities_.at(m.a);
      if (a.cancelled) return dependents("activity.cancelled");
      if (a.live_signups) return dependents("activity.signup");
      if (a.live_reports) return dependents("report.uploaded");
      break;
    }
    case W::ACTIVITY_SIGNUP: {
      auto it = participation_.find(PairKey(m.a, m.b));
      if (it != participation_.end() && it->second.checkin) return dependents("activity.checkin");
      break;
    }
    case W::ACTIVITY_CHECKIN: {
      auto it = participation_.find(PairKey(m.a, m.b));
      if (it != participation_.end() && it->second.rated) return dependents("activity.rated");
      break;
    }
    case W::DEMAND_PUBLISHED:
      if (demands_.at(m.a).accepted) return dependents("demand.accepted");
      break;
    case W::DEMAND_ACCEPTED:
      if (demands_.at(m.a).completed) return dependents("demand.completed");
      break;
    case W::DEMAND_COMPLETED:
      if (demands_.at(m.a).rated) return dependents("demand.rated");
      break;
    case W::PRODUCT_PUBLISHED:
      if (products_.at(m.a).withdrawn) return dependents("product.withdrawn");
      break;
    case W::COMPLAINT_FILED:
      if (complaints_.at(m.a).resolved) return dependents("complaint.resolved");
      break;
    default:
      break;
  }
  if (static_cast<W>(m.which) == W::EVENT_RETRACTED)
    return Reject(Reason::kPrecondition, "target",
                  "event " + Q(target) + " is a retraction and cannot be retracted");
  return std::nullopt;
}

void LedgerState::Apply(uint64_t position, schema::Event::Reader e, const EventLoader& load,
                        uint64_t fingerprint) {
  UseEvent(e);  // keeps the cache Check filled for this same event
  PosMeta m{static_cast<uint8_t>(e.which()), false, Intern(e.getActor()), Interner::kNone,
            Interner::kNone};
  switch (e.which()) {
    case W::INSTITUTION_ADMITTED:
      m.a = Intern(e.getInstitutionAdmitted().getInstitution());
      institutions_[m.a].admissions.push_back(position);
      break;
    case W::INSTITUTION_REMOVED:
      m.a = Intern(e.getInstitutionRemoved().getInstitution());
      institutions_[m.a].removals.push_back(position);
      break;
    case W::ENTERPRISE_REGISTERED: {
      auto v = e.getEnterpriseRegistered();
      m.a = Intern(v.getEnterprise());
      m.b = static_cast<uint32_t>(v.getChannel());
      registrations_[PairKey(m.a, m.b)] = position;
      break;
    }
    case W::ACTIVITY_PUBLISHED: {
      auto v = e.getActivityPublished();
      m.a = Intern(v.getActivity());
      Activity& a = activities_[m.a];
      a.owner = Intern(v.getOwner());
      a.offline = v.getMode() == schema::Mode::OFFLINE;
      a.live = true;
      break;
    }
    case W::ACTIVITY_CANCELLED:
      m.a = Intern(e.getActivityCancelled().getActivity());
      activities_[m.a].cancelled = position;
      break;
    case W::ACTIVITY_SIGNUP: {
      auto v = e.getActivitySignup();
      m.a = Intern(v.getActivity());
      m.b = Intern(v.getEnterprise());
      participation_[PairKey(m.a, m.b)].signup = position;
      activities_[m.a].live_signups++;
      break;
    }
    case W::ACTIVITY_CHECKIN: {
      auto v = e.getActivityCheckin();
      m.a = Intern(v.getActivity());
      m.b = Intern(v.getEnterprise());
      participation_[PairKey(m.a, m.b)].checkin = position;
      break;
    }
    case W::ACTIVITY_RATED: {
      auto v = e.getActivityRated();
      m.a = Intern(v.getActivity());
      m.b = Intern(v.getEnterprise());
      participation_[PairKey(m.a, m.b)].rated = position;
      break;
    }
    case W::DEMAND_PUBLISHED: {
      auto v = e.getDemandPublished();
      m.a = Intern(v.getDemand());
      Demand& d = demands_[m.a];
      d.enterprise = Intern(v.getEnterprise());
      d.live = true;
      break;
    }
    case W::DEMAND_ACCEPTED: {
      auto v = e.getDemandAccepted();
      m.a = Intern(v.getDemand());
      m.b = Intern(v.getProvider());
      Demand& d = demands_[m.a];
      d.accepted = position;
      d.accepted_by = m.b;
      break;
    }
    case W::DEMAND_COMPLETED:
      m.a = Intern(e.getDemandCompleted().getDemand());
      demands_[m.a].completed = position;
      break;
    case W::DEMAND_RATED:
      m.a = Intern(e.getDemandRated().getDemand());
      demands_[m.a].rated = position;
      break;
    case W::REPORT_UPLOADED: {
      auto v = e.getReportUploaded();
      if (v.getActivity().size() > 0) {
        m.a = Intern(v.getActivity());
        activities_[m.a].live_reports++;
      }
      break;
    }
    case W::PRODUCT_PUBLISHED: {
      auto v = e.getProductPublished();
      m.a = Intern(v.getProduct());
      Product& p = products_[m.a];
      p.provider = Intern(v.getProvider());
      p.live = true;
      break;
    }
    case W::PRODUCT_WITHDRAWN:
      m.a = Intern(e.getProductWithdrawn().getProduct());
      products_[m.a].withdrawn = position;
      break;
    case W::COMPLAINT_FILED:
      m.a = Intern(e.getComplaintFiled().getComplaint());
      complaints_[m.a].live = true;
      break;
    case W::COMPLAINT_RESOLVED:
      m.a = Intern(e.getComplaintResolved().getComplaint());
      complaints_[m.a].resolved = position;
      break;
    case W::EVENT_RETRACTED: {
      const uint64_t target = FindEvent(Sv(e.getEventRetracted().getTarget()), load);
      if (target != 0) Undo(target);
      break;
    }
    default:
      break;
  }
  meta_.push_back(m);
  event_ids_.Insert(fingerprint ? fingerprint : EventIdIndex::Fingerprint(Sv(e.getEventId())),
                    position);
  names_.ClearCache();  // the event's memory is about to be reused
  cached_event_ = nullptr;
}

void LedgerState::Undo(uint64_t target) {
  PosMeta& m = meta_[target - 1];
  m.retracted = true;
  auto erase_pos = [](std::vector<uint64_t>& v, uint64_t p) {
    v.erase(std::remove(v.begin(), v.end(), p), v.end());
  };
  switch (static_cast<W>(m.which)) {
    case W::INSTITUTION_ADMITTED: erase_pos(institutions_[m.a].admissions, target); break;
    case W::INSTITUTION_REMOVED: erase_pos(institutions_[m.a].removals, target); break;
    case W::ENTERPRISE_REGISTERED: registrations_.erase(PairKey(m.a, m.b)); break;
    case W::ACTIVITY_PUBLISHED: activities_[m.a].live = false; break;
    case W::ACTIVITY_CANCELLED: activities_[m.a].cancelled = 0; break;
    case W::ACTIVITY_SIGNUP:
      participation_[PairKey(m.a, m.b)].signup = 0;
      activities_[m.a].live_signups--;
      break;
    case W::ACTIVITY_CHECKIN: participation_[PairKey(m.a, m.b)].checkin = 0; break;
    case W::ACTIVITY_RATED: participation_[PairKey(m.a, m.b)].rated = 0; break;
    case W::DEMAND_PUBLISHED: demands_[m.a].live = false; break;
    case W::DEMAND_ACCEPTED: {
      Demand& d = demands_[m.a];
      d.accepted = 0;
      d.accepted_by = 0;
      break;
    }
    case W::DEMAND_COMPLETED: demands_[m.a].completed = 0; break;
    case W::DEMAND_RATED: demands_[m.a].rated = 0; break;
    case W::REPORT_UPLOADED:
      if (m.a != Interner::kNone) activities_[m.a].live_reports--;
      break;
    case W::PRODUCT_PUBLISHED: products_[m.a].live = false; break;
    case W::PRODUCT_WITHDRAWN: products_[m.a].withdrawn = 0; break;
    case W::COMPLAINT_FILED: complaints_[m.a].live = false; break;
    case W::COMPLAINT_RESOLVED: complaints_[m.a].resolved = 0; break;
    default: break;
  }
}

}  // namespace smeledger::ledger
