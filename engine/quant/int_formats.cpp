// Uniform integer formats (see int_formats.h for the grammar and the bit accounting), plus the
// helpers every non-float family shares: finiteness checks, shape checks, fp16 scales and the
// row-parallel driver.
#include "quant/int_formats.h"

#include "core/dtype.h"
#include "core/error.h"
#include "quant/format_families.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <vector>

namespace qs {

namespace quant_detail {

// ---- Shared helpers --------------------------------------------------------------------------

void throwNonFinite(const QuantContext& ctx, const float* src, int64_t rows, int64_t cols,
                    int64_t firstRow) {
    const int64_t n = rows * cols;
    for (int64_t i = 0; i < n; ++i)
        if (!std::isfinite(src[i]))
            throw Error("tensor " + ctx.tensorName + " holds a non-finite value (" +
                        std::to_string(src[i]) + ") at row " + std::to_string(firstRow + i / cols) +
                        ", column " + std::to_string(i % cols));
    throw Error("tensor " + ctx.tensorName + " holds a non-finite value");
}

void requireFinite(const QuantContext& ctx, const float* src, int64_t rows, int64_t cols,
                   int64_t firstRow) {
    const int64_t n = rows * cols;
    // v - v is NaN exactly for NaN and Inf; summing keeps the loop branch-free.
    float bad = 0;
    for (int64_t i = 0; i < n; ++i) bad += src[i] - src[i];
    if (bad != 0 || std::isnan(bad)) throwNonFinite(ctx, src, rows, cols, firstRow);
}

std::string groupShapeProblem(int64_t rows, int64_t cols, int64_t group) {
    if (rows < 0 || cols < 0) return "negative shape";
    if (cols % group != 0)
        return "row length " + std::to_string(cols) + " is not a multiple of " +
               std::to_string(group);
    return {};
}

void requireShape(const QuantFormat& f, const QuantContext& ctx, int64_t rows, int64_t cols) {
    if (std::string why = f.checkShape(rows, cols); !why.empty())
        throw Error("tensor " + ctx.tensorName + " cannot be stored as " + f.name() + ": " + why);
}

float roundScaleToFp16(float s) {
    constexpr float kFp16Max = 65504.0f;
    if (!(s < kFp16Max)) return s > 0 ? kFp16Max : 0.0f; // also maps Inf (range overflow)
    return fp16ToFloat(floatToFp16(s));
}

float roundScaleUpToFp16(float s) {
    return roundScaleUpToFp16Inline(s);
}

void forEachRowBlock(int64_t rows, int64_t cols, void (*body)(void*, int64_t, int64_t),
                     void* state) {
    // A TBB fork/join costs a few microseconds: tasks of at least 64K weights (256 KB) keep that
    // below 1% of the work, and small tensors stay on the calling thread.
    constexpr int64_t kTaskWeights = int64_t(1) << 16;
    if (rows <= 1 || rows * cols < 2 * kTaskWeights) {
        body(state, 0, rows);
        return;
    }
    const int64_t grain = std::max<int64_t>(1, kTaskWeights / std::max<int64_t>(cols, 1));
    tbb::parallel_for(
        tbb::blocked_range<int64_t>(0, rows, size_t(grain)),
        [&](const tbb::blocked_range<int64_t>& r) { body(state, r.begin(), r.end()); });
}

// ---- Integer parameters ----------------------------------------------------------------------

IntParams intParamsSym(int bits, float amax) {
    return intParamsSymInline(bits, amax);
}

IntParams intParamsAsym(int bits, float minv, float maxv) {
    const float qmax = float((1 << bits) - 1);
    const float lo = std::min(minv, 0.0f), hi = std::max(maxv, 0.0f);
    IntParams p;
    p.lo = 0;
    p.hi = qmax;
    const float range = hi - lo; // may overflow to Inf near FLT_MAX; the scale then saturates
    if (!(range > 0)) return p;
    auto setScale = [&](float scale) {
        p.scale = scale;
        p.inv = 1.0f / scale;
        // + 0.0f turns a -0 zero point into +0, so q - zero never depends on the sign of zero.
        p.zero = std::clamp(std::nearbyint(-lo / scale), 0.0f, qmax) + 0.0f;
    };
    // Unclamped: an end that only reaches its code by clamping lies beyond scale / 2.
    auto code = [&](float w) { return std::nearbyint(w * p.inv) + p.zero; };
    // The fp16 scale next above range / qmax spans the group; the bottom always lands on code 0
    // (round(-a) + round(a) = 0), but with the zero point rounded separately the top can fall
    // one level short, and re-quantizing the output would then find a smaller range. The fp16
    // value just below spans slightly less than the range, so the top always reaches code qmax
    // (possibly by clamping, up to qmax fp16 ulps of the scale beyond the last level). Either
    // way the output's min and max reproduce this scale and zero point, so quantizing the output
    // again changes nothing.
    const float up = roundScaleUpToFp16(range / qmax);
    setScale(up);
    if (code(hi) == qmax) return p;
    const uint16_t h = floatToFp16(up);
    if (h > 1) setScale(fp16ToFloat(uint16_t(h - 1))); // else: 2^-24, nothing below to try
    return p;
}

namespace {

// The scalar twin of the SIMD kernels' element step (int_simd-inl.h: ApplyInline).
inline float qdqNearest(float w, const IntParams& p) {
    float q = std::nearbyint(w * p.inv);
    q = std::min(std::max(q + p.zero, p.lo), p.hi);
    return (q - p.zero) * p.scale;
}

// Stochastic rounding: floor(w / scale + u). u comes from a counter-based hash of the seed and
// the element's flat index, so the result does not depend on how rows are split over threads.
inline uint64_t mix64(uint64_t z) { // splitmix64 finalizer: full avalanche
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

inline float qdqStochastic(float w, const IntParams& p, uint64_t seed, uint64_t index) {
    if (p.scale == 0) return 0.0f;
    const uint64_t h = mix64(mix64(seed ^ 0x9e3779b97f4a7c15ull) + index);
    const double u = double(h >> 40) * 0x1p-24; // 24 random bits in [0, 1)
    double q = std::floor(double(w) / double(p.scale) + u) + double(p.zero);
    q = std::min(std::max(q, double(p.lo)), double(p.hi));
    return float((q - double(p.zero)) * double(p.scale));
}

bool minMaxRef(const float* x, int64_t n, float* mn, float* mx) {
    float lo = 0, hi = 0;
    for (int64_t i = 0; i < n; ++i) {
        if (!std::isfinite(x[i])) return false;
        lo = i ? std::min(lo, x[i]) : x[i];
        hi = i ? std::max(hi, x[i]) : x[i];
    }
    *mn = lo;
    *mx = hi;
    return true;
}

} // namespace

int64_t intGroupQdqRef(const float* src, float* dst, int64_t rows, int64_t cols, int64_t group,
                       int bits, bool asym) {
    for (int64_t r = 0; r < rows; ++r) {
        for (int64_t c = 0; c < cols; c += group) {
            const int64_t at = r * cols + c;
            float mn, mx;
            if (!minMaxRef(src + at, group, &mn, &mx)) return at;
            const IntParams p =
                asym ? intParamsAsym(bits, mn, mx) : intParamsSym(bits, std::max(-mn, mx));
            for (int64_t i = 0; i < group; ++i) dst[at + i] = qdqNearest(src[at + i], p);
        }
    }
    return -1;
}

} // namespace quant_detail

// ---- Names -----------------------------------------------------------------------------------

std::string IntFormatSpec::name() const {
    std::string s = "int";
    s += std::to_string(bits);
    s += '_';
    switch (granularity) {
    case Granularity::Tensor:
        s += "t";
        break;
    case Granularity::Channel:
        s += "c";
        break;
    case Granularity::Group:
        s += 'g';
        s += std::to_string(group);
        break;
    }
    s += asymmetric ? "_asym" : "_sym";
    if (clipSearch) s += "_clip";
    if (rounding == Rounding::Stochastic) s += "_sr";
    return s;
}

bool parseIntFormatSpec(std::string_view name, IntFormatSpec* out) {
    std::string s(name);
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    std::vector<std::string_view> parts;
    for (std::string_view rest = s;;) {
        const size_t cut = rest.find('_');
        parts.push_back(rest.substr(0, cut));
        if (cut == std::string_view::npos) break;
        rest.remove_prefix(cut + 1);
    }
    if (parts.size() < 3 || parts.size() > 4) return false;
    auto number = [](std::string_view t, int64_t* v) {
        if (t.empty() || t.size() > 5) return false;
        auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), *v);
        return ec == std::errc() && p == t.data() + t.size();
    };
    IntFormatSpec spec;
    int64_t k = 0;
    if (parts[0].substr(0, 3) != "int" || !number(parts[0].substr(3), &k) || k < 1 || k > 8)
        return false;
    spec.bits = int(k);
    if (parts[1] == "t") {
        spec.granularity = IntFormatSpec::Granularity::Tensor;
    } else if (parts[1] == "c") {
        spec.granularity = IntFormatSpec::Granularity::Channel;
    } else if (parts[1].size() > 1 && parts[1][0] == 'g') {
        int64_t g = 0;
        if (!number(parts[1].substr(1), &g) || g < 8 || g > 8192 || (g & (g - 1)) != 0)
            return false;
        spec.granularity = IntFormatSpec::Granularity::Group;
        spec.group = g;
    } else {
        return false;
    }
    if (parts[2] == "asym")
        spec.asymmetric = true;
    else if (parts[2] != "sym")
        return false;
    if (parts.size() == 4) {
        if (parts[3] == "clip")
            spec.clipSearch = true;
        else if (parts[3] == "sr")
            spec.rounding = IntFormatSpec::Rounding::Stochastic;
        else
            return false;
    }
    if (spec.bits == 1 && !spec.asymmetric) return false; // see binary_c
    *out = spec;
    return true;
}

// ---- The format ------------------------------------------------------------------------------

namespace {

using quant_detail::IntParams;

class IntegerFormat : public QuantFormat {
public:
    explicit IntegerFormat(const IntFormatSpec& spec) : m_spec(spec), m_name(spec.name()) {}

    std::string name() const override { return m_name; }
    std::string family() const override { return "int"; }
    int nominalBits() const override { return m_spec.bits; }

    std::string description() const override {
        std::string d = std::to_string(m_spec.bits) + "-bit integer, ";
        d += m_spec.asymmetric ? "asymmetric (fp16 scale + integer zero point)"
                               : "symmetric (fp16 scale)";
        switch (m_spec.granularity) {
        case IntFormatSpec::Granularity::Tensor:
            d += " per tensor";
            break;
        case IntFormatSpec::Granularity::Channel:
            d += " per output channel";
            break;
        case IntFormatSpec::Granularity::Group:
            d += " per " + std::to_string(m_spec.group) + " weights";
            break;
        }
        if (m_spec.clipSearch) d += ", MSE-optimal clipping";
        d += m_spec.rounding == IntFormatSpec::Rounding::Stochastic ? ", stochastic rounding"
                                                                    : ", round to nearest";
        return d;
    }

    double bitsPerWeight(int64_t cols) const override {
        const double perScale = 16.0 + (m_spec.asymmetric ? m_spec.bits : 0);
        switch (m_spec.granularity) {
        case IntFormatSpec::Granularity::Tensor:
            return m_spec.bits;
        case IntFormatSpec::Granularity::Channel:
            return m_spec.bits + (cols > 0 ? perScale / double(cols) : 0.0);
        case IntFormatSpec::Granularity::Group:
            break;
        }
        return m_spec.bits + perScale / double(m_spec.group);
    }

    std::string checkShape(int64_t rows, int64_t cols) const override {
        if (m_spec.granularity == IntFormatSpec::Granularity::Group)
            return quant_detail::groupShapeProblem(rows, cols, m_spec.group);
        return rows < 0 || cols < 0 ? "negative shape" : "";
    }

    void quantizeDequantize(const float* src, float* dst, int64_t rows, int64_t cols,
                            const QuantContext& ctx) const override {
        quant_detail::requireShape(*this, ctx, rows, cols);
        if (rows == 0 || cols == 0) return;
        if (m_spec.granularity == IntFormatSpec::Granularity::Tensor)
            return quantizeTensorWide(src, dst, rows, cols, ctx);
        const int64_t group =
            m_spec.granularity == IntFormatSpec::Granularity::Group ? m_spec.group : cols;
        const bool plain =
            !m_spec.clipSearch && m_spec.rounding == IntFormatSpec::Rounding::Nearest;
        const bool stream = quant_detail::streamOutput(rows, cols);
        quant_detail::forEachRows(rows, cols, [&](int64_t r0, int64_t r1) {
            const int64_t at = r0 * cols;
            if (plain) {
                if (quant_detail::intGroupQdqSimd(src + at, dst + at, r1 - r0, cols, group,
                                                  m_spec.bits, m_spec.asymmetric, stream) >= 0)
                    quant_detail::throwNonFinite(ctx, src + at, r1 - r0, cols, r0);
                return;
            }
            for (int64_t r = r0; r < r1; ++r)
                for (int64_t c = 0; c < cols; c += group) {
                    const int64_t g = r * cols + c;
                    float mn, mx;
                    if (!quant_detail::minMaxRef(src + g, group, &mn, &mx))
                        quant_detail::throwNonFinite(ctx, src + r * cols, 1, cols, r);
                    const IntParams p = params(src + g, group, c, cols, 1, mn, mx, ctx);
                    apply(src + g, dst + g, group, p, uint64_t(g), ctx);
                }
        });
    }

private:
    void quantizeTensorWide(const float* src, float* dst, int64_t rows, int64_t cols,
                            const QuantContext& ctx) const {
        float mn = 0, mx = 0;
        for (int64_t r = 0; r < rows; ++r) {
            float a, b;
            if (!quant_detail::intMinMaxSimd(src + r * cols, cols, &a, &b))
                quant_detail::throwNonFinite(ctx, src + r * cols, 1, cols, r);
            mn = r ? std::min(mn, a) : a;
            mx = r ? std::max(mx, b) : b;
        }
        const IntParams p = params(src, cols, 0, cols, rows, mn, mx, ctx);
        quant_detail::forEachRows(rows, cols, [&](int64_t r0, int64_t r1) {
            for (int64_t r = r0; r < r1; ++r) {
                if (m_spec.rounding == IntFormatSpec::Rounding::Nearest)
                    quant_detail::intApplySimd(src + r * cols, dst + r * cols, cols, p);
                else
                    apply(src + r * cols, dst + r * cols, cols, p, uint64_t(r * cols), ctx);
            }
        });
    }

    IntParams rawParams(float mn, float mx, float ratio) const {
        return m_spec.asymmetric
                   ? quant_detail::intParamsAsym(m_spec.bits, mn * ratio, mx * ratio)
                   : quant_detail::intParamsSym(m_spec.bits, std::max(-mn, mx) * ratio);
    }

    // Parameters of one scale group: `nrows` runs of `n` weights, `stride` apart, starting at
    // column `col0`. With _clip, the clip ratio with the least (importance-weighted) squared
    // round-to-nearest error; ratio 1.0 is tried first and kept on ties.
    IntParams params(const float* x, int64_t n, int64_t col0, int64_t stride, int64_t nrows,
                     float mn, float mx, const QuantContext& ctx) const {
        if (!m_spec.clipSearch) return rawParams(mn, mx, 1.0f);
        // 1.0 down to 0.5 in steps of 0.05: below half the range the clipped tail dominates the
        // error for any bell-shaped weight distribution, so smaller ratios never win in practice.
        constexpr int kRatios = 11;
        IntParams best{};
        double bestErr = std::numeric_limits<double>::infinity();
        for (int i = 0; i < kRatios; ++i) {
            const IntParams p = rawParams(mn, mx, 1.0f - 0.05f * float(i));
            double err = 0;
            for (int64_t r = 0; r < nrows; ++r)
                for (int64_t j = 0; j < n; ++j) {
                    const float w = x[r * stride + j];
                    const double e = double(w) - double(quant_detail::qdqNearest(w, p));
                    err += (ctx.importance ? double(ctx.importance[col0 + j]) : 1.0) * e * e;
                }
            if (err < bestErr) bestErr = err, best = p;
        }
        return best;
    }

    void apply(const float* x, float* y, int64_t n, const IntParams& p, uint64_t index0,
               const QuantContext& ctx) const {
        if (m_spec.rounding == IntFormatSpec::Rounding::Nearest)
            for (int64_t i = 0; i < n; ++i) y[i] = quant_detail::qdqNearest(x[i], p);
        else
            for (int64_t i = 0; i < n; ++i)
                y[i] = quant_detail::qdqStochastic(x[i], p, ctx.seed, index0 + uint64_t(i));
    }

    IntFormatSpec m_spec;
    std::string m_name;
};

} // namespace

std::unique_ptr<QuantFormat> makeIntegerFormat(const IntFormatSpec& spec) {
    return std::make_unique<IntegerFormat>(spec);
}

std::unique_ptr<QuantFormat> parseIntegerFormat(std::string_view name) {
    IntFormatSpec spec;
    if (!parseIntFormatSpec(name, &spec)) return nullptr;
    return makeIntegerFormat(spec);
}

void quant_detail::appendIntegerFormats(FormatList& out) {
    auto add = [&](std::string_view name) { out.push_back(parseIntegerFormat(name)); };
    // Per bit width, widest groups first; 1-bit exists only asymmetric.
    for (int k = 8; k >= 1; --k) {
        const std::string p = "int" + std::to_string(k) + "_";
        for (const char* g : {"g128", "g64", "g32", "c"}) {
            if (k > 1) add(p + g + "_sym");
            add(p + g + "_asym");
        }
        if (k == 8 || k == 4) add(p + "t_sym"), add(p + "t_asym");
    }
    for (int k = 4; k >= 1; --k)
        for (const char* g : {"g128", "g32"}) {
            const std::string p = "int" + std::to_string(k) + "_" + g;
            if (k > 1) add(p + "_sym_clip");
            add(p + "_asym_clip");
        }
    for (int k = 4; k >= 2; --k)
        for (const char* s : {"_sym_sr", "_asym_sr"}) add("int" + std::to_string(k) + "_g32" + s);
}

} // namespace qs
