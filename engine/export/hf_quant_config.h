#pragma once
// Hugging Face `quantization_config` blocks describing a resolved configuration, for the
// inference stacks that load pre-quantized checkpoints:
//  - compressed-tensors (llm-compressor, vLLM): one config group per distinct weight scheme,
//    targets are anchored regexes over module names
//    ("re:^model\.layers\.(0|3)\.self_attn\.q_proj$"), modules left at 16/32 bits go to `ignore`.
//  - GPTQModel: global bits / group_size / sym plus `dynamic` per-module overrides
//    ("+:regex" -> {bits, group_size, sym}, "-:regex" -> {} for modules left unquantized).
// Only the description is produced; packing the weights is the loader's/quantizer's business.
//
// Mapping (docs/export_formats.md has the full table):
//   int<k>_g<N>_{sym|asym}  -> type int, num_bits k, strategy group, group_size N
//   int<k>_c_{sym|asym}     -> strategy channel (GPTQ: group_size -1)
//   int<k>_t_{sym|asym}     -> strategy tensor (compressed-tensors only)
//   fp8_e4m3                -> type float, num_bits 8, strategy tensor (compressed-tensors only)
//   f32 / f16 / bf16        -> not quantized (ignore list / "-:" override)
// Clip search and stochastic rounding (_clip, _sr) change how codes are chosen, not what is
// stored, so they map like the plain format. Anything else (ggml block types, NF4, MX, other
// minifloats, ternary/binary/log formats) is an Error listing the tensors.
//
//   nlohmann::json q = qs::compressedTensorsConfig(desc, resolved);
//   auto formats = qs::formatsFromCompressedTensors(q, desc);   // tensor -> format name

#include "model/model_desc.h"
#include "quant/quant_config.h"

#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace qs {

nlohmann::json compressedTensorsConfig(const ModelDesc& desc, const ResolvedConfig& config);
nlohmann::json gptqModelConfig(const ModelDesc& desc, const ResolvedConfig& config);

// The QuantScope format of every quantizable tensor (canonical names, the head as
// "output.weight" even when tied) under a quantization_config; modules the config leaves
// unquantized get `unquantized`. Throws Error for a config these exporters could not have
// written (unknown quant_method, type, strategy or an unparsable regex).
std::map<std::string, std::string>
formatsFromCompressedTensors(const nlohmann::json& config, const ModelDesc& desc,
                             const std::string& unquantized = "f16");
std::map<std::string, std::string> formatsFromGptqModel(const nlohmann::json& config,
                                                        const ModelDesc& desc,
                                                        const std::string& unquantized = "f16");

} // namespace qs
