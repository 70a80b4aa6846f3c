// RFC 8785 output, and the strict JSON reader it canonicalises from (json_tree.h).

#include "smeledger/ledger/canonical_json.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

#include "json_tree.h"

namespace smeledger {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// 1 for the bytes RFC 8785 escapes in a string: controls, '"' and '\\'.
constexpr auto kNeedsEscape = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = true;
  t['"'] = true;
  t['\\'] = true;
  return t;
}();

// Decodes the UTF-8 sequence starting at s[i] (valid UTF-8 assumed) into its code point.
char32_t DecodeAt(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return c;
  if (c < 0xE0) return (char32_t{c} & 0x1F) << 6 | (b(i + 1) & 0x3F);
  if (c < 0xF0) return (char32_t{c} & 0x0F) << 12 | (b(i + 1) & 0x3F) << 6 | (b(i + 2) & 0x3F);
  return (char32_t{c} & 0x07) << 18 | (b(i + 1) & 0x3F) << 12 | (b(i + 2) & 0x3F) << 6 |
         (b(i + 3) & 0x3F);
}

// The first UTF-16 code unit of a code point (code points above U+FFFF start with a high
// surrogate, which sorts below U+E000..U+FFFF), then the second (0 when there is none).
void Utf16Units(char32_t cp, uint32_t* first, uint32_t* second) {
  if (cp < 0x10000) {
    *first = cp;
    *second = 0;
  } else {
    *first = 0xD800 + ((cp - 0x10000) >> 10);
    *second = 0xDC00 + ((cp - 0x10000) & 0x3FF);
  }
}

}  // namespace

void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  size_t run = 0;  // start of the pending run of bytes copied as is
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (!kNeedsEscape[c]) continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\f':
        out->append("\\f");
        break;
      case '\r':
        out->append("\\r");
        break;
      default: {
        const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        out->append(esc, 6);
      }
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

void AppendJsonNumber(std::string* out, double v) {
  if (v == 0) {  // 0 and -0
    out->push_back('0');
    return;
  }
  // Shortest round-trip digits (the same choice as ECMAScript: fewest digits, then closest),
  // read back from "[-]d[.ddd]e±xx" and laid out per Number::toString.
  char buf[40];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  const char* p = buf;
  if (*p == '-') {
    out->push_back('-');
    ++p;
  }
  char digits[24];
  int k = 0;
  for (; p < r.ptr && *p != 'e'; ++p) {
    if (*p != '.') digits[k++] = *p;
  }
  ++p;  // 'e'
  const bool exp_negative = *p == '-';
  ++p;  // the exponent's sign is always written
  int e = 0;
  for (; p < r.ptr; ++p) e = e * 10 + (*p - '0');
  if (exp_negative) e = -e;
  const int n = e + 1;  // the decimal point sits after n digits
  if (k <= n && n <= 21) {
    out->append(digits, k);
    out->append(n - k, '0');
  } else if (0 < n && n <= 21) {
    out->append(digits, n);
    out->push_back('.');
    out->append(digits + n, k - n);
  } else if (-6 < n && n <= 0) {
    out->append("0.");
    out->append(-n, '0');
    out->append(digits, k);
  } else {
    out->push_back(digits[0]);
    if (k > 1) {
      out->push_back('.');
      out->append(digits + 1, k - 1);
    }
    out->push_back('e');
    out->push_back(n - 1 < 0 ? '-' : '+');
    char ebuf[8];
    const auto er = std::to_chars(ebuf, ebuf + sizeof ebuf, n - 1 < 0 ? 1 - n : n - 1);
    out->append(ebuf, er.ptr);
  }
}

void AppendJsonInt(std::string* out, int64_t v) {
  constexpr int64_t kExact = int64_t{1} << 53;
  if (v < -kExact || v > kExact) {
    AppendJsonNumber(out, static_cast<double>(v));
    return;
  }
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}

int CompareJcsKeys(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  if (i == n) return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
  // Byte order is code point order; UTF-16 differs only where a code point above U+FFFF meets
  // one in U+E000..U+FFFF. Compare the code points that hold the first differing byte.
  while (i > 0 && (static_cast<unsigned char>(a[i]) & 0xC0) == 0x80) --i;
  uint32_t a1, a2, b1, b2;
  Utf16Units(DecodeAt(a, i), &a1, &a2);
  Utf16Units(DecodeAt(b, i), &b1, &b2);
  if (a1 != b1) return a1 < b1 ? -1 : 1;
  return a2 < b2 ? -1 : (a2 > b2 ? 1 : 0);
}

bool CanonicalizeJson(std::string_view json, std::string* out) {
  ledger::JsonTree tree(/*max_depth=*/512);
  if (tree.Parse(json, /*require_object=*/false) != ledger::JsonTree::Error::kNone) return false;
  std::vector<uint32_t> scratch;
  out->clear();
  return ledger::AppendCanonicalNode(tree.nodes(), 0, /*allow_nonfinite=*/false, &scratch, out);
}

namespace ledger {
namespace od = simdjson::ondemand;
using simdjson::error_code;

namespace {

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && IsJsonSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Our own error codes ride in simdjson's: these two never come out of simdjson's On Demand
// walk as we use it, so they can say "number grammar" and "too deep" unambiguously.
constexpr error_code kBadNumber = simdjson::NUMBER_ERROR;
constexpr error_code kTooDeep = simdjson::DEPTH_ERROR;

}  // namespace

bool IsJsonNumberToken(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  if (i < n && s[i] == '-') ++i;
  if (i >= n) return false;
  if (s[i] == '0') {
    ++i;
  } else if (s[i] >= '1' && s[i] <= '9') {
    while (i < n && IsDigit(s[i])) ++i;
  } else {
    return false;
  }
  if (i < n && s[i] == '.') {
    const size_t start = ++i;
    while (i < n && IsDigit(s[i])) ++i;
    if (i == start) return false;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    const size_t start = i;
    while (i < n && IsDigit(s[i])) ++i;
    if (i == start) return false;
  }
  return i == n;
}

bool JsonNumberValue(std::string_view s, double* out) {
  double d;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), d);
  if (r.ec == std::errc()) {
    *out = d;
    return true;
  }
  // Out of range: overflow (not finite) when the magnitude is ≥ 1, else underflow to zero
  // (the digits are not all zero: from_chars returns 0 for those).
  size_t i = s[0] == '-' ? 1 : 0;
  int64_t lead;  // decimal exponent of the leading non-zero digit, before the 'e' part
  if (s[i] != '0') {
    size_t int_digits = 0;
    while (i < s.size() && IsDigit(s[i])) ++i, ++int_digits;
    lead = static_cast<int64_t>(int_digits) - 1;
  } else {
    ++i;  // "0"
    lead = -1;
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && s[i] == '0') ++i, --lead;
    }
  }
  int64_t exp = 0;
  const size_t e = s.find_first_of("eE");
  if (e != std::string_view::npos) {
    size_t j = e + 1;
    const bool negative = s[j] == '-';
    if (s[j] == '+' || s[j] == '-') ++j;
    for (; j < s.size(); ++j) exp = std::min<int64_t>(exp * 10 + (s[j] - '0'), 1'000'000'000);
    if (negative) exp = -exp;
  }
  if (lead + exp >= 0) return false;
  *out = s[0] == '-' ? -0.0 : 0.0;
  return true;
}

bool AppendCanonicalNode(const std::vector<JsonNode>& nodes, uint32_t index, bool allow_nonfinite,
                         std::vector<uint32_t>* scratch, std::string* out) {
  const JsonNode& node = nodes[index];
  switch (node.kind) {
    case JsonKind::kString:
      AppendJsonString(out, node.text);
      return true;
    case JsonKind::kNumber: {
      double d;
      if (!JsonNumberValue(node.text, &d)) {
        if (!allow_nonfinite) return false;
        out->append(node.text);
        return true;
      }
      AppendJsonNumber(out, d);
      return true;
    }
    case JsonKind::kTrue:
      out->append("true");
      return true;
    case JsonKind::kFalse:
      out->append("false");
      return true;
    case JsonKind::kNull:
      out->append("null");
      return true;
    case JsonKind::kArray: {
      out->push_back('[');
      for (uint32_t c = index + 1; c < node.end; c = nodes[c].end) {
        if (c != index + 1) out->push_back(',');
        if (!AppendCanonicalNode(nodes, c, allow_nonfinite, scratch, out)) return false;
      }
      out->push_back(']');
      return true;
    }
    case JsonKind::kObject: {
      // This object's members are sorted in scratch[base, base + n); deeper levels append
      // beyond and truncate back, so index, never iterate, the slice.
      const size_t base = scratch->size();
      for (uint32_t c = index + 1; c < node.end; c = nodes[c].end) scratch->push_back(c);
      const size_t n = scratch->size() - base;
      std::sort(scratch->begin() + base, scratch->end(), [&nodes](uint32_t a, uint32_t b) {
        return CompareJcsKeys(nodes[a].key, nodes[b].key) < 0;
      });
      out->push_back('{');
      bool ok = true;
      for (size_t k = 0; k < n && ok; ++k) {
        const uint32_t c = (*scratch)[base + k];
        if (k != 0) out->push_back(',');
        AppendJsonString(out, nodes[c].key);
        out->push_back(':');
        ok = AppendCanonicalNode(nodes, c, allow_nonfinite, scratch, out);
      }
      scratch->resize(base);
      if (ok) out->push_back('}');
      return ok;
    }
  }
  return false;
}

JsonTree::JsonTree(int max_depth) : max_depth_(max_depth) {
  // Room for typical lines up front; a failure here only means iterate() allocates later.
  const error_code ignored = parser_.allocate(kInitialCapacity);
  static_cast<void>(ignored);
  buf_.resize(kInitialCapacity + simdjson::SIMDJSON_PADDING);
  nodes_.reserve(64);
}

JsonTree::Error JsonTree::Malformed(error_code e) {
  switch (e) {
    case simdjson::UTF8_ERROR:
      error_message_ = "the line is not valid UTF-8";
      break;
    case simdjson::UNESCAPED_CHARS:
      error_message_ = "a JSON string holds an unescaped control character";
      break;
    case simdjson::UNCLOSED_STRING:
      error_message_ = "a JSON string is not closed";
      break;
    case simdjson::STRING_ERROR:
      error_message_ = "a JSON string holds an invalid escape or a lone surrogate";
      break;
    case kBadNumber:
      error_message_ = "a number is not written as RFC 8259 allows";
      break;
    case kTooDeep:
      error_message_ = "JSON nesting is too deep";
      break;
    case simdjson::TRAILING_CONTENT:
      error_message_ = "there is content after the JSON value";
      break;
    case simdjson::EMPTY:
      error_message_ = "there is no JSON value";
      break;
    case simdjson::CAPACITY:
    case simdjson::MEMALLOC:
      error_message_ = "the line is too large to read";
      break;
    default:
      error_message_ = "the line is not valid JSON";
      break;
  }
  return Error::kMalformed;
}

JsonTree::Error JsonTree::Parse(std::string_view json, bool require_object) {
  nodes_.clear();
  duplicate_node_ = 0;
  duplicate_key_ = {};
  error_message_ = "";
  // simdjson reads up to SIMDJSON_PADDING bytes past the input (and peeks at the first one to
  // detect unbalanced documents), so the padding is zeroed every time.
  // Both buffers grow geometrically so that a run of ever longer lines reallocates rarely.
  const size_t need = json.size() + simdjson::SIMDJSON_PADDING;
  if (buf_.size() < need) buf_.resize(std::max(need, 2 * buf_.size()));
  if (json.size() > parser_.capacity()) {
    if (error_code e = parser_.allocate(std::max(json.size(), 2 * parser_.capacity()))) {
      return Malformed(e);  // MEMALLOC or CAPACITY: the line is too large to read
    }
  }
  if (!json.empty()) std::memcpy(buf_.data(), json.data(), json.size());
  std::memset(buf_.data() + json.size(), 0, simdjson::SIMDJSON_PADDING);
  const char* const input_end = buf_.data() + json.size();

  od::document doc;
  if (error_code e = parser_.iterate(buf_.data(), json.size(), buf_.size()).get(doc)) {
    return Malformed(e);
  }
  od::json_type type;
  if (error_code e = doc.type().get(type)) return Malformed(e);
  switch (type) {
    case od::json_type::object: {
      AddNode(JsonKind::kObject, 1, {}, {});
      od::object obj;
      if (error_code e = doc.get_object().get(obj)) return Malformed(e);
      if (error_code e = WalkObject(obj, 0, 1)) return Malformed(e);
      break;
    }
    case od::json_type::array: {
      AddNode(JsonKind::kArray, 1, {}, {});
      od::array arr;
      if (error_code e = doc.get_array().get(arr)) return Malformed(e);
      if (error_code e = WalkArray(arr, 0, 1)) return Malformed(e);
      break;
    }
    case od::json_type::string: {
      std::string_view s;
      if (error_code e = doc.get_string().get(s)) return Malformed(e);
      AddNode(JsonKind::kString, 1, {}, s);
      break;
    }
    case od::json_type::number: {
      std::string_view raw;
      if (error_code e = doc.raw_json_token().get(raw)) return Malformed(e);
      // The raw token runs to the next token, so it reaches the end only when it is the last.
      if (raw.data() + raw.size() != input_end) return Malformed(simdjson::TRAILING_CONTENT);
      const std::string_view token = TrimRight(raw);
      if (!IsJsonNumberToken(token)) return Malformed(kBadNumber);
      AddNode(JsonKind::kNumber, 1, {}, token);
      break;
    }
    case od::json_type::boolean: {
      bool b;
      if (error_code e = doc.get_bool().get(b)) return Malformed(e);
      AddNode(b ? JsonKind::kTrue : JsonKind::kFalse, 1, {}, {});
      break;
    }
    case od::json_type::null: {
      bool is_null;
      if (error_code e = doc.is_null().get(is_null)) return Malformed(e);
      if (!is_null) return Malformed(simdjson::N_ATOM_ERROR);
      AddNode(JsonKind::kNull, 1, {}, {});
      break;
    }
  }
  // Nothing may follow the root. A container has been iterated to its end, so the iterator must
  // be at the end of the input; a scalar was not consumed (and simdjson 3.0.1's root get_string
  // does not look past the string), so its raw token, which runs up to the next token, must
  // reach the end of the input.
  if (type == od::json_type::object || type == od::json_type::array) {
    const char* where;
    if (doc.current_location().get(where) != simdjson::OUT_OF_BOUNDS) {
      return Malformed(simdjson::TRAILING_CONTENT);
    }
  } else if (type != od::json_type::number) {  // numbers were checked above
    std::string_view raw;
    if (doc.raw_json_token().get(raw) || raw.data() + raw.size() != input_end) {
      return Malformed(simdjson::TRAILING_CONTENT);
    }
  }
  if (require_object && type != od::json_type::object) {
    error_message_ = "the line is not a JSON object";
    return Error::kNotObject;
  }
  return duplicate_node_ != 0 ? Error::kDuplicateKey : Error::kNone;
}

error_code JsonTree::WalkObject(od::object& obj, uint32_t self, int depth) {
  for (auto member : obj) {
    od::field field;
    if (error_code e = std::move(member).get(field)) return e;
    std::string_view key;
    if (error_code e = field.unescaped_key().get(key)) return e;
    if (error_code e = WalkValue(field.value(), key, depth)) return e;
  }
  nodes_[self].end = static_cast<uint32_t>(nodes_.size());
  CheckDuplicateKeys(self);
  return simdjson::SUCCESS;
}

error_code JsonTree::WalkArray(od::array& arr, uint32_t self, int depth) {
  for (auto element : arr) {
    od::value v;
    if (error_code e = std::move(element).get(v)) return e;
    if (error_code e = WalkValue(v, {}, depth)) return e;
  }
  nodes_[self].end = static_cast<uint32_t>(nodes_.size());
  return simdjson::SUCCESS;
}

// `depth` is the nesting of the container holding v.
error_code JsonTree::WalkValue(od::value& v, std::string_view key, int depth) {
  od::json_type type;
  if (error_code e = v.type().get(type)) return e;
  const uint32_t self = static_cast<uint32_t>(nodes_.size());
  switch (type) {
    case od::json_type::object: {
      if (depth >= max_depth_) return kTooDeep;
      AddNode(JsonKind::kObject, self + 1, key, {});
      od::object obj;
      if (error_code e = v.get_object().get(obj)) return e;
      return WalkObject(obj, self, depth + 1);
    }
    case od::json_type::array: {
      if (depth >= max_depth_) return kTooDeep;
      AddNode(JsonKind::kArray, self + 1, key, {});
      od::array arr;
      if (error_code e = v.get_array().get(arr)) return e;
      return WalkArray(arr, self, depth + 1);
    }
    case od::json_type::string: {
      std::string_view s;
      if (error_code e = v.get_string().get(s)) return e;
      AddNode(JsonKind::kString, self + 1, key, s);
      return simdjson::SUCCESS;
    }
    case od::json_type::number: {
      // Not consumed: the parent's iteration skips it. The token runs up to the next token.
      const std::string_view token = TrimRight(v.raw_json_token());
      if (!IsJsonNumberToken(token)) return kBadNumber;
      AddNode(JsonKind::kNumber, self + 1, key, token);
      return simdjson::SUCCESS;
    }
    case od::json_type::boolean: {
      bool b;
      if (error_code e = v.get_bool().get(b)) return e;
      AddNode(b ? JsonKind::kTrue : JsonKind::kFalse, self + 1, key, {});
      return simdjson::SUCCESS;
    }
    case od::json_type::null: {
      bool is_null;
      if (error_code e = v.is_null().get(is_null)) return e;
      if (!is_null) return simdjson::N_ATOM_ERROR;
      AddNode(JsonKind::kNull, self + 1, key, {});
      return simdjson::SUCCESS;
    }
  }
  return simdjson::TAPE_ERROR;
}

void JsonTree::CheckDuplicateKeys(uint32_t object_index) {
  const uint32_t end = nodes_[object_index].end;
  uint32_t first = 0;  // the member (node index) that first repeats an earlier key
  // Small objects (every event line): quadratic over a stack copy of the keys. Most pairs differ
  // in length or first byte, so memcmp rarely runs.
  constexpr size_t kSmall = 24;
  std::string_view keys[kSmall];
  uint32_t index[kSmall];
  size_t n = 0;
  uint32_t c = object_index + 1;
  for (; c < end && n < kSmall; c = nodes_[c].end, ++n) {
    const std::string_view k = nodes_[c].key;
    for (size_t i = 0; i < n; ++i) {
      if (keys[i].size() == k.size() && (k.empty() || (keys[i][0] == k[0] && keys[i] == k))) {
        first = c;
        break;
      }
    }
    if (first != 0) break;
    keys[n] = k;
    index[n] = c;
  }
  if (first == 0 && c < end) {
    // Wide objects: sort (key, position) and take the second of each run of equal keys.
    scratch_.assign(index, index + n);
    for (; c < end; c = nodes_[c].end) scratch_.push_back(c);
    std::sort(scratch_.begin(), scratch_.end(), [this](uint32_t a, uint32_t b) {
      const int cmp = nodes_[a].key.compare(nodes_[b].key);
      return cmp != 0 ? cmp < 0 : a < b;
    });
    for (size_t j = 1; j < scratch_.size(); ++j) {
      const std::string_view k = nodes_[scratch_[j]].key;
      if (k == nodes_[scratch_[j - 1]].key && (j < 2 || nodes_[scratch_[j - 2]].key != k)) {
        if (first == 0 || scratch_[j] < first) first = scratch_[j];
      }
    }
  }
  if (first != 0 && (duplicate_node_ == 0 || first < duplicate_node_)) {
    duplicate_node_ = first;
    duplicate_key_ = nodes_[first].key;
  }
}

}  // namespace ledger
}  // namespace smeledger
