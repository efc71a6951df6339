#include "core/text_file.h"

#include "core/error.h"

#include <fstream>
#include <sstream>

namespace qs {

size_t findInvalidUtf8(const std::string& s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const size_t n = s.size();
    size_t i = 0;
    while (i < n) {
        const unsigned char c = p[i];
        int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (len == 0 || i + len > n) return i;
        for (int k = 1; k < len; ++k)
            if ((p[i + k] & 0xC0) != 0x80) return i;
        i += len;
    }
    return std::string::npos;
}

std::string readTextFile(const std::filesystem::path& path, uint64_t maxBytes) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) throw FileError(path, "no such file");
    if (std::filesystem::is_directory(path, ec))
        throw FileError(path, "is a directory, expected a text file");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw FileError(path, "cannot open for reading");
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) throw FileError(path, "read error");
    std::string text = ss.str();
    if (text.empty()) throw FileError(path, "text file is empty");
    if (maxBytes > 0 && text.size() > maxBytes) {
        size_t cut = maxBytes;
        while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
        text.resize(cut);
    }
    if (size_t bad = findInvalidUtf8(text); bad != std::string::npos)
        throw FileError(path, "not valid UTF-8 text (first invalid byte at offset " +
                                  std::to_string(bad) + ")");
    return text;
}

} // namespace qs
