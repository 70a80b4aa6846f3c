#include "smeledger/projections/projection.h"

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <algorithm>
#include <cstring>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <thread>
#include <optional>

#include <absl/container/flat_hash_map.h>

#include "fold_state.h"
#include "serial.h"
#include "smeledger/ledger/civil_time.h"

namespace smeledger::projections {

using internal::FoldState;

// ---------------------------------------------------------------------------------------------
// Period

int32_t Period::first_day() const {
  return DaysFromCivil(year, is_year() ? 1u : static_cast<unsigned>((quarter - 1) * 3 + 1), 1);
}

int32_t Period::last_day() const {
  if (is_year() || quarter == 4) return DaysFromCivil(year, 12, 31);
  return DaysFromCivil(year, static_cast<unsigned>(quarter * 3 + 1), 1) - 1;
}

std::string Period::ToString() const {
  char b[16];
  if (is_year())
    std::snprintf(b, sizeof b, "%04d", year);
  else
    std::snprintf(b, sizeof b, "%04d-Q%d", year, quarter);
  return b;
}

Result<Period> Period::Parse(std::string_view t) {
  auto digits = [&](size_t from, size_t n) {
    for (size_t i = from; i < from + n; ++i)
      if (i >= t.size() || t[i] < '0' || t[i] > '9') return false;
    return true;
  };
  if ((t.size() == 4 || (t.size() == 7 && t[4] == '-' && t[5] == 'Q' && t[6] >= '1' &&
                         t[6] <= '4')) &&
      digits(0, 4)) {
    Period p;
    p.year = (t[0] - '0') * 1000 + (t[1] - '0') * 100 + (t[2] - '0') * 10 + (t[3] - '0');
    p.quarter = t.size() == 7 ? t[6] - '0' : 0;
    if (p.year >= 1) return p;
  }
  return Status::InvalidInput("period \"" + std::string(t) + "\" is not YYYY or YYYY-Qn");
}

namespace internal {

const char* const kCityIds[kCityCount] = {
    "city:340100", "city:340200", "city:340300", "city:340400", "city:340500", "city:340600",
    "city:340700", "city:340800", "city:341000", "city:341100", "city:341200", "city:341300",
    "city:341500", "city:341600", "city:341700", "city:341800"};

int32_t QuarterOfDay(int32_t epoch_day) {
  int y;
  unsigned m, d;
  CivilFromDays(epoch_day, &y, &m, &d);
  return y * 4 + static_cast<int32_t>((m - 1) / 3);
}

FoldState::FoldState() {
  for (int i = 0; i < kCityCount; ++i) subjects.Intern(kCityIds[i]);
}

namespace {

inline std::string_view View(capnp::Text::Reader t) { return std::string_view(t.begin(), t.size()); }

inline int32_t CstDay(int64_t unix_seconds) { return CstEpochDay(unix_seconds); }

inline int32_t RecordedDay(int64_t us) {
  int64_t s = us / 1000000;
  if (us % 1000000 < 0) --s;
  return CstEpochDay(s);
}

template <typename V>
V& At(std::vector<V>& v, uint32_t id) {
  if (id >= v.size()) v.resize(id + 1);
  return v[id];
}

template <typename Vec>
void EraseUpload(Vec& v, uint64_t position) {
  for (auto it = v.begin(); it != v.end(); ++it)
    if (it->position == position) {
      v.erase(it);
      return;
    }
}

// "YYYY-MM" -> year * 12 + month - 1; "YYYY" -> year; -1 if neither.
int32_t ReportPeriod(std::string_view p) {
  auto dig = [&](size_t i) { return i < p.size() && p[i] >= '0' && p[i] <= '9'; };
  if (!(dig(0) && dig(1) && dig(2) && dig(3))) return -1;
  const int y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
  if (p.size() == 4) return y;
  if (p.size() == 7 && p[4] == '-' && dig(5) && dig(6)) {
    const int m = (p[5] - '0') * 10 + (p[6] - '0');
    if (m >= 1 && m <= 12) return y * 12 + m - 1;
  }
  return -1;
}

}  // namespace

void FoldState::Apply(schema::Event::Reader e, int sign, uint64_t pos, int64_t recorded_at_us) {
  using W = schema::Event::Which;
  const int32_t day = CstDay(e.getOccurredAt().getUnixSeconds());
  if (tracer) {
    current_event_id = View(e.getEventId());
    current_type = static_cast<int>(e.which());
  }
  auto trace = [&](Contribution c, uint32_t subject, int32_t d, uint32_t object = kNone,
                   int32_t value = 0) {
    if (tracer) tracer->OnContribution(pos, sign, c, subject, d, object, value);
  };
  auto counters_of = [&](uint32_t subject, int32_t d) -> Counters& {
    return counters[SubjectQuarterKey(subject, QuarterOfDay(d))];
  };
  switch (e.which()) {
    case W::INSTITUTION_ADMITTED: {
      auto x = e.getInstitutionAdmitted();
      const uint32_t inst = subjects.Intern(View(x.getInstitution()));
      const uint32_t ref = x.getReferredBy().size() ? subjects.Intern(View(x.getReferredBy())) : kNone;
      auto& v = stints[inst];
      if (sign > 0)
        v.push_back({pos, day, true, ref});
      else
        EraseUpload(v, pos);
      trace(Contribution::kAdmitted, ref, day, inst);
      break;
    }
    case W::INSTITUTION_REMOVED: {
      auto x = e.getInstitutionRemoved();
      const uint32_t inst = subjects.Intern(View(x.getInstitution()));
      auto& v = stints[inst];
      if (sign > 0)
        v.push_back({pos, day, false, kNone});
      else
        EraseUpload(v, pos);
      trace(Contribution::kRemoved, inst, day);
      break;
    }
    case W::ENTERPRISE_REGISTERED: {
      auto x = e.getEnterpriseRegistered();
      if (x.getReferredBy().size() == 0) break;
      const uint32_t ref = subjects.Intern(View(x.getReferredBy()));
      const uint32_t ent = subjects.Intern(View(x.getEnterprise()));
      registered[TripleKey{ref, QuarterOfDay(day), ent}] += sign;
      trace(Contribution::kRegistered, ref, day, ent);
      break;
    }
    case W::ACTIVITY_PUBLISHED: {
      auto x = e.getActivityPublished();
      const uint32_t id = activity_ids.Intern(View(x.getActivity()));
      Activity& a = At(activities, id);
      if (sign > 0) {
        a.published_position = pos;
        a.owner = subjects.Intern(View(x.getOwner()));
        a.online = x.getMode() == schema::Mode::ONLINE;
        a.key = x.getKey() == schema::OptBool::YES;
        a.public_welfare = x.getPublicWelfare() == schema::OptBool::YES;
        a.starts_s = x.getStartsAt().getUnixSeconds();
        a.starts_ns = x.getStartsAt().getNanos();
        a.published_s = e.getOccurredAt().getUnixSeconds();
        a.published_ns = e.getOccurredAt().getNanos();
        a.ends_day = CstDay(x.getEndsAt().getUnixSeconds());
      } else {
        a.published_position = 0;
      }
      trace(Contribution::kActivity, a.owner, a.ends_day, id);
      break;
    }
    case W::ACTIVITY_CANCELLED: {
      const uint32_t id = activity_ids.Intern(View(e.getActivityCancelled().getActivity()));
      Activity& a = At(activities, id);
      a.cancelled += sign;
      trace(Contribution::kCancelled, a.owner, day, id);
      break;
    }
    case W::ACTIVITY_SIGNUP: {
      const uint32_t id = activity_ids.Intern(View(e.getActivitySignup().getActivity()));
      Activity& a = At(activities, id);
      a.signups += sign;
      trace(Contribution::kSignup, a.owner, day, id);
      break;
    }
    case W::ACTIVITY_CHECKIN: {
      const uint32_t id = activity_ids.Intern(View(e.getActivityCheckin().getActivity()));
      Activity& a = At(activities, id);
      a.checkins += sign;
      trace(Contribution::kCheckin, a.owner, day, id);
      break;
    }
    case W::ACTIVITY_RATED: {
      auto x = e.getActivityRated();
      const uint32_t id = activity_ids.Intern(View(x.getActivity()));
      Activity& a = At(activities, id);
      a.ratings += sign;
      const int64_t score = x.getScore();
      if (a.online && a.owner != kNone && score >= 1 && score <= 5)
        counters_of(a.owner, day).sat[score - 1] += sign;
      trace(Contribution::kActivityRating, a.owner, day, id, static_cast<int32_t>(score));
      break;
    }
    case W::DEMAND_PUBLISHED:
    case W::DEMAND_ACCEPTED:
      break;
    case W::DEMAND_COMPLETED: {
      auto x = e.getDemandCompleted();
      const uint32_t id = demand_ids.Intern(View(x.getDemand()));
      const uint32_t prov = subjects.Intern(View(x.getProvider()));
      At(demands, id).completer = sign > 0 ? prov : kNone;
      counters_of(prov, day).demand_matches += sign;
      trace(Contribution::kDemandMatch, prov, day, id);
      break;
    }
    case W::DEMAND_RATED: {
      auto x = e.getDemandRated();
      const uint32_t id = demand_ids.Intern(View(x.getDemand()));
      const uint32_t prov = At(demands, id).completer;
      const int64_t score = x.getScore();
      if (prov != kNone && score >= 1 && score <= 5) counters_of(prov, day).sat[score - 1] += sign;
      trace(Contribution::kDemandRating, prov, day, id, static_cast<int32_t>(score));
      break;
    }
    case W::SERVICE_DELIVERED: {
      auto x = e.getServiceDelivered();
      const uint32_t prov = subjects.Intern(View(x.getProvider()));
      const uint32_t ent = subjects.Intern(View(x.getEnterprise()));
      const int32_t d = x.getDate().getEpochDay();
      ServedCount& c = served[TripleKey{prov, QuarterOfDay(d), ent}];
      c.all += sign;
      const bool pw = x.getPublicWelfare() == schema::OptBool::YES;
      if (pw) c.public_welfare += sign;
      trace(Contribution::kServed, prov, d, ent, pw ? 1 : 0);
      break;
    }
    case W::REPORT_UPLOADED: {
      auto x = e.getReportUploaded();
      const Upload up{pos, day, RecordedDay(recorded_at_us)};
      const auto kind = x.getKind();
      if (kind == schema::ReportKind::MONTHLY || kind == schema::ReportKind::ANNUAL) {
        const int32_t period = ReportPeriod(View(x.getPeriod()));
        if (period < 0) break;
        const uint32_t prov = subjects.Intern(View(x.getProvider()));
        Uploads& v = reports[ReportKey{prov, static_cast<uint32_t>(kind), period}];
        if (sign > 0)
          v.push_back(up);
        else
          EraseUpload(v, pos);
        trace(Contribution::kReport, prov, day, static_cast<uint32_t>(kind), period);
      } else {
        const uint32_t id = activity_ids.Intern(View(x.getActivity()));
        Activity& a = At(activities, id);
        const int k = static_cast<int>(kind);
        if (k < 0 || k > 2) break;
        if (sign > 0)
          a.uploads[k].push_back(up);
        else
          EraseUpload(a.uploads[k], pos);
        trace(Contribution::kUpload, a.owner, day, id, k);
      }
      break;
    }
    case W::COLLABORATION_RECORDED: {
      const uint32_t prov = subjects.Intern(View(e.getCollaborationRecorded().getProvider()));
      counters_of(prov, day).linkage += sign;
      trace(Contribution::kLinkage, prov, day);
      break;
    }
    case W::DEMAND_COLLECTION_COMPLETED: {
      const uint32_t prov = subjects.Intern(View(e.getDemandCollectionCompleted().getProvider()));
      counters_of(prov, day).demand_collection += sign;
      trace(Contribution::kDemandCollection, prov, day);
      break;
    }
    case W::PRODUCT_PUBLISHED: {
      auto x = e.getProductPublished();
      const uint32_t id = product_ids.Intern(View(x.getProduct()));
      Product& p = At(products, id);
      if (sign > 0) {
        p.published_position = pos;
        p.provider = subjects.Intern(View(x.getProvider()));
        p.public_welfare = x.getPublicWelfare() == schema::OptBool::YES;
        p.published_day = day;
      } else {
        p.published_position = 0;
      }
      trace(Contribution::kProduct, p.provider, day, id);
      break;
    }
    case W::PRODUCT_WITHDRAWN: {
      const uint32_t id = product_ids.Intern(View(e.getProductWithdrawn().getProduct()));
      Product& p = At(products, id);
      p.withdrawn_day = sign > 0 ? day : kNoDay;
      trace(Contribution::kWithdrawn, p.provider, day, id);
      break;
    }
    case W::MEDIA_REPORTED: {
      const uint32_t prov = subjects.Intern(View(e.getMediaReported().getProvider()));
      counters_of(prov, day).media += sign;
      trace(Contribution::kMedia, prov, day);
      break;
    }
    case W::TITLE_AWARDED: {
      auto x = e.getTitleAwarded();
      const uint32_t holder = subjects.Intern(View(x.getHolder()));
      Counters& c = counters_of(holder, day);
      const bool counted = x.getLevel() == schema::Level::PROVINCE ||
                           x.getLevel() == schema::Level::NATIONAL;
      const bool demo = x.getDemonstrationPlatform() == schema::OptBool::YES;
      if (counted) c.titles += sign;
      if (demo) c.demo_titles += sign;
      trace(Contribution::kTitle, holder, day, kNone, (counted ? 1 : 0) | (demo ? 2 : 0));
      break;
    }
    case W::COMPLAINT_FILED: {
      auto x = e.getComplaintFiled();
      const uint32_t id = complaint_ids.Intern(View(x.getComplaint()));
      At(complaints, id).provider = sign > 0 ? subjects.Intern(View(x.getProvider())) : kNone;
      break;
    }
    case W::COMPLAINT_RESOLVED: {
      auto x = e.getComplaintResolved();
      const uint32_t id = complaint_ids.Intern(View(x.getComplaint()));
      const uint32_t prov = At(complaints, id).provider;
      const bool fault = x.getVerdict() == schema::Verdict::PROVIDER_AT_FAULT;
      if (fault && prov != kNone) counters_of(prov, day).complaints += sign;
      trace(Contribution::kComplaint, prov, day, id, fault ? 1 : 0);
      break;
    }
    case W::ASSESSMENT_SCORED: {
      auto x = e.getAssessmentScored();
      const uint32_t subj = subjects.Intern(View(x.getSubject()));
      auto& v = assessments[AssessmentKey{subj, x.getYear(), static_cast<uint32_t>(x.getItem())}];
      if (sign > 0) {
        v.push_back(Assessment{pos, std::string(View(x.getScore())), x.getScoreValue()});
      } else {
        for (auto it = v.begin(); it != v.end(); ++it)
          if (it->position == pos) {
            v.erase(it);
            break;
          }
      }
      trace(Contribution::kAssessment, subj, day, static_cast<uint32_t>(x.getItem()),
            static_cast<int32_t>(x.getYear()));
      break;
    }
    case W::NOTICE_APPROVED: {
      auto x = e.getNoticeApproved();
      if (sign > 0) {
        notices.push_back(Notice{pos, true, std::string(View(e.getEventId())),
                                 std::string(View(x.getPeriod())), x.getPosition(),
                                 std::string(View(x.getRules())), std::string(View(x.getDigest()))});
      } else {
        for (Notice& n : notices)
          if (n.position == pos) n.live = false;
      }
      trace(Contribution::kNotice, kNone, day);
      break;
    }
    case W::EVENT_RETRACTED:
    default:
      break;  // retractions: Projection::ApplyRecord; unknown members (newer writer): no effect
  }
}

}  // namespace internal

// ---------------------------------------------------------------------------------------------
// Projection

namespace {

constexpr uint64_t kTraversalLimitWords = 1 << 16;

// Decodes stored records: an 8-byte-aligned copy and a Cap'n Proto reader with limits.
class Decoder {
 public:
  // Returns false when the bytes are not a framed one-segment message.
  bool Decode(std::string_view bytes) {
    reader_.reset();
    if (bytes.size() < 16 || bytes.size() % 8 != 0) return false;
    uint32_t header[2];
    std::memcpy(header, bytes.data(), sizeof header);
    if (header[0] != 0 || uint64_t{header[1]} * 8 != bytes.size() - 8) return false;
    const size_t words = bytes.size() / 8 - 1;
    if (buf_.size() < words) buf_.resize(words);
    std::memcpy(buf_.data(), bytes.data() + 8, words * 8);
    capnp::ReaderOptions o;
    o.traversalLimitInWords = kTraversalLimitWords;
    o.nestingLimit = 16;
    segs_[0] = kj::arrayPtr(buf_.data(), words);
    reader_.emplace(kj::arrayPtr(segs_, 1), o);
    return true;
  }
  schema::Record::Reader record() { return reader_->getRoot<schema::Record>(); }

 private:
  std::vector<capnp::word> buf_;
  std::optional<capnp::SegmentArrayMessageReader> reader_;
  kj::ArrayPtr<const capnp::word> segs_[1];
};

}  // namespace

Projection::Projection() : state_(std::make_unique<FoldState>()) {}
Projection::~Projection() = default;

std::unique_ptr<Projection> Projection::Empty() {
  return std::unique_ptr<Projection>(new Projection());
}

uint64_t Projection::position() const { return state_->position; }
const ledger::Hash& Projection::hash() const { return state_->hash; }
int64_t Projection::recorded_at_us() const { return state_->recorded_at_us; }
uint64_t Projection::applied() const { return state_->applied; }
void Projection::set_tracer(internal::FoldTracer* tracer) { state_->tracer = tracer; }

int32_t Projection::as_of_day() const {
  int64_t us = state_->recorded_at_us;
  int64_t s = us / 1000000;
  if (us % 1000000 < 0) --s;
  return CstEpochDay(s);
}

namespace {

}  // namespace

Status Projection::ApplyRecord(const ledger::Ledger& ledger, uint64_t position,
                               std::string_view bytes) {
  Decoder dec;
  if (!dec.Decode(bytes))
    return Status::Corruption("record " + std::to_string(position) + " is not a framed message");
  try {
    schema::Record::Reader r = dec.record();
    return ApplyOne(ledger, position, &r);
  } catch (const kj::Exception& ex) {
    return Status::Corruption("record " + std::to_string(position) +
                              " is undecodable: " + ex.getDescription().cStr());
  }
}

// `record` is the decoded record at `position`. A retraction's target is read back from the
// ledger (a point read: retractions are rare, and a flushed ledger answers them from its
// indexed files; one scan plus those reads beats a second full scan).
Status Projection::ApplyOne(const ledger::Ledger& ledger, uint64_t position, const void* record) {
  thread_local Decoder target_dec;
  if (position != state_->position + 1)
    return Status::Corruption("projection: record " + std::to_string(position) +
                              " follows position " + std::to_string(state_->position));
  try {
    schema::Record::Reader r = *static_cast<const schema::Record::Reader*>(record);
    if (r.getPosition() != position)
      return Status::Corruption("record at position " + std::to_string(position) +
                                " says it is at " + std::to_string(r.getPosition()));
    schema::Event::Reader e = r.getEvent();
    if (e.which() == schema::Event::EVENT_RETRACTED) {
      std::string_view tid = internal::View(e.getEventRetracted().getTarget());
      std::string tbytes;
      uint64_t target = 0;
      {
        Status s = ledger.FindEvent(tid, &target);
        if (!s.ok() || target >= position)
          return Status::Corruption("record " + std::to_string(position) +
                                    ": the retraction's target \"" + std::string(tid) +
                                    "\" cannot be found before it" +
                                    (s.ok() ? "" : ": " + s.message()));
        s = ledger.ReadRecord(target, &tbytes);
        if (!s.ok()) return s;
      }
      if (!target_dec.Decode(tbytes))
        return Status::Corruption("record " + std::to_string(target) + " is not a framed message");
      schema::Record::Reader tr = target_dec.record();
      if (state_->tracer) {
        state_->retraction_position = position;
        state_->retraction_event_id = std::string(internal::View(e.getEventId()));
      }
      state_->Apply(tr.getEvent(), -1, target, tr.getRecordedAtUs());
      state_->retraction_position = 0;
    } else {
      state_->Apply(e, +1, position, r.getRecordedAtUs());
    }
    state_->position = position;
    state_->recorded_at_us = r.getRecordedAtUs();
    auto h = r.getHash();
    if (h.size() == 32) std::memcpy(state_->hash.data(), h.begin(), 32);
    ++state_->applied;
  } catch (const kj::Exception& ex) {
    return Status::Corruption("record " + std::to_string(position) +
                              " is undecodable: " + ex.getDescription().cStr());
  }
  return Status::Ok();
}

namespace {

// Records copied out of the ledger into 8-byte-aligned memory by the reader thread, decoded in
// place by the fold thread.
struct Batch {
  explicit Batch(size_t capacity_words)
      : words(new capnp::word[capacity_words]), capacity(capacity_words) {}
  std::unique_ptr<capnp::word[]> words;  // not zero-filled: every word used is copied in
  size_t capacity;
  size_t used = 0;
  struct Rec {
    uint64_t position;
    size_t offset;  // in words
    size_t size;    // in words
  };
  std::vector<Rec> recs;
};

// A bounded single-producer single-consumer queue of batches.
class BatchQueue {
 public:
  void Push(std::unique_ptr<Batch> b) {
    std::unique_lock<std::mutex> lock(mu_);
    space_.wait(lock, [&] { return q_.size() < kDepth || closed_; });
    if (closed_) return;
    q_.push_back(std::move(b));
    ready_.notify_one();
  }
  // nullptr at the end.
  std::unique_ptr<Batch> Pop() {
    std::unique_lock<std::mutex> lock(mu_);
    ready_.wait(lock, [&] { return !q_.empty() || done_; });
    if (q_.empty()) return nullptr;
    auto b = std::move(q_.front());
    q_.pop_front();
    space_.notify_one();
    return b;
  }
  void Done() {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
    ready_.notify_all();
  }
  void Close() {  // the consumer gives up
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    space_.notify_all();
  }

 private:
  static constexpr size_t kDepth = 4;
  std::mutex mu_;
  std::condition_variable ready_, space_;
  std::deque<std::unique_ptr<Batch>> q_;
  bool done_ = false, closed_ = false;
};

constexpr size_t kBatchWords = 512 << 10;         // 4 MiB

}  // namespace

Status Projection::Advance(const ledger::Ledger& ledger, uint64_t to) {
  const uint64_t head = ledger.head().position;
  if (to == 0) to = head;
  if (to > head)
    return Status::InvalidInput("position " + std::to_string(to) + " is beyond the head (" +
                                std::to_string(head) + ")");
  if (to <= state_->position) return Status::Ok();
  const uint64_t from = state_->position + 1;
  // A reader thread copies records into aligned batches; this thread folds them.
  BatchQueue queue;
  Status read_status;
  capnp::ReaderOptions o;
  o.traversalLimitInWords = kTraversalLimitWords;
  o.nestingLimit = 16;
  std::thread reader([&] {
    auto batch = std::make_unique<Batch>(kBatchWords);
    Status s = ledger.ScanRecords(from, to, [&](uint64_t pos, std::string_view bytes) {
      uint32_t header[2] = {1, 0};
      if (bytes.size() >= 16 && bytes.size() % 8 == 0) std::memcpy(header, bytes.data(), 8);
      if (header[0] != 0 || uint64_t{header[1]} * 8 != bytes.size() - 8) {
        read_status =
            Status::Corruption("record " + std::to_string(pos) + " is not a framed message");
        return false;
      }
      const size_t n = bytes.size() / 8 - 1;
      if (batch->used + n > batch->capacity) {
        if (!batch->recs.empty()) queue.Push(std::move(batch));
        batch = std::make_unique<Batch>(std::max(kBatchWords, n));
      }
      const size_t off = batch->used;
      std::memcpy(batch->words.get() + off, bytes.data() + 8, n * 8);
      batch->used += n;
      batch->recs.push_back({pos, off, n});
      return true;
    });
    if (!batch->recs.empty()) queue.Push(std::move(batch));
    if (read_status.ok()) read_status = s;
    queue.Done();
  });
  Status fold_status;
  while (auto batch = queue.Pop()) {
    if (!fold_status.ok()) continue;  // drain
    for (const Batch::Rec& rec : batch->recs) {
      kj::ArrayPtr<const capnp::word> seg(batch->words.get() + rec.offset, rec.size);
      kj::ArrayPtr<const capnp::word> segs[1] = {seg};
      try {
        capnp::SegmentArrayMessageReader msg(kj::arrayPtr(segs, 1), o);
        schema::Record::Reader r = msg.getRoot<schema::Record>();
        fold_status = ApplyOne(ledger, rec.position, &r);
      } catch (const kj::Exception& ex) {
        fold_status = Status::Corruption("record " + std::to_string(rec.position) +
                                         " is undecodable: " + ex.getDescription().cStr());
      }
      if (!fold_status.ok()) {
        queue.Close();
        break;
      }
    }
  }
  reader.join();
  if (!fold_status.ok()) return fold_status;
  if (!read_status.ok()) return read_status;
  if (state_->position != to)
    return Status::Corruption("the ledger ended at position " + std::to_string(state_->position) +
                              " before " + std::to_string(to));
  return Status::Ok();
}

}  // namespace smeledger::projections
