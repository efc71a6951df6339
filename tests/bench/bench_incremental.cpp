// Incremental re-evaluation on synth110M with an 8192-token evaluation set, 2 threads:
//  (a) time from a changed last-block bit-width to the first published estimate and to the
//      exact result;
//  (b) speed-up of incremental over from-scratch re-evaluation for a change in the last block
//      and in the middle block.
//
//   bench_incremental [--models DIR] [--threads N] [--format F]

#include "core/text_file.h"
#include "eval/incremental_evaluator.h"
#include "kernels/kernels.h"
#include "model/model.h"
#include "synth/synth_model.h"
#include "tokenizer/tokenizer.h"

#include <tbb/global_control.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sys/resource.h>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

// Process CPU seconds (all threads): unlike wall time, hardly changed by other processes
// competing for the cores, so ratios stay meaningful on a busy machine.
double cpuSeconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

struct Timing {
    double firstEstimate = 0, exact = 0, cpu = 0;
    int startBlock = 0;
    double kl = 0;
};

Timing timeEvaluation(qs::IncrementalEvaluator& ev, const qs::QuantConfig& cfg) {
    Timing t;
    const auto t0 = Clock::now();
    const double c0 = cpuSeconds();
    bool first = true;
    const auto r = ev.evaluate(cfg, nullptr, [&](const qs::EvalResult&) {
        if (first) t.firstEstimate = since(t0);
        first = false;
    });
    t.exact = since(t0);
    t.cpu = cpuSeconds() - c0;
    t.startBlock = r.startBlock;
    t.kl = r.metrics.klMean;
    return t;
}

} // namespace

int main(int argc, char** argv) {
    fs::path dir = "bench-models";
    int threads = 2;
    std::string base = "q4_0", changed = "q8_0";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--models")) dir = argv[i + 1];
        if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
        if (!std::strcmp(argv[i], "--format")) base = argv[i + 1];
    }
    tbb::global_control gc(tbb::global_control::max_allowed_parallelism, size_t(threads));
    const fs::path shared = QS_SHARED_DIR;
    fs::create_directories(dir);
    const fs::path model = dir / "synth110M.gguf";
    if (!fs::exists(model)) {
        std::fprintf(stderr, "generating %s ...\n", model.c_str());
        const auto vocab = qs::synthVocabFromLlama2cTokenizer(
            shared / "models/llama2-tokenizer-32000/tokenizer.bin");
        qs::writeSynthModel(qs::synthShape("synth110M"), 1, qs::SynthFormat::Gguf, model, &vocab);
    }
    auto m = qs::loadModel(model);
    auto tokens =
        m->tokenizer()->encode(qs::readTextFile(shared / "data/wikitext-2/wiki.test.raw"), true);
    tokens.resize(8192);
    qs::EvalSetup setup;
    setup.windows.ctx = 512;
    setup.windows.protocol = qs::PplProtocol::Half;
    setup.memoryBudgetBytes = 4ull << 30;
    const int L = m->hp().nLayers;

    std::printf("QuantScope incremental evaluation benchmark: synth110M, 8192 tokens (16 windows "
                "of 512, half "
                "protocol), %d threads, SIMD %s\n",
                threads, qs::kernels::simdTargetName());
    qs::IncrementalEvaluator ev(m, tokens, setup);
    auto t0 = Clock::now();
    ev.buildReference();
    std::printf("reference pass (FP, fills caches): %.2f s; memory plan %.0f MiB (FP cache %s)\n",
                since(t0), double(ev.memoryPlan().total()) / (1 << 20),
                ev.memoryPlan().keepFullPrecisionCache ? "kept" : "dropped");

    const qs::QuantConfig uniform = qs::QuantConfig::uniform(base);
    const Timing warm = timeEvaluation(ev, uniform);
    std::printf("uniform %s from scratch (weights quantized on first use): exact %.2f s, first "
                "estimate %.3f s\n",
                base.c_str(), warm.exact, warm.firstEstimate);

    auto changeBlock = [&](int b) {
        qs::QuantConfig c = uniform;
        c.setBlockFormat(b, changed);
        return c;
    };
    // (a) last block changed: quantization of the new weights is part of the measured latency.
    const Timing last = timeEvaluation(ev, changeBlock(L - 1));
    std::printf(
        "\n(a) change last block %s -> %s: first estimate %.0f ms (target <= 250 ms), exact %.2f s "
        "(%.2f CPU s), restart block %d\n",
        base.c_str(), changed.c_str(), last.firstEstimate * 1e3, last.exact, last.cpu,
        last.startBlock);
    const Timing lastCached = timeEvaluation(ev, uniform); // back: weights cached
    std::printf("    change back (weights cached): first estimate %.0f ms, exact %.2f s\n",
                lastCached.firstEstimate * 1e3, lastCached.exact);

    // (b) incremental vs from scratch, weights already cached in both cases.
    timeEvaluation(ev, changeBlock(L / 2)); // quantizes the middle block's weights once
    timeEvaluation(ev, uniform);
    const Timing midAgain = timeEvaluation(ev, changeBlock(L / 2));
    timeEvaluation(ev, uniform);
    const Timing lastAgain = timeEvaluation(ev, changeBlock(L - 1));

    qs::IncrementalEvaluator scratchEv(m, tokens, setup);
    scratchEv.buildReference();
    // From scratch = every block recomputed: the token embedding alternates between two formats,
    // so no window's cache is valid for the next configuration.
    qs::QuantConfig scratchLast = changeBlock(L - 1);
    scratchLast.embeddingFormat = "bf16";
    qs::QuantConfig scratchMid = changeBlock(L / 2);
    scratchMid.embeddingFormat = "f16";
    timeEvaluation(scratchEv, scratchLast); // warm the weights
    timeEvaluation(scratchEv, scratchMid);
    const Timing fullLast = timeEvaluation(scratchEv, scratchLast);
    const Timing fullMid = timeEvaluation(scratchEv, scratchMid);
    std::printf("\n(b) exact re-evaluation, weights cached      incremental   from scratch   "
                "speed-up   (CPU s: inc / "
                "scratch / speed-up)\n");
    std::printf("    change in last block (block %2d)          %8.2f s   %10.2f s   %7.2fx   (%.2f "
                "/ %.2f / %.2fx)\n",
                L - 1, lastAgain.exact, fullLast.exact, fullLast.exact / lastAgain.exact,
                lastAgain.cpu, fullLast.cpu, fullLast.cpu / lastAgain.cpu);
    std::printf("    change in middle block (block %2d)        %8.2f s   %10.2f s   %7.2fx   (%.2f "
                "/ %.2f / %.2fx)\n",
                L / 2, midAgain.exact, fullMid.exact, fullMid.exact / midAgain.exact, midAgain.cpu,
                fullMid.cpu, fullMid.cpu / midAgain.cpu);
    std::printf("    restart blocks: last %d, middle %d, from scratch %d\n", lastAgain.startBlock,
                midAgain.startBlock, fullMid.startBlock);
    std::printf(
        "\n(from scratch = all %d blocks and the head recomputed for every window, as a change of "
        "the\n"
        " token embedding forces (restart block -1); both sides use already-quantized weights)\n",
        L);
    return 0;
}
