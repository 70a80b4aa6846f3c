// Signed notes against Go's published vectors and against hostile input.
#include "smeledger/ledger/signed_note.h"

#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

using namespace smeledger;
using namespace smeledger::ledger;

namespace {

// Vectors from golang/mod, sumdb/note/note_test.go (TestNewVerifier, TestNewSigner, TestSign,
// TestOpen): keys, text and signatures that Go's golang.org/x/mod/sumdb/note produced.
const std::string kPeterVkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const std::string kPeterSkey =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const std::string kEnochVkey = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const std::string kText =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
const std::string kPeterSig =
    "\xE2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const std::string kEnochSig =
    "\xE2\x80\x94 EnochRoot "
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

NoteVerifier Vkey(const std::string& text) {
  auto v = ParseVerifierKey(text);
  REQUIRE(v.ok());
  return *v;
}

Result<OpenedNote> Open(const std::string& note, std::vector<NoteVerifier> vs) {
  return OpenNote(note, vs);
}

bool Contains(const Status& s, const std::string& part) {
  return s.message().find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("base64 is RFC 4648 and decoding is canonical", "[note]") {
  const std::vector<std::pair<std::string, std::string>> rfc4648 = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, enc] : rfc4648) {
    CHECK(EncodeBase64(plain) == enc);
    auto dec = DecodeBase64(enc);
    REQUIRE(dec.has_value());
    CHECK(*dec == plain);
  }
  for (const char* bad : {"Zg=", "Zg", "Zh==", "Zm9=", "Zg==Zg==", "Z===", "====", "Zm9v\n",
                          " Zm9v", "Zm9v=", "Zm-v", "Zm_v", "Zg=a"}) {
    INFO(bad);
    CHECK_FALSE(DecodeBase64(bad).has_value());
  }
}

TEST_CASE("key names follow Go's rules", "[note]") {
  CHECK(IsValidKeyName("PeterNeumann"));
  CHECK(IsValidKeyName("example.com/log42"));
  CHECK(IsValidKeyName("caf\xC3\xA9"));
  for (const char* bad : {"", "a+b", "a b", "a\tb", "a\nb", "a\xC2\xA0" "b", "a\xE3\x80\x80" "b",
                          "a\xE2\x80\x8A" "b", "\xFF", "\xC0\xAF", "\xED\xA0\x80", "a\xE2\x80"}) {
    INFO(bad);
    CHECK_FALSE(IsValidKeyName(bad));
  }
}

TEST_CASE("Go's verifier key parses and every mangled copy is rejected", "[note]") {
  auto v = ParseVerifierKey(kPeterVkey);
  REQUIRE(v.ok());
  CHECK(v->name == "PeterNeumann");
  CHECK(v->key_id == 0xc74f20a3u);
  CHECK(NoteKeyId(v->name, v->public_key) == 0xc74f20a3u);
  CHECK(v->ToString() == kPeterVkey);

  std::string b = kPeterVkey;
  for (size_t i = 0; i <= b.size(); ++i) {
    for (size_t j = i + 1; j <= b.size(); ++j) {
      if (i == 0 && j == b.size()) continue;
      INFO(b.substr(i, j - i));
      CHECK_FALSE(ParseVerifierKey(b.substr(i, j - i)).ok());
    }
  }
  for (size_t i = 0; i < b.size(); ++i) {
    ++b[i];
    INFO(b);
    CHECK_FALSE(ParseVerifierKey(b).ok());
    --b[i];
  }
  // Go's two hand-made bad keys, each with a key id that matches its bytes.
  auto wrong_len =
      ParseVerifierKey("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==");
  REQUIRE_FALSE(wrong_len.ok());
  CHECK(Contains(wrong_len.status(), "base64"));  // "EY==" leaves nonzero unused bits
  auto short_key = ParseVerifierKey("PeterNeumann+c74f20a3+" + EncodeBase64("\x01" + std::string(31, 'k')));
  REQUIRE_FALSE(short_key.ok());
  CHECK(Contains(short_key.status(), "found 32 bytes"));
  auto wrong_alg =
      ParseVerifierKey("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
  REQUIRE_FALSE(wrong_alg.ok());
  CHECK(Contains(wrong_alg.status(), "unknown key algorithm"));

  auto wrong_id = ParseVerifierKey("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
  REQUIRE_FALSE(wrong_id.ok());
  CHECK(Contains(wrong_id.status(), "does not match"));
  CHECK(Contains(ParseVerifierKey("PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
                     .status(), "8 lowercase hex"));
  CHECK(Contains(ParseVerifierKey("Peter Neumann+c74f20a3+ARpc").status(), "bad key name"));
  CHECK(Contains(ParseVerifierKey("PeterNeumann").status(), "no '+'"));
}

TEST_CASE("Go's signer key parses and every mangled copy is rejected", "[note]") {
  auto s = ParseSignerKey(kPeterSkey);
  REQUIRE(s.ok());
  CHECK(s->name() == "PeterNeumann");
  CHECK(s->key_id() == 0xc74f20a3u);
  CHECK(s->verifier().ToString() == kPeterVkey);
  CHECK(s->ToString() == kPeterSkey);

  std::string b = kPeterSkey;
  for (size_t i = 0; i <= b.size(); ++i) {
    for (size_t j = i + 1; j <= b.size(); ++j) {
      if (i == 0 && j == b.size()) continue;
      INFO(b.substr(i, j - i));
      CHECK_FALSE(ParseSignerKey(b.substr(i, j - i)).ok());
    }
  }
  for (size_t i = 0; i < b.size(); ++i) {
    ++b[i];
    INFO(b);
    CHECK_FALSE(ParseSignerKey(b).ok());
    --b[i];
  }
  CHECK(Contains(ParseSignerKey(kPeterVkey).status(), "PRIVATE+KEY+"));
}

TEST_CASE("signing Go's text with Go's key gives Go's note byte for byte", "[note]") {
  auto s = ParseSignerKey(kPeterSkey);
  REQUIRE(s.ok());
  auto note = SignNote(kText, *s);
  REQUIRE(note.ok());
  CHECK(*note == kText + "\n" + kPeterSig);

  CHECK(Contains(SignNote("abc", *s).status(), "end in a newline"));
  CHECK(Contains(SignNote("", *s).status(), "end in a newline"));
  CHECK(Contains(SignNote("a\x01" "b\n", *s).status(), "control character 0x01"));
  CHECK(Contains(SignNote("a\xFF\n", *s).status(), "invalid UTF-8"));
}

TEST_CASE("Go's notes open, and signatures by unknown keys are ignored", "[note]") {
  const NoteVerifier peter = Vkey(kPeterVkey);
  const NoteVerifier enoch = Vkey(kEnochVkey);
  const std::string both = kText + "\n" + kPeterSig + kEnochSig;

  auto one = Open(both, {peter});
  REQUIRE(one.ok());
  CHECK(one->text == kText);
  REQUIRE(one->signed_by.size() == 1);
  CHECK(one->signed_by[0].name == "PeterNeumann");
  CHECK(one->unknown_signatures == 1);

  auto two = Open(both, {peter, enoch});
  REQUIRE(two.ok());
  REQUIRE(two->signed_by.size() == 2);
  CHECK(two->signed_by[1].name == "EnochRoot");
  CHECK(two->unknown_signatures == 0);

  auto none = Open(both, {});
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().code() == Status::Code::kNotFound);
  CHECK(Contains(none.status(), "no signature by a known key"));

  // Repeats by one key count once; an unknown key's bad signature is still ignored.
  const std::string enoch_abcd = kEnochSig.substr(0, 60) + "ABCD" + kEnochSig.substr(60);
  auto dup = Open(kText + "\n" + kPeterSig + kPeterSig + kEnochSig + kEnochSig + enoch_abcd, {peter});
  REQUIRE(dup.ok());
  CHECK(dup->signed_by.size() == 1);
  CHECK(dup->unknown_signatures == 2);

  // Same name, other id: unknown. Same id, other name: unknown.
  NoteVerifier other_id = peter;
  other_id.key_id ^= 1;
  CHECK(Open(kText + "\n" + kPeterSig, {other_id}).status().code() == Status::Code::kNotFound);
  NoteVerifier other_name = peter;
  other_name.name = "PeterNeuman";
  CHECK(Open(kText + "\n" + kPeterSig, {other_name}).status().code() == Status::Code::kNotFound);

  // Two different keys under one (name, id): refuse rather than pick one.
  NoteVerifier impostor = enoch;
  impostor.name = peter.name;
  impostor.key_id = peter.key_id;
  auto amb = Open(kText + "\n" + kPeterSig, {peter, impostor});
  REQUIRE_FALSE(amb.ok());
  CHECK(Contains(amb.status(), "two different verifier keys"));
  CHECK(Open(kText + "\n" + kPeterSig, {peter, peter}).ok());
}

TEST_CASE("a known key's bad signature rejects the whole note", "[note]") {
  const NoteVerifier peter = Vkey(kPeterVkey);
  const NoteVerifier enoch = Vkey(kEnochVkey);
  // Go's case: four base64 characters inserted into Peter's signature.
  auto r = Open(kText + "\n" + kPeterSig.substr(0, 60) + "ABCD" + kPeterSig.substr(60), {peter});
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Status::Code::kCorruption);
  CHECK(Contains(r.status(), "PeterNeumann+c74f20a3 does not verify"));
  // Enoch's signature is good but Peter's is the one he made for another text.
  auto other_note = SignNote("other\n", ParseSignerKey(kPeterSkey).value());
  REQUIRE(other_note.ok());
  std::string peter_on_other = other_note->substr(other_note->rfind("\n\n") + 2);
  auto mixed = Open(kText + "\n" + kEnochSig + peter_on_other, {peter, enoch});
  REQUIRE_FALSE(mixed.ok());
  CHECK(mixed.status().code() == Status::Code::kCorruption);
}

TEST_CASE("every byte of Go's notes matters", "[note]") {
  const std::vector<NoteVerifier> vs = {Vkey(kPeterVkey), Vkey(kEnochVkey)};
  for (const std::string& good : {kText + "\n" + kPeterSig, kText + "\n" + kPeterSig + kEnochSig}) {
    REQUIRE(OpenNote(good, vs).ok());
    std::string b = good;
    for (size_t i = 0; i < b.size(); ++i) {
      for (int delta : {1, -1}) {
        b[i] = char(b[i] + delta);
        auto r = OpenNote(b, vs);
        INFO("byte " << i << " changed by " << delta);
        // A two-signature note stays valid when the other signature's name is altered (it
        // becomes an unknown key, ignored by the spec), but never yields another text.
        if (r.ok()) {
          CHECK(r->text == kText);
          CHECK(r->signed_by.size() == 1);
          CHECK(good != kText + "\n" + kPeterSig);
        }
        b[i] = good[i];
      }
    }
    for (size_t cut = 0; cut < good.size(); ++cut) {
      INFO("cut at " << cut);
      // Cutting off a whole last signature line leaves a valid note with fewer signatures.
      const bool whole_lines = cut == good.size() - kEnochSig.size() && good.size() > 300;
      CHECK(OpenNote(good.substr(0, cut), vs).ok() == whole_lines);
    }
  }
}

TEST_CASE("malformed notes are rejected with the reason", "[note]") {
  const std::vector<NoteVerifier> vs = {Vkey(kPeterVkey)};
  struct Case {
    std::string note;
    std::string why;
  };
  const std::vector<Case> cases = {
      // Go's badMsgs (TestOpen).
      {kText, "no blank line"},
      {kText + "\n", "no signature line"},
      {kText + "\n" + kPeterSig.substr(0, kPeterSig.size() - 1), "does not end in a newline"},
      {"\x01" + kText + "\n" + kPeterSig, "control character 0x01 at byte 0"},
      {"\xFF" + kText + "\n" + kPeterSig, "invalid UTF-8 at byte 0"},
      {kText + "\n\xE2\x80\x94 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
       "does not end in a newline"},
      {kText + "\n" + kPeterSig + "Unexpected line.\n", "signature line 2 does not start with an em dash"},
      // More.
      {kText + "\n\xE2\x80\x94 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
       "signature line 1: the signature is not valid"},
      {kText + "\n\xE2\x80\x94 PeterNeumann\n", "no space after the key name"},
      {kText + "\n\xE2\x80\x94  x08g\n", "invalid key name"},
      {kText + "\n\xE2\x80\x94 PeterNeumann AAAA\n", "shorter than 5 bytes"},
      {kText + "\n\xE2\x80\x94 PeterNeumann \n", "shorter than 5 bytes"},
      {kText + "\n- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
       "em dash"},
      {kText + "\n" + kPeterSig + "\n", "no signature line"},
      {kText + "\r\n" + kPeterSig, "control character 0x0d"},
      {"", "no blank line"},
      {"\n\n", "no signature line"},
  };
  for (const auto& c : cases) {
    INFO(c.note);
    auto r = OpenNote(c.note, vs);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Status::Code::kInvalidInput);
    CHECK(Contains(r.status(), c.why));
  }
  // Go's limit of 100 signatures, counted before any verdict.
  std::string many = kText + "\n";
  for (int i = 0; i < 101; ++i) many += kPeterSig;
  CHECK(Contains(OpenNote(many, vs).status(), "more than 100 signatures"));
  CHECK(Contains(OpenNote(many, {}).status(), "more than 100 signatures"));
  many.resize(many.size() - kPeterSig.size());
  CHECK(OpenNote(many, vs).ok());
}

TEST_CASE("generated keys sign notes that open, and texts may hold blank lines", "[note]") {
  auto s = GenerateSignerKey("example.com/smeledger");
  REQUIRE(s.ok());
  auto s2 = GenerateSignerKey("example.com/smeledger");
  REQUIRE(s2.ok());
  CHECK(s->ToString() != s2->ToString());
  auto reparsed = ParseSignerKey(s->ToString());
  REQUIRE(reparsed.ok());
  CHECK(reparsed->verifier().ToString() == s->verifier().ToString());
  auto v = ParseVerifierKey(s->verifier().ToString());
  REQUIRE(v.ok());
  CHECK(v->public_key == s->verifier().public_key);

  for (const std::string text : {"a\n", "\n", "one\n\ntwo\n", "ends blank\n\n",
                                 "\xE2\x80\x94 looks like a signature\n"}) {
    auto note = SignNote(text, *s);
    REQUIRE(note.ok());
    auto opened = OpenNote(*note, std::vector<NoteVerifier>{*v});
    REQUIRE(opened.ok());
    CHECK(opened->text == text);
    // The other key of the same name is a different key: its id differs, so it is unknown.
    CHECK(OpenNote(*note, std::vector<NoteVerifier>{s2->verifier()}).status().code() ==
          Status::Code::kNotFound);
  }
  CHECK_FALSE(GenerateSignerKey("bad name").ok());
  CHECK_FALSE(GenerateSignerKey("").ok());
}

TEST_CASE("random damage to a signed note never yields another text", "[note]") {
  auto s = ParseSignerKey(kPeterSkey);
  REQUIRE(s.ok());
  const std::vector<NoteVerifier> vs = {s->verifier()};
  const std::string good = SignNote(kText, *s).value();
  std::mt19937 rng(20240610);
  int opened = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string b = good;
    const int edits = 1 + int(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      const size_t at = rng() % (b.size() + 1);
      const char c = char(rng() % 256);
      switch (rng() % 3) {
        case 0: b.insert(b.begin() + at, c); break;
        case 1: if (at < b.size()) b.erase(at, 1); break;
        default: if (at < b.size()) b[at] = c; break;
      }
    }
    auto r = OpenNote(b, vs);
    if (r.ok()) {
      ++opened;
      CHECK(r->text == kText);
    }
  }
  // Only edits that undo themselves (or fall outside the text and signature, which is nothing)
  // can leave the note valid; most rounds must fail.
  CHECK(opened < 300);
}
