#pragma once
// Internal interface between loadModel() and the per-format loaders. Each loader returns the
// model with every tensor bound and finalize()d; loadModel() then attaches the tokenizer.

#include "model/model.h"
#include "tokenizer/vocab_tokenizers.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

namespace qs {

struct LoaderResult {
    std::shared_ptr<Model> model;
    std::optional<EmbeddedVocab> vocab;                     // GGUF-embedded vocabulary
    std::vector<std::filesystem::path> tokenizerCandidates; // files to try, in order
};

LoaderResult loadLlama2c(const std::filesystem::path& path);
LoaderResult loadGguf(const std::filesystem::path& path);
// `path` is the model folder, its config.json or one of its .safetensors files.
LoaderResult loadHuggingFace(const std::filesystem::path& path);

} // namespace qs
