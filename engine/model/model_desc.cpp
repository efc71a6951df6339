#include "model/model_desc.h"

#include "core/error.h"

#include <set>
#include <utility>

namespace qs {

namespace {

// Anything beyond these is a corrupt header, not a real model: refusing early keeps size
// arithmetic far from overflow and gives a clear message instead of a huge allocation.
constexpr int64_t kMaxDim = 1'000'000;
constexpr int64_t kMaxLayers = 1000;
constexpr int64_t kMaxVocab = 10'000'000;
constexpr int64_t kMaxSeqLen = 1 << 28;

std::string shapeString(const std::vector<int64_t>& s) {
    std::string out = "{";
    for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
    return out + "}";
}

void checkRange(const ModelDesc& d, const char* what, int64_t v, int64_t max) {
    if (v <= 0)
        throw FileError(d.path, std::string("invalid hyperparameter ") + what + " = " +
                                    std::to_string(v) + " (must be positive)");
    if (v > max)
        throw FileError(d.path, std::string("implausible hyperparameter ") + what + " = " +
                                    std::to_string(v) + " (limit " + std::to_string(max) +
                                    "); the header is probably corrupt");
}

} // namespace

void validateHParams(const ModelDesc& d) {
    const HParams& hp = d.hp;
    checkRange(d, "dim", hp.dim, kMaxDim);
    checkRange(d, "hidden_dim", hp.hiddenDim, kMaxDim);
    checkRange(d, "n_layers", hp.nLayers, kMaxLayers);
    checkRange(d, "n_heads", hp.nHeads, hp.dim);
    checkRange(d, "n_kv_heads", hp.nKvHeads, hp.nHeads);
    checkRange(d, "head_dim", hp.headDim, kMaxDim);
    checkRange(d, "vocab_size", hp.vocabSize, kMaxVocab);
    checkRange(d, "max_seq_len", hp.maxSeqLen, kMaxSeqLen);
    if (hp.dim % hp.nHeads != 0)
        throw FileError(d.path, "n_heads = " + std::to_string(hp.nHeads) +
                                    " does not divide dim = " + std::to_string(hp.dim));
    if (hp.nHeads % hp.nKvHeads != 0)
        throw FileError(d.path, "n_kv_heads = " + std::to_string(hp.nKvHeads) +
                                    " does not divide n_heads = " + std::to_string(hp.nHeads));
    if (hp.headDim % 2 != 0)
        throw FileError(d.path, "head_dim = " + std::to_string(hp.headDim) +
                                    " is odd; RoPE needs pairs of dimensions");
    if (int64_t(hp.nHeads) * hp.headDim > kMaxDim)
        throw FileError(d.path, "implausible n_heads * head_dim");
    if (!(hp.normEps > 0.0f && hp.normEps < 1.0f))
        throw FileError(d.path, "invalid norm epsilon " + std::to_string(hp.normEps));
    if (!(hp.ropeTheta > 0.0f))
        throw FileError(d.path, "invalid RoPE theta " + std::to_string(hp.ropeTheta));
}

namespace {

struct Expected {
    TensorRole role;
    int block;
    std::vector<int64_t> shape;
};

std::vector<Expected> expectedTensors(const HParams& hp) {
    const int64_t dim = hp.dim, q = hp.qDim(), kv = hp.kvDim(), ffn = hp.hiddenDim;
    std::vector<Expected> e = {{TensorRole::TokenEmbedding, -1, {hp.vocabSize, dim}},
                               {TensorRole::OutputNorm, -1, {dim}}};
    if (!hp.tiedOutput) e.push_back({TensorRole::Output, -1, {hp.vocabSize, dim}});
    for (int b = 0; b < hp.nLayers; ++b) {
        e.push_back({TensorRole::AttnNorm, b, {dim}});
        e.push_back({TensorRole::Wq, b, {q, dim}});
        e.push_back({TensorRole::Wk, b, {kv, dim}});
        e.push_back({TensorRole::Wv, b, {kv, dim}});
        e.push_back({TensorRole::Wo, b, {dim, q}});
        if (hp.qkvBias) {
            e.push_back({TensorRole::Bq, b, {q}});
            e.push_back({TensorRole::Bk, b, {kv}});
            e.push_back({TensorRole::Bv, b, {kv}});
        }
        e.push_back({TensorRole::FfnNorm, b, {dim}});
        e.push_back({TensorRole::FfnGate, b, {ffn, dim}});
        e.push_back({TensorRole::FfnUp, b, {ffn, dim}});
        e.push_back({TensorRole::FfnDown, b, {dim, ffn}});
    }
    return e;
}

bool isGlobal(TensorRole r) {
    return r == TensorRole::TokenEmbedding || r == TensorRole::OutputNorm ||
           r == TensorRole::Output;
}

} // namespace

std::string architectureName(Architecture a) {
    switch (a) {
    case Architecture::Llama:
        return "llama";
    case Architecture::Mistral:
        return "mistral";
    case Architecture::Qwen2:
        return "qwen2";
    }
    return "?";
}

std::string_view tensorRoleName(TensorRole r) {
    switch (r) {
    case TensorRole::TokenEmbedding:
        return "token_embd";
    case TensorRole::OutputNorm:
        return "output_norm";
    case TensorRole::Output:
        return "output";
    case TensorRole::AttnNorm:
        return "attn_norm";
    case TensorRole::Wq:
        return "attn_q";
    case TensorRole::Wk:
        return "attn_k";
    case TensorRole::Wv:
        return "attn_v";
    case TensorRole::Wo:
        return "attn_output";
    case TensorRole::Bq:
        return "attn_q.bias";
    case TensorRole::Bk:
        return "attn_k.bias";
    case TensorRole::Bv:
        return "attn_v.bias";
    case TensorRole::FfnNorm:
        return "ffn_norm";
    case TensorRole::FfnGate:
        return "ffn_gate";
    case TensorRole::FfnUp:
        return "ffn_up";
    case TensorRole::FfnDown:
        return "ffn_down";
    }
    return "?";
}

bool isQuantizableRole(TensorRole r) {
    switch (r) {
    case TensorRole::TokenEmbedding:
    case TensorRole::Output:
    case TensorRole::Wq:
    case TensorRole::Wk:
    case TensorRole::Wv:
    case TensorRole::Wo:
    case TensorRole::FfnGate:
    case TensorRole::FfnUp:
    case TensorRole::FfnDown:
        return true;
    default:
        return false;
    }
}

uint64_t TensorDesc::elementCount() const {
    if (shape.empty()) return 0;
    uint64_t n = 1;
    for (int64_t d : shape) n *= static_cast<uint64_t>(d);
    return n;
}

uint64_t ModelDesc::parameterCount() const {
    uint64_t n = 0;
    for (const TensorDesc& t : tensors) {
        if (t.role == TensorRole::Output && hp.tiedOutput) continue;
        n += t.elementCount();
    }
    return n;
}

std::optional<size_t> ModelDesc::find(std::string_view name) const {
    for (size_t i = 0; i < tensors.size(); ++i)
        if (tensors[i].name == name) return i;
    return std::nullopt;
}

const TensorDesc* ModelDesc::findRole(TensorRole role, int block) const {
    for (const TensorDesc& t : tensors)
        if (t.role == role && t.block == block) return &t;
    return nullptr;
}

std::string canonicalTensorName(TensorRole role, int block) {
    const std::string_view r = tensorRoleName(role);
    if (isGlobal(role)) return std::string(r) + ".weight";
    std::string prefix = "blk." + std::to_string(block) + ".";
    // Bias roles already carry their ".bias" suffix.
    if (role == TensorRole::Bq || role == TensorRole::Bk || role == TensorRole::Bv)
        return prefix + std::string(r);
    return prefix + std::string(r) + ".weight";
}

void validateModelDesc(const ModelDesc& desc) {
    validateHParams(desc);
    const HParams& hp = desc.hp;

    std::set<std::pair<TensorRole, int>> seen;
    for (const TensorDesc& t : desc.tensors) {
        const bool global = isGlobal(t.role);
        if (global ? t.block != -1 : (t.block < 0 || t.block >= hp.nLayers))
            throw FileError(desc.path, "tensor " + t.fileName + " belongs to block " +
                                           std::to_string(t.block) + ", but the model has " +
                                           std::to_string(hp.nLayers) + " layers");
        if (!seen.insert({t.role, t.block}).second)
            throw FileError(desc.path, "duplicate tensor " + t.name + " (" + t.fileName + ")");
        if (!hp.qkvBias &&
            (t.role == TensorRole::Bq || t.role == TensorRole::Bk || t.role == TensorRole::Bv))
            throw FileError(desc.path, "unexpected bias tensor " + t.fileName +
                                           " for an architecture without q/k/v biases");
    }

    for (const Expected& e : expectedTensors(hp)) {
        const TensorDesc* t = desc.findRole(e.role, e.block);
        if (!t)
            throw FileError(desc.path, "missing tensor " + canonicalTensorName(e.role, e.block));
        if (t->shape != e.shape)
            throw FileError(desc.path, "tensor " + t->fileName + " has shape " +
                                           shapeString(t->shape) + ", expected " +
                                           shapeString(e.shape));
        // Block types quantize along rows; a partial block cannot be represented.
        const int bs = dtypeBlockSize(t->fileType);
        if (t->shape.back() % bs != 0)
            throw FileError(desc.path, "tensor " + t->fileName + " of type " +
                                           std::string(dtypeName(t->fileType)) + " has rows of " +
                                           std::to_string(t->shape.back()) +
                                           " elements, not a multiple of " + std::to_string(bs));
    }
    // A tied model may still carry an explicit copy of the head; it must fit like the embedding.
    if (hp.tiedOutput) {
        if (const TensorDesc* t = desc.findRole(TensorRole::Output))
            if (t->shape != std::vector<int64_t>{hp.vocabSize, hp.dim})
                throw FileError(desc.path, "tensor " + t->fileName + " has shape " +
                                               shapeString(t->shape) + ", expected " +
                                               shapeString({hp.vocabSize, hp.dim}));
    }
}

} // namespace qs
