// Internal: the stateless half of submission (EVENTS.md checks 1–3) for one JSON line.
//
// Thread safety: one LineParser per thread. Everything a LineParser hands out (member views,
// event_id) is valid until its next Parse().
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smeledger/ledger/outcome.h"
#include "smeledger/schemas/record.capnp.h"

namespace smeledger::ledger {

// One member of the top-level object, in line order.
struct JsonMember {
  enum class Kind : uint8_t { kString, kNumber, kTrue, kFalse, kNull, kObject, kArray };
  std::string_view key;   // unescaped
  Kind kind;
  std::string_view text;  // kString: the unescaped value; kNumber: the token as written; else ""
};

class LineParser {
 public:
  LineParser();
  ~LineParser();
  LineParser(const LineParser&) = delete;
  LineParser& operator=(const LineParser&) = delete;

  // Check 1 (malformed_json, not_object, duplicate_key at any depth, field = the repeated key)
  // and the form half of check 2 (event_id present: missing_field; a string of 1–64 chars of
  // [A-Za-z0-9._:-]: invalid_value). `line` excludes its line ending and may hold a trailing CR
  // only if it was a lone CR (callers strip the CR of CRLF). REQUIRES: line is not blank.
  // On success, members() and event_id() describe the line.
  std::optional<Rejection> Parse(std::string_view line);

  const std::vector<JsonMember>& members() const { return members_; }
  std::string_view event_id() const { return event_id_; }

  // RFC 8785 canonical JSON of the parsed line's value. REQUIRES: Parse() succeeded.
  // Nested objects and arrays are canonicalised too.
  std::string CanonicalJson() const;

  // Check 3 in the contract's order: type present and known (missing_field / unknown_type,
  // a null or non-string type is unknown_type), unknown_field (first in line order),
  // missing_field (envelope, then the type's fields in table order; report.uploaded's
  // activity/period by kind), invalid_value (occurred_at, actor, then fields in table order;
  // a null is invalid_value of its field), unexpected_field. On success writes the whole event
  // (eventId, occurredAt, actor and the type's member) into `out`.
  // REQUIRES: Parse() succeeded.
  std::optional<Rejection> BuildEvent(schema::Event::Builder out) const;

 private:
  struct Impl;
  Impl* impl_;
  std::vector<JsonMember> members_;
  std::string_view event_id_;
};

// The contract name ("activity.published") of an event's union member, and back.
std::string_view EventTypeName(schema::Event::Which which);
bool EventTypeFromName(std::string_view name, schema::Event::Which* out);

// Appends the RFC 8785 canonical JSON of a stored event: exactly the JSON value that was
// submitted (absent optionals stay absent, an OptBool `no` prints false, times/hex/scores as
// written), so that it equals LineParser::CanonicalJson() of the accepted line.
void AppendEventJson(schema::Event::Reader event, std::string* out);

// The same JSON except that assessment.scored's `score` is its stored token as written ("4.50"),
// so that LineParser::Parse + BuildEvent of the result rebuild `event` exactly (verification).
// Not RFC 8785 when that token is not in ECMAScript form; use AppendEventJson to compare values.
void AppendEventJsonAsWritten(schema::Event::Reader event, std::string* out);

}  // namespace smeledger::ledger
