#pragma once
// The llama.cpp `llama-quantize` invocation that reproduces a resolved configuration from a
// full-precision GGUF of the model:
//
//   llama-quantize [--allow-requantize] [--imatrix F] --token-embedding-type T
//                  --output-tensor-type T --tensor-type REGEX=TYPE ... IN.gguf OUT.gguf BASE [N]
//
// BASE is the ftype of the ggml type holding most linear weights. llama-quantize applies its
// own per-tensor heuristics on top of BASE (attn_v, ffn_down, output bumped up for K-quants),
// so the command pins every linear weight: one --tensor-type per role and type, anchored over
// the exact names, blocks compressed into alternations (`^blk\.(0|3)\.attn_v\.weight$=q8_0`).
// llama-quantize applies --tensor-type with std::regex_search, last match winning, and only
// when BASE is a quantized type; --token-embedding-type and --output-tensor-type come last.
//
//   qs::LlamaQuantizeCommand c = qs::llamaQuantizeCommand(desc, resolved, {.input = "m-f32.gguf"});
//   std::puts(c.commandLine().c_str());
//   auto types = qs::llamaQuantizeTensorTypes(c.args, desc, true);   // what llama.cpp would pick
//
// Formats with no ggml equivalent are an Error listing the tensors and the nearest ggml type.

#include "model/model_desc.h"
#include "quant/quant_config.h"

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace qs {

struct LlamaQuantizeOptions {
    std::filesystem::path input;  // empty: the model itself when it is a GGUF file, else
                                  // "<model>-f32.gguf" (with a note saying how to make it)
    std::filesystem::path output; // empty: "<input stem>-<base>.gguf"
    std::filesystem::path imatrix;
    int threads = 0; // 0: leave llama-quantize's default
    std::string executable = "llama-quantize";
    // Whether the input GGUF has its own output.weight; nullopt: read from the input file when
    // it exists, else assume only an untied model has one.
    std::optional<bool> inputHasOutputTensor;
};

struct LlamaQuantizeCommand {
    std::vector<std::string> args; // args[0] is the executable
    std::string baseType;          // ftype argument, e.g. "Q4_0", "Q4_K_S"
    std::vector<std::string> notes;
    std::string commandLine() const; // POSIX-shell quoted
    // A /bin/sh script: a comment naming `modelPath`, the notes as comments, the command line.
    std::string script(const std::string& modelPath) const;
};

LlamaQuantizeCommand llamaQuantizeCommand(const ModelDesc& desc, const ResolvedConfig& config,
                                          const LlamaQuantizeOptions& options = {});

// The ggml type llama-quantize assigns to each tensor of `desc` under `args` (args[0] the
// executable, as above), following its option handling: BASE, then --tensor-type overrides in
// order (regex_search, last match wins; only for a quantized BASE), then
// --token-embedding-type / --output-tensor-type. Values are ggml type names ("q4_0"); norms and
// biases are "f32". output.weight is listed only when `hasOutputTensor`. Throws Error on a
// malformed command line. llama.cpp's own shape fallbacks are not modelled.
std::map<std::string, std::string> llamaQuantizeTensorTypes(const std::vector<std::string>& args,
                                                            const ModelDesc& desc,
                                                            bool hasOutputTensor);

// Splits a POSIX-shell command line ('single', "double" quotes and backslashes) into words.
std::vector<std::string> splitShellWords(const std::string& line);

} // namespace qs
