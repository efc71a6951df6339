#pragma once
// Parses a Hugging Face config.json of a Llama-family causal LM (LlamaForCausalLM,
// MistralForCausalLM, Qwen2ForCausalLM) into hyperparameters. Unsupported features that would
// change the model's outputs (rope_scaling, attention/MLP biases on Llama) are rejected with a
// clear message rather than silently ignored.
//
//   qs::HfConfig cfg = qs::parseHfConfig("model/config.json");   // throws FileError

#include "model/model_desc.h"

#include <filesystem>
#include <map>
#include <string>

namespace qs {

struct HfConfig {
    Architecture arch = Architecture::Llama;
    std::string architectureName; // as in the file, e.g. "LlamaForCausalLM"
    HParams hp;                   // hp.tiedOutput from tie_word_embeddings (default false)
    bool tieWordEmbeddingsGiven = false;
    std::map<std::string, std::string> metadata; // scalar config keys, as readable strings
};

HfConfig parseHfConfig(const std::filesystem::path& configJson);

} // namespace qs
