#include "eval/token_metrics.h"

#include "kernels/kernels.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace qs {

namespace {
constexpr double kZ95 = 1.959963984540054;
constexpr int kCalibrationBins = 15;

double stdError(double sum, double sumSq, double n) {
    if (n < 2) return 0;
    const double mean = sum / n;
    return std::sqrt(std::max(0.0, (sumSq / n - mean * mean) * n / (n - 1)) / n);
}
} // namespace

const std::array<float, kTemperatureCount>& calibrationTemperatures() {
    static const std::array<float, kTemperatureCount> t = [] {
        std::array<float, kTemperatureCount> a{};
        for (int k = 0; k < kTemperatureCount; ++k) a[size_t(k)] = 4.0f / float(k + 1);
        return a;
    }();
    return t;
}

bool ReferenceSet::exact() const {
    return topK >= vocab;
}

void resizeReferenceSet(ReferenceSet& ref, size_t count, int64_t vocab, int topK) {
    ref.vocab = vocab;
    ref.topK = int(std::min<int64_t>(topK, vocab));
    ref.tokens.assign(count, {});
    ref.ids.assign(count * size_t(ref.topK), 0);
    ref.logProbs.assign(count * size_t(ref.topK), 0.0f);
}

void setReferenceToken(ReferenceSet& ref, size_t index, const float* logits, int32_t target,
                       std::vector<float>& p) {
    const int64_t vocab = ref.vocab;
    const int topK = ref.topK;
    p.assign(logits, logits + vocab);
    kernels::softmax(p.data(), vocab);
    const float logZ = kernels::logSumExp(logits, vocab);
    ReferenceToken& r = ref.tokens[index];
    r.target = target;
    r.top1 = int32_t(std::max_element(logits, logits + vocab) - logits);
    r.nll = logZ - logits[target];
    r.confidence = p[size_t(r.top1)];
    r.entropy = float(double(logZ) - double(kernels::dot(p.data(), logits, vocab)));
    r.brier = kernels::dot(p.data(), p.data(), vocab) - 2.0f * p[size_t(target)] + 1.0f;
    r.offset = uint64_t(index) * uint64_t(topK);
    r.count = uint32_t(topK);
    int32_t* ids = ref.ids.data() + r.offset;
    float* lp = ref.logProbs.data() + r.offset;
    if (topK >= vocab) {
        for (int64_t i = 0; i < vocab; ++i) {
            ids[i] = int32_t(i);
            lp[i] = logits[i] - logZ;
        }
        r.tailLogMass = -std::numeric_limits<float>::infinity();
        return;
    }
    std::vector<int32_t> idx(static_cast<size_t>(vocab));
    std::iota(idx.begin(), idx.end(), 0);
    std::nth_element(idx.begin(), idx.begin() + topK, idx.end(),
                     [&](int32_t a, int32_t b) { return logits[a] > logits[b]; });
    double kept = 0;
    for (int k = 0; k < topK; ++k) {
        ids[k] = idx[size_t(k)];
        lp[k] = logits[ids[k]] - logZ;
        kept += p[size_t(ids[k])];
    }
    r.tailLogMass = float(std::log(std::max(1e-30, 1.0 - kept)));
}

TokenStats compareToReference(const float* logits, int64_t vocab, const ReferenceSet& ref,
                              const ReferenceToken& r, std::vector<float>&) {
    static_assert(kTemperatureCount == kernels::kPowerSums, "one power sum per grid temperature");
    TokenStats s;
    const int32_t top1 = int32_t(std::max_element(logits, logits + vocab) - logits);
    const double zmax = logits[top1], zt = logits[r.target];
    double sums[kernels::kPowerSums], zWeighted = 0;
    kernels::softmaxPowerSums(logits, vocab, float(zmax), sums, &zWeighted);
    const double z1 = sums[3]; // T = 1 (j = 4)
    const double logZ = zmax + std::log(z1);
    s.nll = float(logZ - zt);
    s.nllRef = r.nll;
    s.pCorrect = float(std::exp(zt - logZ));
    s.pCorrectRef = std::exp(-r.nll);
    s.entropy = float(logZ - zWeighted / z1);
    s.entropyRef = r.entropy;
    s.confidence = float(1.0 / z1);
    s.confidenceRef = r.confidence;
    s.brier = float(sums[7] / (z1 * z1) - 2.0 * s.pCorrect + 1.0);
    s.brierRef = r.brier;
    s.correct = top1 == r.target;
    s.correctRef = r.top1 == r.target;
    s.top1Agree = top1 == r.top1;

    double kl = 0, keptQ = 0;
    const int32_t* ids = ref.ids.data() + r.offset;
    const float* lp = ref.logProbs.data() + r.offset;
    // Exact references store the whole vocabulary in id order: one SIMD pass.
    if (int64_t(r.count) == vocab) {
        kl = kernels::klDivergence(lp, logits, vocab, float(logZ));
    } else {
        for (uint32_t k = 0; k < r.count; ++k) {
            const double logQ = double(logits[ids[k]]) - logZ;
            kl += std::exp(double(lp[k])) * (double(lp[k]) - logQ);
            keptQ += std::exp(logQ);
        }
    }
    if (std::isfinite(r.tailLogMass)) {
        const double tailQ = std::max(1e-30, 1.0 - keptQ);
        kl += std::exp(double(r.tailLogMass)) * (double(r.tailLogMass) - std::log(tailQ));
    }
    s.kl = float(std::max(0.0, kl)); // tiny negative values are rounding noise

    for (int g = 0; g < kTemperatureCount; ++g) {
        const double invT = double(g + 1) / 4.0; // 1 / calibrationTemperatures()[g]
        s.nllAtT[size_t(g)] = float((zmax - zt) * invT + std::log(sums[g]));
        s.confidenceAtT[size_t(g)] = float(1.0 / sums[g]);
    }
    return s;
}

Percentiles percentiles(std::vector<float> v) {
    Percentiles p;
    if (v.empty()) return p;
    std::sort(v.begin(), v.end());
    auto at = [&](double q) {
        const double pos = q * double(v.size() - 1);
        const size_t lo = size_t(pos);
        const size_t hi = std::min(v.size() - 1, lo + 1);
        return double(v[lo]) + (pos - double(lo)) * (double(v[hi]) - double(v[lo]));
    };
    p.p50 = at(0.5);
    p.p90 = at(0.9);
    p.p95 = at(0.95);
    p.p99 = at(0.99);
    p.p999 = at(0.999);
    p.max = v.back();
    return p;
}

Calibration computeCalibration(const std::vector<float>& conf, const std::vector<uint8_t>& correct,
                               int nBins) {
    Calibration c;
    const size_t n = conf.size();
    if (n == 0) return c;
    c.bins.resize(size_t(nBins));
    for (int b = 0; b < nBins; ++b) {
        c.bins[size_t(b)].confidenceLow = double(b) / nBins;
        c.bins[size_t(b)].confidenceHigh = double(b + 1) / nBins;
    }
    for (size_t i = 0; i < n; ++i) {
        const int b = std::min(nBins - 1, int(conf[i] * float(nBins)));
        auto& bin = c.bins[size_t(b)];
        bin.meanConfidence += conf[i];
        bin.accuracy += correct[i];
        ++bin.count;
    }
    for (auto& bin : c.bins) {
        if (bin.count == 0) continue;
        bin.meanConfidence /= double(bin.count);
        bin.accuracy /= double(bin.count);
        c.ece += double(bin.count) / double(n) * std::abs(bin.accuracy - bin.meanConfidence);
    }
    // Equal-mass bins: sort by confidence, cut into nBins runs of (almost) equal size.
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), size_t(0));
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return conf[a] < conf[b]; });
    for (int b = 0; b < nBins; ++b) {
        const size_t lo = n * size_t(b) / size_t(nBins), hi = n * size_t(b + 1) / size_t(nBins);
        if (hi <= lo) continue;
        double sc = 0, sa = 0;
        for (size_t i = lo; i < hi; ++i) {
            sc += conf[order[i]];
            sa += correct[order[i]];
        }
        c.adaptiveEce += std::abs(sa - sc) / double(n);
    }
    return c;
}

Metrics aggregateMetrics(const std::vector<TokenStats>& t) {
    Metrics m;
    const size_t n = t.size();
    m.tokens = int64_t(n);
    if (n == 0) return m;
    const double dn = double(n);
    double sNll = 0, sNll2 = 0, sRef = 0, sRef2 = 0, sD = 0, sD2 = 0, sKl = 0, sKl2 = 0;
    double sDp = 0, sDp2 = 0, sH = 0, sHr = 0, agree = 0, acc = 0, accRef = 0, brier = 0,
           brierRef = 0;
    std::array<double, kTemperatureCount> sT{};
    std::vector<float> kl(n), dp(n), conf(n), confRef(n);
    std::vector<uint8_t> correct(n), correctRef(n);
    for (size_t i = 0; i < n; ++i) {
        const TokenStats& s = t[i];
        sNll += s.nll;
        sNll2 += double(s.nll) * s.nll;
        sRef += s.nllRef;
        sRef2 += double(s.nllRef) * s.nllRef;
        const double d = double(s.nll) - double(s.nllRef);
        sD += d;
        sD2 += d * d;
        sKl += s.kl;
        sKl2 += double(s.kl) * s.kl;
        const double dpi = double(s.pCorrect) - double(s.pCorrectRef);
        sDp += dpi;
        sDp2 += dpi * dpi;
        sH += s.entropy;
        sHr += s.entropyRef;
        agree += s.top1Agree;
        acc += s.correct;
        accRef += s.correctRef;
        brier += s.brier;
        brierRef += s.brierRef;
        for (int g = 0; g < kTemperatureCount; ++g) sT[size_t(g)] += s.nllAtT[size_t(g)];
        kl[i] = s.kl;
        dp[i] = float(dpi);
        conf[i] = s.confidence;
        confRef[i] = s.confidenceRef;
        correct[i] = s.correct;
        correctRef[i] = s.correctRef;
    }
    m.meanNll = sNll / dn;
    m.nllStdError = stdError(sNll, sNll2, dn);
    m.ppl = std::exp(m.meanNll);
    m.pplLow = std::exp(m.meanNll - kZ95 * m.nllStdError);
    m.pplHigh = std::exp(m.meanNll + kZ95 * m.nllStdError);
    m.meanNllRef = sRef / dn;
    const double refErr = stdError(sRef, sRef2, dn);
    m.pplRef = std::exp(m.meanNllRef);
    m.pplRefLow = std::exp(m.meanNllRef - kZ95 * refErr);
    m.pplRefHigh = std::exp(m.meanNllRef + kZ95 * refErr);
    m.lnPplRatio = sD / dn;
    m.lnPplRatioStdError = stdError(sD, sD2, dn);
    m.pplRatio = std::exp(m.lnPplRatio);
    m.deltaPpl = m.ppl - m.pplRef;
    m.klMean = sKl / dn;
    m.klStdError = stdError(sKl, sKl2, dn);
    m.kl = percentiles(std::move(kl));
    m.top1Agreement = agree / dn;
    m.top1AgreementStdError = std::sqrt(m.top1Agreement * (1 - m.top1Agreement) / dn);
    m.deltaPMean = sDp / dn;
    m.deltaPRms = std::sqrt(sDp2 / dn);
    m.deltaP = percentiles(std::move(dp));
    m.entropyMean = sH / dn;
    m.entropyRefMean = sHr / dn;
    m.accuracy = acc / dn;
    m.accuracyRef = accRef / dn;
    m.calibration = computeCalibration(conf, correct, kCalibrationBins);
    m.calibration.brier = brier / dn;
    m.calibrationRef = computeCalibration(confRef, correctRef, kCalibrationBins);
    m.calibrationRef.brier = brierRef / dn;

    // Temperature: grid minimum of mean NLL, refined by a parabola through its neighbours in
    // x = 1/T (grid spacing 1/4); confidences at T* interpolate linearly in x between grid points.
    const int g = int(std::min_element(sT.begin(), sT.end()) - sT.begin());
    const double h = 0.25;
    double x = double(g + 1) * h, f = sT[size_t(g)] / dn;
    if (g > 0 && g < kTemperatureCount - 1) {
        const double fm = sT[size_t(g - 1)] / dn, f0 = f, fp = sT[size_t(g + 1)] / dn;
        const double denom = fm - 2 * f0 + fp;
        if (denom > 0) {
            const double off = 0.5 * (fm - fp) / denom; // in grid steps, within (-0.5, 0.5)
            x += off * h;
            f = f0 - 0.25 * (fm - fp) * off;
        }
    }
    m.optimalTemperature = 1.0 / x;
    m.nllAtOptimalTemperature = f;
    const double pos = std::clamp(x / h - 1.0, 0.0, double(kTemperatureCount - 1));
    const size_t g0 = std::min(size_t(pos), size_t(kTemperatureCount - 2));
    const float frac = float(pos - double(g0));
    std::vector<float> confT(n);
    for (size_t i = 0; i < n; ++i)
        confT[i] =
            t[i].confidenceAtT[g0] + frac * (t[i].confidenceAtT[g0 + 1] - t[i].confidenceAtT[g0]);
    m.eceAtOptimalTemperature = computeCalibration(confT, correct, kCalibrationBins).ece;
    return m;
}

} // namespace qs
