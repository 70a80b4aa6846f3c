// Internal: the contract names (EVENTS.md) of the event types and of the enum values in
// schemas/record.capnp, shared by the line parser and the JSON writer so that both directions
// use one spelling.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace smeledger::ledger {

// Index = schema::Event::Which (the union's order is the contract table's order).
// clang-format off
inline constexpr std::array<std::string_view, 25> kEventTypeNames = {
    "institution.admitted", "institution.removed", "enterprise.registered",
    "activity.published",   "activity.cancelled",  "activity.signup",
    "activity.checkin",     "activity.rated",      "demand.published",
    "demand.accepted",      "demand.completed",    "demand.rated",
    "service.delivered",    "report.uploaded",     "collaboration.recorded",
    "demand_collection.completed", "product.published", "product.withdrawn",
    "media.reported",       "title.awarded",       "complaint.filed",
    "complaint.resolved",   "assessment.scored",   "event.retracted",
    "notice.approved",
};
// clang-format on

// Index = the capnp enum's value.
inline constexpr std::array<std::string_view, 2> kChannelNames = {"platform", "wechat"};
inline constexpr std::array<std::string_view, 2> kModeNames = {"online", "offline"};
inline constexpr std::array<std::string_view, 5> kReportKindNames = {
    "attendee_list", "photos", "summary", "monthly", "annual"};
inline constexpr std::array<std::string_view, 6> kCollaborationKindNames = {
    "expert_collection", "public_welfare",     "demand_survey",
    "matchmaking",       "featured_promotion", "city_organised"};
inline constexpr std::array<std::string_view, 3> kLevelNames = {"city", "province", "national"};
inline constexpr std::array<std::string_view, 2> kVerdictNames = {"provider_at_fault",
                                                                  "not_at_fault"};
inline constexpr std::array<std::string_view, 3> kAssessmentItemNames = {
    "infrastructure", "service_norms", "internet_platform"};

// The name at `index`, or "" when the index is out of range (a damaged record).
template <size_t N>
constexpr std::string_view NameAt(const std::array<std::string_view, N>& names, size_t index) {
  return index < N ? names[index] : std::string_view();
}

// Name → index over a fixed set, built at compile time: open addressing on a cheap hash of the
// length and three bytes; every probe confirms with a full comparison.
template <size_t N, size_t Slots>
class NameIndex {
  static_assert((Slots & (Slots - 1)) == 0 && Slots >= 2 * N);

 public:
  constexpr explicit NameIndex(const std::array<std::string_view, N>& names) : names_(names) {
    for (size_t i = 0; i < N; ++i) {
      size_t h = Hash(names[i]);
      while (slots_[h] != 0) h = (h + 1) & (Slots - 1);
      slots_[h] = static_cast<uint8_t>(i + 1);
    }
  }

  // The index of `name`, or -1.
  constexpr int Find(std::string_view name) const {
    if (name.empty()) return -1;
    for (size_t h = Hash(name); slots_[h] != 0; h = (h + 1) & (Slots - 1)) {
      if (names_[slots_[h] - 1] == name) return slots_[h] - 1;
    }
    return -1;
  }

 private:
  static constexpr size_t Hash(std::string_view s) {
    if (s.empty()) return 0;
    const auto b = [&](size_t i) { return static_cast<size_t>(static_cast<unsigned char>(s[i])); };
    return (s.size() * 131 + b(0) * 31 + b(s.size() / 2) * 7 + b(s.size() - 1)) & (Slots - 1);
  }

  std::array<std::string_view, N> names_;
  std::array<uint8_t, Slots> slots_{};
};

inline constexpr NameIndex<25, 64> kEventTypeIndex(kEventTypeNames);

}  // namespace smeledger::ledger
