// Ternary, binary and logarithmic formats (see lowbit_formats.h for definitions and accounting).
#include "quant/lowbit_formats.h"

#include "core/error.h"
#include "quant/format_families.h"
#include "quant/int_formats.h"

#include <algorithm>
#include <cmath>

namespace qs {

float logLevel(float t, int emaxCode) {
    // Halfway between 2^-e and 2^-(e+1) lies 0.75 * 2^-e; below half the smallest level, zero.
    for (int e = 0; e <= emaxCode; ++e)
        if (t > 0.75f * std::ldexp(1.0f, -e)) return std::ldexp(1.0f, -e);
    return t > std::ldexp(0.5f, -emaxCode) ? std::ldexp(1.0f, -emaxCode) : 0.0f;
}

// ---- Reference kernels -----------------------------------------------------------------------
// The readable scalar twins of the Highway kernels (lowbit_simd-inl.h), which must match them bit
// for bit; the formats below run the Highway ones.

namespace quant_detail {

float lowbitMeanAbsScale(const float* x, int64_t n) {
    double sumAbs = 0; // double, in index order: the SIMD kernels call this function too
    for (int64_t i = 0; i < n; ++i) sumAbs += std::fabs(x[i]);
    return roundScaleToFp16(float(sumAbs / double(n)));
}

namespace {

void qdqRowRef(const float* x, float* y, int64_t n, LowBitKind kind, int bits, float gamma) {
    switch (kind) {
    case LowBitKind::TernaryTensor:
    case LowBitKind::TernaryRow: {
        const float g = kind == LowBitKind::TernaryTensor ? gamma : lowbitMeanAbsScale(x, n);
        for (int64_t i = 0; i < n; ++i)
            y[i] = g > 0 ? std::clamp(std::nearbyint(x[i] / g), -1.0f, 1.0f) * g : 0.0f;
        break;
    }
    case LowBitKind::BinaryRow: {
        const float m = lowbitMeanAbsScale(x, n);
        for (int64_t i = 0; i < n; ++i) y[i] = x[i] >= 0 ? m : -m;
        break;
    }
    case LowBitKind::Log: {
        float amax = 0;
        for (int64_t i = 0; i < n; ++i) amax = std::max(amax, std::fabs(x[i]));
        const float s = roundScaleToFp16(amax);
        const int emaxCode = (1 << (bits - 1)) - 2;
        for (int64_t i = 0; i < n; ++i)
            y[i] = s > 0 ? std::copysign(logLevel(std::fabs(x[i]) / s, emaxCode) * s, x[i]) : 0.0f;
        break;
    }
    }
}

} // namespace

int64_t lowbitRowsQdqRef(const float* src, float* dst, int64_t rows, int64_t cols, LowBitKind kind,
                         int bits, float gamma) {
    for (int64_t r = 0; r < rows; ++r) {
        const float* x = src + r * cols;
        for (int64_t i = 0; i < cols; ++i)
            if (!std::isfinite(x[i])) return r;
        qdqRowRef(x, dst + r * cols, cols, kind, bits, gamma);
    }
    return -1;
}

} // namespace quant_detail

namespace {

using quant_detail::LowBitKind;

class LowBitFormat : public QuantFormat {
public:
    LowBitFormat(std::string name, LowBitKind kind, int bits, std::string description)
        : m_name(std::move(name)), m_kind(kind), m_bits(bits),
          m_description(std::move(description)) {}

    std::string name() const override { return m_name; }
    std::string family() const override {
        return m_kind == LowBitKind::Log         ? "log"
               : m_kind == LowBitKind::BinaryRow ? "binary"
                                                 : "ternary";
    }
    std::string description() const override { return m_description; }
    int nominalBits() const override { return m_bits; }
    double bitsPerWeight(int64_t cols) const override {
        const double rowScale = cols > 0 ? 16.0 / double(cols) : 0.0;
        switch (m_kind) {
        case LowBitKind::TernaryTensor:
            return kTritBits;
        case LowBitKind::TernaryRow:
            return kTritBits + rowScale;
        case LowBitKind::BinaryRow:
            return 1.0 + rowScale;
        case LowBitKind::Log:
            break;
        }
        return m_bits + rowScale;
    }
    std::string checkShape(int64_t rows, int64_t cols) const override {
        return rows < 0 || cols < 0 ? "negative shape" : "";
    }

    void quantizeDequantize(const float* src, float* dst, int64_t rows, int64_t cols,
                            const QuantContext& ctx) const override {
        quant_detail::requireShape(*this, ctx, rows, cols);
        if (rows == 0 || cols == 0) return;
        float tensorGamma = 0;
        if (m_kind == LowBitKind::TernaryTensor) {
            quant_detail::requireFinite(ctx, src, rows, cols);
            double sum = 0; // double: a 10^8-element fp32 sum would lose ~4 digits
            for (int64_t i = 0; i < rows * cols; ++i) sum += std::fabs(src[i]);
            tensorGamma = float(sum / double(rows * cols));
        }
        const bool stream = quant_detail::streamOutput(rows, cols);
        quant_detail::forEachRows(rows, cols, [&](int64_t r0, int64_t r1) {
            const int64_t bad =
                quant_detail::lowbitRowsQdqSimd(src + r0 * cols, dst + r0 * cols, r1 - r0, cols,
                                                m_kind, m_bits, tensorGamma, stream);
            if (bad >= 0) {
                const int64_t r = r0 + bad;
                quant_detail::throwNonFinite(ctx, src + r * cols, 1, cols, r);
            }
        });
    }

private:
    static constexpr double kTritBits = 8.0 / 5.0; // 5 trits per byte

    std::string m_name;
    LowBitKind m_kind;
    int m_bits;
    std::string m_description;
};

} // namespace

void quant_detail::appendLowBitFormats(FormatList& out) {
    out.push_back(
        std::make_unique<LowBitFormat>("ternary_t", LowBitKind::TernaryTensor, 2,
                                       "ternary {-1, 0, 1} x mean|w| per tensor (BitNet b1.58)"));
    out.push_back(std::make_unique<LowBitFormat>("ternary_c", LowBitKind::TernaryRow, 2,
                                                 "ternary {-1, 0, 1} x fp16 mean|w| per row"));
    out.push_back(std::make_unique<LowBitFormat>("binary_c", LowBitKind::BinaryRow, 1,
                                                 "sign(w) x fp16 mean|w| per row"));
    out.push_back(std::make_unique<LowBitFormat>(
        "log4", LowBitKind::Log, 4,
        "4-bit power of two: sign + exponent 0..6 below the row's amax"));
    out.push_back(std::make_unique<LowBitFormat>(
        "log3", LowBitKind::Log, 3,
        "3-bit power of two: sign + exponent 0..2 below the row's amax"));
}

} // namespace qs
