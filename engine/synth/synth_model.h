#pragma once
// Synthetic Llama models of real shapes with seeded random weights, for benchmarks and tests
// where no real model of that size is available. The same seed gives the same weights in every
// format, so a llama2.c file and a GGUF file of one shape and seed are the same model — and other
// tools (llama.cpp) can run the very same GGUF file.
//
//   qs::writeSynthModel(qs::synthShape("synth15M"), 42, qs::SynthFormat::Gguf, "s15.gguf", &vocab);

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace qs {

struct SynthShape {
    std::string name;
    int dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize, seqLen;
    uint64_t parameterCount() const; // untied: embedding and output both counted
};

// synth260K (stories260K's shape), synth15M (dim 288, hidden 768, 6 layers, 6 heads,
// vocab 32000, seq 256) and synth110M (dim 768, hidden 2048, 12 layers, 12 heads, vocab 32000,
// seq 1024).
const std::vector<SynthShape>& synthShapes();
const SynthShape& synthShape(std::string_view name); // throws Error listing the known names

enum class SynthFormat { Llama2c, Gguf };

// A SentencePiece-style vocabulary to embed in a GGUF file (pieces use "▁" for spaces).
struct SynthVocab {
    std::vector<std::string> pieces;
    std::vector<float> scores;
    std::vector<int32_t> tokenTypes; // GGUF token types: 1 normal, 2 unknown, 3 control, 6 byte
};

// Reads a llama2.c tokenizer.bin as a GGUF vocabulary (spaces become "▁"; ids 0/1/2 are
// unk/bos/eos, <0xXX> pieces are byte tokens).
SynthVocab synthVocabFromLlama2cTokenizer(const std::filesystem::path& tokenizerBin);

// Writes the model atomically (temporary file, then rename). The output head is untied (its
// own matrix), as llama.cpp keeps it, so both formats do the same work per token. For GGUF a
// vocabulary is required when it is to be evaluated by other tools; its size must equal the
// shape's vocab size.
void writeSynthModel(const SynthShape& shape, uint64_t seed, SynthFormat format,
                     const std::filesystem::path& out, const SynthVocab* vocab = nullptr);

// The deterministic values of one tensor (exposed for tests): N(0, std) for matrices with
// std = 1/sqrt(cols), 1 + N(0, 0.1) for norm vectors.
std::vector<float> synthTensor(uint64_t seed, const std::string& canonicalName, int64_t rows,
                               int64_t cols, bool isNorm);

} // namespace qs
