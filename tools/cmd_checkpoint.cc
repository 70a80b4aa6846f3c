// smeledger checkpoint verify FILE --vkey K: checks a signed C2SP tlog-checkpoint against the
// log's verifier key (ledger/README.md "Signed notes and checkpoints").
// Signing the ledger's own checkpoint (`checkpoint [--size N] --key FILE`) needs the ledger's
// Merkle tree, which is not built yet: the `checkpoint` command has no action of its own until
// then, and requires its `verify` subcommand.
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "cli.h"
#include "smeledger/ledger/canonical_json.h"
#include "smeledger/ledger/checkpoint.h"
#include "smeledger/ledger/signed_note.h"

namespace smeledger::cli {
namespace {

// A signed checkpoint is a few hundred bytes; anything far larger is not one.
constexpr size_t kMaxNoteBytes = 1 << 20;

// Reads all of path ("-": stdin) into *data, at most limit + 1 bytes. On failure, *why says why.
bool ReadInput(const std::string& path, size_t limit, std::string* data, std::string* why) {
  std::FILE* f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (!f) {
    *why = "cannot read " + path + ": " + std::strerror(errno);
    return false;
  }
  data->clear();
  char buf[8192];
  size_t n;
  while (data->size() <= limit && (n = std::fread(buf, 1, sizeof buf, f)) > 0) data->append(buf, n);
  const bool bad = std::ferror(f);
  const int e = errno;
  if (f != stdin) std::fclose(f);
  if (bad) {
    *why = "cannot read " + (path == "-" ? std::string("standard input") : path) + ": " +
           std::strerror(e);
    return false;
  }
  return true;
}

std::string Trim(std::string s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string RawOf(const ledger::Hash& h) {
  return {reinterpret_cast<const char*>(h.data()), h.size()};
}

int RunCheckpointVerify(const GlobalOptions& g, const std::string& file,
                        const std::string& vkey_arg) {
  // The verifier key: the vkey text itself, or @FILE holding it.
  std::string vkey_text = vkey_arg;
  if (!vkey_arg.empty() && vkey_arg[0] == '@') {
    std::string why;
    if (!ReadInput(vkey_arg.substr(1), 64 * 1024, &vkey_text, &why))
      return Fail(kUsage, "--vkey: " + why);
  }
  vkey_text = Trim(vkey_text);
  auto vkey = ledger::ParseVerifierKey(vkey_text);
  if (!vkey.ok())
    return Fail(kUsage, "--vkey: not a verifier key (NAME+ID+KEY, as `smeledger keygen` prints "
                        "it): " + vkey.status().message());

  std::string note, why;
  if (!ReadInput(file, kMaxNoteBytes, &note, &why)) return Fail(kUsage, why);
  const std::string shown = file == "-" ? std::string("standard input") : file;

  const bool json = g.format_value() == Format::kJson;
  auto problem = [&](const std::string& what) {
    const std::string line = shown + ": " + what;
    if (json) {
      std::string out = "{\"ok\":false,\"problem\":";
      AppendJsonString(&out, line);
      out += "}\n";
      std::fputs(out.c_str(), stdout);
    }
    return Fail(kProblem, "checkpoint not verified: " + line);
  };
  if (note.size() > kMaxNoteBytes)
    return problem("larger than " + std::to_string(kMaxNoteBytes) + " bytes: not a checkpoint note");

  auto cp = ledger::OpenCheckpoint(note, *vkey);
  if (!cp.ok()) {
    const Status& s = cp.status();
    switch (s.code()) {
      case Status::Code::kCorruption:
        return problem("altered, or signed by another key with the same name and id: " +
                       s.message());
      case Status::Code::kNotFound:
        return problem("not signed by the key " + vkey_text + ": " + s.message());
      case Status::Code::kInvalidInput:
        return problem("not a valid signed checkpoint: " + s.message());
      default:
        return Fail(ExitFor(s), "cannot check the checkpoint: " + s.message());
    }
  }

  const std::string root_hex = ledger::HexOf(cp->root);
  const std::string root_b64 = ledger::EncodeBase64(RawOf(cp->root));
  std::string out;
  switch (g.format_value()) {
    case Format::kJson: {
      out = "{\"ok\":true,\"origin\":";
      AppendJsonString(&out, cp->origin);
      out += ",\"size\":" + std::to_string(cp->size) + ",\"root\":\"" + root_hex +
             "\",\"root_base64\":\"" + root_b64 + "\",\"signed_by\":";
      AppendJsonString(&out, vkey_text);
      out += ",\"extensions\":[";
      for (size_t i = 0; i < cp->extensions.size(); ++i) {
        if (i) out += ",";
        AppendJsonString(&out, cp->extensions[i]);
      }
      out += "]}\n";
      break;
    }
    case Format::kCsv:
      out = "ok,origin,size,root,root_base64,signed_by\ntrue," + CsvField(cp->origin) + "," +
            std::to_string(cp->size) + "," + root_hex + "," + root_b64 + "," +
            CsvField(vkey_text) + "\n";
      break;
    case Format::kTable:
      out = "ok: checkpoint signed by " + vkey_text + "\n" + "origin  " + cp->origin + "\n" +
            "size    " + std::to_string(cp->size) + "\n" + "root    " + root_hex + "\n" +
            "        " + root_b64 + " (base64)\n";
      for (const auto& e : cp->extensions) out += "ext     " + e + "\n";
      break;
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  if (std::fflush(stdout) != 0) return Fail(kEnvironment, "cannot write to standard output");
  return kOk;
}

}  // namespace

void AddCheckpoint(CLI::App& app, GlobalOptions& g, int* exit_code) {
  auto* cp = app.add_subcommand(
      "checkpoint",
      "signed C2SP tlog-checkpoints of the ledger. `checkpoint verify` checks one. Signing the "
      "ledger's own checkpoint (`checkpoint [--size N] --key FILE`) needs the ledger's Merkle "
      "tree, which is not built yet: for now a subcommand is required");
  cp->require_subcommand(1);
  auto* verify = cp->add_subcommand(
      "verify",
      "check a signed checkpoint note against the log's verifier key: exit 0 and its origin, "
      "size and root (hex and base64; --format json: {\"ok\":true,\"origin\",\"size\",\"root\","
      "\"root_base64\",\"signed_by\",\"extensions\"}) when the key's signature verifies and the "
      "origin is the key's name; exit 1 with the reason when it does not (altered, another "
      "key, malformed; --format json also prints {\"ok\":false,\"problem\"}); exit 2 for an "
      "unreadable FILE or a bad --vkey");
  auto file = std::make_shared<std::string>();
  auto vkey = std::make_shared<std::string>();
  verify->add_option("file", *file, "the signed checkpoint note; - reads standard input")
      ->required();
  verify->add_option("--vkey", *vkey,
                     "the log's verifier key NAME+ID+KEY (as `smeledger keygen` prints it), or "
                     "@FILE to read it from FILE")
      ->required();
  verify->callback(
      [&g, exit_code, file, vkey] { *exit_code = RunCheckpointVerify(g, *file, *vkey); });
}

}  // namespace smeledger::cli
