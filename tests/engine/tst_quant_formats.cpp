// The non-ggml weight formats: integer (int_formats.h), minifloat/MX/NF4 (minifloat_formats.h)
// and low-bit (lowbit_formats.h). Hand-computed examples per family, properties over every
// family (idempotence, error bounds, exact round trips, zeros, constants, subnormals, NaN/Inf),
// stochastic rounding and clip search, and the Highway kernels against their scalar twins.
#include "core/dtype.h"
#include "core/error.h"
#include "quant/int_formats.h"
#include "quant/lowbit_formats.h"
#include "quant/minifloat_formats.h"
#include "quant/quant_format.h"
#include "simd_targets.h"

#include <hwy/targets.h>

#include <QObject>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace {

using qs::test::TargetScope;

using Floats = std::vector<float>;

// ---- Named tolerances ------------------------------------------------------------------------

// fp16 rounding of a scale changes it by at most 2^-11 relative; 2^-10 also covers the fp32
// division that precedes it.
constexpr double kScaleRel = 0x1p-10;
// RTN computes round(w * (1/scale)): the reciprocal and the product each round once (2^-24
// relative), so w * inv can sit up to ~qmax * 2^-23 from w / scale; 2^-16 of the scale covers
// qmax <= 255 with margin. The same slack covers the final product's rounding.
constexpr double kRecipSlack = 0x1p-16;
// Asymmetric integer formats may pick the fp16 scale just below range / qmax so that the group's
// max keeps the top code (int_formats.h): the max can then overshoot the top level by up to qmax
// fp16 ulps of the scale, i.e. 2^-10 of the range.
constexpr double kAsymTopSlack = 0x1p-10;
// Largest half-gap between neighbouring NF4 codes: (-0.6961928 - -1) / 2.
constexpr double kNf4HalfGap = 0.15191;
// Dequantized fp32 products of a tensor-wide fp32 scale may differ by an ulp between q(x) and
// q(q(x)) since the fp32 scale itself is recomputed from the rounded amax.
constexpr double kFp32ScaleUlps = 4 * 0x1p-24;
// Stochastic rounding tests: the mean of N draws has standard deviation <= scale / (2 sqrt N);
// 5 sigma makes a false failure a < 1e-6 event for a fixed seed set (and the seeds are fixed).
constexpr double kSrSigmas = 5.0;

Floats gaussian(size_t n, uint32_t seed, float sigma = 1.0f) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, sigma);
    Floats v(n);
    for (float& x : v) x = dist(rng);
    return v;
}

// Registered formats by name, else any valid integer name through the parser (kept alive).
const qs::QuantFormat& fmt(const std::string& name) {
    if (const qs::QuantFormat* f = qs::findQuantFormat(name)) return *f;
    static std::map<std::string, std::unique_ptr<qs::QuantFormat>> parsed;
    auto& slot = parsed[name];
    if (!slot) slot = qs::parseIntegerFormat(name);
    if (!slot) throw qs::Error("no format " + name);
    return *slot;
}

Floats qdq(const std::string& name, const Floats& x, int64_t rows, int64_t cols,
           const qs::QuantContext& ctx = {}) {
    Floats y(x.size());
    fmt(name).quantizeDequantize(x.data(), y.data(), rows, cols, ctx);
    return y;
}

qs::QuantContext seeded(uint64_t seed) {
    qs::QuantContext ctx;
    ctx.seed = seed;
    return ctx;
}

bool sameBits(float a, float b) {
    return std::memcmp(&a, &b, sizeof a) == 0;
}

// QCOMPARE on floats is fuzzy (relative 1e-5, and |x| <= 1e-5 counts as zero); quantized values
// are exact, so they are compared exactly (-0 == +0; sign checks use sameBits).
#define QEXACT(actual, expected)                                                                   \
    do {                                                                                           \
        const double a_ = double(actual), e_ = double(expected);                                   \
        if (!(a_ == e_))                                                                           \
            QFAIL(qPrintable(QString("%1 = %2, expected %3 = %4")                                  \
                                 .arg(#actual)                                                     \
                                 .arg(a_, 0, 'g', 12)                                              \
                                 .arg(#expected)                                                   \
                                 .arg(e_, 0, 'g', 12)));                                           \
    } while (0)

// Representative formats for the property tests; every registered non-float, non-ggml family.
const char* const kPropertyFormats[] = {
    "int8_g128_sym", "int8_c_asym",   "int8_t_sym",    "int4_t_asym",   "int4_g128_sym",
    "int4_g32_asym", "int4_c_sym",    "int3_g32_sym",  "int2_g64_asym", "int2_g32_sym",
    "int1_g32_asym", "int5_g64_asym", "int6_g128_sym", "fp8_e4m3",      "fp8_e5m2",
    "fp6_e3m2_g32",  "fp6_e2m3_g32",  "fp4_e2m1_g32",  "mxfp8_e4m3",    "mxfp8_e5m2",
    "mxfp6_e3m2",    "mxfp6_e2m3",    "mxfp4",         "nf4_g64",       "nf4_g128",
    "ternary_t",     "ternary_c",     "binary_c",      "log4",          "log3"};

// Formats whose rounding is not a pure function of the weights' grid (kept out of idempotence).
const char* const kSearchFormats[] = {"int4_g32_sym_clip", "int2_g128_asym_clip", "int4_g32_sym_sr",
                                      "int3_g32_asym_sr"};

bool isInt(const std::string& n) {
    return n.rfind("int", 0) == 0;
}

qs::MinifloatSpec elementSpec(const std::string& n) {
    if (n.find("e4m3") != std::string::npos) return qs::kFp8E4M3;
    if (n.find("e5m2") != std::string::npos) return qs::kFp8E5M2;
    if (n.find("e3m2") != std::string::npos) return qs::kFp6E3M2;
    if (n.find("e2m3") != std::string::npos) return qs::kFp6E2M3;
    return qs::kFp4E2M1;
}

// Elements that share one scale with element (r, c): the bound helpers need the group's range.
struct GroupView {
    float mn = 0, mx = 0;
};
GroupView groupOf(const std::string& n, const Floats& x, int64_t rows, int64_t cols, int64_t r,
                  int64_t c) {
    int64_t g = cols, r0 = r, r1 = r + 1;
    if (n.find("_t_") != std::string::npos || n == "fp8_e4m3" || n == "fp8_e5m2")
        r0 = 0, r1 = rows;
    else if (n.find("_g32") != std::string::npos || n.rfind("mx", 0) == 0)
        g = 32;
    else if (n.find("_g64") != std::string::npos)
        g = 64;
    else if (n.find("_g128") != std::string::npos)
        g = 128;
    const int64_t c0 = c / g * g;
    GroupView v{x[size_t(r0 * cols + c0)], x[size_t(r0 * cols + c0)]};
    for (int64_t i = r0; i < r1; ++i)
        for (int64_t j = c0; j < c0 + g; ++j) {
            v.mn = std::min(v.mn, x[size_t(i * cols + j)]);
            v.mx = std::max(v.mx, x[size_t(i * cols + j)]);
        }
    return v;
}

// Upper bound of |x - q(x)| for one element, from the format's definition (not its code).
double errorBound(const std::string& n, float xf, const GroupView& g) {
    const double x = std::fabs(double(xf));
    const double amax = std::max(-double(g.mn), double(g.mx));
    if (isInt(n)) {
        const int k = n[3] - '0';
        const bool asym = n.find("asym") != std::string::npos;
        const double range =
            asym ? std::max(double(g.mx), 0.0) - std::min(double(g.mn), 0.0) : amax;
        const double qmax = asym ? (1 << k) - 1 : (1 << (k - 1)) - 1;
        const double s = range / qmax * (1 + kScaleRel);
        return s * (0.5 + kRecipSlack) + (asym ? range * kAsymTopSlack : 0.0);
    }
    if (n.rfind("nf4", 0) == 0) return amax * (1 + kScaleRel) * kNf4HalfGap + x * kScaleRel;
    if (n.rfind("log", 0) == 0) {
        const int emaxCode = (1 << (n[3] - '0' - 1)) - 2;
        return x / 3 + amax * (1 + kScaleRel) * std::ldexp(0.5, -emaxCode) + x * kScaleRel;
    }
    // Minifloats: half an element ulp relative, half the subnormal spacing absolute, and for MX
    // the saturation of the block's top (v / X may reach 2^(emax+1) > maxFinite).
    const qs::MinifloatSpec s = elementSpec(n);
    const int emin = 1 - s.bias;
    double scale, sat = 0;
    if (n.rfind("mx", 0) == 0) {
        scale = std::ldexp(1.0, std::clamp(std::ilogb(float(amax)) - s.emax(), -127, 127));
        sat = std::max(0.0, x / scale - s.maxFinite) * scale;
    } else {
        scale = amax / s.maxFinite * (1 + kScaleRel);
    }
    return x * std::ldexp(1.0, -s.mbits - 1) * (1 + kScaleRel) +
           scale * std::ldexp(1.0, emin - s.mbits - 1) + sat;
}

using qs::test::targetLabel;
using qs::test::testTargets;

// The element formats by name, for the kernel tests.
const std::pair<const char*, const qs::MinifloatSpec*> kElements[] = {{"e4m3", &qs::kFp8E4M3},
                                                                      {"e5m2", &qs::kFp8E5M2},
                                                                      {"e3m2", &qs::kFp6E3M2},
                                                                      {"e2m3", &qs::kFp6E2M3},
                                                                      {"e2m1", &qs::kFp4E2M1}};

// Every finite value of an element format, ascending (both signs, one zero).
Floats elementGrid(const qs::MinifloatSpec& s) {
    Floats g;
    for (uint32_t c = 0; c < (1u << (1 + s.ebits + s.mbits)); ++c) {
        const float v = qs::decodeMinifloat(c, s);
        if (std::isfinite(v) && !(v == 0 && std::signbit(v))) g.push_back(v);
    }
    std::sort(g.begin(), g.end());
    return g;
}

// First element where two arrays differ bit for bit, as a failure message; empty if none.
QString firstMismatch(const Floats& x, const float* ref, const float* got, size_t n) {
    for (size_t i = 0; i < n; ++i)
        if (!sameBits(ref[i], got[i]))
            return QString("element %1 (x = %2 = %3): reference %4 (%5), SIMD %6 (%7)")
                .arg(i)
                .arg(double(x[i]), 0, 'g', 9)
                .arg(double(x[i]), 0, 'a')
                .arg(double(ref[i]), 0, 'g', 9)
                .arg(double(ref[i]), 0, 'a')
                .arg(double(got[i]), 0, 'g', 9)
                .arg(double(got[i]), 0, 'a');
    return {};
}

// fp16 values (exact in fp16 and with few significant bits) used as scales for exact ties.
const float kTieScales[] = {3.0f,         5.0f,          7.0f,          11.0f,
                            13.0f,        0.1000976562f, 1.099609375f,  1.700195312f,
                            2.298828125f, 9.8984375f,    0.3701171875f, 77.0f};

// Inputs for the minifloat kernel tests: gaussian weights of varied magnitude per group, and in
// the first groups the edge cases (see minifloatSimdMatchesReference).
Floats minifloatEdgeInput(int64_t rows, int64_t cols, int64_t group, const qs::MinifloatSpec& s,
                          uint32_t seed) {
    Floats x = gaussian(size_t(rows * cols), seed);
    std::mt19937 rng(seed);
    const int64_t n = rows * cols, groups = n / group;
    // Magnitudes from 2^-30 to 2^30 per group, so scales and element exponents vary widely.
    for (int64_t g = 0; g < groups; ++g) {
        const float m = std::ldexp(1.0f, int(rng() % 61) - 30);
        for (int64_t i = 0; i < group; ++i) x[size_t(g * group + i)] *= m;
    }
    // Grid points and ties of the element grid at scale 1: a group whose amax is maxFinite gets
    // the fp16 scale 1 (and the MX scale 2^0), so x / s is x and every tie is exact.
    const Floats grid = elementGrid(s);
    auto groupAt = [&](int64_t g) { return g < groups ? x.data() + g * group : nullptr; };
    if (float* y = groupAt(0)) { // zeros of both signs
        for (int64_t i = 0; i < group; ++i) y[i] = i % 3 == 1 ? -0.0f : 0.0f;
    }
    if (float* y = groupAt(1)) { // grid points, midpoints (ties) and their neighbours
        for (int64_t i = 0; i < group; ++i) {
            const size_t k = size_t(i / 4) % (grid.size() - 1);
            const float mid = 0.5f * (grid[k] + grid[k + 1]);
            const float v[4] = {grid[k], mid, std::nextafter(mid, -1e30f),
                                std::nextafter(mid, 1e30f)};
            y[i] = v[i % 4];
        }
        y[0] = s.maxFinite; // pins the scale to 1
    }
    if (float* y = groupAt(2)) { // all equal
        for (int64_t i = 0; i < group; ++i) y[i] = 0.3f;
    }
    if (float* y = groupAt(3)) { // the max, and beyond it after scaling (MX saturation)
        for (int64_t i = 0; i < group; ++i)
            y[i] = i % 2 ? s.maxFinite : std::ldexp(1.0f, s.emax() + 1) * (1 - 0x1p-20f);
        if (group > 2) y[2] = -std::ldexp(1.0f, s.emax() + 1) * 0.99f;
    }
    if (float* y = groupAt(4)) { // fp32 subnormals and tiny values: scales underflow
        for (int64_t i = 0; i < group; ++i) y[i] = (i % 2 ? -1 : 1) * 1e-40f * float(i + 1);
    }
    if (float* y = groupAt(5)) { // one fp32 normal among subnormals
        for (int64_t i = 0; i < group; ++i) y[i] = 3e-39f * float(i);
        y[group - 1] = 1e-30f;
    }
    if (float* y = groupAt(6)) { // huge magnitudes: the fp16 scale saturates at 65504
        for (int64_t i = 0; i < group; ++i) y[i] = 3e37f * float(i % 7) - 1e37f;
    }
    if (float* y = groupAt(7)) { // element subnormals at scale 1: min, ties around it
        const float sub = std::ldexp(1.0f, 1 - s.bias - s.mbits);
        for (int64_t i = 0; i < group; ++i) y[i] = sub * 0.5f * float(i % 9) * (i % 2 ? -1 : 1);
        y[0] = s.maxFinite;
    }
    if (float* y = groupAt(8)) { // NF4 thresholds exactly (absmax 1: fp16 scale 1)
        const float* mid = qs::quant_detail::nf4Midpoints();
        for (int64_t i = 0; i < group; ++i) {
            const float m = mid[size_t(i / 3) % 15];
            y[i] = i % 3 == 0 ? m : std::nextafter(m, i % 3 == 1 ? -2.0f : 2.0f);
        }
        y[0] = 1.0f;
    }
    // Ties at fp16 scales that are not powers of two: x = tie * scale is exact (few bits each),
    // so x / scale is exactly a midpoint while x * (1 / scale) may miss it by an ulp.
    for (size_t j = 0; j < std::size(kTieScales); ++j)
        if (float* y = groupAt(9 + int64_t(j))) {
            const float sc = kTieScales[j];
            for (int64_t i = 0; i < group; ++i) {
                const size_t k = size_t(i / 2 + j) % (grid.size() - 1);
                y[i] = sc * (i % 2 ? 0.5f * (grid[k] + grid[k + 1]) : grid[k]);
            }
            y[0] = sc * s.maxFinite;
        }
    return x;
}

// Inputs for the low-bit kernel tests (lowbitSimdMatchesReference): per row one of the edge
// cases below, chosen by (row + cols) so every row count and length meets several of them.
constexpr int kLowBitCases = 7 + int(std::size(kTieScales));
Floats lowbitEdgeInput(int64_t rows, int64_t cols, bool logGrid, uint32_t seed) {
    Floats x = gaussian(size_t(rows * cols), seed);
    std::mt19937 rng(seed);
    for (int64_t r = 0; r < rows; ++r) {
        float* y = x.data() + r * cols;
        const int c = int((r + cols) % kLowBitCases);
        const int64_t n = cols;
        switch (c) {
        case 0: // zeros of both signs
            for (int64_t i = 0; i < n; ++i) y[i] = i % 3 == 1 ? -0.0f : 0.0f;
            break;
        case 1: // all equal
            for (int64_t i = 0; i < n; ++i) y[i] = r % 2 ? -0.3f : 0.3f;
            break;
        case 2: // fp32 subnormals: the fp16 scale underflows to zero
            for (int64_t i = 0; i < n; ++i) y[i] = (i % 2 ? -1 : 1) * 1e-40f * float(i + 1);
            break;
        case 3: // one fp32 normal among subnormals
            for (int64_t i = 0; i < n; ++i) y[i] = (i % 2 ? -3e-39f : 3e-39f) * float(i);
            y[n - 1] = 1e-30f;
            break;
        case 4: // huge magnitudes up to FLT_MAX: the fp16 scale saturates at 65504
            for (int64_t i = 0; i < n; ++i) y[i] = 3e37f * float(i % 7) - 1e37f;
            y[0] = -std::numeric_limits<float>::max();
            break;
        case 5: // gaussian of magnitude 2^-30 .. 2^30
        case 6: {
            const float m = std::ldexp(1.0f, int(rng() % 61) - 30);
            for (int64_t i = 0; i < n; ++i) y[i] *= m;
            break;
        }
        default: { // exact ties at scale 1 and at the tie scales
            const float sc = c == 7 ? 1.0f : kTieScales[size_t(c - 8) % std::size(kTieScales)];
            if (logGrid) {
                // amax sc pins the fp16 scale to sc; then each level 2^-e, the halfway points
                // 0.75 * 2^-e (log3 and log4 levels), half the smallest level, and neighbours.
                for (int64_t i = 0; i < n; ++i) {
                    const int e = int(i / 4) % 8;
                    const float v[4] = {0.75f * std::ldexp(1.0f, -e), std::ldexp(1.0f, -e),
                                        std::ldexp(0.5f, -e), std::ldexp(0.25f, -e)};
                    float t = v[size_t(i % 4)];
                    if (i % 5 == 3) t = std::nextafter(t, 2.0f);
                    if (i % 7 == 4) t = std::nextafter(t, 0.0f);
                    y[i] = (i % 2 ? -sc : sc) * t;
                }
                y[0] = sc;
            } else {
                // Pairs 0.5 and 1.5 (ternary ties) and ulp neighbours: mean |w| is 1 to within
                // 2^-20, so the fp16 scale is sc; an odd row starts with 1.
                const float v[6] = {0.5f,
                                    -1.5f,
                                    std::nextafter(0.5f, 1.0f),
                                    -std::nextafter(1.5f, 1.0f),
                                    -std::nextafter(0.5f, 0.0f),
                                    std::nextafter(1.5f, 2.0f)};
                int64_t i = 0;
                if (n % 2) y[i++] = -sc;
                for (int64_t k = 0; i < n; ++i, ++k) y[i] = sc * v[size_t(k % 6)];
            }
            break;
        }
        }
    }
    return x;
}

// A 64-byte aligned window of `n` floats inside a buffer of sentinels, at `offset` floats past
// the alignment: the streaming kernels must write exactly the window, whatever its alignment.
class Window {
public:
    static constexpr float kSentinel = 1234.5f;
    Window(size_t n, size_t offset) : m_buf(n + offset + 32, kSentinel), m_n(n) {
        const auto a = reinterpret_cast<uintptr_t>(m_buf.data());
        m_at = m_buf.data() + ((64 - a % 64) % 64) / sizeof(float) + offset;
    }
    float* data() { return m_at; }
    bool outsideIntact() const {
        for (const float* p = m_buf.data(); p < m_buf.data() + m_buf.size(); ++p)
            if ((p < m_at || p >= m_at + m_n) && !sameBits(*p, kSentinel)) return false;
        return true;
    }

private:
    Floats m_buf;
    size_t m_n;
    float* m_at;
};

} // namespace

class TestQuantFormats : public QObject {
    Q_OBJECT

private slots:
    // ---- Registry, names, accounting -------------------------------------------------------

    void registered() {
        int ints = 0, others = 0;
        for (const qs::QuantFormat* f : qs::allQuantFormats()) {
            const std::string n = f->name();
            QCOMPARE(qs::findQuantFormat(n), f);
            QVERIFY2(!f->description().empty(), n.c_str());
            if (f->family() == "int") {
                ++ints;
                auto parsed = qs::parseIntegerFormat(n);
                QVERIFY2(parsed && parsed->name() == n, n.c_str()); // canonical names
            } else if (f->family() != "float" && f->family() != "ggml") {
                ++others;
            }
        }
        // 8 widths x {g128, g64, g32, c} x {sym, asym} less int1 sym, + 4 per-tensor,
        // + 14 clip (k <= 4, g32/g128), + 6 stochastic (int4/3/2 g32).
        QCOMPARE(ints, 8 * 4 * 2 - 4 + 4 + 14 + 6);
        QCOMPARE(others, 12 + 5);
        for (const char* n :
             {"int4_g128_sym", "int4_g32_asym", "int8_c_sym",        "int3_g32_sym",
              "int2_g32_asym", "int8_t_sym",    "int4_g32_sym_clip", "int4_g32_asym_sr",
              "fp4_e2m1_g32",  "fp6_e3m2_g32",  "fp6_e2m3_g32",      "fp8_e4m3",
              "fp8_e5m2",      "mxfp8_e4m3",    "mxfp8_e5m2",        "mxfp6_e3m2",
              "mxfp6_e2m3",    "mxfp4",         "nf4_g64",           "nf4_g128",
              "ternary_c",     "ternary_t",     "binary_c",          "log4",
              "log3"})
            QVERIFY2(qs::findQuantFormat(n), n);
        QCOMPARE(qs::quantFormat("MXFP4").family(), std::string("mx"));
        QCOMPARE(qs::quantFormat("nf4_g64").family(), std::string("nf"));
        QCOMPARE(qs::quantFormat("ternary_c").nominalBits(), 2);
    }

    void parser_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("canonical"); // empty: must be rejected
        QTest::newRow("int5_g64_asym_clip") << "int5_g64_asym_clip"
                                            << "int5_g64_asym_clip";
        QTest::newRow("upper case") << "INT4_G128_SYM"
                                    << "int4_g128_sym";
        QTest::newRow("int7_g256_sym_sr") << "int7_g256_sym_sr"
                                          << "int7_g256_sym_sr";
        QTest::newRow("int1_c_asym") << "int1_c_asym"
                                     << "int1_c_asym";
        QTest::newRow("int1 sym") << "int1_g32_sym"
                                  << "";
        QTest::newRow("int9") << "int9_g32_sym"
                              << "";
        QTest::newRow("int0") << "int0_c_sym"
                              << "";
        QTest::newRow("group not power of two") << "int4_g48_sym"
                                                << "";
        QTest::newRow("group too small") << "int4_g4_sym"
                                         << "";
        QTest::newRow("clip and sr") << "int4_g32_sym_clip_sr"
                                     << "";
        QTest::newRow("bad granularity") << "int4_x_sym"
                                         << "";
        QTest::newRow("missing symmetry") << "int4_g32"
                                          << "";
        QTest::newRow("unknown option") << "int4_g32_sym_foo"
                                        << "";
        QTest::newRow("sign in bits") << "int+4_g32_sym"
                                      << "";
        QTest::newRow("empty") << ""
                               << "";
    }
    void parser() {
        QFETCH(QString, name);
        QFETCH(QString, canonical);
        auto f = qs::parseIntegerFormat(name.toStdString());
        if (canonical.isEmpty()) {
            QVERIFY(!f);
        } else {
            QVERIFY(f);
            QCOMPARE(QString::fromStdString(f->name()), canonical);
        }
    }

    void bitsPerWeight_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<qint64>("cols");
        QTest::addColumn<double>("bits");
        QTest::newRow("int4_g128_sym") << "int4_g128_sym" << qint64(4096) << 4 + 16.0 / 128;
        QTest::newRow("int4_g32_asym") << "int4_g32_asym" << qint64(4096) << 4 + (16.0 + 4) / 32;
        QTest::newRow("int8_c_sym") << "int8_c_sym" << qint64(4096) << 8 + 16.0 / 4096;
        QTest::newRow("int8_c_asym") << "int8_c_asym" << qint64(1024) << 8 + 24.0 / 1024;
        QTest::newRow("int8_t_sym") << "int8_t_sym" << qint64(4096) << 8.0;
        QTest::newRow("int2_g64_asym") << "int2_g64_asym" << qint64(4096) << 2 + 18.0 / 64;
        QTest::newRow("int1_g32_asym") << "int1_g32_asym" << qint64(4096) << 1 + 17.0 / 32;
        QTest::newRow("int3_g32_sym_clip") << "int3_g32_sym_clip" << qint64(64) << 3 + 0.5;
        QTest::newRow("int5_g64_asym parsed") << "int5_g64_asym" << qint64(64) << 5 + 21.0 / 64;
        QTest::newRow("mxfp4") << "mxfp4" << qint64(4096) << 4.25;
        QTest::newRow("mxfp6_e3m2") << "mxfp6_e3m2" << qint64(4096) << 6.25;
        QTest::newRow("mxfp8_e4m3") << "mxfp8_e4m3" << qint64(4096) << 8.25;
        QTest::newRow("fp4_e2m1_g32") << "fp4_e2m1_g32" << qint64(4096) << 4.5;
        QTest::newRow("fp6_e2m3_g32") << "fp6_e2m3_g32" << qint64(4096) << 6.5;
        QTest::newRow("fp8_e5m2") << "fp8_e5m2" << qint64(4096) << 8.0;
        QTest::newRow("nf4_g64") << "nf4_g64" << qint64(4096) << 4.25;
        QTest::newRow("nf4_g128") << "nf4_g128" << qint64(4096) << 4.125;
        QTest::newRow("ternary_t") << "ternary_t" << qint64(4096) << 1.6;
        QTest::newRow("ternary_c") << "ternary_c" << qint64(4096) << 1.6 + 16.0 / 4096;
        QTest::newRow("binary_c") << "binary_c" << qint64(2048) << 1 + 16.0 / 2048;
        QTest::newRow("log4") << "log4" << qint64(4096) << 4 + 16.0 / 4096;
        QTest::newRow("log3") << "log3" << qint64(512) << 3 + 16.0 / 512;
    }
    void bitsPerWeight() {
        QFETCH(QString, name);
        QFETCH(qint64, cols);
        QFETCH(double, bits);
        QCOMPARE(fmt(name.toStdString()).bitsPerWeight(cols), bits);
    }

    void checkShape() {
        QCOMPARE(fmt("int4_g32_sym").checkShape(4, 172),
                 std::string("row length 172 is not a multiple of 32"));
        QCOMPARE(fmt("mxfp4").checkShape(1, 48),
                 std::string("row length 48 is not a multiple of 32"));
        QCOMPARE(fmt("nf4_g64").checkShape(1, 96),
                 std::string("row length 96 is not a multiple of 64"));
        QVERIFY(fmt("int4_g128_sym").checkShape(3, 256).empty());
        QVERIFY(fmt("int8_c_sym").checkShape(3, 172).empty());
        QVERIFY(fmt("log4").checkShape(3, 17).empty());
        Floats x(172, 1.0f), y(172);
        try {
            fmt("int4_g32_sym")
                .quantizeDequantize(x.data(), y.data(), 1, 172,
                                    {.tensorName = "blk.7.ffn_down.weight"});
            QFAIL("a row of 172 was accepted by a g32 format");
        } catch (const qs::Error& e) {
            QVERIFY2(std::string(e.what()).find("blk.7.ffn_down.weight") != std::string::npos,
                     e.what());
            QVERIFY2(std::string(e.what()).find("not a multiple of 32") != std::string::npos,
                     e.what());
        }
    }

    // ---- Integer: hand-computed examples --------------------------------------------------

    void intHandExamples() {
        Floats ramp(32);
        for (int i = 0; i < 32; ++i) ramp[size_t(i)] = float(i);

        // int4 sym g32 on 0..31: amax 31, qmax 7, 31/7 = 4.428571 -> fp16 (ulp 2^-8 in [4, 8))
        // 1133.71/256 -> 1134/256 = 4.4296875. Decision points (k + 0.5) * s = 2.21, 6.64,
        // 11.07, 15.50, 19.93, 24.36, 28.79: q = 0 for 0..2, 1 for 3..6, 2 for 7..11, 3 for
        // 12..15, 4 for 16..19, 5 for 20..24, 6 for 25..28, 7 for 29..31.
        {
            const Floats y = qdq("int4_g32_sym", ramp, 1, 32);
            const double s = 4.4296875;
            const int q[32] = {0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3,
                               4, 4, 4, 4, 5, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7};
            for (int i = 0; i < 32; ++i) QEXACT(double(y[size_t(i)]), q[i] * s);
            QEXACT(y[31], 31.0078125f); // the scale rounded up: the top lands above 31
        }
        // int4 asym g32 on 0..31: range 31 / 15 = 2.0667 -> fp16 rounded up (ulp 2^-9)
        // 1058.13 -> 1059/512 = 2.068359375, zero point 0. 1 -> 0.48 -> 0; 2 -> 0.97 -> 1;
        // 15 -> 7.25 -> 7; 16 -> 7.74 -> 8; 31 -> 14.988 -> 15.
        {
            const Floats y = qdq("int4_g32_asym", ramp, 1, 32);
            const float s = 2.068359375f;
            QEXACT(y[0], 0.0f);
            QEXACT(y[1], 0.0f);
            QEXACT(y[2], s);
            QEXACT(y[15], 7 * s);
            QEXACT(y[16], 8 * s);
            QEXACT(y[31], 15 * s);
        }
        // int4 asym with a negative minimum: {-1, 2, 0.5 x 30}. Scale 3/15 = 0.2 -> fp16 rounded
        // up 1638.4 -> 1639/8192 = 0.2000732421875; zero = round(1 / s) = round(4.998) = 5.
        // -1 -> round(-4.998) + 5 = 0 -> -5 s; 2 -> round(9.996) + 5 = 15 -> 10 s;
        // 0.5 -> round(2.4991) = 2 -> 7 -> 2 s.
        {
            Floats x(32, 0.5f);
            x[0] = -1.0f;
            x[1] = 2.0f;
            const Floats y = qdq("int4_g32_asym", x, 1, 32);
            const float s = 0.2000732421875f;
            QEXACT(y[0], -5 * s);
            QEXACT(y[1], 10 * s);
            QEXACT(y[2], 2 * s);
        }
        // int8 per channel: amax 127 -> scale exactly 1, so RTN is visible: ties to even.
        {
            const Floats x = {-127.0f, 0.5f, 1.5f, 2.5f, -2.5f, 63.5f, 3.49f, 0.0f};
            const Floats y = qdq("int8_c_sym", x, 1, 8);
            const Floats want = {-127.0f, 0.0f, 2.0f, 2.0f, -2.0f, 64.0f, 3.0f, 0.0f};
            for (size_t i = 0; i < x.size(); ++i) QEXACT(y[i], want[i]);
        }
        // int3 sym g32: qmax 3. {3, 1.4, -1.6, 0.4, 0 x 28}: scale 1 -> 3, 1, -2, 0.
        {
            Floats x(32, 0.0f);
            x[0] = 3.0f, x[1] = 1.4f, x[2] = -1.6f, x[3] = 0.4f;
            const Floats y = qdq("int3_g32_sym", x, 1, 32);
            QEXACT(y[0], 3.0f);
            QEXACT(y[1], 1.0f);
            QEXACT(y[2], -2.0f);
            QEXACT(y[3], 0.0f);
        }
        // int2 asym g32 {-1, 2, 0.9 x 30}: scale 3/3 = 1, zero 1: levels -1, 0, 1, 2; 0.9 -> 1.
        {
            Floats x(32, 0.9f);
            x[0] = -1.0f;
            x[1] = 2.0f;
            const Floats y = qdq("int2_g32_asym", x, 1, 32);
            QEXACT(y[0], -1.0f);
            QEXACT(y[1], 2.0f);
            QEXACT(y[2], 1.0f);
        }
        // int1 asym g32 {-0.25, 0.75 x 31}: scale 1, zero round(0.25) = 0: levels {0, 1}.
        {
            Floats x(32, 0.75f);
            x[0] = -0.25f;
            const Floats y = qdq("int1_g32_asym", x, 1, 32);
            QEXACT(y[0], 0.0f);
            QEXACT(y[1], 1.0f);
        }
        // Per-tensor: the second row's amax (8) sets the scale of the first: 8/7 = 1.142857 ->
        // fp16 rounded up (ulp 2^-10) 1170.3 -> 1171/1024 = 1.1435546875; 1 -> round(0.8745) = 1;
        // 8 -> round(6.9958) = 7 -> 8.0048828125.
        {
            Floats x(64, 0.0f);
            x[0] = 1.0f;
            x[32] = 8.0f;
            const Floats y = qdq("int4_t_sym", x, 2, 32);
            QEXACT(y[0], 1.1435546875f);
            QEXACT(y[32], 8.0048828125f);
        }
    }

    // ---- Minifloats: hand-computed examples ------------------------------------------------

    void e4m3Encode_data() {
        QTest::addColumn<float>("x");
        QTest::addColumn<uint>("code");
        QTest::addColumn<float>("value");
        QTest::newRow("448 max") << 448.0f << 0x7Eu << 448.0f;
        QTest::newRow("449 saturates") << 449.0f << 0x7Eu << 448.0f;
        QTest::newRow("464 tie keeps even 448") << 464.0f << 0x7Eu << 448.0f;
        QTest::newRow("1e6 saturates") << 1e6f << 0x7Eu << 448.0f;
        QTest::newRow("-448") << -448.0f << 0xFEu << -448.0f;
        QTest::newRow("1") << 1.0f << 0x38u << 1.0f;
        // 1/3 in [0.25, 0.5): ulp 2^-5, 10.67 ulps -> 11 = 0.34375 = 0 0101 011.
        QTest::newRow("1/3") << float(1.0 / 3.0) << 0x2Bu << 0.34375f;
        QTest::newRow("min subnormal 2^-9") << 0.001953125f << 0x01u << 0.001953125f;
        QTest::newRow("2^-10 tie to zero") << 0.0009765625f << 0x00u << 0.0f;
        QTest::newRow("3 * 2^-10 tie to even 2") << 0.0029296875f << 0x02u << 0.00390625f;
        QTest::newRow("max subnormal 7 * 2^-9") << 7 * 0.001953125f << 0x07u << 7 * 0.001953125f;
        QTest::newRow("min normal 2^-6") << 0.015625f << 0x08u << 0.015625f;
        QTest::newRow("-0") << -0.0f << 0x80u << -0.0f;
    }
    void e4m3Encode() {
        QFETCH(float, x);
        QFETCH(uint, code);
        QFETCH(float, value);
        QCOMPARE(qs::encodeMinifloat(x, qs::kFp8E4M3), uint32_t(code));
        QVERIFY(sameBits(qs::roundToMinifloat(x, qs::kFp8E4M3), value));
        QVERIFY(sameBits(qs::decodeMinifloat(code, qs::kFp8E4M3), value));
    }

    void minifloatCodes() {
        QVERIFY(std::isnan(qs::decodeMinifloat(0x7F, qs::kFp8E4M3))); // S.1111.111
        QEXACT(qs::decodeMinifloat(0x77, qs::kFp8E4M3), 240.0f);      // exponent 15 is normal
        // E5M2: IEEE-like top exponent, max 1.75 * 2^15; saturating instead of overflowing.
        QCOMPARE(qs::encodeMinifloat(57344.0f, qs::kFp8E5M2), 0x7Bu);
        QEXACT(qs::roundToMinifloat(60000.0f, qs::kFp8E5M2), 57344.0f);
        QEXACT(qs::roundToMinifloat(1e30f, qs::kFp8E5M2), 57344.0f);
        QVERIFY(std::isinf(qs::decodeMinifloat(0x7C, qs::kFp8E5M2)));
        QVERIFY(std::isnan(qs::decodeMinifloat(0x7D, qs::kFp8E5M2)));
        QEXACT(qs::roundToMinifloat(0x1p-16f, qs::kFp8E5M2), 0x1p-16f); // min subnormal
        QEXACT(qs::decodeMinifloat(0x1F, qs::kFp6E3M2), 28.0f);
        QEXACT(qs::decodeMinifloat(0x1F, qs::kFp6E2M3), 7.5f);
        QEXACT(qs::decodeMinifloat(0x01, qs::kFp6E2M3), 0.125f);  // subnormal 2^(0-3)
        QEXACT(qs::decodeMinifloat(0x01, qs::kFp6E3M2), 0.0625f); // 2^(-2-2)
        QCOMPARE(qs::kFp8E4M3.emax(), 8);
        QCOMPARE(qs::kFp8E5M2.emax(), 15);
        QCOMPARE(qs::kFp6E3M2.emax(), 4);
        QCOMPARE(qs::kFp6E2M3.emax(), 2);
        QCOMPARE(qs::kFp4E2M1.emax(), 2);
        // Every code of every format decodes and re-encodes to itself (finite codes).
        for (const qs::MinifloatSpec* s :
             {&qs::kFp8E4M3, &qs::kFp8E5M2, &qs::kFp6E3M2, &qs::kFp6E2M3, &qs::kFp4E2M1}) {
            const uint32_t n = 1u << (1 + s->ebits + s->mbits);
            for (uint32_t c = 0; c < n; ++c) {
                const float v = qs::decodeMinifloat(c, *s);
                if (!std::isfinite(v)) continue;
                QCOMPARE(qs::encodeMinifloat(v, *s), c);
            }
        }
    }

    void e2m1Grid() {
        const float grid[8] = {0, 0.5f, 1, 1.5f, 2, 3, 4, 6};
        for (uint32_t c = 0; c < 8; ++c) {
            QEXACT(qs::decodeMinifloat(c, qs::kFp4E2M1), grid[c]);
            QEXACT(qs::decodeMinifloat(c | 8u, qs::kFp4E2M1), -grid[c]);
        }
        // Ties go to the even code (mantissa bit 0).
        const float in[] = {0.25f, 0.75f, 1.25f, 1.75f, 2.5f, 3.5f, 5.0f, 7.0f, 100.0f, -2.6f};
        const float want[] = {0.0f, 1.0f, 1.0f, 2.0f, 2.0f, 4.0f, 4.0f, 6.0f, 6.0f, -3.0f};
        for (size_t i = 0; i < std::size(in); ++i)
            QEXACT(qs::roundToMinifloat(in[i], qs::kFp4E2M1), want[i]);
    }

    void mxfp4Block() {
        // amax 20: floor(log2 20) = 4, emax(E2M1) = 2 -> X = 2^2 = 4. v / X: 20 -> 5 (tie 4|6 ->
        // 4) -> 16; 13 -> 3.25 -> 3 -> 12; -7 -> -1.75 (tie 1.5|2 -> 2) -> -8; 1 -> 0.25 (tie
        // 0|0.5 -> 0) -> 0; 3 -> 0.75 (tie -> 1) -> 4; 6 -> 1.5 -> 6; 0.9 -> 0.225 -> 0.
        Floats x(32, 0.0f);
        const float in[] = {20, 13, -7, 1, 3, 6, 0.9f};
        const float want[] = {16, 12, -8, 0, 4, 6, 0};
        for (size_t i = 0; i < std::size(in); ++i) x[i] = in[i];
        QCOMPARE(qs::mxScaleExponent(20.0f, qs::kFp4E2M1), 2);
        Floats y = qdq("mxfp4", x, 1, 32);
        for (size_t i = 0; i < std::size(in); ++i) QEXACT(y[i], want[i]);
        // Top of a block saturates: amax 7.9 -> X = 1, 7.9 -> 6 (the spec's conversion).
        x.assign(32, 0.0f);
        x[5] = 7.9f;
        x[6] = -0.2f; // below half the smallest subnormal step (0.25): zero
        y = qdq("mxfp4", x, 1, 32);
        QEXACT(y[5], 6.0f);
        QEXACT(y[6], -0.0f);
        // MXFP8 E4M3: amax 1000 -> floor(log2) 9 - 8 -> X = 2; 1000 / 2 = 500 -> saturate 448.
        x.assign(32, 0.0f);
        x[0] = 1000.0f;
        x[1] = 1.0f; // 0.5 exactly representable
        y = qdq("mxfp8_e4m3", x, 1, 32);
        QEXACT(y[0], 896.0f);
        QEXACT(y[1], 1.0f);
        // E8M0 range: a block of tiny values clamps its scale exponent at -127.
        QCOMPARE(qs::mxScaleExponent(1e-40f, qs::kFp4E2M1), -127);
        QCOMPARE(qs::mxScaleExponent(0.0f, qs::kFp4E2M1), -127);
        QCOMPARE(qs::mxScaleExponent(3e38f, qs::kFp4E2M1), 125);
    }

    void nf4Nearest() {
        // absmax 2 (exact in fp16), t = x / 2:
        //   0.3 -> 0.15: between 0.0795803 and 0.1609302 (midpoint 0.1202552) -> 0.1609302
        //   0.16 -> 0.08: below that midpoint -> 0.0795803
        //   0.07 -> 0.035: below (0 + 0.0795803) / 2 = 0.0397901 -> 0
        //   -0.9 -> -0.45: between -0.5250731 and -0.3949175 (midpoint -0.4599953) -> -0.3949175
        Floats x(64, 0.0f);
        x[0] = -2.0f, x[1] = 0.3f, x[2] = 0.16f, x[3] = 0.07f, x[4] = -0.9f;
        const Floats y = qdq("nf4_g64", x, 1, 64);
        QEXACT(y[0], -2.0f);
        QEXACT(y[1], 0.16093020141124725f * 2);
        QEXACT(y[2], 0.07958029955625534f * 2);
        QEXACT(y[3], 0.0f);
        QEXACT(y[4], -0.39491748809814453f * 2);
        QCOMPARE(qs::nf4Nearest(1.2f), 15);
        QCOMPARE(qs::nf4Nearest(-1.2f), 0);
        QCOMPARE(qs::nf4Nearest(0.0f), 7);
        for (int i = 0; i < 16; ++i) QCOMPARE(qs::nf4Nearest(qs::kNf4Code[i]), i);
    }

    void scaledMinifloats() {
        // fp8_e4m3: the tensor's amax maps onto 448, so amax itself survives exactly.
        Floats x = gaussian(256, 3);
        x[17] = 5.0f;
        Floats y = qdq("fp8_e4m3", x, 2, 128);
        QEXACT(y[17], 5.0f);
        // fp4_e2m1_g32: scale = fp16(amax / 6). amax 3 -> 0.5 exactly; 1.3 -> 2.6 -> 3 -> 1.5.
        x.assign(32, 0.0f);
        x[0] = 3.0f, x[1] = 1.3f, x[2] = -0.2f;
        y = qdq("fp4_e2m1_g32", x, 1, 32);
        QEXACT(y[0], 3.0f);
        QEXACT(y[1], 1.5f);
        QEXACT(y[2], -0.25f); // -0.4 -> -0.5 (the E2M1 subnormal) -> -0.25
    }

    // ---- Low-bit: hand-computed examples ---------------------------------------------------

    void lowBitExamples() {
        const Floats x = {1.0f, -1.0f, 0.2f, 0.5f};
        // ternary_c: mean|w| = 2.7 / 4 = 0.675 -> fp16 (ulp 2^-11) 1382/2048 = 0.6748046875;
        // w / g = 1.48, -1.48, 0.30, 0.74 -> 1, -1, 0, 1.
        Floats y = qdq("ternary_c", x, 1, 4);
        const float g = 0.6748046875f;
        QEXACT(y[0], g);
        QEXACT(y[1], -g);
        QEXACT(y[2], 0.0f);
        QEXACT(y[3], g);
        // ternary_t keeps gamma in fp32 over the whole tensor (two rows, same data).
        Floats two = x;
        two.insert(two.end(), x.begin(), x.end());
        y = qdq("ternary_t", two, 2, 4);
        QEXACT(y[0], 0.675f);
        QEXACT(y[7], 0.675f);
        // binary_c: mean|w| of {1, -1, 0.2, 0} = 0.55 -> fp16 1126/2048; sign(0) = +1.
        y = qdq("binary_c", Floats{1.0f, -1.0f, 0.2f, 0.0f}, 1, 4);
        const float b = 0.5498046875f;
        QEXACT(y[0], b);
        QEXACT(y[1], -b);
        QEXACT(y[2], b);
        QEXACT(y[3], b);
        // log4: row amax 1; levels 1, 1/2, ..., 1/64 and 0. 0.7 < 0.75 -> 1/2; 0.76 -> 1;
        // 1/128 is halfway between 0 and 1/64 -> 0; 0.008 -> 1/64; -0.3 -> -1/4.
        y = qdq("log4", Floats{1.0f, 0.7f, 0.76f, 0.0078125f, 0.008f, -0.3f}, 1, 6);
        const Floats want4 = {1.0f, 0.5f, 1.0f, 0.0f, 0.015625f, -0.25f};
        for (size_t i = 0; i < want4.size(); ++i) QEXACT(y[i], want4[i]);
        // log3: levels 1, 1/2, 1/4 and 0; 0.12 < 1/8 -> 0; 0.13 -> 1/4.
        y = qdq("log3", Floats{-1.0f, 0.12f, 0.13f, 0.6f}, 1, 4);
        const Floats want3 = {-1.0f, 0.0f, 0.25f, 0.5f};
        for (size_t i = 0; i < want3.size(); ++i) QEXACT(y[i], want3[i]);
    }

    // ---- Properties over every family ------------------------------------------------------

    void properties_data() {
        QTest::addColumn<QString>("name");
        for (const char* n : kPropertyFormats) QTest::newRow(n) << n;
    }
    void properties() {
        QFETCH(QString, name);
        const std::string n = name.toStdString();
        constexpr int64_t rows = 5, cols = 256;
        Floats x = gaussian(size_t(rows * cols), 11, 0.02f);
        x[7] = 0.2f; // an outlier, as real weight matrices have
        x[300] = -0.15f;
        const Floats y = qdq(n, x, rows, cols);

        // In place gives the same result.
        Floats inPlace = x;
        fmt(n).quantizeDequantize(inPlace.data(), inPlace.data(), rows, cols, {});
        for (size_t i = 0; i < x.size(); ++i) QVERIFY(sameBits(inPlace[i], y[i]));

        // Error bound from the format's definition.
        if (n.rfind("ternary", 0) != 0 && n != "binary_c") {
            for (int64_t r = 0; r < rows; ++r)
                for (int64_t c = 0; c < cols; ++c) {
                    const size_t i = size_t(r * cols + c);
                    const double bound = errorBound(n, x[i], groupOf(n, x, rows, cols, r, c));
                    if (!(std::fabs(double(x[i]) - double(y[i])) <= bound))
                        QFAIL(qPrintable(QString("(%1, %2): %3 -> %4, error bound %5")
                                             .arg(r)
                                             .arg(c)
                                             .arg(double(x[i]), 0, 'g', 9)
                                             .arg(double(y[i]), 0, 'g', 9)
                                             .arg(bound, 0, 'g', 9)));
                }
        }

        // Idempotence: q(q(x)) == q(x). BitNet's absmean changes when the weights do, so
        // ternary is excluded; the fp32 per-tensor scale of FP8 is recomputed from the rounded
        // amax and may move by an ulp.
        if (n.rfind("ternary", 0) != 0) {
            const Floats yy = qdq(n, y, rows, cols);
            const double tol = (n == "fp8_e4m3" || n == "fp8_e5m2") ? kFp32ScaleUlps : 0.0;
            for (size_t i = 0; i < y.size(); ++i)
                if (!(std::fabs(double(yy[i]) - double(y[i])) <= tol * std::fabs(double(y[i]))))
                    QFAIL(qPrintable(QString("element %1: q(x) = %2, q(q(x)) = %3")
                                         .arg(i)
                                         .arg(double(y[i]), 0, 'g', 9)
                                         .arg(double(yy[i]), 0, 'g', 9)));
        }

        // Zeros stay zeros; a constant tensor stays constant (one value everywhere) and close.
        const Floats z = qdq(n, Floats(size_t(rows * cols), 0.0f), rows, cols);
        for (float v : z) QEXACT(v, 0.0f);
        const Floats k = qdq(n, Floats(size_t(rows * cols), 0.37f), rows, cols);
        for (float v : k) QEXACT(v, k[0]);
        QVERIFY2(std::fabs(k[0] - 0.37f) <= 0.37f * 0.5f, qPrintable(QString::number(k[0])));

        // Subnormal inputs: finite, no larger than the input's scale, nothing thrown.
        Floats sub(size_t(rows * cols));
        for (size_t i = 0; i < sub.size(); ++i)
            sub[i] = float(int(i % 7) - 3) * std::numeric_limits<float>::denorm_min() * 1000;
        const Floats sy = qdq(n, sub, rows, cols);
        for (size_t i = 0; i < sy.size(); ++i) {
            QVERIFY(std::isfinite(sy[i]));
            QVERIFY(std::fabs(sy[i]) <= 2 * 3 * 1000 * std::numeric_limits<float>::denorm_min());
        }
    }

    void asymIdempotentManyGroups() {
        // Many groups, so that the zero point's rounding meets the scale's fp16 rounding in
        // every combination (the case int_formats.h's lower-scale rule exists for).
        constexpr int64_t rows = 64, cols = 1024;
        const Floats x = gaussian(size_t(rows * cols), 99, 0.05f);
        for (const char* n :
             {"int8_g32_asym", "int6_g128_asym", "int4_g32_asym", "int2_c_asym", "int8_t_asym"}) {
            const Floats y = qdq(n, x, rows, cols);
            const Floats yy = qdq(n, y, rows, cols);
            for (size_t i = 0; i < y.size(); ++i)
                if (!sameBits(y[i], yy[i]))
                    QFAIL(qPrintable(QString("%1 element %2: q(x) = %3, q(q(x)) = %4")
                                         .arg(n)
                                         .arg(i)
                                         .arg(double(y[i]), 0, 'g', 9)
                                         .arg(double(yy[i]), 0, 'g', 9)));
        }
    }

    void exactRoundTrip_data() { properties_data(); }
    void exactRoundTrip() {
        // Values already on the format's grid (with the top of the grid present so the scale is
        // reproduced) come back bit for bit.
        QFETCH(QString, name);
        const std::string n = name.toStdString();
        constexpr int64_t rows = 2, cols = 128;
        std::mt19937 rng(5);
        Floats x(size_t(rows * cols));
        const float s = 0.0137f; // any fp16 scale
        const float sh = qs::fp16ToFloat(qs::floatToFp16(s));
        if (isInt(n)) {
            const int k = n[3] - '0';
            const bool asym = n.find("asym") != std::string::npos;
            const int qmax = asym ? (1 << k) - 1 : (1 << (k - 1)) - 1;
            const int zero = asym ? qmax / 3 : 0;
            std::uniform_int_distribution<int> q(asym ? 0 : -qmax, qmax);
            for (size_t i = 0; i < x.size(); ++i) {
                int v = q(rng);
                if (i % 32 == 0) v = asym ? 0 : qmax; // every group holds the top (and bottom)
                if (asym && i % 32 == 1) v = qmax;
                x[i] = float(v - zero) * sh;
            }
        } else if (n.rfind("nf4", 0) == 0) {
            std::uniform_int_distribution<int> q(0, 15);
            for (size_t i = 0; i < x.size(); ++i)
                x[i] = qs::kNf4Code[i % 64 == 0 ? 15 : q(rng)] * sh;
        } else if (n.rfind("log", 0) == 0) {
            const int emaxCode = (1 << (n[3] - '0' - 1)) - 2;
            std::uniform_int_distribution<int> e(-1, emaxCode);
            for (size_t i = 0; i < x.size(); ++i) {
                const int v = i % cols == 0 ? 0 : e(rng);
                x[i] = v < 0 ? 0.0f : std::ldexp(sh, -v) * (i % 3 ? 1.0f : -1.0f);
            }
        } else if (n == "binary_c") {
            for (size_t i = 0; i < x.size(); ++i) x[i] = i % 3 ? sh : -sh;
        } else if (n.rfind("ternary", 0) == 0) {
            return; // absmean of {-g, 0, g} is not g unless no weight is 0; covered below
        } else {
            const qs::MinifloatSpec spec = elementSpec(n);
            const uint32_t codes = 1u << (1 + spec.ebits + spec.mbits);
            std::uniform_int_distribution<uint32_t> c(0, codes - 1);
            const float scale = n.rfind("mx", 0) == 0 ? 0.25f : sh; // E8M0 scales are 2^k
            const uint32_t top = qs::encodeMinifloat(spec.maxFinite, spec);
            for (size_t i = 0; i < x.size(); ++i) {
                float v = qs::decodeMinifloat(i % 32 == 0 ? top : c(rng), spec);
                if (!std::isfinite(v)) v = 0;
                x[i] = v * scale;
            }
            // Per-tensor FP8 uses an fp32 scale amax / max: exact only for a power-of-two amax.
            if (n == "fp8_e4m3" || n == "fp8_e5m2") return exactPowerOfTwoFp8(n, spec);
        }
        const Floats y = qdq(n, x, rows, cols);
        for (size_t i = 0; i < x.size(); ++i)
            if (!sameBits(x[i] + 0.0f, y[i] + 0.0f))
                QFAIL(qPrintable(QString("element %1: %2 -> %3")
                                     .arg(i)
                                     .arg(double(x[i]), 0, 'g', 9)
                                     .arg(double(y[i]), 0, 'g', 9)));
    }

    void nonFiniteRejected_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<float>("bad");
        for (const char* n : kPropertyFormats) {
            QTest::addRow("%s NaN", n) << n << std::numeric_limits<float>::quiet_NaN();
            QTest::addRow("%s Inf", n) << n << -std::numeric_limits<float>::infinity();
        }
        for (const char* n : kSearchFormats)
            QTest::addRow("%s NaN", n) << n << std::numeric_limits<float>::quiet_NaN();
    }
    void nonFiniteRejected() {
        QFETCH(QString, name);
        QFETCH(float, bad);
        constexpr int64_t rows = 4, cols = 128;
        Floats x = gaussian(size_t(rows * cols), 2);
        x[size_t(2 * cols + 69)] = bad;
        Floats y(x.size());
        try {
            fmt(name.toStdString())
                .quantizeDequantize(x.data(), y.data(), rows, cols,
                                    {.tensorName = "blk.1.attn_k.weight"});
            QFAIL("non-finite input accepted");
        } catch (const qs::Error& e) {
            const std::string what = e.what();
            QVERIFY2(what.find("blk.1.attn_k.weight") != std::string::npos, e.what());
            QVERIFY2(what.find("row 2, column 69") != std::string::npos, e.what());
        }
    }

    void searchFormatsSane_data() {
        QTest::addColumn<QString>("name");
        for (const char* n : kSearchFormats) QTest::newRow(n) << n;
    }
    void searchFormatsSane() {
        QFETCH(QString, name);
        const std::string n = name.toStdString();
        const Floats z = qdq(n, Floats(256, 0.0f), 2, 128);
        for (float v : z) QEXACT(v, 0.0f);
        const Floats x = gaussian(256, 9);
        const Floats y = qdq(n, x, 2, 128, seeded(3));
        float amax = 0;
        for (float v : x) amax = std::max(amax, std::fabs(v));
        for (size_t i = 0; i < x.size(); ++i) {
            QVERIFY(std::isfinite(y[i]));
            // The grid reaches at most one scale beyond the data (2^k - 1 >= 3 levels here).
            QVERIFY(std::fabs(y[i]) <= amax * (1.0f + 2.0f / 3.0f));
        }
    }

    // ---- Stochastic rounding ---------------------------------------------------------------

    void stochasticRounding() {
        constexpr int64_t cols = 64;
        Floats x = gaussian(cols, 21);
        for (float& v : x) v = std::clamp(v, -3.0f, 3.0f);
        x[0] = 3.5f; // fixes the groups' scales: amax 3.5 in group 0, group 1 the data's own
        x[32] = -3.5f;
        const std::string n = "int4_g32_sym_sr";

        // Deterministic per seed; another seed gives another draw.
        const Floats a = qdq(n, x, 1, cols, seeded(42)), b = qdq(n, x, 1, cols, seeded(42));
        const Floats c = qdq(n, x, 1, cols, seeded(43));
        for (int64_t i = 0; i < cols; ++i) QVERIFY(sameBits(a[size_t(i)], b[size_t(i)]));
        QVERIFY(a != c);

        // Unbiased: the mean over seeds converges to x (RTN would stay up to scale/2 away).
        constexpr int kDraws = 4000;
        std::vector<double> mean(cols, 0.0);
        for (int s = 0; s < kDraws; ++s) {
            const Floats y = qdq(n, x, 1, cols, seeded(uint64_t(s)));
            for (int64_t i = 0; i < cols; ++i) mean[size_t(i)] += y[size_t(i)] / double(kDraws);
        }
        const double scale = 3.5 / 7 * (1 + kScaleRel);
        const double tol = kSrSigmas * scale / (2 * std::sqrt(double(kDraws)));
        for (int64_t i = 0; i < cols; ++i)
            QVERIFY2(
                std::fabs(mean[size_t(i)] - x[size_t(i)]) <= tol,
                qPrintable(
                    QString("%1: mean %2 for %3").arg(i).arg(mean[size_t(i)]).arg(x[size_t(i)])));

        // The same draw whether rows run on one thread or many (large tensor -> TBB split).
        constexpr int64_t bigRows = 512, bigCols = 1024;
        const Floats big = gaussian(size_t(bigRows * bigCols), 4);
        const Floats whole = qdq(n, big, bigRows, bigCols, seeded(7));
        const Floats firstRows =
            qdq(n, Floats(big.begin(), big.begin() + 3 * bigCols), 3, bigCols, seeded(7));
        for (size_t i = 0; i < firstRows.size(); ++i) QVERIFY(sameBits(whole[i], firstRows[i]));
    }

    // ---- Clip search -----------------------------------------------------------------------

    void clipNeverWorse_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<bool>("weighted");
        for (const char* n : {"int4_g32_sym", "int4_g128_sym", "int3_g128_asym", "int2_g32_asym",
                              "int1_g32_asym", "int4_c_sym", "int3_t_sym", "int5_g64_asym"}) {
            QTest::addRow("%s", n) << n << false;
            QTest::addRow("%s imatrix", n) << n << true;
        }
    }
    void clipNeverWorse() {
        QFETCH(QString, name);
        QFETCH(bool, weighted);
        constexpr int64_t rows = 6, cols = 512;
        // Heavy tails (Student-t, 3 dof) make clipping matter.
        std::mt19937 rng(17);
        std::student_t_distribution<float> t(3.0f);
        Floats x(size_t(rows * cols));
        for (float& v : x) v = 0.02f * t(rng);
        Floats imp(cols, 1.0f);
        if (weighted)
            for (float& w : imp) w = std::exp(2.0f * std::normal_distribution<float>()(rng));
        qs::QuantContext ctx;
        ctx.importance = weighted ? imp.data() : nullptr;
        const std::string plain = name.toStdString();
        const Floats yp = qdq(plain, x, rows, cols, ctx);
        const Floats yc = qdq(plain + "_clip", x, rows, cols, ctx);
        double ep = 0, ec = 0;
        for (int64_t r = 0; r < rows; ++r)
            for (int64_t c = 0; c < cols; ++c) {
                const size_t i = size_t(r * cols + c);
                const double dp = double(x[i]) - yp[i], dc = double(x[i]) - yc[i];
                ep += imp[size_t(c)] * dp * dp;
                ec += imp[size_t(c)] * dc * dc;
            }
        // Per group the search keeps the least error among candidates that include ratio 1.0
        // (plain RTN, bit for bit); only the summation order of the totals differs.
        QVERIFY2(ec <= ep * (1 + 1e-12), qPrintable(QString("clip %1 > plain %2").arg(ec).arg(ep)));
        if (plain.rfind("int2", 0) == 0 || plain.rfind("int3", 0) == 0)
            QVERIFY2(ec < ep, "clipping should help at 2-3 bits on heavy-tailed weights");
    }

    // ---- SIMD kernels against the scalar reference -----------------------------------------

    void simdMatchesReference_data() {
        QTest::addColumn<qint64>("target");
        QTest::addColumn<int>("bits");
        QTest::addColumn<bool>("asym");
        QTest::addColumn<qint64>("group"); // 0: per channel (group = cols)
        for (int64_t t : testTargets())
            for (int bits : {8, 4, 3, 2, 1})
                for (bool asym : {false, true})
                    for (int64_t g : {32, 64, 128, 0}) {
                        if (bits == 1 && !asym) continue;
                        QTest::addRow("%s int%d %s g%lld", targetLabel(t), bits,
                                      asym ? "asym" : "sym", (long long)g)
                            << qint64(t) << bits << asym << qint64(g);
                    }
    }
    void simdMatchesReference() {
        QFETCH(qint64, target);
        QFETCH(int, bits);
        QFETCH(bool, asym);
        QFETCH(qint64, group);
        TargetScope scope(target);
        if (target != 0)
            QCOMPARE(std::string(qs::quant_detail::intSimdTargetName()),
                     std::string(hwy::TargetName(target)));
        for (int64_t rows : {1, 3, 7})
            for (int64_t cols : {32, 96, 160, 4096 + 128}) {
                const int64_t g = group ? group : cols;
                if (cols % g) continue;
                Floats x = gaussian(size_t(rows * cols), uint32_t(rows * 7919 + cols));
                // Edge cases in the first groups: a zero group, a constant group, values on
                // exact .5 ties of a power-of-two scale, subnormals and a huge magnitude.
                for (int64_t i = 0; i < std::min<int64_t>(g, cols); ++i) x[size_t(i)] = 0.0f;
                if (rows > 1) {
                    for (int64_t i = 0; i < std::min<int64_t>(g, cols); ++i)
                        x[size_t(cols + i)] = i % 2 ? 0.5f : 0.5f + float(i % 5) * 0.25f;
                    x[size_t(cols + 1)] = 1e-40f;
                    x[size_t(cols + 2)] = -3e-39f;
                }
                if (rows > 2) x[size_t(2 * cols + 3)] = 3e37f;
                Floats ref(x.size()), simd(x.size());
                QCOMPARE(qs::quant_detail::intGroupQdqRef(x.data(), ref.data(), rows, cols, g, bits,
                                                          asym),
                         int64_t(-1));
                QCOMPARE(qs::quant_detail::intGroupQdqSimd(x.data(), simd.data(), rows, cols, g,
                                                           bits, asym),
                         int64_t(-1));
                for (size_t i = 0; i < x.size(); ++i)
                    if (!sameBits(ref[i], simd[i]))
                        QFAIL(qPrintable(QString("rows %1 cols %2 element %3 (x = %4): reference "
                                                 "%5, SIMD %6")
                                             .arg(rows)
                                             .arg(cols)
                                             .arg(i)
                                             .arg(double(x[i]), 0, 'g', 9)
                                             .arg(double(ref[i]), 0, 'g', 9)
                                             .arg(double(simd[i]), 0, 'g', 9)));
                // A non-finite value is found in the group that holds it, in both versions.
                x[size_t(x.size() - 1)] = std::numeric_limits<float>::quiet_NaN();
                const int64_t badGroup = int64_t(x.size()) - g;
                QCOMPARE(qs::quant_detail::intGroupQdqRef(x.data(), ref.data(), rows, cols, g, bits,
                                                          asym),
                         badGroup);
                QCOMPARE(qs::quant_detail::intGroupQdqSimd(x.data(), simd.data(), rows, cols, g,
                                                           bits, asym),
                         badGroup);
            }
    }

    // ---- Streaming stores of the integer kernel -----------------------------------------------

    void intSimdStream_data() {
        QTest::addColumn<qint64>("target");
        for (int64_t t : testTargets()) QTest::addRow("%s", targetLabel(t)) << qint64(t);
    }
    void intSimdStream() {
        // Non-temporal stores go through a staging buffer: same values as the reference, exactly
        // the destination written, for every alignment of the destination, and in place.
        QFETCH(qint64, target);
        TargetScope scope(target);
        for (int bits : {8, 4, 2})
            for (bool asym : {false, true})
                for (int64_t group : {8, 32, 128, 4096 + 128})
                    for (int64_t rows : {1, 5}) {
                        const int64_t cols = group == 8 ? 8 * 33 : group * 3;
                        const size_t n = size_t(rows * cols);
                        const Floats x = gaussian(n, uint32_t(bits * 131 + group + rows));
                        Floats ref(n);
                        QCOMPARE(qs::quant_detail::intGroupQdqRef(x.data(), ref.data(), rows, cols,
                                                                  group, bits, asym),
                                 int64_t(-1));
                        for (size_t offset = 0; offset < 16; ++offset) {
                            Window w(n, offset);
                            QCOMPARE(qs::quant_detail::intGroupQdqSimd(
                                         x.data(), w.data(), rows, cols, group, bits, asym, true),
                                     int64_t(-1));
                            const QString bad = firstMismatch(x, ref.data(), w.data(), n);
                            QVERIFY2(bad.isEmpty(), qPrintable(bad));
                            QVERIFY(w.outsideIntact());
                        }
                        Floats y = x;
                        qs::quant_detail::intGroupQdqSimd(y.data(), y.data(), rows, cols, group,
                                                          bits, asym, true);
                        const QString bad = firstMismatch(x, ref.data(), y.data(), n);
                        QVERIFY2(bad.isEmpty(), qPrintable(("in place: " + bad).toUtf8()));
                    }
    }

    // ---- Minifloat, MX and NF4 kernels against the scalar reference ---------------------------

    void minifloatSimdMatchesReference_data() {
        QTest::addColumn<qint64>("target");
        QTest::addColumn<int>("scale"); // quant_detail::MinifloatScale
        QTest::addColumn<int>("element");
        QTest::addColumn<bool>("stream");
        const char* const scaleNames[] = {"fp16", "mx", "nf4"};
        for (int64_t t : testTargets())
            for (int scale = 0; scale < 3; ++scale)
                for (int e = 0; e < int(std::size(kElements)); ++e)
                    for (bool stream : {false, true}) {
                        if (scale == 2 && e != 4) continue; // NF4 ignores the element format
                        QTest::addRow("%s %s %s%s", targetLabel(t), scaleNames[scale],
                                      scale == 2 ? "code" : kElements[e].first,
                                      stream ? " stream" : "")
                            << qint64(t) << scale << e << stream;
                    }
    }
    void minifloatSimdMatchesReference() {
        // Odd group sizes (tails shorter than a vector, groups of one), rows of one to nine
        // groups, and the edge cases of minifloatEdgeInput: zeros of both signs, grid points
        // and exact ties between them (at scale 1 and twelve others), all-equal groups, the largest
        // value and beyond, fp32 subnormals, scales that underflow or saturate, element
        // subnormals, NF4 thresholds. Bit for bit, every dst alignment, in place, and the same
        // group reported for a NaN or Inf.
        QFETCH(qint64, target);
        QFETCH(int, scale);
        QFETCH(int, element);
        QFETCH(bool, stream);
        TargetScope scope(target);
        namespace qd = qs::quant_detail;
        if (target != 0)
            QCOMPARE(std::string(qd::minifloatSimdTargetName()),
                     std::string(hwy::TargetName(target)));
        const auto kind = qd::MinifloatScale(scale);
        const qs::MinifloatSpec& spec = *kElements[element].second;
        for (int64_t group : {1, 7, 31, 32, 33, 64, 128, 257})
            for (int64_t rows : {1, 3})
                for (int64_t perRow : {1, 4, 11}) {
                    const int64_t cols = group * perRow;
                    const size_t n = size_t(rows * cols);
                    const QString where =
                        QString("group %1, %2 x %3: ").arg(group).arg(rows).arg(cols);
                    Floats x = minifloatEdgeInput(rows, cols, group, spec,
                                                  uint32_t(group * 977 + rows * 31 + perRow));
                    Floats ref(n);
                    QCOMPARE(qd::minifloatGroupQdqRef(x.data(), ref.data(), rows, cols, group, kind,
                                                      spec),
                             int64_t(-1));
                    for (size_t offset = 0; offset < (stream ? 16u : 1u); ++offset) {
                        Window w(n, offset);
                        QCOMPARE(qd::minifloatGroupQdqSimd(x.data(), w.data(), rows, cols, group,
                                                           kind, spec, stream),
                                 int64_t(-1));
                        const QString bad = firstMismatch(x, ref.data(), w.data(), n);
                        QVERIFY2(bad.isEmpty(), qPrintable(where + bad));
                        QVERIFY2(w.outsideIntact(), qPrintable(where + "wrote outside dst"));
                    }
                    Floats y = x;
                    QCOMPARE(qd::minifloatGroupQdqSimd(y.data(), y.data(), rows, cols, group, kind,
                                                       spec, stream),
                             int64_t(-1));
                    const QString bad = firstMismatch(x, ref.data(), y.data(), n);
                    QVERIFY2(bad.isEmpty(), qPrintable(where + "in place: " + bad));
                    // A NaN or Inf is reported by the group that holds it, in both versions.
                    for (float v : {std::numeric_limits<float>::quiet_NaN(),
                                    -std::numeric_limits<float>::infinity()}) {
                        const int64_t at = int64_t(n) / 2 + 1 < int64_t(n) ? int64_t(n) / 2 + 1 : 0;
                        Floats z = x;
                        z[size_t(at)] = v;
                        const int64_t badGroup = at / group * group;
                        QCOMPARE(qd::minifloatGroupQdqRef(z.data(), ref.data(), rows, cols, group,
                                                          kind, spec),
                                 badGroup);
                        QCOMPARE(qd::minifloatGroupQdqSimd(z.data(), y.data(), rows, cols, group,
                                                           kind, spec, stream),
                                 badGroup);
                    }
                }
    }

    void minifloatScaledMatchesReference_data() {
        QTest::addColumn<qint64>("target");
        QTest::addColumn<int>("element");
        QTest::addColumn<bool>("stream");
        for (int64_t t : testTargets())
            for (int e = 0; e < int(std::size(kElements)); ++e)
                for (bool stream : {false, true})
                    QTest::addRow("%s %s%s", targetLabel(t), kElements[e].first,
                                  stream ? " stream" : "")
                        << qint64(t) << e << stream;
    }
    void minifloatScaledMatchesReference() {
        // The tensor-scaled element pass (fp8_e4m3, fp8_e5m2) over lengths that are not
        // multiples of the vector width, with scale 1 and the tie scales (every grid point and
        // tie exact), a tensor's amax / max, a scale below 2^-80 (the kernel divides) and one
        // below the fp32 normal range (all zero), and a huge one.
        QFETCH(qint64, target);
        QFETCH(int, element);
        QFETCH(bool, stream);
        TargetScope scope(target);
        namespace qd = qs::quant_detail;
        const qs::MinifloatSpec& spec = *kElements[element].second;
        const Floats grid = elementGrid(spec);
        for (int64_t n : {1, 15, 16, 17, 31, 33, 257, 4096 + 5}) {
            Floats base = gaussian(size_t(n), uint32_t(n));
            for (int64_t i = 0; i < n; ++i) {
                const size_t k = size_t(i / 5) % (grid.size() - 1);
                const float mid = 0.5f * (grid[k] + grid[k + 1]);
                const float v[5] = {grid[k], mid, std::nextafter(mid, -1e30f),
                                    std::nextafter(mid, 1e30f), base[size_t(i)]};
                base[size_t(i)] = v[i % 5];
            }
            if (n > 3) base[3] = spec.maxFinite * 1.5f, base[2] = -0.0f;
            float amax = 0;
            for (float v : base) amax = std::max(amax, std::fabs(v));
            Floats scales(std::begin(kTieScales), std::end(kTieScales));
            scales.insert(scales.end(), {1.0f, amax / spec.maxFinite, 0x1p-100f, 1e-39f, 1e30f});
            for (float scale : scales) {
                Floats x = base;
                if (scale != 1.0f)
                    for (float& v : x) v *= scale; // exact for the tie scales on grid values
                Floats ref(x.size());
                qd::minifloatScaledRef(x.data(), ref.data(), n, scale, spec);
                for (size_t offset = 0; offset < (stream ? 16u : 1u); ++offset) {
                    Window w(size_t(n), offset);
                    qd::minifloatScaledSimd(x.data(), w.data(), n, scale, spec, stream);
                    const QString bad = firstMismatch(x, ref.data(), w.data(), size_t(n));
                    QVERIFY2(bad.isEmpty(),
                             qPrintable(QString("n %1 scale %2: ").arg(n).arg(scale) + bad));
                    QVERIFY(w.outsideIntact());
                }
            }
        }
    }

    // ---- Ternary, binary and log kernels against the scalar reference -------------------------

    void lowbitSimdMatchesReference_data() {
        QTest::addColumn<qint64>("target");
        QTest::addColumn<int>("kind"); // quant_detail::LowBitKind
        QTest::addColumn<int>("bits");
        QTest::addColumn<bool>("stream");
        const struct {
            const char* name;
            int kind, bits;
        } kinds[] = {{"ternary_t", 0, 2},
                     {"ternary_c", 1, 2},
                     {"binary_c", 2, 1},
                     {"log4", 3, 4},
                     {"log3", 3, 3}};
        for (int64_t t : testTargets())
            for (const auto& k : kinds)
                for (bool stream : {false, true})
                    QTest::addRow("%s %s%s", targetLabel(t), k.name, stream ? " stream" : "")
                        << qint64(t) << k.kind << k.bits << stream;
    }
    void lowbitSimdMatchesReference() {
        // Odd row lengths (tails shorter than a vector, rows of one), one to 24 rows, and the
        // edge cases of lowbitEdgeInput: zeros of both signs, all-equal rows, fp32 subnormals,
        // scales that underflow or saturate, values up to FLT_MAX, exact ties of ternary
        // rounding and of the log grid (at scale 1 and twelve others). ternary_t with its gamma
        // given: 1, the tie scales, the tensor's mean, a subnormal, zero and a huge one. Bit for
        // bit, every dst alignment, in place, and the same row reported for a NaN or Inf.
        QFETCH(qint64, target);
        QFETCH(int, kind);
        QFETCH(int, bits);
        QFETCH(bool, stream);
        TargetScope scope(target);
        namespace qd = qs::quant_detail;
        if (target != 0)
            QCOMPARE(std::string(qd::lowbitSimdTargetName()), std::string(hwy::TargetName(target)));
        const auto k = qd::LowBitKind(kind);
        for (int64_t cols : {1, 7, 31, 33, 257, 4101})
            for (int64_t rows : {1, 3, 24}) {
                const size_t n = size_t(rows * cols);
                Floats x = lowbitEdgeInput(rows, cols, k == qd::LowBitKind::Log,
                                           uint32_t(cols * 977 + rows * 31 + kind));
                Floats gammas{0.0f};
                if (k == qd::LowBitKind::TernaryTensor) {
                    double sum = 0;
                    for (float v : x) sum += std::fabs(v);
                    gammas = {1.0f, float(sum / double(n)), 1e-40f, 0.0f, 1e30f};
                    gammas.insert(gammas.end(), std::begin(kTieScales), std::end(kTieScales));
                }
                for (float gamma : gammas) {
                    const QString where =
                        QString("%1 x %2, gamma %3: ").arg(rows).arg(cols).arg(double(gamma));
                    Floats ref(n);
                    QCOMPARE(qd::lowbitRowsQdqRef(x.data(), ref.data(), rows, cols, k, bits, gamma),
                             int64_t(-1));
                    for (size_t offset = 0; offset < (stream ? 16u : 1u); ++offset) {
                        Window w(n, offset);
                        QCOMPARE(qd::lowbitRowsQdqSimd(x.data(), w.data(), rows, cols, k, bits,
                                                       gamma, stream),
                                 int64_t(-1));
                        const QString bad = firstMismatch(x, ref.data(), w.data(), n);
                        QVERIFY2(bad.isEmpty(), qPrintable(where + bad));
                        QVERIFY2(w.outsideIntact(), qPrintable(where + "wrote outside dst"));
                    }
                    Floats y = x;
                    QCOMPARE(qd::lowbitRowsQdqSimd(y.data(), y.data(), rows, cols, k, bits, gamma,
                                                   stream),
                             int64_t(-1));
                    const QString bad = firstMismatch(x, ref.data(), y.data(), n);
                    QVERIFY2(bad.isEmpty(), qPrintable(where + "in place: " + bad));
                }
                // A NaN or Inf is reported by the row that holds it, in both versions, and the
                // rows before it are written alike.
                for (float v : {std::numeric_limits<float>::quiet_NaN(),
                                -std::numeric_limits<float>::infinity(),
                                std::numeric_limits<float>::infinity()}) {
                    const int64_t at = int64_t(n) / 2 + 1 < int64_t(n) ? int64_t(n) / 2 + 1 : 0;
                    Floats z = x;
                    z[size_t(at)] = v;
                    const int64_t badRow = at / cols;
                    Floats ref(n, 7.0f), got(n, 7.0f);
                    QCOMPARE(qd::lowbitRowsQdqRef(z.data(), ref.data(), rows, cols, k, bits, 1.0f),
                             badRow);
                    QCOMPARE(qd::lowbitRowsQdqSimd(z.data(), got.data(), rows, cols, k, bits, 1.0f,
                                                   stream),
                             badRow);
                    const QString bad =
                        firstMismatch(z, ref.data(), got.data(), size_t(badRow * cols));
                    QVERIFY2(bad.isEmpty(), qPrintable("before the bad row: " + bad));
                }
            }
    }

    void largeTensorStreams() {
        // Above kStreamMinBytes the formats (and the ggml block kernels behind q4_0 etc.) write
        // through non-temporal stores: the same values as the small-tensor path row by row (the
        // tensor-scaled ones: as the reference pass with the tensor's scale), in place too, into a
        // destination that is not aligned.
        constexpr int64_t rows = 4100, cols = 1024;
        QVERIFY(qs::quant_detail::streamOutput(rows, cols));
        QVERIFY(!qs::quant_detail::streamOutput(1, cols));
        const Floats x = gaussian(size_t(rows * cols), 21);
        for (const char* n :
             {"int4_g128_sym", "int4_g32_asym", "int8_c_sym", "fp8_e4m3", "fp6_e2m3_g32",
              "fp4_e2m1_g32", "mxfp8_e5m2", "mxfp4", "nf4_g64", "q4_0", "q4_1", "q8_0"}) {
            Floats out(x.size() + 1);
            fmt(n).quantizeDequantize(x.data(), out.data() + 1, rows, cols, {});
            Floats inPlace = x;
            fmt(n).quantizeDequantize(inPlace.data(), inPlace.data(), rows, cols, {});
            QVERIFY2(std::memcmp(out.data() + 1, inPlace.data(), x.size() * sizeof(float)) == 0, n);
            if (std::string(n).rfind("fp8", 0) == 0) {
                float amax = 0;
                for (float v : x) amax = std::max(amax, std::fabs(v));
                Floats ref(x.size());
                qs::quant_detail::minifloatScaledRef(x.data(), ref.data(), int64_t(x.size()),
                                                     amax / qs::kFp8E4M3.maxFinite, qs::kFp8E4M3);
                const QString bad = firstMismatch(x, ref.data(), inPlace.data(), x.size());
                QVERIFY2(bad.isEmpty(), qPrintable(bad));
                continue;
            }
            for (int64_t r : {int64_t(0), int64_t(2049), rows - 1}) {
                const Floats one =
                    qdq(n, Floats(x.begin() + r * cols, x.begin() + (r + 1) * cols), 1, cols);
                for (int64_t c = 0; c < cols; ++c)
                    QVERIFY2(sameBits(inPlace[size_t(r * cols + c)], one[size_t(c)]), n);
            }
        }
    }

    void largeTensorParallel() {
        // Big enough to be split over TBB tasks: same result as quantizing row by row.
        constexpr int64_t rows = 300, cols = 1024;
        const Floats x = gaussian(size_t(rows * cols), 8);
        for (const char* n : {"int4_g128_sym", "int4_t_asym", "mxfp4", "nf4_g64", "ternary_c"}) {
            const Floats whole = qdq(n, x, rows, cols);
            for (int64_t r : {int64_t(0), int64_t(151), rows - 1}) {
                const Floats one =
                    qdq(n, Floats(x.begin() + r * cols, x.begin() + (r + 1) * cols), 1, cols);
                if (std::string(n).find("_t_") != std::string::npos) continue; // tensor scale
                for (int64_t c = 0; c < cols; ++c)
                    QVERIFY(sameBits(whole[size_t(r * cols + c)], one[size_t(c)]));
            }
        }
    }

private:
    void exactPowerOfTwoFp8(const std::string& n, const qs::MinifloatSpec& spec) {
        // amax = maxFinite * 2^-4 gives the fp32 scale 2^-4 exactly; element grid * 2^-4 is
        // then reproduced bit for bit.
        constexpr int64_t rows = 2, cols = 128;
        std::mt19937 rng(6);
        std::uniform_int_distribution<uint32_t> c(0, (1u << (1 + spec.ebits + spec.mbits)) - 1);
        Floats x(size_t(rows * cols));
        for (size_t i = 0; i < x.size(); ++i) {
            float v = qs::decodeMinifloat(
                i == 0 ? qs::encodeMinifloat(spec.maxFinite, spec) : c(rng), spec);
            x[i] = std::isfinite(v) ? v * 0.0625f : 0.0f;
        }
        const Floats y = qdq(n, x, rows, cols);
        for (size_t i = 0; i < x.size(); ++i) QVERIFY(sameBits(x[i] + 0.0f, y[i] + 0.0f));
    }
};

QTEST_GUILESS_MAIN(TestQuantFormats)
#include "tst_quant_formats.moc"
