#include "llama/forward.h"

#include "core/error.h"
#include "core/feedback.h"
#include "kernels/kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace qs {

namespace {

// Logits computed at a time: at most kHeadLogitsBudget floats (32 MiB), at least 64 rows. The
// GEMM packs the whole output matrix once per call, so fewer, larger chunks amortize that
// packing (it costs as much as computing 64 rows against a 32000-token vocabulary).
constexpr int64_t kHeadLogitsBudget = int64_t(8) << 20;
constexpr int64_t kHeadMinChunk = 64;
// Query rows per attention step: a causal row block only needs keys up to its last row.
constexpr int64_t kAttnRowBlock = 64;

void grow(std::vector<float>& v, size_t n) {
    if (v.size() < n) v.resize(n);
}

} // namespace

void LlamaForward::linear(const float* x, int64_t T, const WeightView& w, const WeightView& bias,
                          float* y, ActQuant act, ForwardScratch& s, bool accumulate) const {
    if (act != ActQuant::None) {
        grow(s.actq, T * w.cols);
        quantizeActivations(act, x, s.actq.data(), T, w.cols);
        x = s.actq.data();
    }
    kernels::gemmNT(T, w.rows, w.cols, x, w.cols, w.data, w.cols, y, w.rows, accumulate);
    if (bias)
        for (int64_t t = 0; t < T; ++t) kernels::addInPlace(y + t * w.rows, bias.data, w.rows);
}

std::string_view intermediateName(Intermediate what) {
    switch (what) {
    case Intermediate::BlockInput:
        return "input";
    case Intermediate::AttnNormOut:
        return "attn_norm_out";
    case Intermediate::Q:
        return "q";
    case Intermediate::K:
        return "k";
    case Intermediate::V:
        return "v";
    case Intermediate::AttnOut:
        return "attn_out";
    case Intermediate::FfnInput:
        return "ffn_input";
    case Intermediate::FfnNormOut:
        return "ffn_norm_out";
    case Intermediate::FfnAct:
        return "ffn_act";
    case Intermediate::BlockOutput:
        return "output";
    }
    return "?";
}

std::string intermediateName(int block, Intermediate what) {
    return "blk." + std::to_string(block) + "." + std::string(intermediateName(what));
}

LlamaForward::LlamaForward(const HParams& hp, const LlamaWeights& weights)
    : m_hp(hp), m_w(weights) {}

void LlamaForward::embed(std::span<const int32_t> tokens, float* x) const {
    const int64_t dim = m_hp.dim;
    for (size_t t = 0; t < tokens.size(); ++t) {
        const int32_t id = tokens[t];
        if (id < 0 || id >= m_w.tokenEmbedding.rows)
            throw Error("token id " + std::to_string(id) +
                        " is outside the model's vocabulary of " +
                        std::to_string(m_w.tokenEmbedding.rows));
        std::memcpy(x + t * dim, m_w.tokenEmbedding.data + id * dim, dim * sizeof(float));
    }
}

void LlamaForward::prepareRope(ForwardScratch& s, int64_t T) const {
    if (s.ropeRows >= T) return;
    const int64_t half = m_hp.headDim / 2;
    s.ropeCos.resize(T * half);
    s.ropeSin.resize(T * half);
    for (int64_t i = 0; i < half; ++i) {
        // Same frequency for both layouts: theta^(-2i/headDim); only the pairing differs.
        const double freq = std::pow(double(m_hp.ropeTheta), -2.0 * double(i) / m_hp.headDim);
        for (int64_t p = 0; p < T; ++p) {
            const double a = double(p) * freq;
            s.ropeCos[p * half + i] = float(std::cos(a));
            s.ropeSin[p * half + i] = float(std::sin(a));
        }
    }
    s.ropeRows = T;
}

void LlamaForward::applyRope(float* x, int64_t T, int nHeads, int64_t ld,
                             const ForwardScratch& s) const {
    const int64_t hd = m_hp.headDim, half = hd / 2;
    const bool interleaved = m_hp.rope == RopeStyle::Interleaved;
    for (int64_t p = 0; p < T; ++p) {
        const float* c = s.ropeCos.data() + p * half;
        const float* sn = s.ropeSin.data() + p * half;
        for (int h = 0; h < nHeads; ++h) {
            float* v = x + p * ld + h * hd;
            for (int64_t i = 0; i < half; ++i) {
                // Interleaved pairs (2i, 2i+1); rotate-half pairs (i, i + hd/2).
                float& a = interleaved ? v[2 * i] : v[i];
                float& b = interleaved ? v[2 * i + 1] : v[i + half];
                const float a0 = a, b0 = b;
                a = a0 * c[i] - b0 * sn[i];
                b = a0 * sn[i] + b0 * c[i];
            }
        }
    }
}

void LlamaForward::attention(int64_t T, ForwardScratch& s) const {
    const int64_t hd = m_hp.headDim, qDim = m_hp.qDim(), kvDim = m_hp.kvDim();
    const int groups = m_hp.nHeads / m_hp.nKvHeads;
    const float invSqrt = 1.0f / std::sqrt(float(hd));
    grow(s.scores, size_t(kAttnRowBlock) * T);
    grow(s.vt, size_t(hd) * T);
    for (int kvh = 0; kvh < m_hp.nKvHeads; ++kvh) {
        // V^T of this kv head, so P * V is an NT product with contiguous rows.
        for (int64_t t = 0; t < T; ++t)
            for (int64_t d = 0; d < hd; ++d) s.vt[d * T + t] = s.v[t * kvDim + kvh * hd + d];
        for (int g = 0; g < groups; ++g) {
            const int h = kvh * groups + g;
            for (int64_t r0 = 0; r0 < T; r0 += kAttnRowBlock) {
                const int64_t rows = std::min(kAttnRowBlock, T - r0);
                const int64_t keys = r0 + rows; // causal: no row of this block sees past it
                kernels::gemmNT(rows, keys, hd, s.q.data() + r0 * qDim + h * hd, qDim,
                                s.k.data() + kvh * hd, kvDim, s.scores.data(), keys);
                for (int64_t r = 0; r < rows; ++r) {
                    float* row = s.scores.data() + r * keys;
                    const int64_t visible = r0 + r + 1;
                    kernels::scale(row, invSqrt, visible);
                    kernels::softmax(row, visible);
                    std::fill(row + visible, row + keys, 0.0f);
                }
                kernels::gemmNT(rows, hd, keys, s.scores.data(), keys, s.vt.data(), T,
                                s.att.data() + r0 * qDim + h * hd, qDim);
            }
        }
    }
}

void LlamaForward::block(int b, float* x, int64_t T, ForwardScratch& s,
                         ActivationObserver* obs) const {
    const BlockWeights& w = m_w.blocks.at(b);
    const int64_t dim = m_hp.dim, qDim = m_hp.qDim(), kvDim = m_hp.kvDim(), hid = m_hp.hiddenDim;
    grow(s.xn, T * dim);
    grow(s.q, T * qDim);
    grow(s.k, T * kvDim);
    grow(s.v, T * kvDim);
    grow(s.att, T * qDim);
    grow(s.gate, T * hid);
    grow(s.up, T * hid);
    prepareRope(s, T);
    auto notify = [&](Intermediate what, const float* data, int64_t cols) {
        if (obs) obs->observe(b, what, data, T, cols);
    };

    notify(Intermediate::BlockInput, x, dim);
    for (int64_t t = 0; t < T; ++t)
        kernels::rmsnorm(s.xn.data() + t * dim, x + t * dim, w.attnNorm.data, dim, m_hp.normEps);
    notify(Intermediate::AttnNormOut, s.xn.data(), dim);

    auto act = [&](LinearSlot slot) { return m_actPlan.at(b, slot); };
    linear(s.xn.data(), T, w.wq, w.bq, s.q.data(), act(LinearSlot::Q), s);
    linear(s.xn.data(), T, w.wk, w.bk, s.k.data(), act(LinearSlot::K), s);
    linear(s.xn.data(), T, w.wv, w.bv, s.v.data(), act(LinearSlot::V), s);
    applyRope(s.q.data(), T, m_hp.nHeads, qDim, s);
    applyRope(s.k.data(), T, m_hp.nKvHeads, kvDim, s);
    notify(Intermediate::Q, s.q.data(), qDim);
    notify(Intermediate::K, s.k.data(), kvDim);
    notify(Intermediate::V, s.v.data(), kvDim);

    attention(T, s);
    notify(Intermediate::AttnOut, s.att.data(), qDim);
    // x += att * Wo^T, accumulated straight into the residual stream.
    linear(s.att.data(), T, w.wo, {}, x, act(LinearSlot::O), s, /*accumulate=*/true);
    notify(Intermediate::FfnInput, x, dim);

    for (int64_t t = 0; t < T; ++t)
        kernels::rmsnorm(s.xn.data() + t * dim, x + t * dim, w.ffnNorm.data, dim, m_hp.normEps);
    notify(Intermediate::FfnNormOut, s.xn.data(), dim);
    linear(s.xn.data(), T, w.gate, {}, s.gate.data(), act(LinearSlot::Gate), s);
    linear(s.xn.data(), T, w.up, {}, s.up.data(), act(LinearSlot::Up), s);
    kernels::siluMul(s.gate.data(), s.up.data(), T * hid);
    notify(Intermediate::FfnAct, s.gate.data(), hid);
    linear(s.gate.data(), T, w.down, {}, x, act(LinearSlot::Down), s, /*accumulate=*/true);
    notify(Intermediate::BlockOutput, x, dim);
}

void LlamaForward::head(const float* x, int64_t rowBegin, int64_t rowEnd, ForwardScratch& s,
                        const LogitsSink& sink) const {
    const int64_t dim = m_hp.dim, vocab = m_w.output.rows;
    const int64_t kHeadChunk =
        std::max(kHeadMinChunk, kHeadLogitsBudget / std::max<int64_t>(1, vocab));
    grow(s.xn, std::min(kHeadChunk, rowEnd - rowBegin) * dim);
    grow(s.logits, std::min(kHeadChunk, rowEnd - rowBegin) * vocab);
    for (int64_t r0 = rowBegin; r0 < rowEnd; r0 += kHeadChunk) {
        const int64_t n = std::min(kHeadChunk, rowEnd - r0);
        for (int64_t r = 0; r < n; ++r)
            kernels::rmsnorm(s.xn.data() + r * dim, x + (r0 + r) * dim, m_w.outputNorm.data, dim,
                             m_hp.normEps);
        linear(s.xn.data(), n, m_w.output, {}, s.logits.data(), m_actPlan.output, s);
        sink(r0, n, s.logits.data());
    }
}

void LlamaForward::forward(std::span<const int32_t> tokens, ForwardScratch& s,
                           const LogitsSink& sink, int64_t rowBegin, int64_t rowEnd,
                           const Feedback* feedback, ActivationObserver* observer) const {
    const int64_t T = int64_t(tokens.size());
    if (rowEnd < 0) rowEnd = T;
    grow(s.x, T * m_hp.dim);
    embed(tokens, s.x.data());
    for (int b = 0; b < m_hp.nLayers; ++b) {
        checkCanceled(feedback);
        block(b, s.x.data(), T, s, observer);
    }
    checkCanceled(feedback);
    head(s.x.data(), rowBegin, rowEnd, s, sink);
}

} // namespace qs
