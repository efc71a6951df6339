#pragma once
// Element saliency maps of one weight matrix, down-sampled for display:
//   ActivationMagnitude  |w_ij| · ‖x_j‖   (Wanda; AWQ's activation-aware view), ‖x_j‖ = sqrt(Σ
//   x_j²) HessianDiagError     ΔW_ij² · H_jj     (the diagonal-Hessian share of the output error of
//   a
//                                          format, H_jj = E[x_j²]; needs a format)
// Down-sampling: a {rows, cols} matrix becomes at most {maxRows, maxCols} cells; each cell covers
// a block of ceil(rows / maxRows) x ceil(cols / maxCols) elements (the last ones may be smaller)
// and holds the block's maximum (max-pooling, values are non-negative), so a single salient
// weight never disappears in the overview.
//
//   qs::SaliencyMap m = qs::computeSaliency(w, *stats.forTensor(name),
//   qs::SaliencyKind::HessianDiagError,
//                                           &qs::quantFormat("q4_0"), 256, 256);

#include "analysis/activation_stats.h"
#include "model/model.h"
#include "quant/quant_format.h"

#include <cstdint>
#include <vector>

namespace qs {

enum class SaliencyKind { ActivationMagnitude, HessianDiagError };

struct SaliencyMap {
    SaliencyKind kind = SaliencyKind::ActivationMagnitude;
    int64_t sourceRows = 0, sourceCols = 0; // the weight matrix
    int64_t blockRows = 1, blockCols = 1;   // elements per cell
    int64_t rows = 0, cols = 0;             // the map
    std::vector<float> values;              // rows x cols, row-major
    float at(int64_t r, int64_t c) const { return values[size_t(r * cols + c)]; }
};

// Throws Error when x does not match w's columns, or HessianDiagError is asked without a format
// (or with one that cannot represent w).
SaliencyMap computeSaliency(const WeightView& w, const LinearInputStats& x, SaliencyKind kind,
                            const QuantFormat* format = nullptr, int64_t maxRows = 256,
                            int64_t maxCols = 256);

} // namespace qs
