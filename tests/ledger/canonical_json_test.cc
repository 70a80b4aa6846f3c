// RFC 8785 output: numbers (ECMAScript form), strings, key order, whole documents.

#include "smeledger/ledger/canonical_json.h"

#include <algorithm>
#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "json_tree.h"

namespace smeledger {
namespace {

std::string Num(double v) {
  std::string s;
  AppendJsonNumber(&s, v);
  return s;
}

std::string NumBits(uint64_t bits) { return Num(std::bit_cast<double>(bits)); }

std::string Str(std::string_view v) {
  std::string s;
  AppendJsonString(&s, v);
  return s;
}

std::string Canon(std::string_view json) {
  std::string out;
  if (!CanonicalizeJson(json, &out)) return "<invalid>";
  return out;
}

}  // namespace

TEST_CASE("JCS numbers: RFC 8785 Appendix B", "[canonical_json]") {
  CHECK(NumBits(0x0000000000000000) == "0");
  CHECK(NumBits(0x8000000000000000) == "0");  // -0
  CHECK(NumBits(0x0000000000000001) == "5e-324");
  CHECK(NumBits(0x8000000000000001) == "-5e-324");
  CHECK(NumBits(0x7fefffffffffffff) == "1.7976931348623157e+308");
  CHECK(NumBits(0xffefffffffffffff) == "-1.7976931348623157e+308");
  CHECK(NumBits(0x4340000000000000) == "9007199254740992");
  CHECK(NumBits(0xc340000000000000) == "-9007199254740992");
  CHECK(NumBits(0x4430000000000000) == "295147905179352830000");
  CHECK(NumBits(0x44b52d02c7e14af5) == "9.999999999999997e+22");
  CHECK(NumBits(0x44b52d02c7e14af6) == "1e+23");
  CHECK(NumBits(0x44b52d02c7e14af7) == "1.0000000000000001e+23");
  CHECK(NumBits(0x444b1ae4d6e2ef4e) == "999999999999999700000");
  CHECK(NumBits(0x444b1ae4d6e2ef4f) == "999999999999999900000");
  CHECK(NumBits(0x444b1ae4d6e2ef50) == "1e+21");
  CHECK(NumBits(0x3eb0c6f7a0b5ed8c) == "9.999999999999997e-7");
  CHECK(NumBits(0x3eb0c6f7a0b5ed8d) == "0.000001");
  CHECK(NumBits(0x41b3de4355555553) == "333333333.3333332");
  CHECK(NumBits(0x41b3de4355555554) == "333333333.33333325");
  CHECK(NumBits(0x41b3de4355555555) == "333333333.3333333");
  CHECK(NumBits(0x41b3de4355555556) == "333333333.3333334");
  CHECK(NumBits(0x41b3de4355555557) == "333333333.33333343");
  CHECK(NumBits(0xbecbf647612f3696) == "-0.0000033333333333333333");
  CHECK(NumBits(0x43143ff3c1cb0959) == "1424953923781206.2");
}

TEST_CASE("JCS numbers: layout boundaries", "[canonical_json]") {
  CHECK(Num(1e21) == "1e+21");
  CHECK(Num(1e20) == "100000000000000000000");
  CHECK(Num(1.2345678901234568e20) == "123456789012345680000");
  CHECK(Num(1e-7) == "1e-7");
  CHECK(Num(1e-6) == "0.000001");
  CHECK(Num(1.5e-7) == "1.5e-7");
  CHECK(Num(0.5) == "0.5");
  CHECK(Num(-0.5) == "-0.5");
  CHECK(Num(4.5) == "4.5");
  CHECK(Num(1) == "1");
  CHECK(Num(-1) == "-1");
  CHECK(Num(100) == "100");
  CHECK(Num(123.456) == "123.456");
  CHECK(Num(1e300) == "1e+300");
  CHECK(Num(-1e-300) == "-1e-300");
  CHECK(Num(5e-324) == "5e-324");
  CHECK(Num(0.1 + 0.2) == "0.30000000000000004");
  CHECK(Num(1.5e21) == "1.5e+21");
  CHECK(Num(123456789012345678e3) == "123456789012345680000");
}

TEST_CASE("JCS ints", "[canonical_json]") {
  const auto Int = [](int64_t v) {
    std::string s;
    AppendJsonInt(&s, v);
    return s;
  };
  CHECK(Int(0) == "0");
  CHECK(Int(-7) == "-7");
  CHECK(Int(9007199254740991) == "9007199254740991");
  CHECK(Int(-9007199254740991) == "-9007199254740991");
  CHECK(Int(9007199254740993) == "9007199254740992");  // beyond 2^53: the double's form
  CHECK(Int(std::numeric_limits<int64_t>::max()) == "9223372036854776000");
}

TEST_CASE("JCS strings", "[canonical_json]") {
  CHECK(Str("") == "\"\"");
  CHECK(Str("abc") == "\"abc\"");
  CHECK(Str("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(Str("\b\t\n\f\r") == "\"\\b\\t\\n\\f\\r\"");
  CHECK(Str(std::string_view("\x00\x01\x1f", 3)) == "\"\\u0000\\u0001\\u001f\"");
  CHECK(Str("\x7f") == "\"\x7f\"");
  CHECK(Str("/") == "\"/\"");
  CHECK(Str("\xe2\x82\xac \xf0\x9f\x98\x80") == "\"\xe2\x82\xac \xf0\x9f\x98\x80\"");
  CHECK(Str("\x0b") == "\"\\u000b\"");
}

TEST_CASE("JCS key order is by UTF-16 code units", "[canonical_json]") {
  // RFC 8785 §3.2.3's example, in its sorted order.
  std::vector<std::string> keys = {
      "\r", "1", "\xc2\x80", "\xc3\xb6", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xef\xac\xb3"};
  std::vector<std::string> shuffled = {keys[6], keys[2], keys[0], keys[5],
                                       keys[4], keys[1], keys[3]};
  std::sort(shuffled.begin(), shuffled.end(),
            [](const std::string& a, const std::string& b) { return CompareJcsKeys(a, b) < 0; });
  CHECK(shuffled == keys);
  // U+10000 (a surrogate pair) sorts before U+E000 in UTF-16, after it in bytes.
  CHECK(CompareJcsKeys("\xf0\x90\x80\x80", "\xee\x80\x80") < 0);
  CHECK(CompareJcsKeys("\xee\x80\x80", "\xf0\x90\x80\x80") > 0);
  CHECK(CompareJcsKeys("a\xf0\x90\x80\x80", "a\xef\xbf\xbf") < 0);
  // Same high surrogate: the low one decides.
  CHECK(CompareJcsKeys("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x81") < 0);
  CHECK(CompareJcsKeys("\xf0\x9f\x98\x81", "\xf0\x9f\x98\x80") > 0);
  CHECK(CompareJcsKeys("ab", "abc") < 0);
  CHECK(CompareJcsKeys("abc", "ab") > 0);
  CHECK(CompareJcsKeys("abc", "abc") == 0);
  CHECK(CompareJcsKeys("", "a") < 0);
  CHECK(CompareJcsKeys("B", "a") < 0);
}

TEST_CASE("CanonicalizeJson: RFC 8785 examples", "[canonical_json]") {
  // §3.2.2.
  CHECK(Canon(R"({
    "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
    "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
    "literals": [null, true, false]
  })") ==
        "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
        "\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
  // §3.2.3.
  CHECK(Canon(R"({
    "\u20ac": "Euro Sign",
    "\r": "Carriage Return",
    "\ufb33": "Hebrew Letter Dalet With Dagesh",
    "1": "One",
    "\ud83d\ude00": "Emoji: Grinning Face",
    "\u0080": "Control",
    "\u00f6": "Latin Small Letter O With Diaeresis"
  })") ==
        "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xc2\x80\":\"Control\","
        "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\",\"\xe2\x82\xac\":\"Euro Sign\","
        "\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\","
        "\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}");
}

TEST_CASE("CanonicalizeJson: values compare by value", "[canonical_json]") {
  for (const char* one : {"1", "1.0", "1e0", "10E-1", "0.1e1", "1.000000000000000000001"}) {
    INFO(one);
    CHECK(Canon(one) == "1");
  }
  CHECK(Canon("-0") == "0");
  CHECK(Canon("-0.0e-5") == "0");
  CHECK(Canon("1e-400") == "0");  // underflows to zero: finite
  CHECK(Canon("-1e-400") == "0");
  CHECK(Canon("2e-324") == "0");
  CHECK(Canon("3e-324") == "5e-324");
  CHECK(Canon("9007199254740993") == "9007199254740992");
  CHECK(Canon("1E+2") == "100");
  CHECK(Canon(" [ 1 , { \"b\" : [ ] , \"a\" : { } } ] ") == "[1,{\"a\":{},\"b\":[]}]");
  CHECK(Canon("\"\\u00e9\"") == "\"\xc3\xa9\"");
  CHECK(Canon("{\"b\":{\"d\":1,\"c\":2},\"a\":[{\"z\":0,\"y\":null}]}") ==
        "{\"a\":[{\"y\":null,\"z\":0}],\"b\":{\"c\":2,\"d\":1}}");
  CHECK(Canon("true") == "true");
  CHECK(Canon("null") == "null");
  CHECK(Canon("\"x\"") == "\"x\"");
  CHECK(Canon("{}") == "{}");
}

TEST_CASE("CanonicalizeJson: what it refuses", "[canonical_json]") {
  for (const char* bad : {"",
                          " ",
                          "1e400",
                          "-1e400",
                          "[1e309]",
                          "{\"a\":1,\"a\":2}",
                          "{\"a\":{\"b\":1,\"\\u0062\":2}}",
                          "NaN",
                          "[Infinity]",
                          "01",
                          "1.",
                          "-",
                          "+1",
                          ".5",
                          "[1,]",
                          "{\"a\":1}x",
                          "[1] [2]",
                          "\"\\ud800\"",
                          "\"\xff\"",
                          "{\"a\" 1}",
                          "tru",
                          "nulll"}) {
    INFO(bad);
    std::string out;
    CHECK_FALSE(CanonicalizeJson(bad, &out));
  }
  std::string deep(600, '[');
  deep += std::string(600, ']');
  std::string out;
  CHECK_FALSE(CanonicalizeJson(deep, &out));
  std::string ok(500, '[');
  ok += std::string(500, ']');
  CHECK(CanonicalizeJson(ok, &out));
  CHECK(out == ok);
}

TEST_CASE("JSON number grammar (RFC 8259)", "[canonical_json]") {
  using ledger::IsJsonNumberToken;
  for (const char* good : {"0", "-0", "1", "-1", "10", "0.5", "-0.5", "1e5", "1E5", "1e+5", "1e-5",
                           "1.5e10", "123456789012345678901234567890", "0e0", "0.0"}) {
    INFO(good);
    CHECK(IsJsonNumberToken(good));
  }
  for (const char* bad :
       {"",     "-",   "+1", "01",   "-01",      "00",  "1.", ".5", "1e",    "1e+",   "1e-",
        "1.e5", "--1", "1x", "0x10", "Infinity", "NaN", "1 ", " 1", "1.5.5", "1e5e5", "-.5"}) {
    INFO(bad);
    CHECK_FALSE(IsJsonNumberToken(bad));
  }
}

TEST_CASE("JsonNumberValue: finite or not", "[canonical_json]") {
  using ledger::JsonNumberValue;
  double d = 42;
  CHECK(JsonNumberValue("1.7976931348623157e308", &d));
  CHECK(d == std::numeric_limits<double>::max());
  CHECK_FALSE(JsonNumberValue("1.7976931348623159e308", &d));
  CHECK_FALSE(JsonNumberValue("1e400", &d));
  CHECK_FALSE(JsonNumberValue("-1e400", &d));
  CHECK_FALSE(JsonNumberValue("100000000000000000000000000000000000000000000000000e300", &d));
  CHECK(JsonNumberValue("0.0000000000000000000000000000000001e-300", &d));
  CHECK(d == 0);
  CHECK(JsonNumberValue("-1e-99999999999999999999", &d));
  CHECK((d == 0 && std::signbit(d)));
  CHECK(JsonNumberValue("0e99999999999", &d));
  CHECK(d == 0);
  CHECK(JsonNumberValue("4.50", &d));
  CHECK(d == 4.5);
}

}  // namespace smeledger
