#include "smeledger/ledger/status.h"

namespace smeledger {

std::string Status::ToString() const {
  const char* name = "ok";
  switch (code_) {
    case Code::kOk: return "ok";
    case Code::kInvalidInput: name = "invalid input"; break;
    case Code::kConflict: name = "conflict"; break;
    case Code::kRetryable: name = "retryable"; break;
    case Code::kCorruption: name = "corruption"; break;
    case Code::kNotFound: name = "not found"; break;
    case Code::kIo: name = "io error"; break;
    case Code::kNoSpace: name = "no space"; break;
    case Code::kLocked: name = "locked"; break;
  }
  return std::string(name) + ": " + message_;
}

}  // namespace smeledger
