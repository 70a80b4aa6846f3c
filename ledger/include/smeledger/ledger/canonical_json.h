// RFC 8785 (JSON Canonicalization Scheme) output: the one JSON form the project hashes and
// compares. Used for duplicate detection (EVENTS.md "same content"), record export and the
// quarterly notice digest (INDICATORS.md).
#pragma once

#include <string>
#include <string_view>

namespace smeledger {

// Appends `s` (valid UTF-8) as a JSON string per RFC 8785 §3.2.2.2: '"' and '\\' escaped,
// \b \t \n \f \r for those controls, other controls below 0x20 as \u00xx (lower-case hex),
// everything else (including non-ASCII and U+007F) as is.
void AppendJsonString(std::string* out, std::string_view s);

// Appends `v` per RFC 8785 §3.2.2.3 (ECMAScript Number.prototype.toString: shortest round-trip
// digits; exponent form when the exponent is < -6 or ≥ 21; "-0" prints as "0").
// REQUIRES: v is finite.
void AppendJsonNumber(std::string* out, double v);

// Appends an integer (|v| < 2^53 prints exactly as AppendJsonNumber would).
void AppendJsonInt(std::string* out, int64_t v);

// Orders object member names per RFC 8785 §3.2.3: by their UTF-16 code units. Negative, zero or
// positive like strcmp. Keys are valid UTF-8.
int CompareJcsKeys(std::string_view a, std::string_view b);

// Canonicalises any JSON text (RFC 8259) into RFC 8785 form. Returns false (leaving `out` in an
// unspecified state) when the text is not valid JSON, has a repeated key, or has a number whose
// nearest double is not finite.
bool CanonicalizeJson(std::string_view json, std::string* out);

}  // namespace smeledger
