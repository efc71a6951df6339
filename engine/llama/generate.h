#pragma once
// Text continuation with greedy or seeded temperature/top-p sampling. Each step re-runs the
// window (no KV cache): simple and exact, meant for previews on small models.
//
//   qs::GenerateOptions opt; opt.maxNewTokens = 100;            // temperature 0 = greedy
//   auto ids = qs::generate(*model, {model->hp().bosId}, opt);
//
// A quantized configuration generates through the overload taking weights and an activation plan:
//   auto qw = qs::QuantizedWeights::build(*model, config.resolve(model->desc()), cache);
//   auto ids = qs::generate(model->hp(), qw->weights(), qw->actQuantPlan(), prompt, opt);

#include "llama/forward.h"
#include "model/model.h"

#include <cstdint>
#include <functional>
#include <vector>

namespace qs {

class Feedback;

struct GenerateOptions {
    int maxNewTokens = 64;
    float temperature = 0.0f; // 0: greedy (argmax, lowest id on ties)
    float topP = 1.0f;        // nucleus sampling mass, used when temperature > 0
    uint64_t seed = 0;
    bool stopAtEos = true;
};

// Returns prompt + generated ids. `onToken` (optional) sees each new id as it is chosen and may
// return false to stop. Stops at the model's context length.
std::vector<int32_t> generate(const Model& model, std::vector<int32_t> prompt,
                              const GenerateOptions& opt,
                              const std::function<bool(int32_t)>& onToken = {},
                              const Feedback* feedback = nullptr);

// The same with explicit weights (e.g. QuantizedWeights::weights()) and activation quantization;
// the vocabulary is the output head's row count and EOS is hp.eosId. The weights must outlive
// the call.
std::vector<int32_t> generate(const HParams& hp, const LlamaWeights& weights,
                              const ActQuantPlan& actQuant, std::vector<int32_t> prompt,
                              const GenerateOptions& opt,
                              const std::function<bool(int32_t)>& onToken = {},
                              const Feedback* feedback = nullptr);

// Index of the chosen token from one row of logits (exposed for tests).
int32_t sampleToken(const float* logits, int64_t vocab, const GenerateOptions& opt,
                    uint64_t stepSeed);

} // namespace qs
