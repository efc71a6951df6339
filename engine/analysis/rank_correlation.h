#pragma once
// How well predicted sensitivity orders the layers the way measurement does, and whether
// per-layer damage adds up.
//  - spearman(): Spearman's ρ = Pearson correlation of the ranks, ties getting the average of
//    the ranks they span (so it is exact with ties, unlike 1 − 6Σd²/(n(n²−1))).
//  - rankCorrelationByFormat(): ρ between a predicted per-layer error and the measured KLD (or
//    another column) of a sweep, one value per format.
//  - checkAdditivity(): evaluates a multi-layer configuration and compares its KLD with the sum
//    of the single-layer KLDs the sweep measured for the same (layer, format) pairs.
//
//   double rho = qs::spearman(predicted, measured);          // NaN if undefined
//   auto a = qs::checkAdditivity(ev, model->desc(), sweep, cfg);
//   // a.measuredKld vs a.sumOfSingleKld

#include "analysis/sensitivity_sweep.h"

#include <map>
#include <span>
#include <string>
#include <vector>

namespace qs {

class Feedback;

// 1-based ranks in ascending order; tied values get the mean of their ranks.
std::vector<double> averageRanks(std::span<const double> values);
// NaN when fewer than 2 pairs or either side is constant. Throws Error on a length mismatch.
double spearman(std::span<const double> a, std::span<const double> b);

enum class SweepMetric { Kld, DeltaPpl, LnPplRatio, Top1Disagreement };
double sweepMetric(const SweepCell& c, SweepMetric m);

struct RankCorrelation {
    std::string format;
    int64_t n = 0; // parts present in both the prediction and the sweep
    double rho = 0;
};

// predicted[format][part] = predicted error (any monotone scale). Parts or formats missing on
// either side are left out of that format's ρ.
using PredictedErrors = std::map<std::string, std::map<std::string, double>>;
std::vector<RankCorrelation> rankCorrelationByFormat(const SweepResult& sweep,
                                                     const PredictedErrors& predicted,
                                                     SweepMetric metric = SweepMetric::Kld);

struct AdditivityCheck {
    double measuredKld = 0, measuredKldStdError = 0; // of the whole configuration
    double sumOfSingleKld = 0;                       // Σ over its quantized parts
    int parts = 0;                                   // single-part cells summed
    std::vector<std::string> missing; // quantized tensors the sweep has no cell for (not summed)
    double ratio() const { return sumOfSingleKld > 0 ? measuredKld / sumOfSingleKld : 0; }
};

// Evaluates `config` with the sweep's evaluator and sums the sweep's cells for every block
// linear weight the configuration quantizes (per layer: cell (tensor, its resolved format); per
// block: cell (block, format) when the whole block shares one format). Quantized embedding,
// head or activations cannot be attributed and are listed in `missing`.
AdditivityCheck checkAdditivity(IncrementalEvaluator& evaluator, const ModelDesc& desc,
                                const SweepResult& sweep, const QuantConfig& config,
                                Feedback* feedback = nullptr);

} // namespace qs
