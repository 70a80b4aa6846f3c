// A stored event back to the JSON value that was submitted, in RFC 8785 form.

#include <algorithm>

#include "event_schema.h"
#include "line_parser.h"
#include "smeledger/ledger/canonical_json.h"

namespace smeledger::ledger {
namespace {

// One member of the output object. Every contract key is ASCII, so byte order is RFC 8785's
// UTF-16 order.
struct Member {
  enum class Kind : uint8_t { kText, kInt, kNumber, kBool, kRawNumber };
  std::string_view key;
  Kind kind;
  std::string_view text;
  int64_t i;
  double d;
};

class MemberList {
 public:
  void Text(std::string_view key, std::string_view v) { Add({key, Member::Kind::kText, v, 0, 0}); }
  void Text(std::string_view key, capnp::Text::Reader v) { Text(key, View(v)); }
  // Absent optional subjects are the empty Text.
  void OptionalText(std::string_view key, capnp::Text::Reader v) {
    if (v.size() != 0) Text(key, v);
  }
  void Int(std::string_view key, int64_t v) { Add({key, Member::Kind::kInt, {}, v, 0}); }
  void Number(std::string_view key, double v) { Add({key, Member::Kind::kNumber, {}, 0, v}); }
  // A number token copied as is (not checked here: Parse() checks what it reads back).
  void RawNumber(std::string_view key, capnp::Text::Reader v) {
    Add({key, Member::Kind::kRawNumber, View(v), 0, 0});
  }
  void Bool(std::string_view key, schema::OptBool v) {
    if (v != schema::OptBool::ABSENT)
      Add({key, Member::Kind::kBool, {}, v == schema::OptBool::YES, 0});
  }
  void Time(std::string_view key, schema::Time::Reader t) { Text(key, t.getText()); }

  void AppendTo(std::string* out) {
    std::sort(members_, members_ + n_,
              [](const Member& a, const Member& b) { return a.key < b.key; });
    out->push_back('{');
    for (int k = 0; k < n_; ++k) {
      const Member& m = members_[k];
      if (k != 0) out->push_back(',');
      AppendJsonString(out, m.key);
      out->push_back(':');
      switch (m.kind) {
        case Member::Kind::kText:
          AppendJsonString(out, m.text);
          break;
        case Member::Kind::kInt:
          AppendJsonInt(out, m.i);
          break;
        case Member::Kind::kNumber:
          AppendJsonNumber(out, m.d);
          break;
        case Member::Kind::kBool:
          out->append(m.i ? "true" : "false");
          break;
        case Member::Kind::kRawNumber:
          out->append(m.text);
          break;
      }
    }
    out->push_back('}');
  }

 private:
  static std::string_view View(capnp::Text::Reader t) { return {t.begin(), t.size()}; }
  void Add(const Member& m) { members_[n_++] = m; }

  Member members_[16];  // the envelope's 4 plus at most 8 fields
  int n_ = 0;
};

void AppendEventJsonImpl(schema::Event::Reader event, bool score_as_written, std::string* out) {
  MemberList m;
  m.Text("event_id", event.getEventId());
  m.Text("type", EventTypeName(event.which()));
  m.Time("occurred_at", event.getOccurredAt());
  m.Text("actor", event.getActor());
  const auto name = [](const auto& names, auto value) {
    return NameAt(names, static_cast<size_t>(value));
  };
  switch (event.which()) {
    case schema::Event::INSTITUTION_ADMITTED: {
      auto e = event.getInstitutionAdmitted();
      m.Text("institution", e.getInstitution());
      m.Text("city", e.getCity());
      m.Text("name", e.getName());
      m.OptionalText("referred_by", e.getReferredBy());
      break;
    }
    case schema::Event::INSTITUTION_REMOVED: {
      auto e = event.getInstitutionRemoved();
      m.Text("institution", e.getInstitution());
      m.Text("reason", e.getReason());
      break;
    }
    case schema::Event::ENTERPRISE_REGISTERED: {
      auto e = event.getEnterpriseRegistered();
      m.Text("enterprise", e.getEnterprise());
      m.Text("channel", name(kChannelNames, e.getChannel()));
      m.OptionalText("referred_by", e.getReferredBy());
      break;
    }
    case schema::Event::ACTIVITY_PUBLISHED: {
      auto e = event.getActivityPublished();
      m.Text("activity", e.getActivity());
      m.Text("owner", e.getOwner());
      m.Text("mode", name(kModeNames, e.getMode()));
      m.Text("title", e.getTitle());
      m.Time("starts_at", e.getStartsAt());
      m.Time("ends_at", e.getEndsAt());
      m.Bool("key", e.getKey());
      m.Bool("public_welfare", e.getPublicWelfare());
      break;
    }
    case schema::Event::ACTIVITY_CANCELLED: {
      auto e = event.getActivityCancelled();
      m.Text("activity", e.getActivity());
      m.Text("reason", e.getReason());
      break;
    }
    case schema::Event::ACTIVITY_SIGNUP: {
      auto e = event.getActivitySignup();
      m.Text("activity", e.getActivity());
      m.Text("enterprise", e.getEnterprise());
      break;
    }
    case schema::Event::ACTIVITY_CHECKIN: {
      auto e = event.getActivityCheckin();
      m.Text("activity", e.getActivity());
      m.Text("enterprise", e.getEnterprise());
      break;
    }
    case schema::Event::ACTIVITY_RATED: {
      auto e = event.getActivityRated();
      m.Text("activity", e.getActivity());
      m.Text("enterprise", e.getEnterprise());
      m.Int("score", e.getScore());
      break;
    }
    case schema::Event::DEMAND_PUBLISHED: {
      auto e = event.getDemandPublished();
      m.Text("demand", e.getDemand());
      m.Text("enterprise", e.getEnterprise());
      m.Text("city", e.getCity());
      m.Text("title", e.getTitle());
      break;
    }
    case schema::Event::DEMAND_ACCEPTED: {
      auto e = event.getDemandAccepted();
      m.Text("demand", e.getDemand());
      m.Text("provider", e.getProvider());
      break;
    }
    case schema::Event::DEMAND_COMPLETED: {
      auto e = event.getDemandCompleted();
      m.Text("demand", e.getDemand());
      m.Text("provider", e.getProvider());
      break;
    }
    case schema::Event::DEMAND_RATED: {
      auto e = event.getDemandRated();
      m.Text("demand", e.getDemand());
      m.Text("enterprise", e.getEnterprise());
      m.Int("score", e.getScore());
      break;
    }
    case schema::Event::SERVICE_DELIVERED: {
      auto e = event.getServiceDelivered();
      m.Text("provider", e.getProvider());
      m.Text("enterprise", e.getEnterprise());
      m.Text("date", e.getDate().getText());
      m.Bool("public_welfare", e.getPublicWelfare());
      break;
    }
    case schema::Event::REPORT_UPLOADED: {
      auto e = event.getReportUploaded();
      m.Text("provider", e.getProvider());
      m.Text("kind", name(kReportKindNames, e.getKind()));
      m.OptionalText("activity", e.getActivity());
      m.OptionalText("period", e.getPeriod());
      m.Text("sha256", e.getSha256());
      m.Int("bytes", e.getBytes());
      break;
    }
    case schema::Event::COLLABORATION_RECORDED: {
      auto e = event.getCollaborationRecorded();
      m.Text("provider", e.getProvider());
      m.Text("kind", name(kCollaborationKindNames, e.getKind()));
      break;
    }
    case schema::Event::DEMAND_COLLECTION_COMPLETED: {
      auto e = event.getDemandCollectionCompleted();
      m.Text("provider", e.getProvider());
      m.Text("campaign", e.getCampaign());
      break;
    }
    case schema::Event::PRODUCT_PUBLISHED: {
      auto e = event.getProductPublished();
      m.Text("product", e.getProduct());
      m.Text("provider", e.getProvider());
      m.Text("title", e.getTitle());
      m.Bool("public_welfare", e.getPublicWelfare());
      break;
    }
    case schema::Event::PRODUCT_WITHDRAWN: {
      m.Text("product", event.getProductWithdrawn().getProduct());
      break;
    }
    case schema::Event::MEDIA_REPORTED: {
      auto e = event.getMediaReported();
      m.Text("provider", e.getProvider());
      m.Text("level", name(kLevelNames, e.getLevel()));
      m.Text("outlet", e.getOutlet());
      m.Text("title", e.getTitle());
      break;
    }
    case schema::Event::TITLE_AWARDED: {
      auto e = event.getTitleAwarded();
      m.Text("holder", e.getHolder());
      m.Text("title", e.getTitle());
      m.Text("level", name(kLevelNames, e.getLevel()));
      m.Bool("demonstration_platform", e.getDemonstrationPlatform());
      break;
    }
    case schema::Event::COMPLAINT_FILED: {
      auto e = event.getComplaintFiled();
      m.Text("complaint", e.getComplaint());
      m.Text("provider", e.getProvider());
      m.Text("enterprise", e.getEnterprise());
      break;
    }
    case schema::Event::COMPLAINT_RESOLVED: {
      auto e = event.getComplaintResolved();
      m.Text("complaint", e.getComplaint());
      m.Text("verdict", name(kVerdictNames, e.getVerdict()));
      break;
    }
    case schema::Event::ASSESSMENT_SCORED: {
      auto e = event.getAssessmentScored();
      m.Text("subject", e.getSubject());
      m.Int("year", e.getYear());
      m.Text("item", name(kAssessmentItemNames, e.getItem()));
      // The written text ("4.50") and the value are both kept; JSON compares by value.
      if (score_as_written) {
        m.RawNumber("score", e.getScore());
      } else {
        m.Number("score", e.getScoreValue());
      }
      break;
    }
    case schema::Event::EVENT_RETRACTED: {
      auto e = event.getEventRetracted();
      m.Text("target", e.getTarget());
      m.Text("reason", e.getReason());
      break;
    }
    case schema::Event::NOTICE_APPROVED: {
      auto e = event.getNoticeApproved();
      m.Text("period", e.getPeriod());
      m.Int("position", e.getPosition());
      m.Text("rules", e.getRules());
      m.Text("digest", e.getDigest());
      break;
    }
  }
  m.AppendTo(out);
}

}  // namespace

std::string_view EventTypeName(schema::Event::Which which) {
  return NameAt(kEventTypeNames, static_cast<size_t>(which));
}

bool EventTypeFromName(std::string_view name, schema::Event::Which* out) {
  const int i = kEventTypeIndex.Find(name);
  if (i < 0) return false;
  *out = static_cast<schema::Event::Which>(i);
  return true;
}

void AppendEventJson(schema::Event::Reader event, std::string* out) {
  AppendEventJsonImpl(event, /*score_as_written=*/false, out);
}

void AppendEventJsonAsWritten(schema::Event::Reader event, std::string* out) {
  AppendEventJsonImpl(event, /*score_as_written=*/true, out);
}

}  // namespace smeledger::ledger
