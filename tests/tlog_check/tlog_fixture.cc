// Test data for the independent Go checker (tests/tlog_check): what the C++ side writes, Go must
// accept; what Go signs, the C++ side must open.
//   tlog_fixture write DIR            key pair, signed checkpoint, tampered copies, proofs
//   tlog_fixture open --vkey K FILE   open a signed note with OpenNote, print its text (exit 0/1)
#include <sys/stat.h>

#include <openssl/evp.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "smeledger/ledger/checkpoint.h"
#include "smeledger/ledger/signed_note.h"

using namespace smeledger;
using namespace smeledger::ledger;

namespace {

constexpr char kOrigin[] = "smeledger.test/checkpoint";

Hash Sha256(const std::string& data) {
  Hash h{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), h.data(), &len, EVP_sha256(), nullptr);
  return h;
}

std::string Raw(const Hash& h) { return {reinterpret_cast<const char*>(h.data()), h.size()}; }

// RFC 6962 hashing, just enough for a three-leaf tree: the Merkle library is built elsewhere,
// and the checker must be tested before it exists (and independently of it).
Hash LeafHash(const std::string& data) { return Sha256(std::string(1, '\0') + data); }
Hash NodeHash(const Hash& l, const Hash& r) { return Sha256("\x01" + Raw(l) + Raw(r)); }

bool Write(const std::string& path, const std::string& data, mode_t mode = 0644) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << data;
  f.close();
  if (!f || chmod(path.c_str(), mode) != 0) {
    std::cerr << "tlog_fixture: cannot write " << path << "\n";
    return false;
  }
  return true;
}

std::string Slurp(const std::string& path, bool* ok) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  *ok = static_cast<bool>(f) || f.eof();
  return ss.str();
}

int WriteAll(const std::string& dir) {
  auto key = GenerateSignerKey(kOrigin);
  if (!key.ok()) {
    std::cerr << "tlog_fixture: " << key.status().ToString() << "\n";
    return 3;
  }
  const Hash h0 = LeafHash("leaf 0"), h1 = LeafHash("leaf 1"), h2 = LeafHash("leaf 2");
  const Hash h01 = NodeHash(h0, h1);
  const Hash root3 = NodeHash(h01, h2);

  Checkpoint c{kOrigin, 3, root3, {}};
  auto text = FormatCheckpoint(c);
  auto note = text.ok() ? SignNote(*text, *key) : Result<std::string>(text.status());
  if (!note.ok()) {
    std::cerr << "tlog_fixture: " << note.status().ToString() << "\n";
    return 3;
  }
  std::string tampered = *note;
  tampered.replace(tampered.find("\n3\n"), 3, "\n4\n");

  const std::string expected_json = std::string("{\"origin\":\"") + kOrigin +
                                    "\",\"size\":3,\"root_hex\":\"" + HexOf(root3) +
                                    "\",\"extensions\":[]}\n";
  auto inclusion = [&](const Hash& leaf) {
    return "{\"leaf_index\": 2, \"tree_size\": 3, \"leaf_hash\": \"" + HexOf(leaf) +
           "\", \"path\": [\"" + HexOf(h01) + "\"], \"root\": \"" + HexOf(root3) + "\"}\n";
  };
  auto consistency = [&](const Hash& root2) {
    return "{\"size1\": 2, \"size2\": 3, \"root1\": \"" + HexOf(h01) + "\", \"root2\": \"" +
           HexOf(root2) + "\", \"path\": [\"" + HexOf(h2) + "\"]}\n";
  };
  const bool ok =
      Write(dir + "/skey", key->ToString() + "\n", 0600) &&
      Write(dir + "/vkey", key->verifier().ToString() + "\n") &&
      Write(dir + "/checkpoint", *note) && Write(dir + "/checkpoint.text", *text) &&
      Write(dir + "/checkpoint.tampered", tampered) &&
      Write(dir + "/checkpoint.expected.json", expected_json) &&
      Write(dir + "/message.txt", "A note signed by Go,\n\nopened by smeledger.\n") &&
      Write(dir + "/inclusion.json", inclusion(h2)) &&
      Write(dir + "/inclusion.bad.json", inclusion(h1)) &&
      Write(dir + "/consistency.json", consistency(root3)) &&
      Write(dir + "/consistency.bad.json", consistency(NodeHash(h01, h1)));
  return ok ? 0 : 3;
}

int Open(const std::string& vkey_text, const std::string& path) {
  auto vkey = ParseVerifierKey(vkey_text);
  if (!vkey.ok()) {
    std::cerr << "tlog_fixture: " << vkey.status().ToString() << "\n";
    return 2;
  }
  bool read_ok = false;
  const std::string note = Slurp(path, &read_ok);
  if (!read_ok) {
    std::cerr << "tlog_fixture: cannot read " << path << "\n";
    return 2;
  }
  auto opened = OpenNote(note, std::vector<NoteVerifier>{*vkey});
  if (!opened.ok()) {
    std::cerr << "tlog_fixture: " << opened.status().ToString() << "\n";
    return 1;
  }
  std::cout << opened->text;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> a(argv + 1, argv + argc);
  if (a.size() == 2 && a[0] == "write") return WriteAll(a[1]);
  if (a.size() == 4 && a[0] == "open" && a[1] == "--vkey") {
    std::string k = a[2];
    while (!k.empty() && (k.back() == '\n' || k.back() == ' ')) k.pop_back();
    return Open(k, a[3]);
  }
  std::cerr << "usage: tlog_fixture write DIR | tlog_fixture open --vkey K FILE\n";
  return 2;
}
