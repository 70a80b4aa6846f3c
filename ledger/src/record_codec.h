// Internal: encoding, hashing and decoding of stored records (schemas/README.md, "Record").
//
// Stored bytes = the standard Cap'n Proto stream framing of one segment (4-byte segment count
// minus one = 0, 4-byte segment size in words, little-endian) followed by the canonical form of
// the Record. hash = SHA-256(prevHash ‖ canonical(Record with hash = 32 zero bytes)). In the
// canonical (pre-order) layout the hash blob is the last 32 bytes of the message, so a verifier
// zeroes them, hashes, and compares.
#pragma once

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <openssl/evp.h>

#include <string>
#include <string_view>
#include <vector>

#include "smeledger/ledger/ledger.h"
#include "smeledger/schemas/record.capnp.h"

namespace smeledger::ledger {

// Bounds on what a stored record may make a reader traverse (tampered bytes stay harmless).
inline constexpr uint64_t kRecordTraversalLimitWords = 1 << 16;
inline constexpr int kRecordNestingLimit = 16;
inline constexpr size_t kHashBytes = 32;

// Reusable SHA-256 state. Not thread-safe.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  Hash Digest(const Hash& prefix, const void* data, size_t n);
  Hash Digest(const void* data, size_t n);
  Hash Digest2(const Hash& prefix, const void* a, size_t an, const void* b, size_t bn);

 private:
  EVP_MD_CTX* ctx_;
  EVP_MD* md_;
};

// Sealing in steps, so that the costly parts run off the validating thread.
//
// The canonical layout of a Record does not depend on the values of position, recordedAtUs,
// prevHash and hash as long as position and recordedAtUs are non-zero (their data words are
// then never truncated) and both hashes are 32 bytes: the root pointer, the root's two data
// words (position, recordedAtUs), its three pointers, prevHash's 4 words, the event subtree,
// hash's 4 words. PrepareRecord (the parsing thread) canonicalises with placeholders;
// StampPrepared (the validating thread) writes position and recordedAtUs; SealStamped (the
// writing thread, on its own copy) writes prevHash, hashes and writes the hash. REQUIRES for
// the last two: position ≥ 1 and recorded_at_us ≠ 0 (the ledger never records time 0).
// `message`'s root is the Record. Returns true when the canonical copy went straight into
// `framed`, false when it fell back to capnp::canonicalize (same bytes, slower).
bool PrepareRecord(capnp::MessageBuilder* message, std::string* framed);
void StampPrepared(std::string* framed, uint64_t position, int64_t recorded_at_us);
Hash SealStamped(std::string* framed, const Hash& prev_hash, Sha256* sha);

// Read access to stored bytes. Copies into aligned memory it owns. Not thread-safe.
class RecordDecoder {
 public:
  // Decodes `bytes`. Returns false (with a reason) when the framing or structure is invalid.
  bool Decode(std::string_view bytes, std::string* why = nullptr);
  schema::Record::Reader record() const { return record_; }
  capnp::MessageReader* message() const { return reader_.get(); }

 private:
  std::vector<capnp::word> words_;
  std::unique_ptr<capnp::FlatArrayMessageReader> reader_;
  schema::Record::Reader record_;
};

// Checks that `bytes` (decoded as `record` by `message`) are a canonical encoding, that its
// prevHash is `prev_hash` and that its hash is right. Returns "" when all is well, else what
// is wrong.
std::string CheckRecordBytes(std::string_view bytes, schema::Record::Reader record,
                             const Hash& prev_hash, Sha256* sha, capnp::MessageReader* message);

Hash HashFromData(capnp::Data::Reader d);  // zeros unless 32 bytes

// The hash of a stored record that is known good (written by this ledger, or checked): in the
// canonical layout the hash blob is the last 32 bytes, so no decoding is needed. False when
// the bytes are too short to be a record.
bool StoredRecordHash(std::string_view bytes, Hash* out);

}  // namespace smeledger::ledger
