#pragma once
// Read-only memory map of a whole file. Model weights stay in the page cache and are shared,
// so opening a multi-GB model costs no copy. Bounds-checked access names the file on error.
//
//   auto file = qs::MappedFile::open("model.gguf");
//   auto header = file->bytes(0, 24);          // throws FileError if the file is shorter

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <span>

namespace qs {

class MappedFile {
public:
    // Throws FileError if the path is missing, unreadable, a directory, or empty.
    static std::shared_ptr<const MappedFile> open(const std::filesystem::path& path);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    const std::filesystem::path& path() const { return m_path; }
    uint64_t size() const { return m_size; }
    const std::byte* data() const { return m_data; }

    // [offset, offset+length) or FileError("... extends past the end of the file ...").
    std::span<const std::byte> bytes(uint64_t offset, uint64_t length) const;

    // Reads a trivially copyable value at offset (unaligned-safe, bounds-checked).
    template <typename T>
    T read(uint64_t offset) const {
        T value;
        auto b = bytes(offset, sizeof(T));
        std::memcpy(&value, b.data(), sizeof(T));
        return value;
    }

private:
    MappedFile() = default;
    std::filesystem::path m_path;
    const std::byte* m_data = nullptr;
    uint64_t m_size = 0;
};

} // namespace qs
