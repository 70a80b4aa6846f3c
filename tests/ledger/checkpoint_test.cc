// Checkpoints: the published examples parse, our output is the one canonical spelling, and every
// kind of malformed body is refused with the line it is on.
#include "smeledger/ledger/checkpoint.h"

#include <openssl/evp.h>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace smeledger;
using namespace smeledger::ledger;

namespace {

bool Contains(const Status& s, const std::string& part) {
  return s.message().find(part) != std::string::npos;
}

Hash Sha256(const std::string& data) {
  Hash h{};
  unsigned int len = 0;
  REQUIRE(EVP_Digest(data.data(), data.size(), h.data(), &len, EVP_sha256(), nullptr) == 1);
  return h;
}

}  // namespace

TEST_CASE("the C2SP tlog-checkpoint example parses and formats back", "[checkpoint]") {
  // C2SP/C2SP, tlog-checkpoint.md (the example at the top).
  const std::string body =
      "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
  auto c = ParseCheckpoint(body);
  REQUIRE(c.ok());
  CHECK(c->origin == "example.com/behind-the-sofa");
  CHECK(c->size == 20852163u);
  CHECK(EncodeBase64({reinterpret_cast<const char*>(c->root.data()), 32}) ==
        "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=");
  CHECK(c->extensions.empty());
  auto again = FormatCheckpoint(*c);
  REQUIRE(again.ok());
  CHECK(*again == body);

  // The whole signed note is well formed; its key is not published, so nothing verifies it.
  const std::string note = body +
      "\n\xE2\x80\x94 example.com/behind-the-sofa "
      "Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n";
  auto opened = OpenNote(note, {});
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.status().code() == Status::Code::kNotFound);
  auto key = GenerateSignerKey("example.com/behind-the-sofa");
  REQUIRE(key.ok());
  CHECK(OpenCheckpoint(note, key->verifier()).status().code() == Status::Code::kNotFound);
}

TEST_CASE("Go's sumdb tree note parses to the hash Go made", "[checkpoint]") {
  // golang/mod, sumdb/tlog/note_test.go (TestParseTree): the root is RecordHash("hello world"),
  // the RFC 6962 leaf hash SHA-256(0x00 || "hello world").
  const std::string in = "go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n";
  auto c = ParseCheckpoint(in);
  REQUIRE(c.ok());
  CHECK(c->origin == "go.sum database tree");
  CHECK(c->size == 123456789012u);
  CHECK(c->root == Sha256(std::string(1, '\0') + "hello world"));
  CHECK(FormatCheckpoint(*c).value() == in);

  CHECK(Contains(ParseCheckpoint("go.sum database tree\n0xabcdef\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n").status(),
                 "decimal digits only"));
  CHECK(Contains(ParseCheckpoint("go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBTOOBIG=\n").status(),
                 "not valid padded standard base64"));
}

TEST_CASE("checkpoints with extension lines round trip", "[checkpoint]") {
  Checkpoint c;
  c.origin = "example.com/smeledger";
  c.size = 0;
  c.extensions = {"6086d1a9", "Waxing gibbous"};
  auto text = FormatCheckpoint(c);
  REQUIRE(text.ok());
  CHECK(*text == "example.com/smeledger\n0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n6086d1a9\nWaxing gibbous\n");
  auto back = ParseCheckpoint(*text);
  REQUIRE(back.ok());
  CHECK(back->extensions == c.extensions);
  CHECK(back->size == 0u);

  c.size = UINT64_MAX;
  c.root = Sha256("x");
  c.extensions.clear();
  back = ParseCheckpoint(FormatCheckpoint(c).value());
  REQUIRE(back.ok());
  CHECK(back->size == UINT64_MAX);
  CHECK(back->root == c.root);
}

TEST_CASE("malformed checkpoints are rejected with the line at fault", "[checkpoint]") {
  const std::string root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
  struct Case {
    std::string text;
    std::string why;
  };
  const std::vector<Case> cases = {
      {"", "empty text"},
      {"Log\n123\n" + root, "does not end in a newline"},
      {"Head\n9944\n", "want at least 3 lines"},
      {"\n9944\n" + root + "\n", "line 1 is empty"},
      {"Log\n\n" + root + "\n", "line 2 is empty"},
      {"Log\n123\n" + root + "\n\n", "line 4 is empty"},
      {"Log\n123\n" + root + "\next\n\n\n", "line 5 is empty"},
      {"Log\nbananas\n" + root + "\n", "decimal digits only"},
      {"Log\n-34\n" + root + "\n", "decimal digits only"},
      {"Log\n+34\n" + root + "\n", "decimal digits only"},
      {"Log\n 34\n" + root + "\n", "decimal digits only"},
      {"Log\n0123\n" + root + "\n", "leading zero"},
      {"Log\n00\n" + root + "\n", "leading zero"},
      {"Log\n18446744073709551616\n" + root + "\n", "does not fit in 64 bits"},
      {"Log\n3438945738945739845734895735\n" + root + "\n", "does not fit in 64 bits"},
      {"Log\n123\nThisIsn'tBase64\n", "not valid padded standard base64"},
      {"Log\n123\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n", "not valid padded standard base64"},
      {"Log\n123\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n", "not valid padded standard base64"},
      // transparency-dev/formats, log/checkpoint_test.go: valid there (any hash length), but our
      // roots are SHA-256.
      {"Log\n123\nYmFuYW5hcw==\n", "is 7 bytes, want 32"},
      {"Log\n123\n" + EncodeBase64(std::string(64, 'x')) + "\n", "is 64 bytes, want 32"},
      {"Log\n123\n" + root + root + "\n", "not valid padded standard base64"},
      {"Lo\x01g\n123\n" + root + "\n", "line 1 has a control character"},
      {"Log\n123\n" + root + "\n\xFF\n", "line 4 has a control character or invalid UTF-8"},
      {"Log\r\n123\n" + root + "\n", "line 1 has a control character"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    auto r = ParseCheckpoint(c.text);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Status::Code::kInvalidInput);
    CHECK(Contains(r.status(), c.why));
  }
  CHECK(ParseCheckpoint("Log\n18446744073709551615\n" + root + "\n").ok());
  CHECK(ParseCheckpoint("Log with spaces+plus\n0\n" + root + "\n").ok());  // MUST NOT assume URL
}

TEST_CASE("FormatCheckpoint refuses what could not be read back", "[checkpoint]") {
  Checkpoint c;
  c.origin = "";
  CHECK(Contains(FormatCheckpoint(c).status(), "origin is empty"));
  c.origin = "a\nb";
  CHECK(Contains(FormatCheckpoint(c).status(), "origin must be one line"));
  c.origin = "a\x7F\x01";
  CHECK(Contains(FormatCheckpoint(c).status(), "origin must be one line"));
  c.origin = "example.com/log";
  c.extensions = {"ok", ""};
  CHECK(Contains(FormatCheckpoint(c).status(), "extension line 2"));
  c.extensions = {"two\nlines"};
  CHECK(Contains(FormatCheckpoint(c).status(), "extension line 1"));
}

TEST_CASE("signed checkpoints open with the log key and only with it", "[checkpoint]") {
  auto key = GenerateSignerKey("example.com/smeledger");
  REQUIRE(key.ok());
  Checkpoint c;
  c.origin = "example.com/smeledger";
  c.size = 42;
  c.root = Sha256("forty-two");
  auto note = SignNote(FormatCheckpoint(c).value(), *key);
  REQUIRE(note.ok());

  auto opened = OpenCheckpoint(*note, key->verifier());
  REQUIRE(opened.ok());
  CHECK(opened->origin == c.origin);
  CHECK(opened->size == 42u);
  CHECK(opened->root == c.root);

  std::string bigger = *note;
  bigger.replace(bigger.find("\n42\n"), 4, "\n43\n");
  auto r = OpenCheckpoint(bigger, key->verifier());
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Status::Code::kCorruption);

  auto other = GenerateSignerKey("example.com/smeledger");
  REQUIRE(other.ok());
  CHECK(OpenCheckpoint(*note, other->verifier()).status().code() == Status::Code::kNotFound);

  // A key whose name is not the origin signs validly, but is not this log's key.
  auto stranger = GenerateSignerKey("example.com/other-log");
  REQUIRE(stranger.ok());
  auto r2 = OpenCheckpoint(SignNote(FormatCheckpoint(c).value(), *stranger).value(), stranger->verifier());
  REQUIRE_FALSE(r2.ok());
  CHECK(Contains(r2.status(), "is not the log key's name"));

  // A signed text that is no checkpoint.
  auto r3 = OpenCheckpoint(SignNote("example.com/smeledger\n42\n", *key).value(), key->verifier());
  REQUIRE_FALSE(r3.ok());
  CHECK(Contains(r3.status(), "want at least 3 lines"));
}
