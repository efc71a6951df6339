#pragma once
// Per-token comparison of a model's predictive distribution with the full-precision reference,
// and the aggregate metrics of a configuration: perplexity with CI, KL divergence (mean and
// percentiles), top-1 agreement, Δp of the correct token, entropy shift, and calibration (ECE
// with equal-width and equal-mass bins, Brier score, reliability bins, temperature scaling).
//
// The reference distribution P of each scored position is stored as its K most probable tokens
// (log-probabilities, fp32) plus the remaining tail mass; K = vocab stores it exactly. KL is then
//   Σ_{i∈topK} P_i (log P_i − log Q_i) + P_tail (log P_tail − log Q_tail),
// which equals the exact KL when K = vocab and otherwise is a lower bound whose gap is the KL
// within the tail (zero if Q's tail is proportional to P's).

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace qs {

// Temperatures of the calibration grid: T = 4 / j for j = 1..8 (4, 2, 4/3, 1, 0.8, 2/3, 4/7,
// 0.5), evenly spaced in 1/T so that all eight come from one exponential pass
// (kernels::softmaxPowerSums); heavily quantized models are often best at T > 2.
constexpr int kTemperatureCount = 8;
const std::array<float, kTemperatureCount>& calibrationTemperatures();

// What the full-precision pass keeps for one scored position.
struct ReferenceToken {
    int32_t target = 0;
    int32_t top1 = 0;
    float nll = 0;         // -log P(target)
    float entropy = 0;     // H(P), nats
    float confidence = 0;  // max P
    float brier = 0;       // Σ (P_i − y_i)²
    float tailLogMass = 0; // log of the mass outside the stored ids (−inf when exact)
    uint64_t offset = 0;   // into ReferenceSet::ids/logProbs
    uint32_t count = 0;
};

struct ReferenceSet {
    int topK = 0; // stored ids per position (== vocab when exact)
    std::vector<ReferenceToken> tokens;
    std::vector<int32_t> ids;
    std::vector<float> logProbs;
    bool exact() const;
    int64_t vocab = 0;
};

// Fills the reference record of position `index` from its logits row; its ids/log-probs go to
// slots [index * topK, (index + 1) * topK) of ref.ids / ref.logProbs, which must be sized.
void setReferenceToken(ReferenceSet& ref, size_t index, const float* logits, int32_t target,
                       std::vector<float>& scratch);
// Sizes a reference set for `count` positions.
void resizeReferenceSet(ReferenceSet& ref, size_t count, int64_t vocab, int topK);

struct TokenStats {
    float nll = 0, nllRef = 0;
    float kl = 0;
    float pCorrect = 0, pCorrectRef = 0;
    float entropy = 0, entropyRef = 0;
    float confidence = 0, confidenceRef = 0;
    float brier = 0, brierRef = 0;
    bool correct = false, correctRef = false, top1Agree = false;
    std::array<float, kTemperatureCount> nllAtT{}, confidenceAtT{};
};

// Compares one logits row of the evaluated model with its reference record.
TokenStats compareToReference(const float* logits, int64_t vocab, const ReferenceSet& ref,
                              const ReferenceToken& r, std::vector<float>& scratch);

struct Percentiles {
    double p50 = 0, p90 = 0, p95 = 0, p99 = 0, p999 = 0, max = 0;
};

struct ReliabilityBin {
    double confidenceLow = 0, confidenceHigh = 0;
    double meanConfidence = 0, accuracy = 0;
    int64_t count = 0;
};

struct Calibration {
    double ece = 0;                   // 15 equal-width bins
    double adaptiveEce = 0;           // 15 equal-mass bins
    double brier = 0;                 // mean multi-class Brier score
    std::vector<ReliabilityBin> bins; // the equal-width bins
};

struct Metrics {
    int64_t tokens = 0;
    double meanNll = 0, nllStdError = 0, ppl = 0, pplLow = 0, pplHigh = 0;
    double meanNllRef = 0, pplRef = 0, pplRefLow = 0, pplRefHigh = 0;
    double lnPplRatio = 0, lnPplRatioStdError = 0; // mean(nll − nllRef), paired
    double pplRatio = 0, deltaPpl = 0;
    double klMean = 0, klStdError = 0;
    Percentiles kl;
    double top1Agreement = 0, top1AgreementStdError = 0;
    double deltaPMean = 0, deltaPRms = 0;
    Percentiles deltaP; // of Δp (signed); max is the largest increase
    double entropyMean = 0, entropyRefMean = 0;
    double accuracy = 0, accuracyRef = 0;
    Calibration calibration, calibrationRef;
    // T* minimizing mean NLL: grid minimum refined by a parabola in 1/T; the ECE at T* uses
    // each token's confidence interpolated (in 1/T) between the neighbouring grid temperatures.
    double optimalTemperature = 1, nllAtOptimalTemperature = 0, eceAtOptimalTemperature = 0;
};

Metrics aggregateMetrics(const std::vector<TokenStats>& tokens);

// Calibration of (confidence, correct) pairs.
Calibration computeCalibration(const std::vector<float>& confidence,
                               const std::vector<uint8_t>& correct, int bins = 15);

Percentiles percentiles(std::vector<float> values);

} // namespace qs
