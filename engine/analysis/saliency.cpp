#include "analysis/saliency.h"

#include "core/error.h"

#include <algorithm>
#include <cmath>

namespace qs {

SaliencyMap computeSaliency(const WeightView& w, const LinearInputStats& x, SaliencyKind kind,
                            const QuantFormat* format, int64_t maxRows, int64_t maxCols) {
    if (x.channels != w.cols || int64_t(x.sumSq.size()) != w.cols)
        throw Error("saliency: input statistics have " + std::to_string(x.channels) +
                    " channels, the weight has " + std::to_string(w.cols) + " columns");
    if (maxRows < 1 || maxCols < 1) throw Error("saliency: the map needs at least 1 x 1 cells");
    SaliencyMap m;
    m.kind = kind;
    m.sourceRows = w.rows;
    m.sourceCols = w.cols;
    m.blockRows = (w.rows + maxRows - 1) / maxRows;
    m.blockCols = (w.cols + maxCols - 1) / maxCols;
    m.rows = (w.rows + m.blockRows - 1) / m.blockRows;
    m.cols = (w.cols + m.blockCols - 1) / m.blockCols;
    m.values.assign(size_t(m.rows * m.cols), 0.0f);

    // Per-column factor: ‖x_j‖ for Wanda, H_jj = E[x_j²] for the Hessian-diagonal error.
    std::vector<float> colFactor(size_t(w.cols));
    for (int64_t j = 0; j < w.cols; ++j)
        colFactor[size_t(j)] = kind == SaliencyKind::ActivationMagnitude
                                   ? float(std::sqrt(x.sumSq[size_t(j)]))
                                   : float(x.meanSq(j));
    std::vector<float> delta;
    if (kind == SaliencyKind::HessianDiagError) {
        if (!format)
            throw Error("saliency: the Hessian-diagonal error needs a quantization format");
        if (std::string why = format->checkShape(w.rows, w.cols); !why.empty())
            throw Error("saliency: format " + format->name() +
                        " cannot represent the tensor: " + why);
        delta.resize(size_t(w.rows * w.cols));
        format->quantizeDequantize(w.data, delta.data(), w.rows, w.cols, {});
    }
    for (int64_t r = 0; r < w.rows; ++r) {
        float* cells = m.values.data() + (r / m.blockRows) * m.cols;
        const float* row = w.data + r * w.cols;
        const float* q = delta.empty() ? nullptr : delta.data() + r * w.cols;
        for (int64_t c = 0; c < w.cols; ++c) {
            float v;
            if (q) {
                const float d = q[c] - row[c];
                v = d * d * colFactor[size_t(c)];
            } else {
                v = std::fabs(row[c]) * colFactor[size_t(c)];
            }
            float& cell = cells[c / m.blockCols];
            cell = std::max(cell, v);
        }
    }
    return m;
}

} // namespace qs
