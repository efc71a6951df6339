#include "analysis/abs_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

namespace qs {

namespace {

constexpr uint32_t kMantissaMask = 0x7FFFFFu;
constexpr uint32_t mantissaBits(float v) {
    return std::bit_cast<uint32_t>(v) & kMantissaMask;
}
// Mantissas of 2^(1/4), 2^(1/2), 2^(3/4): the quarter-octave edges inside every octave.
constexpr uint32_t kQuarter1 = mantissaBits(1.18920711500272f);
constexpr uint32_t kQuarter2 = mantissaBits(1.41421356237310f);
constexpr uint32_t kQuarter3 = mantissaBits(1.68179283050743f);
constexpr uint32_t kMinBits = std::bit_cast<uint32_t>(0x1p-20f);
constexpr uint32_t kMaxBits = std::bit_cast<uint32_t>(0x1p12f);
static_assert(AbsHistogram::kBinsPerOctave == 4, "binOf splits octaves in quarters");

} // namespace

int AbsHistogram::binOf(float x) {
    const uint32_t bits =
        std::bit_cast<uint32_t>(x) & 0x7FFFFFFFu; // |x|; NaN/Inf compare above kMaxBits
    if (bits < kMinBits) return 0;
    if (bits >= kMaxBits) return kBins - 1;
    const int octave = int(bits >> 23) - 127 - kMinExponent;
    const uint32_t m = bits & kMantissaMask;
    const int quarter = int(m >= kQuarter1) + int(m >= kQuarter2) + int(m >= kQuarter3);
    return 1 + octave * kBinsPerOctave + quarter;
}

double AbsHistogram::lowerEdge(int bin) {
    if (bin <= 0) return 0.0;
    return std::exp2(double(kMinExponent) + double(bin - 1) / kBinsPerOctave);
}

double AbsHistogram::upperEdge(int bin) {
    if (bin >= kBins - 1) return std::numeric_limits<double>::infinity();
    return std::exp2(double(kMinExponent) + double(bin) / kBinsPerOctave);
}

void AbsHistogram::addAll(const float* x, int64_t n) {
    for (int64_t i = 0; i < n; ++i) ++counts[size_t(binOf(x[i]))];
}

void AbsHistogram::merge(const AbsHistogram& other) {
    for (size_t i = 0; i < counts.size(); ++i) counts[i] += other.counts[i];
}

uint64_t AbsHistogram::total() const {
    uint64_t t = 0;
    for (uint64_t c : counts) t += c;
    return t;
}

double AbsHistogram::quantile(double q) const {
    const uint64_t n = total();
    if (n == 0) return 0.0;
    const double target = std::clamp(q, 0.0, 1.0) * double(n);
    double before = 0;
    for (int b = 0; b < kBins; ++b) {
        const double c = double(counts[size_t(b)]);
        if (c == 0 || before + c < target) {
            before += c;
            continue;
        }
        const double f = (target - before) / c;
        if (b == 0) return f * upperEdge(0); // zeros and denormal-small values: linear
        if (b == kBins - 1) return lowerEdge(b);
        // Geometric inside the bin: the bins are equal steps in log |x|.
        return lowerEdge(b) * std::exp2(f / kBinsPerOctave);
    }
    return lowerEdge(kBins - 1);
}

} // namespace qs
