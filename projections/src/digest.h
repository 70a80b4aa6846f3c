// Internal: the lower-case hex SHA-256 the projections print (notice digests, rule-set
// versions).
#pragma once

#include <string>
#include <string_view>

namespace smeledger::projections::internal {

std::string Sha256Hex(std::string_view s);

}  // namespace smeledger::projections::internal
