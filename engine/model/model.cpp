#include "model/model.h"

#include "core/error.h"
#include "ggml/ggml_quants.h"
#include "model/gguf_types.h"
#include "model/loaders.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/vocab_tokenizers.h"

#include <cstdint>
#include <cstring>
#include <fstream>

namespace qs {

namespace fs = std::filesystem;

WeightView* LlamaWeights::find(TensorRole role, int block) {
    switch (role) {
    case TensorRole::TokenEmbedding:
        return &tokenEmbedding;
    case TensorRole::OutputNorm:
        return &outputNorm;
    case TensorRole::Output:
        return &output;
    default:
        break;
    }
    if (block < 0 || block >= static_cast<int>(blocks.size())) return nullptr;
    BlockWeights& b = blocks[static_cast<size_t>(block)];
    switch (role) {
    case TensorRole::AttnNorm:
        return &b.attnNorm;
    case TensorRole::Wq:
        return &b.wq;
    case TensorRole::Wk:
        return &b.wk;
    case TensorRole::Wv:
        return &b.wv;
    case TensorRole::Wo:
        return &b.wo;
    case TensorRole::Bq:
        return &b.bq;
    case TensorRole::Bk:
        return &b.bk;
    case TensorRole::Bv:
        return &b.bv;
    case TensorRole::FfnNorm:
        return &b.ffnNorm;
    case TensorRole::FfnGate:
        return &b.gate;
    case TensorRole::FfnUp:
        return &b.up;
    case TensorRole::FfnDown:
        return &b.down;
    default:
        return nullptr;
    }
}

const WeightView* LlamaWeights::find(TensorRole role, int block) const {
    return const_cast<LlamaWeights*>(this)->find(role, block);
}

void Model::bindTensor(size_t index, const void* data, DType type) {
    if (index >= m_desc.tensors.size())
        throw Error("bindTensor: index " + std::to_string(index) + " out of range");
    m_tensorData.resize(m_desc.tensors.size(), nullptr);
    TensorDesc& t = m_desc.tensors[index];
    t.fileType = type;
    if (type == DType::F32 && reinterpret_cast<uintptr_t>(data) % alignof(float) == 0) {
        m_tensorData[index] = static_cast<const float*>(data);
        return;
    }
    std::vector<float> buf(t.elementCount());
    try {
        if (dtypeNeedsGgmlCodec(type)) {
            const int64_t cols = t.shape.empty() ? 0 : t.shape.back();
            const int64_t rows = cols > 0 ? int64_t(buf.size()) / cols : 0;
            ggmlDequantizeRows(int(dtypeToGgml(type)), static_cast<const std::byte*>(data),
                               buf.data(), rows, cols);
        } else {
            dequantizeRow(type, data, buf.data(), buf.size());
        }
    } catch (const Error& e) {
        throw FileError(m_desc.path, "tensor " + t.fileName + ": " + e.what());
    }
    m_tensorData[index] = buf.data();
    m_owned.push_back(std::move(buf)); // moving a vector keeps its buffer, so the pointer holds
}

uint64_t Model::ownedBytes() const {
    uint64_t n = 0;
    for (const auto& v : m_owned) n += v.size() * sizeof(float);
    return n;
}

void Model::finalize() {
    validateModelDesc(m_desc);
    m_tensorData.resize(m_desc.tensors.size(), nullptr);
    m_weights = LlamaWeights{};
    m_weights.blocks.resize(static_cast<size_t>(m_desc.hp.nLayers));
    for (size_t i = 0; i < m_desc.tensors.size(); ++i) {
        const TensorDesc& t = m_desc.tensors[i];
        if (!m_tensorData[i]) throw FileError(m_desc.path, "tensor " + t.fileName + " has no data");
        WeightView* v = m_weights.find(t.role, t.block);
        if (!v) throw FileError(m_desc.path, "tensor " + t.fileName + " has no place in the model");
        v->data = m_tensorData[i];
        v->rows = t.shape[0];
        v->cols = t.shape.size() > 1 ? t.shape[1] : 1;
    }
    if (m_desc.hp.tiedOutput) m_weights.output = m_weights.tokenEmbedding;
}

namespace {

bool hasGgufMagic(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    char magic[4] = {};
    return in.read(magic, 4) && std::memcmp(magic, "GGUF", 4) == 0;
}

bool isHuggingFacePath(const fs::path& path) {
    const std::string name = path.filename().string();
    return fs::is_directory(path) || name == "config.json" ||
           name == "model.safetensors.index.json" || path.extension() == ".safetensors";
}

// A tokenizer may be smaller than the embedding (rows padded to a round number, as in Qwen2
// checkpoints) but never larger, and not so much smaller that it is clearly another vocabulary.
void checkTokenizerFits(const Tokenizer& tok, const HParams& hp, const fs::path& source) {
    const int64_t n = tok.vocabSize(), m = hp.vocabSize;
    if (n > m || n < m - m / 16)
        throw FileError(source, "tokenizer has " + std::to_string(n) +
                                    " tokens but the model expects " + std::to_string(m));
}

void attachTokenizer(LoaderResult& r, const LoadOptions& opts, const fs::path& modelPath) {
    Model& model = *r.model;
    if (!opts.tokenizerPath.empty()) {
        auto tok = loadTokenizer(opts.tokenizerPath);
        checkTokenizerFits(*tok, model.hp(), opts.tokenizerPath);
        model.setTokenizer(std::move(tok));
        model.mutableDesc().metadata["tokenizer.source"] = opts.tokenizerPath.string();
        return;
    }

    // Found automatically: a tokenizer that fails to load does not stop loading the weights
    // (they are useful without one) unless the caller requires a tokenizer.
    std::string errors;
    auto accept = [&](std::shared_ptr<const Tokenizer> tok, const fs::path& source) {
        checkTokenizerFits(*tok, model.hp(), source);
        model.setTokenizer(std::move(tok));
        model.mutableDesc().metadata["tokenizer.source"] = source.string();
    };
    if (r.vocab) {
        std::shared_ptr<const Tokenizer> tok;
        try {
            tok = makeEmbeddedTokenizer(*r.vocab, modelPath.string());
        } catch (const Error& e) {
            if (opts.requireTokenizer) throw;
            errors += std::string(errors.empty() ? "" : "; ") + e.what();
        }
        if (tok) {
            if (std::string note = embeddedVocabNote(*r.vocab); !note.empty())
                model.mutableDesc().metadata["tokenizer.note"] = note;
            return accept(std::move(tok), modelPath);
        }
    }
    for (const fs::path& candidate : r.tokenizerCandidates) {
        std::error_code ec;
        if (!fs::is_regular_file(candidate, ec)) continue;
        std::shared_ptr<const Tokenizer> tok;
        try {
            tok = loadTokenizer(candidate);
        } catch (const Error& e) {
            if (opts.requireTokenizer) throw;
            errors += std::string(errors.empty() ? "" : "; ") + e.what();
        }
        if (tok) return accept(std::move(tok), candidate);
    }
    if (!errors.empty()) model.mutableDesc().metadata["tokenizer.error"] = errors;
    if (opts.requireTokenizer) {
        std::string looked;
        for (const fs::path& c : r.tokenizerCandidates)
            looked += (looked.empty() ? "" : ", ") + c.filename().string();
        throw FileError(modelPath,
                        "no tokenizer found" +
                            (looked.empty() ? std::string() : " (looked for " + looked + ")") +
                            "; pass a tokenizer file");
    }
}

} // namespace

std::shared_ptr<Model> loadModel(const fs::path& path, const LoadOptions& opts) {
    std::error_code ec;
    if (!fs::exists(path, ec)) throw FileError(path, "no such file or directory");
    LoaderResult r;
    if (isHuggingFacePath(path))
        r = loadHuggingFace(path);
    else if (hasGgufMagic(path))
        r = loadGguf(path);
    else
        r = loadLlama2c(path);
    attachTokenizer(r, opts, path);
    return r.model;
}

} // namespace qs
