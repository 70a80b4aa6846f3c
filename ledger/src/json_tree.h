// Internal: a strict RFC 8259 reader over simdjson On Demand that records the whole value as a
// flat pre-order tree, and its RFC 8785 serialisation. Shared by LineParser (check 1) and
// CanonicalizeJson.
//
// On Demand validates only what it is asked for, so JsonTree visits every value: strings are
// unescaped (bad escapes, lone surrogates), numbers are checked against the RFC 8259 grammar
// here (simdjson hands their tokens back unvalidated), literals are matched exactly, and the
// document must end after its root value. Invalid UTF-8 and unescaped controls fail in
// simdjson's stage 1.
//
// Thread safety: one JsonTree per thread.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace smeledger::ledger {

// Same order as JsonMember::Kind (line_parser.h).
enum class JsonKind : uint8_t { kString, kNumber, kTrue, kFalse, kNull, kObject, kArray };

// One value of the document. Node 0 is the root; the children of a container follow it in
// document order, each child's subtree before the next child. Because children follow in
// document order, node indices order member keys by their place in the text.
struct JsonNode {
  JsonKind kind;
  uint32_t end;           // index one past this node's subtree (a scalar: its index + 1)
  std::string_view key;   // unescaped member name when the parent is an object, else empty
  std::string_view text;  // kString: the unescaped value; kNumber: the token as written
};

class JsonTree {
 public:
  enum class Error : uint8_t {
    kNone,
    kMalformed,     // not RFC 8259 JSON, or nested deeper than max_depth
    kNotObject,     // well-formed, but the root is not an object (only when require_object)
    kDuplicateKey,  // an object repeats a key (after unescaping); see duplicate_key()
  };

  // `max_depth` bounds the nesting of arrays and objects, the root counting as 1.
  explicit JsonTree(int max_depth);
  JsonTree(const JsonTree&) = delete;
  JsonTree& operator=(const JsonTree&) = delete;

  // Reads `json` whole. The precedence is the contract's: kMalformed anywhere in the text beats
  // kNotObject, which beats kDuplicateKey. Views in nodes() stay valid until the next Parse.
  // No allocation in steady state (buffers grow to the largest input seen).
  Error Parse(std::string_view json, bool require_object);

  const std::vector<JsonNode>& nodes() const { return nodes_; }
  // kDuplicateKey: the first key, in document order, that repeats an earlier key of its object.
  std::string_view duplicate_key() const { return duplicate_key_; }
  // kMalformed/kNotObject: a short English sentence.
  const char* error_message() const { return error_message_; }

 private:
  simdjson::error_code WalkValue(simdjson::ondemand::value& v, std::string_view key, int depth);
  simdjson::error_code WalkObject(simdjson::ondemand::object& obj, uint32_t self, int depth);
  simdjson::error_code WalkArray(simdjson::ondemand::array& arr, uint32_t self, int depth);
  void CheckDuplicateKeys(uint32_t object_index);
  // Filled in place: building a temporary and copying it stalls on store forwarding.
  void AddNode(JsonKind kind, uint32_t end, std::string_view key, std::string_view text) {
    JsonNode& n = nodes_.emplace_back();
    n.kind = kind;
    n.end = end;
    n.key = key;
    n.text = text;
  }
  Error Malformed(simdjson::error_code e);

  static constexpr size_t kInitialCapacity = 4096;

  const int max_depth_;
  simdjson::ondemand::parser parser_;
  std::string buf_;  // the input followed by SIMDJSON_PADDING zero bytes
  std::vector<JsonNode> nodes_;
  std::vector<uint32_t> scratch_;
  uint32_t duplicate_node_ = 0;  // 0: none (the root is never a member)
  std::string_view duplicate_key_;
  const char* error_message_ = "";
};

// True when `token` matches RFC 8259's number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool IsJsonNumberToken(std::string_view token);

// The nearest double of a well-formed number token. Underflow gives a signed zero. Returns false
// when the nearest double is not finite (e.g. 1e400). REQUIRES: IsJsonNumberToken(token).
bool JsonNumberValue(std::string_view token, double* out);

// Appends the RFC 8785 form of nodes[index]'s value to `out`, using `scratch` for sorting keys
// (its contents are restored). A number whose nearest double is not finite is appended as written
// when `allow_nonfinite`, else the function returns false.
bool AppendCanonicalNode(const std::vector<JsonNode>& nodes, uint32_t index, bool allow_nonfinite,
                         std::vector<uint32_t>* scratch, std::string* out);

}  // namespace smeledger::ledger
