#pragma once
// Writes a GGUF v3 file: KV metadata (every value type, arrays included) and tensors, with the
// data section and every tensor aligned to general.alignment. Tensor bytes are either owned by
// the writer or produced on demand while writing, so a large synthetic model need not be held
// in memory at once.
//
//   qs::GgufWriter w;
//   w.setKv("general.architecture", qs::GgufValue::string("llama"));
//   w.addTensor("token_embd.weight", {64, 512}, qs::DType::F16, floats);  // converts
//   w.write("out.gguf");                                                    // throws FileError

#include "core/dtype.h"
#include "model/gguf_types.h"

#include <cstddef>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace qs {

class GgufWriter {
public:
    // Fills exactly dst.size() bytes of one tensor's data.
    using Producer = std::function<void(std::span<std::byte> dst)>;

    // `alignment` must be a power of two; a value other than 32 is also stored as
    // general.alignment so readers find it.
    explicit GgufWriter(uint32_t alignment = 32);

    // Adds or replaces a KV; new keys keep insertion order.
    void setKv(const std::string& key, GgufValue value);
    const std::vector<std::pair<std::string, GgufValue>>& kvs() const { return m_kvs; }

    // ne is in GGUF order (ne[0] = row length). The tensor's byte size follows from ggmlType
    // and ne; the bytes are copied/moved in. Throws Error on a size mismatch or duplicate name.
    void addTensor(const std::string& name, std::vector<uint64_t> ne, uint32_t ggmlType,
                   std::vector<std::byte> data);
    // Same, with the bytes produced while writing.
    void addTensor(const std::string& name, std::vector<uint64_t> ne, uint32_t ggmlType,
                   Producer producer);
    // Encodes fp32 values in any DType (ggml's reference quantizers for the block types).
    void addTensor(const std::string& name, std::vector<uint64_t> ne, DType type,
                   std::span<const float> values);

    // Writes to `path` (via a temporary file renamed into place). Throws FileError.
    void write(const std::filesystem::path& path) const;

private:
    struct Tensor {
        std::string name;
        std::vector<uint64_t> ne;
        uint32_t type;
        uint64_t bytes;
        Producer producer;
    };
    void writeTo(const std::filesystem::path& tmp, const std::filesystem::path& path) const;
    uint64_t checkedBytes(const std::string& name, const std::vector<uint64_t>& ne,
                          uint32_t type) const;

    uint32_t m_alignment;
    std::vector<std::pair<std::string, GgufValue>> m_kvs;
    std::vector<Tensor> m_tensors;
};

// Encodes fp32 values into the storage type (block types need a multiple of the block size;
// Q4_0 .. Q6_K use ggmlQuantizeRows). Shared with tests and the synthetic-model writer.
std::vector<std::byte> encodeFloats(DType type, std::span<const float> values);

} // namespace qs
