// Checkpoints: one writer and one strict reader, so that a checkpoint we print is the only
// spelling of its tree head (no leading zeros, canonical base64, no empty extension line).
#include "smeledger/ledger/checkpoint.h"

#include <charconv>

namespace smeledger::ledger {

namespace {

// One line of note text: the note rules (signed_note.h) forbid control characters and invalid
// UTF-8 anywhere, and SignNote would reject them later with a vaguer message.
bool IsCleanLine(std::string_view line) {
  return line.find('\n') == std::string_view::npos && IsValidNoteText(line);
}

}  // namespace

Result<std::string> FormatCheckpoint(const Checkpoint& c) {
  if (c.origin.empty()) return Status::InvalidInput("checkpoint: the origin is empty");
  if (!IsCleanLine(c.origin)) {
    return Status::InvalidInput("checkpoint: the origin must be one line of UTF-8 text with no "
                                "control character");
  }
  std::string out = c.origin;
  out += '\n';
  out += std::to_string(c.size);
  out += '\n';
  out += EncodeBase64({reinterpret_cast<const char*>(c.root.data()), c.root.size()});
  out += '\n';
  for (size_t i = 0; i < c.extensions.size(); ++i) {
    const std::string& e = c.extensions[i];
    if (e.empty() || !IsCleanLine(e)) {
      return Status::InvalidInput("checkpoint: extension line " + std::to_string(i + 1) +
                                  " must be one non-empty line of UTF-8 text with no control "
                                  "character");
    }
    out += e;
    out += '\n';
  }
  return out;
}

Result<Checkpoint> ParseCheckpoint(std::string_view text) {
  auto bad = [](const std::string& why) { return Status::InvalidInput("checkpoint: " + why); };
  if (text.empty()) return bad("empty text");
  if (text.back() != '\n') return bad("the text does not end in a newline");
  std::vector<std::string_view> lines;
  for (size_t start = 0; start < text.size();) {
    const size_t nl = text.find('\n', start);
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  if (lines.size() < 3) {
    return bad("want at least 3 lines (origin, size, root hash), found " +
               std::to_string(lines.size()));
  }
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty()) return bad("line " + std::to_string(i + 1) + " is empty");
    if (!IsCleanLine(lines[i])) {
      return bad("line " + std::to_string(i + 1) +
                 " has a control character or invalid UTF-8");
    }
  }
  Checkpoint c;
  c.origin = std::string(lines[0]);

  const std::string_view size = lines[1];
  for (char ch : size) {
    if (ch < '0' || ch > '9') {
      return bad("the tree size (line 2) must be decimal digits only, found '" +
                 std::string(size) + "'");
    }
  }
  if (size.size() > 1 && size[0] == '0') {
    return bad("the tree size (line 2) has a leading zero: '" + std::string(size) + "'");
  }
  const auto [end, ec] = std::from_chars(size.data(), size.data() + size.size(), c.size);
  if (ec != std::errc() || end != size.data() + size.size()) {
    return bad("the tree size (line 2) does not fit in 64 bits: '" + std::string(size) + "'");
  }

  auto root = DecodeBase64(lines[2]);
  if (!root) return bad("the root hash (line 3) is not valid padded standard base64");
  if (root->size() != c.root.size()) {
    return bad("the root hash (line 3) is " + std::to_string(root->size()) +
               " bytes, want 32 (SHA-256)");
  }
  std::copy(root->begin(), root->end(), c.root.begin());
  for (size_t i = 3; i < lines.size(); ++i) c.extensions.emplace_back(lines[i]);
  return c;
}

Result<Checkpoint> OpenCheckpoint(std::string_view note, const NoteVerifier& log_key) {
  auto opened = OpenNote(note, std::span<const NoteVerifier>(&log_key, 1));
  if (!opened.ok()) return opened.status();
  auto c = ParseCheckpoint(opened->text);
  if (!c.ok()) return c.status();
  if (c->origin != log_key.name) {
    return Status::InvalidInput("checkpoint: the origin '" + c->origin +
                                "' is not the log key's name '" + log_key.name + "'");
  }
  return c;
}

}  // namespace smeledger::ledger
