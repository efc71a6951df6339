#include "analysis/predicted_error.h"

#include "core/error.h"
#include "core/feedback.h"

#include <Eigen/Core>
#include <tbb/parallel_for.h>

#include <atomic>

namespace qs {

namespace {

using RowMajorF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

void checkInput(const WeightView& w, const std::string& tensorName, const LinearInputStats& x) {
    if (x.channels != w.cols || int64_t(x.sumSq.size()) != w.cols)
        throw Error(tensorName + ": input statistics have " + std::to_string(x.channels) +
                    " channels, the weight has " + std::to_string(w.cols) + " columns");
}

// tr(ΔW H ΔWᵀ) = Σ_ij (ΔW H)_ij ΔW_ij: one float GEMM (rows x cols x cols), reduced in double.
double hessianTrace(const std::vector<float>& delta, int64_t rows, const LinearInputStats& x) {
    const int64_t n = x.channels;
    Eigen::Map<const RowMajorF> D(delta.data(), rows, n);
    RowMajorF H(n, n);
    const double inv = 1.0 / double(x.count);
    for (int64_t i = 0; i < n * n; ++i) H.data()[i] = float(x.gram[size_t(i)] * inv);
    const RowMajorF DH = D * H;
    double trace = 0;
    for (int64_t i = 0; i < rows * n; ++i) trace += double(DH.data()[i]) * double(delta[size_t(i)]);
    return trace;
}

} // namespace

PredictedError predictError(const WeightView& w, const std::string& tensorName,
                            const LinearInputStats& x, const QuantFormat& format) {
    checkInput(w, tensorName, x);
    if (std::string why = format.checkShape(w.rows, w.cols); !why.empty())
        throw Error(tensorName + ": format " + format.name() + " cannot represent it: " + why);
    PredictedError e;
    e.tensor = tensorName;
    e.format = e.requestedFormat = format.name();
    e.parameters = w.rows * w.cols;

    const size_t n = size_t(w.rows * w.cols);
    std::vector<float> delta(n);
    QuantContext qctx;
    qctx.tensorName = tensorName;
    format.quantizeDequantize(w.data, delta.data(), w.rows, w.cols, qctx);
    for (size_t i = 0; i < n; ++i) delta[i] -= w.data[i];

    std::vector<double> deltaCol(size_t(w.cols), 0.0), weightCol(size_t(w.cols), 0.0);
    for (int64_t r = 0; r < w.rows; ++r) {
        const float* d = delta.data() + r * w.cols;
        const float* v = w.data + r * w.cols;
        for (int64_t c = 0; c < w.cols; ++c) {
            deltaCol[size_t(c)] += double(d[c]) * double(d[c]);
            weightCol[size_t(c)] += double(v[c]) * double(v[c]);
        }
    }
    for (int64_t c = 0; c < w.cols; ++c) {
        const double ex2 = x.meanSq(c);
        e.weightSqError += deltaCol[size_t(c)];
        e.activationWeighted += ex2 * deltaCol[size_t(c)];
        e.reference += ex2 * weightCol[size_t(c)];
    }
    e.relative = e.reference > 0 ? e.activationWeighted / e.reference : 0.0;
    if (x.hasGram() && x.count > 0) e.hessianWeighted = hessianTrace(delta, w.rows, x);
    return e;
}

std::vector<PredictedError> predictErrorTable(const Model& model, const ActivationStats& stats,
                                              const std::vector<std::string>& formats,
                                              const PredictedErrorOptions& opt,
                                              Feedback* feedback) {
    std::vector<const QuantFormat*> fmts;
    for (const std::string& f : formats)
        fmts.push_back(&quantFormat(f)); // throws for unknown names
    const QuantFormat* fallback =
        opt.fallbackFormat.empty() ? nullptr : &quantFormat(opt.fallbackFormat);

    struct Layer {
        const TensorDesc* desc;
        const WeightView* w;
        const LinearInputStats* x;
    };
    std::vector<Layer> layers;
    for (const TensorDesc& t : model.desc().tensors) {
        if (t.block < 0 || !isQuantizableRole(t.role)) continue;
        const LinearInputStats* x = stats.forTensor(t.name);
        const WeightView* w = model.weights().find(t.role, t.block);
        if (x && w && *w) layers.push_back({&t, w, x});
    }

    std::vector<PredictedError> out(layers.size() * fmts.size());
    std::atomic<size_t> done{0};
    tbb::parallel_for(size_t(0), out.size(), [&](size_t i) {
        checkCanceled(feedback);
        const Layer& l = layers[i / fmts.size()];
        const QuantFormat* f = fmts[i % fmts.size()];
        const bool fits = f->checkShape(l.w->rows, l.w->cols).empty();
        PredictedError& e = out[i];
        if (fits || (fallback && fallback->checkShape(l.w->rows, l.w->cols).empty())) {
            e = predictError(*l.w, l.desc->name, *l.x, fits ? *f : *fallback);
            e.usedFallback = !fits;
        } else {
            e.tensor = l.desc->name;
            e.format = f->name();
            e.parameters = l.w->rows * l.w->cols;
            e.skipped = f->checkShape(l.w->rows, l.w->cols);
        }
        e.requestedFormat = f->name();
        e.block = l.desc->block;
        e.role = l.desc->role;
        reportProgress(feedback, double(++done) / double(out.size() + 1), "predicted error");
    });
    checkCanceled(feedback);
    reportProgress(feedback, 1.0, "predicted error");
    return out;
}

} // namespace qs
