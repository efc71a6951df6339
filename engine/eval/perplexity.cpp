#include "eval/perplexity.h"

#include "core/error.h"
#include "core/feedback.h"
#include "kernels/kernels.h"
#include "llama/forward.h"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <atomic>
#include <chrono>
#include <cmath>

namespace qs {

namespace {
constexpr double kZ95 = 1.959963984540054; // two-sided 95% normal quantile
}

std::string_view protocolName(PplProtocol p) {
    return p == PplProtocol::Half ? "half" : "full";
}

PplProtocol parseProtocol(std::string_view name) {
    if (name == "half") return PplProtocol::Half;
    if (name == "full") return PplProtocol::Full;
    throw Error("unknown perplexity protocol '" + std::string(name) + "' (expected half or full)");
}

std::vector<int32_t> WindowPlan::windowTokens(std::span<const int32_t> tokens, int64_t w,
                                              int32_t bos) const {
    std::vector<int32_t> win(tokens.begin() + w * ctx, tokens.begin() + (w + 1) * ctx);
    if (protocol == PplProtocol::Half) win[0] = bos;
    return win;
}

WindowPlan planWindows(int64_t tokenCount, const PerplexityOptions& opt) {
    if (opt.ctx < 4)
        throw Error("context length " + std::to_string(opt.ctx) + " is too small (need >= 4)");
    int64_t usable = tokenCount;
    if (opt.maxTokens > 0) usable = std::min(usable, opt.maxTokens);
    WindowPlan plan;
    plan.ctx = opt.ctx;
    plan.protocol = opt.protocol;
    plan.windows = usable / opt.ctx;
    if (plan.windows < 2)
        throw Error("text too short: " + std::to_string(usable) + " tokens give " +
                    std::to_string(plan.windows) + " window(s) of " + std::to_string(opt.ctx) +
                    " tokens; at least 2 are needed");
    plan.firstScoredRow = opt.protocol == PplProtocol::Half ? opt.ctx / 2 : 0;
    plan.lastScoredRow = opt.ctx - 1;
    return plan;
}

PerplexityResult evaluatePerplexity(const Model& model, std::span<const int32_t> tokens,
                                    const PerplexityOptions& opt, Feedback* feedback) {
    const auto start = std::chrono::steady_clock::now();
    const WindowPlan plan = planWindows(int64_t(tokens.size()), opt);
    const LlamaForward fwd(model.hp(), model.weights());
    const int64_t vocab = model.weights().output.rows;
    const int64_t perWindow = plan.scoredPerWindow();

    std::vector<double> nll(plan.windows * perWindow);
    tbb::enumerable_thread_specific<ForwardScratch> scratch;
    std::atomic<int64_t> done{0};

    tbb::parallel_for(int64_t(0), plan.windows, [&](int64_t w) {
        // Isolated so a thread waiting in a nested GEMM loop never starts another window with the
        // same thread-local scratch.
        tbb::this_task_arena::isolate([&] {
            checkCanceled(feedback);
            const std::vector<int32_t> win = plan.windowTokens(tokens, w, model.hp().bosId);
            const int32_t* next = tokens.data() + w * plan.ctx + 1; // targets: original text
            double* out = nll.data() + w * perWindow;
            fwd.forward(
                win, scratch.local(),
                [&](int64_t row0, int64_t n, const float* logits) {
                    for (int64_t r = 0; r < n; ++r) {
                        const float* row = logits + r * vocab;
                        const int64_t pos = row0 + r;
                        out[pos - plan.firstScoredRow] =
                            double(kernels::logSumExp(row, vocab)) - double(row[next[pos]]);
                    }
                },
                plan.firstScoredRow, plan.lastScoredRow, feedback);
            // Windows finish out of order: the final 1.0 is reported once, after the loop.
            const int64_t finished = ++done;
            if (finished < plan.windows)
                reportProgress(feedback, double(finished) / double(plan.windows), "evaluating");
        });
    });
    checkCanceled(feedback);
    reportProgress(feedback, 1.0, "evaluating");

    PerplexityResult r;
    r.windows = plan.windows;
    r.scoredTokens = int64_t(nll.size());
    r.processedTokens = plan.windows * plan.ctx;
    double sum = 0, sumSq = 0;
    for (double v : nll) {
        sum += v;
        sumSq += v * v;
    }
    const double n = double(nll.size());
    r.meanNll = sum / n;
    const double var = std::max(0.0, (sumSq / n - r.meanNll * r.meanNll) * n / (n - 1));
    r.nllStdError = std::sqrt(var / n);
    r.ppl = std::exp(r.meanNll);
    r.pplLow = std::exp(r.meanNll - kZ95 * r.nllStdError);
    r.pplHigh = std::exp(r.meanNll + kZ95 * r.nllStdError);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    r.tokensPerSecond = r.seconds > 0 ? double(r.processedTokens) / r.seconds : 0;
    if (opt.keepTokenNll) r.tokenNll.assign(nll.begin(), nll.end());
    return r;
}

} // namespace qs
