#pragma once
// A format-independent description of a Llama-family model: architecture, hyperparameters and
// named tensors grouped into blocks. Loaders fill it from llama2.c, GGUF or Hugging Face files;
// everything above the loaders (forward pass, quantization config, GUI) reads only this.
//
// Tensor names are canonical GGUF-style names ("token_embd.weight", "blk.3.attn_q.weight", ...)
// whatever the source; TensorDesc::fileName keeps the name used inside the file.
// Shapes are row-major {rows, cols}: a linear weight is {out_features, in_features}.

#include "core/dtype.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace qs {

enum class Architecture { Llama, Mistral, Qwen2 };
std::string architectureName(Architecture a);

// How RoPE pairs the dimensions of a head. llama2.c and GGUF "llama" rotate adjacent pairs
// (2i, 2i+1); Hugging Face checkpoints rotate (i, i + head_dim/2) ("rotate_half", NeoX style).
enum class RopeStyle { Interleaved, RotateHalf };

struct HParams {
    int dim = 0;        // hidden size
    int hiddenDim = 0;  // FFN intermediate size
    int nLayers = 0;
    int nHeads = 0;
    int nKvHeads = 0;
    int headDim = 0;    // usually dim / nHeads
    int vocabSize = 0;
    int maxSeqLen = 0;  // trained context length
    float normEps = 1e-5f;
    float ropeTheta = 10000.0f;
    RopeStyle rope = RopeStyle::Interleaved;
    bool tiedOutput = false; // output head shares the token embedding
    bool qkvBias = false;    // Qwen2
    int bosId = 1;
    int eosId = 2;

    int qDim() const { return nHeads * headDim; }
    int kvDim() const { return nKvHeads * headDim; }
};

enum class TensorRole {
    TokenEmbedding, OutputNorm, Output,
    AttnNorm, Wq, Wk, Wv, Wo, Bq, Bk, Bv,
    FfnNorm, FfnGate, FfnUp, FfnDown
};
std::string_view tensorRoleName(TensorRole r); // "attn_q", "ffn_down", ...
// True for the matrices a quantization config assigns formats to (linear weights, embedding, output).
bool isQuantizableRole(TensorRole r);

struct TensorDesc {
    std::string name;       // canonical, e.g. "blk.0.attn_q.weight"
    std::string fileName;   // as stored in the source file
    TensorRole role = TensorRole::Wq;
    int block = -1;         // -1 for global tensors
    DType fileType = DType::F32;
    std::vector<int64_t> shape; // row-major {rows, cols} or {n}
    uint64_t elementCount() const;
};

struct ModelDesc {
    std::string path;     // file or folder it was loaded from
    std::string format;   // "llama2c", "gguf", "safetensors"
    Architecture arch = Architecture::Llama;
    HParams hp;
    std::vector<TensorDesc> tensors;
    std::map<std::string, std::string> metadata; // human-readable extra facts (GGUF KVs, config keys)
    uint64_t fileBytes = 0;                      // total size of the weight files

    uint64_t parameterCount() const; // unique parameters (a tied head counts once)
    std::optional<size_t> find(std::string_view name) const;
    const TensorDesc* findRole(TensorRole role, int block = -1) const;
};

// Canonical tensor name for a role ("blk.<b>.attn_q.weight", "token_embd.weight", ...).
std::string canonicalTensorName(TensorRole role, int block);

// Checks only the hyperparameters: positive, consistent (heads divide dim, kv heads divide
// heads) and plausible (no 10^9 layers from a corrupt header). Throws FileError(path, ...).
// Loaders call it before sizing anything from the header.
void validateHParams(const ModelDesc& desc);

// Checks the hyperparameters and that every tensor the Llama forward pass needs is present
// with the expected shape. Throws FileError(path, ...) naming the first problem.
void validateModelDesc(const ModelDesc& desc);

} // namespace qs
