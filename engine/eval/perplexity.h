#pragma once
// Perplexity of a model on a token sequence under the two protocols of the reference data:
//  - Half (llama.cpp `perplexity`): each window's first token is replaced by BOS and only the
//    second half is scored (predictions of tokens ctx/2+1 .. ctx-1).
//  - Full (GPTQ-style papers): windows as they are, every prediction 1 .. ctx-1 scored.
// Windows are consecutive, non-overlapping, ctx tokens each; a shorter tail is dropped.
// Windows run in parallel (oneTBB); progress and cancellation go through Feedback.
//
//   qs::PerplexityOptions opt; opt.ctx = 256; opt.protocol = qs::PplProtocol::Half;
//   qs::PerplexityResult r = qs::evaluatePerplexity(*model, tokens, opt, &feedback);

#include "model/model.h"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace qs {

class Feedback;

enum class PplProtocol { Half, Full };
std::string_view protocolName(PplProtocol p);
PplProtocol parseProtocol(std::string_view name); // "half" | "full", throws Error

struct PerplexityOptions {
    int ctx = 256;
    PplProtocol protocol = PplProtocol::Half;
    int64_t maxTokens = 0;     // 0: use every token; else only the first maxTokens tokens
    bool keepTokenNll = false; // fill PerplexityResult::tokenNll
};

struct PerplexityResult {
    int64_t windows = 0;
    int64_t scoredTokens = 0;
    int64_t processedTokens = 0;    // windows * ctx
    double meanNll = 0;             // nats per scored token
    double nllStdError = 0;         // standard error of the mean NLL
    double ppl = 0;                 // exp(meanNll)
    double pplLow = 0, pplHigh = 0; // 95% CI: exp(meanNll -/+ 1.96 * nllStdError)
    double seconds = 0;
    double tokensPerSecond = 0;  // processedTokens / seconds (prompt-evaluation rate)
    std::vector<float> tokenNll; // per scored token, window order (if requested)
};

// Window layout shared by every evaluator: which rows of each window are scored.
struct WindowPlan {
    int ctx = 0;
    int64_t windows = 0;
    int64_t firstScoredRow = 0; // row r predicts token r+1
    int64_t lastScoredRow = 0;  // exclusive
    PplProtocol protocol = PplProtocol::Half;
    int64_t scoredPerWindow() const { return lastScoredRow - firstScoredRow; }
    // The ctx input tokens of window w (BOS-substituted for Half).
    std::vector<int32_t> windowTokens(std::span<const int32_t> tokens, int64_t w,
                                      int32_t bos) const;
};
// Throws Error if fewer than 2 windows fit ("text too short: N tokens, need at least 2 windows
// of ctx").
WindowPlan planWindows(int64_t tokenCount, const PerplexityOptions& opt);

PerplexityResult evaluatePerplexity(const Model& model, std::span<const int32_t> tokens,
                                    const PerplexityOptions& opt, Feedback* feedback = nullptr);

} // namespace qs
