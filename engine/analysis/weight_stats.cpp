#include "analysis/weight_stats.h"

#include "core/feedback.h"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>

namespace qs {

namespace {

// Exact median of |w| by selection on a copy (the copy is the price of exactness; one tensor
// at a time per thread).
double medianAbs(const float* w, size_t n) {
    if (n == 0) return 0.0;
    std::vector<float> a(n);
    for (size_t i = 0; i < n; ++i) a[i] = std::fabs(w[i]);
    const size_t mid = n / 2;
    std::nth_element(a.begin(), a.begin() + ptrdiff_t(mid), a.end());
    const double upper = a[mid];
    if (n % 2) return upper;
    const double lower = *std::max_element(a.begin(), a.begin() + ptrdiff_t(mid));
    return 0.5 * (lower + upper);
}

} // namespace

WeightStats computeWeightStats(const WeightView& w, const std::string& name) {
    WeightStats s;
    s.name = name;
    s.rows = w.rows;
    s.cols = w.cols;
    const size_t n = size_t(w.rows * w.cols);
    s.rowAbsMax.assign(size_t(w.rows), 0.0f);
    s.colAbsMax.assign(size_t(w.cols), 0.0f);
    if (n == 0) return s;

    // Two passes: the mean first, so the central moments do not cancel catastrophically.
    double sum = 0;
    for (int64_t r = 0; r < w.rows; ++r) {
        const float* row = w.data + r * w.cols;
        float rowMax = 0;
        for (int64_t c = 0; c < w.cols; ++c) {
            const float a = std::fabs(row[c]);
            sum += row[c];
            rowMax = std::max(rowMax, a);
            s.colAbsMax[size_t(c)] = std::max(s.colAbsMax[size_t(c)], a);
        }
        s.rowAbsMax[size_t(r)] = rowMax;
        s.histogram.addAll(row, w.cols);
    }
    s.mean = sum / double(n);
    s.absMax = *std::max_element(s.rowAbsMax.begin(), s.rowAbsMax.end());
    double m2 = 0, m4 = 0;
    for (size_t i = 0; i < n; ++i) {
        const double d = double(w.data[i]) - s.mean;
        const double d2 = d * d;
        m2 += d2;
        m4 += d2 * d2;
    }
    m2 /= double(n);
    m4 /= double(n);
    s.std = std::sqrt(m2);
    s.excessKurtosis = m2 > 0 ? m4 / (m2 * m2) - 3.0 : 0.0;
    int64_t beyond3 = 0, beyond6 = 0;
    for (size_t i = 0; i < n; ++i) {
        const double d = std::fabs(double(w.data[i]) - s.mean);
        beyond3 += d > 3 * s.std;
        beyond6 += d > 6 * s.std;
    }
    s.fracBeyond3Sigma = double(beyond3) / double(n);
    s.fracBeyond6Sigma = double(beyond6) / double(n);
    s.medianAbs = medianAbs(w.data, n);
    s.absMaxToMedian =
        s.medianAbs > 0 ? s.absMax / s.medianAbs : std::numeric_limits<double>::infinity();
    return s;
}

std::vector<WeightStats> computeAllWeightStats(const Model& model, Feedback* feedback) {
    std::vector<const TensorDesc*> todo;
    for (const TensorDesc& t : model.desc().tensors)
        if (isQuantizableRole(t.role) && !(t.role == TensorRole::Output && model.hp().tiedOutput))
            todo.push_back(&t);
    std::vector<WeightStats> out(todo.size());
    std::atomic<size_t> done{0};
    tbb::parallel_for(size_t(0), todo.size(), [&](size_t i) {
        checkCanceled(feedback);
        const WeightView* w = model.weights().find(todo[i]->role, todo[i]->block);
        if (w && *w) out[i] = computeWeightStats(*w, todo[i]->name);
        reportProgress(feedback, double(++done) / double(todo.size() + 1), "weight statistics");
    });
    checkCanceled(feedback);
    reportProgress(feedback, 1.0, "weight statistics");
    return out;
}

} // namespace qs
