#pragma once
// A quantization configuration: which format every quantizable tensor of a model gets, and how
// activations are quantized. Formats are chosen by, in increasing priority: the default for
// linear weights (or the embedding / output head defaults), name-pattern rules in order (later
// wins; `*` and `?` globs over canonical names such as "blk.3.*" or "*.ffn_down.weight"), and
// explicit per-tensor overrides. Versioned JSON load/save with validation.
//
//   qs::QuantConfig cfg = qs::QuantConfig::uniform("q4_0");
//   cfg.setTensorFormat("blk.0.attn_v.weight", "q8_0");
//   qs::ResolvedConfig r = cfg.resolve(model->desc());   // throws Error naming the tensor
//   double bpw = r.averageBitsPerWeight();

#include "llama/forward.h"
#include "model/model_desc.h"
#include "quant/quant_format.h"

#include <filesystem>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace qs {

constexpr int kQuantConfigVersion = 1;

struct QuantRule {
    std::string pattern; // glob over canonical tensor names
    std::string format;
    bool operator==(const QuantRule&) const = default;
};

class ResolvedConfig;

class QuantConfig {
public:
    std::string defaultFormat = "f32";   // every linear weight not matched otherwise
    std::string embeddingFormat = "f32"; // token embedding lookup
    std::string outputFormat = "f32";    // output head (also when tied to the embedding)
    std::vector<QuantRule> rules;
    std::map<std::string, std::string> overrides; // canonical tensor name -> format
    // "none", "int8_token", "q8_0", "q8_k", "f16", or "ggml" (each layer uses the activation
    // type llama.cpp's CPU backend pairs with its weight type).
    std::string activations = "none";
    // Used for a tensor whose shape the chosen format cannot represent (e.g. a row length of
    // 172 with 32-element blocks); empty: such a tensor is an error. llama.cpp's quantizer keeps
    // such tensors at f16.
    std::string fallbackFormat;

    static QuantConfig uniform(const std::string& format);
    void setTensorFormat(const std::string& tensor, const std::string& format) {
        overrides[tensor] = format;
    }
    void setBlockFormat(int block, const std::string& format); // rule "blk.<b>.*"

    // Throws Error for an unknown format, an override naming no tensor of the model, or a
    // format that cannot represent a tensor's shape (naming tensor, format and reason).
    ResolvedConfig resolve(const ModelDesc& desc) const;

    nlohmann::json toJson() const;
    // `source` names the file for error messages.
    static QuantConfig fromJson(const nlohmann::json& j, const std::string& source = "config");
    void save(const std::filesystem::path& path) const; // atomic (temp file + rename)
    static QuantConfig load(const std::filesystem::path& path);

    bool operator==(const QuantConfig&) const = default;
};

bool globMatch(std::string_view pattern, std::string_view text);

// The format of every tensor, resolved against one model description.
class ResolvedConfig {
public:
    // By tensor index of the description; nullptr for tensors that are never quantized (norms,
    // biases).
    const std::vector<const QuantFormat*>& formats() const { return m_formats; }
    const QuantFormat* format(size_t tensorIndex) const { return m_formats[tensorIndex]; }
    const QuantFormat* headFormat() const { return m_head; } // output head (tied or not)
    const std::string& activations() const { return m_activations; }
    // Tensors that got the fallback format because their chosen one did not fit.
    const std::vector<std::string>& fallbacks() const { return m_fallbacks; }

    // Weighted by parameter count over the linear weights of the blocks.
    double averageBitsPerWeight() const;
    // Same over every quantizable matrix (embedding and head included).
    double averageBitsPerWeightAll() const;
    // Bytes of the whole model stored this way (norms/biases at f32, tied head counted once
    // unless it has its own format).
    uint64_t modelBytes() const;

    ActQuantPlan actQuantPlan() const;

    // Where computation first differs from `other`: kEmbeddingDiffers (-1) when the token
    // embedding differs, block b when block b's weights or activations differ first, nLayers
    // when only the head differs, nLayers + 1 when both compute exactly the same thing.
    int firstDifferentBlock(const ResolvedConfig& other) const;
    // The same against full precision (f32 everywhere, no activation quantization).
    int firstQuantizedBlock() const;
    static constexpr int kEmbeddingDiffers = -1;
    bool operator==(const ResolvedConfig& o) const {
        return m_formats == o.m_formats && m_head == o.m_head && m_activations == o.m_activations;
    }

private:
    friend class QuantConfig;
    const ModelDesc* m_desc = nullptr;
    std::vector<const QuantFormat*> m_formats;
    const QuantFormat* m_head = nullptr;
    std::string m_activations = "none";
    std::vector<std::string> m_fallbacks;
};

} // namespace qs
