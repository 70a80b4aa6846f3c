// The wire form of a line's outcome (CLI.md, `submit --outcomes`), shared by every front end:
// `submit` writes it to --outcomes, `serve` publishes it (with the submissions offset it
// answers) to the outcomes topic, `produce --wait` writes what it receives.
//
//   accepted / duplicate: {"line","event_id","outcome","position","hash"}
//   rejected:             {"line","event_id","outcome":"rejected","reason","field","message"}
//
// `event_id` is null unless the line had a string event_id; strings per RFC 8785.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "smeledger/ledger/ledger.h"

namespace smeledger::ledger {

// Appends the outcome's JSON object (no line ending).
void AppendOutcomeJson(const LineOutcome& outcome, std::string* out);

// Appends the outcome's JSON object with `"offset":N` as its last member (the outcomes topic).
void AppendOutcomeJsonWithOffset(const LineOutcome& outcome, uint64_t offset, std::string* out);

// The exact inverse of AppendOutcomeJsonWithOffset: *outcome gets the `submit --outcomes`
// object, *offset the offset. Returns false when `json` does not end in a `,"offset":N}` member.
bool StripOutcomeOffset(std::string_view json, std::string* outcome, uint64_t* offset);

}  // namespace smeledger::ledger
