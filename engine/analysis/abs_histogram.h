#pragma once
// A histogram of magnitudes |x| with logarithmically spaced bins, cheap enough to fill for every
// activation of a calibration pass (the bin comes from the float's exponent and mantissa bits,
// no log() call).
//
// Bin edges (kBinsPerOctave = 4, exponents kMinExponent = -20 .. kMaxExponent = 12):
//   bin 0                 |x| <  2^-20            (exact zeros land here)
//   bin i, 1 <= i <= 128  2^(-20 + (i-1)/4) <= |x| < 2^(-20 + i/4)
//   bin 129               |x| >= 2^12 = 4096      (and NaN / Inf)
// so every regular bin spans a factor 2^(1/4) ~ 1.19.
//
//   qs::AbsHistogram h;
//   for (float x : values) h.add(x);
//   double median = h.quantile(0.5);

#include <array>
#include <cstddef>
#include <cstdint>

namespace qs {

struct AbsHistogram {
    static constexpr int kBinsPerOctave = 4;
    static constexpr int kMinExponent = -20;
    static constexpr int kMaxExponent = 12;
    static constexpr int kRegularBins = (kMaxExponent - kMinExponent) * kBinsPerOctave;
    static constexpr int kBins = kRegularBins + 2;

    std::array<uint64_t, kBins> counts{};

    static int binOf(float x);        // of |x|
    static double lowerEdge(int bin); // 0 for bin 0
    static double upperEdge(int bin); // +inf for the last bin

    void add(float x) { ++counts[std::size_t(binOf(x))]; }
    void addAll(const float* x, int64_t n);
    void merge(const AbsHistogram& other);
    uint64_t total() const;
    // The q-quantile of |x| (q in [0, 1]), interpolated geometrically inside the bin that holds
    // it: exact to within one bin (a factor 1.19). 0 for an empty histogram.
    double quantile(double q) const;
    bool operator==(const AbsHistogram&) const = default;
};

} // namespace qs
