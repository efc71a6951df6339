#pragma once
// SHA-256 (FIPS 180-4) of a buffer or a file, for fingerprinting the model and texts a session
// refers to. Self-contained so the engine needs no crypto library; a file is streamed in 1 MiB
// reads, so multi-GB models cost no extra memory.
//
//   std::string hex = qs::sha256FileHex("model.bin");   // 64 lower-case hex digits
//   qs::Sha256 h; h.update(p, n); auto digest = h.finish();

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace qs {

class Feedback;

class Sha256 {
public:
    using Digest = std::array<uint8_t, 32>;
    Sha256();
    void update(const void* data, size_t size);
    void update(std::string_view s) { update(s.data(), s.size()); }
    // Pads and returns the digest; the object is then reset for reuse.
    Digest finish();

private:
    void compress(const uint8_t* block);
    std::array<uint32_t, 8> m_state;
    std::array<uint8_t, 64> m_buffer{};
    size_t m_buffered = 0;
    uint64_t m_totalBytes = 0;
};

std::string toHex(const Sha256::Digest& d);
std::string sha256Hex(const void* data, size_t size);
inline std::string sha256Hex(std::string_view s) {
    return sha256Hex(s.data(), s.size());
}

// Hash of a regular file. Throws FileError naming the file if it cannot be opened or read;
// checks Feedback between reads (throws Canceled) and reports progress.
std::string sha256FileHex(const std::filesystem::path& path, Feedback* feedback = nullptr);

} // namespace qs
