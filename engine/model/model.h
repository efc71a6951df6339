#pragma once
// A loaded model: its description, fp32 weights ready for the forward pass and, when one was
// found, its tokenizer. F32 tensors point straight into the memory-mapped file; other storage
// types are converted to fp32 once on load and owned here.
//
//   auto model = qs::loadModel("../shared/models/stories260K/model.bin");
//   const qs::LlamaWeights& w = model->weights();

#include "core/mapped_file.h"
#include "model/model_desc.h"

#include <filesystem>
#include <memory>
#include <vector>

namespace qs {

class Tokenizer;

// A read-only fp32 matrix (or vector when cols == 1... see rows/cols) with rows contiguous.
struct WeightView {
    const float* data = nullptr;
    int64_t rows = 0;
    int64_t cols = 0;
    explicit operator bool() const { return data != nullptr; }
};

struct BlockWeights {
    WeightView attnNorm, wq, wk, wv, wo, bq, bk, bv; // biases empty unless hp.qkvBias
    WeightView ffnNorm, gate, up, down;
};

struct LlamaWeights {
    WeightView tokenEmbedding; // {vocab, dim}
    WeightView outputNorm;     // {dim}
    WeightView output;         // {vocab, dim}; same data as tokenEmbedding when tied
    std::vector<BlockWeights> blocks;

    // The view for a tensor of the description (by role/block); empty view if absent.
    WeightView* find(TensorRole role, int block);
    const WeightView* find(TensorRole role, int block) const;
};

class Model {
public:
    const ModelDesc& desc() const { return m_desc; }
    const HParams& hp() const { return m_desc.hp; }
    const LlamaWeights& weights() const { return m_weights; }
    // May be null when no tokenizer was found beside the model; see loadModel's options.
    std::shared_ptr<const Tokenizer> tokenizer() const { return m_tokenizer; }
    void setTokenizer(std::shared_ptr<const Tokenizer> t) { m_tokenizer = std::move(t); }
    // Bytes of fp32 weights converted or copied on load; 0 when every tensor is used in place.
    uint64_t ownedBytes() const;

    // --- used by loaders ---
    explicit Model(ModelDesc desc) : m_desc(std::move(desc)) {}
    ModelDesc& mutableDesc() { return m_desc; }
    void keepAlive(std::shared_ptr<const MappedFile> f) { m_files.push_back(std::move(f)); }
    // Sets the weight view of tensor `index` of the description: F32 data in a mapped file is
    // used in place; anything else is converted into an owned buffer.
    void bindTensor(size_t index, const void* data, DType type);
    // Call after binding every tensor: fills weights() and validates (throws FileError).
    void finalize();

private:
    ModelDesc m_desc;
    LlamaWeights m_weights;
    std::vector<std::shared_ptr<const MappedFile>> m_files;
    std::vector<std::vector<float>> m_owned;
    std::vector<const float*> m_tensorData; // by description index
    std::shared_ptr<const Tokenizer> m_tokenizer;
};

struct LoadOptions {
    std::filesystem::path tokenizerPath; // empty: look beside the model / use the embedded vocab
    // Throw if no tokenizer can be found. Without it, a tokenizer found automatically (beside
    // the model or embedded) that fails to load is skipped and the reason is kept in
    // desc().metadata["tokenizer.error"]. A tokenizer that does not fit the model's vocabulary
    // is always an error.
    bool requireTokenizer = false;
};

// Detects the format (GGUF magic, a folder or config.json => Hugging Face, else llama2.c) and
// loads it. Throws FileError naming the file and problem for anything malformed.
std::shared_ptr<Model> loadModel(const std::filesystem::path& path, const LoadOptions& opts = {});

} // namespace qs
