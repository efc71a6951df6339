#pragma once
// GPT-2's bytes_to_unicode(): byte-level BPE vocabularies spell every byte as a printable code
// point (printable Latin-1 bytes as themselves, the rest as U+0100 upwards; a space is "Ġ").

#include <array>
#include <cstdint>
#include <string>

namespace qs {

// The UTF-8 spelling of each byte.
const std::array<std::string, 256>& byteToUnicode();
// The byte a code point spells, or -1 if it is not part of the mapping.
int unicodeToByte(uint32_t codePoint);

} // namespace qs
