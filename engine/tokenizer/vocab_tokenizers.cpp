#include "tokenizer/vocab_tokenizers.h"

#include "core/error.h"
#include "tokenizer/byte_bpe.h"
#include "tokenizer/regex_splitter.h"
#include "tokenizer/score_bpe.h"

namespace qs {

namespace {

// tokenizer.ggml.token_type values (llama.cpp's llama_token_type).
enum GgufTokenType : int32_t {
    kNormal = 1,
    kUnknown = 2,
    kControl = 3,
    kUserDefined = 4,
    kUnused = 5,
    kByte = 6
};

struct PreTokenizer {
    const char* pattern;
    bool ignoreMerges;
    bool known;
};

PreTokenizer preTokenizerFor(const std::string& pre) {
    if (pre.empty() || pre == "default" || pre == "gpt-2" || pre == "gpt2")
        return {kGpt2Pattern, false, true};
    if (pre == "llama-bpe" || pre == "llama3" || pre == "llama-v3")
        return {kLlama3Pattern, true, true};
    if (pre == "qwen2") return {kQwen2Pattern, false, true};
    return {kGpt2Pattern, false, false};
}

void checkIds(const EmbeddedVocab& v, const std::string& source) {
    const auto n = static_cast<int32_t>(v.tokens.size());
    if (n == 0) throw FileError(source, "tokenizer.ggml.tokens is empty");
    if (!v.tokenTypes.empty() && v.tokenTypes.size() != v.tokens.size())
        throw FileError(source, "tokenizer.ggml.token_type has " +
                                    std::to_string(v.tokenTypes.size()) + " entries for " +
                                    std::to_string(n) + " tokens");
    for (auto [name, id] : {std::pair{"bos", v.bosId}, {"eos", v.eosId}, {"unk", v.unkId}})
        if (id < -1 || id >= n)
            throw FileError(source, std::string("tokenizer ") + name + " id " + std::to_string(id) +
                                        " is outside the vocabulary of " + std::to_string(n));
}

std::shared_ptr<const Tokenizer> makeLlama(const EmbeddedVocab& v, const std::string& source) {
    if (v.scores.size() != v.tokens.size())
        throw FileError(source, "tokenizer.ggml.scores has " + std::to_string(v.scores.size()) +
                                    " entries for " + std::to_string(v.tokens.size()) + " tokens");
    ScoreBpeVocab s;
    s.kind = "gguf-llama";
    s.pieces = v.tokens;
    s.scores = v.scores;
    s.spaceSymbol = "\xE2\x96\x81"; // U+2581 "▁"
    s.addSpacePrefix = v.addSpacePrefix;
    s.bosId = v.bosId;
    s.eosId = v.eosId;
    s.unkId = v.unkId;
    s.kinds.resize(v.tokens.size(), PieceKind::Normal);
    for (size_t id = 0; id < v.tokens.size(); ++id) {
        const auto tid = static_cast<int32_t>(id);
        if (v.tokenTypes.empty()) {
            if (tid == v.bosId || tid == v.eosId)
                s.kinds[id] = PieceKind::Control;
            else if (tid == v.unkId)
                s.kinds[id] = PieceKind::Unknown;
            else if (byteOfPiece(v.tokens[id]) >= 0)
                s.kinds[id] = PieceKind::Byte;
            continue;
        }
        switch (v.tokenTypes[id]) {
        case kUnknown:
            s.kinds[id] = PieceKind::Unknown;
            break;
        case kControl:
            s.kinds[id] = PieceKind::Control;
            break;
        case kUnused:
            s.kinds[id] = PieceKind::Unused;
            break;
        case kByte:
            s.kinds[id] = PieceKind::Byte;
            break;
        default:
            break; // normal and user-defined pieces both come from text
        }
    }
    return std::make_shared<ScoreBpeTokenizer>(std::move(s));
}

std::shared_ptr<const Tokenizer> makeGpt2(const EmbeddedVocab& v, const std::string& source) {
    ByteBpeVocab b;
    b.kind = "gguf-gpt2";
    b.tokens = v.tokens;
    b.bosId = v.bosId;
    b.eosId = v.eosId;
    b.unkId = v.unkId;
    b.merges.reserve(v.merges.size());
    for (const std::string& m : v.merges) {
        const size_t space = m.find(' ');
        if (space == std::string::npos || space == 0 || space + 1 == m.size())
            throw FileError(source, "tokenizer.ggml.merges entry '" + m +
                                        "' is not two tokens separated by a space");
        b.merges.emplace_back(m.substr(0, space), m.substr(space + 1));
    }
    for (size_t id = 0; id < v.tokenTypes.size(); ++id) {
        const int32_t type = v.tokenTypes[id];
        if (type == kControl || type == kUserDefined)
            b.added.push_back({v.tokens[id], static_cast<int32_t>(id), type == kControl});
    }
    const PreTokenizer pre = preTokenizerFor(v.pre);
    b.pattern = pre.pattern;
    b.ignoreMerges = pre.ignoreMerges;
    return std::make_shared<ByteBpeTokenizer>(std::move(b));
}

} // namespace

std::shared_ptr<const Tokenizer> makeEmbeddedTokenizer(const EmbeddedVocab& vocab,
                                                       const std::string& source) {
    if (vocab.model != "llama" && vocab.model != "gpt2")
        throw FileError(source, "tokenizer model '" + vocab.model + "' is not supported");
    checkIds(vocab, source);
    try {
        return vocab.model == "llama" ? makeLlama(vocab, source) : makeGpt2(vocab, source);
    } catch (const FileError&) {
        throw;
    } catch (const Error& e) {
        throw FileError(source, e.what());
    }
}

std::string embeddedVocabNote(const EmbeddedVocab& vocab) {
    if (vocab.model == "gpt2" && !preTokenizerFor(vocab.pre).known)
        return "unknown tokenizer.ggml.pre '" + vocab.pre + "': the GPT-2 pre-tokenizer is used";
    return {};
}

} // namespace qs
