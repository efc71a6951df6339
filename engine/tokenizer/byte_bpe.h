#pragma once
// Byte-level BPE (GPT-2, Llama 3, Qwen2): added tokens are cut out of the text, the rest is split
// by the pre-tokenizer regex, each piece is spelled with GPT-2's byte-to-unicode mapping and its
// bytes are merged by merge rank (lowest first, leftmost on ties) with a priority queue.
// Pieces repeat a lot in real text, so each encode() call caches the ids per distinct piece.
//
//   ByteBpeVocab v;  v.tokens = ...;  v.merges = {{"Ġ", "t"}, ...};  v.pattern = kGpt2Pattern;
//   ByteBpeTokenizer tok(std::move(v));   // throws Error if the pattern does not compile

#include "tokenizer/added_tokens.h"
#include "tokenizer/regex_splitter.h"
#include "tokenizer/tokenizer.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace qs {

struct ByteBpeVocab {
    struct Added {
        std::string content;
        int32_t id;
        bool special; // special tokens decode to "" (like control tokens)
    };
    std::string kind;                                        // reported by Tokenizer::kind()
    std::vector<std::string> tokens;                         // by id, byte-to-unicode spelling
    std::vector<std::pair<std::string, std::string>> merges; // by rank
    std::vector<Added> added;                                // cut out of the text first
    std::string pattern;         // pre-tokenizer regex; empty: each segment is one piece
    bool addPrefixSpace = false; // ByteLevel add_prefix_space: a space before each segment
    bool ignoreMerges = false;   // a piece that is itself a token is not merged (Llama 3)
    int32_t bosId = -1;
    int32_t eosId = -1;
    int32_t unkId = -1;
};

class ByteBpeTokenizer final : public Tokenizer {
public:
    explicit ByteBpeTokenizer(ByteBpeVocab vocab);

    std::string kind() const override { return m_vocab.kind; }
    int32_t vocabSize() const override { return static_cast<int32_t>(m_vocab.tokens.size()); }
    int32_t bosId() const override { return m_vocab.bosId; }
    int32_t eosId() const override { return m_vocab.eosId; }
    std::vector<int32_t> encode(std::string_view text, bool addBos) const override;
    std::string decodePiece(int32_t previous, int32_t id) const override;
    std::string tokenText(int32_t id) const override;

    // The id of a token in its byte-to-unicode spelling, if any.
    std::optional<int32_t> find(std::string_view token) const;

private:
    struct Merge {
        int32_t rank;
        int32_t id;
    };
    struct Hash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    using PieceCache = std::unordered_map<std::string, std::vector<int32_t>, Hash, std::equal_to<>>;

    void splitPieces(std::string_view segment, std::vector<std::string_view>& out) const;
    void encodePiece(std::string_view piece, std::vector<int32_t>& out) const;

    ByteBpeVocab m_vocab;
    std::unordered_map<std::string, int32_t, Hash, std::equal_to<>> m_ids;
    std::unordered_map<uint64_t, Merge> m_merges; // key: left id << 32 | right id
    int32_t m_byteIds[256];
    std::vector<std::string> m_decoded;
    AddedTokenMatcher m_added;
    std::optional<RegexSplitter> m_splitter;
};

} // namespace qs
