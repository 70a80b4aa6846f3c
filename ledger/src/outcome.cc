#include "smeledger/ledger/outcome.h"

#include <array>

namespace smeledger::ledger {
namespace {

// Index = Reason.
constexpr std::array<std::string_view, kReasonCount> kReasonCodes = {
    "malformed_json",     "not_object",   "duplicate_key",  "missing_field",    "invalid_value",
    "conflict",           "unknown_type", "unknown_field",  "unexpected_field", "actor_not_allowed",
    "actor_not_admitted", "not_found",    "already_exists", "has_dependents",   "precondition",
};
static_assert(static_cast<int>(Reason::kPrecondition) == kReasonCount - 1);

}  // namespace

std::string_view ReasonCode(Reason r) {
  const auto i = static_cast<size_t>(r);
  return i < kReasonCodes.size() ? kReasonCodes[i] : std::string_view("unknown");
}

bool ParseReasonCode(std::string_view code, Reason* out) {
  for (size_t i = 0; i < kReasonCodes.size(); ++i) {
    if (kReasonCodes[i] == code) {
      *out = static_cast<Reason>(i);
      return true;
    }
  }
  return false;
}

}  // namespace smeledger::ledger
