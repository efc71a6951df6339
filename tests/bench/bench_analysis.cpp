// Cost of the activation-statistics pass (no Gram) relative to a plain FP evaluation of the same
// tokens (qs::evaluatePerplexity), on synth15M (dim 288, 6 layers, vocab 32000), 4096 tokens,
// ctx 256, 2 threads. Target: <= 1.3x. The statistics pass skips the output head, so a
// blocks-only forward (embed + blocks, no observer) is timed too: statistics / blocks-only is
// the observer's own overhead.
//
//   bench_analysis [--threads N] [--tokens N] [--repeat N]

#include "analysis/activation_stats.h"
#include "eval/perplexity.h"
#include "llama/forward.h"
#include "model/model.h"
#include "synth/synth_model.h"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <unistd.h>

namespace {

template <typename F>
double bestSeconds(int repeat, F&& f) {
    double best = 1e300;
    for (int i = 0; i < repeat; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        f();
        best = std::min(
            best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    return best;
}

} // namespace

int main(int argc, char** argv) {
    int threads = 2, repeat = 3;
    int64_t tokenCount = 4096;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
        if (!std::strcmp(argv[i], "--tokens")) tokenCount = std::atoll(argv[i + 1]);
        if (!std::strcmp(argv[i], "--repeat")) repeat = std::atoi(argv[i + 1]);
    }
    tbb::global_control gc(tbb::global_control::max_allowed_parallelism, size_t(threads));
    const auto dir = std::filesystem::temp_directory_path() /
                     ("qs_bench_analysis_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto path = dir / "synth15M.bin";
    qs::writeSynthModel(qs::synthShape("synth15M"), 42, qs::SynthFormat::Llama2c, path);
    const auto model = qs::loadModel(path);
    std::mt19937 rng(1);
    std::uniform_int_distribution<int32_t> id(3, model->hp().vocabSize - 1);
    std::vector<int32_t> tokens(static_cast<size_t>(tokenCount));
    for (auto& t : tokens) t = id(rng);
    const int ctx = 256;

    qs::PerplexityOptions popt;
    popt.ctx = ctx;
    const double eval = bestSeconds(repeat, [&] { qs::evaluatePerplexity(*model, tokens, popt); });

    const qs::WindowPlan plan = qs::planWindows(int64_t(tokens.size()), popt);
    const qs::LlamaForward fwd(model->hp(), model->weights());
    tbb::enumerable_thread_specific<std::pair<qs::ForwardScratch, std::vector<float>>> tls;
    const double blocks = bestSeconds(repeat, [&] {
        tbb::parallel_for(int64_t(0), plan.windows, [&](int64_t w) {
            tbb::this_task_arena::isolate([&] {
                auto& [scratch, x] = tls.local();
                const auto win = plan.windowTokens(tokens, w, model->hp().bosId);
                x.resize(size_t(ctx * model->hp().dim));
                fwd.embed(win, x.data());
                for (int b = 0; b < model->hp().nLayers; ++b) fwd.block(b, x.data(), ctx, scratch);
            });
        });
    });

    qs::ActivationStatsOptions aopt;
    aopt.ctx = ctx;
    const double stats =
        bestSeconds(repeat, [&] { qs::collectActivationStats(*model, tokens, aopt); });
    std::filesystem::remove_all(dir);

    std::printf("synth15M, %lld tokens, ctx %d, %d threads, best of %d\n", (long long)tokenCount,
                ctx, threads, repeat);
    std::printf("FP evaluation (evaluatePerplexity)   %8.3f s\n", eval);
    std::printf("blocks-only forward (no head)        %8.3f s\n", blocks);
    std::printf("activation statistics (no Gram)      %8.3f s\n", stats);
    std::printf("ratio statistics / FP evaluation     %8.3f  (target <= 1.3)\n", stats / eval);
    std::printf("ratio statistics / blocks-only       %8.3f  (the observer's own overhead)\n",
                stats / blocks);
    return stats / eval <= 1.3 ? 0 : 1;
}
