#pragma once
// Writes a model under a resolved quantization configuration as a GGUF file llama.cpp loads:
// every matrix in its ggml type (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K..Q6_K,
// quantized with the reference codecs of ggml/ggml_quants.h, so the stored values are exactly
// what QuantScope simulated), norms and biases at F32, and the metadata:
//  - from a GGUF source, every KV of the source file (vocabulary included), with
//    general.file_type / general.quantization_version updated;
//  - from llama2.c or Hugging Face sources, the llama-architecture KVs (qwen2 for Qwen2) and,
//    when the model's tokenizer is a score-ordered BPE vocabulary (llama2.c tokenizer.bin or a
//    GGUF "llama" vocabulary), that vocabulary as tokenizer.ggml.*.
// Hugging Face q/k rows (rotate_half order) are permuted back to llama.cpp's interleaved order
// for the "llama" architecture, as convert_hf_to_gguf.py does; the model then computes the same
// function (up to the summation order inside a head).
// A tied head is written as output.weight only when its format differs from the embedding's.
//
//   qs::GgufExportReport r = qs::writeQuantizedGguf(*model, resolved, "model-q4.gguf");
//
// Nothing is written when a tensor's format has no ggml equivalent: the Error lists them with
// the nearest ggml type. The file appears atomically (temporary file, then rename); on a write
// error (disk full) a FileError names the file and no partial file remains.

#include "model/model.h"
#include "quant/quant_config.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace qs {

struct GgufExportOptions {
    std::string name; // general.name; empty: the source's, or the model file's stem
};

struct GgufExportReport {
    std::filesystem::path path;
    uint64_t bytes = 0;               // file size
    uint32_t fileType = 0;            // general.file_type written (llama_ftype)
    std::map<std::string, int> types; // tensor name -> ggml type id, every tensor written
    std::vector<std::string> notes;   // e.g. "vocabulary not embedded: ..."
};

// Throws Error (listing tensors and nearest types) if some format has no ggml equivalent.
void checkGgufExportable(const ModelDesc& desc, const ResolvedConfig& config);

GgufExportReport writeQuantizedGguf(const Model& model, const ResolvedConfig& config,
                                    const std::filesystem::path& out,
                                    const GgufExportOptions& options = {});

// llama_ftype for a file whose quantized matrices are mostly `dominantType` (ggml id); `mixed`
// picks the _M flavour of the K-quants. Follows llama.h (MOSTLY_Q4_0 = 2, ..., MOSTLY_BF16 = 32).
uint32_t llamaFileType(int dominantType, bool mixed);

// Rows of a q or k projection (or bias) from rotate_half order to interleaved pairs, per head:
// row h*hd + 2i + j <- row h*hd + j*hd/2 + i. `heads` is the head count of the projection.
void permuteRotateHalfToInterleaved(const float* src, float* dst, int64_t rows, int64_t cols,
                                    int heads);

} // namespace qs
