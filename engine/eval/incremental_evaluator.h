#pragma once
// Evaluates quantization configurations of one model on one evaluation set against its
// full-precision reference — incrementally, progressively and cancellably:
//  - Incremental: the residual-stream input of every block of every window is kept for the full
//    precision model and for the last evaluated configuration; a new configuration restarts each
//    window at the later of (first block that differs from the last configuration, first block
//    that differs from full precision), reading the matching cache.
//  - Progressive: windows run in a fixed seeded order in growing batches (1, 1, 2, 4, ...) and
//    the metrics of the windows done so far, with their confidence intervals, are published
//    after each batch.
//  - Cancellable: Feedback is checked between windows and blocks; a window interrupted half way
//    is marked stale and recomputed later, so a cache never mixes configurations.
// Memory is bounded: caches and the reference are sized up front against a budget, and the
// evaluator refuses (Error) rather than exceed it.
//
//   qs::IncrementalEvaluator ev(model, tokens, setup);
//   ev.buildReference(&fb);
//   auto r = ev.evaluate(qs::QuantConfig::uniform("q4_0"), &fb, [](const qs::EvalResult& partial)
//   {...});

#include "eval/perplexity.h"
#include "eval/quantized_weights.h"
#include "eval/token_metrics.h"
#include "model/model.h"
#include "quant/quant_config.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

namespace qs {

class Feedback;

struct EvalSetup {
    PerplexityOptions windows;               // ctx, protocol, maxTokens
    uint64_t seed = 0;                       // window order
    uint64_t memoryBudgetBytes = 2ull << 30; // caches + reference + quantized weights
    int referenceTopK = 0;                   // 0: exact (whole vocabulary) if it fits, else 64
    uint64_t weightCacheBytes = 0;           // 0: a quarter of the budget
};

struct EvalResult {
    int64_t windowsDone = 0, windowsTotal = 0;
    bool exact() const { return windowsDone == windowsTotal; }
    Metrics metrics;
    double averageBitsPerWeight = 0; // linear weights of the blocks
    uint64_t modelBytes = 0;
    int startBlock = 0;             // earliest block any window restarted from
    double seconds = 0;             // since evaluate() began
    std::vector<TokenStats> tokens; // per scored token, only in the final result (window order)
};

struct MemoryPlan {
    uint64_t referenceBytes = 0, fullPrecisionCacheBytes = 0, workCacheBytes = 0,
             weightCacheBytes = 0;
    bool keepFullPrecisionCache = true;
    int referenceTopK = 0;
    uint64_t total() const {
        return referenceBytes + fullPrecisionCacheBytes + workCacheBytes + weightCacheBytes;
    }
};

class IncrementalEvaluator {
public:
    // Plans windows and memory; throws Error if the text is too short or the budget too small
    // ("needs at least N MiB").
    IncrementalEvaluator(std::shared_ptr<const Model> model, std::vector<int32_t> tokens,
                         EvalSetup setup);
    ~IncrementalEvaluator();

    const MemoryPlan& memoryPlan() const { return m_plan; }
    const WindowPlan& windowPlan() const { return m_windows; }
    // The evaluation text as tokenized (what windowPlan() indexes).
    const std::vector<int32_t>& tokens() const { return m_tokens; }
    int64_t scoredTokens() const { return m_windows.windows * m_windows.scoredPerWindow(); }

    // Full-precision pass: reference distributions and the FP block-input cache. Throws
    // Canceled (leaving the evaluator without a reference) when canceled.
    void buildReference(Feedback* feedback = nullptr);
    bool hasReference() const { return m_hasReference; }
    // Metrics of the full-precision model against itself (PPL with CI, calibration).
    const EvalResult& referenceResult() const { return m_referenceResult; }

    // Evaluates a configuration; onPartial (optional) receives the estimate after each batch,
    // the last call being the exact result that is also returned. One evaluation at a time per
    // evaluator (calls are serialized). Throws Canceled, or Error for an invalid configuration.
    EvalResult evaluate(const QuantConfig& config, Feedback* feedback = nullptr,
                        const std::function<void(const EvalResult&)>& onPartial = {});

    WeightCache& weightCache() { return *m_weightCache; }

private:
    struct Window;
    void runWindow(Window& w, const ResolvedConfig& cfg, const LlamaForward& fwd,
                   const QuantizedWeights* qw, int& startBlockOut, const Feedback* fb);

    std::shared_ptr<const Model> m_model;
    std::vector<int32_t> m_tokens;
    EvalSetup m_setup;
    WindowPlan m_windows;
    MemoryPlan m_plan;
    std::vector<int64_t> m_order; // seeded window order
    std::vector<std::unique_ptr<Window>> m_state;
    ReferenceSet m_reference;
    EvalResult m_referenceResult;
    bool m_hasReference = false;
    std::unique_ptr<WeightCache> m_weightCache;
    std::mutex m_evalMutex;
};

} // namespace qs
