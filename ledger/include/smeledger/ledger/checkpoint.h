// Transparency-log checkpoints (C2SP tlog-checkpoint, https://c2sp.org/tlog-checkpoint): the text
// of a signed note (signed_note.h) holding a log's tree head:
//   <origin>\n<tree size in decimal>\n<base64 of the 32-byte RFC 6962 root hash>\n[<extension>\n]*
// ledger/README.md ("Signed notes and checkpoints") gives the format byte by byte.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "smeledger/ledger/ledger.h"
#include "smeledger/ledger/signed_note.h"
#include "smeledger/ledger/status.h"

namespace smeledger::ledger {

struct Checkpoint {
  std::string origin;                   // the log's identity; by convention also its key name
  uint64_t size = 0;                    // leaves in the tree
  Hash root{};                          // RFC 6962 root hash of the first `size` leaves
  std::vector<std::string> extensions;  // opaque lines after the root, usually none
};

// The note text. kInvalidInput when the origin or an extension line is empty or holds a newline,
// a control character or invalid UTF-8 (the text could not be signed or read back).
Result<std::string> FormatCheckpoint(const Checkpoint& checkpoint);

// Strict: at least three lines, every line non-empty and newline-terminated, size without sign
// or leading zeros and within 64 bits, root exactly 32 bytes of canonical padded base64.
// kInvalidInput saying which line is wrong.
Result<Checkpoint> ParseCheckpoint(std::string_view text);

// Opens a signed checkpoint with one log key: the note must carry a valid signature by it (see
// OpenNote for the codes) and its origin line must equal the key's name (kInvalidInput if not).
Result<Checkpoint> OpenCheckpoint(std::string_view note, const NoteVerifier& log_key);

}  // namespace smeledger::ledger
