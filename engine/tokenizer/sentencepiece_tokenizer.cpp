// SentencePiece tokenizer.model through libsentencepiece. Encoding is the library's own, so this
// is the reference the llama2.c-format BPE is checked against.

#include "core/error.h"
#include "tokenizer/loaders.h"
#include "tokenizer/score_bpe.h"

#include <sentencepiece_processor.h>

namespace qs {

namespace {

const std::string kSpaceSymbol = "\xE2\x96\x81"; // U+2581 "▁"

class SentencePieceTokenizer final : public Tokenizer {
public:
    explicit SentencePieceTokenizer(std::unique_ptr<sentencepiece::SentencePieceProcessor> sp)
        : m_sp(std::move(sp)) {
        const int n = m_sp->GetPieceSize();
        m_decoded.resize(static_cast<size_t>(n));
        m_dropsSpaceAfterBos.resize(static_cast<size_t>(n), false);
        for (int id = 0; id < n; ++id) {
            const std::string& piece = m_sp->IdToPiece(id);
            std::string& out = m_decoded[static_cast<size_t>(id)];
            if (m_sp->IsControl(id)) continue;
            if (m_sp->IsByte(id)) {
                const int b = byteOfPiece(piece);
                out = b >= 0 ? std::string(1, static_cast<char>(b)) : piece;
                continue;
            }
            if (m_sp->IsUnknown(id)) {
                out = piece;
                continue;
            }
            for (size_t i = 0; i < piece.size();) {
                if (piece.compare(i, kSpaceSymbol.size(), kSpaceSymbol) == 0) {
                    out += ' ';
                    i += kSpaceSymbol.size();
                } else {
                    out += piece[i++];
                }
            }
            m_dropsSpaceAfterBos[static_cast<size_t>(id)] = piece.starts_with(kSpaceSymbol);
        }
    }

    std::string kind() const override { return "sentencepiece"; }
    int32_t vocabSize() const override { return m_sp->GetPieceSize(); }
    int32_t bosId() const override { return m_sp->bos_id(); }
    int32_t eosId() const override { return m_sp->eos_id(); }

    std::vector<int32_t> encode(std::string_view text, bool addBos) const override {
        std::vector<int32_t> out;
        if (addBos && bosId() >= 0) out.push_back(bosId());
        if (text.empty()) return out;
        std::vector<int> ids;
        const auto status = m_sp->Encode(text, &ids);
        if (!status.ok()) throw Error("sentencepiece: cannot encode text: " + status.ToString());
        out.insert(out.end(), ids.begin(), ids.end());
        return out;
    }

    std::string decodePiece(int32_t previous, int32_t id) const override {
        if (id < 0 || id >= vocabSize()) return {};
        const std::string& s = m_decoded[static_cast<size_t>(id)];
        if (previous >= 0 && previous == bosId() && m_dropsSpaceAfterBos[static_cast<size_t>(id)])
            return s.substr(1);
        return s;
    }

    std::string tokenText(int32_t id) const override {
        if (id < 0 || id >= vocabSize()) return {};
        return m_sp->IdToPiece(id);
    }

private:
    std::unique_ptr<sentencepiece::SentencePieceProcessor> m_sp;
    std::vector<std::string> m_decoded;
    std::vector<bool> m_dropsSpaceAfterBos;
};

} // namespace

std::shared_ptr<const Tokenizer> loadSentencePieceModel(const MappedFile& file) {
    auto sp = std::make_unique<sentencepiece::SentencePieceProcessor>();
    const std::string_view bytes(reinterpret_cast<const char*>(file.data()), file.size());
    const auto status = sp->LoadFromSerializedProto(bytes);
    if (!status.ok()) {
        // The library reports a protobuf failure as a source location; say it plainly.
        const std::string why = status.ToString();
        throw FileError(file.path(), "not a valid SentencePiece model" +
                                         (why.find("ParseFrom") != std::string::npos
                                              ? std::string(" (not a ModelProto protobuf)")
                                              : ": " + why));
    }
    if (sp->GetPieceSize() <= 0) throw FileError(file.path(), "SentencePiece model has no pieces");
    return std::make_shared<SentencePieceTokenizer>(std::move(sp));
}

} // namespace qs
