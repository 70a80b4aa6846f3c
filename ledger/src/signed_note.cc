// Signed notes: parse strictly, never trust a length or an index from the input before checking
// it, and give an error that names the offending line (a hand-edited note is the usual failure).
#include "smeledger/ledger/signed_note.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdio>
#include <memory>

namespace smeledger::ledger {

namespace {

constexpr std::string_view kSigPrefix = "\xE2\x80\x94 ";  // U+2014 em dash, space
constexpr std::string_view kPrivatePrefix = "PRIVATE+KEY+";
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

int B64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// One UTF-8 sequence at s[i]: the code point and its length, or -1 when invalid (overlong,
// surrogate, beyond U+10FFFF, truncated) — the cases Go's utf8.DecodeRune reports as RuneError/1.
int32_t DecodeUtf8(std::string_view s, size_t i, size_t* len) {
  const auto b0 = static_cast<uint8_t>(s[i]);
  if (b0 < 0x80) { *len = 1; return b0; }
  size_t n;
  int32_t cp;
  int32_t min;
  if ((b0 & 0xE0) == 0xC0) { n = 2; cp = b0 & 0x1F; min = 0x80; }
  else if ((b0 & 0xF0) == 0xE0) { n = 3; cp = b0 & 0x0F; min = 0x800; }
  else if ((b0 & 0xF8) == 0xF0) { n = 4; cp = b0 & 0x07; min = 0x10000; }
  else return -1;
  if (i + n > s.size()) return -1;
  for (size_t k = 1; k < n; ++k) {
    const auto b = static_cast<uint8_t>(s[i + k]);
    if ((b & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  *len = n;
  return cp;
}

// Go's unicode.IsSpace: the Latin-1 spaces and the White_Space property.
bool IsUnicodeSpace(int32_t cp) {
  switch (cp) {
    case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

// Valid UTF-8 with no control character but '\n': a note's bytes. On failure, *why says where.
bool IsNoteText(std::string_view s, std::string* why) {
  for (size_t i = 0; i < s.size();) {
    size_t len = 0;
    const int32_t cp = DecodeUtf8(s, i, &len);
    if (cp < 0) {
      *why = "invalid UTF-8 at byte " + std::to_string(i);
      return false;
    }
    if (cp < 0x20 && cp != '\n') {
      char buf[64];
      std::snprintf(buf, sizeof buf, "control character 0x%02x at byte %zu", unsigned(cp), i);
      *why = buf;
      return false;
    }
    i += len;
  }
  return true;
}

std::string Hex8(uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

std::optional<uint32_t> ParseHex8(std::string_view s) {
  if (s.size() != 8) return std::nullopt;
  uint32_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else return std::nullopt;
    v = (v << 4) | uint32_t(d);
  }
  return v;
}

std::string_view Bytes(const std::array<uint8_t, 32>& a) {
  return {reinterpret_cast<const char*>(a.data()), a.size()};
}

// "name+hash+base64" after any PRIVATE+KEY+ prefix: the base64 may itself hold '+', so only the
// first two '+' separate fields.
struct KeyFields {
  std::string_view name;
  uint32_t key_id = 0;
  std::string key;  // decoded: algorithm byte || 32 bytes
};

Result<KeyFields> SplitKey(std::string_view text, const char* what) {
  const std::string w = what;
  const size_t p1 = text.find('+');
  if (p1 == std::string_view::npos) {
    return Status::InvalidInput(w + ": want <name>+<8 hex digits>+<base64 key>, found no '+'");
  }
  const size_t p2 = text.find('+', p1 + 1);
  if (p2 == std::string_view::npos) {
    return Status::InvalidInput(w + ": want <name>+<8 hex digits>+<base64 key>, found one '+'");
  }
  KeyFields f;
  f.name = text.substr(0, p1);
  if (!IsValidKeyName(f.name)) {
    return Status::InvalidInput(w + ": bad key name (it must be non-empty UTF-8 with no '+' and no "
                                    "space)");
  }
  const auto id = ParseHex8(text.substr(p1 + 1, p2 - p1 - 1));
  if (!id) return Status::InvalidInput(w + ": the key id must be 8 lowercase hex digits");
  f.key_id = *id;
  auto key = DecodeBase64(text.substr(p2 + 1));
  if (!key) return Status::InvalidInput(w + ": the key is not valid padded standard base64");
  if (key->empty() || static_cast<uint8_t>((*key)[0]) != kNoteAlgEd25519) {
    return Status::InvalidInput(w + ": unknown key algorithm (want 0x01, Ed25519)");
  }
  if (key->size() != 33) {
    return Status::InvalidInput(w + ": an Ed25519 key is 0x01 and 32 bytes, found " +
                                std::to_string(key->size()) + " bytes");
  }
  f.key = std::move(*key);
  return f;
}

}  // namespace

std::string EncodeBase64(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  auto at = [&](size_t k) { return uint32_t(static_cast<uint8_t>(bytes[k])); };
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = at(i) << 16 | at(i + 1) << 8 | at(i + 2);
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += kB64[v & 63];
  }
  if (bytes.size() - i == 1) {
    const uint32_t v = at(i) << 16;
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += "==";
  } else if (bytes.size() - i == 2) {
    const uint32_t v = at(i) << 16 | at(i + 1) << 8;
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::optional<std::string> DecodeBase64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text[i + k];
      if (c == '=' && last && k >= 2) {
        v[k] = 0;
        ++pad;
        continue;
      }
      if (pad > 0) return std::nullopt;  // data after '='
      v[k] = B64Value(c);
      if (v[k] < 0) return std::nullopt;
    }
    const uint32_t bits = uint32_t(v[0]) << 18 | uint32_t(v[1]) << 12 | uint32_t(v[2]) << 6 |
                          uint32_t(v[3]);
    // Nonzero unused bits would give a second spelling of the same bytes (a malleable signature).
    if (pad == 2 && (bits & 0xFFFF) != 0) return std::nullopt;
    if (pad == 1 && (bits & 0xFF) != 0) return std::nullopt;
    out += char(bits >> 16);
    if (pad < 2) out += char((bits >> 8) & 0xFF);
    if (pad < 1) out += char(bits & 0xFF);
  }
  return out;
}

bool IsValidNoteText(std::string_view text) {
  std::string why;
  return IsNoteText(text, &why);
}

bool IsValidKeyName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size();) {
    size_t len = 0;
    const int32_t cp = DecodeUtf8(name, i, &len);
    if (cp < 0 || cp == '+' || IsUnicodeSpace(cp)) return false;
    i += len;
  }
  return true;
}

uint32_t NoteKeyId(std::string_view name, const Ed25519PublicKey& public_key) {
  std::string in(name);
  in += '\n';
  in += char(kNoteAlgEd25519);
  in += Bytes(public_key);
  unsigned char sum[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // SHA-256 cannot fail on a valid input; a zero id would only make every signature unknown.
  if (EVP_Digest(in.data(), in.size(), sum, &len, EVP_sha256(), nullptr) != 1) return 0;
  return uint32_t(sum[0]) << 24 | uint32_t(sum[1]) << 16 | uint32_t(sum[2]) << 8 | sum[3];
}

std::string NoteVerifier::ToString() const {
  std::string key(1, char(kNoteAlgEd25519));
  key += Bytes(public_key);
  return name + "+" + Hex8(key_id) + "+" + EncodeBase64(key);
}

bool NoteVerifier::Verify(std::string_view message, std::string_view signature) const {
  if (signature.size() != 64) return false;
  Pkey pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, public_key.data(),
                                        public_key.size()));
  MdCtx ctx(EVP_MD_CTX_new());
  if (!pkey || !ctx) return false;
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

NoteSigner::~NoteSigner() { OPENSSL_cleanse(seed_.data(), seed_.size()); }

Result<NoteSigner> NoteSigner::FromSeed(std::string_view name, const Ed25519Seed& seed) {
  if (!IsValidKeyName(name)) {
    return Status::InvalidInput("key name '" + std::string(name) +
                                "' is not valid: it must be non-empty UTF-8 with no '+' and no "
                                "space");
  }
  Pkey pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
  if (!pkey) return Status::Io("OpenSSL could not make an Ed25519 key");
  NoteSigner s;
  size_t len = s.public_key_.size();
  if (EVP_PKEY_get_raw_public_key(pkey.get(), s.public_key_.data(), &len) != 1 ||
      len != s.public_key_.size()) {
    return Status::Io("OpenSSL could not derive the Ed25519 public key");
  }
  s.name_ = std::string(name);
  s.seed_ = seed;
  s.key_id_ = NoteKeyId(s.name_, s.public_key_);
  return s;
}

std::string NoteSigner::ToString() const {
  std::string key(1, char(kNoteAlgEd25519));
  key += Bytes(seed_);
  std::string out = std::string(kPrivatePrefix) + name_ + "+" + Hex8(key_id_) + "+" +
                    EncodeBase64(key);
  OPENSSL_cleanse(key.data(), key.size());
  return out;
}

Result<std::string> NoteSigner::Sign(std::string_view message) const {
  Pkey pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed_.data(), seed_.size()));
  MdCtx ctx(EVP_MD_CTX_new());
  if (!pkey || !ctx) return Status::Io("OpenSSL could not make an Ed25519 signing context");
  if (EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1) {
    return Status::Io("OpenSSL could not start an Ed25519 signature");
  }
  std::string sig(64, '\0');
  size_t len = sig.size();
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1 ||
      len != 64) {
    return Status::Io("OpenSSL could not make an Ed25519 signature");
  }
  return sig;
}

Result<NoteSigner> GenerateSignerKey(std::string_view name) {
  Ed25519Seed seed;
  if (RAND_bytes(seed.data(), int(seed.size())) != 1) {
    return Status::Io("OpenSSL could not draw random bytes for a key");
  }
  auto signer = NoteSigner::FromSeed(name, seed);
  OPENSSL_cleanse(seed.data(), seed.size());
  return signer;
}

Result<NoteVerifier> ParseVerifierKey(std::string_view vkey) {
  auto f = SplitKey(vkey, "verifier key");
  if (!f.ok()) return f.status();
  NoteVerifier v;
  v.name = std::string(f->name);
  std::copy(f->key.begin() + 1, f->key.end(), v.public_key.begin());
  v.key_id = NoteKeyId(v.name, v.public_key);
  if (v.key_id != f->key_id) {
    return Status::InvalidInput("verifier key: the key id " + Hex8(f->key_id) +
                                " does not match the name and key (their id is " +
                                Hex8(v.key_id) + ")");
  }
  return v;
}

Result<NoteSigner> ParseSignerKey(std::string_view skey) {
  if (skey.substr(0, kPrivatePrefix.size()) != kPrivatePrefix) {
    return Status::InvalidInput("signer key: it does not start with PRIVATE+KEY+");
  }
  auto f = SplitKey(skey.substr(kPrivatePrefix.size()), "signer key");
  if (!f.ok()) return f.status();
  Ed25519Seed seed;
  std::copy(f->key.begin() + 1, f->key.end(), seed.begin());
  OPENSSL_cleanse(f->key.data(), f->key.size());
  auto s = NoteSigner::FromSeed(f->name, seed);
  OPENSSL_cleanse(seed.data(), seed.size());
  if (!s.ok()) return s.status();
  // The id names the public key, which only the seed gives: check it after deriving.
  if (s->key_id() != f->key_id) {
    return Status::InvalidInput("signer key: the key id " + Hex8(f->key_id) +
                                " does not match the name and key (their id is " +
                                Hex8(s->key_id()) + ")");
  }
  return s;
}

Result<std::string> SignNote(std::string_view text, const NoteSigner& signer) {
  if (text.empty() || text.back() != '\n') {
    return Status::InvalidInput("signed note: the text must be non-empty and end in a newline");
  }
  std::string why;
  if (!IsNoteText(text, &why)) return Status::InvalidInput("signed note: the text has " + why);
  auto sig = signer.Sign(text);
  if (!sig.ok()) return sig.status();
  const uint32_t id = signer.key_id();
  std::string blob{char(id >> 24), char(id >> 16), char(id >> 8), char(id)};
  blob += *sig;
  std::string out(text);
  out += '\n';
  out += kSigPrefix;
  out += signer.name();
  out += ' ';
  out += EncodeBase64(blob);
  out += '\n';
  return out;
}

Result<OpenedNote> OpenNote(std::string_view note, std::span<const NoteVerifier> verifiers) {
  auto malformed = [](const std::string& why) {
    return Status::InvalidInput("malformed signed note: " + why);
  };
  std::string why;
  if (!IsNoteText(note, &why)) return malformed(why);
  // The text ends at the last blank line: the text may itself hold blank lines.
  const size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) {
    return malformed("no blank line between the text and the signatures");
  }
  std::string_view sigs = note.substr(split + 2);
  if (sigs.empty()) return malformed("no signature line after the blank line");
  if (sigs.back() != '\n') return malformed("the last signature line does not end in a newline");

  OpenedNote out;
  out.text = std::string(note.substr(0, split + 1));
  std::vector<std::string_view> unknown_seen;
  std::vector<const NoteVerifier*> verified;
  size_t line_no = 0;
  while (!sigs.empty()) {
    const size_t nl = sigs.find('\n');  // found: sigs ends in '\n'
    std::string_view line = sigs.substr(0, nl);
    sigs.remove_prefix(nl + 1);
    const std::string where = "signature line " + std::to_string(++line_no);
    if (line_no > kMaxNoteSignatures) {
      return malformed("more than " + std::to_string(kMaxNoteSignatures) + " signatures");
    }
    if (line.substr(0, kSigPrefix.size()) != kSigPrefix) {
      return malformed(where + " does not start with an em dash (U+2014) and a space");
    }
    line.remove_prefix(kSigPrefix.size());
    const size_t sp = line.find(' ');
    if (sp == std::string_view::npos) return malformed(where + " has no space after the key name");
    const std::string_view name = line.substr(0, sp);
    const std::string_view b64 = line.substr(sp + 1);
    if (!IsValidKeyName(name)) return malformed(where + " has an invalid key name");
    auto blob = DecodeBase64(b64);
    if (!blob) return malformed(where + ": the signature is not valid padded standard base64");
    if (blob->size() < 5) return malformed(where + ": the signature is shorter than 5 bytes");
    const auto* b = reinterpret_cast<const uint8_t*>(blob->data());
    const uint32_t id = uint32_t(b[0]) << 24 | uint32_t(b[1]) << 16 | uint32_t(b[2]) << 8 | b[3];

    const NoteVerifier* match = nullptr;
    for (const NoteVerifier& v : verifiers) {
      if (v.name != name || v.key_id != id) continue;
      if (match != nullptr && match->public_key != v.public_key) {
        return Status::InvalidInput("two different verifier keys are named " + std::string(name) +
                                    "+" + Hex8(id));
      }
      match = &v;
    }
    if (match == nullptr) {
      // Ignored, as the spec requires; counted once per distinct line.
      bool seen = false;
      for (auto s : unknown_seen) seen = seen || s == line;
      if (!seen) {
        unknown_seen.push_back(line);
        ++out.unknown_signatures;
      }
      continue;
    }
    bool again = false;
    for (const auto* v : verified) again = again || v->public_key == match->public_key;
    if (again) continue;  // one verdict per key, as Go's note.Open
    if (!match->Verify(out.text, std::string_view(*blob).substr(4))) {
      return Status::Corruption("signed note: the signature by " + std::string(name) + "+" +
                                Hex8(id) + " does not verify (" + where + ")");
    }
    verified.push_back(match);
    out.signed_by.push_back(*match);
  }
  if (out.signed_by.empty()) {
    return Status::NotFound("signed note: no signature by a known key (" +
                            std::to_string(out.unknown_signatures) +
                            " signature(s) by other keys)");
  }
  return out;
}

}  // namespace smeledger::ledger
