#include <catch2/catch.hpp>
TEST_CASE("placeholder producers", "[placeholder]") { REQUIRE(true); }
