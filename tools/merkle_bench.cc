// merkle_bench [leaves]: the Merkle library's speed alone, in memory (no RocksDB): appends/s
// with and without storing the nodes, SHA-256 per append, proofs and verifications per second.
// The budget: the tree may cost ingest ≤ 5%, so an append must stay ~2 digests.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "smeledger/ledger/merkle.h"

namespace merkle = smeledger::ledger::merkle;
using smeledger::ledger::Hash;

namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

Hash Entry(uint64_t i) {
  Hash e{};
  for (int b = 0; b < 8; ++b) e[b] = static_cast<uint8_t>(i >> (8 * b));
  return e;
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : uint64_t{1} << 21;
  if (n < 2) {
    std::fprintf(stderr, "usage: merkle_bench [leaves ≥ 2]\n");
    return 2;
  }
  merkle::Hasher hasher;

  auto t = std::chrono::steady_clock::now();
  for (uint64_t i = 0; i < n; ++i) (void)hasher.Leaf(Entry(i));  // an OpenSSL call: not elided
  const double digest_s = Seconds(t);
  std::printf("leaf hashes            %10.0f /s\n", n / digest_s);

  // Entry → leaf → append, nodes reported but not kept: the tree's cost per record.
  merkle::Appender bare;
  uint64_t nodes = 0;
  t = std::chrono::steady_clock::now();
  for (uint64_t i = 0; i < n; ++i) {
    bare.Append(merkle::LeafHash(Entry(i)), [&](int, uint64_t, const Hash&) { ++nodes; });
  }
  const double bare_s = Seconds(t);
  // Digests: the leaf, then one per interior node reported (nodes − n); so equal to nodes / n.
  std::printf("appends (leaf + nodes) %10.0f /s, %.3f SHA-256 and nodes per append\n", n / bare_s,
              nodes / static_cast<double>(n));

  merkle::MemoryNodeStore store;
  merkle::Appender a;
  t = std::chrono::steady_clock::now();
  for (uint64_t i = 0; i < n; ++i) {
    a.Append(merkle::LeafHash(Entry(i)),
             [&](int level, uint64_t index, const Hash& h) { store.Put(level, index, h); });
  }
  std::printf("appends, nodes stored  %10.0f /s (in memory)\n", n / Seconds(t));
  if (a.Root() != bare.Root()) return 1;

  std::mt19937_64 rng(42);
  const int kProofs = 200000;
  const Hash root = a.Root();
  std::vector<merkle::Proof> proofs;
  std::vector<uint64_t> indexes;
  t = std::chrono::steady_clock::now();
  for (int i = 0; i < kProofs; ++i) {
    const uint64_t index = rng() % n;
    auto p = merkle::InclusionProof(index, n, store);
    if (!p.ok()) return 1;
    if (i < 1000) {
      proofs.push_back(std::move(p.value()));
      indexes.push_back(index);
    }
  }
  std::printf("inclusion proofs       %10.0f /s (size %llu)\n", kProofs / Seconds(t),
              static_cast<unsigned long long>(n));
  t = std::chrono::steady_clock::now();
  for (int i = 0; i < kProofs; ++i) {
    const size_t k = i % proofs.size();
    if (!merkle::VerifyInclusion(merkle::LeafHash(Entry(indexes[k])), indexes[k], n, proofs[k], root).ok())
      return 1;
  }
  std::printf("inclusion verified     %10.0f /s\n", kProofs / Seconds(t));
  t = std::chrono::steady_clock::now();
  for (int i = 0; i < kProofs; ++i) {
    const uint64_t m = 1 + rng() % (n - 1);
    auto p = merkle::ConsistencyProof(m, n, store);
    if (!p.ok()) return 1;
  }
  std::printf("consistency proofs     %10.0f /s\n", kProofs / Seconds(t));
  t = std::chrono::steady_clock::now();
  for (int i = 0; i < 20000; ++i) {
    auto r = merkle::RootAt(1 + rng() % n, store);
    if (!r.ok()) return 1;
  }
  std::printf("roots at a past size   %10.0f /s\n", 20000 / Seconds(t));
  return 0;
}
