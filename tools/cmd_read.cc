// smeledger verify | history --subject ID | show POSITION | show --event-id ID | export
#include <cstdio>

#include "cli.h"
#include "smeledger/ledger/canonical_json.h"

namespace smeledger::cli {
namespace {

void PrintLine(const std::string& s) {
  std::fwrite(s.data(), 1, s.size(), stdout);
  std::fputc('\n', stdout);
}

// Prints record `pos` as an export line. Returns false (after saying why) on failure.
bool PrintRecord(ledger::Ledger& l, uint64_t pos, int* code) {
  std::string bytes, json;
  Status s = l.ReadRecord(pos, &bytes);
  if (s.ok()) s = ledger::RecordToJson(bytes, &json);
  if (!s.ok()) {
    *code = Fail(s.code() == Status::Code::kNotFound ? kProblem : ExitFor(s), s.message());
    return false;
  }
  PrintLine(json);
  return true;
}

int RunVerify(const GlobalOptions& g) {
  int code = kOk;
  auto l = OpenLedger(g, true, &code);
  if (!l) return code;
  ledger::VerifyReport r;
  Progress progress(g, "verify");
  const double t0 = NowSeconds();
  Status s = l->Verify(&r, [&](uint64_t done, uint64_t total) {
    progress.Update(std::to_string(done) + " / " + std::to_string(total) + " records");
  });
  progress.Done();
  if (!s.ok()) return Fail(ExitFor(s) == kProblem ? kProblem : kEnvironment, s.message());
  const double secs = NowSeconds() - t0;
  std::string out;
  if (g.format_value() == Format::kJson) {
    out = "{\"ok\":";
    out += r.ok ? "true" : "false";
    out += ",\"position\":" + std::to_string(r.position);
    if (r.ok) {
      out += ",\"hash\":\"" + ledger::HexOf(r.hash) + "\"";
      if (r.has_root) out += ",\"root\":\"" + ledger::HexOf(r.root) + "\"";
    } else {
      out += ",\"problem\":";
      AppendJsonString(&out, r.problem);
    }
    out += "}";
  } else if (g.format_value() == Format::kCsv) {
    out = "ok,position,hash,root,problem\n";
    out += std::string(r.ok ? "true" : "false") + "," + std::to_string(r.position) + "," +
           (r.ok ? ledger::HexOf(r.hash) : "") + "," +
           (r.ok && r.has_root ? ledger::HexOf(r.root) : "") + ",";
    if (!r.ok) {
      std::string csv = "\"";
      for (char c : r.problem) csv += c == '"' ? std::string("\"\"") : std::string(1, c);
      out += csv + "\"";
    }
  } else {
    out = r.ok ? "ok: " + std::to_string(r.records) + " records verified; head position " +
                     std::to_string(r.position) + ", hash " + ledger::HexOf(r.hash) +
                     (r.has_root ? ", Merkle root " + ledger::HexOf(r.root) : "")
               : "FAILED at position " + std::to_string(r.position) + ": " + r.problem;
  }
  PrintLine(out);
  if (!g.quiet && r.ok)
    std::fprintf(stderr, "verified %llu records in %.2f s\n",
                 static_cast<unsigned long long>(r.records), secs);
  if (!r.ok)
    return Fail(kProblem, "verification failed at position " + std::to_string(r.position) + ": " +
                              r.problem);
  return kOk;
}

}  // namespace

void AddVerify(CLI::App& app, GlobalOptions& g, int* exit_code) {
  auto* cmd = app.add_subcommand("verify", "recheck every record, the hash chain and the indexes");
  cmd->callback([&g, exit_code] { *exit_code = RunVerify(g); });
}

void AddReadCommands(CLI::App& app, GlobalOptions& g, int* exit_code) {
  {
    auto* cmd = app.add_subcommand("history", "every record naming a subject, as JSON lines");
    auto subject = std::make_shared<std::string>();
    cmd->add_option("--subject", *subject, "subject id, e.g. inst:HF-0007 or city:340100")
        ->required();
    cmd->callback([&g, exit_code, subject] {
      int code = kOk;
      auto l = OpenLedger(g, true, &code);
      if (!l) {
        *exit_code = code;
        return;
      }
      std::vector<uint64_t> positions;
      Status s = l->SubjectPositions(*subject, &positions);
      if (!s.ok()) {
        *exit_code = Fail(ExitFor(s), s.message());
        return;
      }
      for (uint64_t p : positions)
        if (!PrintRecord(*l, p, exit_code)) return;
      if (!g.quiet && positions.empty())
        std::fprintf(stderr, "no records name %s\n", subject->c_str());
    });
  }
  {
    auto* cmd = app.add_subcommand("show", "one record, by position or event_id");
    auto position = std::make_shared<uint64_t>(0);
    auto event_id = std::make_shared<std::string>();
    auto* pos_opt = cmd->add_option("position", *position, "ledger position (1-based)");
    auto* id_opt = cmd->add_option("--event-id", *event_id, "the event's event_id");
    pos_opt->excludes(id_opt);
    cmd->callback([&g, exit_code, position, event_id, pos_opt, id_opt] {
      if (!pos_opt->count() && !id_opt->count()) {
        *exit_code = Fail(kUsage, "show needs a POSITION or --event-id ID");
        return;
      }
      int code = kOk;
      auto l = OpenLedger(g, true, &code);
      if (!l) {
        *exit_code = code;
        return;
      }
      uint64_t pos = *position;
      if (id_opt->count()) {
        Status s = l->FindEvent(*event_id, &pos);
        if (!s.ok()) {
          *exit_code = Fail(s.code() == Status::Code::kNotFound ? kProblem : ExitFor(s),
                            s.code() == Status::Code::kNotFound
                                ? "no accepted event has event_id \"" + *event_id + "\""
                                : s.message());
          return;
        }
      } else if (pos == 0 || pos > l->head().position) {
        *exit_code = Fail(kProblem, "no record at position " + std::to_string(pos) +
                                        " (the head is at " +
                                        std::to_string(l->head().position) + ")");
        return;
      }
      PrintRecord(*l, pos, exit_code);
    });
  }
  {
    auto* cmd = app.add_subcommand("export", "the records themselves, as JSON lines");
    auto from = std::make_shared<uint64_t>(1);
    auto to = std::make_shared<uint64_t>(0);
    cmd->add_option("--from", *from, "first position")->capture_default_str();
    cmd->add_option("--to", *to, "last position (default: the head)");
    cmd->callback([&g, exit_code, from, to] {
      int code = kOk;
      auto l = OpenLedger(g, true, &code);
      if (!l) {
        *exit_code = code;
        return;
      }
      std::string json;
      Status bad;
      Status s = l->ScanRecords(std::max<uint64_t>(*from, 1), *to,
                                [&](uint64_t, std::string_view bytes) {
                                  bad = ledger::RecordToJson(bytes, &json);
                                  if (!bad.ok()) return false;
                                  PrintLine(json);
                                  return true;
                                });
      if (!s.ok()) *exit_code = Fail(ExitFor(s), s.message());
      if (!bad.ok()) *exit_code = Fail(kProblem, bad.message());
    });
  }
}

}  // namespace smeledger::cli
