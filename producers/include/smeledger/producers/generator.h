// The synthetic province: a deterministic generator of the JSON Lines that the providers of
// Anhui's "1+16+X" network would submit (EVENTS.md, contract v1), year by year.
//
// What comes out:
//   - One event per line, no line ending in the views handed out here (WriteProvince adds '\n').
//   - Lines in ledger order: every valid line is accepted by a ledger that has accepted exactly
//     the valid lines before it (a signup after its activity's publication, a retraction only
//     without live dependents, ...). occurred_at runs chronologically through the years, with a
//     short tail into January after the last year for the reports, ratings and completions
//     still owed.
//   - Byte-identical output for the same options on every machine and compiler: the generator
//     uses its own PRNG (xoshiro256**), its own integer distributions and no floating point.
//   - Every event type of contract v1 at least once per generated year, except
//     `notice.approved`, whose digest only the real projection can compute.
//   - With `bad` > 0, invalid lines (each rejected for exactly one known reason) and exact
//     resubmissions of earlier lines (duplicates) mixed in; the valid lines are the same ones,
//     byte for byte, as with `bad` = 0 (they only move down).
//
// Thread safety: a ProvinceGenerator is not thread-safe; use one per thread. Generators share
// nothing, so several can run at once.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "smeledger/ledger/status.h"

namespace smeledger::producers {

struct GeneratorOptions {
  // Resident service institutions in the network at the start of the first year (the "X" of
  // 1+16+X). Each year about 4% more are admitted (at least one) and about 1.5% removed (at
  // least two). Volume scales about linearly with this: ~1,000,000 lines a year for 300
  // institutions and 20000 enterprises, of which the 16 cities make about a sixth.
  // Default: 300. REQUIRES: 0 <= institutions <= 100000.
  int institutions = 300;

  // Enterprises (SMEs) of the province. Each registers on the platform and/or the WeChat
  // account once, in a year drawn uniformly from the generated years, and takes part in
  // activities, demands and services all along.
  // Default: 20000. REQUIRES: 1 <= enterprises <= 20000000.
  int enterprises = 20000;

  // The first calendar year generated.
  // Default: 2019. REQUIRES: 1971 <= year and year + years <= 9999.
  int year = 2019;

  // How many consecutive years to generate.
  // Default: 1. REQUIRES: 1 <= years <= 200.
  int years = 1;

  // Seeds the PRNG. Equal options give byte-identical output.
  // Default: 1.
  uint64_t seed = 1;

  // Invalid lines to mix in, spread evenly through the output. The i-th (from 0) is rejected
  // for reason code i mod 15 in the order malformed_json, not_object, duplicate_key,
  // missing_field, invalid_value, conflict, unknown_type, unknown_field, unexpected_field,
  // actor_not_allowed, actor_not_admitted, not_found, already_exists, has_dependents,
  // precondition; successive lines of one reason cycle through different sub-cases. With
  // bad > 0, (bad + 9) / 10 duplicate lines (earlier accepted lines resubmitted with keys
  // reordered and strings re-escaped) are mixed in as well. A line whose sub-cases all need
  // state the ledger does not have yet waits until it does (so with a tiny `limit` a few may
  // never appear).
  // Default: 0. REQUIRES: 0 <= bad <= 10000000.
  int bad = 0;

  // Stop after this many lines in total, invalid and duplicate lines included (0: no limit).
  // With a limit, invalid and duplicate lines are spread over the first `limit` lines.
  // Default: 0.
  uint64_t limit = 0;
};

// What a ledger that follows EVENTS.md must answer for one generated line, given that it
// started empty and received every earlier line of the same generator.
struct ExpectedOutcome {
  // Physical line number, from 1 (every generated line is non-blank).
  uint64_t line = 0;
  // The line's event_id when the line is a JSON object without repeated keys whose event_id
  // is a string (even a malformed one); otherwise "".
  std::string event_id;
  // "accepted", "duplicate" or "rejected".
  std::string outcome;
  // The reason code when rejected ("not_found", ...); otherwise "".
  std::string reason;
  // The ledger position the line gets when accepted, or the original's position for a
  // duplicate; 0 when rejected.
  uint64_t position = 0;
  // For rejected and duplicate lines, what the line exercises, one short English phrase
  // ("checkin on a cancelled activity"); "" for accepted lines.
  std::string detail;
};

// Counts of what a generator has produced so far.
struct GeneratorStats {
  uint64_t lines = 0;
  uint64_t accepted = 0;
  uint64_t duplicates = 0;
  uint64_t rejected = 0;
  // Accepted lines per event type; every type of contract v1 is a key (0 when none).
  std::map<std::string, uint64_t> accepted_by_type;
  // Rejected lines per reason code; every reason code is a key (0 when none).
  std::map<std::string, uint64_t> rejected_by_reason;
};

class ProvinceGenerator {
 public:
  // Checks `options` and builds the province (institutions, enterprises) in memory.
  // On success stores the generator in *out; InvalidInput naming the first bad option
  // otherwise (leaving *out untouched).
  static Status Open(const GeneratorOptions& options, std::unique_ptr<ProvinceGenerator>* out);

  ProvinceGenerator(const ProvinceGenerator&) = delete;
  ProvinceGenerator& operator=(const ProvinceGenerator&) = delete;
  ~ProvinceGenerator();

  // Produces the next line, without a line ending, into *line; the bytes stay valid until the
  // next call to Next() or the generator's destruction. Fills *expected unless it is null.
  // Returns false, leaving both untouched, when every year is done or `limit` lines were made.
  bool Next(std::string_view* line, ExpectedOutcome* expected = nullptr);

  // What was produced so far (after the last Next() that returned true).
  GeneratorStats stats() const;

 private:
  class Simulation;
  explicit ProvinceGenerator(std::unique_ptr<Simulation> simulation);
  std::unique_ptr<Simulation> simulation_;
};

// Receives one line without its line ending; the view is valid only during the call.
using LineSink = std::function<void(std::string_view line)>;
// Receives the expected outcome of the line just given to the LineSink.
using OutcomeSink = std::function<void(const ExpectedOutcome& expected)>;

// Runs a generator for `options` to its end: `sink` gets every line, then `outcomes` (when
// set) its expected outcome. Stores the final counts in *stats unless it is null.
// Returns InvalidInput for bad options (nothing generated).
Status GenerateProvince(const GeneratorOptions& options, const LineSink& sink,
                        const OutcomeSink& outcomes = nullptr, GeneratorStats* stats = nullptr);

// Writes every line, each followed by '\n', to `out` (buffered; `out` stays open and is
// flushed). Returns InvalidInput for bad options, Io when a write fails.
Status WriteProvince(const GeneratorOptions& options, std::FILE* out,
                     GeneratorStats* stats = nullptr);

// The 25 event types of contract v1, in EVENTS.md table order.
std::span<const std::string_view> EventTypeNames();
// The 15 reason codes of contract v1, in the order `bad` cycles through them.
std::span<const std::string_view> ReasonCodes();

}  // namespace smeledger::producers
