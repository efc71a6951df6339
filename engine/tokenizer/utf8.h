#pragma once
// UTF-8 helpers shared by the tokenizers. Validation is strict (no overlongs, no surrogates, at
// most U+10FFFF) so that text accepted here is also accepted by PCRE2 in UTF mode, which lets the
// regex pre-tokenizer skip PCRE2's own per-call check (that check would make matching quadratic).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace qs::utf8 {

// Length of the valid UTF-8 sequence that starts at s[i] (1..4), or 0 if the bytes there are
// not a valid sequence.
inline size_t sequenceLength(std::string_view s, size_t i) {
    const auto b = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
    const size_t left = s.size() - i;
    const uint8_t c = b(i);
    if (c < 0x80) return 1;
    const auto cont = [&](size_t k, uint8_t lo = 0x80, uint8_t hi = 0xBF) {
        return b(i + k) >= lo && b(i + k) <= hi;
    };
    if (c >= 0xC2 && c <= 0xDF) return left >= 2 && cont(1) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (left < 3) return 0;
        const uint8_t lo = c == 0xE0 ? 0xA0 : 0x80;
        const uint8_t hi = c == 0xED ? 0x9F : 0xBF;
        return cont(1, lo, hi) && cont(2) ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (left < 4) return 0;
        const uint8_t lo = c == 0xF0 ? 0x90 : 0x80;
        const uint8_t hi = c == 0xF4 ? 0x8F : 0xBF;
        return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
    }
    return 0;
}

// Decodes the valid sequence of length `len` at s[i] (see sequenceLength).
inline uint32_t decode(std::string_view s, size_t i, size_t len) {
    const auto b = [&](size_t k) { return static_cast<uint32_t>(static_cast<uint8_t>(s[i + k])); };
    switch (len) {
    case 1:
        return b(0);
    case 2:
        return (b(0) & 0x1F) << 6 | (b(1) & 0x3F);
    case 3:
        return (b(0) & 0x0F) << 12 | (b(1) & 0x3F) << 6 | (b(2) & 0x3F);
    default:
        return (b(0) & 0x07) << 18 | (b(1) & 0x3F) << 12 | (b(2) & 0x3F) << 6 | (b(3) & 0x3F);
    }
}

inline void append(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | cp >> 6);
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | cp >> 12);
        out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | cp >> 18);
        out += static_cast<char>(0x80 | (cp >> 12 & 0x3F));
        out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

} // namespace qs::utf8
