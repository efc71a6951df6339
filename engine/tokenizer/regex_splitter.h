#pragma once
// The regex pre-tokenizer of byte-level BPE: PCRE2 in UTF + UCP mode (so \p{L}, \s, ... are
// Unicode-aware as in Hugging Face tokenizers), JIT-compiled when the platform supports it.
// Text between matches is kept as pieces too (Hugging Face Split, behavior "Isolated").
//
//   RegexSplitter split(kGpt2Pattern);
//   std::vector<std::string_view> words;
//   split.split("Hello world", words);    // {"Hello", " world"}

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace qs {

// Pre-tokenizer patterns of known vocabularies (as in their tokenizer.json files).
extern const char* const kGpt2Pattern;
extern const char* const kLlama3Pattern;
extern const char* const kQwen2Pattern;

class RegexSplitter {
public:
    // Throws Error with PCRE2's message and offset if the pattern does not compile.
    explicit RegexSplitter(const std::string& pattern);
    ~RegexSplitter();
    RegexSplitter(const RegexSplitter&) = delete;
    RegexSplitter& operator=(const RegexSplitter&) = delete;

    const std::string& pattern() const { return m_pattern; }
    // Appends the pieces of `text` to `out` (views into text). `text` must be valid UTF-8 as
    // utf8::sequenceLength defines it: the per-match UTF check is skipped for speed. Thread-safe.
    void split(std::string_view text, std::vector<std::string_view>& out) const;

private:
    struct Compiled;
    std::string m_pattern;
    std::unique_ptr<Compiled> m_compiled;
};

} // namespace qs
