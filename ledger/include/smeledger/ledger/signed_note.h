// Signed notes (C2SP signed-note, https://c2sp.org/signed-note) with Ed25519 keys, the format of
// golang.org/x/mod/sumdb/note: a text ending in "\n", a blank line, then one or more lines
//   — <key name> <base64(4-byte big-endian key id || signature)>\n
// Key id = first 4 bytes, big-endian, of SHA-256(name || "\n" || 0x01 || 32-byte public key).
// Key texts:
//   verifier  <name>+<8 lowercase hex key id>+<base64(0x01 || 32-byte public key)>
//   signer    PRIVATE+KEY+<name>+<8 lowercase hex key id>+<base64(0x01 || 32-byte seed)>
// ledger/README.md ("Signed notes and checkpoints") gives the formats byte by byte.
//
// Errors: a malformed key or note is kInvalidInput; a signature by a known key that does not
// verify is kCorruption (the note was altered, or signed by another key under the same name and
// id); a well-formed note with no signature by any known key is kNotFound.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "smeledger/ledger/status.h"

namespace smeledger::ledger {

inline constexpr uint8_t kNoteAlgEd25519 = 0x01;
// Go's sumdb/note stops at 100; C2SP asks verifiers to accept at least 16.
inline constexpr size_t kMaxNoteSignatures = 100;

using Ed25519PublicKey = std::array<uint8_t, 32>;
using Ed25519Seed = std::array<uint8_t, 32>;

// RFC 4648 section 4 base64, padded.
std::string EncodeBase64(std::string_view bytes);
// Strict: standard alphabet, padded to a multiple of 4, no whitespace, unused trailing bits zero
// (so every byte string has exactly one accepted encoding). nullopt when not so.
std::optional<std::string> DecodeBase64(std::string_view text);

// A key name: non-empty valid UTF-8 with no '+' and no Unicode space (Go's unicode.IsSpace).
bool IsValidKeyName(std::string_view name);

// Valid UTF-8 with no control character (below U+0020) but newline: what a note may hold.
bool IsValidNoteText(std::string_view text);

uint32_t NoteKeyId(std::string_view name, const Ed25519PublicKey& public_key);

// The public half: checks signatures by (name, key_id).
struct NoteVerifier {
  std::string name;
  uint32_t key_id = 0;
  Ed25519PublicKey public_key{};

  std::string ToString() const;  // the vkey text
  bool Verify(std::string_view message, std::string_view signature) const;
};

// The private half. The seed is wiped when the signer is destroyed.
class NoteSigner {
 public:
  NoteSigner(const NoteSigner&) = default;
  NoteSigner& operator=(const NoteSigner&) = default;
  ~NoteSigner();

  // kInvalidInput for a bad name; kIo if OpenSSL fails.
  static Result<NoteSigner> FromSeed(std::string_view name, const Ed25519Seed& seed);

  const std::string& name() const { return name_; }
  uint32_t key_id() const { return key_id_; }
  NoteVerifier verifier() const { return {name_, key_id_, public_key_}; }
  std::string ToString() const;  // the PRIVATE+KEY+... text: a secret
  // The raw 64-byte Ed25519 signature of message.
  Result<std::string> Sign(std::string_view message) const;

 private:
  NoteSigner() = default;
  std::string name_;
  uint32_t key_id_ = 0;
  Ed25519Seed seed_{};
  Ed25519PublicKey public_key_{};
};

// A new key with a random seed (OpenSSL RAND_bytes).
Result<NoteSigner> GenerateSignerKey(std::string_view name);
Result<NoteVerifier> ParseVerifierKey(std::string_view vkey);
Result<NoteSigner> ParseSignerKey(std::string_view skey);

// text + "\n" + the signature line. The text must be non-empty, end in "\n", and be valid UTF-8
// with no control character but "\n" (else the note could not be opened).
Result<std::string> SignNote(std::string_view text, const NoteSigner& signer);

struct OpenedNote {
  std::string text;                        // up to and including the last "\n" before the blank line
  std::vector<NoteVerifier> signed_by;     // the known keys whose signature verified, in order
  size_t unknown_signatures = 0;           // lines by keys not among the verifiers (ignored)
};

// Parses note and checks every signature whose (name, key id) is among verifiers. Signatures by
// unknown keys are ignored; a known key's failing signature rejects the note; at least one known
// key must have signed. Two different verifiers with the same (name, key id) are an error when a
// signature names them.
Result<OpenedNote> OpenNote(std::string_view note, std::span<const NoteVerifier> verifiers);

}  // namespace smeledger::ledger
