#pragma once
// Cheap predictions of how much a quantization format hurts each linear layer, from the weights
// and the activation statistics alone (no forward pass). With ΔW = Q(W) - W (the format's
// quantizeDequantize) and x the layer's input on the calibration text:
//
//   activationWeighted = Σ_j E[x_j²] ‖ΔW[:, j]‖²     the imatrix-weighted error llama.cpp
//                                                   minimizes; E‖ΔW x‖² if channels were
//                                                   uncorrelated
//   hessianWeighted    = tr(ΔW H ΔWᵀ), H = XᵀX / n   exactly the mean squared output error
//                                                   E‖ΔW x‖² over the calibration rows (needs the
//                                                   Gram)
//
// Both are per token, summed over output channels. `relative` divides activationWeighted by
// Σ_j E[x_j²] ‖W[:, j]‖², the same measure of the layer's output itself (a noise-to-signal ratio).
//
//   qs::PredictedErrorOptions opt; opt.fallbackFormat = "int3_c_sym";
//   auto table = qs::predictErrorTable(*model, stats, {"q4_0", "int3_g32_sym"}, opt, &feedback);

#include "analysis/activation_stats.h"
#include "model/model.h"
#include "quant/quant_format.h"

#include <limits>
#include <string>
#include <vector>

namespace qs {

class Feedback;

struct PredictedError {
    std::string tensor; // canonical name
    int block = -1;
    TensorRole role = TensorRole::Wq;
    std::string requestedFormat; // as asked
    std::string
        format; // as applied: the fallback when the requested one cannot represent the shape
    bool usedFallback = false;
    std::string
        skipped; // why nothing was computed (shape not representable, no fallback); else empty
    int64_t parameters = 0;
    double weightSqError = 0;      // ‖ΔW‖²_F
    double activationWeighted = 0; // Σ_j E[x_j²] ‖ΔW[:, j]‖²
    double reference = 0;          // Σ_j E[x_j²] ‖W[:, j]‖²
    double relative = 0;           // activationWeighted / reference
    double hessianWeighted =
        std::numeric_limits<double>::quiet_NaN(); // tr(ΔW H ΔWᵀ); NaN without a Gram
};

// One layer: w is {rows = out, cols = in}, x its input statistics (x.channels == w.cols).
// Throws Error on a shape mismatch or a format that cannot represent w.
PredictedError predictError(const WeightView& w, const std::string& tensorName,
                            const LinearInputStats& x, const QuantFormat& format);

struct PredictedErrorOptions {
    // Used for a tensor the requested format cannot represent (e.g. ffn_down rows of 172 with
    // 32-element groups); empty: such rows come back with `skipped` set.
    std::string fallbackFormat;
};

// Every linear weight of every block that has statistics, times every format (tensor-major, in
// description order, formats in the order given). Parallel over tensor x format.
// Throws Error for an unknown format name.
std::vector<PredictedError> predictErrorTable(const Model& model, const ActivationStats& stats,
                                              const std::vector<std::string>& formats,
                                              const PredictedErrorOptions& opt = {},
                                              Feedback* feedback = nullptr);

} // namespace qs
