// An RFC 6962 / RFC 9162 Merkle tree over the ledger's records in position order: hashing,
// incremental appending, proofs from stored nodes, and proof verification. Pure: no RocksDB;
// the ledger stores the nodes this library hands out and gives them back through NodeSource.
//
// Hashing (RFC 6962 §2.1, RFC 9162 §2.1.1):
//   leaf  = SHA-256(0x00 ‖ entry)         the entry of the ledger's record at position p is the
//                                         record's 32-byte hash; it is leaf index p − 1
//   node  = SHA-256(0x01 ‖ left ‖ right)
//   MTH({}) = SHA-256("")
//   MTH(D[n]) = node(MTH(D[0:k]), MTH(D[k:n])), k = the largest power of two smaller than n
//
// Node addressing. A *perfect node* (level k, index j) is the root of the perfect subtree over
// the 2^k leaves [j·2^k, (j+1)·2^k); level 0 is the leaf hashes themselves. Its children are
// (k−1, 2j) and (k−1, 2j+1). A tree of size n has a perfect node (k, j) iff (j+1)·2^k ≤ n, and
// such a node never changes as the tree grows. The other interior nodes of an RFC 6962 tree
// ("ephemeral": their subtree is not full yet) are never stored: each is the fold of the
// perfect nodes of the binary decomposition of its range (see RootAt).
//
// What to store: every perfect node, as the Appender completes it — per record the leaf plus
// one node per trailing 1-bit of its index: 2 nodes amortised, at most 1 + log2(n).
//
// Errors: InvalidInput for arguments that cannot describe a proof (index ≥ size, m > n, a
// proof of the wrong length); Corruption when a proof does not lead to the root it is checked
// against; a NodeSource's own Status (NotFound for a node not stored) passes through.
// Verification never trusts a size or a proof length: hostile input gets a Status, not a crash.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "smeledger/ledger/ledger.h"
#include "smeledger/ledger/status.h"

struct evp_md_ctx_st;
struct evp_md_st;

namespace smeledger::ledger::merkle {

using ledger::Hash;
using Proof = std::vector<Hash>;

// SHA-256 with RFC 6962's domain separation, on one reused OpenSSL context (re-initialising a
// context costs far less than creating one: ~6M small digests/s with SHA-NI). Not thread-safe:
// one per thread. The free functions below use a thread-local one.
class Hasher {
 public:
  Hasher();  // throws std::bad_alloc when OpenSSL cannot give a context
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  Hash Leaf(std::span<const uint8_t> data);          // SHA-256(0x00 ‖ data)
  Hash Leaf(const Hash& entry);                      // SHA-256(0x00 ‖ entry), the ledger's leaf
  Hash Node(const Hash& left, const Hash& right);    // SHA-256(0x01 ‖ left ‖ right)
  Hash Empty();                                      // SHA-256(""), the root of the empty tree

 private:
  evp_md_ctx_st* ctx_;
  evp_md_st* md_;
};

Hash LeafHash(std::span<const uint8_t> data);
Hash LeafHash(const Hash& entry);
Hash NodeHash(const Hash& left, const Hash& right);
Hash EmptyRoot();

// A perfect node (see above). begin()/end() are the leaves it covers.
struct NodeId {
  int level = 0;        // 0..63
  uint64_t index = 0;
  uint64_t begin() const { return index << level; }
  uint64_t end() const { return (index + 1) << level; }
  friend bool operator==(const NodeId&, const NodeId&) = default;
};

// The perfect nodes whose fold is the root of a tree of `size` leaves: one per 1-bit of size,
// largest (leftmost) first. E.g. size 6 → (2, 0), (1, 2).
std::vector<NodeId> SizeNodes(uint64_t size);

// Where stored perfect nodes come from (the ledger: a column family; tests: MemoryNodeStore).
class NodeSource {
 public:
  virtual ~NodeSource() = default;
  // The hash of perfect node (level, index); NotFound when it is not stored.
  virtual Status Node(int level, uint64_t index, Hash* out) = 0;
  // out[i] = the hash of ids[i]; out.size() == ids.size(). The default calls Node() for each;
  // a store with batched reads (RocksDB MultiGet) overrides it. Every root and proof below
  // makes at most one call (none when it needs no node).
  virtual Status Nodes(std::span<const NodeId> ids, std::span<Hash> out);
};

// Perfect nodes in memory, one vector per level. For tests, benchmarks and small checkers.
class MemoryNodeStore : public NodeSource {
 public:
  void Put(int level, uint64_t index, const Hash& hash);
  Status Node(int level, uint64_t index, Hash* out) override;
  size_t count() const { return count_; }  // nodes stored

 private:
  std::vector<std::vector<Hash>> hashes_;     // [level][index]
  std::vector<std::vector<bool>> present_;    // [level][index]
  size_t count_ = 0;
};

// The incremental tree (a "compact range" over [0, size)): the hashes of SizeNodes(size), so
// O(log n) state, ~2 SHA-256 per appended leaf amortised (the leaf hash, which the caller
// computes, and one node per trailing 1-bit). A value type: copy it before a batch and assign
// the copy back when the batch's write fails. Not thread-safe.
class Appender {
 public:
  // Called for every perfect node an append completes, lowest level first: (0, index of the
  // leaf) and then one per level the new leaf closes. Storing each makes a NodeSource.
  using Visitor = std::function<void(int level, uint64_t index, const Hash& hash)>;

  Appender() = default;  // the empty tree

  // The tree of `size` leaves from the stored nodes SizeNodes(size) (one Nodes() call).
  static Result<Appender> FromNodes(uint64_t size, NodeSource& nodes);

  // Appends leaf index size(): leaf_hash is LeafHash(entry). visit may be empty.
  // REQUIRES size() < UINT64_MAX.
  void Append(const Hash& leaf_hash, const Visitor& visit = nullptr);

  uint64_t size() const { return size_; }
  // MTH of the current tree: EmptyRoot() for size 0; O(log n) hashing.
  Hash Root() const;
  // The hashes of SizeNodes(size()), in that order.
  const std::vector<Hash>& frontier() const { return frontier_; }

 private:
  uint64_t size_ = 0;
  std::vector<Hash> frontier_;
};

// Roots and proofs from stored perfect nodes: O(log n) node reads in one Nodes() call and
// O(log n) hashing. The caller makes sure the sizes are at most what is stored (the ledger:
// its head); a node not stored is the source's Status.

// MTH of the first `size` leaves (RFC 6962 §2.1): EmptyRoot() for 0.
Result<Hash> RootAt(uint64_t size, NodeSource& nodes);

// The audit path PATH(index, D[size]) (RFC 6962 §2.1.1, RFC 9162 §2.1.3.1), bottom first.
// REQUIRES index < size (else InvalidInput).
Result<Proof> InclusionProof(uint64_t index, uint64_t size, NodeSource& nodes);

// PROOF(m, D[n]) (RFC 6962 §2.1.2, RFC 9162 §2.1.4.1). Empty for m == 0 and m == n.
// REQUIRES m ≤ n (else InvalidInput).
Result<Proof> ConsistencyProof(uint64_t m, uint64_t n, NodeSource& nodes);

// The number of hashes in those proofs (a parser's bound; verification checks it).
// InclusionProofSize REQUIRES index < size; ConsistencyProofSize REQUIRES m ≤ n.
size_t InclusionProofSize(uint64_t index, uint64_t size);
size_t ConsistencyProofSize(uint64_t m, uint64_t n);

// Verification (RFC 9162 §2.1.3.2): the root that `proof` gives for leaf `index` of a tree of
// `size` leaves whose hash is leaf_hash (= LeafHash(entry)).
Result<Hash> RootFromInclusionProof(const Hash& leaf_hash, uint64_t index, uint64_t size,
                                    std::span<const Hash> proof);
// Ok iff RootFromInclusionProof(...) == root.
Status VerifyInclusion(const Hash& leaf_hash, uint64_t index, uint64_t size,
                       std::span<const Hash> proof, const Hash& root);

// Verification (RFC 9162 §2.1.4.2) that the tree of n leaves with root_n extends the tree of
// m leaves with root_m. Beyond the RFC's 0 < m < n: m == n needs an empty proof and equal
// roots; m == 0 needs an empty proof and root_m == EmptyRoot() (every tree extends the empty
// one); m > n is InvalidInput.
Status VerifyConsistency(uint64_t m, uint64_t n, const Hash& root_m, const Hash& root_n,
                         std::span<const Hash> proof);

}  // namespace smeledger::ledger::merkle
