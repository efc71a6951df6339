// The analysis results of a session: activation statistics (/statistics), weight statistics
// (/weights) and the predicted-error table (/predicted_error). Groups are named after the
// intermediate or tensor they describe; an "order" dataset keeps the engine's order, since HDF5
// lists links by name.
#include "session/session_io.h"

#include <map>

namespace qs::session_detail {

using h5::Handle;

namespace {

std::vector<int64_t> histogramCounts(const AbsHistogram& h) {
    return {h.counts.begin(), h.counts.end()};
}

AbsHistogram readHistogram(hid_t loc, const std::string& name) {
    const std::vector<int64_t> v = h5::readInts(loc, name);
    AbsHistogram h;
    if (v.empty()) return h;
    if (v.size() != h.counts.size())
        throw h5::H5Failure("histogram '" + name + "' has " + std::to_string(v.size()) +
                            " bins, expected " + std::to_string(h.counts.size()));
    for (size_t i = 0; i < v.size(); ++i) h.counts[i] = uint64_t(v[i]);
    return h;
}

void writeHistogram(hid_t loc, const std::string& name, const AbsHistogram& h) {
    Handle ds = h5::writeInts(loc, name, histogramCounts(h));
    h5::writeAttr(ds, "bins",
                  "|x| in log bins: 0 below 2^-20, i in 1..128 spans 2^(-20+(i-1)/4)..2^(-20+i/4), "
                  "129 at or above 2^12 (AbsHistogram)");
}

// Lists of token hits, flattened: counts per list, then the hits one after the other.
void writeHits(hid_t loc, const std::string& prefix,
               const std::vector<std::vector<TokenHit>>& lists) {
    std::vector<int64_t> counts, positions, tokens;
    std::vector<float> values;
    for (const auto& l : lists) {
        counts.push_back(int64_t(l.size()));
        for (const TokenHit& h : l)
            positions.push_back(h.position), tokens.push_back(h.token), values.push_back(h.value);
    }
    h5::writeInts(loc, prefix + "_count", counts);
    h5::writeInts(loc, prefix + "_position", positions);
    h5::writeInts(loc, prefix + "_token", tokens);
    Handle v = h5::writeFloats(loc, prefix + "_value", values);
    h5::writeAttr(v, "units", "activation (signed)");
}

std::vector<std::vector<TokenHit>> readHits(hid_t loc, const std::string& prefix) {
    const auto counts = h5::readInts(loc, prefix + "_count");
    const auto positions = h5::readInts(loc, prefix + "_position");
    const auto tokens = h5::readInts(loc, prefix + "_token");
    const auto values = h5::readFloats(loc, prefix + "_value");
    std::vector<std::vector<TokenHit>> out;
    size_t k = 0;
    for (int64_t n : counts) {
        auto& l = out.emplace_back();
        for (int64_t i = 0; i < n; ++i, ++k) {
            if (k >= positions.size() || k >= tokens.size() || k >= values.size())
                throw h5::H5Failure("token hits '" + prefix + "' are shorter than their counts");
            l.push_back({positions[k], int32_t(tokens[k]), values[k]});
        }
    }
    return out;
}

void writeInput(hid_t loc, const LinearInputStats& x) {
    Handle g = h5::createGroup(loc, x.name);
    h5::writeAttr(g, "name", x.name);
    h5::writeAttr(g, "tensors", x.tensors);
    h5::writeAttr(g, "block", x.block);
    h5::writeAttr(g, "intermediate", int(x.what));
    h5::writeAttr(g, "channels", x.channels);
    h5::writeAttr(g, "count", x.count);
    Handle sq = h5::writeDoubles(g, "sum_sq", x.sumSq);
    h5::writeAttr(sq, "units",
                  "activation^2 summed over `count` rows; /count gives the imatrix E[x^2]");
    Handle s = h5::writeDoubles(g, "sum", x.sum);
    h5::writeAttr(s, "units", "activation summed over `count` rows");
    Handle m = h5::writeFloats(g, "abs_max", x.absMax);
    h5::writeAttr(m, "units", "activation");
    writeHistogram(g, "histogram", x.histogram);
    if (x.hasGram()) {
        Handle gr = h5::writeDoubles(g, "gram", x.gram, uint64_t(x.channels));
        h5::writeAttr(gr, "units", "sum over rows of x x^T (activation^2); /count gives H");
    }
}

LinearInputStats readInput(hid_t loc, const std::string& key) {
    Handle g = h5::openGroup(loc, key);
    LinearInputStats x;
    x.name = h5::readStringAttr(g, "name");
    x.tensors = h5::readStringsAttr(g, "tensors");
    x.block = int(h5::readIntAttr(g, "block"));
    x.what = Intermediate(h5::readIntAttr(g, "intermediate"));
    x.channels = h5::readIntAttr(g, "channels");
    x.count = h5::readIntAttr(g, "count");
    x.sumSq = h5::readDoubles(g, "sum_sq");
    x.sum = h5::readDoubles(g, "sum");
    x.absMax = h5::readFloats(g, "abs_max");
    x.histogram = readHistogram(g, "histogram");
    if (h5::exists(g, "gram")) x.gram = h5::readDoubles(g, "gram");
    if (int64_t(x.sumSq.size()) != x.channels ||
        (x.hasGram() && int64_t(x.gram.size()) != x.channels * x.channels))
        throw h5::H5Failure("statistics of '" + x.name + "' do not match its " +
                            std::to_string(x.channels) + " channels");
    return x;
}

void writeResidual(hid_t loc, const ResidualStats& r) {
    Handle g = h5::createGroup(loc, "blk." + std::to_string(r.block));
    h5::writeAttr(g, "block", r.block);
    h5::writeAttr(g, "channels", r.channels);
    h5::writeAttr(g, "median_abs", r.medianAbs);
    Handle m = h5::writeFloats(g, "abs_max", r.absMax);
    h5::writeAttr(m, "units", "activation");
    h5::writeInts(g, "count_above_threshold", r.countAboveThreshold);
    writeHistogram(g, "histogram", r.histogram);
    writeHits(g, "top", r.top);
    std::vector<int64_t> channel, above, massive, int8;
    std::vector<float> absMax;
    std::vector<double> ratio;
    std::vector<std::vector<TokenHit>> hits;
    for (const ResidualOutlier& o : r.outliers) {
        channel.push_back(o.channel), absMax.push_back(o.absMax), ratio.push_back(o.ratioToMedian);
        above.push_back(o.countAboveThreshold), massive.push_back(o.massive),
            int8.push_back(o.int8Outlier);
        hits.push_back(o.top);
    }
    Handle og = h5::createGroup(g, "outliers");
    h5::writeInts(og, "channel", channel);
    h5::writeFloats(og, "abs_max", absMax);
    h5::writeDoubles(og, "ratio_to_median", ratio);
    h5::writeInts(og, "count_above_threshold", above);
    h5::writeInts(og, "massive", massive);
    h5::writeInts(og, "int8_outlier", int8);
    writeHits(og, "top", hits);
}

ResidualStats readResidual(hid_t loc, const std::string& key) {
    Handle g = h5::openGroup(loc, key);
    ResidualStats r;
    r.block = int(h5::readIntAttr(g, "block"));
    r.channels = h5::readIntAttr(g, "channels");
    r.medianAbs = h5::readDoubleAttr(g, "median_abs");
    r.absMax = h5::readFloats(g, "abs_max");
    r.countAboveThreshold = h5::readInts(g, "count_above_threshold");
    r.histogram = readHistogram(g, "histogram");
    r.top = readHits(g, "top");
    Handle og = h5::openGroup(g, "outliers");
    const auto channel = h5::readInts(og, "channel");
    const auto absMax = h5::readFloats(og, "abs_max");
    const auto ratio = h5::readDoubles(og, "ratio_to_median");
    const auto above = h5::readInts(og, "count_above_threshold");
    const auto massive = h5::readInts(og, "massive");
    const auto int8 = h5::readInts(og, "int8_outlier");
    const auto hits = readHits(og, "top");
    const size_t n = channel.size();
    if (absMax.size() != n || ratio.size() != n || above.size() != n || massive.size() != n ||
        int8.size() != n || hits.size() != n)
        throw h5::H5Failure("outlier table of block " + std::to_string(r.block) +
                            " has columns of different lengths");
    for (size_t i = 0; i < n; ++i)
        r.outliers.push_back({int(channel[i]), absMax[i], ratio[i], above[i], massive[i] != 0,
                              int8[i] != 0, hits[i]});
    return r;
}

void writeActivations(hid_t root, const ActivationStats& a) {
    Handle g = h5::createGroup(root, "statistics");
    h5::writeAttr(g, "source", a.source);
    h5::writeAttr(g, "datasets", a.datasets);
    h5::writeAttr(g, "ctx", a.ctx);
    h5::writeAttr(g, "windows", a.windows);
    h5::writeAttr(g, "tokens", a.tokens);
    Handle inputs = h5::createGroup(g, "inputs");
    std::vector<std::string> order;
    for (const LinearInputStats& x : a.inputs) writeInput(inputs, x), order.push_back(x.name);
    h5::writeStrings(g, "input_order", order);
    std::vector<std::string> names;
    std::vector<int64_t> index;
    for (const auto& [name, i] : a.byTensor) names.push_back(name), index.push_back(int64_t(i));
    h5::writeStrings(g, "by_tensor_name", names);
    h5::writeInts(g, "by_tensor_input", index);
    Handle residual = h5::createGroup(g, "residual");
    for (const ResidualStats& r : a.residual) writeResidual(residual, r);
    std::vector<int64_t> blocks;
    for (const ResidualStats& r : a.residual) blocks.push_back(r.block);
    h5::writeInts(g, "residual_order", blocks);
}

ActivationStats readActivations(hid_t root) {
    Handle g = h5::openGroup(root, "statistics");
    ActivationStats a;
    a.source = h5::readStringAttr(g, "source");
    a.datasets = h5::readStringsAttr(g, "datasets");
    a.ctx = int(h5::readIntAttr(g, "ctx"));
    a.windows = h5::readIntAttr(g, "windows");
    a.tokens = h5::readIntAttr(g, "tokens");
    Handle inputs = h5::openGroup(g, "inputs");
    for (const std::string& name : h5::readStrings(g, "input_order"))
        a.inputs.push_back(readInput(inputs, name));
    const auto names = h5::readStrings(g, "by_tensor_name");
    const auto index = h5::readInts(g, "by_tensor_input");
    if (names.size() != index.size())
        throw h5::H5Failure("by_tensor_name and by_tensor_input differ in length");
    for (size_t i = 0; i < names.size(); ++i) {
        if (index[i] < 0 || size_t(index[i]) >= a.inputs.size())
            throw h5::H5Failure("tensor '" + names[i] + "' points past the input statistics");
        a.byTensor[names[i]] = size_t(index[i]);
    }
    Handle residual = h5::openGroup(g, "residual");
    for (int64_t b : h5::readInts(g, "residual_order"))
        a.residual.push_back(readResidual(residual, "blk." + std::to_string(b)));
    return a;
}

void writeWeights(hid_t root, const std::vector<WeightStats>& ws) {
    Handle g = h5::createGroup(root, "weights");
    std::vector<std::string> order;
    for (const WeightStats& w : ws) {
        Handle t = h5::createGroup(g, w.name);
        order.push_back(w.name);
        h5::writeAttr(t, "rows", w.rows);
        h5::writeAttr(t, "cols", w.cols);
        h5::writeAttr(t, "abs_max", w.absMax);
        h5::writeAttr(t, "mean", w.mean);
        h5::writeAttr(t, "std", w.std);
        h5::writeAttr(t, "excess_kurtosis", w.excessKurtosis);
        h5::writeAttr(t, "frac_beyond_3sigma", w.fracBeyond3Sigma);
        h5::writeAttr(t, "frac_beyond_6sigma", w.fracBeyond6Sigma);
        h5::writeAttr(t, "median_abs", w.medianAbs);
        h5::writeAttr(t, "abs_max_to_median", w.absMaxToMedian);
        h5::writeAttr(t, "units", "weight values; kurtosis and fractions dimensionless");
        h5::writeFloats(t, "row_abs_max", w.rowAbsMax);
        h5::writeFloats(t, "col_abs_max", w.colAbsMax);
        writeHistogram(t, "histogram", w.histogram);
    }
    h5::writeStrings(g, "order", order);
}

std::vector<WeightStats> readWeights(hid_t root) {
    Handle g = h5::openGroup(root, "weights");
    std::vector<WeightStats> out;
    for (const std::string& name : h5::readStrings(g, "order")) {
        Handle t = h5::openGroup(g, name);
        WeightStats w;
        w.name = name;
        w.rows = h5::readIntAttr(t, "rows");
        w.cols = h5::readIntAttr(t, "cols");
        w.absMax = h5::readDoubleAttr(t, "abs_max");
        w.mean = h5::readDoubleAttr(t, "mean");
        w.std = h5::readDoubleAttr(t, "std");
        w.excessKurtosis = h5::readDoubleAttr(t, "excess_kurtosis");
        w.fracBeyond3Sigma = h5::readDoubleAttr(t, "frac_beyond_3sigma");
        w.fracBeyond6Sigma = h5::readDoubleAttr(t, "frac_beyond_6sigma");
        w.medianAbs = h5::readDoubleAttr(t, "median_abs");
        w.absMaxToMedian = h5::readDoubleAttr(t, "abs_max_to_median");
        w.rowAbsMax = h5::readFloats(t, "row_abs_max");
        w.colAbsMax = h5::readFloats(t, "col_abs_max");
        w.histogram = readHistogram(t, "histogram");
        out.push_back(std::move(w));
    }
    return out;
}

// One 1-D dataset per column, so h5py/pandas read it as a table.
void writePredicted(hid_t root, const std::vector<PredictedError>& rows) {
    Handle g = h5::createGroup(root, "predicted_error");
    std::vector<std::string> tensor, requested, format, skipped;
    std::vector<int64_t> block, role, fallback, params;
    std::vector<double> wsq, act, ref, rel, hes;
    for (const PredictedError& p : rows) {
        tensor.push_back(p.tensor), requested.push_back(p.requestedFormat),
            format.push_back(p.format);
        skipped.push_back(p.skipped), block.push_back(p.block), role.push_back(int64_t(p.role));
        fallback.push_back(p.usedFallback), params.push_back(p.parameters),
            wsq.push_back(p.weightSqError);
        act.push_back(p.activationWeighted), ref.push_back(p.reference), rel.push_back(p.relative);
        hes.push_back(p.hessianWeighted);
    }
    h5::writeStrings(g, "tensor", tensor);
    h5::writeStrings(g, "requested_format", requested);
    h5::writeStrings(g, "format", format);
    h5::writeStrings(g, "skipped", skipped);
    h5::writeInts(g, "block", block);
    Handle r = h5::writeInts(g, "role", role);
    h5::writeAttr(r, "meaning", "qs::TensorRole enumerator");
    h5::writeInts(g, "used_fallback", fallback);
    h5::writeInts(g, "parameters", params);
    auto col = [&](const char* name, const std::vector<double>& v, const char* units) {
        Handle d = h5::writeDoubles(g, name, v);
        h5::writeAttr(d, "units", units);
    };
    col("weight_sq_error", wsq, "weight^2 (squared Frobenius norm of Q(W) - W)");
    col("activation_weighted", act, "output^2 per token (sum_j E[x_j^2] |dW[:,j]|^2)");
    col("reference", ref, "output^2 per token (sum_j E[x_j^2] |W[:,j]|^2)");
    col("relative", rel, "ratio (activation_weighted / reference)");
    col("hessian_weighted", hes, "output^2 per token (tr(dW H dW^T)); NaN without a Gram matrix");
}

std::vector<PredictedError> readPredicted(hid_t root) {
    Handle g = h5::openGroup(root, "predicted_error");
    const auto tensor = h5::readStrings(g, "tensor");
    const auto requested = h5::readStrings(g, "requested_format");
    const auto format = h5::readStrings(g, "format");
    const auto skipped = h5::readStrings(g, "skipped");
    const auto block = h5::readInts(g, "block");
    const auto role = h5::readInts(g, "role");
    const auto fallback = h5::readInts(g, "used_fallback");
    const auto params = h5::readInts(g, "parameters");
    const auto wsq = h5::readDoubles(g, "weight_sq_error");
    const auto act = h5::readDoubles(g, "activation_weighted");
    const auto ref = h5::readDoubles(g, "reference");
    const auto rel = h5::readDoubles(g, "relative");
    const auto hes = h5::readDoubles(g, "hessian_weighted");
    const size_t n = tensor.size();
    for (size_t len : {requested.size(), format.size(), skipped.size(), block.size(), role.size(),
                       fallback.size(), params.size(), wsq.size(), act.size(), ref.size(),
                       rel.size(), hes.size()})
        if (len != n) throw h5::H5Failure("predicted_error columns have different lengths");
    std::vector<PredictedError> out(n);
    for (size_t i = 0; i < n; ++i) {
        PredictedError& p = out[i];
        p.tensor = tensor[i], p.requestedFormat = requested[i], p.format = format[i],
        p.skipped = skipped[i];
        p.block = int(block[i]), p.role = TensorRole(role[i]), p.usedFallback = fallback[i] != 0;
        p.parameters = params[i], p.weightSqError = wsq[i], p.activationWeighted = act[i],
        p.reference = ref[i];
        p.relative = rel[i], p.hessianWeighted = hes[i];
    }
    return out;
}

} // namespace

void writeStatistics(hid_t root, const Session& s) {
    if (s.activations) writeActivations(root, *s.activations);
    if (!s.weightStats.empty()) writeWeights(root, s.weightStats);
    if (!s.predictedErrors.empty()) writePredicted(root, s.predictedErrors);
}

void readStatistics(hid_t root, Session& s) {
    if (h5::exists(root, "statistics")) s.activations = readActivations(root);
    if (h5::exists(root, "weights")) s.weightStats = readWeights(root);
    if (h5::exists(root, "predicted_error")) s.predictedErrors = readPredicted(root);
}

} // namespace qs::session_detail
