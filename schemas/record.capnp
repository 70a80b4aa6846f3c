# The ledger record and the 25 event types of contract v1 (EVENTS.md).
#
# A record is stored, hashed and published as one single-segment Cap'n Proto message in
# canonical form (see schemas/README.md). Every field that a submitter wrote is kept exactly as
# written (times, hex, decimal scores) so that the event's JSON value, and so its RFC 8785
# canonical form, can be reproduced byte for byte; derived values (instants, day numbers,
# parsed decimals) sit beside them so that projections never reparse text.
#
# Evolution rules: schemas/README.md. Never renumber, retype or remove a field.

@0xdb30ed13bdeb50a3;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("smeledger::schema");

# An optional JSON bool: absent and false are different JSON values (duplicate detection),
# though rules and projections read absent as false.
enum OptBool {
  absent @0;
  no @1;
  yes @2;
}

# An RFC 3339 time as submitted, with the instant it names.
struct Time {
  text @0 :Text;          # exactly as written, e.g. "2019-07-01T10:00:00+08:00"
  unixSeconds @1 :Int64;  # the instant: whole seconds since 1970-01-01T00:00:00Z
  nanos @2 :UInt32;       # fraction of the second, truncated to nanoseconds
}

# A calendar date `YYYY-MM-DD` as submitted.
struct Date {
  text @0 :Text;
  epochDay @1 :Int32;     # days since 1970-01-01
}

enum Mode { online @0; offline @1; }
enum Channel { platform @0; wechat @1; }
enum ReportKind { attendeeList @0; photos @1; summary @2; monthly @3; annual @4; }
enum CollaborationKind {
  expertCollection @0; publicWelfare @1; demandSurvey @2; matchmaking @3;
  featuredPromotion @4; cityOrganised @5;
}
enum Level { city @0; province @1; national @2; }
enum Verdict { providerAtFault @0; notAtFault @1; }
enum AssessmentItem { infrastructure @0; serviceNorms @1; internetPlatform @2; }

# Subject ids are Text in their written form: "province", "dept", "city:340100",
# "inst:HF-0007", "ent:91340100MA2N0X1234". An absent optional subject is the empty Text.

struct InstitutionAdmitted { institution @0 :Text; city @1 :Text; name @2 :Text; referredBy @3 :Text; }
struct InstitutionRemoved { institution @0 :Text; reason @1 :Text; }
struct EnterpriseRegistered { enterprise @0 :Text; channel @1 :Channel; referredBy @2 :Text; }
struct ActivityPublished {
  activity @0 :Text; owner @1 :Text; mode @2 :Mode; title @3 :Text;
  startsAt @4 :Time; endsAt @5 :Time; key @6 :OptBool; publicWelfare @7 :OptBool;
}
struct ActivityCancelled { activity @0 :Text; reason @1 :Text; }
struct ActivitySignup { activity @0 :Text; enterprise @1 :Text; }
struct ActivityCheckin { activity @0 :Text; enterprise @1 :Text; }
struct ActivityRated { activity @0 :Text; enterprise @1 :Text; score @2 :Int64; }
struct DemandPublished { demand @0 :Text; enterprise @1 :Text; city @2 :Text; title @3 :Text; }
struct DemandAccepted { demand @0 :Text; provider @1 :Text; }
struct DemandCompleted { demand @0 :Text; provider @1 :Text; }
struct DemandRated { demand @0 :Text; enterprise @1 :Text; score @2 :Int64; }
struct ServiceDelivered { provider @0 :Text; enterprise @1 :Text; date @2 :Date; publicWelfare @3 :OptBool; }
struct ReportUploaded {
  provider @0 :Text; kind @1 :ReportKind;
  activity @2 :Text;      # attendee_list, photos, summary; else empty
  period @3 :Text;        # "YYYY-MM" for monthly, "YYYY" for annual; else empty
  sha256 @4 :Text;        # as written (either case)
  bytes @5 :Int64;
}
struct CollaborationRecorded { provider @0 :Text; kind @1 :CollaborationKind; }
struct DemandCollectionCompleted { provider @0 :Text; campaign @1 :Text; }
struct ProductPublished { product @0 :Text; provider @1 :Text; title @2 :Text; publicWelfare @3 :OptBool; }
struct ProductWithdrawn { product @0 :Text; }
struct MediaReported { provider @0 :Text; level @1 :Level; outlet @2 :Text; title @3 :Text; }
struct TitleAwarded { holder @0 :Text; title @1 :Text; level @2 :Level; demonstrationPlatform @3 :OptBool; }
struct ComplaintFiled { complaint @0 :Text; provider @1 :Text; enterprise @2 :Text; }
struct ComplaintResolved { complaint @0 :Text; verdict @1 :Verdict; }
struct AssessmentScored {
  subject @0 :Text; year @1 :Int64; item @2 :AssessmentItem;
  score @3 :Text;         # the JSON number exactly as written, e.g. "4.50"
  scoreValue @4 :Float64; # its nearest double
}
struct EventRetracted { target @0 :Text; reason @1 :Text; }
struct NoticeApproved { period @0 :Text; position @1 :Int64; rules @2 :Text; digest @3 :Text; }

struct Event {
  eventId @0 :Text;
  occurredAt @1 :Time;
  actor @2 :Text;
  union {
    institutionAdmitted @3 :InstitutionAdmitted;
    institutionRemoved @4 :InstitutionRemoved;
    enterpriseRegistered @5 :EnterpriseRegistered;
    activityPublished @6 :ActivityPublished;
    activityCancelled @7 :ActivityCancelled;
    activitySignup @8 :ActivitySignup;
    activityCheckin @9 :ActivityCheckin;
    activityRated @10 :ActivityRated;
    demandPublished @11 :DemandPublished;
    demandAccepted @12 :DemandAccepted;
    demandCompleted @13 :DemandCompleted;
    demandRated @14 :DemandRated;
    serviceDelivered @15 :ServiceDelivered;
    reportUploaded @16 :ReportUploaded;
    collaborationRecorded @17 :CollaborationRecorded;
    demandCollectionCompleted @18 :DemandCollectionCompleted;
    productPublished @19 :ProductPublished;
    productWithdrawn @20 :ProductWithdrawn;
    mediaReported @21 :MediaReported;
    titleAwarded @22 :TitleAwarded;
    complaintFiled @23 :ComplaintFiled;
    complaintResolved @24 :ComplaintResolved;
    assessmentScored @25 :AssessmentScored;
    eventRetracted @26 :EventRetracted;
    noticeApproved @27 :NoticeApproved;
  }
}

# One immutable ledger record.
#   hash = SHA-256(prevHash ‖ canonical bytes of this Record with `hash` = 32 zero bytes)
# where canonical bytes are Cap'n Proto's canonical form (capnp::canonicalize), without a
# segment table; `hash` being the last pointer, its blob is the last 32 bytes of that form.
# Position 1 has 32 zero bytes as prevHash.
struct Record {
  position @0 :UInt64;      # 1-based, gap-free
  recordedAtUs @1 :Int64;   # the ledger's clock at append: microseconds since the Unix epoch (UTC)
  prevHash @2 :Data;        # 32 bytes
  event @3 :Event;
  hash @4 :Data;            # 32 bytes
}
