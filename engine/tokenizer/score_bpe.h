#pragma once
// Score-ordered BPE with byte fallback: the SentencePiece-BPE encoding rule that llama2.c
// tokenizer.bin files and GGUF "llama" vocabularies both use. One implementation serves both;
// they differ only in how a space is spelled inside the pieces (" " vs "▁").
//
//   ScoreBpeVocab v;  v.pieces = ...; v.scores = ...; v.kinds = ...;  v.spaceSymbol = "▁";
//   ScoreBpeTokenizer tok(std::move(v));   // throws Error if the vocabulary is inconsistent
//
// Encoding: a dummy-prefix space, one symbol per UTF-8 code point (a code point that is not a
// piece becomes `<0xXX>` byte pieces that never merge), then repeatedly merge the adjacent pair
// whose concatenation is a piece of highest score, leftmost on ties. A priority queue of
// candidate pairs with lazy invalidation over a linked list of symbols keeps it O(n log n).
// When no piece can span the start of a run of spaces (checked on construction), each word is
// merged on its own and repeated words come from a per-call cache; the ids are the same.

#include "tokenizer/tokenizer.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace qs {

// What a vocabulary entry is; only Normal pieces can be produced by merging text.
enum class PieceKind : uint8_t { Normal, Unknown, Control, Byte, Unused };

struct ScoreBpeVocab {
    std::string kind;                // reported by Tokenizer::kind()
    std::vector<std::string> pieces; // by id, spaces spelled as spaceSymbol
    std::vector<float> scores;       // by id
    std::vector<PieceKind> kinds;    // by id
    std::string spaceSymbol = " ";
    bool addSpacePrefix = true;
    int32_t bosId = -1;
    int32_t eosId = -1;
    int32_t unkId = -1;
};

// 0..255 if `piece` is exactly "<0xXX>" (hex digits in either case), else -1.
int byteOfPiece(std::string_view piece);

class ScoreBpeTokenizer final : public Tokenizer {
public:
    explicit ScoreBpeTokenizer(ScoreBpeVocab vocab);

    std::string kind() const override { return m_vocab.kind; }
    int32_t vocabSize() const override { return static_cast<int32_t>(m_vocab.pieces.size()); }
    int32_t bosId() const override { return m_vocab.bosId; }
    int32_t eosId() const override { return m_vocab.eosId; }
    std::vector<int32_t> encode(std::string_view text, bool addBos) const override;
    std::string decodePiece(int32_t previous, int32_t id) const override;
    std::string tokenText(int32_t id) const override;
    // The vocabulary as constructed (exporters embed it in GGUF files).
    const ScoreBpeVocab& vocab() const { return m_vocab; }

private:
    int32_t lookup(std::string_view piece) const;
    // The merge loop over one run of normalized text; appends its ids.
    void encodeRun(std::string_view norm, std::vector<int32_t>& out) const;

    ScoreBpeVocab m_vocab;
    // Views into m_vocab.pieces, which never changes after construction.
    std::unordered_map<std::string_view, int32_t> m_pieceIds;
    int32_t m_byteIds[256];
    std::vector<std::string> m_decoded; // what each id contributes to text
    // No piece has a space symbol after a non-space (true of SentencePiece vocabularies trained
    // with split_by_whitespace): then words can be merged and cached one at a time.
    bool m_wordsAreIndependent = true;
};

} // namespace qs
