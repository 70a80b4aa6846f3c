// Internal: which subjects a record names (the `subjects` index, `history --subject`).
#pragma once

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "smeledger/schemas/record.capnp.h"

namespace smeledger::ledger {

// The subjects of one event, held inline (no heap memory: the parse stage fills one per line
// and the validating thread reads it from the other core). One event names at most four
// (institution.admitted: actor, institution, city, referred_by); more is a programming error,
// thrown, never a subject silently left out of the index.
class SubjectViews {
 public:
  static constexpr size_t kMax = 4;
  void clear() { n_ = 0; }
  void push_back(std::string_view s) {
    if (n_ == kMax) throw std::logic_error("an event names more than four subjects");
    v_[n_++] = s;
  }
  size_t size() const { return n_; }
  std::string_view operator[](size_t i) const { return v_[i]; }
  const std::string_view* begin() const { return v_.data(); }
  const std::string_view* end() const { return v_.data() + n_; }

 private:
  std::array<std::string_view, kMax> v_;
  uint8_t n_ = 0;
};

// Appends the subject ids an event names that `out` does not hold yet: its actor and every field typed as a
// subject (institution, city, referred_by, owner, enterprise, provider, holder, subject).
// Views point into `event`. Out: std::vector<std::string_view> or SubjectViews.
template <class Out>
void EventSubjects(schema::Event::Reader event, Out* out);
extern template void EventSubjects(schema::Event::Reader, std::vector<std::string_view>*);
extern template void EventSubjects(schema::Event::Reader, SubjectViews*);

}  // namespace smeledger::ledger
