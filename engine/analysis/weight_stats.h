#pragma once
// Distribution statistics of one weight matrix: what makes it easy or hard to quantize
// (heavy tails, a few huge values, outlier rows/columns).
//
//   qs::WeightStats s = qs::computeWeightStats(model->weights().blocks[0].wq,
//   "blk.0.attn_q.weight"); if (s.excessKurtosis > 3) ...   // heavier tails than a Gaussian
//
// Moments are population moments over all elements, accumulated in double.

#include "analysis/abs_histogram.h"
#include "model/model.h"

#include <string>
#include <vector>

namespace qs {

class Feedback;

struct WeightStats {
    std::string name;
    int64_t rows = 0, cols = 0;
    double absMax = 0;
    double mean = 0;
    double std = 0;               // population standard deviation
    double excessKurtosis = 0;    // E[(w-mean)^4] / std^4 - 3 (0 for a Gaussian)
    double fracBeyond3Sigma = 0;  // fraction with |w - mean| > 3 std (Gaussian: 0.0027)
    double fracBeyond6Sigma = 0;  // fraction with |w - mean| > 6 std (Gaussian: 2e-9)
    double medianAbs = 0;         // exact median of |w| (mean of the middle two for even counts)
    double absMaxToMedian = 0;    // absMax / medianAbs (inf when the median is 0)
    std::vector<float> rowAbsMax; // per output channel (row)
    std::vector<float> colAbsMax; // per input channel (column)
    AbsHistogram histogram;       // of |w|
};

WeightStats computeWeightStats(const WeightView& w, const std::string& name);

// Every quantizable matrix of the model (linear weights, embedding, untied output), in
// description order, computed in parallel.
std::vector<WeightStats> computeAllWeightStats(const Model& model, Feedback* feedback = nullptr);

} // namespace qs
