#include "model/gguf_writer.h"

#include "core/error.h"
#include "ggml/ggml_quants.h"
#include "model/gguf_reader.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <memory>

namespace qs {

namespace {

class Out {
public:
    explicit Out(std::ofstream& s) : m_s(s) {}
    void raw(const void* p, size_t n) {
        m_s.write(static_cast<const char*>(p), static_cast<std::streamsize>(n));
        m_pos += n;
    }
    template <typename T>
    void put(T v) {
        raw(&v, sizeof v);
    }
    void string(const std::string& s) {
        put<uint64_t>(s.size());
        raw(s.data(), s.size());
    }
    void pad(uint64_t alignment) {
        static const char zeros[256] = {};
        uint64_t n = (alignment - m_pos % alignment) % alignment;
        while (n) {
            const uint64_t k = std::min<uint64_t>(n, sizeof zeros);
            raw(zeros, k);
            n -= k;
        }
    }
    uint64_t pos() const { return m_pos; }

private:
    std::ofstream& m_s;
    uint64_t m_pos = 0;
};

void writeValue(Out& o, const GgufValue& v) {
    switch (v.type) {
    case GgufType::UInt8:
        o.put<uint8_t>(static_cast<uint8_t>(v.u));
        break;
    case GgufType::Int8:
        o.put<int8_t>(static_cast<int8_t>(v.i));
        break;
    case GgufType::UInt16:
        o.put<uint16_t>(static_cast<uint16_t>(v.u));
        break;
    case GgufType::Int16:
        o.put<int16_t>(static_cast<int16_t>(v.i));
        break;
    case GgufType::UInt32:
        o.put<uint32_t>(static_cast<uint32_t>(v.u));
        break;
    case GgufType::Int32:
        o.put<int32_t>(static_cast<int32_t>(v.i));
        break;
    case GgufType::UInt64:
        o.put<uint64_t>(v.u);
        break;
    case GgufType::Int64:
        o.put<int64_t>(v.i);
        break;
    case GgufType::Float32:
        o.put<float>(static_cast<float>(v.f));
        break;
    case GgufType::Float64:
        o.put<double>(v.f);
        break;
    case GgufType::Bool:
        o.put<uint8_t>(v.u ? 1 : 0);
        break;
    case GgufType::String:
        o.string(v.str);
        break;
    case GgufType::Array:
        o.put<uint32_t>(static_cast<uint32_t>(v.elemType));
        o.put<uint64_t>(v.elements.size());
        for (const GgufValue& e : v.elements) writeValue(o, e);
        break;
    }
}

void encodeQ8_0(std::span<const float> x, std::byte* out) {
    constexpr size_t kBlock = 32;
    for (size_t b = 0; b < x.size() / kBlock; ++b) {
        const float* v = x.data() + b * kBlock;
        float amax = 0.0f;
        for (size_t i = 0; i < kBlock; ++i) amax = std::max(amax, std::fabs(v[i]));
        const float d = amax / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        std::byte* blk = out + b * 34;
        const uint16_t h = floatToFp16(d);
        std::memcpy(blk, &h, 2);
        for (size_t i = 0; i < kBlock; ++i) {
            const auto q = static_cast<int8_t>(std::lround(v[i] * id));
            std::memcpy(blk + 2 + i, &q, 1);
        }
    }
}

} // namespace

std::vector<std::byte> encodeFloats(DType type, std::span<const float> values) {
    if (values.size() % dtypeBlockSize(type) != 0)
        throw Error("cannot encode " + std::to_string(values.size()) + " values as " +
                    std::string(dtypeName(type)) + ": not a multiple of the block size");
    std::vector<std::byte> out(dtypeBytes(type, values.size()));
    switch (type) {
    case DType::F32:
        std::memcpy(out.data(), values.data(), out.size());
        break;
    case DType::F16:
    case DType::BF16:
        for (size_t i = 0; i < values.size(); ++i) {
            const uint16_t h = type == DType::F16 ? floatToFp16(values[i]) : floatToBf16(values[i]);
            std::memcpy(out.data() + 2 * i, &h, 2);
        }
        break;
    case DType::Q8_0:
        encodeQ8_0(values, out.data());
        break;
    default: { // blocks are independent of rows, so one long row gives the same bytes
        const auto q =
            ggmlQuantizeRows(int(dtypeToGgml(type)), values.data(), 1, int64_t(values.size()));
        std::memcpy(out.data(), q.data(), out.size());
        break;
    }
    }
    return out;
}

GgufWriter::GgufWriter(uint32_t alignment) : m_alignment(alignment) {
    if (alignment == 0 || (alignment & (alignment - 1)) != 0)
        throw Error("GGUF alignment " + std::to_string(alignment) + " is not a power of two");
    if (alignment != kGgufDefaultAlignment)
        setKv("general.alignment", GgufValue::uint32(alignment));
}

void GgufWriter::setKv(const std::string& key, GgufValue value) {
    for (auto& [k, v] : m_kvs)
        if (k == key) {
            v = std::move(value);
            return;
        }
    m_kvs.emplace_back(key, std::move(value));
}

uint64_t GgufWriter::checkedBytes(const std::string& name, const std::vector<uint64_t>& ne,
                                  uint32_t type) const {
    const GgmlTypeInfo* ti = ggmlTypeInfo(type);
    if (!ti) throw Error("tensor " + name + ": unknown ggml type id " + std::to_string(type));
    if (ne.size() > 4) throw Error("tensor " + name + ": more than 4 dimensions");
    for (const Tensor& t : m_tensors)
        if (t.name == name) throw Error("duplicate tensor name " + name);
    uint64_t n = 1;
    for (uint64_t d : ne) n *= d;
    const uint64_t row = ne.empty() ? 1 : ne[0];
    if (row % ti->blockSize != 0)
        throw Error("tensor " + name + ": row length " + std::to_string(row) +
                    " is not a multiple of the " + std::string(ti->name) + " block size");
    return n / ti->blockSize * ti->typeSize;
}

void GgufWriter::addTensor(const std::string& name, std::vector<uint64_t> ne, uint32_t ggmlType,
                           std::vector<std::byte> data) {
    const uint64_t bytes = checkedBytes(name, ne, ggmlType);
    if (data.size() != bytes)
        throw Error("tensor " + name + ": " + std::to_string(data.size()) + " bytes given, " +
                    std::to_string(bytes) + " expected");
    auto owned = std::make_shared<std::vector<std::byte>>(std::move(data));
    m_tensors.push_back({name, std::move(ne), ggmlType, bytes, [owned](std::span<std::byte> dst) {
                             std::memcpy(dst.data(), owned->data(), dst.size());
                         }});
}

void GgufWriter::addTensor(const std::string& name, std::vector<uint64_t> ne, uint32_t ggmlType,
                           Producer producer) {
    const uint64_t bytes = checkedBytes(name, ne, ggmlType);
    m_tensors.push_back({name, std::move(ne), ggmlType, bytes, std::move(producer)});
}

void GgufWriter::addTensor(const std::string& name, std::vector<uint64_t> ne, DType type,
                           std::span<const float> values) {
    addTensor(name, std::move(ne), dtypeToGgml(type), encodeFloats(type, values));
}

void GgufWriter::write(const std::filesystem::path& path) const {
    std::filesystem::path tmp = path;
    tmp += ".partial";
    try {
        writeTo(tmp, path);
    } catch (...) {
        std::error_code ec;
        std::filesystem::remove(tmp, ec);
        throw;
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) throw FileError(path, "cannot rename temporary file: " + ec.message());
}

void GgufWriter::writeTo(const std::filesystem::path& tmp,
                         const std::filesystem::path& path) const {
    {
        std::ofstream s(tmp, std::ios::binary | std::ios::trunc);
        if (!s) throw FileError(path, std::string("cannot create file: ") + std::strerror(errno));
        Out o(s);
        o.put<uint32_t>(kGgufMagic);
        o.put<uint32_t>(3);
        o.put<uint64_t>(m_tensors.size());
        o.put<uint64_t>(m_kvs.size());
        for (const auto& [k, v] : m_kvs) {
            o.string(k);
            o.put<uint32_t>(static_cast<uint32_t>(v.type));
            writeValue(o, v);
        }
        uint64_t offset = 0;
        for (const Tensor& t : m_tensors) {
            o.string(t.name);
            o.put<uint32_t>(static_cast<uint32_t>(t.ne.size()));
            for (uint64_t d : t.ne) o.put<uint64_t>(d);
            o.put<uint32_t>(t.type);
            o.put<uint64_t>(offset);
            offset += (t.bytes + m_alignment - 1) / m_alignment * m_alignment;
        }
        o.pad(m_alignment);
        std::vector<std::byte> buf;
        for (const Tensor& t : m_tensors) {
            buf.assign(t.bytes, std::byte{0});
            t.producer(buf);
            o.raw(buf.data(), buf.size());
            o.pad(m_alignment);
            if (!s) break;
        }
        s.flush();
        if (!s) throw FileError(path, "write failed (disk full?)");
    }
}

} // namespace qs
