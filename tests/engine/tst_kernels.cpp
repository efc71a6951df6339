// Each SIMD kernel against its plain reference twin (qs::ref) over odd sizes, strided GEMM shapes
// and edge values. Tolerances are named below with the bound they come from.
#include "kernels/kernels.h"
#include "simd_targets.h"

// oneTBB before Qt: Qt's `emit` macro breaks oneapi/tbb/profiling.h.
#include <tbb/parallel_for.h>

#include <hwy/targets.h>

#include <QObject>
#include <QTest>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace {

using qs::test::targetLabel;
using qs::test::TargetScope;
using qs::test::testTargets;

constexpr float kEps = std::numeric_limits<float>::epsilon(); // 2^-23 = 2 x unit roundoff
constexpr float kInf = std::numeric_limits<float>::infinity();

// fp32 summation of K products (FMA, any association order) against an exact-ish double
// reference: |c - ref| <= gamma_K * sum|a_k b_k| with gamma_K ~ K u, u = kEps / 2. One kEps per
// term is twice that bound; the +2 covers the final rounding of the result and the accumulate add.
constexpr float kSumErrPerTerm = kEps;
constexpr float kSumErrExtraTerms = 2;
// Elementwise kernels that round once or twice per element (axpy with/without FMA, the rmsnorm
// scale): a few ulps relative to the magnitudes involved.
constexpr float kFewUlps = 4 * kEps;
// Highway's Exp is accurate to ~1-2 ulp; silu adds a division and a product, each 0.5 ulp.
constexpr float kExpUlps = 8 * kEps;
// Below this magnitude results are denormal or underflowed in either version; compare absolutely.
constexpr float kTinyAbs = 1e-30f;

std::vector<float> randomVector(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(lo, hi);
    std::vector<float> v(n);
    for (float& x : v) x = dist(rng);
    return v;
}

bool anyNonZero(const std::vector<float>& v) {
    for (float x : v)
        if (x != 0.0f) return true;
    return false;
}

#define QS_FETCH_TARGET()                                                                          \
    QFETCH(qint64, target);                                                                        \
    TargetScope targetScope(target);                                                               \
    if (target != 0) QCOMPARE(qs::kernels::simdTargetName(), hwy::TargetName(target))

const int64_t kOddSizes[] = {1, 3, 7, 15, 16, 17, 31, 33, 63, 65, 255, 257, 1000, 4099};

void addSizeRows() {
    QTest::addColumn<qint64>("target");
    QTest::addColumn<qint64>("n");
    for (int64_t t : testTargets())
        for (int64_t n : kOddSizes)
            QTest::addRow("%s n=%lld", targetLabel(t), (long long)n) << qint64(t) << qint64(n);
}

// Checks C (M x N, ldc) from the fast gemm against the reference, with the bound above computed
// per element from |A| |B|^T (+ |C0| when accumulating). Padding columns must stay untouched.
void checkGemm(int64_t M, int64_t N, int64_t K, const std::vector<float>& A, int64_t lda,
               const std::vector<float>& B, int64_t ldb, const std::vector<float>& C0,
               const std::vector<float>& got, const std::vector<float>& want, int64_t ldc,
               bool accumulate) {
    for (int64_t i = 0; i < M; ++i) {
        for (int64_t j = 0; j < ldc; ++j) {
            const size_t at = size_t(i * ldc + j);
            if (j >= N) {
                QCOMPARE(got[at], C0[at]); // padding
                continue;
            }
            double mag = accumulate ? std::fabs(C0[at]) : 0.0;
            for (int64_t k = 0; k < K; ++k)
                mag += std::fabs(double(A[size_t(i * lda + k)]) * double(B[size_t(j * ldb + k)]));
            const double tol =
                (double(K) + kSumErrExtraTerms) * kSumErrPerTerm * mag + double(kTinyAbs);
            if (!(std::fabs(double(got[at]) - double(want[at])) <= tol))
                QFAIL(qPrintable(QStringLiteral("C[%1][%2] = %3, reference %4, tolerance %5")
                                     .arg(i)
                                     .arg(j)
                                     .arg(double(got[at]), 0, 'g', 9)
                                     .arg(double(want[at]), 0, 'g', 9)
                                     .arg(tol)));
        }
    }
}

} // namespace

class TestKernels : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { qInfo("SIMD target: %s", qs::kernels::simdTargetName()); }

    void gemmNT_data() {
        QTest::addColumn<qint64>("target");
        QTest::addColumn<qint64>("M");
        QTest::addColumn<qint64>("N");
        QTest::addColumn<qint64>("K");
        QTest::addColumn<qint64>("padA"); // lda = K + padA
        QTest::addColumn<qint64>("padB");
        QTest::addColumn<qint64>("padC"); // ldc = N + padC
        QTest::addColumn<bool>("accumulate");
        for (int64_t t : testTargets()) {
            auto row = [t](const char* name, qint64 m, qint64 n, qint64 k, qint64 pa, qint64 pb,
                           qint64 pc, bool acc) {
                QTest::addRow("%s %s", targetLabel(t), name)
                    << qint64(t) << m << n << k << pa << pb << pc << acc;
            };
            row("1x1x1", 1, 1, 1, 0, 0, 0, false);
            row("1x1x1 acc", 1, 1, 1, 0, 0, 0, true);
            row("1x1x100", 1, 1, 100, 0, 0, 0, false);
            row("1x100x1", 1, 100, 1, 0, 0, 0, false);
            row("100x1x1", 100, 1, 1, 0, 0, 0, false);
            row("K=0 acc keeps C", 5, 7, 0, 0, 0, 0, true);
            row("K=0 zeroes C", 5, 7, 0, 0, 0, 0, false);
            row("gemv 1x257x33", 1, 257, 33, 0, 0, 0, false);
            row("small M 3x50x17", 3, 50, 17, 0, 0, 0, false);
            row("small M 15x70x65 strided", 15, 70, 65, 3, 5, 2, false);
            row("small M parallel 8x2000x300", 8, 2000, 300, 0, 0, 0, false);
            row("16x16x16", 16, 16, 16, 0, 0, 0, false);
            row("17x33x65", 17, 33, 65, 0, 0, 0, false);
            row("17x33x65 strided acc", 17, 33, 65, 7, 3, 5, true);
            row("tails 23x49x15", 23, 49, 15, 0, 0, 0, false);
            row("tails 31x47x1", 31, 47, 1, 0, 0, 0, false);
            row("64x172x64", 64, 172, 64, 0, 0, 0, false);
            row("129x257x300", 129, 257, 300, 0, 0, 0, false);
            row("129x257x300 strided acc", 129, 257, 300, 11, 13, 9, true);
            row("small M, last 47x61x130", 47, 61, 130, 2, 0, 0, true);
            // Packed path from M = 48: K split into blocks, B packed in several chunks.
            row("packed 48x50x40", 48, 50, 40, 0, 0, 0, false);
            row("K blocks 56x96x1000", 56, 96, 1000, 0, 0, 0, false);
            row("B chunks 50x1000x600", 50, 1000, 600, 0, 0, 1, true);
            row("B chunks small M 20x1000x600", 20, 1000, 600, 0, 0, 1, true);
            // Attention: scores = Q K^T with head_dim K inside rows of the full model width.
            row("attention T=100 hd=8", 100, 100, 8, 504, 504, 0, false);
            row("attention T=77 hd=64", 77, 77, 64, 448, 448, 3, false);
            row("attention T=130 hd=128", 130, 130, 128, 640, 640, 0, true);
        }
    }

    void gemmNT() {
        QS_FETCH_TARGET();
        QFETCH(qint64, M);
        QFETCH(qint64, N);
        QFETCH(qint64, K);
        QFETCH(qint64, padA);
        QFETCH(qint64, padB);
        QFETCH(qint64, padC);
        QFETCH(bool, accumulate);
        const int64_t lda = K + padA, ldb = K + padB, ldc = N + padC;
        const auto A = randomVector(size_t(M * lda), 1);
        const auto B = randomVector(size_t(N * ldb), 2);
        const auto C0 = randomVector(size_t(M * ldc), 3);
        auto got = C0, want = C0;
        qs::kernels::gemmNT(M, N, K, A.data(), lda, B.data(), ldb, got.data(), ldc, accumulate);
        qs::ref::gemmNT(M, N, K, A.data(), lda, B.data(), ldb, want.data(), ldc, accumulate);
        checkGemm(M, N, K, A, lda, B, ldb, C0, got, want, ldc, accumulate);
        if (K > 0 || accumulate) QVERIFY(anyNonZero(got));
    }

    // The forward pass calls gemmNT from inside its own parallel loop over windows.
    void gemmNTNested() {
        constexpr int kOuter = 6;
        constexpr int64_t M = 96, N = 200, K = 160;
        const auto A = randomVector(size_t(kOuter * M * K), 4);
        const auto B = randomVector(size_t(N * K), 5);
        std::vector<float> got(static_cast<size_t>(kOuter * M * N), -7.0f), want(got.size());
        tbb::parallel_for(0, kOuter, [&](int w) {
            qs::kernels::gemmNT(M, N, K, A.data() + w * M * K, K, B.data(), K,
                                got.data() + w * M * N, N);
        });
        for (int w = 0; w < kOuter; ++w)
            qs::ref::gemmNT(M, N, K, A.data() + w * M * K, K, B.data(), K, want.data() + w * M * N,
                            N);
        for (int w = 0; w < kOuter; ++w) {
            const std::vector<float> Aw(A.begin() + w * M * K, A.begin() + (w + 1) * M * K);
            const std::vector<float> gw(got.begin() + w * M * N, got.begin() + (w + 1) * M * N);
            const std::vector<float> ww(want.begin() + w * M * N, want.begin() + (w + 1) * M * N);
            checkGemm(M, N, K, Aw, K, B, K, std::vector<float>(size_t(M * N)), gw, ww, N, false);
        }
    }

    // Large magnitudes must not overflow the fp32 accumulation more than the reference does.
    void gemmNTLargeValues() {
        constexpr int64_t M = 33, N = 65, K = 129;
        auto A = randomVector(size_t(M * K), 6, -1e15f, 1e15f);
        const auto B = randomVector(size_t(N * K), 7, -1e15f, 1e15f);
        std::vector<float> got(static_cast<size_t>(M * N)), want(got.size());
        qs::kernels::gemmNT(M, N, K, A.data(), K, B.data(), K, got.data(), N);
        qs::ref::gemmNT(M, N, K, A.data(), K, B.data(), K, want.data(), N);
        checkGemm(M, N, K, A, K, B, K, std::vector<float>(size_t(M * N)), got, want, N, false);
    }

    void dot_data() { addSizeRows(); }
    void dot() {
        QS_FETCH_TARGET();
        QFETCH(qint64, n);
        const auto a = randomVector(size_t(n), 10), b = randomVector(size_t(n), 11);
        double mag = 0;
        for (int64_t i = 0; i < n; ++i) mag += std::fabs(double(a[size_t(i)]) * b[size_t(i)]);
        const float got = qs::kernels::dot(a.data(), b.data(), n);
        const float want = qs::ref::dot(a.data(), b.data(), n);
        QVERIFY(got != 0.0f);
        QVERIFY(std::fabs(double(got) - want) <=
                (double(n) + kSumErrExtraTerms) * kSumErrPerTerm * mag);
    }

    void rmsnorm_data() { addSizeRows(); }
    void rmsnorm() {
        QS_FETCH_TARGET();
        QFETCH(qint64, n);
        const auto x = randomVector(size_t(n), 12), w = randomVector(size_t(n), 13, 0.5f, 1.5f);
        std::vector<float> got(static_cast<size_t>(n)), want(got.size());
        qs::kernels::rmsnorm(got.data(), x.data(), w.data(), n, 1e-5f);
        qs::ref::rmsnorm(want.data(), x.data(), w.data(), n, 1e-5f);
        // The fp32 sum of n squares is off by at most ~n u relatively (all terms positive); the
        // inverse square root halves that, then two products round.
        const double rel = (double(n) / 2 + 2) * kEps + kFewUlps;
        for (int64_t i = 0; i < n; ++i)
            QVERIFY(std::fabs(got[size_t(i)] - want[size_t(i)]) <=
                    rel * std::fabs(want[size_t(i)]) + kTinyAbs);
        QVERIFY(anyNonZero(got));

        // In place (out aliases x), as the forward pass uses it.
        auto inPlace = x;
        qs::kernels::rmsnorm(inPlace.data(), inPlace.data(), w.data(), n, 1e-5f);
        QCOMPARE(inPlace, got);
    }

    void siluMul_data() { addSizeRows(); }
    void siluMul() {
        QS_FETCH_TARGET();
        QFETCH(qint64, n);
        auto gate = randomVector(size_t(n), 14, -20.0f, 20.0f);
        const auto up = randomVector(size_t(n), 15);
        // Edge values: zero and gates far into both saturated ends.
        const float edges[] = {0.0f, -100.0f, 100.0f, -1e30f, 1e30f};
        for (size_t e = 0; e < std::size(edges) && e < gate.size(); ++e)
            gate[e * 2 % gate.size()] = edges[e];
        auto got = gate, want = gate;
        qs::kernels::siluMul(got.data(), up.data(), n);
        qs::ref::siluMul(want.data(), up.data(), n);
        for (int64_t i = 0; i < n; ++i) {
            const float g = got[size_t(i)], r = want[size_t(i)];
            QVERIFY2(std::isfinite(g), qPrintable(QString::number(i)));
            QVERIFY2(std::fabs(g - r) <= kExpUlps * std::fabs(r) + kTinyAbs,
                     qPrintable(QStringLiteral("i=%1 gate=%2 got=%3 want=%4")
                                    .arg(i)
                                    .arg(gate[size_t(i)])
                                    .arg(g)
                                    .arg(r)));
        }
    }

    void addInPlace_data() { addSizeRows(); }
    void addInPlace() {
        QS_FETCH_TARGET();
        QFETCH(qint64, n);
        const auto x = randomVector(size_t(n), 16);
        auto got = randomVector(size_t(n), 17), want = got;
        qs::kernels::addInPlace(got.data(), x.data(), n);
        qs::ref::addInPlace(want.data(), x.data(), n);
        QCOMPARE(got, want); // one rounding per element in both: bit-identical
    }

    void axpy_data() { addSizeRows(); }
    void axpy() {
        QS_FETCH_TARGET();
        QFETCH(qint64, n);
        const auto x = randomVector(size_t(n), 18);
        const auto y0 = randomVector(size_t(n), 19);
        auto got = y0, want = y0;
        qs::kernels::axpy(got.data(), -0.75f, x.data(), n);
        qs::ref::axpy(want.data(), -0.75f, x.data(), n);
        for (int64_t i = 0; i < n; ++i) {
            const size_t s = size_t(i);
            // The SIMD version fuses the multiply-add (one rounding instead of two).
            QVERIFY(std::fabs(got[s] - want[s]) <=
                    kFewUlps * (std::fabs(y0[s]) + 0.75f * std::fabs(x[s])));
        }
        QVERIFY(got != y0);
    }

    void scale_data() { addSizeRows(); }
    void scale() {
        QS_FETCH_TARGET();
        QFETCH(qint64, n);
        auto got = randomVector(size_t(n), 20), want = got;
        qs::kernels::scale(got.data(), 3.5f, n);
        qs::ref::scale(want.data(), 3.5f, n);
        QCOMPARE(got, want);
        QVERIFY(anyNonZero(got));
    }

    void maxValue_data() { addSizeRows(); }
    void maxValue() {
        QS_FETCH_TARGET();
        QFETCH(qint64, n);
        auto x = randomVector(size_t(n), 21, -5.0f, -1.0f);
        QCOMPARE(qs::kernels::maxValue(x.data(), n), qs::ref::maxValue(x.data(), n));
        // The maximum in the scalar tail, then in the vector body.
        x[size_t(n - 1)] = 7.0f;
        QCOMPARE(qs::kernels::maxValue(x.data(), n), 7.0f);
        x[0] = 9.0f;
        QCOMPARE(qs::kernels::maxValue(x.data(), n), 9.0f);
        QCOMPARE(qs::kernels::maxValue(x.data(), 0), -kInf);
    }

    void logSumExp_data() {
        QTest::addColumn<qint64>("target");
        QTest::addColumn<qint64>("n");
        QTest::addColumn<float>("offset"); // added to every entry: stability needs the max shift
        for (int64_t t : testTargets())
            for (int64_t n : kOddSizes)
                for (float offset : {0.0f, 1e4f, -1e4f})
                    QTest::addRow("%s n=%lld %+g", targetLabel(t), (long long)n, double(offset))
                        << qint64(t) << qint64(n) << offset;
    }
    void logSumExp() {
        QS_FETCH_TARGET();
        QFETCH(qint64, n);
        QFETCH(float, offset);
        auto x = randomVector(size_t(n), 22, -10.0f, 10.0f);
        for (float& v : x) v += offset;
        const float got = qs::kernels::logSumExp(x.data(), n);
        const float want = qs::ref::logSumExp(x.data(), n);
        QVERIFY(std::isfinite(got));
        // log of a sum of n terms in [0, 1] with relative error ~(n + Exp ulps) eps, plus the
        // rounding of max + log(sum).
        QVERIFY2(
            std::fabs(got - want) <= (double(n) + 4) * kEps + kEps * std::fabs(want),
            qPrintable(QStringLiteral("got %1 want %2").arg(got, 0, 'g', 9).arg(want, 0, 'g', 9)));
    }

    void logSumExpEdges() {
        const std::vector<float> allMasked(17, -kInf);
        QCOMPARE(qs::kernels::logSumExp(allMasked.data(), 17), -kInf);
        std::vector<float> zeros(33, 0.0f);
        QVERIFY(std::fabs(qs::kernels::logSumExp(zeros.data(), 33) - std::log(33.0f)) <=
                kFewUlps * std::log(33.0f));
        std::vector<float> withInf(20, 1.0f);
        withInf[3] = kInf;
        QCOMPARE(qs::kernels::logSumExp(withInf.data(), 20), kInf);
    }

    void softmaxEdges() {
        std::vector<float> zeros(37, 0.0f);
        qs::kernels::softmax(zeros.data(), 37);
        for (float v : zeros) QVERIFY(std::fabs(v - 1.0f / 37) <= kFewUlps / 37);
        // One unmasked entry among -inf: all weight on it, exactly.
        std::vector<float> one(33, -kInf);
        one[20] = -5e3f;
        qs::kernels::softmax(one.data(), 33);
        for (size_t i = 0; i < one.size(); ++i) QCOMPARE(one[i], i == 20 ? 1.0f : 0.0f);
        // Fully masked rows are the caller's bug; documented as NaN, like the reference.
        std::vector<float> masked(19, -kInf);
        qs::kernels::softmax(masked.data(), 19);
        for (float v : masked) QVERIFY(std::isnan(v));
    }

    void softmax_data() {
        QTest::addColumn<qint64>("target");
        QTest::addColumn<qint64>("n");
        QTest::addColumn<float>("offset");
        QTest::addColumn<bool>("masked"); // every third entry -inf, as causal attention masks
        for (int64_t t : testTargets())
            for (int64_t n : kOddSizes) {
                const char* tl = targetLabel(t);
                QTest::addRow("%s n=%lld", tl, (long long)n)
                    << qint64(t) << qint64(n) << 0.0f << false;
                QTest::addRow("%s n=%lld +1e4 masked", tl, (long long)n)
                    << qint64(t) << qint64(n) << 1e4f << true;
                QTest::addRow("%s n=%lld -3e4", tl, (long long)n)
                    << qint64(t) << qint64(n) << -3e4f << false;
            }
    }
    void softmax() {
        QS_FETCH_TARGET();
        QFETCH(qint64, n);
        QFETCH(float, offset);
        QFETCH(bool, masked);
        auto x = randomVector(size_t(n), 23, -10.0f, 10.0f);
        for (float& v : x) v += offset;
        if (masked)
            for (size_t i = 1; i < x.size(); i += 3) x[i] = -kInf;
        auto got = x, want = x;
        qs::kernels::softmax(got.data(), n);
        qs::ref::softmax(want.data(), n);
        double sum = 0;
        for (int64_t i = 0; i < n; ++i) {
            const size_t s = size_t(i);
            if (x[s] == -kInf) {
                QCOMPARE(got[s], 0.0f); // exactly: masked positions get no weight at all
                continue;
            }
            // Exp's ulps, the fp32 sum's ~n u relative error, the final scaling.
            QVERIFY2(
                std::fabs(got[s] - want[s]) <= (double(n) + 8) * kEps * want[s] + kTinyAbs,
                qPrintable(QStringLiteral("i=%1 got %2 want %3").arg(i).arg(got[s]).arg(want[s])));
            sum += got[s];
        }
        QVERIFY(std::fabs(sum - 1.0) <= (double(n) + 8) * kEps);
    }

    void softmaxPowerSums_data() {
        QTest::addColumn<qint64>("target");
        QTest::addColumn<qint64>("n");
        for (int64_t t : testTargets())
            for (int64_t n : kOddSizes)
                QTest::addRow("%s n=%lld", targetLabel(t), (long long)n) << qint64(t) << qint64(n);
    }
    void softmaxPowerSums() {
        QS_FETCH_TARGET();
        QFETCH(qint64, n);
        const auto z = randomVector(size_t(n), 29, -12.0f, 12.0f);
        const float zmax = *std::max_element(z.begin(), z.end());
        double got[qs::kernels::kPowerSums], want[qs::kernels::kPowerSums], gotZ, wantZ;
        qs::kernels::softmaxPowerSums(z.data(), n, zmax, got, &gotZ);
        qs::ref::softmaxPowerSums(z.data(), n, zmax, want, &wantZ);
        // Exp's few ulps, raised to the 8th power by multiplication (8 more roundings), then an
        // fp32 sum per lane of up to n/lanes terms.
        const double tol = (double(n) + 32) * kEps;
        for (int j = 0; j < qs::kernels::kPowerSums; ++j)
            QVERIFY2(
                std::fabs(got[j] - want[j]) <= tol * want[j],
                qPrintable(
                    QStringLiteral("j=%1 got %2 want %3").arg(j + 1).arg(got[j]).arg(want[j])));
        QVERIFY(want[7] >= 1.0); // the maximum contributes exactly 1 to every power
        double absZ = 0;
        for (int64_t i = 0; i < n; ++i)
            absZ += std::exp(double(z[size_t(i)]) - zmax) * std::fabs(z[size_t(i)]);
        QVERIFY(std::fabs(gotZ - wantZ) <= tol * absZ + kTinyAbs);
    }

    void klDivergence_data() {
        QTest::addColumn<qint64>("target");
        QTest::addColumn<qint64>("n");
        for (int64_t t : testTargets())
            for (int64_t n : kOddSizes)
                QTest::addRow("%s n=%lld", targetLabel(t), (long long)n) << qint64(t) << qint64(n);
    }
    void klDivergence() {
        QS_FETCH_TARGET();
        QFETCH(qint64, n);
        auto p = randomVector(size_t(n), 31, -6.0f, 6.0f), q = p;
        const auto noise = randomVector(size_t(n), 37, -0.3f, 0.3f);
        for (size_t i = 0; i < q.size(); ++i) q[i] += noise[i];
        auto logNormalise = [](std::vector<float>& v) {
            const float lse = qs::ref::logSumExp(v.data(), int64_t(v.size()));
            for (float& x : v) x -= lse;
        };
        logNormalise(p);
        const float logZ = qs::ref::logSumExp(q.data(), n);
        const double got = qs::kernels::klDivergence(p.data(), q.data(), n, logZ);
        const double want = qs::ref::klDivergence(p.data(), q.data(), n, logZ);
        // Each term carries Exp's few ulps on |P_i * d_i|; the fp32 lane sums add ~n eps of the
        // sum of |terms|, bounded here by max|d| = 0.6 + the normaliser rounding.
        QVERIFY2(std::fabs(got - want) <= (double(n) + 16) * kEps * 0.7 + kTinyAbs,
                 qPrintable(QStringLiteral("got %1 want %2").arg(got).arg(want)));
        QVERIFY(n == 1 || want > 0); // one token: both distributions are certain, KL = 0
    }
};

QTEST_GUILESS_MAIN(TestKernels)
#include "tst_kernels.moc"
