#pragma once
// Reads the structure of a .safetensors file: u64 little-endian header length N, N bytes of
// JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}, then the data.
// Everything is checked against the file size on open (offsets inside the data section,
// consistent with dtype x shape, no overlaps); tensor bytes stay in the mapping.
//
//   auto st = qs::SafetensorsFile::open("model.safetensors");
//   const qs::SafetensorsTensor* t = st.find("model.norm.weight");
//   std::span<const std::byte> bytes = st.tensorData(*t);

#include "core/mapped_file.h"

#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace qs {

struct SafetensorsTensor {
    std::string name;
    std::string dtype;          // as stored: "F32", "BF16", "I64", ...
    std::vector<int64_t> shape; // row-major
    uint64_t begin = 0;         // byte range relative to the data section
    uint64_t end = 0;
    uint64_t elementCount() const;
};

class SafetensorsFile {
public:
    // Throws FileError naming the file and the first problem.
    static SafetensorsFile open(const std::filesystem::path& path);

    const std::filesystem::path& path() const { return m_file->path(); }
    const std::shared_ptr<const MappedFile>& file() const { return m_file; }
    uint64_t dataOffset() const { return m_dataOffset; }
    const std::vector<SafetensorsTensor>& tensors() const { return m_tensors; } // sorted by name
    const SafetensorsTensor* find(const std::string& name) const;
    const std::map<std::string, std::string>& metadata() const { return m_metadata; }
    std::span<const std::byte> tensorData(const SafetensorsTensor& t) const;

private:
    std::shared_ptr<const MappedFile> m_file;
    uint64_t m_dataOffset = 0;
    std::vector<SafetensorsTensor> m_tensors;
    std::map<std::string, std::string> m_metadata;
};

// Bytes per element of a safetensors dtype name; 0 if unknown.
uint64_t safetensorsDtypeSize(const std::string& dtype);

} // namespace qs
