// Per-token distortion metrics and their aggregation against hand-computed values: KL (exact and
// top-K + tail), entropy, Brier, calibration bins, percentiles, and the temperature fit.
#include "eval/token_metrics.h"

#include <QtTest>

#include <cmath>
#include <random>

using namespace qs;

namespace {

// Metrics are accumulated in double from fp32 per-token values; 1e-5 relative covers the fp32
// rounding of log-probabilities of order 1.
constexpr double kTol = 1e-5;

std::vector<double> softmaxD(const std::vector<float>& z) {
    double m = *std::max_element(z.begin(), z.end()), s = 0;
    std::vector<double> p(z.size());
    for (size_t i = 0; i < z.size(); ++i) s += p[i] = std::exp(double(z[i]) - m);
    for (auto& v : p) v /= s;
    return p;
}

TokenStats compare(const std::vector<float>& ref, const std::vector<float>& q, int target,
                   int topK) {
    ReferenceSet set;
    resizeReferenceSet(set, 1, int64_t(ref.size()), topK);
    std::vector<float> scratch;
    setReferenceToken(set, 0, ref.data(), target, scratch);
    return compareToReference(q.data(), int64_t(q.size()), set, set.tokens[0], scratch);
}

} // namespace

class TestMetrics : public QObject {
    Q_OBJECT
private slots:
    void exactKlEntropyBrier();
    void topKIsALowerBoundAndExactWhenTailIsProportional();
    void identicalDistributionsHaveNoDistortion();
    void percentilesInterpolate();
    void calibrationBins();
    void temperatureFitFindsTheScale();
};

void TestMetrics::exactKlEntropyBrier() {
    const std::vector<float> ref = {1.0f, 2.0f, 0.5f, -1.0f}, q = {0.0f, 2.5f, 0.5f, -0.5f};
    const auto P = softmaxD(ref), Q = softmaxD(q);
    double kl = 0, h = 0, brier = 0;
    for (size_t i = 0; i < P.size(); ++i) {
        kl += P[i] * std::log(P[i] / Q[i]);
        h -= Q[i] * std::log(Q[i]);
        brier += (Q[i] - (i == 2)) * (Q[i] - (i == 2));
    }
    const TokenStats s = compare(ref, q, 2, 4);
    QVERIFY(std::abs(s.kl - kl) < kTol);
    QVERIFY(std::abs(s.entropy - h) < kTol);
    QVERIFY(std::abs(s.brier - brier) < kTol);
    QVERIFY(std::abs(s.nll + std::log(Q[2])) < kTol);
    QVERIFY(std::abs(s.nllRef + std::log(P[2])) < kTol);
    QVERIFY(std::abs(s.confidence - *std::max_element(Q.begin(), Q.end())) < kTol);
    QVERIFY(s.top1Agree); // both put the most mass on token 1
    QVERIFY(!s.correct);
}

void TestMetrics::topKIsALowerBoundAndExactWhenTailIsProportional() {
    const std::vector<float> ref = {3.0f, 2.0f, 0.0f, -0.5f, -1.0f, -2.0f};
    std::vector<float> q = {2.0f, 2.5f, 0.3f, -0.9f, -0.2f, -2.5f};
    const double exact = compare(ref, q, 0, 6).kl, top2 = compare(ref, q, 0, 2).kl;
    QVERIFY(top2 <= exact + kTol); // log-sum inequality: merging the tail can only lose divergence
    QVERIFY(top2 > 0);
    // Q's tail a scaled copy of P's (logits shifted by a constant): the tail term is then exact.
    std::vector<float> q2 = {2.0f, 2.5f};
    for (size_t i = 2; i < ref.size(); ++i) q2.push_back(ref[i] + 0.7f);
    QVERIFY(std::abs(compare(ref, q2, 0, 2).kl - compare(ref, q2, 0, 6).kl) < kTol);
}

void TestMetrics::identicalDistributionsHaveNoDistortion() {
    const std::vector<float> z = {0.3f, -1.0f, 2.0f, 0.0f, 1.0f};
    const TokenStats s = compare(z, z, 4, 5);
    QVERIFY(s.kl < 1e-7);
    QVERIFY(std::abs(s.pCorrect - s.pCorrectRef) < 1e-7);
    const Metrics m = aggregateMetrics({s, s, s});
    QCOMPARE(m.top1Agreement, 1.0);
    QVERIFY(std::abs(m.lnPplRatio) < 1e-7);
}

void TestMetrics::percentilesInterpolate() {
    std::vector<float> v;
    for (int i = 101; i >= 1; --i) v.push_back(float(i)); // order must not matter
    const Percentiles p = percentiles(v);
    QCOMPARE(p.p50, 51.0);
    QCOMPARE(p.p90, 91.0);
    QCOMPARE(p.p99, 100.0);
    QVERIFY(std::abs(p.p999 - 100.9) < 1e-9);
    QCOMPARE(p.max, 101.0);
}

void TestMetrics::calibrationBins() {
    // Two tokens at confidence 0.95 (one right), two at 0.15 (both wrong).
    const Calibration c = computeCalibration({0.95f, 0.95f, 0.15f, 0.15f}, {1, 0, 0, 0}, 15);
    // Equal-width: |0.5 - 0.95| * 2/4 + |0 - 0.15| * 2/4.
    QVERIFY(std::abs(c.ece - 0.3) < kTol);
    // Equal-mass bins of one token each: (0.05 + 0.95 + 0.15 + 0.15) / 4.
    QVERIFY(std::abs(c.adaptiveEce - 0.325) < kTol);
    QCOMPARE(c.bins[14].count, int64_t(2));
    QCOMPARE(c.bins[2].count, int64_t(2));
    QVERIFY(std::abs(c.bins[14].accuracy - 0.5) < kTol);
}

void TestMetrics::temperatureFitFindsTheScale() {
    // Targets drawn from p; the evaluated model reports logits 1.5 log p, i.e. is sharpened by a
    // factor 1.5 (between grid points), so T = 1.5 restores p and minimises the expected NLL.
    std::mt19937 rng(5);
    std::normal_distribution<float> n(0.0f, 1.0f);
    std::vector<TokenStats> stats;
    for (int t = 0; t < 4000; ++t) {
        std::vector<float> logp(8);
        for (auto& v : logp) v = n(rng);
        const auto p = softmaxD(logp);
        const int target = int(std::discrete_distribution<int>(p.begin(), p.end())(rng));
        std::vector<float> sharp(8);
        for (int i = 0; i < 8; ++i) sharp[size_t(i)] = 1.5f * float(std::log(p[size_t(i)]));
        stats.push_back(compare(logp, sharp, target, 8));
    }
    const Metrics m = aggregateMetrics(stats);
    qInfo("T* = %.3f, ECE %.4f -> %.4f", m.optimalTemperature, m.calibration.ece,
          m.eceAtOptimalTemperature);
    QVERIFY2(m.optimalTemperature > 1.4 && m.optimalTemperature < 1.6,
             qPrintable(QString::number(m.optimalTemperature)));
    QVERIFY(m.nllAtOptimalTemperature < m.meanNll);
    QVERIFY(m.eceAtOptimalTemperature < m.calibration.ece);
}

QTEST_GUILESS_MAIN(TestMetrics)
#include "tst_metrics.moc"
