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
#include "smeledger/ledger/merkle.h"
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

// Proofs made by smeledger's Merkle library (ledger/include/smeledger/ledger/merkle.h) for a
// tree of `max` leaves ("leaf 0", "leaf 1", …): every inclusion proof of every index of every
// size 1..max and every consistency proof 1 ≤ m ≤ n ≤ max, one JSON object a line
// (tests/tlog_check/README.md), and a copy of each with one byte of one hash flipped.
int WriteProofs(const std::string& dir, uint64_t max) {
  namespace merkle = smeledger::ledger::merkle;
  merkle::MemoryNodeStore store;
  merkle::Appender tree;
  std::vector<Hash> leaves, roots = {merkle::EmptyRoot()};
  for (uint64_t i = 0; i < max; ++i) {
    const std::string data = "leaf " + std::to_string(i);
    leaves.push_back(merkle::LeafHash(
        std::span(reinterpret_cast<const uint8_t*>(data.data()), data.size())));
    tree.Append(leaves.back(),
                [&](int level, uint64_t index, const Hash& h) { store.Put(level, index, h); });
    roots.push_back(tree.Root());
  }
  auto path_json = [](const merkle::Proof& p) {
    std::string s = "[";
    for (size_t i = 0; i < p.size(); ++i) s += (i ? ",\"" : "\"") + HexOf(p[i]) + "\"";
    return s + "]";
  };
  // One byte of one hash flipped: a path hash when there is one, else the given root.
  auto alter = [](merkle::Proof* p, Hash* root, uint64_t salt) {
    Hash& h = p->empty() ? *root : (*p)[salt % p->size()];
    h[salt % 32] ^= 0x01;
  };
  std::string inc, inc_bad, con, con_bad;
  for (uint64_t size = 1; size <= max; ++size) {
    for (uint64_t index = 0; index < size; ++index) {
      auto proof = merkle::InclusionProof(index, size, store);
      if (!proof.ok()) {
        std::cerr << "tlog_fixture: " << proof.status().ToString() << "\n";
        return 3;
      }
      auto line = [&](const merkle::Proof& p, const Hash& root) {
        return "{\"leaf_index\":" + std::to_string(index) + ",\"tree_size\":" +
               std::to_string(size) + ",\"leaf_hash\":\"" + HexOf(leaves[index]) +
               "\",\"path\":" + path_json(p) + ",\"root\":\"" + HexOf(root) + "\"}\n";
      };
      inc += line(*proof, roots[size]);
      merkle::Proof p = *proof;
      Hash root = roots[size];
      alter(&p, &root, index * 7 + size);
      inc_bad += line(p, root);
    }
    for (uint64_t m = 1; m <= size; ++m) {
      auto proof = merkle::ConsistencyProof(m, size, store);
      if (!proof.ok()) {
        std::cerr << "tlog_fixture: " << proof.status().ToString() << "\n";
        return 3;
      }
      auto line = [&](const merkle::Proof& p, const Hash& root2) {
        return "{\"size1\":" + std::to_string(m) + ",\"size2\":" + std::to_string(size) +
               ",\"root1\":\"" + HexOf(roots[m]) + "\",\"root2\":\"" + HexOf(root2) +
               "\",\"path\":" + path_json(p) + "}\n";
      };
      con += line(*proof, roots[size]);
      merkle::Proof p = *proof;
      Hash root2 = roots[size];
      alter(&p, &root2, m * 5 + size);
      con_bad += line(p, root2);
    }
  }
  const bool ok = Write(dir + "/inclusion.jsonl", inc) && Write(dir + "/inclusion.bad.jsonl", inc_bad) &&
                  Write(dir + "/consistency.jsonl", con) &&
                  Write(dir + "/consistency.bad.jsonl", con_bad);
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
  if (a.size() == 3 && a[0] == "proofs") return WriteProofs(a[1], std::stoull(a[2]));
  if (a.size() == 4 && a[0] == "open" && a[1] == "--vkey") {
    std::string k = a[2];
    while (!k.empty() && (k.back() == '\n' || k.back() == ' ')) k.pop_back();
    return Open(k, a[3]);
  }
  std::cerr << "usage: tlog_fixture write DIR | tlog_fixture proofs DIR MAX | "
               "tlog_fixture open --vkey K FILE\n";
  return 2;
}
