// Internal: the generator's own PRNG and integer distributions. <random>'s distributions are
// implementation-defined, so output would differ between standard libraries; these are not.
#pragma once

#include <cstdint>

namespace smeledger::producers::internal {

// splitmix64 step: used to expand a 64-bit seed into xoshiro's state.
inline uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// xoshiro256** (Blackman & Vigna). Every distribution below uses integer arithmetic only.
class Rng {
 public:
  // `stream` separates independent sequences drawn from one seed.
  Rng(uint64_t seed, uint64_t stream) {
    uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ULL);
    for (uint64_t& w : s_) w = SplitMix64(&x);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n); 0 when n == 0. (Multiply-shift: the bias is below 2^-32 for the n used
  // here, and the result is the same everywhere.)
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }

  // Uniform in [lo, hi]. REQUIRES: lo <= hi.
  int64_t Between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo) + 1));
  }

  // True with probability per_mille / 1000.
  bool PerMille(uint32_t per_mille) { return Below(1000) < per_mille; }
  // True with probability percent / 100.
  bool Percent(uint32_t percent) { return Below(100) < percent; }

  // An index into `weights` (non-negative, summing to > 0), chosen with those weights.
  template <typename W, int N>
  int Weighted(const W (&weights)[N]) {
    uint64_t total = 0;
    for (W w : weights) total += w;
    uint64_t r = Below(total);
    for (int i = 0; i < N; ++i) {
      if (r < static_cast<uint64_t>(weights[i])) return i;
      r -= weights[i];
    }
    return N - 1;
  }

  // A count whose mean is milli / 1000: the integer part, plus one with the fraction's chance.
  uint64_t RoundedCount(uint64_t milli) { return milli / 1000 + (Below(1000) < milli % 1000); }

  // A count around milli / 1000, spread uniformly over ±spread_percent of it.
  uint64_t Jittered(uint64_t milli, uint32_t spread_percent) {
    const uint64_t lo = milli * (100 - spread_percent) / 100;
    const uint64_t hi = milli * (100 + spread_percent) / 100;
    return RoundedCount(lo + Below(hi - lo + 1));
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace smeledger::producers::internal
