#include "llama/generate.h"

#include "core/error.h"
#include "core/feedback.h"
#include "llama/forward.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace qs {

int32_t sampleToken(const float* logits, int64_t vocab, const GenerateOptions& opt,
                    uint64_t stepSeed) {
    if (opt.temperature <= 0.0f) return int32_t(std::max_element(logits, logits + vocab) - logits);
    std::vector<double> p(vocab);
    const float m = *std::max_element(logits, logits + vocab);
    double sum = 0;
    for (int64_t i = 0; i < vocab; ++i) sum += p[i] = std::exp((logits[i] - m) / opt.temperature);
    std::vector<int32_t> order(vocab);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return p[a] > p[b]; });
    // Keep the smallest prefix whose mass reaches topP.
    double kept = 0;
    int64_t n = 0;
    while (n < vocab && (n == 0 || kept < opt.topP * sum)) kept += p[order[n++]];
    std::mt19937_64 rng(stepSeed);
    double u = std::uniform_real_distribution<double>(0.0, kept)(rng);
    for (int64_t i = 0; i < n; ++i) {
        u -= p[order[i]];
        if (u <= 0) return order[i];
    }
    return order[n - 1];
}

std::vector<int32_t> generate(const Model& model, std::vector<int32_t> tokens,
                              const GenerateOptions& opt,
                              const std::function<bool(int32_t)>& onToken,
                              const Feedback* feedback) {
    return generate(model.hp(), model.weights(), ActQuantPlan{}, std::move(tokens), opt, onToken,
                    feedback);
}

std::vector<int32_t> generate(const HParams& hp, const LlamaWeights& weights,
                              const ActQuantPlan& actQuant, std::vector<int32_t> tokens,
                              const GenerateOptions& opt,
                              const std::function<bool(int32_t)>& onToken,
                              const Feedback* feedback) {
    if (tokens.empty()) throw Error("generate: the prompt is empty (add at least BOS)");
    LlamaForward fwd(hp, weights);
    fwd.setActQuantPlan(actQuant);
    ForwardScratch scratch;
    const int64_t vocab = weights.output.rows;
    const int64_t limit = hp.maxSeqLen > 0 ? hp.maxSeqLen : 2048;
    std::vector<float> last(vocab);
    for (int step = 0; step < opt.maxNewTokens && int64_t(tokens.size()) < limit; ++step) {
        checkCanceled(feedback);
        const int64_t T = int64_t(tokens.size());
        fwd.forward(
            tokens, scratch,
            [&](int64_t, int64_t, const float* logits) {
                std::copy(logits, logits + vocab, last.begin());
            },
            T - 1, T, feedback);
        const int32_t next = sampleToken(last.data(), vocab, opt, opt.seed * 1000003u + step);
        tokens.push_back(next);
        if (onToken && !onToken(next)) break;
        if (opt.stopAtEos && next == hp.eosId) break;
    }
    return tokens;
}

} // namespace qs
