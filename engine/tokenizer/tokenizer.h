#pragma once
// Text <-> token ids. Implementations: llama2.c tokenizer.bin and GGUF "llama" vocabularies
// (score-ordered BPE with byte fallback), SentencePiece tokenizer.model (libsentencepiece), and
// byte-level BPE from Hugging Face tokenizer.json or GGUF "gpt2" vocabularies.
//
//   auto tok = qs::loadTokenizer("tokenizer.bin");
//   std::vector<int32_t> ids = tok->encode("Once upon a time", /*addBos=*/true);
//   std::string text = tok->decode(ids);

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace qs {

class Tokenizer {
public:
    virtual ~Tokenizer() = default;
    virtual std::string kind() const = 0; // "llama2c", "sentencepiece", "bpe", "gguf-llama", ...
    virtual int32_t vocabSize() const = 0;
    virtual int32_t bosId() const = 0;    // -1 if none
    virtual int32_t eosId() const = 0;    // -1 if none
    // Encodes the whole text at once. O(n log n) in the text length.
    virtual std::vector<int32_t> encode(std::string_view text, bool addBos) const = 0;
    // Bytes of one token as it appears in text when it follows `previous` (so a leading space
    // after BOS can be dropped, and byte tokens yield raw bytes). Concatenating the pieces of a
    // sequence gives its UTF-8 text.
    virtual std::string decodePiece(int32_t previous, int32_t id) const = 0;
    // The vocabulary entry as stored (for display), e.g. "▁the" or "<0x0A>".
    virtual std::string tokenText(int32_t id) const = 0;

    std::string decode(const std::vector<int32_t>& ids) const;
};

// Loads a standalone tokenizer file, by content: llama2.c tokenizer.bin, SentencePiece
// tokenizer.model, or Hugging Face tokenizer.json. Throws FileError.
std::shared_ptr<const Tokenizer> loadTokenizer(const std::filesystem::path& path);

} // namespace qs
