#include "analysis/rank_correlation.h"

#include "core/error.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace qs {

std::vector<double> averageRanks(std::span<const double> values) {
    const size_t n = values.size();
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), size_t(0));
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return values[a] < values[b]; });
    std::vector<double> ranks(n);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && values[order[j]] == values[order[i]]) ++j;
        const double mean = 0.5 * double(i + 1 + j); // ranks i+1 .. j
        for (size_t k = i; k < j; ++k) ranks[order[k]] = mean;
        i = j;
    }
    return ranks;
}

double spearman(std::span<const double> a, std::span<const double> b) {
    if (a.size() != b.size())
        throw Error("spearman: " + std::to_string(a.size()) + " vs " + std::to_string(b.size()) +
                    " values");
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const size_t n = a.size();
    if (n < 2) return nan;
    const std::vector<double> ra = averageRanks(a), rb = averageRanks(b);
    const double mean = 0.5 * double(n + 1); // of any rank vector, ties included
    double sab = 0, saa = 0, sbb = 0;
    for (size_t i = 0; i < n; ++i) {
        const double da = ra[i] - mean, db = rb[i] - mean;
        sab += da * db, saa += da * da, sbb += db * db;
    }
    if (saa == 0 || sbb == 0) return nan;
    return sab / std::sqrt(saa * sbb);
}

double sweepMetric(const SweepCell& c, SweepMetric m) {
    switch (m) {
    case SweepMetric::Kld:
        return c.klMean;
    case SweepMetric::DeltaPpl:
        return c.deltaPpl;
    case SweepMetric::LnPplRatio:
        return c.lnPplRatio;
    case SweepMetric::Top1Disagreement:
        return 1.0 - c.top1Agreement;
    }
    return c.klMean;
}

std::vector<RankCorrelation> rankCorrelationByFormat(const SweepResult& sweep,
                                                     const PredictedErrors& predicted,
                                                     SweepMetric metric) {
    std::vector<RankCorrelation> out;
    for (const std::string& format : sweep.formats) {
        auto it = predicted.find(format);
        if (it == predicted.end()) continue;
        std::vector<double> p, m;
        for (const SweepCell* c : sweep.column(format)) {
            auto pit = it->second.find(c->part);
            if (pit == it->second.end()) continue;
            p.push_back(pit->second);
            m.push_back(sweepMetric(*c, metric));
        }
        out.push_back({format, int64_t(p.size()), spearman(p, m)});
    }
    return out;
}

AdditivityCheck checkAdditivity(IncrementalEvaluator& evaluator, const ModelDesc& desc,
                                const SweepResult& sweep, const QuantConfig& config,
                                Feedback* feedback) {
    const ResolvedConfig resolved = config.resolve(desc);
    AdditivityCheck out;
    auto isFp = [](const QuantFormat* f) { return !f || f->name() == "f32"; };
    auto addCell = [&](const std::string& part, const std::string& format,
                       const std::string& what) {
        const SweepCell* c = sweep.find(part, format);
        if (!c || c->status != SweepCellStatus::Done) {
            out.missing.push_back(what + " @ " + format);
            return;
        }
        out.sumOfSingleKld += c->klMean;
        ++out.parts;
    };

    std::map<int, std::vector<size_t>> byBlock; // quantized block linear weights
    for (size_t i = 0; i < desc.tensors.size(); ++i) {
        const TensorDesc& t = desc.tensors[i];
        if (isFp(resolved.format(i))) continue;
        if (t.block < 0 || !isQuantizableRole(t.role))
            out.missing.push_back(t.name + " (not swept)");
        else
            byBlock[t.block].push_back(i);
    }
    if (!isFp(resolved.headFormat()) && !desc.find("output.weight"))
        out.missing.push_back("output head (not swept)");
    if (resolved.activations() != "none")
        out.missing.push_back("activations " + resolved.activations() + " (not swept)");

    for (const auto& [block, tensors] : byBlock) {
        if (sweep.unit == SweepUnit::Layer) {
            for (size_t i : tensors)
                addCell(desc.tensors[i].name, resolved.format(i)->name(), desc.tensors[i].name);
            continue;
        }
        // Per block: only a block quantized whole, in one format, matches a cell.
        const std::string part = "blk." + std::to_string(block);
        size_t linear = 0;
        for (const TensorDesc& t : desc.tensors)
            if (t.block == block && isQuantizableRole(t.role)) ++linear;
        const std::string format = resolved.format(tensors.front())->name();
        bool uniform = tensors.size() == linear;
        for (size_t i : tensors) uniform = uniform && resolved.format(i)->name() == format;
        if (uniform)
            addCell(part, format, part);
        else
            out.missing.push_back(part + " (mixed formats; the sweep is per block)");
    }

    const EvalResult r = evaluator.evaluate(config, feedback);
    out.measuredKld = r.metrics.klMean;
    out.measuredKldStdError = r.metrics.klStdError;
    return out;
}

} // namespace qs
