#include "tokenizer/score_bpe.h"

#include "core/error.h"
#include "tokenizer/utf8.h"

#include <limits>
#include <optional>
#include <queue>

namespace qs {

namespace {

// A run of the normalized text that is currently one token; merged-away symbols have len 0.
struct Symbol {
    uint32_t start;
    uint32_t len;
    int32_t prev;
    int32_t next;
    int32_t id; // -1: not a piece, emitted as byte pieces and never merged
};

// A pair that could be merged. Stale entries (either side changed since the push) are skipped
// when popped instead of being removed, which is what keeps each merge O(log n).
struct Candidate {
    float score;
    int32_t left;
    int32_t right;
    int32_t id;
    uint32_t len;
};

// Highest score first; on equal scores the leftmost pair, as llama2.c's linear scan picks it.
struct LowerPriority {
    bool operator()(const Candidate& a, const Candidate& b) const {
        if (a.score != b.score) return a.score < b.score;
        return a.left > b.left;
    }
};

int hexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// True if a space symbol follows something other than leading space symbols, i.e. the piece
// could join a word to the run of spaces after it.
bool spaceInsideWord(std::string_view piece, std::string_view space) {
    size_t i = 0;
    while (piece.substr(i).starts_with(space)) i += space.size();
    return piece.find(space, i) != std::string_view::npos;
}

} // namespace

int byteOfPiece(std::string_view piece) {
    if (piece.size() != 6 || !piece.starts_with("<0x") || piece[5] != '>') return -1;
    const int hi = hexDigit(piece[3]);
    const int lo = hexDigit(piece[4]);
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

ScoreBpeTokenizer::ScoreBpeTokenizer(ScoreBpeVocab vocab) : m_vocab(std::move(vocab)) {
    const size_t n = m_vocab.pieces.size();
    if (n == 0) throw Error("score BPE vocabulary is empty");
    if (m_vocab.scores.size() != n || m_vocab.kinds.size() != n)
        throw Error("score BPE vocabulary has " + std::to_string(n) + " pieces but " +
                    std::to_string(m_vocab.scores.size()) + " scores and " +
                    std::to_string(m_vocab.kinds.size()) + " kinds");
    if (m_vocab.spaceSymbol.empty()) throw Error("score BPE vocabulary has no space symbol");

    std::fill(std::begin(m_byteIds), std::end(m_byteIds), -1);
    m_pieceIds.reserve(n);
    m_decoded.resize(n);
    for (size_t id = 0; id < n; ++id) {
        const std::string& piece = m_vocab.pieces[id];
        const auto tid = static_cast<int32_t>(id);
        switch (m_vocab.kinds[id]) {
        case PieceKind::Byte:
            if (const int b = byteOfPiece(piece); b >= 0) {
                if (m_byteIds[b] < 0) m_byteIds[b] = tid;
                m_decoded[id] = std::string(1, static_cast<char>(b));
            } else {
                m_decoded[id] = piece;
            }
            break;
        case PieceKind::Control:
            break;
        case PieceKind::Unknown:
            m_decoded[id] = piece;
            break;
        case PieceKind::Normal:
        case PieceKind::Unused: {
            // Only normal pieces are reachable from text: SentencePiece never turns the text
            // "<s>" or "<0x0A>" into a control or byte token.
            if (m_vocab.kinds[id] == PieceKind::Normal) {
                m_pieceIds.emplace(piece, tid);
                if (m_wordsAreIndependent && spaceInsideWord(piece, m_vocab.spaceSymbol))
                    m_wordsAreIndependent = false;
            }
            std::string& out = m_decoded[id];
            const std::string& space = m_vocab.spaceSymbol;
            for (size_t i = 0; i < piece.size();) {
                if (piece.compare(i, space.size(), space) == 0) {
                    out += ' ';
                    i += space.size();
                } else {
                    out += piece[i++];
                }
            }
            break;
        }
        }
    }
}

int32_t ScoreBpeTokenizer::lookup(std::string_view piece) const {
    const auto it = m_pieceIds.find(piece);
    return it == m_pieceIds.end() ? -1 : it->second;
}

std::vector<int32_t> ScoreBpeTokenizer::encode(std::string_view text, bool addBos) const {
    std::vector<int32_t> out;
    if (addBos && m_vocab.bosId >= 0) out.push_back(m_vocab.bosId);
    if (text.empty()) return out;
    if (text.size() >= std::numeric_limits<uint32_t>::max() / 4)
        throw Error("text too long to tokenize (" + std::to_string(text.size()) + " bytes)");

    const std::string& space = m_vocab.spaceSymbol;
    std::string norm;
    norm.reserve(text.size() + space.size());
    if (m_vocab.addSpacePrefix) norm += space;
    if (space == " ") {
        norm += text;
    } else {
        for (char c : text) c == ' ' ? norm += space : norm += c;
    }
    if (!m_wordsAreIndependent) {
        encodeRun(norm, out);
        return out;
    }

    // No piece spans the start of a run of spaces, so the words between such starts are merged
    // independently of each other, and a repeated word gives the same ids again.
    std::unordered_map<std::string_view, std::vector<int32_t>> cache;
    auto flush = [&](size_t begin, size_t end) {
        const std::string_view word = std::string_view(norm).substr(begin, end - begin);
        auto it = cache.find(word);
        if (it == cache.end()) {
            std::vector<int32_t> ids;
            encodeRun(word, ids);
            it = cache.emplace(word, std::move(ids)).first;
        }
        out.insert(out.end(), it->second.begin(), it->second.end());
    };
    size_t wordStart = 0;
    bool afterSpace = false;
    for (size_t p = 0; p < norm.size();) {
        if (norm[p] == space[0] && norm.compare(p, space.size(), space) == 0) {
            if (!afterSpace && p > wordStart) {
                flush(wordStart, p);
                wordStart = p;
            }
            afterSpace = true;
            p += space.size();
        } else {
            afterSpace = false;
            ++p;
        }
    }
    flush(wordStart, norm.size());
    return out;
}

void ScoreBpeTokenizer::encodeRun(std::string_view norm, std::vector<int32_t>& out) const {
    std::vector<Symbol> syms;
    syms.reserve(norm.size());
    for (size_t i = 0; i < norm.size();) {
        size_t len = utf8::sequenceLength(norm, i);
        if (len == 0) len = 1; // an invalid byte stands alone and falls back to its byte piece
        const auto index = static_cast<int32_t>(syms.size());
        syms.push_back({static_cast<uint32_t>(i), static_cast<uint32_t>(len), index - 1, index + 1,
                        lookup(norm.substr(i, len))});
        i += len;
    }
    syms.back().next = -1;

    auto candidate = [&](int32_t l, int32_t r) -> std::optional<Candidate> {
        if (l < 0 || r < 0) return std::nullopt;
        const Symbol& a = syms[l];
        const Symbol& b = syms[r];
        if (a.id < 0 || b.id < 0) return std::nullopt;
        const int32_t id = lookup(norm.substr(a.start, a.len + b.len));
        if (id < 0) return std::nullopt;
        return Candidate{m_vocab.scores[id], l, r, id, a.len + b.len};
    };
    std::vector<Candidate> initial;
    initial.reserve(syms.size());
    for (int32_t i = 0; i + 1 < static_cast<int32_t>(syms.size()); ++i)
        if (auto c = candidate(i, i + 1)) initial.push_back(*c);
    // Heapifying the initial pairs at once is O(n); pushing them one by one would be O(n log n).
    std::priority_queue<Candidate, std::vector<Candidate>, LowerPriority> queue(LowerPriority{},
                                                                                std::move(initial));
    while (!queue.empty()) {
        const Candidate c = queue.top();
        queue.pop();
        Symbol& a = syms[c.left];
        Symbol& b = syms[c.right];
        if (a.len == 0 || b.len == 0 || a.len + b.len != c.len) continue;
        a.len += b.len;
        a.id = c.id;
        a.next = b.next;
        if (b.next >= 0) syms[b.next].prev = c.left;
        b.len = 0;
        if (auto left = candidate(a.prev, c.left)) queue.push(*left);
        if (auto right = candidate(c.left, a.next)) queue.push(*right);
    }

    for (int32_t i = 0; i >= 0; i = syms[i].next) {
        const Symbol& s = syms[i];
        if (s.id >= 0) {
            out.push_back(s.id);
            continue;
        }
        for (uint32_t k = 0; k < s.len; ++k) {
            const int32_t id = m_byteIds[static_cast<uint8_t>(norm[s.start + k])];
            // A vocabulary without byte pieces loses such bytes to <unk> (or drops them).
            if (id >= 0)
                out.push_back(id);
            else if (m_vocab.unkId >= 0)
                out.push_back(m_vocab.unkId);
        }
    }
}

std::string ScoreBpeTokenizer::decodePiece(int32_t previous, int32_t id) const {
    if (id < 0 || id >= vocabSize()) return {};
    const std::string& s = m_decoded[id];
    // The dummy prefix: a text's first piece carries a space the text did not have.
    if (previous >= 0 && previous == m_vocab.bosId && m_vocab.kinds[id] == PieceKind::Normal &&
        m_vocab.pieces[id].starts_with(m_vocab.spaceSymbol))
        return s.substr(1);
    return s;
}

std::string ScoreBpeTokenizer::tokenText(int32_t id) const {
    if (id < 0 || id >= vocabSize()) return {};
    return m_vocab.pieces[id];
}

} // namespace qs
