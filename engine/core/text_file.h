#pragma once
// Reading evaluation texts. Errors name the file: missing, unreadable, a directory, empty, or
// not UTF-8 (byte offset of the first invalid sequence).

#include <cstdint>
#include <filesystem>
#include <string>

namespace qs {

// The whole file; `maxBytes` > 0 keeps only the first maxBytes bytes (cut back to a UTF-8
// character boundary).
std::string readTextFile(const std::filesystem::path& path, uint64_t maxBytes = 0);

// Offset of the first invalid UTF-8 byte, or npos if valid.
size_t findInvalidUtf8(const std::string& s);

} // namespace qs
