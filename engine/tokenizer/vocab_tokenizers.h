#pragma once
// Tokenizers built from vocabularies embedded in model files (GGUF tokenizer.ggml.*), and the
// parsers of standalone tokenizer files. Model loaders use these; applications normally call
// qs::loadTokenizer() or get the tokenizer from the loaded qs::Model.

#include "tokenizer/tokenizer.h"

#include <cstdint>
#include <string>
#include <vector>

namespace qs {

// A GGUF-embedded vocabulary (tokenizer.ggml.* keys).
struct EmbeddedVocab {
    std::string model;                // tokenizer.ggml.model: "llama" (SentencePiece BPE) or "gpt2"
    std::string pre;                  // tokenizer.ggml.pre (gpt2 pre-tokenizer flavour), may be empty
    std::vector<std::string> tokens;  // tokenizer.ggml.tokens
    std::vector<float> scores;        // tokenizer.ggml.scores (llama), may be empty for gpt2
    std::vector<int32_t> tokenTypes;  // tokenizer.ggml.token_type, may be empty
    std::vector<std::string> merges;  // tokenizer.ggml.merges ("a b" per line, gpt2)
    int32_t bosId = -1;
    int32_t eosId = -1;
    int32_t unkId = -1;
    bool addBos = true;               // tokenizer.ggml.add_bos_token
    bool addSpacePrefix = true;       // tokenizer.ggml.add_space_prefix (llama)
};

// Throws Error with a clear message if the vocabulary is unsupported or inconsistent
// (`source` names the file for the message).
std::shared_ptr<const Tokenizer> makeEmbeddedTokenizer(const EmbeddedVocab& vocab,
                                                       const std::string& source);

// A caveat about how makeEmbeddedTokenizer() treats this vocabulary, for the user to see (e.g.
// an unknown tokenizer.ggml.pre for which the GPT-2 pre-tokenizer is used), or "" if none.
std::string embeddedVocabNote(const EmbeddedVocab& vocab);

} // namespace qs
