#include "tokenizer/byte_bpe.h"

#include "core/error.h"
#include "tokenizer/byte_unicode.h"
#include "tokenizer/utf8.h"

#include <queue>

namespace qs {

namespace {

struct Symbol {
    int32_t id; // -1: a byte the vocabulary cannot spell; never merged
    int32_t prev;
    int32_t next;
    uint32_t len; // bytes; 0 once merged into its left neighbour
};

// A pair that could be merged; stale entries are skipped when popped (lazy invalidation).
struct Candidate {
    int32_t rank;
    int32_t left;
    int32_t right;
    int32_t id;
    uint32_t len;
};

// Lowest rank first; on equal ranks (the same pair twice) the leftmost.
struct LowerPriority {
    bool operator()(const Candidate& a, const Candidate& b) const {
        if (a.rank != b.rank) return a.rank > b.rank;
        return a.left > b.left;
    }
};

uint64_t pairKey(int32_t left, int32_t right) {
    return static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32 | static_cast<uint32_t>(right);
}

// Turns a token's byte-to-unicode spelling back into bytes; characters outside the mapping
// (only in hand-made vocabularies) are kept as they are.
std::string unspell(std::string_view token) {
    std::string out;
    for (size_t i = 0; i < token.size();) {
        const size_t len = utf8::sequenceLength(token, i);
        if (len == 0) {
            out += token[i++];
            continue;
        }
        const int b = unicodeToByte(utf8::decode(token, i, len));
        if (b >= 0)
            out += static_cast<char>(b);
        else
            out.append(token.substr(i, len));
        i += len;
    }
    return out;
}

} // namespace

ByteBpeTokenizer::ByteBpeTokenizer(ByteBpeVocab vocab) : m_vocab(std::move(vocab)) {
    for (const auto& a : m_vocab.added) {
        if (a.id < 0) throw Error("added token '" + a.content + "' has a negative id");
        if (static_cast<size_t>(a.id) >= m_vocab.tokens.size()) m_vocab.tokens.resize(a.id + 1);
        if (m_vocab.tokens[a.id].empty()) m_vocab.tokens[a.id] = a.content;
    }
    if (m_vocab.tokens.empty()) throw Error("byte-level BPE vocabulary is empty");

    m_ids.reserve(m_vocab.tokens.size());
    for (size_t id = 0; id < m_vocab.tokens.size(); ++id)
        if (!m_vocab.tokens[id].empty())
            m_ids.emplace(m_vocab.tokens[id], static_cast<int32_t>(id));

    const auto& spelling = byteToUnicode();
    for (int b = 0; b < 256; ++b) m_byteIds[b] = find(spelling[b]).value_or(-1);

    m_merges.reserve(m_vocab.merges.size());
    std::string joined;
    for (size_t rank = 0; rank < m_vocab.merges.size(); ++rank) {
        const auto& [a, b] = m_vocab.merges[rank];
        joined = a + b;
        const auto left = find(a), right = find(b), merged = find(joined);
        // Hugging Face refuses such files; a merge that cannot apply is simply dropped here.
        if (!left || !right || !merged) continue;
        m_merges.try_emplace(pairKey(*left, *right), Merge{static_cast<int32_t>(rank), *merged});
    }

    m_decoded.resize(m_vocab.tokens.size());
    for (size_t id = 0; id < m_vocab.tokens.size(); ++id)
        m_decoded[id] = unspell(m_vocab.tokens[id]);
    for (const auto& a : m_vocab.added) {
        m_added.add(a.content, a.id);
        m_decoded[a.id] = a.special ? std::string() : a.content;
    }
    if (!m_vocab.pattern.empty()) m_splitter.emplace(m_vocab.pattern);
}

std::optional<int32_t> ByteBpeTokenizer::find(std::string_view token) const {
    const auto it = m_ids.find(token);
    if (it == m_ids.end()) return std::nullopt;
    return it->second;
}

void ByteBpeTokenizer::splitPieces(std::string_view segment,
                                   std::vector<std::string_view>& out) const {
    if (!m_splitter) {
        out.push_back(segment);
        return;
    }
    // The regex needs valid UTF-8; an invalid byte becomes a piece of its own.
    size_t runStart = 0;
    for (size_t i = 0; i < segment.size();) {
        const size_t len = utf8::sequenceLength(segment, i);
        if (len) {
            i += len;
            continue;
        }
        m_splitter->split(segment.substr(runStart, i - runStart), out);
        out.push_back(segment.substr(i, 1));
        runStart = ++i;
    }
    m_splitter->split(segment.substr(runStart), out);
}

void ByteBpeTokenizer::encodePiece(std::string_view piece, std::vector<int32_t>& out) const {
    const auto& spelling = byteToUnicode();
    if (m_vocab.ignoreMerges) {
        std::string spelled;
        for (char c : piece) spelled += spelling[static_cast<uint8_t>(c)];
        if (const auto id = find(spelled)) {
            out.push_back(*id);
            return;
        }
    }

    std::vector<Symbol> syms(piece.size());
    for (size_t i = 0; i < piece.size(); ++i)
        syms[i] = {m_byteIds[static_cast<uint8_t>(piece[i])], static_cast<int32_t>(i) - 1,
                   static_cast<int32_t>(i) + 1, 1};
    syms.back().next = -1;

    std::priority_queue<Candidate, std::vector<Candidate>, LowerPriority> queue;
    auto consider = [&](int32_t l, int32_t r) {
        if (l < 0 || r < 0 || syms[l].id < 0 || syms[r].id < 0) return;
        const auto it = m_merges.find(pairKey(syms[l].id, syms[r].id));
        if (it != m_merges.end())
            queue.push({it->second.rank, l, r, it->second.id, syms[l].len + syms[r].len});
    };
    for (int32_t i = 0; i + 1 < static_cast<int32_t>(syms.size()); ++i) consider(i, i + 1);
    while (!queue.empty()) {
        const Candidate c = queue.top();
        queue.pop();
        Symbol& a = syms[c.left];
        Symbol& b = syms[c.right];
        if (a.len == 0 || b.len == 0 || a.len + b.len != c.len) continue;
        a.id = c.id;
        a.len += b.len;
        a.next = b.next;
        if (b.next >= 0) syms[b.next].prev = c.left;
        b.len = 0;
        consider(a.prev, c.left);
        consider(c.left, a.next);
    }
    for (int32_t i = 0; i >= 0; i = syms[i].next) {
        if (syms[i].id >= 0)
            out.push_back(syms[i].id);
        else if (m_vocab.unkId >= 0)
            out.push_back(m_vocab.unkId);
    }
}

std::vector<int32_t> ByteBpeTokenizer::encode(std::string_view text, bool addBos) const {
    std::vector<int32_t> out;
    if (addBos && m_vocab.bosId >= 0) out.push_back(m_vocab.bosId);
    if (text.empty()) return out;

    std::vector<AddedTokenMatcher::Segment> segments;
    if (m_added.empty())
        segments.push_back({text, -1});
    else
        m_added.split(text, segments);

    PieceCache cache;
    std::vector<std::string_view> pieces;
    std::string prefixed;
    for (const auto& seg : segments) {
        if (seg.id >= 0) {
            out.push_back(seg.id);
            continue;
        }
        std::string_view body = seg.text;
        if (m_vocab.addPrefixSpace && body.front() != ' ') {
            prefixed.assign(1, ' ');
            prefixed.append(body);
            body = prefixed;
        }
        pieces.clear();
        splitPieces(body, pieces);
        for (std::string_view piece : pieces) {
            auto it = cache.find(piece);
            if (it == cache.end()) {
                std::vector<int32_t> ids;
                encodePiece(piece, ids);
                it = cache.emplace(std::string(piece), std::move(ids)).first;
            }
            out.insert(out.end(), it->second.begin(), it->second.end());
        }
    }
    return out;
}

std::string ByteBpeTokenizer::decodePiece(int32_t /*previous*/, int32_t id) const {
    if (id < 0 || id >= vocabSize()) return {};
    return m_decoded[id];
}

std::string ByteBpeTokenizer::tokenText(int32_t id) const {
    if (id < 0 || id >= vocabSize()) return {};
    return m_vocab.tokens[id];
}

} // namespace qs
