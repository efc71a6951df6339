#pragma once
// Reads the structure of a GGUF file (v2 or v3): KV metadata, tensor infos and where each
// tensor's data lies in the memory-mapped file. Everything is validated against the file size
// on open, so a truncated or corrupt file is a FileError here and never a crash later. Tensor
// data is not touched (a multi-GB file opens in milliseconds).
//
//   qs::GgufFile gguf = qs::GgufFile::open("model.gguf");
//   if (const qs::GgufValue* v = gguf.find("general.architecture")) arch = v->toString();
//   for (const qs::GgufTensorInfo& t : gguf.tensors()) use(t.name, gguf.tensorData(t));

#include "core/mapped_file.h"
#include "model/gguf_types.h"

#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace qs {

constexpr uint32_t kGgufMagic = 0x46554747; // "GGUF" read as little-endian uint32
constexpr uint64_t kGgufDefaultAlignment = 32;

struct GgufTensorInfo {
    std::string name;
    std::vector<uint64_t> ne; // dimensions, ne[0] first (ne[0] is the row length)
    uint32_t typeId = 0;      // ggml type id (validated: ggmlTypeInfo(typeId) != nullptr)
    uint64_t offset = 0;      // relative to the start of the data section
    uint64_t byteSize = 0;

    uint64_t elementCount() const;
    // Row-major shape: {ne1, ne0} for a matrix, {ne0} for a vector (reverse of ne).
    std::vector<int64_t> shape() const;
};

class GgufFile {
public:
    // Throws FileError naming the file and the first problem found.
    static GgufFile open(const std::filesystem::path& path);
    static GgufFile parse(std::shared_ptr<const MappedFile> file);

    const std::filesystem::path& path() const { return m_file->path(); }
    const std::shared_ptr<const MappedFile>& file() const { return m_file; }
    uint32_t version() const { return m_version; }
    uint64_t alignment() const { return m_alignment; }
    uint64_t dataOffset() const { return m_dataOffset; } // absolute start of the data section

    // KVs in file order.
    const std::vector<std::pair<std::string, GgufValue>>& kvs() const { return m_kvs; }
    const GgufValue* find(std::string_view key) const;

    const std::vector<GgufTensorInfo>& tensors() const { return m_tensors; }
    const GgufTensorInfo* findTensor(std::string_view name) const;
    // The tensor's bytes inside the mapping (bounds were checked on open).
    std::span<const std::byte> tensorData(const GgufTensorInfo& t) const;

private:
    std::shared_ptr<const MappedFile> m_file;
    uint32_t m_version = 0;
    uint64_t m_alignment = kGgufDefaultAlignment;
    uint64_t m_dataOffset = 0;
    std::vector<std::pair<std::string, GgufValue>> m_kvs;
    std::vector<GgufTensorInfo> m_tensors;
};

} // namespace qs
