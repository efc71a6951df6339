// Cost of a full measured sensitivity sweep on synth15M (dim 288, hidden 768, 6 layers, vocab
// 32000): every linear layer (42) × 4 formats, 4096 tokens, ctx 256, half protocol, 2 threads,
// and its speed-up over evaluating every configuration from scratch.
//
// Tokens are random ids from a fixed seed (BOS first): a synthetic model has no language to
// model, so real text would add nothing but a tokenizer dependency.
//
// From-scratch cost, measured: a second evaluator is given a memory budget just too small for
// the full-precision block-input cache, so it can only restart from its last configuration; each
// sampled cell is evaluated right after a configuration that differs in the token embedding,
// which forces all its windows to start at the embedding. Only the cell's own evaluation is
// timed (quantizing its layer included, as in the sweep). The sweep's time is compared with
// (mean from-scratch time of the sample) × (number of cells); the paired sample ratio and the
// FLOP-based estimate are printed too.
//
//   bench_sweep [--threads N] [--tokens N] [--sample N] [--scratch-all]

#include "analysis/sensitivity_sweep.h"
#include "eval/incremental_evaluator.h"
#include "model/model.h"
#include "synth/synth_model.h"

#include <tbb/global_control.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <unistd.h>

namespace {

double secondsSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

} // namespace

int main(int argc, char** argv) {
    int threads = 2, sample = 12;
    int64_t tokenCount = 4096;
    bool scratchAll = false;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--tokens") && i + 1 < argc)
            tokenCount = std::atoll(argv[++i]);
        else if (!std::strcmp(argv[i], "--sample") && i + 1 < argc)
            sample = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--scratch-all"))
            scratchAll = true;
        else {
            std::fprintf(
                stderr,
                "usage: bench_sweep [--threads N] [--tokens N] [--sample N] [--scratch-all]\n");
            return 2;
        }
    }
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, size_t(threads));

    namespace fs = std::filesystem;
    const fs::path dir =
        fs::temp_directory_path() / ("qs_bench_sweep_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const fs::path modelPath = dir / "synth15M.bin";
    qs::writeSynthModel(qs::synthShape("synth15M"), 42, qs::SynthFormat::Llama2c, modelPath);
    auto model = qs::loadModel(modelPath);
    fs::remove_all(dir);

    std::vector<int32_t> tokens(static_cast<size_t>(tokenCount), 0);
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<int32_t> id(3, model->hp().vocabSize - 1);
    for (auto& t : tokens) t = id(rng);
    tokens[0] = model->hp().bosId;

    qs::EvalSetup setup;
    setup.windows.ctx = 256;
    setup.windows.protocol = qs::PplProtocol::Half;
    const std::vector<std::string> formats = {"q8_0", "q4_0", "int4_c_sym", "int3_g32_sym"};

    auto t0 = std::chrono::steady_clock::now();
    auto ev = std::make_unique<qs::IncrementalEvaluator>(model, tokens, setup);
    ev->buildReference();
    const double referenceSeconds = secondsSince(t0);
    const qs::MemoryPlan plan = ev->memoryPlan();

    qs::SensitivitySweep sweep(*ev, model->desc(), {qs::SweepUnit::Layer, formats, ""});
    qs::SweepResult result;
    const qs::SweepRunStats stats = sweep.run(result);
    const double oneScratchFlops = sweep.evaluationFlops(0);
    ev.reset(); // free its reference and caches before the second evaluator

    // Cells in the sweep's order (format-major), with their sweep times.
    std::vector<const qs::SweepCell*> cells;
    for (const auto& f : formats)
        for (const auto& p : result.parts)
            if (const qs::SweepCell* c = result.find(p, f);
                c && c->status == qs::SweepCellStatus::Done)
                cells.push_back(c);
    const size_t n =
        scratchAll ? cells.size() : std::min(cells.size(), size_t(std::max(1, sample)));

    qs::EvalSetup noFp = setup;
    noFp.referenceTopK = plan.referenceTopK;
    noFp.weightCacheBytes = plan.weightCacheBytes;
    noFp.memoryBudgetBytes = plan.referenceBytes + plan.workCacheBytes + plan.weightCacheBytes +
                             plan.fullPrecisionCacheBytes / 2;
    qs::IncrementalEvaluator scratch(model, tokens, noFp);
    if (scratch.memoryPlan().keepFullPrecisionCache) {
        std::fprintf(stderr, "bench_sweep: could not disable the full-precision cache\n");
        return 1;
    }
    scratch.buildReference();
    qs::QuantConfig embeddingOnly;
    embeddingOnly.embeddingFormat = "q8_0";
    double scratchSum = 0, pairedSweepSum = 0;
    for (size_t k = 0; k < n; ++k) {
        const qs::SweepCell* c = cells[k * cells.size() / n];
        scratch.evaluate(embeddingOnly); // the next evaluation must start at the embedding
        const qs::EvalResult r = scratch.evaluate(
            qs::SensitivitySweep::cellConfig(c->part, c->format, qs::SweepUnit::Layer, ""));
        if (r.startBlock > 0) { // -1: restarted at the embedding
            std::fprintf(stderr, "bench_sweep: %s restarted at block %d, not from scratch\n",
                         c->part.c_str(), r.startBlock);
            return 1;
        }
        scratchSum += r.seconds;
        pairedSweepSum += c->seconds;
    }
    const double scratchMean = scratchSum / double(n);
    const double scratchTotal = scratchMean * double(cells.size());

    std::printf("bench_sweep: synth15M (dim %d, hidden %d, %d layers, vocab %d), %lld random "
                "tokens, ctx %d, "
                "half protocol, %d threads\n",
                model->hp().dim, model->hp().hiddenDim, model->hp().nLayers, model->hp().vocabSize,
                (long long)tokenCount, setup.windows.ctx, threads);
    std::printf("  formats                  q8_0, q4_0, int4_c_sym, int3_g32_sym (every one fits "
                "288/768-wide rows)\n");
    std::printf("  reference pass           %.3f s (top-%d reference)\n", referenceSeconds,
                plan.referenceTopK);
    std::printf("  sweep                    %lld cells in %.2f s (%.3f s per cell)\n",
                (long long)stats.evaluated, stats.seconds, stats.seconds / double(stats.evaluated));
    std::printf("  from scratch, measured   %.3f s per cell (mean of %zu cells) -> %.2f s for all "
                "%zu cells\n",
                scratchMean, n, scratchTotal, cells.size());
    std::printf("  speed-up                 %.2fx (sweep vs all from scratch); paired on the "
                "sample %.2fx\n",
                scratchTotal / stats.seconds, scratchSum / pairedSweepSum);
    std::printf(
        "  FLOP estimate            %.1f vs %.1f GFLOP (%.2fx); one full evaluation %.2f GFLOP\n",
        stats.flops * 1e-9, stats.scratchFlops * 1e-9, stats.scratchFlops / stats.flops,
        oneScratchFlops * 1e-9);
    return 0;
}
