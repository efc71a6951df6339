// llama.cpp block formats: hand-computed blocks (packed bytes and values), SIMD kernels against
// their scalar reference twin (bit-identical), idempotence, per-format error bounds, K-quant
// layouts and accuracy ordering, the QuantFormat wrappers (bits, shapes, NaN/Inf rejection).
#include "core/dtype.h"
#include "core/error.h"
#include "ggml/ggml_quants.h"
#include "quant/quant_format.h"
#include "simd_targets.h"

// Highway before Qt (as in tst_kernels).
#include <hwy/targets.h>

#include <QObject>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

using namespace qs;

namespace {

using qs::test::targetLabel;
using qs::test::TargetScope;
using qs::test::testTargets;

// ---- Named tolerances

// fp16 stores a block scale with a relative rounding error of at most half an ulp: 2^-11.
constexpr double kFp16RelErr = 1.0 / 2048.0;
// fp32 arithmetic in x*id, q*d (+m): a few ulps of the block's magnitude.
constexpr double kFloatSlackUlps = 8.0 * std::numeric_limits<float>::epsilon();
// K-quants on N(0,1): relative RMSE bounds. Uniform quantization of a range R with L levels has
// RMSE ~ R / (L-1) / sqrt(12). For Gaussian groups R is ~4.2 sigma for 32 weights and ~3.5 sigma
// for 16; the bound is 1.5x that estimate (the scale searches only do better, the 4/6-bit scale
// quantization a little worse):
//   q2_k (4 levels, 16): 3.5/3/3.46 = 0.34 -> 0.50     q3_k (8, 16): 3.5/7/3.46 = 0.145 -> 0.22
//   q4_k (16, 32): 4.2/15/3.46 = 0.081 -> 0.12          q5_k (32, 32): 0.039 -> 0.06
//   q6_k (64, 16, symmetric): 3.5/63/3.46 = 0.016 -> 0.025
struct KBound {
    int type;
    double relRmse;
};
constexpr KBound kKQuantBounds[] = {{ggml::kQ2_K, 0.50},
                                    {ggml::kQ3_K, 0.22},
                                    {ggml::kQ4_K, 0.12},
                                    {ggml::kQ5_K, 0.06},
                                    {ggml::kQ6_K, 0.025}};
// Worst single weight of a K-quant super-block: a code step is at most 2 max|x| / (levels - 1)
// (full symmetric range over a group); rounding costs half a step, the clamps of the fitted
// scale/min and the 4/6-bit scale quantization at most about one more. Bound: 1.5 steps with the
// same 1.5x margin as above.
constexpr double kKQuantMaxErrSteps = 1.5 * 1.5;

std::vector<float> gaussian(size_t n, uint32_t seed, float sigma = 1.0f) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, sigma);
    std::vector<float> v(n);
    for (float& x : v) x = dist(rng);
    return v;
}

// Inputs that stress the edge cases of the scale search: ties in magnitude with both signs,
// signed zeros, many zeros, huge and tiny magnitudes, overflowing ranges, half-way points.
std::vector<float> nastyInput(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<float> v = gaussian(n, seed);
    std::uniform_int_distribution<int> kind(0, 11);
    for (size_t b = 0; b + 32 <= n; b += 32) {
        float* x = v.data() + b;
        switch (kind(rng)) {
        case 0: // +-amax ties, the negative one first
            x[3] = -4.0f, x[20] = 4.0f;
            break;
        case 1: // signed zeros only
            for (int j = 0; j < 32; ++j) x[j] = (j % 3) ? 0.0f : -0.0f;
            break;
        case 2: // mostly zero, one value
            for (int j = 0; j < 32; ++j) x[j] = 0.0f;
            x[17] = -1.5f;
            break;
        case 3: // all equal
            for (int j = 0; j < 32; ++j) x[j] = 0.7f;
            break;
        case 4: // large
            for (int j = 0; j < 32; ++j) x[j] *= 1e4f;
            break;
        case 5: // tiny: scale near fp16's subnormal range
            for (int j = 0; j < 32; ++j) x[j] *= 1e-6f;
            break;
        case 6: // half-way points of the q8_0 grid (x * 127 / amax = k + 0.5)
            for (int j = 0; j < 32; ++j) x[j] = float(j - 16) + 0.5f;
            x[0] = 127.0f;
            break;
        case 7: // subnormal-scale block: 1/d overflows, the kernels hand it to the reference
            for (int j = 0; j < 32; ++j) x[j] *= 1e-38f;
            break;
        case 8: // max - min overflows fp32 (and d fp16): Inf and NaN values, still bit-identical
            x[5] = 3e38f, x[9] = -3e38f;
            break;
        default:
            break;
        }
    }
    return v;
}

bool sameBits(const std::vector<float>& a, const std::vector<float>& b, QString* where) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::memcmp(&a[i], &b[i], 4) != 0) {
            *where = QStringLiteral("element %1: %2 vs %3")
                         .arg(i)
                         .arg(double(a[i]), 0, 'g', 9)
                         .arg(double(b[i]), 0, 'g', 9);
            return false;
        }
    return true;
}

// Every SIMD comparison runs per target (tests/common/simd_targets.h).
const int kFusedTypes[] = {ggml::kQ8_0, ggml::kQ4_0, ggml::kQ4_1, ggml::kQ5_0, ggml::kQ5_1};
const int kKTypes[] = {ggml::kQ2_K, ggml::kQ3_K, ggml::kQ4_K, ggml::kQ5_K, ggml::kQ6_K};

const char* typeName(int type) {
    return ggmlTypeTraits(type)->name.data();
}

QByteArray toHex(const std::vector<std::byte>& b) {
    return QByteArray(reinterpret_cast<const char*>(b.data()), qsizetype(b.size())).toHex();
}

std::vector<std::byte> fromHex(const QByteArray& hex) {
    const QByteArray raw = QByteArray::fromHex(hex);
    std::vector<std::byte> out(size_t(raw.size()));
    std::memcpy(out.data(), raw.data(), out.size());
    return out;
}

// `count` copies of the two hex digits `byte`.
QByteArray rep(int count, const char* byte) {
    QByteArray r;
    for (int i = 0; i < count; ++i) r += byte;
    return r;
}

QList<float> uniform(float v) {
    return QList<float>(32, v);
}

std::vector<float> pattern(const char* name) {
    std::vector<float> x(32);
    const QByteArray n(name);
    for (int j = 0; j < 32; ++j) {
        if (n == "ramp")
            x[j] = float(j);
        else if (n == "outlier")
            x[j] = j == 7 ? -24.0f : 0.5f;
        else if (n == "zero")
            x[j] = 0.0f;
        else if (n == "equal")
            x[j] = 3.0f;
        else if (n == "negmax")
            x[j] = float(j - 31);
        else if (n == "tie")
            x[j] = j == 0 ? -2.0f : j == 1 ? 2.0f : 1.0f;
        else if (n == "signedzero")
            x[j] = j == 0 ? -0.0f : 0.0f;
    }
    return x;
}

void addHand(const char* tag, int type, const std::vector<float>& x, const char* hex,
             const QList<float>& y) {
    QTest::newRow(tag) << type << QList<float>(x.begin(), x.end()) << QByteArray(hex) << y;
}

} // namespace

class TestGgmlQuants : public QObject {
    Q_OBJECT

private slots:
    void typeTraits_data();
    void typeTraits();
    void handBlocks_data();
    void handBlocks();
    void handKQuantBlocks_data();
    void handKQuantBlocks();
    void zeroSuperBlocks_data();
    void zeroSuperBlocks();
    void simdMatchesReference_data();
    void simdMatchesReference();
    void inPlaceAndThreaded_data();
    void inPlaceAndThreaded();
    void idempotent_data();
    void idempotent();
    void errorBound_data();
    void errorBound();
    void kQuantAccuracy();
    void floatTypes();
    void formats_data();
    void formats();
    void checkShape_data();
    void checkShape();
    void nonFiniteRejected_data();
    void nonFiniteRejected();
};

// ---- Layouts: ids, names, block sizes and bytes as in ggml-common.h / ggml.c's type_traits.
void TestGgmlQuants::typeTraits_data() {
    QTest::addColumn<int>("type");
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("blockSize");
    QTest::addColumn<int>("blockBytes");
    QTest::newRow("f32") << 0 << "f32" << 1 << 4;
    QTest::newRow("f16") << 1 << "f16" << 1 << 2;
    QTest::newRow("q4_0") << 2 << "q4_0" << 32 << 18;    // fp16 d + 16 nibble bytes
    QTest::newRow("q4_1") << 3 << "q4_1" << 32 << 20;    // + fp16 m
    QTest::newRow("q5_0") << 6 << "q5_0" << 32 << 22;    // d + 4 bytes of fifth bits + 16
    QTest::newRow("q5_1") << 7 << "q5_1" << 32 << 24;    // d, m + 4 + 16
    QTest::newRow("q8_0") << 8 << "q8_0" << 32 << 34;    // d + 32 int8
    QTest::newRow("q2_K") << 10 << "q2_K" << 256 << 84;  // 16 scales + 64 qs + d + dmin
    QTest::newRow("q3_K") << 11 << "q3_K" << 256 << 110; // 32 hmask + 64 qs + 12 scales + d
    QTest::newRow("q4_K") << 12 << "q4_K" << 256 << 144; // d + dmin + 12 scales + 128 qs
    QTest::newRow("q5_K") << 13 << "q5_K" << 256 << 176; // + 32 qh
    QTest::newRow("q6_K") << 14 << "q6_K" << 256 << 210; // 128 ql + 64 qh + 16 scales + d
    QTest::newRow("bf16") << 30 << "bf16" << 1 << 2;
}

void TestGgmlQuants::typeTraits() {
    QFETCH(int, type);
    QFETCH(QString, name);
    QFETCH(int, blockSize);
    QFETCH(int, blockBytes);
    const GgmlTypeTraits* t = ggmlTypeTraits(type);
    QVERIFY(t);
    QCOMPARE(QString::fromUtf8(t->name.data(), qsizetype(t->name.size())), name);
    QCOMPARE(t->blockSize, blockSize);
    QCOMPARE(t->blockBytes, blockBytes);
    QCOMPARE(ggmlRowBytes(type, 4096), uint64_t(4096 / blockSize * blockBytes));
    const std::vector<float> x = gaussian(size_t(3 * 512), 1);
    QCOMPARE(ggmlQuantizeRows(type, x.data(), 3, 512).size(),
             size_t(3 * 512 / blockSize * blockBytes));
    if (blockSize > 1) QVERIFY_THROWS_EXCEPTION(Error, ggmlRowBytes(type, blockSize + 16));
    QVERIFY(!ggmlTypeTraits(4)); // Q4_2, long removed from ggml
}

// ---- Hand-computed 32-element blocks. Bytes are little-endian: fp16 d (and m), then (q5) the
// 32 fifth bits as a uint32, then 16 bytes with element j in the low and j+16 in the high nibble.
//
// q4_0: max = the first element of largest |x|, d = max / -8, code = min(15, trunc(x/d + 8.5)),
// value = (code - 8) * fp16(d).
//  ramp 0..31: max 31, d = -3.875 = fp16 0xc3c0 (-1.9375 * 2^1). x/d = -j/3.875, so codes 8, 8,
//   7, 7, 7, 7, 6, ... one lower every 3.875; 31 -> 8.5 - 8 = 0.5 -> 0. Byte 0 = 8 | 4 << 4
//   (j = 16: 8.5 - 4.13 -> 4) = 0x48.
//  outlier (0.5, x[7] = -24): d = -24/-8 = 3 = 0x4200, 0.5/3 + 8.5 -> 8, -24/3 + 8.5 = 0.5 -> 0:
//   every value but the outlier becomes 0 (error 0.5 <= d/2 = 1.5).
//  zero: max stays +0, d = +0/-8 = -0 -> fp16 0x8000 (!), id = 0, codes 8, values 0 * -0 = -0.
//  equal 3: d = -0.375 = 0xb600, 3/-0.375 + 8.5 = 0.5 -> 0, value -8 * -0.375 = 3 exactly.
//  negmax -31..0: max -31 (first), d = +3.875 = 0x43c0; codes mirror the ramp.
//  tie (-2, 2, 1...): the first of |x| = 2 is -2: d = 0.25 = 0x3400, id 4: -2 -> 0.5 -> 0,
//   2 -> 16.5 -> clamped 15 (value 1.75: the asymmetric [-8, 7] range), 1 -> 12.5 -> 12 (1.0).
// q4_1: d = (max - min) / 15, m = min, code = min(15, trunc((x - min)/d + 0.5)), value code d + m.
//  ramp: d = 31/15 = 2.0667 -> fp16 0x4022 = 2.06640625, m = 0: codes 0, 0, 1, 1, 2, ...
//  outlier: min -24, d = 24.5/15 = 1.6333 -> 0x3e89 = 1.6337890625; 0.5 -> code 15, value
//   15 * 1.6337890625 - 24 = 0.5068359375 (fp16 rounding of d shows up 15-fold).
//  zero: min = max = +0, d = 0, m = 0x0000. equal 3: d = 0, m = 3 = 0x4200, codes 0, value 3.
//  signedzero (-0, +0, ...): strict </> keep the first: min = max = -0, m = fp16 -0 = 0x8000;
//   values 0 * 0 + -0 = +0.
// q5_0 / q5_1: as q4_0 / q4_1 with -16, 16.5, 31 levels; codes >= 16 set bit j of qh.
//  q5_0 zero: codes 16 -> qh = 0xffffffff, d = 0x8000. q5_1 ramp: d = 31/31 = 1 = 0x3c00, codes
//   = j exactly, qh = 0xffff0000 (j >= 16), nibbles 0x00, 0x11, ... 0xff.
// q8_0: d = amax / 127, code = roundf(x / d) (half away from zero), value code fp16(d).
//  ramp: d = 31/127 = 0.24409 -> fp16 0x33d0 = 0.244140625; codes round(j * 4.0968): 0, 4, 8, 12,
//   16, 20, 25 (24.58), ...; 31 -> 127 (0x7f), value 127 * 0.244140625 = 31.005859375.
//  outlier: d = 24/127 -> 0x320c = 0.18896484375; 0.5 -> 2.646 -> 3, value 0.56689453125;
//   -24 -> -127 = 0x81, value -23.99853515625.
//  equal 3: d = 3/127 -> 0x260c = 0.0236206054688; codes 127, value 2.99981689453125.
void TestGgmlQuants::handBlocks_data() {
    QTest::addColumn<int>("type");
    QTest::addColumn<QList<float>>("input");
    QTest::addColumn<QByteArray>("hex");
    QTest::addColumn<QList<float>>("values");
    // clang-format off
    addHand("q4_0 ramp", ggml::kQ4_0, pattern("ramp"), "c0c348483737373726262626151515150404", {-0.0f, -0.0f, 3.875f, 3.875f, 3.875f, 3.875f, 7.75f, 7.75f, 7.75f, 7.75f, 11.625f, 11.625f, 11.625f, 11.625f, 15.5f, 15.5f, 15.5f, 15.5f, 19.375f, 19.375f, 19.375f, 19.375f, 23.25f, 23.25f, 23.25f, 23.25f, 27.125f, 27.125f, 27.125f, 27.125f, 31, 31});
    addHand("q4_0 outlier", ggml::kQ4_0, pattern("outlier"), "004288888888888888808888888888888888", {0, 0, 0, 0, 0, 0, 0, -24, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    addHand("q4_0 zero", ggml::kQ4_0, pattern("zero"), "008088888888888888888888888888888888", uniform(-0.0f));
    addHand("q4_0 equal", ggml::kQ4_0, pattern("equal"), "00b600000000000000000000000000000000", uniform(3));
    addHand("q4_0 negmax", ggml::kQ4_0, pattern("negmax"), "c04340405151515162626262737373738484", {-31, -31, -27.125f, -27.125f, -27.125f, -27.125f, -23.25f, -23.25f, -23.25f, -23.25f, -19.375f, -19.375f, -19.375f, -19.375f, -15.5f, -15.5f, -15.5f, -15.5f, -11.625f, -11.625f, -11.625f, -11.625f, -7.75f, -7.75f, -7.75f, -7.75f, -3.875f, -3.875f, -3.875f, -3.875f, 0, 0});
    addHand("q4_1 ramp", ggml::kQ4_1, pattern("ramp"), "2240000080809191a2a2b3b3c4c4d5d5e6e6f7f7", {0, 0, 2.06640625f, 2.06640625f, 4.1328125f, 4.1328125f, 6.19921875f, 6.19921875f, 8.265625f, 8.265625f, 10.33203125f, 10.33203125f, 12.3984375f, 12.3984375f, 14.46484375f, 14.46484375f, 16.53125f, 16.53125f, 18.59765625f, 18.59765625f, 20.6640625f, 20.6640625f, 22.73046875f, 22.73046875f, 24.796875f, 24.796875f, 26.86328125f, 26.86328125f, 28.9296875f, 28.9296875f, 30.99609375f, 30.99609375f});
    addHand("q4_1 outlier", ggml::kQ4_1, pattern("outlier"), "893e00cefffffffffffffff0ffffffffffffffff", {0.5068359375f, 0.5068359375f, 0.5068359375f, 0.5068359375f, 0.5068359375f, 0.5068359375f, 0.5068359375f, -24, 0.5068359375f, 0.5068359375f, 0.5068359375f, 0.5068359375f, 0.5068359375f, 0.5068359375f, 0.5068359375f, 0.5068359375f, 0.5068359375f, 0.5068359375f, 0.5068359375f, 0.5068359375f, 0.5068359375f, 0.5068359375f, 0.5068359375f, 0.5068359375f, 0.5068359375f, 0.5068359375f, 0.5068359375f, 0.5068359375f, 0.5068359375f, 0.5068359375f, 0.5068359375f, 0.5068359375f});
    addHand("q4_1 zero", ggml::kQ4_1, pattern("zero"), "0000000000000000000000000000000000000000", uniform(0));
    addHand("q4_1 equal", ggml::kQ4_1, pattern("equal"), "0000004200000000000000000000000000000000", uniform(3));
    addHand("q4_1 negmax", ggml::kQ4_1, pattern("negmax"), "2240c0cf80809191a2a2b3b3c4c4d5d5e6e6f7f7", {-31, -31, -28.93359375f, -28.93359375f, -26.8671875f, -26.8671875f, -24.80078125f, -24.80078125f, -22.734375f, -22.734375f, -20.66796875f, -20.66796875f, -18.6015625f, -18.6015625f, -16.53515625f, -16.53515625f, -14.46875f, -14.46875f, -12.40234375f, -12.40234375f, -10.3359375f, -10.3359375f, -8.26953125f, -8.26953125f, -6.203125f, -6.203125f, -4.13671875f, -4.13671875f, -2.0703125f, -2.0703125f, -0.00390625f, -0.00390625f});
    addHand("q5_0 ramp", ggml::kQ5_0, pattern("ramp"), "c0bf01000000807f7f6e6e5d5d4c4c3b3b2a2a191908", {-0.0f, 1.9375f, 1.9375f, 3.875f, 3.875f, 5.8125f, 5.8125f, 7.75f, 7.75f, 9.6875f, 9.6875f, 11.625f, 11.625f, 13.5625f, 13.5625f, 15.5f, 15.5f, 17.4375f, 17.4375f, 19.375f, 19.375f, 21.3125f, 21.3125f, 23.25f, 23.25f, 25.1875f, 25.1875f, 27.125f, 27.125f, 29.0625f, 29.0625f, 31});
    addHand("q5_0 outlier", ggml::kQ5_0, pattern("outlier"), "003e7fffffff00000000000000000000000000000000", {0, 0, 0, 0, 0, 0, 0, -24, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    addHand("q5_0 zero", ggml::kQ5_0, pattern("zero"), "0080ffffffff00000000000000000000000000000000", uniform(-0.0f));
    addHand("q5_0 equal", ggml::kQ5_0, pattern("equal"), "00b20000000000000000000000000000000000000000", uniform(3));
    addHand("q5_0 negmax", ggml::kQ5_0, pattern("negmax"), "c03f00000080809191a2a2b3b3c4c4d5d5e6e6f7f708", {-31, -29.0625f, -29.0625f, -27.125f, -27.125f, -25.1875f, -25.1875f, -23.25f, -23.25f, -21.3125f, -21.3125f, -19.375f, -19.375f, -17.4375f, -17.4375f, -15.5f, -15.5f, -13.5625f, -13.5625f, -11.625f, -11.625f, -9.6875f, -9.6875f, -7.75f, -7.75f, -5.8125f, -5.8125f, -3.875f, -3.875f, -1.9375f, -1.9375f, 0});
    addHand("q5_1 ramp", ggml::kQ5_1, pattern("ramp"), "003c00000000ffff00112233445566778899aabbccddeeff", {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31});
    addHand("q5_1 outlier", ggml::kQ5_1, pattern("outlier"), "533a00ce7ffffffffffffffffffffff0ffffffffffffffff", {0.50634765625f, 0.50634765625f, 0.50634765625f, 0.50634765625f, 0.50634765625f, 0.50634765625f, 0.50634765625f, -24, 0.50634765625f, 0.50634765625f, 0.50634765625f, 0.50634765625f, 0.50634765625f, 0.50634765625f, 0.50634765625f, 0.50634765625f, 0.50634765625f, 0.50634765625f, 0.50634765625f, 0.50634765625f, 0.50634765625f, 0.50634765625f, 0.50634765625f, 0.50634765625f, 0.50634765625f, 0.50634765625f, 0.50634765625f, 0.50634765625f, 0.50634765625f, 0.50634765625f, 0.50634765625f, 0.50634765625f});
    addHand("q5_1 zero", ggml::kQ5_1, pattern("zero"), "000000000000000000000000000000000000000000000000", uniform(0));
    addHand("q5_1 equal", ggml::kQ5_1, pattern("equal"), "000000420000000000000000000000000000000000000000", uniform(3));
    addHand("q5_1 negmax", ggml::kQ5_1, pattern("negmax"), "003cc0cf0000ffff00112233445566778899aabbccddeeff", {-31, -30, -29, -28, -27, -26, -25, -24, -23, -22, -21, -20, -19, -18, -17, -16, -15, -14, -13, -12, -11, -10, -9, -8, -7, -6, -5, -4, -3, -2, -1, 0});
    addHand("q8_0 ramp", ggml::kQ8_0, pattern("ramp"), "d0330004080c1014191d2125292d3135393d42464a4e52565a5e62666b6f73777b7f", {0, 0.9765625f, 1.953125f, 2.9296875f, 3.90625f, 4.8828125f, 6.103515625f, 7.080078125f, 8.056640625f, 9.033203125f, 10.009765625f, 10.986328125f, 11.962890625f, 12.939453125f, 13.916015625f, 14.892578125f, 16.11328125f, 17.08984375f, 18.06640625f, 19.04296875f, 20.01953125f, 20.99609375f, 21.97265625f, 22.94921875f, 23.92578125f, 24.90234375f, 26.123046875f, 27.099609375f, 28.076171875f, 29.052734375f, 30.029296875f, 31.005859375f});
    addHand("q8_0 outlier", ggml::kQ8_0, pattern("outlier"), "0c320303030303030381030303030303030303030303030303030303030303030303", {0.56689453125f, 0.56689453125f, 0.56689453125f, 0.56689453125f, 0.56689453125f, 0.56689453125f, 0.56689453125f, -23.99853515625f, 0.56689453125f, 0.56689453125f, 0.56689453125f, 0.56689453125f, 0.56689453125f, 0.56689453125f, 0.56689453125f, 0.56689453125f, 0.56689453125f, 0.56689453125f, 0.56689453125f, 0.56689453125f, 0.56689453125f, 0.56689453125f, 0.56689453125f, 0.56689453125f, 0.56689453125f, 0.56689453125f, 0.56689453125f, 0.56689453125f, 0.56689453125f, 0.56689453125f, 0.56689453125f, 0.56689453125f});
    addHand("q8_0 zero", ggml::kQ8_0, pattern("zero"), "00000000000000000000000000000000000000000000000000000000000000000000", uniform(0));
    addHand("q8_0 equal", ggml::kQ8_0, pattern("equal"), "0c267f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f", uniform(2.99981689453125f));
    addHand("q8_0 negmax", ggml::kQ8_0, pattern("negmax"), "d0338185898d91959a9ea2a6aaaeb2b6babec3c7cbcfd3d7dbdfe3e7ecf0f4f8fc00", {-31.005859375f, -30.029296875f, -29.052734375f, -28.076171875f, -27.099609375f, -26.123046875f, -24.90234375f, -23.92578125f, -22.94921875f, -21.97265625f, -20.99609375f, -20.01953125f, -19.04296875f, -18.06640625f, -17.08984375f, -16.11328125f, -14.892578125f, -13.916015625f, -12.939453125f, -11.962890625f, -10.986328125f, -10.009765625f, -9.033203125f, -8.056640625f, -7.080078125f, -6.103515625f, -4.8828125f, -3.90625f, -2.9296875f, -1.953125f, -0.9765625f, 0});
    addHand("q4_0 tie", ggml::kQ4_0, pattern("tie"), "0034c0cfcccccccccccccccccccccccccccc",
            [] { QList<float> v(32, 1.0f); v[0] = -2.0f; v[1] = 1.75f; return v; }());
    addHand("q4_1 signedzero", ggml::kQ4_1, pattern("signedzero"),
            "0000008000000000000000000000000000000000", uniform(0.0f));
    addHand("q5_1 signedzero", ggml::kQ5_1, pattern("signedzero"),
            "000000800000000000000000000000000000000000000000", uniform(0.0f));
    // clang-format on
}

void TestGgmlQuants::handBlocks() {
    QFETCH(int, type);
    QFETCH(QList<float>, input);
    QFETCH(QByteArray, hex);
    QFETCH(QList<float>, values);
    const std::vector<float> x(input.begin(), input.end());
    const std::vector<std::byte> q = ggmlQuantizeRows(type, x.data(), 1, 32);
    QCOMPARE(toHex(q), hex);
    std::vector<float> y(32), fused(32);
    ggmlDequantizeRows(type, q.data(), y.data(), 1, 32);
    const std::vector<float> want(values.begin(), values.end());
    QString where;
    QVERIFY2(sameBits(y, want, &where), qPrintable(where)); // bits: the sign of zero matters
    for (int64_t t : testTargets()) {
        TargetScope scope(t);
        QCOMPARE(ggmlQuantizeDequantize(type, x.data(), fused.data(), 1, 32), int64_t(-1));
        QVERIFY2(sameBits(fused, want, &where), qPrintable(QString(targetLabel(t)) + ": " + where));
    }
}

// ---- Hand-built K-quant super-blocks, dequantized: checks the scale packing (get_scale_min_k4,
// Q3_K's 6-bit scales, Q6_K's int8 scales), the code bit positions and the element order.
// `groups` lists the value of each run of `groupSize` consecutive elements.
void TestGgmlQuants::handKQuantBlocks_data() {
    QTest::addColumn<int>("type");
    QTest::addColumn<QByteArray>("hex");
    QTest::addColumn<int>("groupSize");
    QTest::addColumn<QList<float>>("groups");

    // Q4_K: d = 1 (0x3c00), dmin = 0.5 (0x3800); scale j = j+1 and min j = j, except scale 4 = 37
    // (0b100101) and min 5 = 33 (0b100001) to exercise the high bits: bytes 0-3 = scales 0-3 |
    // high bits of scales 4-7 << 6 -> 0x01 | 2<<6 = 0x81, 02, 03, 04; bytes 4-7 = mins 0-3 | high
    // bits of mins 4-7 << 6 -> 00, 0x01 | 2<<6 = 0x81, 02, 03; bytes 8-11 = low nibbles of scale
    // | min << 4 for j = 4..7 -> 0x45, (6 | 1<<4) = 0x16, 0x67, 0x78. qs all 0x21: code 1 for the
    // first 32 of every 64 (low nibbles), 2 for the second 32 (high nibbles). Group j value =
    // d * scale * code - dmin * min: 1*1*1 - 0 = 1, 2*2 - 0.5 = 3.5, 3 - 1 = 2, 8 - 1.5 = 6.5,
    // 37 - 2 = 35, 6*2 - 16.5 = -4.5, 7 - 3 = 4, 16 - 3.5 = 12.5.
    QTest::newRow("q4_K") << ggml::kQ4_K
                          << QByteArray("003c0038"
                                        "81020304"
                                        "00810203"
                                        "45166778") +
                                 rep(128, "21")
                          << 32 << QList<float>{1, 3.5f, 2, 6.5f, 35, -4.5f, 4, 12.5f};
    // Q5_K: d = 1, dmin = 0, all scales 1 (bytes 0-3 = 1, 4-7 = 0, 8-11 = 0x01), qh all 0x55:
    // bit 2i (the first 32 of pair i) adds 16, bit 2i+1 is clear; qs 0 -> 16, 0, 16, 0, ...
    QTest::newRow("q5_K") << ggml::kQ5_K
                          << QByteArray("003c0000"
                                        "01010101"
                                        "00000000"
                                        "01010101") +
                                 rep(32, "55") + rep(128, "00")
                          << 32 << QList<float>{16, 0, 16, 0, 16, 0, 16, 0};
    // Q6_K: ql all 0, qh all 0xe4 = 0b11'10'01'00: within each 128, elements l, l+32, l+64, l+96
    // take high bits 0, 1, 2, 3 -> codes 0, 16, 32, 48 minus 32 = -32, -16, 0, 16; scales all 1,
    // d = 0.25 (0x3400): values -8, -4, 0, 4 per 32, twice.
    QTest::newRow("q6_K") << ggml::kQ6_K
                          << rep(128, "00") + rep(64, "e4") + rep(16, "01") + QByteArray("0034")
                          << 32 << QList<float>{-8, -4, 0, 4, -8, -4, 0, 4};
    // Q2_K: scales all 0x12 (scale 2, min 1), qs all 0xe4: within each 128, the 32-runs at shifts
    // 0, 2, 4, 6 have codes 0, 1, 2, 3; d = dmin = 1: values 2q - 1 = -1, 1, 3, 5.
    QTest::newRow("q2_K") << ggml::kQ2_K << rep(16, "12") + rep(64, "e4") + QByteArray("003c003c")
                          << 32 << QList<float>{-1, 1, 3, 5, -1, 1, 3, 5};
    // Q3_K: hmask all 0x55: bit b (b = 32-run index 0..7 over the whole 256) set for even runs,
    // so odd runs subtract 4; qs all 0xe4 -> low codes 0, 1, 2, 3 per 128; scales all 33 (-32 ->
    // 1): low nibbles 1 -> bytes 0-7 = 0x11, high 2 bits 0b10 at bit 2*(j/4) of byte 8 + j%4 ->
    // 0xaa; d = 1. Values: 0, 1 - 4, 2, 3 - 4, then the same for the second 128.
    QTest::newRow("q3_K") << ggml::kQ3_K
                          << rep(32, "55") + rep(64, "e4") + rep(8, "11") + rep(4, "aa") +
                                 QByteArray("003c")
                          << 32 << QList<float>{0, -3, 2, -1, 0, -3, 2, -1};
}

void TestGgmlQuants::handKQuantBlocks() {
    QFETCH(int, type);
    QFETCH(QByteArray, hex);
    QFETCH(int, groupSize);
    QFETCH(QList<float>, groups);
    const std::vector<std::byte> block = fromHex(hex);
    QCOMPARE(int(block.size()), ggmlTypeTraits(type)->blockBytes);
    std::vector<float> y(256);
    ggmlDequantizeRows(type, block.data(), y.data(), 1, 256);
    for (int i = 0; i < 256; ++i)
        if (y[size_t(i)] != groups[i / groupSize])
            QFAIL(qPrintable(QStringLiteral("element %1: %2, expected %3")
                                 .arg(i)
                                 .arg(double(y[size_t(i)]))
                                 .arg(double(groups[i / groupSize]))));
}

// All-zero super-blocks encode as all-zero bytes (every scale search bails out on a zero group;
// ggml's Q6_K memsets the block) and decode to zeros.
void TestGgmlQuants::zeroSuperBlocks_data() {
    QTest::addColumn<int>("type");
    for (int t : kKTypes) QTest::newRow(typeName(t)) << t;
}

void TestGgmlQuants::zeroSuperBlocks() {
    QFETCH(int, type);
    const std::vector<float> x(512, 0.0f);
    const std::vector<std::byte> q = ggmlQuantizeRows(type, x.data(), 2, 256);
    QVERIFY(std::all_of(q.begin(), q.end(), [](std::byte b) { return b == std::byte{0}; }));
    std::vector<float> y(512, 1.0f);
    ggmlDequantizeRows(type, q.data(), y.data(), 2, 256);
    QVERIFY(std::all_of(y.begin(), y.end(), [](float v) { return v == 0.0f; }));
}

// ---- Fast path == scalar reference == dequantize(quantize(x)), bit for bit, per SIMD target.
void TestGgmlQuants::simdMatchesReference_data() {
    QTest::addColumn<qint64>("target");
    QTest::addColumn<int>("type");
    QTest::addColumn<qint64>("rows");
    QTest::addColumn<qint64>("cols");
    QTest::addColumn<uint>("seed");
    QTest::addColumn<bool>("nasty");
    for (int64_t t : testTargets())
        for (int type : kFusedTypes)
            for (int64_t rows : {1, 3, 7, 33})
                for (int64_t cols : {32, 96, 288})
                    for (bool nasty : {false, true})
                        QTest::addRow("%s %s %lldx%lld %s", targetLabel(t), typeName(type),
                                      (long long)rows, (long long)cols, nasty ? "edge" : "gauss")
                            << qint64(t) << type << qint64(rows) << qint64(cols)
                            << uint(rows * 131 + cols) << nasty;
    for (int type : kKTypes) // scalar only: the fast path runs the reference code in parallel
        QTest::addRow("%s 5x512", typeName(type))
            << qint64(0) << type << qint64(5) << qint64(512) << 7u << false;
}

void TestGgmlQuants::simdMatchesReference() {
    QFETCH(qint64, target);
    QFETCH(int, type);
    QFETCH(qint64, rows);
    QFETCH(qint64, cols);
    QFETCH(uint, seed);
    QFETCH(bool, nasty);
    TargetScope scope(target);
    if (target != 0) QCOMPARE(QString(ggmlSimdTargetName()), QString(hwy::TargetName(target)));
    const size_t n = size_t(rows * cols);
    const std::vector<float> x = nasty ? nastyInput(n, seed) : gaussian(n, seed);
    std::vector<float> fast(n), ref(n), viaBytes(n);
    QCOMPARE(ggmlQuantizeDequantize(type, x.data(), fast.data(), rows, cols), int64_t(-1));
    QCOMPARE(ggml_ref::quantizeDequantize(type, x.data(), ref.data(), rows, cols), int64_t(-1));
    const std::vector<std::byte> q = ggmlQuantizeRows(type, x.data(), rows, cols);
    ggmlDequantizeRows(type, q.data(), viaBytes.data(), rows, cols);
    QString where;
    QVERIFY2(sameBits(fast, ref, &where), qPrintable("fast vs ref, " + where));
    QVERIFY2(sameBits(viaBytes, ref, &where), qPrintable("bytes vs ref, " + where));
}

// Large enough for the oneTBB split (> 256K elements), in place (dst == src).
void TestGgmlQuants::inPlaceAndThreaded_data() {
    QTest::addColumn<int>("type");
    for (int t : kFusedTypes) QTest::newRow(typeName(t)) << t;
    QTest::newRow("q4_K") << ggml::kQ4_K;
}

void TestGgmlQuants::inPlaceAndThreaded() {
    QFETCH(int, type);
    const int64_t rows = 301, cols = 2048;
    std::vector<float> x = nastyInput(size_t(rows * cols), 11);
    std::vector<float> ref(x.size());
    QCOMPARE(ggml_ref::quantizeDequantize(type, x.data(), ref.data(), rows, cols), int64_t(-1));
    QCOMPARE(ggmlQuantizeDequantize(type, x.data(), x.data(), rows, cols), int64_t(-1));
    QString where;
    QVERIFY2(sameBits(x, ref, &where), qPrintable(where));
}

// quantize -> dequantize -> quantize reproduces the bytes: a dequantized block is a fixed point
// (its extreme element re-derives the same fp16 scale; every other value lands within float
// rounding of its code, far from the truncation/rounding thresholds). Holds for normal-range
// data, which is what this uses; blocks whose fp16 scale underflows would not be fixed points.
void TestGgmlQuants::idempotent_data() {
    QTest::addColumn<int>("type");
    for (int t : kFusedTypes) QTest::newRow(typeName(t)) << t;
}

void TestGgmlQuants::idempotent() {
    QFETCH(int, type);
    for (uint32_t seed : {1u, 2u, 3u}) {
        const int64_t rows = 17, cols = 320;
        const std::vector<float> x = gaussian(size_t(rows * cols), seed, 0.05f);
        const std::vector<std::byte> q1 = ggmlQuantizeRows(type, x.data(), rows, cols);
        std::vector<float> y(x.size());
        ggmlDequantizeRows(type, q1.data(), y.data(), rows, cols);
        const std::vector<std::byte> q2 = ggmlQuantizeRows(type, y.data(), rows, cols);
        QCOMPARE(toHex(q2), toHex(q1));
    }
}

// Per block, |x - q(x)| <= bound(d): half a step where rounding is to nearest (q8_0; q4_1 and
// q5_1, whose 15/31 steps cover [min, max] exactly), a full step for q4_0/q5_0 at the clamped end
// of their asymmetric [-8, 7] / [-16, 15] code range; plus the fp16 rounding of d (times the
// largest code magnitude) and of m, and fp32 slack.
void TestGgmlQuants::errorBound_data() {
    QTest::addColumn<int>("type");
    for (int t : kFusedTypes) QTest::newRow(typeName(t)) << t;
}

void TestGgmlQuants::errorBound() {
    QFETCH(int, type);
    const int64_t rows = 64, cols = 1024;
    const std::vector<float> x = gaussian(size_t(rows * cols), 5);
    std::vector<float> y(x.size());
    QCOMPARE(ggmlQuantizeDequantize(type, x.data(), y.data(), rows, cols), int64_t(-1));
    const bool asym = type == ggml::kQ4_1 || type == ggml::kQ5_1;
    const double levels = type == ggml::kQ8_0   ? 127
                          : type == ggml::kQ4_0 ? 8
                          : type == ggml::kQ5_0 ? 16
                          : type == ggml::kQ4_1 ? 15
                                                : 31;
    const double stepFactor = (type == ggml::kQ4_0 || type == ggml::kQ5_0) ? 1.0 : 0.5;
    double worstRatio = 0;
    for (size_t b = 0; b < x.size(); b += 32) {
        double mn = x[b], mx = x[b], amax = 0;
        for (size_t j = b; j < b + 32; ++j) {
            mn = std::min(mn, double(x[j]));
            mx = std::max(mx, double(x[j]));
            amax = std::max(amax, std::fabs(double(x[j])));
        }
        const double d = asym ? (mx - mn) / levels : amax / levels;
        const double bound = stepFactor * d + levels * d * kFp16RelErr +
                             (asym ? std::fabs(mn) * kFp16RelErr : 0.0) + kFloatSlackUlps * amax;
        for (size_t j = b; j < b + 32; ++j) {
            const double err = std::fabs(double(x[j]) - double(y[j]));
            worstRatio = std::max(worstRatio, err / bound);
            if (err > bound)
                QFAIL(qPrintable(QStringLiteral("element %1: |%2 - %3| = %4 > bound %5 (d = %6)")
                                     .arg(j)
                                     .arg(double(x[j]))
                                     .arg(double(y[j]))
                                     .arg(err)
                                     .arg(bound)
                                     .arg(d)));
        }
    }
    qInfo("%s: worst error / bound = %.3f", typeName(type), worstRatio);
}

// K-quants on N(0,1): relative RMSE within the named bounds and strictly ordered by bits; the
// worst weight within kKQuantMaxErrSteps code steps of its super-block's max |x|.
void TestGgmlQuants::kQuantAccuracy() {
    const int64_t rows = 32, cols = 1024;
    const std::vector<float> x = gaussian(size_t(rows * cols), 9);
    double sumX2 = 0;
    for (float v : x) sumX2 += double(v) * v;
    const double rms = std::sqrt(sumX2 / double(x.size()));
    double previous = std::numeric_limits<double>::infinity();
    for (const KBound& kb : kKQuantBounds) {
        std::vector<float> y(x.size());
        QCOMPARE(ggmlQuantizeDequantize(kb.type, x.data(), y.data(), rows, cols), int64_t(-1));
        double se = 0;
        for (size_t i = 0; i < x.size(); ++i) se += (double(x[i]) - y[i]) * (double(x[i]) - y[i]);
        const double rel = std::sqrt(se / double(x.size())) / rms;
        const double levels = kb.type == ggml::kQ2_K   ? 3
                              : kb.type == ggml::kQ3_K ? 7
                              : kb.type == ggml::kQ4_K ? 15
                              : kb.type == ggml::kQ5_K ? 31
                                                       : 63;
        double worstSteps = 0;
        for (size_t b = 0; b < x.size(); b += 256) {
            double amax = 0;
            for (size_t j = b; j < b + 256; ++j) amax = std::max(amax, std::fabs(double(x[j])));
            const double step = 2.0 * amax / levels;
            for (size_t j = b; j < b + 256; ++j)
                worstSteps = std::max(worstSteps, std::fabs(double(x[j]) - y[j]) / step);
        }
        qInfo("%s: relative RMSE %.4f (bound %.3f), worst error %.2f steps (bound %.2f)",
              typeName(kb.type), rel, kb.relRmse, worstSteps, kKQuantMaxErrSteps);
        QVERIFY2(rel <= kb.relRmse, typeName(kb.type));
        QVERIFY2(rel < previous, "RMSE must fall as bits rise: q2_k > q3_k > q4_k > q5_k > q6_k");
        QVERIFY2(worstSteps <= kKQuantMaxErrSteps, typeName(kb.type));
        previous = rel;
    }
}

void TestGgmlQuants::floatTypes() {
    const std::vector<float> x = {1.0f,        -2.5f,    65504.0f, 1e-8f,
                                  3.14159265f, 70000.0f, -0.0f,    1e30f};
    for (int type : {ggml::kF32, ggml::kF16, ggml::kBF16}) {
        const std::vector<std::byte> q = ggmlQuantizeRows(type, x.data(), 1, int64_t(x.size()));
        std::vector<float> y(x.size());
        ggmlDequantizeRows(type, q.data(), y.data(), 1, int64_t(x.size()));
        for (size_t i = 0; i < x.size(); ++i) {
            const float want = type == ggml::kF32   ? x[i]
                               : type == ggml::kF16 ? fp16ToFloat(floatToFp16(x[i]))
                                                    : bf16ToFloat(floatToBf16(x[i]));
            QCOMPARE(std::memcmp(&y[i], &want, 4), 0);
        }
    }
    // Published bit patterns: fp16(1.0) = 0x3c00, fp16(-2.5) = 0xc100; bf16(1.0) = 0x3f80.
    QCOMPARE(toHex(ggmlQuantizeRows(ggml::kF16, x.data(), 1, 2)), QByteArray("003c00c1"));
    QCOMPARE(toHex(ggmlQuantizeRows(ggml::kBF16, x.data(), 1, 1)), QByteArray("803f"));
}

// ---- QuantFormat wrappers
void TestGgmlQuants::formats_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("type");
    QTest::addColumn<int>("nominal");
    QTest::addColumn<double>("bpw");                     // bytes per block * 8 / elements per block
    QTest::newRow("q8_0") << "q8_0" << 8 << 8 << 8.5;    // 34 * 8 / 32
    QTest::newRow("q4_0") << "q4_0" << 2 << 4 << 4.5;    // 18 * 8 / 32
    QTest::newRow("q4_1") << "q4_1" << 3 << 4 << 5.0;    // 20 * 8 / 32
    QTest::newRow("q5_0") << "q5_0" << 6 << 5 << 5.5;    // 22 * 8 / 32
    QTest::newRow("q5_1") << "q5_1" << 7 << 5 << 6.0;    // 24 * 8 / 32
    QTest::newRow("q2_k") << "q2_k" << 10 << 2 << 2.625; // 84 * 8 / 256
    QTest::newRow("q3_k") << "q3_k" << 11 << 3 << 3.4375; // 110 * 8 / 256
    QTest::newRow("q4_k") << "q4_k" << 12 << 4 << 4.5;    // 144 * 8 / 256
    QTest::newRow("q5_k") << "q5_k" << 13 << 5 << 5.5;    // 176 * 8 / 256
    QTest::newRow("q6_k") << "q6_k" << 14 << 6 << 6.5625; // 210 * 8 / 256
}

void TestGgmlQuants::formats() {
    QFETCH(QString, name);
    QFETCH(int, type);
    QFETCH(int, nominal);
    QFETCH(double, bpw);
    const QuantFormat* f = findQuantFormat(name.toStdString());
    QVERIFY(f);
    QCOMPARE(&quantFormat(name.toUpper().toStdString()), f); // lookup is case-insensitive
    QCOMPARE(QString::fromStdString(f->family()), QString("ggml"));
    QCOMPARE(f->ggmlType(), type);
    QCOMPARE(f->nominalBits(), nominal);
    QCOMPARE(f->bitsPerWeight(4096), bpw);
    QVERIFY(!f->description().empty());
    // The format runs the fused fast path: same bits as the reference.
    const std::vector<float> x = gaussian(4 * 512, 3);
    std::vector<float> got(x.size()), want(x.size());
    f->quantizeDequantize(x.data(), got.data(), 4, 512, {.tensorName = "w"});
    QCOMPARE(ggml_ref::quantizeDequantize(type, x.data(), want.data(), 4, 512), int64_t(-1));
    QString where;
    QVERIFY2(sameBits(got, want, &where), qPrintable(where));
}

void TestGgmlQuants::checkShape_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<qint64>("rows");
    QTest::addColumn<qint64>("cols");
    QTest::addColumn<QString>("reason");
    QTest::newRow("q4_0 ok") << "q4_0" << 3ll << 96ll << "";
    QTest::newRow("q4_0 172") << "q4_0" << 3ll << 172ll << "row length 172 is not a multiple of 32";
    QTest::newRow("q8_0 33") << "q8_0" << 1ll << 33ll << "row length 33 is not a multiple of 32";
    QTest::newRow("q4_k ok") << "q4_k" << 2ll << 4096ll << "";
    QTest::newRow("q4_k 172") << "q4_k" << 3ll << 172ll
                              << "row length 172 is not a multiple of 256";
    QTest::newRow("q6_k 96") << "q6_k" << 3ll << 96ll << "row length 96 is not a multiple of 256";
    QTest::newRow("q2_k 0") << "q2_k" << 3ll << 0ll << "empty or negative shape {3, 0}";
}

void TestGgmlQuants::checkShape() {
    QFETCH(QString, name);
    QFETCH(qint64, rows);
    QFETCH(qint64, cols);
    QFETCH(QString, reason);
    const QuantFormat& f = quantFormat(name.toStdString());
    QCOMPARE(QString::fromStdString(f.checkShape(rows, cols)), reason);
    if (!reason.isEmpty()) {
        std::vector<float> x(size_t(std::max<int64_t>(rows * cols, 1)), 1.0f);
        QVERIFY_THROWS_EXCEPTION(Error,
                                 f.quantizeDequantize(x.data(), x.data(), rows, cols,
                                                      {.tensorName = "blk.0.ffn_up.weight"}));
    }
}

void TestGgmlQuants::nonFiniteRejected_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<float>("bad");
    QTest::addColumn<qint64>("at");
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    for (const char* n :
         {"q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "q2_k", "q3_k", "q4_k", "q5_k", "q6_k"}) {
        QTest::addRow("%s nan", n) << QString(n) << nan << 3 * 512ll + 300;
        QTest::addRow("%s -inf", n) << QString(n) << -inf << 517ll;
        QTest::addRow("%s +inf", n) << QString(n) << inf << 0ll;
    }
}

void TestGgmlQuants::nonFiniteRejected() {
    QFETCH(QString, name);
    QFETCH(float, bad);
    QFETCH(qint64, at);
    const int64_t rows = 600, cols = 512; // > 256K elements: the error survives the thread split
    std::vector<float> x = gaussian(size_t(rows * cols), 4);
    x[size_t(at)] = bad;
    x[size_t(rows * cols - 1)] = bad; // a later one must not be the one reported
    const QuantFormat& f = quantFormat(name.toStdString());
    std::vector<float> y(x.size());
    try {
        f.quantizeDequantize(x.data(), y.data(), rows, cols, {.tensorName = "blk.3.attn_k.weight"});
        QFAIL("no error");
    } catch (const Error& e) {
        const QString msg = e.what();
        QVERIFY2(msg.contains("blk.3.attn_k.weight"), qPrintable(msg));
        QVERIFY2(msg.contains(QStringLiteral("element %1 ").arg(at)), qPrintable(msg));
    }
    QVERIFY_THROWS_EXCEPTION(Error, ggmlQuantizeRows(f.ggmlType(), x.data(), rows, cols));
}

QTEST_GUILESS_MAIN(TestGgmlQuants)
#include "tst_ggml_quants.moc"
