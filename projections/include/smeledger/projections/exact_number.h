// ExactNumber: a non-huge rational number for the annual scoring (INDICATORS.md: points, base,
// bonus and deduction are exact; an assessment score counts at its written decimal value).
//
// A value type: numerator and denominator in 128 bits, always reduced, denominator > 0.
// Arithmetic that would overflow 128 bits sets the sticky `overflow()` flag on the result
// rather than wrapping; the scoring refuses such a result (it needs numbers no rule set or
// ledger of this project comes near: scores with more than 30 fraction digits are cut to 30).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace smeledger::projections {

class ExactNumber {
 public:
  ExactNumber() = default;
  ExactNumber(int64_t v) : num_(v) {}  // NOLINT: integers convert implicitly
  // num / den. REQUIRES: den != 0.
  static ExactNumber Ratio(__int128 num, __int128 den);
  // Parses a JSON number token (e.g. "4.50", "1e1", "-0.25") exactly. Fraction digits beyond
  // 30 are cut. Returns false when the text is not a JSON number or is too large.
  static bool ParseDecimal(std::string_view text, ExactNumber* out);
  // The shortest decimal form of a finite double (std::to_chars), read exactly: what a
  // TOML file wrote as 2.5 becomes exactly 5/2.
  static bool FromDouble(double v, ExactNumber* out);

  __int128 num() const { return num_; }
  __int128 den() const { return den_; }
  bool overflow() const { return overflow_; }
  bool is_integer() const { return den_ == 1; }

  ExactNumber operator+(const ExactNumber& o) const;
  ExactNumber operator-(const ExactNumber& o) const;
  ExactNumber operator*(const ExactNumber& o) const;
  ExactNumber operator/(const ExactNumber& o) const;  // REQUIRES: o != 0
  int Compare(const ExactNumber& o) const;           // <0, 0, >0
  bool operator==(const ExactNumber& o) const { return Compare(o) == 0; }
  bool operator!=(const ExactNumber& o) const { return Compare(o) != 0; }
  bool operator<(const ExactNumber& o) const { return Compare(o) < 0; }
  bool operator<=(const ExactNumber& o) const { return Compare(o) <= 0; }
  bool operator>(const ExactNumber& o) const { return Compare(o) > 0; }
  bool operator>=(const ExactNumber& o) const { return Compare(o) >= 0; }

  // Rounded half away from zero to `decimals` places.
  ExactNumber RoundHalfAwayFromZero(int decimals) const;
  // The smallest integer ≥ this.
  __int128 Ceil() const;
  // The nearest double (correctly rounded).
  double ToDouble() const;
  // A JSON number: the integer when integral, else the nearest double (RFC 8785 form).
  std::string ToJson() const;

 private:
  void Reduce();
  __int128 num_ = 0;
  __int128 den_ = 1;
  bool overflow_ = false;
};

}  // namespace smeledger::projections
