#pragma once
// The Llama-family forward pass over whole windows of tokens (RMSNorm, RoPE in either layout,
// grouped-query causal attention, SwiGLU, optional q/k/v bias, tied or untied head), fp32
// throughout. Every per-block intermediate has a name ("blk.3.ffn_act") and can be observed, so
// later stages can cache or inspect any layer. The pass is split into embed / block / head so
// an incremental evaluator can restart from any block.
//
//   qs::LlamaForward fwd(model->hp(), model->weights());
//   qs::ForwardScratch scratch;
//   fwd.forward(tokens, scratch, [&](int64_t row0, int64_t n, const float* logits) { ... });

#include "llama/act_quant.h"
#include "model/model.h"

#include <array>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace qs {

class Feedback;

// Intermediates of one block, in the order they are produced.
enum class Intermediate {
    BlockInput,  // residual stream entering the block      {T, dim}
    AttnNormOut, // RMSNorm(input) * attn_norm: input of q/k/v {T, dim}
    Q,           // after bias and RoPE                      {T, qDim}
    K,           // after bias and RoPE                      {T, kvDim}
    V,           //                                          {T, kvDim}
    AttnOut,     // concatenated heads: input of attn_output {T, qDim}
    FfnInput,    // residual after attention                 {T, dim}
    FfnNormOut,  // input of ffn_gate / ffn_up               {T, dim}
    FfnAct,      // silu(gate) * up: input of ffn_down        {T, hiddenDim}
    BlockOutput, // residual leaving the block                {T, dim}
};
constexpr int kIntermediateCount = 10;
std::string_view intermediateName(Intermediate what);       // "attn_norm_out", "ffn_act", ...
std::string intermediateName(int block, Intermediate what); // "blk.3.ffn_act"

// Receives intermediates as they are produced (on the computing thread). `data` is valid only
// during the call.
class ActivationObserver {
public:
    virtual ~ActivationObserver() = default;
    virtual void observe(int block, Intermediate what, const float* data, int64_t rows,
                         int64_t cols) = 0;
};

// The linear layers of a block, in the order of BlockWeights.
enum class LinearSlot { Q, K, V, O, Gate, Up, Down };
constexpr int kLinearSlots = 7;

// Activation quantization applied to the input of each linear layer (see act_quant.h).
struct ActQuantPlan {
    std::vector<std::array<ActQuant, kLinearSlots>> blocks; // empty: none anywhere
    ActQuant output = ActQuant::None;                       // input of the output head
    ActQuant at(int block, LinearSlot slot) const {
        return blocks.empty() ? ActQuant::None : blocks[size_t(block)][size_t(slot)];
    }
};

// Per-thread working memory, grown on demand and reused across windows.
struct ForwardScratch {
    std::vector<float> x, xn, q, k, v, vt, att, scores, gate, up, logits, actq;
    std::vector<float> ropeCos, ropeSin;
    int64_t ropeRows = 0;
};

// Receives logits of rows [row0, row0 + n) of the window, n x vocab, row-major.
using LogitsSink = std::function<void(int64_t row0, int64_t n, const float* logits)>;

class LlamaForward {
public:
    // The weights are referenced, not copied: they must outlive this object.
    LlamaForward(const HParams& hp, const LlamaWeights& weights);

    const HParams& hp() const { return m_hp; }

    // Quantizes the inputs of linear layers as the plan says (default: none).
    void setActQuantPlan(ActQuantPlan plan) { m_actPlan = std::move(plan); }

    // x[T, dim] = embedding rows of tokens. Throws Error for an id outside the vocabulary.
    void embed(std::span<const int32_t> tokens, float* x) const;

    // Applies block b in place to the residual stream x[T, dim] of a window starting at
    // position 0.
    void block(int b, float* x, int64_t T, ForwardScratch& s,
               ActivationObserver* observer = nullptr) const;

    // Final norm and output head for rows [rowBegin, rowEnd) of x[T, dim], delivered to sink
    // in chunks (so a 32000-wide vocabulary never needs T full rows of logits at once).
    void head(const float* x, int64_t rowBegin, int64_t rowEnd, ForwardScratch& s,
              const LogitsSink& sink) const;

    // embed + all blocks + head(rowBegin, rowEnd). Checks cancellation between blocks.
    void forward(std::span<const int32_t> tokens, ForwardScratch& s, const LogitsSink& sink,
                 int64_t rowBegin = 0, int64_t rowEnd = -1, const Feedback* feedback = nullptr,
                 ActivationObserver* observer = nullptr) const;

private:
    void prepareRope(ForwardScratch& s, int64_t T) const;
    void applyRope(float* x, int64_t T, int nHeads, int64_t ld, const ForwardScratch& s) const;
    void attention(int64_t T, ForwardScratch& s) const;
    // y = act(x) * W^T (+ bias), quantizing x into scratch first when the plan asks for it.
    void linear(const float* x, int64_t T, const WeightView& w, const WeightView& bias, float* y,
                ActQuant act, ForwardScratch& s, bool accumulate = false) const;

    HParams m_hp;
    const LlamaWeights& m_w;
    ActQuantPlan m_actPlan;
};

} // namespace qs
