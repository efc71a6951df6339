#include "tokenizer/tokenizer.h"

#include "core/error.h"
#include "core/mapped_file.h"
#include "tokenizer/loaders.h"

namespace qs {

std::string Tokenizer::decode(const std::vector<int32_t>& ids) const {
    std::string text;
    // The first piece is decoded as if it followed BOS, so a SentencePiece dummy-prefix space
    // is dropped whether or not the sequence starts with BOS (as SentencePiece's own Decode does).
    int32_t previous = bosId();
    for (int32_t id : ids) {
        text += decodePiece(previous, id);
        previous = id;
    }
    return text;
}

namespace {

bool looksLikeJson(const MappedFile& file) {
    const auto* d = reinterpret_cast<const unsigned char*>(file.data());
    size_t i = 0;
    if (file.size() >= 3 && d[0] == 0xEF && d[1] == 0xBB && d[2] == 0xBF) i = 3; // UTF-8 BOM
    while (i < file.size() && (d[i] == ' ' || d[i] == '\t' || d[i] == '\n' || d[i] == '\r')) ++i;
    return i < file.size() && d[i] == '{';
}

} // namespace

std::shared_ptr<const Tokenizer> loadTokenizer(const std::filesystem::path& path) {
    const auto file = MappedFile::open(path);
    const auto ext = path.extension();
    if (ext == ".json" || looksLikeJson(*file)) return loadHfTokenizerJson(*file);
    if (ext == ".model") return loadSentencePieceModel(*file);
    // A serialized ModelProto starts with field 1 (pieces), tag byte 0x0a. A tokenizer.bin with
    // max_token_length 10 starts with that byte too, so fall back to it when protobuf fails.
    if (static_cast<uint8_t>(file->data()[0]) == 0x0a) {
        try {
            return loadSentencePieceModel(*file);
        } catch (const FileError& spm) {
            try {
                return loadLlama2cTokenizer(*file);
            } catch (const FileError& bin) {
                throw FileError(path, "neither a SentencePiece model (" + spm.problem() +
                                          ") nor a llama2.c tokenizer.bin (" + bin.problem() + ")");
            }
        }
    }
    return loadLlama2cTokenizer(*file);
}

} // namespace qs
