#include "analysis/sensitivity_sweep.h"

#include "core/error.h"
#include "core/feedback.h"
#include "quant/quant_format.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

namespace qs {

namespace {

bool isBlockLinear(const TensorDesc& t) {
    return t.block >= 0 && isQuantizableRole(t.role) && t.shape.size() == 2;
}

std::string blockPart(int b) {
    return "blk." + std::to_string(b);
}

// Indices of the tensors a part quantizes.
std::vector<size_t> partTensors(const ModelDesc& desc, const std::string& part, SweepUnit unit) {
    std::vector<size_t> out;
    for (size_t i = 0; i < desc.tensors.size(); ++i) {
        const TensorDesc& t = desc.tensors[i];
        if (!isBlockLinear(t)) continue;
        if (unit == SweepUnit::Layer ? t.name == part : blockPart(t.block) == part)
            out.push_back(i);
    }
    return out;
}

std::string shortName(const std::string& part) {
    const std::string suffix = ".weight";
    if (part.size() > suffix.size() &&
        part.compare(part.size() - suffix.size(), suffix.size(), suffix) == 0)
        return part.substr(0, part.size() - suffix.size());
    return part;
}

} // namespace

std::string_view sweepUnitName(SweepUnit u) {
    return u == SweepUnit::Layer ? "layer" : "block";
}

SweepUnit parseSweepUnit(std::string_view s) {
    if (s == "layer") return SweepUnit::Layer;
    if (s == "block") return SweepUnit::Block;
    throw Error("unknown sweep unit '" + std::string(s) + "' (layer or block)");
}

SweepSetup SweepSetup::of(const IncrementalEvaluator& ev) {
    if (!ev.hasReference())
        throw Error("sensitivity sweep: the evaluator has no reference pass yet");
    SweepSetup s;
    s.ctx = ev.windowPlan().ctx;
    s.protocol = std::string(protocolName(ev.windowPlan().protocol));
    s.windows = ev.windowPlan().windows;
    s.scoredTokens = ev.scoredTokens();
    s.referenceTopK = ev.memoryPlan().referenceTopK;
    s.referencePpl = ev.referenceResult().metrics.ppl;
    return s;
}

bool SweepSetup::compatible(const SweepSetup& o) const {
    return ctx == o.ctx && protocol == o.protocol && windows == o.windows &&
           scoredTokens == o.scoredTokens && referenceTopK == o.referenceTopK &&
           std::abs(referencePpl - o.referencePpl) <=
               1e-9 * std::max(1.0, std::abs(o.referencePpl));
}

std::string SweepSetup::describe() const {
    char buf[200];
    std::snprintf(buf, sizeof buf,
                  "ctx %d, protocol %s, %lld windows, %lld scored tokens, reference PPL %.6f", ctx,
                  protocol.c_str(), (long long)windows, (long long)scoredTokens, referencePpl);
    return buf;
}

const SweepCell* SweepResult::find(const std::string& part, const std::string& format) const {
    for (const SweepCell& c : cells)
        if (c.part == part && c.format == format) return &c;
    return nullptr;
}

void SweepResult::put(SweepCell cell) {
    if (std::find(parts.begin(), parts.end(), cell.part) == parts.end()) parts.push_back(cell.part);
    if (std::find(formats.begin(), formats.end(), cell.format) == formats.end())
        formats.push_back(cell.format);
    for (SweepCell& c : cells)
        if (c.part == cell.part && c.format == cell.format) {
            c = std::move(cell);
            return;
        }
    cells.push_back(std::move(cell));
}

std::vector<const SweepCell*> SweepResult::column(const std::string& format) const {
    std::vector<const SweepCell*> out;
    for (const std::string& p : parts)
        if (const SweepCell* c = find(p, format); c && c->status == SweepCellStatus::Done)
            out.push_back(c);
    return out;
}

SensitivitySweep::SensitivitySweep(IncrementalEvaluator& evaluator, const ModelDesc& desc,
                                   SweepOptions options)
    : m_ev(evaluator), m_desc(desc), m_opt(std::move(options)) {
    if (m_opt.formats.empty()) throw Error("sensitivity sweep: no formats given");
    for (std::string& f : m_opt.formats)
        f = quantFormat(f).name(); // canonical spelling; throws if unknown
    if (!m_opt.fallbackFormat.empty())
        m_opt.fallbackFormat = quantFormat(m_opt.fallbackFormat).name();
}

std::vector<std::string> SensitivitySweep::parts(const ModelDesc& desc, SweepUnit unit) {
    // By block, then in description order within the block: loaders list tensors by role
    // across blocks (llama2.c) or block by block (GGUF), and tables should not depend on that.
    std::vector<const TensorDesc*> linear;
    for (const TensorDesc& t : desc.tensors)
        if (isBlockLinear(t)) linear.push_back(&t);
    std::stable_sort(linear.begin(), linear.end(),
                     [](const TensorDesc* a, const TensorDesc* b) { return a->block < b->block; });
    std::vector<std::string> out;
    for (const TensorDesc* t : linear) {
        std::string p = unit == SweepUnit::Layer ? t->name : blockPart(t->block);
        if (out.empty() || out.back() != p) out.push_back(std::move(p));
    }
    return out;
}

QuantConfig SensitivitySweep::cellConfig(const std::string& part, const std::string& format,
                                         SweepUnit unit, const std::string& fallbackFormat) {
    QuantConfig cfg; // f32 everywhere, activations unquantized
    cfg.fallbackFormat = fallbackFormat;
    if (unit == SweepUnit::Layer)
        cfg.setTensorFormat(part, format);
    else
        cfg.rules.push_back({part + ".*", format});
    return cfg;
}

double SensitivitySweep::evaluationFlops(int startBlock) const {
    const HParams& hp = m_desc.hp;
    const WindowPlan& wp = m_ev.windowPlan();
    const double T = wp.ctx;
    double total = 2.0 * double(wp.scoredPerWindow()) * hp.vocabSize * hp.dim; // head
    for (int b = std::max(0, startBlock); b < hp.nLayers; ++b) {
        double params = 0;
        for (const TensorDesc& t : m_desc.tensors)
            if (isBlockLinear(t) && t.block == b) params += double(t.elementCount());
        total += 2.0 * T * params + 2.0 * T * (T + 1) * hp.qDim(); // causal QK^T and AV
    }
    return total * double(wp.windows);
}

SweepCell SensitivitySweep::evaluateCell(const std::string& part, const std::string& format,
                                         Feedback* inner) {
    SweepCell cell;
    cell.part = part;
    cell.format = format;
    const std::vector<size_t> tensors = partTensors(m_desc, part, m_opt.unit);
    if (tensors.empty()) throw Error("sensitivity sweep: the model has no part '" + part + "'");
    cell.block = m_desc.tensors[tensors.front()].block;

    // A misfit is recorded, not thrown: one 172-wide tensor must not stop the whole sweep.
    const QuantFormat& fmt = quantFormat(format);
    std::string misfits;
    for (size_t i : tensors) {
        const TensorDesc& t = m_desc.tensors[i];
        const std::string why = fmt.checkShape(t.shape[0], t.shape[1]);
        if (why.empty()) continue;
        std::string entry = t.name + ": " + why;
        if (!m_opt.fallbackFormat.empty()) {
            const std::string fbWhy =
                quantFormat(m_opt.fallbackFormat).checkShape(t.shape[0], t.shape[1]);
            if (!fbWhy.empty())
                entry += "; fallback " + m_opt.fallbackFormat + ": " + fbWhy;
            else
                entry = t.name + " uses fallback " + m_opt.fallbackFormat + " (" + why + ")";
            if (fbWhy.empty()) {
                misfits += (misfits.empty() ? "" : "; ") + entry;
                continue;
            }
        }
        cell.status = SweepCellStatus::Skipped;
        cell.note = entry;
        return cell;
    }
    cell.note = misfits;

    const QuantConfig cfg = cellConfig(part, format, m_opt.unit, m_opt.fallbackFormat);
    const ResolvedConfig resolved = cfg.resolve(m_desc);
    double bits = 0, count = 0;
    for (size_t i : tensors) {
        const double n = double(m_desc.tensors[i].elementCount());
        bits += n * resolved.format(i)->bitsPerWeight(m_desc.tensors[i].shape[1]);
        count += n;
    }
    cell.bitsPerWeight = count > 0 ? bits / count : 0;

    const EvalResult r = m_ev.evaluate(cfg, inner);
    const Metrics& m = r.metrics;
    cell.startBlock = r.startBlock;
    cell.deltaPpl = m.deltaPpl;
    cell.deltaPplStdError = m.ppl * m.lnPplRatioStdError; // d(PPL_ref·e^x) = PPL·dx
    cell.lnPplRatio = m.lnPplRatio;
    cell.lnPplRatioStdError = m.lnPplRatioStdError;
    cell.klMean = m.klMean;
    cell.klStdError = m.klStdError;
    cell.klP99 = m.kl.p99;
    cell.top1Agreement = m.top1Agreement;
    cell.top1AgreementStdError = m.top1AgreementStdError;
    cell.deltaPRms = m.deltaPRms;
    cell.seconds = r.seconds;
    return cell;
}

SweepRunStats SensitivitySweep::run(SweepResult& result, Feedback* feedback,
                                    const std::function<void(const SweepCell&)>& onCell) {
    const auto t0 = std::chrono::steady_clock::now();
    const SweepSetup setup = SweepSetup::of(m_ev);
    if (!result.cells.empty()) {
        if (result.unit != m_opt.unit)
            throw Error("sensitivity sweep: the stored sweep is per " +
                        std::string(sweepUnitName(result.unit)) + ", not per " +
                        std::string(sweepUnitName(m_opt.unit)));
        if (result.fallbackFormat != m_opt.fallbackFormat)
            throw Error("sensitivity sweep: the stored sweep used fallback format '" +
                        result.fallbackFormat + "', this run '" + m_opt.fallbackFormat + "'");
        if (!result.setup.compatible(setup))
            throw Error("sensitivity sweep: the stored sweep was measured on " +
                        result.setup.describe() + ", this evaluation is " + setup.describe());
    }
    result.unit = m_opt.unit;
    result.fallbackFormat = m_opt.fallbackFormat;
    result.setup = setup;

    const std::vector<std::string> allParts = parts(m_desc, m_opt.unit);
    // Rows in model order even when an earlier run covered other formats only.
    for (const std::string& p : allParts)
        if (std::find(result.parts.begin(), result.parts.end(), p) == result.parts.end())
            result.parts.push_back(p);
    for (const std::string& f : m_opt.formats)
        if (std::find(result.formats.begin(), result.formats.end(), f) == result.formats.end())
            result.formats.push_back(f);

    SweepRunStats stats;
    std::vector<std::pair<std::string, std::string>> todo;
    // Format-major order keeps one format's quantized weights hot in the weight cache and lets
    // consecutive cells restart from the later of the two caches.
    for (const std::string& f : m_opt.formats)
        for (const std::string& p : allParts) {
            ++stats.cellsTotal;
            if (result.find(p, f))
                ++stats.alreadyDone;
            else
                todo.emplace_back(p, f);
        }

    for (size_t k = 0; k < todo.size(); ++k) {
        checkCanceled(feedback);
        const auto& [part, format] = todo[k];
        const std::string stage = shortName(part) + " @ " + format;
        reportProgress(feedback, double(k) / double(todo.size()), stage);
        Feedback inner; // maps the evaluator's progress into this cell's slice and forwards cancel
        inner.setProgressCallback(
            [&, k](double f, const std::string&) {
                if (feedback && feedback->isCanceled()) inner.cancel();
                reportProgress(feedback, (double(k) + std::min(f, 0.999)) / double(todo.size()),
                               stage);
            },
            std::chrono::milliseconds(0));
        SweepCell cell = evaluateCell(part, format, &inner);
        if (cell.status == SweepCellStatus::Skipped) {
            ++stats.skipped;
        } else {
            ++stats.evaluated;
            const int L = m_desc.hp.nLayers;
            const int start = std::clamp(cell.startBlock, 0, L);
            stats.flops += evaluationFlops(start);
            stats.scratchFlops += evaluationFlops(0);
            stats.blocksRun += int64_t(L - start) * m_ev.windowPlan().windows;
            stats.scratchBlocksRun += int64_t(L) * m_ev.windowPlan().windows;
        }
        result.put(cell);
        if (onCell) onCell(cell);
    }
    stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    reportProgress(feedback, 1.0, "sweep done");
    return stats;
}

} // namespace qs
