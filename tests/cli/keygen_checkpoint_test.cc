// smeledger keygen and smeledger checkpoint verify, end to end: the key file (mode, contents,
// never overwritten), the printed vkey, and the verdicts on good, altered, foreign and malformed
// checkpoints, with the exit codes of CLI.md.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "cli_support.h"
#include "ledger_fixture.h"
#include "smeledger/ledger/checkpoint.h"
#include "smeledger/ledger/signed_note.h"

using namespace smeledger;
using namespace smeledger::testing;

namespace {

constexpr char kOrigin[] = "example.com/smeledger-test";

std::string Chomp(std::string s) {
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << data;
  REQUIRE(f.good());
}

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

// One line on stderr, "smeledger: ...": what CLI.md asks of every non-zero exit.
void CheckOneReason(const Run& r) {
  INFO("stderr: " << r.err);
  CHECK(r.err.rfind("smeledger: ", 0) == 0);
  CHECK(Lines(r.err).size() == 1);
}

struct KeyPair {
  std::string file;
  std::string vkey;
};

KeyPair Keygen(const TempDir& dir, const std::string& file_name, const std::string& name = kOrigin) {
  const std::string file = dir / file_name;
  auto r = Smeledger(dir.path(), "-q keygen --name '" + name + "' --out " + file);
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(Lines(r.out).size() == 1);
  return {file, Chomp(r.out)};
}

ledger::Hash SomeRoot(uint8_t seed) {
  ledger::Hash h{};
  for (size_t i = 0; i < h.size(); ++i) h[i] = static_cast<uint8_t>(seed * 31 + i * 7);
  return h;
}

// A checkpoint note signed with the key in key_file, built with the library.
std::string SignedCheckpoint(const std::string& key_file, const ledger::Checkpoint& c) {
  auto signer = ledger::ParseSignerKey(Chomp(Slurp(key_file)));
  REQUIRE(signer.ok());
  auto text = ledger::FormatCheckpoint(c);
  REQUIRE(text.ok());
  auto note = ledger::SignNote(*text, *signer);
  REQUIRE(note.ok());
  return *note;
}

}  // namespace

TEST_CASE("keygen writes a 0600 key file whose verifier is the printed vkey", "[cli][keygen]") {
  TempDir dir;
  const std::string key = dir / "log.key";
  auto r = Smeledger(dir.path(), "keygen --name " + std::string(kOrigin) + " --out " + key);
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(ModeOf(key) == 0600);

  const std::string contents = Slurp(key);
  REQUIRE(!contents.empty());
  CHECK(contents.back() == '\n');
  CHECK(Lines(contents).size() == 1);
  CHECK(contents.rfind("PRIVATE+KEY+" + std::string(kOrigin) + "+", 0) == 0);
  auto signer = ledger::ParseSignerKey(Chomp(contents));
  REQUIRE(signer.ok());
  CHECK(signer->name() == kOrigin);

  // stdout: exactly the vkey, one line, the verifier of the key in the file.
  REQUIRE(Lines(r.out).size() == 1);
  CHECK(r.out.back() == '\n');
  const std::string vkey = Chomp(r.out);
  CHECK(vkey == signer->verifier().ToString());
  auto parsed = ledger::ParseVerifierKey(vkey);
  REQUIRE(parsed.ok());
  CHECK(parsed->key_id == signer->key_id());
  CHECK(r.out.find("PRIVATE") == std::string::npos);  // the secret never goes to stdout

  // The hint on stderr: where the key is and to keep it secret; the secret itself is not there.
  CHECK(r.err.find(key) != std::string::npos);
  CHECK(r.err.find("secret") != std::string::npos);
  CHECK(r.err.find("PRIVATE") == std::string::npos);

  // -q: no hint. A second key is another key.
  auto q = Smeledger(dir.path(), "-q keygen --name " + std::string(kOrigin) + " --out " +
                                     dir / "second.key");
  REQUIRE(q.exit_code == 0);
  CHECK(q.err.empty());
  CHECK(Chomp(q.out) != vkey);
  CHECK(Slurp(dir / "second.key") != contents);
}

TEST_CASE("keygen never overwrites an existing file", "[cli][keygen]") {
  TempDir dir;
  const std::string key = dir / "log.key";
  const KeyPair first = Keygen(dir, "log.key");
  const std::string before = Slurp(key);

  auto again = Smeledger(dir.path(), "keygen --name " + std::string(kOrigin) + " --out " + key);
  CHECK(again.exit_code == 2);
  CheckOneReason(again);
  CHECK(again.err.find(key + " exists") != std::string::npos);
  CHECK(again.err.find("never overwritten") != std::string::npos);
  CHECK(again.out.empty());
  CHECK(Slurp(key) == before);
  CHECK(ModeOf(key) == 0600);

  // Any existing file, key or not, and a symbolic link to one, is left alone.
  const std::string other = dir / "notes.txt";
  WriteFile(other, "precious\n");
  auto r = Smeledger(dir.path(), "keygen --name " + std::string(kOrigin) + " --out " + other);
  CHECK(r.exit_code == 2);
  CHECK(Slurp(other) == "precious\n");
  std::filesystem::create_symlink(other, dir / "link");
  auto l = Smeledger(dir.path(), "keygen --name " + std::string(kOrigin) + " --out " +
                                     dir / "link");
  CHECK(l.exit_code == 2);
  CHECK(Slurp(other) == "precious\n");
}

TEST_CASE("keygen rejects a bad key name and an impossible path", "[cli][keygen]") {
  TempDir dir;
  for (const std::string name : {"'a+b'", "'two words'", "''", "\"$(printf 'tab\\tname')\""}) {
    INFO("--name " << name);
    const std::string key = dir / "k";
    auto r = Smeledger(dir.path(), "keygen --name " + name + " --out " + key);
    CHECK(r.exit_code == 2);
    CheckOneReason(r);
    CHECK(r.err.find("bad key name") != std::string::npos);
    CHECK(r.err.find("no '+' and no whitespace") != std::string::npos);
    CHECK(r.out.empty());
    CHECK(!std::filesystem::exists(key));
  }
  // A directory that does not exist: usage, nothing written.
  auto r = Smeledger(dir.path(), "keygen --name " + std::string(kOrigin) + " --out " +
                                     dir / "no/such/dir/k");
  CHECK(r.exit_code == 2);
  CheckOneReason(r);
  CHECK(r.out.empty());
  // No --out: usage.
  CHECK(Smeledger(dir.path(), "keygen --name " + std::string(kOrigin)).exit_code == 2);
}

TEST_CASE("checkpoint verify accepts a checkpoint signed with a keygen key", "[cli][checkpoint]") {
  TempDir dir;
  const KeyPair key = Keygen(dir, "log.key");
  const ledger::Hash root = SomeRoot(1);
  const std::string note = SignedCheckpoint(key.file, {kOrigin, 123456789012ULL, root, {}});
  const std::string file = dir / "checkpoint";
  WriteFile(file, note);
  const std::string root_hex = ledger::HexOf(root);
  const std::string root_b64 =
      ledger::EncodeBase64({reinterpret_cast<const char*>(root.data()), root.size()});

  auto check_json = [&](const Run& r) {
    INFO("stdout: " << r.out << "stderr: " << r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE(Lines(r.out).size() == 1);
    CHECK(r.out.rfind("{\"ok\":true,", 0) == 0);
    CHECK(Field(r.out, "ok") == "true");
    CHECK(Field(r.out, "origin") == kOrigin);
    CHECK(Field(r.out, "size") == "123456789012");
    CHECK(Field(r.out, "root") == root_hex);
    CHECK(Field(r.out, "root_base64") == root_b64);
    CHECK(Field(r.out, "signed_by") == key.vkey);
  };
  check_json(Smeledger(dir.path(), "--format json checkpoint verify " + file + " --vkey '" +
                                       key.vkey + "'"));
  // The global option after the subcommand, the vkey from a file, the note from stdin.
  WriteFile(dir / "log.vkey", key.vkey + "\n");
  check_json(Smeledger(dir.path(), "checkpoint verify - --vkey @" + dir / "log.vkey" +
                                       " --format json",
                       file));

  // Table: origin, size and the root in hex and base64.
  auto t = Smeledger(dir.path(), "--format table checkpoint verify " + file + " --vkey '" +
                                     key.vkey + "'");
  REQUIRE(t.exit_code == 0);
  CHECK(t.out.find(kOrigin) != std::string::npos);
  CHECK(t.out.find("123456789012") != std::string::npos);
  CHECK(t.out.find(root_hex) != std::string::npos);
  CHECK(t.out.find(root_b64) != std::string::npos);

  // Extension lines are reported; a checkpoint of the empty tree is fine too.
  WriteFile(file, SignedCheckpoint(key.file, {kOrigin, 0, SomeRoot(2), {"ext one", "ext two"}}));
  auto e = Smeledger(dir.path(), "--format json checkpoint verify " + file + " --vkey '" +
                                     key.vkey + "'");
  REQUIRE(e.exit_code == 0);
  CHECK(Field(e.out, "size") == "0");
  CHECK(Field(e.out, "root") == ledger::HexOf(SomeRoot(2)));
  CHECK(e.out.find("\"extensions\":[\"ext one\",\"ext two\"]") != std::string::npos);
}

TEST_CASE("checkpoint verify rejects every altered byte of a signed checkpoint",
          "[cli][checkpoint]") {
  TempDir dir;
  const KeyPair key = Keygen(dir, "log.key");
  const std::string note = SignedCheckpoint(key.file, {kOrigin, 3, SomeRoot(3), {}});
  const std::string file = dir / "checkpoint";
  const std::string args = "--format json checkpoint verify " + file + " --vkey '" + key.vkey + "'";
  WriteFile(file, note);
  REQUIRE(Smeledger(dir.path(), args).exit_code == 0);
  const size_t body = note.find("\n\n") + 1;  // body bytes, blank line, signature line
  for (size_t i = 0; i < note.size(); ++i) {
    std::string altered = note;
    // Flip a low bit; for the em dash and other multi-byte characters this breaks the UTF-8.
    altered[i] = static_cast<char>(altered[i] ^ 0x01);
    WriteFile(file, altered);
    auto r = Smeledger(dir.path(), args);
    INFO("byte " << i << (i < body ? " (body)" : " (blank line or signature)") << ": "
                 << r.out << r.err);
    REQUIRE(r.exit_code == 1);
    CheckOneReason(r);
    CHECK(Field(r.out, "ok") == "false");
  }
  // Truncated and extended notes are not checkpoints either.
  for (const std::string& bad :
       {note.substr(0, note.size() - 1), note.substr(0, body), note + "x\n", std::string()}) {
    WriteFile(file, bad);
    auto r = Smeledger(dir.path(), args);
    INFO(r.err);
    CHECK(r.exit_code == 1);
  }
}

TEST_CASE("checkpoint verify rejects a checkpoint under another key or origin",
          "[cli][checkpoint]") {
  TempDir dir;
  const KeyPair key = Keygen(dir, "log.key");
  const KeyPair same_name = Keygen(dir, "other.key");
  const KeyPair other_name = Keygen(dir, "third.key", "other.example/log");
  const std::string file = dir / "checkpoint";
  WriteFile(file, SignedCheckpoint(key.file, {kOrigin, 7, SomeRoot(7), {}}));
  for (const std::string& vkey : {same_name.vkey, other_name.vkey}) {
    INFO("--vkey " << vkey);
    auto r = Smeledger(dir.path(), "checkpoint verify " + file + " --vkey '" + vkey + "'");
    CHECK(r.exit_code == 1);
    CheckOneReason(r);
    CHECK(r.err.find("not signed by the key") != std::string::npos);
    CHECK(Field(r.out, "ok") == "false");  // not a terminal: JSON by default
    auto t = Smeledger(dir.path(), "--format table checkpoint verify " + file + " --vkey '" +
                                       vkey + "'");
    CHECK(t.exit_code == 1);
    CHECK(t.out.empty());
  }
  // Signed by the right key, but the origin line is not the key's name.
  WriteFile(file, SignedCheckpoint(key.file, {"example.com/another-log", 7, SomeRoot(7), {}}));
  auto r = Smeledger(dir.path(), "checkpoint verify " + file + " --vkey '" + key.vkey + "'");
  CHECK(r.exit_code == 1);
  CheckOneReason(r);
}

TEST_CASE("checkpoint verify with an unreadable file or a bad vkey is a usage error",
          "[cli][checkpoint]") {
  TempDir dir;
  const KeyPair key = Keygen(dir, "log.key");
  const std::string file = dir / "checkpoint";
  WriteFile(file, SignedCheckpoint(key.file, {kOrigin, 1, SomeRoot(1), {}}));
  const std::string good = "'" + key.vkey + "'";
  struct Case {
    std::string args, says;
  };
  std::string wrong_id = key.vkey;
  const size_t id_at = wrong_id.find('+') + 1;
  wrong_id[id_at] = wrong_id[id_at] == '0' ? '1' : '0';
  for (const Case& c : std::vector<Case>{
           {"checkpoint verify " + dir / "missing" + " --vkey " + good, dir / "missing"},
           {"checkpoint verify " + dir.path() + " --vkey " + good, dir.path()},
           {"checkpoint verify " + file + " --vkey not-a-key", "--vkey"},
           {"checkpoint verify " + file + " --vkey '" + wrong_id + "'", "--vkey"},
           {"checkpoint verify " + file + " --vkey 'PRIVATE+KEY+" + key.vkey + "'", "--vkey"},
           {"checkpoint verify " + file + " --vkey @" + dir / "no-vkey", dir / "no-vkey"},
       }) {
    INFO(c.args);
    auto r = Smeledger(dir.path(), c.args);
    CHECK(r.exit_code == 2);
    CheckOneReason(r);
    CHECK(r.err.find(c.says) != std::string::npos);
    CHECK(r.out.empty());
  }
  // Missing arguments, and `checkpoint` without `verify` (signing needs the Merkle tree).
  CHECK(Smeledger(dir.path(), "checkpoint verify " + file).exit_code == 2);
  CHECK(Smeledger(dir.path(), "checkpoint verify --vkey " + good).exit_code == 2);
  CHECK(Smeledger(dir.path(), "checkpoint").exit_code == 2);
  CHECK(Smeledger(dir.path(), "checkpoint --key " + key.file).exit_code == 2);
}
