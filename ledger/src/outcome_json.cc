#include "smeledger/ledger/outcome_json.h"

#include <charconv>

#include "smeledger/ledger/canonical_json.h"

namespace smeledger::ledger {

namespace {

void AppendU64(std::string* out, uint64_t v) {
  char b[24];
  const auto r = std::to_chars(b, b + sizeof b, v);
  out->append(b, r.ptr);
}

// Everything but the closing brace.
void AppendOpenOutcome(const LineOutcome& o, std::string* out) {
  out->append("{\"line\":");
  AppendU64(out, o.line);
  out->append(",\"event_id\":");
  if (o.has_event_id) {
    AppendJsonString(out, o.event_id);
  } else {
    out->append("null");
  }
  switch (o.kind) {
    case OutcomeKind::kAccepted:
    case OutcomeKind::kDuplicate:
      out->append(o.kind == OutcomeKind::kAccepted ? ",\"outcome\":\"accepted\""
                                                   : ",\"outcome\":\"duplicate\"");
      out->append(",\"position\":");
      AppendU64(out, o.position);
      out->append(",\"hash\":\"");
      out->append(HexOf(o.hash));
      out->push_back('"');
      break;
    case OutcomeKind::kRejected:
      out->append(",\"outcome\":\"rejected\",\"reason\":\"");
      out->append(ReasonCode(o.rejection->reason));
      out->append("\",\"field\":");
      AppendJsonString(out, o.rejection->field);
      out->append(",\"message\":");
      AppendJsonString(out, o.rejection->message);
      break;
  }
}

constexpr std::string_view kOffsetMember = ",\"offset\":";

}  // namespace

void AppendOutcomeJson(const LineOutcome& outcome, std::string* out) {
  AppendOpenOutcome(outcome, out);
  out->push_back('}');
}

void AppendOutcomeJsonWithOffset(const LineOutcome& outcome, uint64_t offset, std::string* out) {
  AppendOpenOutcome(outcome, out);
  out->append(kOffsetMember);
  AppendU64(out, offset);
  out->push_back('}');
}

bool StripOutcomeOffset(std::string_view json, std::string* outcome, uint64_t* offset) {
  if (json.empty() || json.back() != '}') return false;
  const size_t at = json.rfind(kOffsetMember);
  if (at == std::string_view::npos) return false;
  const char* first = json.data() + at + kOffsetMember.size();
  const char* last = json.data() + json.size() - 1;
  if (first == last || (*first == '0' && last - first > 1)) return false;
  const auto r = std::from_chars(first, last, *offset);
  if (r.ec != std::errc() || r.ptr != last) return false;
  outcome->assign(json.substr(0, at));
  outcome->push_back('}');
  return true;
}

}  // namespace smeledger::ledger
