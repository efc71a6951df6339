#include "tokenizer/byte_unicode.h"

#include "tokenizer/utf8.h"

namespace qs {

namespace {

constexpr uint32_t kMaxCodePoint = 256 + 68; // 68 bytes are not printable Latin-1

bool printable(int b) {
    return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
}

struct Tables {
    std::array<std::string, 256> spelling;
    std::array<int16_t, kMaxCodePoint> byteOf;
    Tables() {
        byteOf.fill(-1);
        uint32_t next = 256;
        for (int b = 0; b < 256; ++b) {
            const uint32_t cp = printable(b) ? static_cast<uint32_t>(b) : next++;
            utf8::append(spelling[b], cp);
            byteOf[cp] = static_cast<int16_t>(b);
        }
    }
};

const Tables& tables() {
    static const Tables t;
    return t;
}

} // namespace

const std::array<std::string, 256>& byteToUnicode() {
    return tables().spelling;
}

int unicodeToByte(uint32_t codePoint) {
    return codePoint < kMaxCodePoint ? tables().byteOf[codePoint] : -1;
}

} // namespace qs
