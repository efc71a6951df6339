#pragma once
// What every exporter needs from a model under a resolved configuration: the tensors to write,
// each with its format and, where the format is exactly a llama.cpp tensor type, that ggml type;
// plus the shared vocabulary of the exporters (ggml type names, nearest-type suggestions, compact
// anchored regexes over block numbers, the Hugging Face module names).
//
//   std::vector<qs::ExportTensor> ts = qs::exportTensors(desc, resolved,
//   qs::HeadPolicy::WhenDistinct); qs::throwIfUnmapped(qs::unmappedGgmlTensors(ts), "GGUF");   //
//   Error listing every misfit

#include "model/model_desc.h"
#include "quant/quant_config.h"

#include <optional>
#include <string>
#include <vector>

namespace qs {

struct ExportTensor {
    std::string name; // canonical GGUF name
    TensorRole role = TensorRole::Wq;
    int block = -1;
    int64_t rows = 1, cols = 0;          // a vector is {1, n}
    const QuantFormat* format = nullptr; // nullptr: norm or bias, always kept at f32
    // Index into ModelDesc::tensors; nullopt for the head of a tied model (its data is the
    // embedding's).
    std::optional<size_t> descIndex;
    bool isMatrix() const { return format != nullptr; }
};

enum class HeadPolicy {
    WhenDistinct, // a tied head is listed only when its format differs from the embedding's
    Always,       // the head is always listed (Hugging Face: lm_head is a module either way)
};

// Tensors in description order; a tied head that is listed follows output_norm (llama.cpp's
// order: token_embd, output_norm, output, blocks...).
std::vector<ExportTensor> exportTensors(const ModelDesc& desc, const ResolvedConfig& config,
                                        HeadPolicy head);

// ggml type of a format when it is exactly a llama.cpp tensor type (f32, f16, bf16, q4_0, q4_1,
// q5_0, q5_1, q8_0, q2_k..q6_k), else -1.
int exportGgmlType(const QuantFormat& f);
// ggml_type_name() spelling, as llama-quantize parses it: "q4_0", "q4_K", "f16", ...
std::string ggmlTypeArgName(int type);
// Parses a ggml type name case-insensitively; -1 if not one QuantScope can write.
int parseGgmlTypeArg(std::string_view name);
// The llama.cpp type closest to a format with no exact equivalent, with a short reason, e.g.
// "q4_0 (same bits, 32-element blocks)", "iq4_nl (llama.cpp's non-linear 4-bit; or q4_0)".
std::string nearestGgmlType(const QuantFormat& f);

struct UnmappedTensor {
    std::string tensor, format, suggestion;
};
// Tensors whose format has no ggml equivalent.
std::vector<UnmappedTensor> unmappedGgmlTensors(const std::vector<ExportTensor>& tensors);
// Throws Error when `unmapped` is not empty: one line per format naming its tensors and the
// suggestion, headed by what the export was for ("GGUF", "llama-quantize", ...).
void throwIfUnmapped(const std::vector<UnmappedTensor>& unmapped, const std::string& target);

// Compact anchored regexes for per-tensor values: items with the same value and the same set of
// blocks share one regex, e.g. blocks {0, 3} of "attn_v.weight" and "ffn_down.weight" with
// prefix "blk\." give "^blk\.(0|3)\.(attn_v\.weight|ffn_down\.weight)$". A global item
// (block -1) gets its exact name "^output\.weight$". Order: by value, then first block.
struct PatternItem {
    int block;          // -1: `suffix` is the whole name
    std::string suffix; // name after "<prefix><block>."
    std::string value;
};
std::vector<std::pair<std::string, std::string>>
compactPatterns(const std::vector<PatternItem>& items, std::string_view blockPrefix);

// Hugging Face module of a tensor role: "model.layers.3.self_attn.q_proj", "lm_head",
// "model.embed_tokens"; empty for norms and biases.
std::string hfModuleName(TensorRole role, int block);
// "self_attn.q_proj" for Wq, "mlp.down_proj" for FfnDown; empty for non-linear roles.
std::string hfBlockModule(TensorRole role);

// A regex escape for literal text (dots, brackets, ...).
std::string regexEscape(std::string_view s);

} // namespace qs
