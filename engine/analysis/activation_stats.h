#pragma once
// Activation statistics of a model from one calibration pass: what the inputs of every linear
// layer and the residual stream look like on real text. They drive imatrix-weighted
// quantization (llama.cpp's importance matrix is exactly sumSq / count per input channel),
// error prediction (predicted_error.h) and outlier diagnostics.
//
// Windows of ctx tokens (the layout of eval/perplexity.h: consecutive, BOS substituted under
// the Half protocol as llama-imatrix does) run in parallel (oneTBB). Every window is reduced
// into its own partial, and partials are merged in window order, so results are bit-identical
// whatever the thread count or scheduling. At most `maxLiveWindows` partials exist at once,
// which bounds memory. The output head is not observed (llama-imatrix skips output.weight by
// default too), so the pass never computes logits.
//
//   qs::ActivationStatsOptions opt; opt.ctx = 256; opt.gram = true;
//   qs::ActivationStats st = qs::collectActivationStats(*model, tokens, opt, &feedback);
//   const qs::LinearInputStats* x = st.forTensor("blk.0.ffn_down.weight");
//   double importance = x->meanSq(17);           // E[x_17^2], what llama-quantize uses

#include "analysis/abs_histogram.h"
#include "eval/perplexity.h"
#include "llama/forward.h"
#include "model/model.h"

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace qs {

class Feedback;

// Statistics of one distinct linear-layer input (q/k/v share AttnNormOut, gate/up share
// FfnNormOut). Per-channel sums are accumulated in double.
struct LinearInputStats {
    std::string name; // intermediate ("blk.3.ffn_norm_out") or, when imported, the tensor
    std::vector<std::string> tensors; // canonical names of the weights this is the input of
    int block = -1;
    Intermediate what = Intermediate::AttnNormOut; // meaningless for imported statistics
    int64_t channels = 0;                          // input dimension (columns of the weights)
    int64_t count = 0; // rows (token positions) accumulated, the same for every channel

    std::vector<double> sumSq; // Σ x_j²  (llama.cpp in_sum2)
    std::vector<double> sum;   // Σ x_j   (empty when imported from an imatrix)
    std::vector<float> absMax; // max |x_j| (empty when imported from an imatrix)
    AbsHistogram histogram;    // |x| over all channels and rows (empty when imported)
    // Σ x xᵀ over rows, channels x channels row-major (symmetric, both halves filled): each
    // window's XᵀX is computed in float (Eigen GEMM over <= ctx rows) and accumulated across
    // windows in double. Empty unless ActivationStatsOptions::gram.
    std::vector<double> gram;

    double meanSq(int64_t j) const { return count > 0 ? sumSq[size_t(j)] / double(count) : 0.0; }
    double mean(int64_t j) const {
        return count > 0 && !sum.empty() ? sum[size_t(j)] / double(count) : 0.0;
    }
    bool hasGram() const { return !gram.empty(); }
    // H = XᵀX / n, element (i, j).
    double hessian(int64_t i, int64_t j) const {
        return gram[size_t(i * channels + j)] / double(count);
    }
};

// Where one large residual value occurred.
struct TokenHit {
    int64_t position = 0; // index into the token sequence given to the pass (window * ctx + row)
    int32_t token = 0; // the input token id at that position (BOS under the Half protocol's row 0)
    float value = 0;   // signed activation
};

// One residual channel flagged as an outlier.
struct ResidualOutlier {
    int channel = 0;
    float absMax = 0;
    double ratioToMedian = 0;        // absMax / median |x| of the block's residual
    int64_t countAboveThreshold = 0; // positions with |x| > outlierThreshold
    bool massive = false;            // absMax > massiveRatio * median
    bool int8Outlier = false;        // absMax > outlierThreshold (LLM.int8() feature)
    std::vector<TokenHit> top;       // largest |x|, descending
};

// The residual stream leaving one block (Intermediate::BlockOutput).
struct ResidualStats {
    int block = 0;
    int64_t channels = 0;
    std::vector<float> absMax;                // per channel
    std::vector<int64_t> countAboveThreshold; // per channel: positions with |x| > outlierThreshold
    std::vector<std::vector<TokenHit>> top;   // per channel: the topK largest |x|, descending
    AbsHistogram histogram;                   // |x| over all channels and positions
    double medianAbs = 0;                     // histogram.quantile(0.5): exact to one bin (x1.19)
    // Channels with absMax > massiveRatio * medianAbs or > outlierThreshold, by channel index.
    std::vector<ResidualOutlier> outliers;
};

struct ActivationStatsOptions {
    int ctx = 512;         // window length (llama-imatrix's default chunk)
    int64_t maxTokens = 0; // 0: every token
    PplProtocol protocol =
        PplProtocol::Half; // Half: BOS at row 0 of each window, like llama-imatrix
    bool gram = false;     // also accumulate XᵀX per distinct input
    uint64_t gramBudgetBytes = uint64_t(1)
                               << 30; // Error before the pass if the Gram matrices exceed it
    int topK = 4;                     // token hits kept per residual channel
    float outlierThreshold = 6.0f;    // LLM.int8(): |x| > 6 marks an outlier feature
    double massiveRatio = 100.0;      // massive activation: |x| > 100 x the block's median |x|
    int maxLiveWindows = 0;           // partials alive at once; 0: 2 x the thread count
};

struct ActivationStats {
    std::string source;                // model path or imatrix file
    std::vector<std::string> datasets; // calibration text(s), for imatrix metadata
    int ctx = 0;                       // window (chunk) length
    int64_t windows = 0;               // windows (chunks) processed
    int64_t tokens = 0;                // positions accumulated per input = windows * ctx
    std::vector<LinearInputStats> inputs;
    std::map<std::string, size_t> byTensor; // canonical weight name -> index into inputs
    std::vector<ResidualStats> residual;    // one per block; empty when imported

    // nullptr when the tensor has no statistics.
    const LinearInputStats* forTensor(std::string_view tensorName) const;
};

// Which intermediate feeds each linear slot (Q/K/V: AttnNormOut, O: AttnOut, Gate/Up:
// FfnNormOut, Down: FfnAct).
Intermediate linearInputOf(LinearSlot slot);
TensorRole linearRole(LinearSlot slot);

// Throws Error for too few tokens (see planWindows) or a Gram budget that is too small
// (naming the bytes needed), Canceled when feedback cancels.
ActivationStats collectActivationStats(const Model& model, std::span<const int32_t> tokens,
                                       const ActivationStatsOptions& opt,
                                       Feedback* feedback = nullptr);

// Bytes the Gram matrices of a model would take (double accumulation), for budgeting UIs.
uint64_t gramBytes(const HParams& hp);

} // namespace qs
