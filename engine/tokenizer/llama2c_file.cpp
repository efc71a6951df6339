#include "core/error.h"
#include "tokenizer/loaders.h"
#include "tokenizer/score_bpe.h"

#include <cmath>

namespace qs {

namespace {
// Generous: real exports have at most a few dozen bytes per piece. A larger value means the
// file is not a tokenizer.bin at all.
constexpr int32_t kMaxPieceLength = 1 << 16;
} // namespace

std::shared_ptr<const Tokenizer> loadLlama2cTokenizer(const MappedFile& file) {
    const auto& path = file.path();
    const uint64_t size = file.size();
    if (size < 4) throw FileError(path, "too short for a llama2.c tokenizer.bin");
    const auto maxLen = file.read<int32_t>(0);
    if (maxLen <= 0 || maxLen > kMaxPieceLength)
        throw FileError(path, "not a llama2.c tokenizer.bin (max_token_length " +
                                  std::to_string(maxLen) + ")");

    ScoreBpeVocab v;
    v.kind = "llama2c";
    v.spaceSymbol = " ";
    uint64_t offset = 4;
    while (offset < size) {
        const std::string at = "token " + std::to_string(v.pieces.size());
        if (size - offset < 8) throw FileError(path, "truncated at " + at);
        const auto score = file.read<float>(offset);
        const auto len = file.read<int32_t>(offset + 4);
        if (std::isnan(score)) throw FileError(path, at + " has a NaN score");
        if (len < 0 || len > maxLen)
            throw FileError(path, at + " has length " + std::to_string(len) + ", outside 0.." +
                                      std::to_string(maxLen) +
                                      " (max_token_length); the file is corrupt");
        if (size - offset - 8 < static_cast<uint64_t>(len))
            throw FileError(path, "truncated at " + at);
        const auto bytes = file.bytes(offset + 8, static_cast<uint64_t>(len));
        v.pieces.emplace_back(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        v.scores.push_back(score);
        offset += 8 + static_cast<uint64_t>(len);
    }
    if (v.pieces.size() < 3)
        throw FileError(path, "has " + std::to_string(v.pieces.size()) +
                                  " tokens; a llama2.c vocabulary starts with unk, bos, eos");

    v.unkId = 0;
    v.bosId = 1;
    v.eosId = 2;
    v.kinds.resize(v.pieces.size(), PieceKind::Normal);
    v.kinds[0] = PieceKind::Unknown;
    v.kinds[1] = v.kinds[2] = PieceKind::Control;
    for (size_t id = 3; id < v.pieces.size(); ++id)
        if (byteOfPiece(v.pieces[id]) >= 0) v.kinds[id] = PieceKind::Byte;
    return std::make_shared<ScoreBpeTokenizer>(std::move(v));
}

} // namespace qs
