// The position a stored record claims (schemas/record.capnp, Record.position), read without
// checking anything else: the ledger checks the whole record when it appends it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace smeledger::projections_kafka {

// *position of the record in `bytes` (one framed single-segment Cap'n Proto message).
// REQUIRES: bytes.data() is 8-byte aligned. False, with *why, when it is not such a message.
bool RecordPosition(std::string_view bytes, uint64_t* position, std::string* why);

}  // namespace smeledger::projections_kafka
