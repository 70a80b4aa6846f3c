// A stored record is a plain Cap'n Proto message: `capnp convert binary:json` reads it.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>

#include "ledger_fixture.h"

using namespace smeledger;
using namespace smeledger::testing;

TEST_CASE("a stored record round-trips through capnp convert", "[schemas][capnp]") {
  TempDir dir;
  FakeClock clock;
  auto l = OpenAt(dir.path(), &clock);
  SubmitText(*l,
             E("a0", "institution.admitted", "province",
               R"("institution":"inst:HF-1","city":"city:340100","name":"合肥中小企业服务中心")") +
                 E("p1", "activity.published", "inst:HF-1",
                   R"("activity":"act-1","owner":"inst:HF-1","mode":"offline","title":"Clinic",)"
                   R"("starts_at":"2019-07-05T09:00:00+08:00","ends_at":"2019-07-05T17:00:00Z","key":true)"));
  std::string bytes;
  REQUIRE(l->ReadRecord(2, &bytes).ok());
  const std::string in = dir / "record.bin", out = dir / "record.json";
  {
    std::ofstream f(in, std::ios::binary);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  const std::string cmd = std::string("capnp convert binary:json ") + SMELEDGER_SOURCE_DIR +
                          "/schemas/record.capnp Record < " + in + " > " + out + " 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::ifstream f(out);
  std::string json((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  INFO(json);
  CHECK(json.find("\"position\": \"2\"") != std::string::npos);
  CHECK(json.find("\"eventId\": \"p1\"") != std::string::npos);
  CHECK(json.find("\"activityPublished\"") != std::string::npos);
  CHECK(json.find("\"mode\": \"offline\"") != std::string::npos);
  CHECK(json.find("\"key\": \"yes\"") != std::string::npos);
  CHECK(json.find("\"text\": \"2019-07-05T17:00:00Z\"") != std::string::npos);
  // The Chinese name of record 1 survives too.
  REQUIRE(l->ReadRecord(1, &bytes).ok());
  {
    std::ofstream g(in, std::ios::binary | std::ios::trunc);
    g.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::ifstream g(out);
  std::string json1((std::istreambuf_iterator<char>(g)), std::istreambuf_iterator<char>());
  CHECK(json1.find("合肥中小企业服务中心") != std::string::npos);
}
