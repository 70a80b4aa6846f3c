#include "record_codec.h"

#include <capnp/any.h>
#include <capnp/serialize.h>

#include <cstring>
#include <stdexcept>

namespace smeledger::ledger {

// OpenSSL 3 looks an algorithm up on every EVP_sha256() init; fetch it once per Sha256.
Sha256::Sha256() : ctx_(EVP_MD_CTX_new()), md_(EVP_MD_fetch(nullptr, "SHA256", nullptr)) {
  if (ctx_ == nullptr || md_ == nullptr) throw std::bad_alloc();
}
Sha256::~Sha256() {
  EVP_MD_free(md_);
  EVP_MD_CTX_free(ctx_);
}

Hash Sha256::Digest(const Hash& prefix, const void* data, size_t n) {
  Hash out;
  unsigned int len = 0;
  EVP_DigestInit_ex2(ctx_, md_, nullptr);
  EVP_DigestUpdate(ctx_, prefix.data(), prefix.size());
  EVP_DigestUpdate(ctx_, data, n);
  EVP_DigestFinal_ex(ctx_, out.data(), &len);
  return out;
}

Hash Sha256::Digest2(const Hash& prefix, const void* a, size_t an, const void* b, size_t bn) {
  Hash out;
  unsigned int len = 0;
  EVP_DigestInit_ex2(ctx_, md_, nullptr);
  EVP_DigestUpdate(ctx_, prefix.data(), prefix.size());
  EVP_DigestUpdate(ctx_, a, an);
  EVP_DigestUpdate(ctx_, b, bn);
  EVP_DigestFinal_ex(ctx_, out.data(), &len);
  return out;
}

Hash Sha256::Digest(const void* data, size_t n) {
  Hash out;
  unsigned int len = 0;
  EVP_DigestInit_ex2(ctx_, md_, nullptr);
  EVP_DigestUpdate(ctx_, data, n);
  EVP_DigestFinal_ex(ctx_, out.data(), &len);
  return out;
}

bool StoredRecordHash(std::string_view bytes, Hash* out) {
  if (bytes.size() < 8 + 8 + kHashBytes) return false;  // framing, root pointer, the hash
  std::memcpy(out->data(), bytes.data() + bytes.size() - kHashBytes, kHashBytes);
  return true;
}

Hash HashFromData(capnp::Data::Reader d) {
  Hash h{};
  if (d.size() == h.size()) std::memcpy(h.data(), d.begin(), h.size());
  return h;
}

namespace {

void AppendFramed(kj::ArrayPtr<const capnp::word> words, std::string* out) {
  const uint32_t header[2] = {0, static_cast<uint32_t>(words.size())};  // little-endian hosts
  out->assign(reinterpret_cast<const char*>(header), sizeof header);
  out->append(reinterpret_cast<const char*>(words.begin()), words.size() * sizeof(capnp::word));
}

// Byte offsets in a framed record (8 bytes of framing, then words; see PrepareRecord).
constexpr size_t kPositionOffset = 8 + 8 * 1;
constexpr size_t kRecordedAtOffset = 8 + 8 * 2;
constexpr size_t kPrevHashOffset = 8 + 8 * 6;
}  // namespace

bool PrepareRecord(capnp::MessageBuilder* message, std::string* framed) {
  static constexpr Hash kZero{};
  schema::Record::Builder record = message->getRoot<schema::Record>();
  record.setPosition(1);
  record.setRecordedAtUs(1);
  record.setPrevHash(kj::arrayPtr(kZero.data(), kZero.size()));
  record.setHash(kj::arrayPtr(kZero.data(), kZero.size()));
  // capnp::canonicalize() measures the message, allocates twice, copies twice and re-checks its
  // own output; this is its core (a canonical copy of the root struct) done once, straight into
  // the string's memory after the framing. A canonical copy is never larger than its source;
  // +1 word for the root pointer.
  const size_t source_words = message->sizeInWords();
  if (source_words > 0) {
    const size_t cap = source_words + 1;
    framed->assign(8 + cap * sizeof(capnp::word), '\0');  // a builder's segment starts zeroed
    auto* first = reinterpret_cast<capnp::word*>(framed->data() + 8);  // 8-aligned: heap memory
    // FlatMessageBuilder, as capnp::canonicalize uses: it writes only into the given array
    // (throwing if that were too small) and, unlike MallocMessageBuilder with scratch space,
    // does not zero it again when destroyed.
    size_t used = 0;
    if (reinterpret_cast<uintptr_t>(first) % alignof(capnp::word) == 0) {
      try {
        capnp::FlatMessageBuilder mb(kj::arrayPtr(first, cap));
        capnp::_::PointerHelpers<capnp::AnyPointer>::getInternalBuilder(
            mb.initRoot<capnp::AnyPointer>())
            .setStruct(capnp::_::PointerHelpers<schema::Record>::getInternalReader(
                           record.asReader()),
                       /*canonical=*/true);
        auto segments = mb.getSegmentsForOutput();
        if (segments.size() == 1 && segments[0].begin() == first) used = segments[0].size();
      } catch (const kj::Exception&) {
        used = 0;
      }
    }
    if (used > 0) {
      const uint32_t header[2] = {0, static_cast<uint32_t>(used)};
      std::memcpy(framed->data(), header, sizeof header);
      framed->resize(8 + used * sizeof(capnp::word));
      return true;
    }
  }
  kj::Array<capnp::word> words = capnp::canonicalize(record.asReader());
  AppendFramed(words, framed);
  return false;
}

void StampPrepared(std::string* framed, uint64_t position, int64_t recorded_at_us) {
  char* b = framed->data();
  std::memcpy(b + kPositionOffset, &position, 8);  // little-endian, like Cap'n Proto
  std::memcpy(b + kRecordedAtOffset, &recorded_at_us, 8);
}

Hash SealStamped(std::string* framed, const Hash& prev_hash, Sha256* sha) {
  char* b = framed->data();
  std::memcpy(b + kPrevHashOffset, prev_hash.data(), kHashBytes);
  char* tail = b + framed->size() - kHashBytes;
  std::memset(tail, 0, kHashBytes);
  const Hash h = sha->Digest(prev_hash, b + 8, framed->size() - 8);
  std::memcpy(tail, h.data(), kHashBytes);
  return h;
}

bool RecordDecoder::Decode(std::string_view bytes, std::string* why) {
  reader_.reset();
  if (bytes.size() < 16 || bytes.size() % 8 != 0) {
    if (why) *why = "record is " + std::to_string(bytes.size()) + " bytes, not a framed message";
    return false;
  }
  uint32_t header[2];
  std::memcpy(header, bytes.data(), sizeof header);
  if (header[0] != 0 || uint64_t{header[1]} * 8 != bytes.size() - 8) {
    if (why) *why = "record framing is not one segment of its stored size";
    return false;
  }
  words_.resize(bytes.size() / 8);
  std::memcpy(words_.data(), bytes.data(), bytes.size());
  capnp::ReaderOptions opts;
  opts.traversalLimitInWords = kRecordTraversalLimitWords;
  opts.nestingLimit = kRecordNestingLimit;
  try {
    reader_ = std::make_unique<capnp::FlatArrayMessageReader>(
        kj::arrayPtr(words_.data(), words_.size()), opts);
    record_ = reader_->getRoot<schema::Record>();
    // Touch the event so that structural damage surfaces here, not in a caller's loop.
    (void)record_.getEvent().getEventId();
    (void)record_.getEvent().which();
  } catch (const kj::Exception& e) {
    if (why) *why = std::string("undecodable record: ") + e.getDescription().cStr();
    reader_.reset();
    return false;
  }
  return true;
}

std::string CheckRecordBytes(std::string_view bytes, schema::Record::Reader record,
                             const Hash& prev_hash, Sha256* sha, capnp::MessageReader* message) {
  try {
    if (!record.hasHash() || record.getHash().size() != kHashBytes) return "hash is not 32 bytes";
    if (record.getPrevHash().size() != kHashBytes ||
        HashFromData(record.getPrevHash()) != prev_hash)
      return "prev_hash does not match the previous record's hash";
    if (!message->isCanonical()) return "stored bytes are not the record's canonical encoding";
    // Canonical ⇒ the hash blob, the root's last pointer, is the last 32 bytes (pre-order layout).
    const std::string_view body = bytes.substr(8);
    const Hash stored = HashFromData(record.getHash());
    if (std::memcmp(body.data() + body.size() - kHashBytes, stored.data(), kHashBytes) != 0)
      return "stored bytes are not the record's canonical encoding";
    static constexpr Hash kZero{};
    const Hash h = sha->Digest2(prev_hash, body.data(), body.size() - kHashBytes, kZero.data(),
                                kHashBytes);
    if (h != stored) return "hash does not match the record's contents";
  } catch (const kj::Exception& e) {
    return std::string("undecodable record: ") + e.getDescription().cStr();
  }
  return "";
}

}  // namespace smeledger::ledger

// ---------------------------------------------------------------------------------------------
#include "subjects.h"

namespace smeledger::ledger {

template <class Out>
void EventSubjects(schema::Event::Reader e, Out* out) {
  auto add = [&](capnp::Text::Reader t) {
    if (t.size() == 0) return;
    std::string_view s(t.begin(), t.size());
    for (size_t i = 0; i < out->size(); ++i)
      if ((*out)[i] == s) return;
    out->push_back(s);
  };
  add(e.getActor());
  using W = schema::Event::Which;
  switch (e.which()) {
    case W::INSTITUTION_ADMITTED: {
      auto v = e.getInstitutionAdmitted();
      add(v.getInstitution());
      add(v.getCity());
      add(v.getReferredBy());
      break;
    }
    case W::INSTITUTION_REMOVED: add(e.getInstitutionRemoved().getInstitution()); break;
    case W::ENTERPRISE_REGISTERED:
      add(e.getEnterpriseRegistered().getEnterprise());
      add(e.getEnterpriseRegistered().getReferredBy());
      break;
    case W::ACTIVITY_PUBLISHED: add(e.getActivityPublished().getOwner()); break;
    case W::ACTIVITY_SIGNUP: add(e.getActivitySignup().getEnterprise()); break;
    case W::ACTIVITY_CHECKIN: add(e.getActivityCheckin().getEnterprise()); break;
    case W::ACTIVITY_RATED: add(e.getActivityRated().getEnterprise()); break;
    case W::DEMAND_PUBLISHED:
      add(e.getDemandPublished().getEnterprise());
      add(e.getDemandPublished().getCity());
      break;
    case W::DEMAND_ACCEPTED: add(e.getDemandAccepted().getProvider()); break;
    case W::DEMAND_COMPLETED: add(e.getDemandCompleted().getProvider()); break;
    case W::DEMAND_RATED: add(e.getDemandRated().getEnterprise()); break;
    case W::SERVICE_DELIVERED:
      add(e.getServiceDelivered().getProvider());
      add(e.getServiceDelivered().getEnterprise());
      break;
    case W::REPORT_UPLOADED: add(e.getReportUploaded().getProvider()); break;
    case W::COLLABORATION_RECORDED: add(e.getCollaborationRecorded().getProvider()); break;
    case W::DEMAND_COLLECTION_COMPLETED:
      add(e.getDemandCollectionCompleted().getProvider());
      break;
    case W::PRODUCT_PUBLISHED: add(e.getProductPublished().getProvider()); break;
    case W::MEDIA_REPORTED: add(e.getMediaReported().getProvider()); break;
    case W::TITLE_AWARDED: add(e.getTitleAwarded().getHolder()); break;
    case W::COMPLAINT_FILED:
      add(e.getComplaintFiled().getProvider());
      add(e.getComplaintFiled().getEnterprise());
      break;
    case W::ASSESSMENT_SCORED: add(e.getAssessmentScored().getSubject()); break;
    default: break;
  }
}

template void EventSubjects(schema::Event::Reader, std::vector<std::string_view>*);
template void EventSubjects(schema::Event::Reader, SubjectViews*);

}  // namespace smeledger::ledger
