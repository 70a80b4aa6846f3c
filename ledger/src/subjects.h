// Internal: which subjects a record names (the `subjects` index, `history --subject`).
#pragma once

#include <string_view>
#include <vector>

#include "smeledger/schemas/record.capnp.h"

namespace smeledger::ledger {

// Appends the subject ids an event names that `out` does not hold yet: its actor and every field typed as a
// subject (institution, city, referred_by, owner, enterprise, provider, holder, subject).
// Views point into `event`.
void EventSubjects(schema::Event::Reader event, std::vector<std::string_view>* out);

}  // namespace smeledger::ledger
