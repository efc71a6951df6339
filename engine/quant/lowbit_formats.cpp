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

namespace {

enum class Kind { TernaryTensor, TernaryRow, BinaryRow, Log };

class LowBitFormat : public QuantFormat {
public:
    LowBitFormat(std::string name, Kind kind, int bits, std::string description)
        : m_name(std::move(name)), m_kind(kind), m_bits(bits),
          m_description(std::move(description)) {}

    std::string name() const override { return m_name; }
    std::string family() const override {
        return m_kind == Kind::Log ? "log" : m_kind == Kind::BinaryRow ? "binary" : "ternary";
    }
    std::string description() const override { return m_description; }
    int nominalBits() const override { return m_bits; }
    double bitsPerWeight(int64_t cols) const override {
        const double rowScale = cols > 0 ? 16.0 / double(cols) : 0.0;
        switch (m_kind) {
        case Kind::TernaryTensor:
            return kTritBits;
        case Kind::TernaryRow:
            return kTritBits + rowScale;
        case Kind::BinaryRow:
            return 1.0 + rowScale;
        case Kind::Log:
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
        if (m_kind == Kind::TernaryTensor) {
            quant_detail::requireFinite(ctx, src, rows, cols);
            double sum = 0; // double: a 10^8-element fp32 sum would lose ~4 digits
            for (int64_t i = 0; i < rows * cols; ++i) sum += std::fabs(src[i]);
            tensorGamma = float(sum / double(rows * cols));
        }
        quant_detail::forEachRows(rows, cols, [&](int64_t r0, int64_t r1) {
            for (int64_t r = r0; r < r1; ++r) {
                const float* x = src + r * cols;
                float* y = dst + r * cols;
                if (m_kind != Kind::TernaryTensor) quant_detail::requireFinite(ctx, x, 1, cols, r);
                quantizeRow(x, y, cols, tensorGamma);
            }
        });
    }

private:
    static constexpr double kTritBits = 8.0 / 5.0; // 5 trits per byte

    void quantizeRow(const float* x, float* y, int64_t n, float tensorGamma) const {
        double sumAbs = 0;
        float amax = 0;
        for (int64_t i = 0; i < n; ++i) {
            sumAbs += std::fabs(x[i]);
            amax = std::max(amax, std::fabs(x[i]));
        }
        const float meanAbs = quant_detail::roundScaleToFp16(float(sumAbs / double(n)));
        switch (m_kind) {
        case Kind::TernaryTensor:
        case Kind::TernaryRow: {
            const float g = m_kind == Kind::TernaryTensor ? tensorGamma : meanAbs;
            for (int64_t i = 0; i < n; ++i)
                y[i] = g > 0 ? std::clamp(std::nearbyint(x[i] / g), -1.0f, 1.0f) * g : 0.0f;
            break;
        }
        case Kind::BinaryRow:
            for (int64_t i = 0; i < n; ++i) y[i] = x[i] >= 0 ? meanAbs : -meanAbs;
            break;
        case Kind::Log: {
            const float s = quant_detail::roundScaleToFp16(amax);
            const int emaxCode = (1 << (m_bits - 1)) - 2;
            for (int64_t i = 0; i < n; ++i)
                y[i] =
                    s > 0 ? std::copysign(logLevel(std::fabs(x[i]) / s, emaxCode) * s, x[i]) : 0.0f;
            break;
        }
        }
    }

    std::string m_name;
    Kind m_kind;
    int m_bits;
    std::string m_description;
};

} // namespace

void quant_detail::appendLowBitFormats(FormatList& out) {
    out.push_back(
        std::make_unique<LowBitFormat>("ternary_t", Kind::TernaryTensor, 2,
                                       "ternary {-1, 0, 1} x mean|w| per tensor (BitNet b1.58)"));
    out.push_back(std::make_unique<LowBitFormat>("ternary_c", Kind::TernaryRow, 2,
                                                 "ternary {-1, 0, 1} x fp16 mean|w| per row"));
    out.push_back(std::make_unique<LowBitFormat>("binary_c", Kind::BinaryRow, 1,
                                                 "sign(w) x fp16 mean|w| per row"));
    out.push_back(std::make_unique<LowBitFormat>(
        "log4", Kind::Log, 4, "4-bit power of two: sign + exponent 0..6 below the row's amax"));
    out.push_back(std::make_unique<LowBitFormat>(
        "log3", Kind::Log, 3, "3-bit power of two: sign + exponent 0..2 below the row's amax"));
}

} // namespace qs
