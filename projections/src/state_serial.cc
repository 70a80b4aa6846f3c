// The saved form of a fold (Projection::Serialize / Deserialize). Format, version 1:
//   magic "SMEFOLD1", then sections in a fixed order (see Serialize); all integers varints
//   (signed ones zig-zag), strings length-prefixed. Hash-map sections are written sorted by key,
//   so equal folds give equal bytes.
#include <algorithm>
#include <tuple>

#include "fold_state.h"
#include "serial.h"
#include "smeledger/projections/projection.h"

namespace smeledger::projections {

using namespace internal;

namespace {

constexpr std::string_view kMagic = "SMEFOLD1";

void PutInterner(Writer& w, const Interner& in) {
  w.U64(in.size());
  for (size_t i = 0; i < in.size(); ++i) w.Bytes(in.Name(static_cast<uint32_t>(i)));
}

bool GetInterner(Reader& r, Interner* in, size_t expect_prefix = 0) {
  const uint64_t n = r.Count();
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    std::string_view s = r.Bytes();
    if (!r.ok()) return false;
    if (i < expect_prefix) {
      if (in->Name(static_cast<uint32_t>(i)) != s) return false;
      continue;
    }
    if (in->Intern(s) != i) return false;  // duplicate name
  }
  return r.ok();
}

void PutUploads(Writer& w, const Uploads& v) {
  w.U64(v.size());
  for (const Upload& u : v) {
    w.U64(u.position);
    w.I64(u.occurred_day);
    w.I64(u.recorded_day);
  }
}

bool GetUploads(Reader& r, Uploads* v) {
  const uint64_t n = r.Count(3);
  v->clear();
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    Upload u;
    u.position = r.U64();
    u.occurred_day = r.I32();
    u.recorded_day = r.I32();
    v->push_back(u);
  }
  return r.ok();
}

// An optional subject id: kNone is 0, others id + 1.
uint64_t Opt(uint32_t id) { return id == kNone ? 0 : uint64_t{id} + 1; }

template <typename Map>
std::vector<typename Map::const_pointer> Sorted(const Map& m) {
  std::vector<typename Map::const_pointer> v;
  v.reserve(m.size());
  for (const auto& kv : m) v.push_back(&kv);
  return v;
}

}  // namespace

void Projection::Serialize(std::string* out) const {
  const FoldState& s = *state_;
  out->clear();
  Writer w(out);
  w.Raw(kMagic.data(), kMagic.size());
  w.U64(s.position);
  w.Raw(s.hash.data(), s.hash.size());
  w.I64(s.recorded_at_us);

  PutInterner(w, s.subjects);
  PutInterner(w, s.activity_ids);
  PutInterner(w, s.demand_ids);
  PutInterner(w, s.product_ids);
  PutInterner(w, s.complaint_ids);

  {
    auto v = Sorted(s.counters);
    std::sort(v.begin(), v.end(), [](auto a, auto b) { return a->first < b->first; });
    w.U64(v.size());
    for (auto* kv : v) {
      w.U64(kv->first);
      const Counters& c = kv->second;
      for (int32_t x : {c.demand_matches, c.linkage, c.demand_collection, c.media, c.titles,
                        c.demo_titles, c.complaints, c.sat[0], c.sat[1], c.sat[2], c.sat[3],
                        c.sat[4]})
        w.I64(x);
    }
  }
  auto key_less = [](const TripleKey& a, const TripleKey& b) {
    return std::tie(a.a, a.q, a.b) < std::tie(b.a, b.q, b.b);
  };
  {
    auto v = Sorted(s.served);
    std::sort(v.begin(), v.end(), [&](auto a, auto b) { return key_less(a->first, b->first); });
    w.U64(v.size());
    for (auto* kv : v) {
      w.U64(kv->first.a);
      w.I64(kv->first.q);
      w.U64(kv->first.b);
      w.I64(kv->second.all);
      w.I64(kv->second.public_welfare);
    }
  }
  {
    auto v = Sorted(s.registered);
    std::sort(v.begin(), v.end(), [&](auto a, auto b) { return key_less(a->first, b->first); });
    w.U64(v.size());
    for (auto* kv : v) {
      w.U64(kv->first.a);
      w.I64(kv->first.q);
      w.U64(kv->first.b);
      w.I64(kv->second);
    }
  }
  {
    auto v = Sorted(s.stints);
    std::sort(v.begin(), v.end(), [](auto a, auto b) { return a->first < b->first; });
    w.U64(v.size());
    for (auto* kv : v) {
      w.U64(kv->first);
      w.U64(kv->second.size());
      for (const StintEvent& e : kv->second) {
        w.U64(e.position);
        w.I64(e.day);
        w.U64(e.admitted ? 1 : 0);
        w.U64(Opt(e.referred_by));  // kNone -> 0
      }
    }
  }
  w.U64(s.activities.size());
  for (const Activity& a : s.activities) {
    w.U64(a.published_position);
    w.U64(Opt(a.owner));
    w.U64((a.online ? 1 : 0) | (a.key ? 2 : 0) | (a.public_welfare ? 4 : 0));
    w.I64(a.starts_s);
    w.U64(a.starts_ns);
    w.I64(a.published_s);
    w.U64(a.published_ns);
    w.I64(a.ends_day);
    w.I64(a.cancelled);
    w.I64(a.signups);
    w.I64(a.checkins);
    w.I64(a.ratings);
    for (const Uploads& u : a.uploads) PutUploads(w, u);
  }
  w.U64(s.demands.size());
  for (const Demand& d : s.demands) w.U64(Opt(d.completer));
  w.U64(s.products.size());
  for (const Product& p : s.products) {
    w.U64(p.published_position);
    w.U64(Opt(p.provider));
    w.U64(p.public_welfare ? 1 : 0);
    w.I64(p.published_day);
    w.I64(p.withdrawn_day);
  }
  w.U64(s.complaints.size());
  for (const Complaint& c : s.complaints) w.U64(Opt(c.provider));
  {
    auto v = Sorted(s.reports);
    std::sort(v.begin(), v.end(), [](auto a, auto b) {
      return std::tie(a->first.provider, a->first.kind, a->first.period) <
             std::tie(b->first.provider, b->first.kind, b->first.period);
    });
    w.U64(v.size());
    for (auto* kv : v) {
      w.U64(kv->first.provider);
      w.U64(kv->first.kind);
      w.I64(kv->first.period);
      PutUploads(w, kv->second);
    }
  }
  {
    auto v = Sorted(s.assessments);
    std::sort(v.begin(), v.end(), [](auto a, auto b) {
      return std::tie(a->first.subject, a->first.year, a->first.item) <
             std::tie(b->first.subject, b->first.year, b->first.item);
    });
    w.U64(v.size());
    for (auto* kv : v) {
      w.U64(kv->first.subject);
      w.I64(kv->first.year);
      w.U64(kv->first.item);
      w.U64(kv->second.size());
      for (const Assessment& a : kv->second) {
        w.U64(a.position);
        w.Bytes(a.score);
        w.F64(a.score_value);
      }
    }
  }
  w.U64(s.notices.size());
  for (const Notice& n : s.notices) {
    w.U64(n.position);
    w.U64(n.live ? 1 : 0);
    w.Bytes(n.event_id);
    w.Bytes(n.period);
    w.I64(n.notice_position);
    w.Bytes(n.rules);
    w.Bytes(n.digest);
  }
}

Status Projection::Deserialize(std::string_view bytes, std::unique_ptr<Projection>* out) {
  auto p = Empty();
  FoldState& s = *p->state_;
  Reader r(bytes);
  auto bad = [](const char* what) {
    return Status::Corruption(std::string("saved projection state is damaged (") + what + ")");
  };
  char magic[8];
  if (!r.Raw(magic, 8) || std::string_view(magic, 8) != kMagic) return bad("format");
  s.position = r.U64();
  r.Raw(s.hash.data(), s.hash.size());
  s.recorded_at_us = r.I64();
  if (!GetInterner(r, &s.subjects, kCityCount)) return bad("subjects");
  if (!GetInterner(r, &s.activity_ids) || !GetInterner(r, &s.demand_ids) ||
      !GetInterner(r, &s.product_ids) || !GetInterner(r, &s.complaint_ids))
    return bad("object ids");
  const uint64_t nsubj = s.subjects.size();
  auto subj = [&](uint64_t v) -> uint32_t {  // stored +1, 0 = none
    if (v == 0) return kNone;
    if (v - 1 >= nsubj) {
      r.Fail();
      return kNone;
    }
    return static_cast<uint32_t>(v - 1);
  };
  uint64_t n = r.Count();
  s.counters.reserve(n);
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    const uint64_t key = r.U64();
    Counters c;
    c.demand_matches = r.I32();
    c.linkage = r.I32();
    c.demand_collection = r.I32();
    c.media = r.I32();
    c.titles = r.I32();
    c.demo_titles = r.I32();
    c.complaints = r.I32();
    for (int k = 0; k < 5; ++k) c.sat[k] = r.I32();
    s.counters.emplace(key, c);
  }
  if (!r.ok()) return bad("section 1");
  n = r.Count();
  s.served.reserve(n);
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    TripleKey k{r.U32(), r.I32(), r.U32()};
    ServedCount c;
    c.all = r.I32();
    c.public_welfare = r.I32();
    s.served.emplace(k, c);
  }
  if (!r.ok()) return bad("section 2");
  n = r.Count();
  s.registered.reserve(n);
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    TripleKey k{r.U32(), r.I32(), r.U32()};
    s.registered.emplace(k, r.I32());
  }
  if (!r.ok()) return bad("section 3");
  n = r.Count();
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    const uint32_t inst = r.U32();
    auto& v = s.stints[inst];
    const uint64_t m = r.Count(4);
    for (uint64_t j = 0; j < m && r.ok(); ++j) {
      StintEvent e;
      e.position = r.U64();
      e.day = r.I32();
      e.admitted = r.U64() != 0;
      e.referred_by = subj(r.U64());
      v.push_back(e);
    }
  }
  if (!r.ok()) return bad("section 4");
  n = r.Count(16);
  if (n != s.activity_ids.size() && n > s.activity_ids.size()) return bad("activities");
  s.activities.resize(n);
  for (Activity& a : s.activities) {
    if (!r.ok()) break;
    a.published_position = r.U64();
    a.owner = subj(r.U64());
    const uint64_t f = r.U64();
    a.online = f & 1;
    a.key = f & 2;
    a.public_welfare = f & 4;
    a.starts_s = r.I64();
    a.starts_ns = r.U32();
    a.published_s = r.I64();
    a.published_ns = r.U32();
    a.ends_day = r.I32();
    a.cancelled = r.I32();
    a.signups = r.I32();
    a.checkins = r.I32();
    a.ratings = r.I32();
    for (Uploads& u : a.uploads) GetUploads(r, &u);
  }
  if (!r.ok()) return bad("section 5");
  n = r.Count();
  if (n > s.demand_ids.size()) return bad("demands");
  s.demands.resize(n);
  for (Demand& d : s.demands) d.completer = subj(r.U64());
  if (!r.ok()) return bad("section 6");
  n = r.Count(5);
  if (n > s.product_ids.size()) return bad("products");
  s.products.resize(n);
  for (Product& pr : s.products) {
    if (!r.ok()) break;
    pr.published_position = r.U64();
    pr.provider = subj(r.U64());
    pr.public_welfare = r.U64() != 0;
    pr.published_day = r.I32();
    pr.withdrawn_day = r.I32();
  }
  if (!r.ok()) return bad("section 7");
  n = r.Count();
  if (n > s.complaint_ids.size()) return bad("complaints");
  s.complaints.resize(n);
  for (Complaint& c : s.complaints) c.provider = subj(r.U64());
  if (!r.ok()) return bad("section 8");
  n = r.Count(4);
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    ReportKey k;
    k.provider = r.U32();
    k.kind = r.U32();
    k.period = r.I32();
    GetUploads(r, &s.reports[k]);
  }
  if (!r.ok()) return bad("section 9");
  n = r.Count(4);
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    AssessmentKey k;
    k.subject = r.U32();
    k.year = r.I64();
    k.item = r.U32();
    auto& v = s.assessments[k];
    const uint64_t m = r.Count(10);
    for (uint64_t j = 0; j < m && r.ok(); ++j) {
      Assessment a;
      a.position = r.U64();
      a.score = std::string(r.Bytes());
      a.score_value = r.F64();
      v.push_back(std::move(a));
    }
  }
  if (!r.ok()) return bad("section 10");
  n = r.Count(7);
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    Notice no;
    no.position = r.U64();
    no.live = r.U64() != 0;
    no.event_id = std::string(r.Bytes());
    no.period = std::string(r.Bytes());
    no.notice_position = r.I64();
    no.rules = std::string(r.Bytes());
    no.digest = std::string(r.Bytes());
    s.notices.push_back(std::move(no));
  }
  if (!r.ok() || !r.done()) return bad("truncated or trailing bytes");
  *out = std::move(p);
  return Status::Ok();
}

}  // namespace smeledger::projections
