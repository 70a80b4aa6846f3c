// The ledger's Merkle tree (ledger/src/merkle_tree.*): kept with the records in the same
// write, its roots RFC 6962's over the records' hashes at every size, checked by verify, and
// built on the first writer's open of a ledger older than it.
#include <rocksdb/db.h>

#include <catch2/catch.hpp>

#include "keys.h"
#include "ledger_fixture.h"
#include "record_codec.h"
#include "smeledger/ledger/merkle.h"

using namespace smeledger;
using namespace smeledger::testing;
namespace merkle = smeledger::ledger::merkle;

namespace {

std::string Services(int from, int to) {
  std::string s;
  for (int i = from; i < to; ++i)
    s += E("m" + std::to_string(i), "service.delivered", "inst:HF-1",
           R"("provider":"inst:HF-1","enterprise":"ent:M)" + std::to_string(i) +
               R"(","date":"2019-07-02")");
  return s;
}

std::string Province(int n) {
  return E("a0", "institution.admitted", "province",
           R"("institution":"inst:HF-1","city":"city:340100","name":"n")") +
         Services(1, n);
}

// The roots of every size 0..head computed here from the stored records' hashes.
std::vector<ledger::Hash> ReferenceRoots(const ledger::Ledger& l) {
  merkle::Appender tree;
  std::vector<ledger::Hash> roots = {tree.Root()};
  for (uint64_t p = 1; p <= l.head().position; ++p) {
    std::string bytes;
    REQUIRE(l.ReadRecord(p, &bytes).ok());
    ledger::Hash h;
    REQUIRE(ledger::StoredRecordHash(bytes, &h));
    tree.Append(merkle::LeafHash(h));
    roots.push_back(tree.Root());
  }
  return roots;
}

ledger::VerifyReport VerifyAt(const std::string& path) {
  auto l = OpenAt(path, nullptr, /*read_only=*/true);
  ledger::VerifyReport r;
  REQUIRE(l->Verify(&r, nullptr).ok());
  return r;
}

// The ledger's RocksDB with every column family, for damaging it.
struct Raw {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs;
  std::vector<std::string> names;
  explicit Raw(const std::string& path) {
    REQUIRE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> d;
    for (const std::string& n : names) d.push_back({n, {}});
    rocksdb::DB* raw;
    REQUIRE(rocksdb::DB::Open(rocksdb::DBOptions(), path, d, &cfs, &raw).ok());
    db.reset(raw);
  }
  ~Raw() {
    for (auto* c : cfs) db->DestroyColumnFamilyHandle(c).PermitUncheckedError();
  }
  rocksdb::ColumnFamilyHandle* cf(const std::string& name) {
    for (size_t i = 0; i < names.size(); ++i)
      if (names[i] == name) return cfs[i];
    FAIL("no column family " << name);
    return nullptr;
  }
  uint64_t Count(const std::string& name) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf(name)));
    uint64_t n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
    return n;
  }
};

}  // namespace

TEST_CASE("the ledger's Merkle root at every size is RFC 6962's over its records' hashes",
          "[merkle][ledger]") {
  TempDir dir;
  FakeClock clock;
  std::vector<ledger::Hash> roots;
  {
    auto l = OpenAt(dir.path(), &clock, false, /*batch=*/7);
    SubmitText(*l, Province(300));
    roots = ReferenceRoots(*l);
    REQUIRE(roots.size() == 301);
    for (uint64_t s = 0; s <= 300; ++s) {
      ledger::Hash root;
      REQUIRE(l->MerkleRoot(s, &root).ok());
      CHECK(root == roots[s]);
    }
    ledger::Hash root;
    CHECK(l->MerkleRoot(301, &root).code() == Status::Code::kInvalidInput);
    CHECK(roots[0] == merkle::EmptyRoot());
  }
  // A reader's roots, and verify's.
  auto r = OpenAt(dir.path(), nullptr, /*read_only=*/true);
  for (uint64_t s : {1, 15, 16, 17, 255, 256, 299, 300}) {
    ledger::Hash root;
    REQUIRE(r->MerkleRoot(s, &root).ok());
    CHECK(root == roots[s]);
  }
  auto v = VerifyAt(dir.path());
  CHECK(v.ok);
  CHECK(v.has_root);
  CHECK(v.root == roots[300]);
  r.reset();
  // Stored: the perfect subtrees of 16 records and more (300/16 + 300/32 + … = 34 nodes).
  Raw raw(dir.path());
  CHECK(raw.Count("merkle") == 18 + 9 + 4 + 2 + 1);
}

TEST_CASE("verify names a changed, a missing or an extra Merkle node", "[merkle][verify]") {
  TempDir dir;
  FakeClock clock;
  {
    auto l = OpenAt(dir.path(), &clock, false, /*batch=*/50);
    SubmitText(*l, Province(300));
  }
  const std::string key = ledger::keys::MerkleNodeKey(4, 3);
  std::string good;
  {
    Raw raw(dir.path());
    REQUIRE(raw.db->Get(rocksdb::ReadOptions(), raw.cf("merkle"), key, &good).ok());
    std::string bad = good;
    bad[7] ^= 0x20;
    REQUIRE(raw.db->Put(rocksdb::WriteOptions(), raw.cf("merkle"), key, bad).ok());
  }
  auto r = VerifyAt(dir.path());
  CHECK_FALSE(r.ok);
  CHECK(r.problem == "Merkle node (level 4, index 3) does not match the records");
  CHECK(r.position == 64);  // the record that completes it
  {
    Raw raw(dir.path());
    REQUIRE(raw.db->Delete(rocksdb::WriteOptions(), raw.cf("merkle"), key).ok());
  }
  r = VerifyAt(dir.path());
  CHECK_FALSE(r.ok);
  CHECK(r.problem == "Merkle node (level 4, index 3) is missing");
  {
    Raw raw(dir.path());
    REQUIRE(raw.db->Put(rocksdb::WriteOptions(), raw.cf("merkle"), key, good).ok());
    REQUIRE(raw.db->Put(rocksdb::WriteOptions(), raw.cf("merkle"),
                        ledger::keys::MerkleNodeKey(4, 99), good).ok());
  }
  r = VerifyAt(dir.path());
  CHECK_FALSE(r.ok);
  CHECK(r.problem == "the Merkle tree holds 35 nodes, 34 expected");
}

TEST_CASE("a ledger older than the Merkle tree gets it when a writer first opens it",
          "[merkle][upgrade]") {
  TempDir dir;
  FakeClock clock;
  {
    auto l = OpenAt(dir.path(), &clock, false, /*batch=*/64);
    SubmitText(*l, Province(300));
  }
  {  // As the code before the tree left it: no `merkle` column family, no merkle_size.
    Raw raw(dir.path());
    REQUIRE(raw.db->Delete(rocksdb::WriteOptions(), raw.cf("default"),
                           ledger::keys::kMerkleSizeKey).ok());
    REQUIRE(raw.db->DropColumnFamily(raw.cf("merkle")).ok());
  }
  std::vector<ledger::Hash> roots;
  {  // A reader: no stored tree, but verify computes the root from the records.
    auto r = OpenAt(dir.path(), nullptr, /*read_only=*/true);
    roots = ReferenceRoots(*r);
    ledger::Hash root;
    CHECK(r->MerkleRoot(300, &root).code() == Status::Code::kNotFound);
    ledger::VerifyReport v;
    REQUIRE(r->Verify(&v, nullptr).ok());
    CHECK(v.ok);
    CHECK(v.root == roots[300]);
  }
  {  // The writer builds the tree as it opens, then keeps it.
    auto l = OpenAt(dir.path(), &clock, false, /*batch=*/64);
    ledger::Hash root;
    REQUIRE(l->MerkleRoot(300, &root).ok());
    CHECK(root == roots[300]);
    SubmitText(*l, Services(300, 332));
    REQUIRE(l->head().position == 332);
    const std::vector<ledger::Hash> now = ReferenceRoots(*l);
    for (uint64_t s : {1, 150, 300, 301, 320, 332}) {
      REQUIRE(l->MerkleRoot(s, &root).ok());
      CHECK(root == now[s]);
    }
  }
  auto v = VerifyAt(dir.path());
  CHECK(v.ok);
  CHECK(v.position == 332);
}
