// Scaled minifloats, OCP MX block formats and NF4 (see minifloat_formats.h for the table).
#include "quant/minifloat_formats.h"

#include "core/error.h"
#include "quant/format_families.h"
#include "quant/int_formats.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <vector>

namespace qs {

int MinifloatSpec::emax() const {
    return std::ilogb(maxFinite);
}

float roundToMinifloat(float x, const MinifloatSpec& s) {
    const float a = std::fabs(x);
    const int emin = 1 - s.bias; // exponent of the smallest normal element
    float r;
    if (a >= std::ldexp(1.0f, emin)) {
        // Normal element: keep mbits of the fp32 mantissa, rounding to nearest even on the bits
        // dropped; a carry out of the mantissa correctly bumps the exponent.
        const int shift = 23 - s.mbits;
        uint32_t b = std::bit_cast<uint32_t>(a);
        b += (1u << (shift - 1)) - 1 + ((b >> shift) & 1u);
        b &= ~((1u << shift) - 1);
        r = std::bit_cast<float>(b);
    } else {
        // Subnormal element: adding 2^(emin - mbits + 23) puts the element's ulp, 2^(emin -
        // mbits), at the last fp32 mantissa bit, so the FPU's own rounding (to nearest even)
        // rounds onto the subnormal grid; subtracting it back is exact.
        const float magic = std::ldexp(1.0f, emin - s.mbits + 23);
        r = (a + magic) - magic;
    }
    r = std::min(r, s.maxFinite); // saturate (also catches a rounding carry past the top)
    return std::copysign(r, x);
}

uint32_t encodeMinifloat(float x, const MinifloatSpec& s) {
    const float r = roundToMinifloat(x, s);
    const uint32_t sign = std::signbit(r) ? 1u << (s.ebits + s.mbits) : 0u;
    const float a = std::fabs(r);
    if (a == 0) return sign;
    const int emin = 1 - s.bias;
    if (a < std::ldexp(1.0f, emin)) // subnormal: exponent field 0, mantissa = a / ulp
        return sign | uint32_t(std::ldexp(a, s.mbits - emin));
    const int e = std::ilogb(a);
    const uint32_t mant = uint32_t(std::ldexp(a, s.mbits - e)) - (1u << s.mbits);
    return sign | uint32_t(e + s.bias) << s.mbits | mant;
}

float decodeMinifloat(uint32_t code, const MinifloatSpec& s) {
    const uint32_t mantMask = (1u << s.mbits) - 1, expMask = (1u << s.ebits) - 1;
    const uint32_t mant = code & mantMask, exp = (code >> s.mbits) & expMask;
    const bool neg = (code >> (s.ebits + s.mbits)) & 1u;
    float v = exp == 0 ? std::ldexp(float(mant), 1 - s.bias - s.mbits)
                       : std::ldexp(float(mant | (1u << s.mbits)), int(exp) - s.bias - s.mbits);
    if (v > s.maxFinite) // codes above the largest finite value: E5M2 Inf/NaN, E4M3 NaN
        v = (s.ebits == 5 && mant == 0) ? std::numeric_limits<float>::infinity()
                                        : std::numeric_limits<float>::quiet_NaN();
    return neg ? -v : v;
}

int mxScaleExponent(float amax, const MinifloatSpec& s) {
    if (!(amax > 0)) return -127;
    return std::clamp(std::ilogb(amax) - s.emax(), -127, 127);
}

const float kNf4Code[16] = {-1.0f,
                            -0.6961928009986877f,
                            -0.5250730514526367f,
                            -0.39491748809814453f,
                            -0.28444138169288635f,
                            -0.18477343022823334f,
                            -0.09105003625154495f,
                            0.0f,
                            0.07958029955625534f,
                            0.16093020141124725f,
                            0.24611230194568634f,
                            0.33791524171829224f,
                            0.44070982933044434f,
                            0.5626170039176941f,
                            0.7229568362236023f,
                            1.0f};

namespace {

// Decision thresholds halfway between neighbouring codes; t above threshold i picks code i + 1.
struct Nf4Thresholds {
    float mid[15];
    Nf4Thresholds() {
        for (int i = 0; i < 15; ++i) mid[i] = 0.5f * (kNf4Code[i] + kNf4Code[i + 1]);
    }
};
const Nf4Thresholds kNf4Mid;

} // namespace

int nf4Nearest(float t) {
    int i = 0;
    while (i < 15 && t > kNf4Mid.mid[i]) ++i;
    return i;
}

// ---- Reference kernels -----------------------------------------------------------------------
// The readable scalar twins of the Highway kernels (minifloat_simd-inl.h), which must match them
// bit for bit; the formats below run the Highway ones.

namespace quant_detail {

const float* nf4Midpoints() {
    return kNf4Mid.mid;
}

namespace {

// One group, given the largest magnitude of its elements.
void qdqGroupRef(const float* x, float* y, int64_t n, MinifloatScale kind,
                 const MinifloatSpec& spec, float amax) {
    switch (kind) {
    case MinifloatScale::Mx: {
        // Power-of-two scale: both multiplications are exact (see minifloat_formats.h).
        const int k = mxScaleExponent(amax, spec);
        const float down = std::ldexp(1.0f, -k), up = std::ldexp(1.0f, k);
        for (int64_t i = 0; i < n; ++i) y[i] = roundToMinifloat(x[i] * down, spec) * up;
        break;
    }
    case MinifloatScale::Nf4: {
        const float s = roundScaleToFp16(amax);
        if (s == 0) return std::fill(y, y + n, 0.0f);
        for (int64_t i = 0; i < n; ++i) y[i] = kNf4Code[nf4Nearest(x[i] / s)] * s;
        break;
    }
    case MinifloatScale::Fp16: {
        const float s = roundScaleToFp16(amax / spec.maxFinite);
        if (s == 0) return std::fill(y, y + n, 0.0f);
        for (int64_t i = 0; i < n; ++i) y[i] = roundToMinifloat(x[i] / s, spec) * s;
        break;
    }
    }
}

} // namespace

int64_t minifloatGroupQdqRef(const float* src, float* dst, int64_t rows, int64_t cols,
                             int64_t group, MinifloatScale scale, const MinifloatSpec& spec) {
    for (int64_t at = 0; at < rows * cols; at += group) {
        float amax = 0;
        for (int64_t i = 0; i < group; ++i) {
            if (!std::isfinite(src[at + i])) return at;
            amax = std::max(amax, std::fabs(src[at + i]));
        }
        qdqGroupRef(src + at, dst + at, group, scale, spec, amax);
    }
    return -1;
}

void minifloatScaledRef(const float* x, float* y, int64_t n, float s, const MinifloatSpec& spec) {
    // A scale below the fp32 normal range would make x / s inexact; such a tensor (|w| < 1e-35)
    // is zero for every practical purpose.
    for (int64_t i = 0; i < n; ++i)
        y[i] = s >= std::numeric_limits<float>::min() ? roundToMinifloat(x[i] / s, spec) * s : 0.0f;
}

} // namespace quant_detail

namespace {

enum class Kind { TensorScaled, GroupScaled, Mx, Nf4 };

class MinifloatFormat : public QuantFormat {
public:
    MinifloatFormat(std::string name, Kind kind, MinifloatSpec spec, int64_t group,
                    std::string description)
        : m_name(std::move(name)), m_kind(kind), m_spec(spec), m_group(group),
          m_description(std::move(description)) {}

    std::string name() const override { return m_name; }
    std::string family() const override {
        return m_kind == Kind::Mx ? "mx" : m_kind == Kind::Nf4 ? "nf" : "minifloat";
    }
    std::string description() const override { return m_description; }
    int nominalBits() const override {
        return m_kind == Kind::Nf4 ? 4 : 1 + m_spec.ebits + m_spec.mbits;
    }
    double bitsPerWeight(int64_t) const override {
        const double scaleBits = m_kind == Kind::Mx ? 8.0 : 16.0; // E8M0 vs fp16
        if (m_kind == Kind::TensorScaled) return nominalBits();
        return nominalBits() + scaleBits / double(m_group);
    }
    std::string checkShape(int64_t rows, int64_t cols) const override {
        if (m_kind == Kind::TensorScaled) return rows < 0 || cols < 0 ? "negative shape" : "";
        return quant_detail::groupShapeProblem(rows, cols, m_group);
    }

    void quantizeDequantize(const float* src, float* dst, int64_t rows, int64_t cols,
                            const QuantContext& ctx) const override {
        quant_detail::requireShape(*this, ctx, rows, cols);
        if (rows == 0 || cols == 0) return;
        if (m_kind == Kind::TensorScaled) return quantizeTensorScaled(src, dst, rows, cols, ctx);
        const quant_detail::MinifloatScale scale =
            m_kind == Kind::Mx    ? quant_detail::MinifloatScale::Mx
            : m_kind == Kind::Nf4 ? quant_detail::MinifloatScale::Nf4
                                  : quant_detail::MinifloatScale::Fp16;
        const bool stream = quant_detail::streamOutput(rows, cols);
        quant_detail::forEachRows(rows, cols, [&](int64_t r0, int64_t r1) {
            const int64_t at = r0 * cols;
            const int64_t bad = quant_detail::minifloatGroupQdqSimd(
                src + at, dst + at, r1 - r0, cols, m_group, scale, m_spec, stream);
            if (bad >= 0) {
                const int64_t r = r0 + bad / cols;
                quant_detail::throwNonFinite(ctx, src + r * cols, 1, cols, r);
            }
        });
    }

private:
    void quantizeTensorScaled(const float* src, float* dst, int64_t rows, int64_t cols,
                              const QuantContext& ctx) const {
        // Largest magnitude per row in parallel (NaN marks a row holding NaN or Inf), then the
        // first bad row, if any, is reported as a row-by-row scan would find it.
        std::vector<float> rowMax(static_cast<size_t>(rows));
        quant_detail::forEachRows(rows, cols, [&](int64_t r0, int64_t r1) {
            for (int64_t r = r0; r < r1; ++r)
                if (!quant_detail::absMaxSimd(src + r * cols, cols, &rowMax[size_t(r)]))
                    rowMax[size_t(r)] = std::numeric_limits<float>::quiet_NaN();
        });
        float amax = 0;
        for (int64_t r = 0; r < rows; ++r) {
            if (std::isnan(rowMax[size_t(r)]))
                quant_detail::throwNonFinite(ctx, src + r * cols, 1, cols, r);
            amax = std::max(amax, rowMax[size_t(r)]);
        }
        // fp32 scale: one per tensor, so its storage is negligible and fp16 rounding would only
        // add error.
        const float s = amax / m_spec.maxFinite;
        const bool stream = quant_detail::streamOutput(rows, cols);
        quant_detail::forEachRows(rows, cols, [&](int64_t r0, int64_t r1) {
            quant_detail::minifloatScaledSimd(src + r0 * cols, dst + r0 * cols, (r1 - r0) * cols, s,
                                              m_spec, stream);
        });
    }

    std::string m_name;
    Kind m_kind;
    MinifloatSpec m_spec;
    int64_t m_group;
    std::string m_description;
};

} // namespace

void quant_detail::appendMinifloatFormats(FormatList& out) {
    auto add = [&](const char* name, Kind kind, MinifloatSpec spec, int64_t group,
                   const char* description) {
        out.push_back(std::make_unique<MinifloatFormat>(name, kind, spec, group, description));
    };
    add("fp8_e4m3", Kind::TensorScaled, kFp8E4M3, 0, "FP8 E4M3 (OCP), fp32 scale per tensor");
    add("fp8_e5m2", Kind::TensorScaled, kFp8E5M2, 0, "FP8 E5M2 (OCP), fp32 scale per tensor");
    add("fp6_e3m2_g32", Kind::GroupScaled, kFp6E3M2, 32, "FP6 E3M2, fp16 scale per 32 weights");
    add("fp6_e2m3_g32", Kind::GroupScaled, kFp6E2M3, 32, "FP6 E2M3, fp16 scale per 32 weights");
    add("fp4_e2m1_g32", Kind::GroupScaled, kFp4E2M1, 32, "FP4 E2M1, fp16 scale per 32 weights");
    add("mxfp8_e4m3", Kind::Mx, kFp8E4M3, 32, "OCP MXFP8 E4M3: E8M0 scale per 32 weights");
    add("mxfp8_e5m2", Kind::Mx, kFp8E5M2, 32, "OCP MXFP8 E5M2: E8M0 scale per 32 weights");
    add("mxfp6_e3m2", Kind::Mx, kFp6E3M2, 32, "OCP MXFP6 E3M2: E8M0 scale per 32 weights");
    add("mxfp6_e2m3", Kind::Mx, kFp6E2M3, 32, "OCP MXFP6 E2M3: E8M0 scale per 32 weights");
    add("mxfp4", Kind::Mx, kFp4E2M1, 32, "OCP MXFP4 (E2M1): E8M0 scale per 32 weights");
    add("nf4_g64", Kind::Nf4, kFp4E2M1, 64, "NormalFloat4 (QLoRA), fp16 absmax per 64 weights");
    add("nf4_g128", Kind::Nf4, kFp4E2M1, 128, "NormalFloat4 (QLoRA), fp16 absmax per 128 weights");
}

} // namespace qs
