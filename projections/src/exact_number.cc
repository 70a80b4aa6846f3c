#include "smeledger/projections/exact_number.h"

#include <charconv>
#include <cstdlib>
#include <string>

#include "smeledger/ledger/canonical_json.h"

namespace smeledger::projections {
namespace {

using i128 = __int128;

i128 Abs(i128 v) { return v < 0 ? -v : v; }

i128 Gcd(i128 a, i128 b) {
  a = Abs(a);
  b = Abs(b);
  while (b != 0) {
    i128 t = a % b;
    a = b;
    b = t;
  }
  return a;
}

bool Mul(i128 a, i128 b, i128* out) { return !__builtin_mul_overflow(a, b, out); }
bool Add(i128 a, i128 b, i128* out) { return !__builtin_add_overflow(a, b, out); }

}  // namespace

ExactNumber ExactNumber::Ratio(i128 num, i128 den) {
  ExactNumber x;
  x.num_ = num;
  x.den_ = den;
  x.Reduce();
  return x;
}

void ExactNumber::Reduce() {
  if (den_ < 0) {
    num_ = -num_;
    den_ = -den_;
  }
  i128 g = Gcd(num_, den_);
  if (g > 1) {
    num_ /= g;
    den_ /= g;
  }
  if (num_ == 0) den_ = 1;
}

ExactNumber ExactNumber::operator+(const ExactNumber& o) const {
  ExactNumber r;
  // a/b + c/d = (a*(d/g) + c*(b/g)) / (b/g*d), g = gcd(b, d)
  i128 g = Gcd(den_, o.den_);
  i128 x, y, n, d;
  bool ok = Mul(num_, o.den_ / g, &x) && Mul(o.num_, den_ / g, &y) && Add(x, y, &n) &&
            Mul(den_ / g, o.den_, &d);
  if (!ok) {
    r.overflow_ = true;
    return r;
  }
  r = Ratio(n, d);
  r.overflow_ = overflow_ || o.overflow_;
  return r;
}

ExactNumber ExactNumber::operator-(const ExactNumber& o) const {
  ExactNumber neg = o;
  neg.num_ = -neg.num_;
  return *this + neg;
}

ExactNumber ExactNumber::operator*(const ExactNumber& o) const {
  ExactNumber r;
  i128 g1 = Gcd(num_, o.den_), g2 = Gcd(o.num_, den_);
  if (g1 == 0) g1 = 1;
  if (g2 == 0) g2 = 1;
  i128 n, d;
  if (!Mul(num_ / g1, o.num_ / g2, &n) || !Mul(den_ / g2, o.den_ / g1, &d)) {
    r.overflow_ = true;
    return r;
  }
  r = Ratio(n, d);
  r.overflow_ = overflow_ || o.overflow_;
  return r;
}

ExactNumber ExactNumber::operator/(const ExactNumber& o) const {
  ExactNumber inv;
  inv.num_ = o.den_;
  inv.den_ = o.num_;
  inv.overflow_ = o.overflow_;
  inv.Reduce();
  return *this * inv;
}

int ExactNumber::Compare(const ExactNumber& o) const {
  // Compare a/b with c/d via integer part and remainder to avoid overflow.
  i128 a = num_, b = den_, c = o.num_, d = o.den_;
  for (int guard = 0; guard < 200; ++guard) {
    // floor division
    i128 qa = a / b, ra = a % b;
    if (ra < 0) {
      qa -= 1;
      ra += b;
    }
    i128 qc = c / d, rc = c % d;
    if (rc < 0) {
      qc -= 1;
      rc += d;
    }
    if (qa != qc) return qa < qc ? -1 : 1;
    if (ra == 0 || rc == 0) {
      if (ra == 0 && rc == 0) return 0;
      return ra == 0 ? -1 : 1;
    }
    // compare ra/b with rc/d  <=>  compare d/rc with b/ra (reversed)
    i128 na = d, nb = rc, nc = b, nd = ra;
    a = na;
    b = nb;
    c = nc;
    d = nd;
  }
  return 0;
}

ExactNumber ExactNumber::RoundHalfAwayFromZero(int decimals) const {
  i128 scale = 1;
  for (int i = 0; i < decimals; ++i) scale *= 10;
  // |x| * scale, rounded half up, sign restored.
  const bool neg = num_ < 0;
  i128 n = Abs(num_);
  i128 q = n / den_, r = n % den_;
  // value*scale = (q + r/den) * scale
  i128 whole = q * scale;
  // fractional part times scale: r*scale/den, with remainder for rounding
  i128 fn = r * scale;  // r < den; den small enough in practice
  i128 fq = fn / den_, fr = fn % den_;
  i128 units = whole + fq;
  if (2 * fr >= den_) units += 1;
  ExactNumber out = Ratio(neg ? -units : units, scale);
  out.overflow_ = overflow_;
  return out;
}

i128 ExactNumber::Ceil() const {
  i128 q = num_ / den_, r = num_ % den_;
  if (r > 0) q += 1;
  return q;
}

double ExactNumber::ToDouble() const {
  // Decimal expansion with 60 fraction digits plus a sticky digit, then strtod (correctly
  // rounded): enough to separate the value from any midpoint between doubles of the magnitudes
  // scores have.
  std::string s;
  i128 n = num_;
  if (n < 0) {
    s += '-';
    n = -n;
  }
  i128 q = n / den_, r = n % den_;
  std::string ip;
  if (q == 0) ip = "0";
  while (q > 0) {
    ip.insert(ip.begin(), static_cast<char>('0' + static_cast<int>(q % 10)));
    q /= 10;
  }
  s += ip;
  if (r != 0) {
    s += '.';
    for (int i = 0; i < 60 && r != 0; ++i) {
      r *= 10;
      s += static_cast<char>('0' + static_cast<int>(r / den_));
      r %= den_;
    }
    if (r != 0) s += '1';
  }
  return std::strtod(s.c_str(), nullptr);
}

std::string ExactNumber::ToJson() const {
  std::string out;
  if (den_ == 1 && num_ > -(i128{1} << 53) && num_ < (i128{1} << 53)) {
    AppendJsonInt(&out, static_cast<int64_t>(num_));
  } else {
    AppendJsonNumber(&out, ToDouble());
  }
  return out;
}

bool ExactNumber::ParseDecimal(std::string_view t, ExactNumber* out) {
  size_t i = 0;
  bool neg = false;
  if (i < t.size() && t[i] == '-') {
    neg = true;
    ++i;
  }
  i128 mant = 0;
  int exp10 = 0;
  int digits = 0;
  bool any = false;
  auto push = [&](char c) -> bool {
    if (mant == 0 && c == '0') return true;
    if (digits >= 36) return false;
    mant = mant * 10 + (c - '0');
    ++digits;
    return true;
  };
  while (i < t.size() && t[i] >= '0' && t[i] <= '9') {
    if (!push(t[i])) return false;
    any = true;
    ++i;
  }
  if (!any) return false;
  if (i < t.size() && t[i] == '.') {
    ++i;
    bool frac = false;
    int fd = 0;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') {
      frac = true;
      if (fd < 30) {
        if (!push(t[i])) return false;
        --exp10;
      }
      ++fd;
      ++i;
    }
    if (!frac) return false;
  }
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    bool eneg = false;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) eneg = t[i++] == '-';
    long e = 0;
    bool ed = false;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') {
      ed = true;
      e = e * 10 + (t[i] - '0');
      if (e > 100000) return false;
      ++i;
    }
    if (!ed) return false;
    exp10 += static_cast<int>(eneg ? -e : e);
  }
  if (i != t.size()) return false;
  if (mant == 0) {
    *out = ExactNumber(0);
    return true;
  }
  // Strip trailing zeros of the mantissa into the exponent.
  while (mant % 10 == 0) {
    mant /= 10;
    ++exp10;
  }
  if (exp10 < -30) {
    // Cut to 30 fraction digits.
    while (exp10 < -30) {
      mant /= 10;
      ++exp10;
    }
  }
  i128 num = mant, den = 1;
  if (exp10 >= 0) {
    for (int k = 0; k < exp10; ++k)
      if (!Mul(num, 10, &num)) return false;
  } else {
    for (int k = 0; k < -exp10; ++k) den *= 10;
  }
  *out = Ratio(neg ? -num : num, den);
  return true;
}

bool ExactNumber::FromDouble(double v, ExactNumber* out) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  if (r.ec != std::errc()) return false;
  return ParseDecimal(std::string_view(buf, r.ptr - buf), out);
}

}  // namespace smeledger::projections
