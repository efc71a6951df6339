#include "eval/incremental_evaluator.h"

#include "core/error.h"
#include "core/feedback.h"
#include "llama/forward.h"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <numeric>
#include <optional>
#include <random>

namespace qs {

namespace {
constexpr int kDefaultTopK = 64;
constexpr uint64_t kMiB = 1ull << 20;

struct ThreadScratch {
    ForwardScratch forward;
    std::vector<float> probs;
};
} // namespace

struct IncrementalEvaluator::Window {
    int64_t index = 0;
    std::vector<int32_t> tokens;          // ctx inputs (BOS-substituted for Half)
    size_t refOffset = 0;                 // first scored position in the reference set
    std::vector<std::vector<float>> fp;   // [L + 1][T * dim]: input of block b; [L]: head input
    std::vector<std::vector<float>> work; // the same for workConfig
    std::optional<ResolvedConfig> workConfig;
    int workFrom = 0; // work[b] is stored for b >= workFrom; below it equals fp[b]
    bool workValid = false;
    std::vector<TokenStats> stats; // of workConfig
};

IncrementalEvaluator::~IncrementalEvaluator() = default;

IncrementalEvaluator::IncrementalEvaluator(std::shared_ptr<const Model> model,
                                           std::vector<int32_t> tokens, EvalSetup setup)
    : m_model(std::move(model)), m_tokens(std::move(tokens)), m_setup(setup) {
    m_windows = planWindows(int64_t(m_tokens.size()), m_setup.windows);
    const HParams& hp = m_model->hp();
    const int64_t vocab = m_model->weights().output.rows;
    const uint64_t W = uint64_t(m_windows.windows), T = uint64_t(m_windows.ctx);
    const uint64_t N = W * uint64_t(m_windows.scoredPerWindow());
    const uint64_t cacheBytes = W * uint64_t(hp.nLayers + 1) * T * uint64_t(hp.dim) * sizeof(float);
    const uint64_t budget = m_setup.memoryBudgetBytes;

    m_plan.weightCacheBytes = m_setup.weightCacheBytes ? m_setup.weightCacheBytes : budget / 4;
    int topK = m_setup.referenceTopK;
    if (topK <= 0) topK = N * uint64_t(vocab) * 8 <= budget / 4 ? int(vocab) : kDefaultTopK;
    m_plan.referenceTopK = int(std::min<int64_t>(topK, vocab));
    m_plan.referenceBytes = N * (sizeof(ReferenceToken) + uint64_t(m_plan.referenceTopK) * 8);
    m_plan.workCacheBytes = cacheBytes;
    m_plan.fullPrecisionCacheBytes = cacheBytes;
    if (m_plan.total() > budget) { // the FP cache only speeds up restarts: drop it first
        m_plan.keepFullPrecisionCache = false;
        m_plan.fullPrecisionCacheBytes = 0;
    }
    if (m_plan.total() > budget)
        throw Error("evaluating " + std::to_string(W * T) + " tokens needs at least " +
                    std::to_string(m_plan.total() / kMiB + 1) + " MiB (block-input cache " +
                    std::to_string(cacheBytes / kMiB) + " MiB, reference " +
                    std::to_string(m_plan.referenceBytes / kMiB) + " MiB, weight cache " +
                    std::to_string(m_plan.weightCacheBytes / kMiB) +
                    " MiB) but the memory budget is " + std::to_string(budget / kMiB) +
                    " MiB; raise the budget or evaluate fewer tokens");
    m_weightCache = std::make_unique<WeightCache>(m_plan.weightCacheBytes);

    m_order.resize(size_t(W));
    std::iota(m_order.begin(), m_order.end(), int64_t(0));
    std::shuffle(m_order.begin(), m_order.end(), std::mt19937_64(m_setup.seed));
    for (uint64_t w = 0; w < W; ++w) {
        auto win = std::make_unique<Window>();
        win->index = int64_t(w);
        win->tokens = m_windows.windowTokens(m_tokens, int64_t(w), m_model->hp().bosId);
        win->refOffset = size_t(w) * size_t(m_windows.scoredPerWindow());
        m_state.push_back(std::move(win));
    }
}

void IncrementalEvaluator::buildReference(Feedback* feedback) {
    std::lock_guard lock(m_evalMutex);
    const auto start = std::chrono::steady_clock::now();
    m_hasReference = false;
    const HParams& hp = m_model->hp();
    const int L = hp.nLayers;
    const int64_t T = m_windows.ctx, dim = hp.dim, vocab = m_model->weights().output.rows;
    resizeReferenceSet(m_reference, size_t(scoredTokens()), vocab, m_plan.referenceTopK);
    const LlamaForward fwd(hp, m_model->weights());
    tbb::enumerable_thread_specific<ThreadScratch> scratch;
    std::atomic<int64_t> done{0};

    tbb::parallel_for(int64_t(0), m_windows.windows, [&](int64_t wi) {
        tbb::this_task_arena::isolate([&] { // see evaluate(): no window inside another's wait
            checkCanceled(feedback);
            Window& w = *m_state[size_t(wi)];
            ThreadScratch& ts = scratch.local();
            std::vector<float>& x = ts.forward.x;
            x.resize(size_t(T * dim));
            fwd.embed(w.tokens, x.data());
            if (m_plan.keepFullPrecisionCache) w.fp.assign(size_t(L + 1), {});
            for (int b = 0; b <= L; ++b) {
                if (m_plan.keepFullPrecisionCache) w.fp[size_t(b)].assign(x.begin(), x.end());
                if (b == L) break;
                checkCanceled(feedback);
                fwd.block(b, x.data(), T, ts.forward);
            }
            const int32_t* next = m_tokens.data() + wi * T + 1;
            fwd.head(x.data(), m_windows.firstScoredRow, m_windows.lastScoredRow, ts.forward,
                     [&](int64_t row0, int64_t n, const float* logits) {
                         for (int64_t r = 0; r < n; ++r) {
                             const int64_t pos = row0 + r;
                             setReferenceToken(m_reference,
                                               w.refOffset + size_t(pos - m_windows.firstScoredRow),
                                               logits + r * vocab, next[pos], ts.probs);
                         }
                     });
            w.workValid = false;
            reportProgress(feedback, double(++done) / double(m_windows.windows + 1),
                           "reference pass");
        });
    });
    checkCanceled(feedback);

    // The reference against itself gives FP perplexity, entropy and calibration.
    std::vector<TokenStats> self(m_reference.tokens.size());
    for (size_t i = 0; i < self.size(); ++i) {
        const ReferenceToken& r = m_reference.tokens[i];
        TokenStats& s = self[i];
        s.nll = s.nllRef = r.nll;
        s.pCorrect = s.pCorrectRef = std::exp(-r.nll);
        s.entropy = s.entropyRef = r.entropy;
        s.confidence = s.confidenceRef = r.confidence;
        s.brier = s.brierRef = r.brier;
        s.correct = s.correctRef = r.top1 == r.target;
        s.top1Agree = true;
        s.nllAtT.fill(r.nll); // temperature fit of the reference is not computed
        s.confidenceAtT.fill(r.confidence);
    }
    m_referenceResult = {};
    m_referenceResult.windowsDone = m_referenceResult.windowsTotal = m_windows.windows;
    m_referenceResult.metrics = aggregateMetrics(self);
    m_referenceResult.averageBitsPerWeight = 32;
    m_referenceResult.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    m_hasReference = true;
    reportProgress(feedback, 1.0, "reference pass");
}

void IncrementalEvaluator::runWindow(Window& w, const ResolvedConfig& cfg, const LlamaForward& fwd,
                                     const QuantizedWeights* qw, int& startBlockOut,
                                     const Feedback* fb) {
    const HParams& hp = m_model->hp();
    const int L = hp.nLayers;
    const int64_t T = m_windows.ctx, dim = hp.dim, vocab = m_model->weights().output.rows;
    (void)qw;

    // Restart point: the later of the two caches that are valid for this configuration.
    enum class Source { Embedding, Work, FullPrecision } source = Source::Embedding;
    int start = ResolvedConfig::kEmbeddingDiffers;
    if (w.workValid) {
        const int d = cfg.firstDifferentBlock(*w.workConfig);
        if (d > L) { // same computation as last time: the stored statistics stand
            startBlockOut = L + 1;
            return;
        }
        if (d >= 0) {
            source = Source::Work;
            start = d;
        }
    }
    if (m_plan.keepFullPrecisionCache) {
        const int q = std::min(cfg.firstQuantizedBlock(), L);
        if (q >= 0 && q > start) {
            source = Source::FullPrecision;
            start = q;
        }
    }
    startBlockOut = start;

    thread_local ThreadScratch ts;
    std::vector<float>& x = ts.forward.x;
    x.resize(size_t(T * dim));
    if (w.work.empty()) w.work.assign(size_t(L + 1), {});
    w.workValid = false; // until this window completes
    auto storeWork = [&](int b) { w.work[size_t(b)].assign(x.begin(), x.end()); };

    if (source == Source::Embedding) {
        fwd.embed(w.tokens, x.data());
        storeWork(0);
        start = 0;
    } else {
        const bool fromWork = source == Source::Work && start >= w.workFrom;
        const std::vector<float>& src = fromWork ? w.work[size_t(start)] : w.fp[size_t(start)];
        std::copy(src.begin(), src.end(), x.begin());
    }
    for (int b = start; b < L; ++b) {
        checkCanceled(fb);
        fwd.block(b, x.data(), T, ts.forward);
        storeWork(b + 1);
    }
    checkCanceled(fb);

    std::vector<TokenStats> stats(size_t(m_windows.scoredPerWindow()));
    fwd.head(x.data(), m_windows.firstScoredRow, m_windows.lastScoredRow, ts.forward,
             [&](int64_t row0, int64_t n, const float* logits) {
                 for (int64_t r = 0; r < n; ++r) {
                     const size_t k = size_t(row0 + r - m_windows.firstScoredRow);
                     stats[k] = compareToReference(logits + r * vocab, vocab, m_reference,
                                                   m_reference.tokens[w.refOffset + k], ts.probs);
                 }
             });
    w.stats = std::move(stats);
    if (source == Source::FullPrecision)
        w.workFrom = start + 1;
    else if (source == Source::Embedding)
        w.workFrom = 0;
    else
        w.workFrom = std::min(w.workFrom, start + 1);
    w.workConfig = cfg;
    w.workValid = true;
}

EvalResult IncrementalEvaluator::evaluate(const QuantConfig& config, Feedback* feedback,
                                          const std::function<void(const EvalResult&)>& onPartial) {
    std::lock_guard lock(m_evalMutex);
    if (!m_hasReference)
        throw Error("evaluate: the full-precision reference pass has not been run");
    const auto t0 = std::chrono::steady_clock::now();
    const ResolvedConfig cfg = config.resolve(m_model->desc());
    reportProgress(feedback, 0.0, "quantizing weights");
    const auto qw = QuantizedWeights::build(*m_model, cfg, *m_weightCache, feedback);
    LlamaForward fwd(m_model->hp(), qw->weights());
    fwd.setActQuantPlan(qw->actQuantPlan());

    EvalResult result;
    result.windowsTotal = m_windows.windows;
    result.averageBitsPerWeight = cfg.averageBitsPerWeight();
    result.modelBytes = cfg.modelBytes();
    result.startBlock = m_model->hp().nLayers + 1;

    std::vector<int64_t> done;
    int64_t next = 0, batch = 1;
    while (next < m_windows.windows) {
        const int64_t end = std::min(m_windows.windows, next + batch);
        std::vector<int> starts(size_t(end - next));
        tbb::parallel_for(next, end, [&](int64_t i) {
            checkCanceled(feedback);
            // Isolated: while this thread waits inside a GEMM's nested loop it must not pick up
            // another window, which would reuse its thread-local scratch.
            tbb::this_task_arena::isolate([&] {
                runWindow(*m_state[size_t(m_order[size_t(i)])], cfg, fwd, qw.get(),
                          starts[size_t(i - next)], feedback);
            });
        });
        checkCanceled(feedback);
        for (int64_t i = next; i < end; ++i) done.push_back(m_order[size_t(i)]);
        for (int s : starts) result.startBlock = std::min(result.startBlock, s);
        next = end;
        batch *= 2;

        std::vector<TokenStats> all;
        const bool final = next == m_windows.windows;
        if (final) std::sort(done.begin(), done.end()); // window order for per-token plots
        for (int64_t wi : done) {
            const auto& s = m_state[size_t(wi)]->stats;
            all.insert(all.end(), s.begin(), s.end());
        }
        result.windowsDone = next;
        result.metrics = aggregateMetrics(all);
        result.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (final) result.tokens = std::move(all);
        reportProgress(feedback, double(next) / double(m_windows.windows), "evaluating");
        if (onPartial) onPartial(result);
    }
    return result;
}

} // namespace qs
