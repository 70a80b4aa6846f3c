// The RFC 6962 Merkle tree: known vectors, every root and proof of every size up to 300 against
// the RFC's recursive definitions, each proof with one thing changed rejected, the appender's
// nodes and restore, hostile verifier input, and O(log n) node reads at any size.
#include "smeledger/ledger/merkle.h"

#include <catch2/catch.hpp>

#include <bit>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

using smeledger::Status;
using smeledger::ledger::Hash;
using smeledger::ledger::HexOf;
namespace merkle = smeledger::ledger::merkle;

namespace {

std::vector<uint8_t> Bytes(const std::string& hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

Hash H(const std::string& hex) {
  REQUIRE(hex.size() == 64);
  Hash h;
  std::vector<uint8_t> b = Bytes(hex);
  std::memcpy(h.data(), b.data(), h.size());
  return h;
}

// RFC 6962 §2.1, §2.1.1 and §2.1.2 as written: recursive, over the leaf hashes. Memoised by
// range only so that 90,000 proofs stay fast; every value is still the recursion's.
class Reference {
 public:
  explicit Reference(std::vector<Hash> leaves) : leaves_(std::move(leaves)) {}

  Hash Mth(uint64_t b, uint64_t e) {
    if (e == b) return merkle::EmptyRoot();
    if (e - b == 1) return leaves_.at(b);
    auto it = memo_.find({b, e});
    if (it != memo_.end()) return it->second;
    const uint64_t k = LargestPowerOfTwoBelow(e - b);
    Hash h = merkle::NodeHash(Mth(b, b + k), Mth(b + k, e));
    memo_.emplace(std::make_pair(b, e), h);
    return h;
  }

  // PATH(m, D[b:e]), m an absolute leaf index.
  std::vector<Hash> Path(uint64_t m, uint64_t b, uint64_t e) {
    if (e - b <= 1) return {};
    const uint64_t k = LargestPowerOfTwoBelow(e - b);
    std::vector<Hash> r;
    if (m - b < k) {
      r = Path(m, b, b + k);
      r.push_back(Mth(b + k, e));
    } else {
      r = Path(m, b + k, e);
      r.push_back(Mth(b, b + k));
    }
    return r;
  }

  // PROOF(m, D[n]); empty for m == 0 and m == n.
  std::vector<Hash> Proof(uint64_t m, uint64_t n) {
    if (m == 0 || m == n) return {};
    return Subproof(m, 0, n, true);
  }

 private:
  static uint64_t LargestPowerOfTwoBelow(uint64_t n) {
    uint64_t k = 1;
    while (k * 2 < n) k *= 2;
    return k;
  }

  std::vector<Hash> Subproof(uint64_t m, uint64_t b, uint64_t e, bool whole) {
    const uint64_t n = e - b;
    if (m == n) return whole ? std::vector<Hash>{} : std::vector<Hash>{Mth(b, e)};
    const uint64_t k = LargestPowerOfTwoBelow(n);
    std::vector<Hash> r;
    if (m <= k) {
      r = Subproof(m, b, b + k, whole);
      r.push_back(Mth(b + k, e));
    } else {
      r = Subproof(m - k, b + k, e, false);
      r.push_back(Mth(b, b + k));
    }
    return r;
  }

  std::vector<Hash> leaves_;
  std::map<std::pair<uint64_t, uint64_t>, Hash> memo_;
};

// Distinct entries: a record hash stand-in per position.
Hash Entry(uint64_t i) {
  Hash e{};
  for (int b = 0; b < 8; ++b) e[b] = static_cast<uint8_t>(i >> (8 * b));
  e[31] = 0x5a;
  return merkle::LeafHash(std::span<const uint8_t>(e));  // any 32 distinct bytes will do
}

std::vector<Hash> Leaves(uint64_t n) {
  std::vector<Hash> leaves;
  for (uint64_t i = 0; i < n; ++i) leaves.push_back(merkle::LeafHash(Entry(i)));
  return leaves;
}

Hash Flipped(Hash h, size_t byte) {
  h[byte % h.size()] ^= 0x01;
  return h;
}

// Collects mismatches instead of asserting each of a million checks through Catch.
struct Failures {
  std::vector<std::string> first;
  size_t count = 0;
  size_t checks = 0;
  void Expect(bool ok, const std::string& what) {
    ++checks;
    if (ok) return;
    ++count;
    if (first.size() < 10) first.push_back(what);
  }
  void Require() const {
    std::string listed;
    for (const std::string& f : first) listed += "\n  " + f;
    INFO(count << " of " << checks << " checks failed, first:" << listed);
    REQUIRE(count == 0);
    REQUIRE(checks > 0);
  }
};

std::string At(const char* what, uint64_t a, uint64_t b) {
  return std::string(what) + " (" + std::to_string(a) + ", " + std::to_string(b) + ")";
}

// The in-memory store and the appender's roots for `leaves`.
struct Built {
  merkle::MemoryNodeStore store;
  std::vector<Hash> roots;  // roots[s] = the appender's root at size s
};

void Build(const std::vector<Hash>& leaves, Built* out) {
  merkle::Appender a;
  out->roots.push_back(a.Root());
  for (const Hash& leaf : leaves) {
    a.Append(leaf, [&](int level, uint64_t index, const Hash& h) { out->store.Put(level, index, h); });
    out->roots.push_back(a.Root());
  }
}

}  // namespace

// transparency-dev/merkle, testonly/constants.go (LeafInputs, NodeHashes, RootHashes) and
// proof/verify_test.go (inclusionProofs: leaf numbers there are 1-based; consistencyProofs) —
// the RFC 6962 vectors that Certificate Transparency's merkle_tree_test also uses.
namespace vectors {

const char* kLeafInputs[] = {"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                             "606162636465666768696a6b6c6d6e6f"};

const std::vector<std::vector<const char*>> kNodeHashes = {
    {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
     "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
     "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
     "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
     "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
     "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
     "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
     "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"},
    {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
     "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
     "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
     "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"},
    {"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
     "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"},
    {"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"},
};

const char* kRootHashes[] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

struct ProofVector {
  uint64_t a, b;  // inclusion: leaf index (0-based here), size; consistency: m, n
  std::vector<const char*> proof;
};

const std::vector<ProofVector> kInclusion = {
    {0, 1, {}},
    {0, 8,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {5, 8,
     {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 3, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
    {1, 5,
     {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
};

const std::vector<ProofVector> kConsistency = {
    {1, 1, {}},
    {1, 8,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {6, 8,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 5,
     {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
    {6, 7,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
};

std::vector<Hash> Hashes(const std::vector<const char*>& hex) {
  std::vector<Hash> out;
  for (const char* h : hex) out.push_back(H(h));
  return out;
}

}  // namespace vectors

TEST_CASE("merkle: leaf node and empty hashes match the RFC 6962 vectors", "[merkle]") {
  REQUIRE(HexOf(merkle::EmptyRoot()) == vectors::kRootHashes[0]);
  for (size_t i = 0; i < 8; ++i) {
    std::vector<uint8_t> input = Bytes(vectors::kLeafInputs[i]);
    CHECK(HexOf(merkle::LeafHash(input)) == vectors::kNodeHashes[0][i]);
  }
  for (size_t level = 1; level < vectors::kNodeHashes.size(); ++level) {
    for (size_t j = 0; j < vectors::kNodeHashes[level].size(); ++j) {
      Hash l = H(vectors::kNodeHashes[level - 1][2 * j]);
      Hash r = H(vectors::kNodeHashes[level - 1][2 * j + 1]);
      CHECK(HexOf(merkle::NodeHash(l, r)) == vectors::kNodeHashes[level][j]);
    }
  }
  // The ledger's leaf: an entry of exactly 32 bytes, the same as the general form.
  Hash entry = H(vectors::kNodeHashes[0][3]);
  CHECK(merkle::LeafHash(entry) == merkle::LeafHash(std::span<const uint8_t>(entry)));
  merkle::Hasher hasher;  // an own context gives the same as the thread's
  CHECK(hasher.Leaf(entry) == merkle::LeafHash(entry));
  CHECK(hasher.Node(entry, entry) == merkle::NodeHash(entry, entry));
  CHECK(hasher.Empty() == merkle::EmptyRoot());
}

TEST_CASE("merkle: roots and proofs match the transparency-dev vectors", "[merkle]") {
  std::vector<Hash> leaves;
  for (const char* in : vectors::kLeafInputs) leaves.push_back(merkle::LeafHash(Bytes(in)));
  Built built;
  Build(leaves, &built);
  for (uint64_t size = 0; size <= 8; ++size) {
    INFO("size " << size);
    CHECK(HexOf(built.roots[size]) == vectors::kRootHashes[size]);
    auto root = merkle::RootAt(size, built.store);
    REQUIRE(root.ok());
    CHECK(HexOf(root.value()) == vectors::kRootHashes[size]);
  }
  for (const auto& v : vectors::kInclusion) {
    INFO("inclusion of leaf " << v.a << " in " << v.b);
    auto proof = merkle::InclusionProof(v.a, v.b, built.store);
    REQUIRE(proof.ok());
    CHECK(proof.value() == vectors::Hashes(v.proof));
    Status s = merkle::VerifyInclusion(leaves[v.a], v.a, v.b, vectors::Hashes(v.proof),
                                       H(vectors::kRootHashes[v.b]));
    CHECK(s.ok());
  }
  for (const auto& v : vectors::kConsistency) {
    INFO("consistency " << v.a << " → " << v.b);
    auto proof = merkle::ConsistencyProof(v.a, v.b, built.store);
    REQUIRE(proof.ok());
    CHECK(proof.value() == vectors::Hashes(v.proof));
    Status s = merkle::VerifyConsistency(v.a, v.b, H(vectors::kRootHashes[v.a]),
                                         H(vectors::kRootHashes[v.b]), vectors::Hashes(v.proof));
    CHECK(s.ok());
  }
  // The frontier of each size is transparency-dev's CompactTrees(): the SizeNodes' hashes.
  auto frontier = merkle::Appender::FromNodes(7, built.store);
  REQUIRE(frontier.ok());
  CHECK(frontier->frontier() == std::vector<Hash>{H(vectors::kNodeHashes[2][0]),
                                                   H(vectors::kNodeHashes[1][2]),
                                                   H(vectors::kNodeHashes[0][6])});
}

TEST_CASE("merkle: every root and inclusion proof up to size 300 equals the RFC 6962 definition and only it verifies",
          "[merkle]") {
  constexpr uint64_t kMax = 300;
  const std::vector<Hash> leaves = Leaves(kMax + 1);
  Reference ref(leaves);
  Built built;
  Build(leaves, &built);
  Failures f;
  size_t proofs = 0;
  for (uint64_t size = 1; size <= kMax; ++size) {
    const Hash root = ref.Mth(0, size);
    f.Expect(built.roots[size] == root, At("appender root", size, 0));
    auto stored_root = merkle::RootAt(size, built.store);
    f.Expect(stored_root.ok() && stored_root.value() == root, At("RootAt", size, 0));
    for (uint64_t index = 0; index < size; ++index) {
      const std::string at = At("inclusion (index, size)", index, size);
      auto got = merkle::InclusionProof(index, size, built.store);
      if (!got.ok()) {
        f.Expect(false, at + ": " + got.status().ToString());
        continue;
      }
      ++proofs;
      const merkle::Proof& proof = got.value();
      const Hash& leaf = leaves[index];
      f.Expect(proof == ref.Path(index, 0, size), at + " differs from PATH");
      f.Expect(proof.size() == merkle::InclusionProofSize(index, size), at + " size formula");
      f.Expect(merkle::VerifyInclusion(leaf, index, size, proof, root).ok(), at + " does not verify");
      auto computed = merkle::RootFromInclusionProof(leaf, index, size, proof);
      f.Expect(computed.ok() && computed.value() == root, at + " RootFromInclusionProof");

      auto rejects = [&](const Hash& l, uint64_t i, uint64_t s, const merkle::Proof& p,
                         const Hash& r, const char* change) {
        f.Expect(!merkle::VerifyInclusion(l, i, s, p, r).ok(), at + " verifies with " + change);
      };
      for (size_t i = 0; i < proof.size(); ++i) {
        merkle::Proof p = proof;
        p[i] = Flipped(p[i], i * 13 + index);
        rejects(leaf, index, size, p, root, "a proof byte flipped");
      }
      if (!proof.empty()) {
        rejects(leaf, index, size, merkle::Proof(proof.begin(), proof.end() - 1), root,
                "the last hash dropped");
        rejects(leaf, index, size, merkle::Proof(proof.begin() + 1, proof.end()), root,
                "the first hash dropped");
      }
      merkle::Proof longer = proof;
      longer.push_back(root);
      rejects(leaf, index, size, longer, root, "a hash added at the end");
      longer = proof;
      longer.insert(longer.begin(), leaf);
      rejects(leaf, index, size, longer, root, "a hash added at the front");
      rejects(Flipped(leaf, index), index, size, proof, root, "the leaf changed");
      rejects(leaf, index, size, proof, Flipped(root, size), "the root changed");
      rejects(leaf, index + 1, size, proof, root, "the index + 1");
      if (index > 0) rejects(leaf, index - 1, size, proof, root, "the index - 1");
      // A size changed by one, with that size's true root: the proof holds only if it is that
      // size's own proof too. (With the original root the verifier can accept a neighbouring
      // size whose path has the same shape: the root, not the size, is what a proof binds,
      // which is why a checkpoint signs both.)
      for (uint64_t other : {size - 1, size + 1}) {
        if (index >= other) continue;
        const bool same = ref.Path(index, 0, other) == proof;
        f.Expect(merkle::VerifyInclusion(leaf, index, other, proof, ref.Mth(0, other)).ok() == same,
                 at + " verifies for size " + std::to_string(other));
      }
    }
  }
  f.Require();
  CHECK(proofs == kMax * (kMax + 1) / 2);
}

TEST_CASE("merkle: every consistency proof up to size 300 equals the RFC 6962 definition and only it verifies",
          "[merkle]") {
  constexpr uint64_t kMax = 300;
  const std::vector<Hash> leaves = Leaves(kMax + 1);
  Reference ref(leaves);
  Built built;
  Build(leaves, &built);
  Failures f;
  size_t proofs = 0;
  for (uint64_t n = 1; n <= kMax; ++n) {
    const Hash root_n = ref.Mth(0, n);
    for (uint64_t m = 1; m <= n; ++m) {
      const std::string at = At("consistency (m, n)", m, n);
      const Hash root_m = ref.Mth(0, m);
      auto got = merkle::ConsistencyProof(m, n, built.store);
      if (!got.ok()) {
        f.Expect(false, at + ": " + got.status().ToString());
        continue;
      }
      ++proofs;
      const merkle::Proof& proof = got.value();
      f.Expect(proof == ref.Proof(m, n), at + " differs from PROOF");
      f.Expect(proof.size() == merkle::ConsistencyProofSize(m, n), at + " size formula");
      f.Expect(merkle::VerifyConsistency(m, n, root_m, root_n, proof).ok(), at + " does not verify");

      auto rejects = [&](uint64_t m2, uint64_t n2, const Hash& r1, const Hash& r2,
                         const merkle::Proof& p, const char* change) {
        f.Expect(!merkle::VerifyConsistency(m2, n2, r1, r2, p).ok(), at + " verifies with " + change);
      };
      rejects(m, n, Flipped(root_m, n), root_n, proof, "the old root changed");
      rejects(m, n, root_m, Flipped(root_n, m), proof, "the new root changed");
      if (m == n) {
        rejects(m, n, root_m, root_n, merkle::Proof{root_m}, "a hash added");
        continue;
      }
      rejects(m, n, root_n, root_m, proof, "the roots swapped");
      rejects(m, n, root_m, root_n, merkle::Proof{}, "an empty proof");
      for (size_t i = 0; i < proof.size(); ++i) {
        merkle::Proof p = proof;
        p[i] = Flipped(p[i], i * 7 + m);
        rejects(m, n, root_m, root_n, p, "a proof byte flipped");
      }
      rejects(m, n, root_m, root_n, merkle::Proof(proof.begin(), proof.end() - 1),
              "the last hash dropped");
      rejects(m, n, root_m, root_n, merkle::Proof(proof.begin() + 1, proof.end()),
              "the first hash dropped");
      merkle::Proof longer = proof;
      longer.push_back(root_n);
      rejects(m, n, root_m, root_n, longer, "a hash added at the end");
      longer = proof;
      longer.insert(longer.begin(), proof.front());
      rejects(m, n, root_m, root_n, longer, "proof[0] repeated at the front");
      // A size changed by one, with the true roots of the changed sizes: only that pair's own
      // proof may verify.
      const std::pair<uint64_t, uint64_t> others[] = {{m - 1, n}, {m + 1, n}, {m, n - 1}, {m, n + 1}};
      for (auto [m2, n2] : others) {
        if (m2 > n2 || m2 == 0) continue;
        const bool same = ref.Proof(m2, n2) == proof;
        f.Expect(merkle::VerifyConsistency(m2, n2, ref.Mth(0, m2), ref.Mth(0, n2), proof).ok() == same,
                 at + " verifies for sizes " + std::to_string(m2) + " → " + std::to_string(n2));
      }
    }
  }
  f.Require();
  CHECK(proofs == kMax * (kMax + 1) / 2);
}

TEST_CASE("merkle: the appender reports exactly the perfect nodes in level order", "[merkle]") {
  constexpr uint64_t kMax = 300;
  const std::vector<Hash> leaves = Leaves(kMax);
  Reference ref(leaves);
  merkle::Appender a;
  std::map<std::pair<int, uint64_t>, Hash> seen;
  Failures f;
  for (uint64_t size = 1; size <= kMax; ++size) {
    int last_level = -1;
    a.Append(leaves[size - 1], [&](int level, uint64_t index, const Hash& h) {
      f.Expect(level == last_level + 1, At("levels in order at size", size, level));
      last_level = level;
      f.Expect(seen.emplace(std::make_pair(level, index), h).second, At("reported twice", level, index));
      const uint64_t begin = index << level, end = (index + 1) << level;
      f.Expect(end == size, At("a node not ending at the new leaf", level, index));
      f.Expect(h == ref.Mth(begin, end), At("node hash", level, index));
    });
    f.Expect(a.size() == size, At("size", size, a.size()));
    f.Expect(a.Root() == ref.Mth(0, size), At("root", size, 0));
    // Every perfect node of this size, and nothing else, has been reported: 2·size − popcount.
    f.Expect(seen.size() == 2 * size - std::popcount(size), At("nodes at size", size, seen.size()));
    std::vector<merkle::NodeId> ids = merkle::SizeNodes(size);
    f.Expect(ids.size() == static_cast<size_t>(std::popcount(size)), At("SizeNodes", size, ids.size()));
    for (size_t i = 0; i < ids.size() && i < a.frontier().size(); ++i) {
      auto it = seen.find({ids[i].level, ids[i].index});
      f.Expect(it != seen.end() && it->second == a.frontier()[i], At("frontier", size, i));
    }
  }
  f.Require();
  // The perfect nodes of size kMax, counted independently of the appender.
  size_t perfect = 0;
  for (int level = 0; level < 64; ++level) perfect += kMax >> level;
  CHECK(seen.size() == perfect);
}

TEST_CASE("merkle: an appender restored from stored nodes continues with the same roots and nodes",
          "[merkle]") {
  constexpr uint64_t kMax = 300;
  const std::vector<Hash> leaves = Leaves(kMax);
  Reference ref(leaves);
  Built built;
  Build(leaves, &built);
  std::mt19937_64 rng(6962);
  std::vector<uint64_t> sizes = {0, 1, 2, 7, 8, 255, 256, kMax};
  for (int i = 0; i < 12; ++i) sizes.push_back(rng() % (kMax + 1));
  for (uint64_t start : sizes) {
    INFO("restored at size " << start);
    auto restored = merkle::Appender::FromNodes(start, built.store);
    REQUIRE(restored.ok());
    merkle::Appender a = std::move(restored.value());
    REQUIRE(a.size() == start);
    REQUIRE(a.Root() == ref.Mth(0, start));
    for (uint64_t i = start; i < kMax; ++i) {
      bool nodes_match = true;
      a.Append(leaves[i], [&](int level, uint64_t index, const Hash& h) {
        Hash stored{};
        nodes_match = nodes_match && built.store.Node(level, index, &stored).ok() && stored == h;
      });
      REQUIRE(nodes_match);
      REQUIRE(a.Root() == ref.Mth(0, i + 1));
    }
  }
  // A copy is a snapshot: appending to it leaves the original as it was (a failed batch's undo).
  merkle::Appender original;
  for (int i = 0; i < 5; ++i) original.Append(leaves[i]);
  merkle::Appender copy = original;
  copy.Append(leaves[5]);
  CHECK(original.size() == 5);
  CHECK(original.Root() == ref.Mth(0, 5));
  CHECK(copy.Root() == ref.Mth(0, 6));
  // Nodes that are not stored are the store's NotFound, not a wrong tree.
  merkle::MemoryNodeStore empty;
  auto missing = merkle::Appender::FromNodes(5, empty);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == Status::Code::kNotFound);
  auto missing_root = merkle::RootAt(3, empty);
  CHECK(missing_root.status().code() == Status::Code::kNotFound);
  auto missing_proof = merkle::InclusionProof(1, 3, empty);
  CHECK(missing_proof.status().code() == Status::Code::kNotFound);
}

TEST_CASE("merkle: verification edge cases and hostile input give a Status", "[merkle]") {
  const std::vector<Hash> leaves = Leaves(8);
  Reference ref(leaves);
  const Hash empty = merkle::EmptyRoot();
  const Hash r5 = ref.Mth(0, 5), r8 = ref.Mth(0, 8);
  using Code = Status::Code;

  // Inclusion: index ≥ size, the empty tree, a proof of the wrong length.
  CHECK(merkle::VerifyInclusion(leaves[0], 0, 0, {}, empty).code() == Code::kInvalidInput);
  CHECK(merkle::VerifyInclusion(leaves[5], 5, 5, {}, r5).code() == Code::kInvalidInput);
  CHECK(merkle::VerifyInclusion(leaves[0], 0, 1, {}, leaves[0]).ok());
  CHECK(merkle::VerifyInclusion(leaves[0], 0, 1, {}, leaves[1]).code() == Code::kCorruption);
  CHECK(merkle::VerifyInclusion(leaves[0], 0, 1, std::vector<Hash>{leaves[1]}, leaves[0]).code() ==
        Code::kInvalidInput);
  CHECK(merkle::VerifyInclusion(leaves[2], 2, 8, std::vector<Hash>(2, r8), r8).code() == Code::kInvalidInput);
  {
    merkle::MemoryNodeStore none;
    CHECK(merkle::InclusionProof(3, 3, none).status().code() == Code::kInvalidInput);
    CHECK(merkle::ConsistencyProof(4, 3, none).status().code() == Code::kInvalidInput);
    auto trivial = merkle::ConsistencyProof(0, 3, none);  // no read: nothing to prove
    REQUIRE(trivial.ok());
    CHECK(trivial->empty());
  }

  // Consistency: m == n, m == 0, m > n, empty and non-empty proofs.
  CHECK(merkle::VerifyConsistency(0, 0, empty, empty, {}).ok());
  CHECK(merkle::VerifyConsistency(0, 5, empty, r5, {}).ok());
  CHECK(merkle::VerifyConsistency(0, 5, r5, r5, {}).code() == Code::kCorruption);
  CHECK(merkle::VerifyConsistency(0, 5, empty, r5, std::vector<Hash>{r5}).code() == Code::kInvalidInput);
  CHECK(merkle::VerifyConsistency(5, 5, r5, r5, {}).ok());
  CHECK(merkle::VerifyConsistency(5, 5, r5, r8, {}).code() == Code::kCorruption);
  CHECK(merkle::VerifyConsistency(5, 5, r5, r5, std::vector<Hash>{r5}).code() == Code::kInvalidInput);
  CHECK(merkle::VerifyConsistency(8, 5, r8, r5, {}).code() == Code::kInvalidInput);
  CHECK(merkle::VerifyConsistency(5, 8, r5, r8, {}).code() == Code::kInvalidInput);
  CHECK(merkle::VerifyConsistency(5, 8, r5, r8, ref.Proof(5, 8)).ok());

  // Random sizes up to 2^64 − 1 and random proofs of any length: never a crash, never ok.
  std::mt19937_64 rng(9162);
  auto random_hash = [&] {
    Hash h;
    for (auto& b : h) b = static_cast<uint8_t>(rng());
    return h;
  };
  auto random_size = [&]() -> uint64_t {
    switch (rng() % 4) {
      case 0: return rng() % 20;
      case 1: return rng() % 100000;
      case 2: return UINT64_MAX - rng() % 3;
      default: return rng() >> (rng() % 64);
    }
  };
  int accepted = 0, right_length = 0;
  for (int i = 0; i < 20000; ++i) {
    const uint64_t a = random_size(), b = random_size();
    std::vector<Hash> proof(rng() % 3 == 0 ? rng() % 130 : rng() % 8);
    for (Hash& h : proof) h = random_hash();
    if (i % 2 == 0 && a < b && proof.size() != merkle::InclusionProofSize(a, b)) {
      proof.resize(merkle::InclusionProofSize(a, b));  // make some reach the hashing
      for (Hash& h : proof) h = random_hash();
    }
    if (i % 2 == 1 && a <= b) {
      proof.resize(merkle::ConsistencyProofSize(a, b));
      for (Hash& h : proof) h = random_hash();
    }
    Status inc = merkle::VerifyInclusion(random_hash(), a, b, proof, random_hash());
    Status con = merkle::VerifyConsistency(a, b, random_hash(), random_hash(), proof);
    accepted += inc.ok() + con.ok();
    right_length += inc.code() == Code::kCorruption;
    CHECK((inc.code() == Code::kInvalidInput || inc.code() == Code::kCorruption));
  }
  CHECK(accepted == 0);
  CHECK(right_length > 1000);  // the hashing path was exercised, not only the length checks
}

namespace {

// A tree whose every leaf is the same: each perfect node's hash depends only on its level, so
// any size up to 2^64 − 1 is a real, consistent tree without storing it. Counts reads and
// rejects ids that are not perfect nodes of `size`.
class UniformTree : public merkle::NodeSource {
 public:
  explicit UniformTree(uint64_t size) : size_(size) {
    level_[0] = merkle::LeafHash(Hash{});
    for (int k = 1; k < 64; ++k) level_[k] = merkle::NodeHash(level_[k - 1], level_[k - 1]);
  }
  Status Node(int level, uint64_t index, Hash* out) override {
    ++reads;
    if (level < 0 || level > 63 || index >= (size_ >> level)) {
      bad = true;
      return Status::NotFound("not a perfect node");
    }
    *out = level_[level];
    return Status::Ok();
  }
  Status Nodes(std::span<const merkle::NodeId> ids, std::span<Hash> out) override {
    ++calls;
    return NodeSource::Nodes(ids, out);
  }
  int calls = 0;
  int reads = 0;
  bool bad = false;

 private:
  uint64_t size_;
  Hash level_[64];
};

}  // namespace

TEST_CASE("merkle: roots and proofs of any size read O(log n) nodes in one batch", "[merkle]") {
  const uint64_t sizes[] = {1, 2, 3, 1000, 10'000'000, (uint64_t{1} << 40) + 12345,
                            uint64_t{1} << 63, UINT64_MAX};
  for (uint64_t size : sizes) {
    INFO("size " << size);
    UniformTree tree(size);
    auto root = merkle::RootAt(size, tree);
    REQUIRE(root.ok());
    CHECK(tree.calls == 1);
    CHECK(tree.reads == std::popcount(size));
    for (uint64_t index : {uint64_t{0}, size / 3, size / 2, size - 1}) {
      INFO("index " << index);
      tree.calls = tree.reads = 0;
      auto proof = merkle::InclusionProof(index, size, tree);
      REQUIRE(proof.ok());
      CHECK(tree.calls == (proof->empty() ? 0 : 1));
      CHECK(tree.reads <= 2 * 64);
      CHECK(proof->size() == merkle::InclusionProofSize(index, size));
      CHECK(merkle::VerifyInclusion(merkle::LeafHash(Hash{}), index, size, proof.value(), root.value()).ok());
    }
    for (uint64_t m : {uint64_t{1}, size / 3, size / 2, size - 1}) {
      if (m == 0) continue;
      INFO("m " << m);
      UniformTree old_tree(m);
      auto old_root = merkle::RootAt(m, old_tree);
      REQUIRE(old_root.ok());
      tree.calls = tree.reads = 0;
      auto proof = merkle::ConsistencyProof(m, size, tree);
      REQUIRE(proof.ok());
      CHECK(tree.calls <= 1);
      CHECK(tree.reads <= 2 * 64);
      CHECK(proof->size() == merkle::ConsistencyProofSize(m, size));
      CHECK(merkle::VerifyConsistency(m, size, old_root.value(), root.value(), proof.value()).ok());
    }
    CHECK_FALSE(tree.bad);
  }
}
