// The outcome of one submitted line (EVENTS.md, "Outcome of a submission").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace smeledger::ledger {

// Reason codes of contract v1, in no particular order. Their wire names are fixed.
enum class Reason : uint8_t {
  kMalformedJson,
  kNotObject,
  kDuplicateKey,
  kMissingField,
  kInvalidValue,
  kConflict,
  kUnknownType,
  kUnknownField,
  kUnexpectedField,
  kActorNotAllowed,
  kActorNotAdmitted,
  kNotFound,
  kAlreadyExists,
  kHasDependents,
  kPrecondition,
};
inline constexpr int kReasonCount = 15;

// "malformed_json", "not_object", ...
std::string_view ReasonCode(Reason r);
// Inverse of ReasonCode; false when `code` names no reason.
bool ParseReasonCode(std::string_view code, Reason* out);

// Why a line was rejected. `field` follows CLI.md: "" for malformed_json/not_object, the
// repeated key for duplicate_key, "event_id" for conflict, else the field the rule concerns.
struct Rejection {
  Reason reason;
  std::string field;
  std::string message;  // one human sentence, English, no trailing period
};

enum class OutcomeKind : uint8_t { kAccepted, kDuplicate, kRejected };

}  // namespace smeledger::ledger
