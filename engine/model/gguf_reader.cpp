#include "model/gguf_reader.h"

#include "core/error.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <numeric>
#include <set>

namespace qs {

namespace {

// Far above any real model, far below what would exhaust memory while parsing.
constexpr uint64_t kMaxTensors = 1'000'000;
constexpr uint64_t kMaxKvs = 1'000'000;
constexpr int kMaxArrayDepth = 8;
constexpr uint32_t kMaxDims = 4;

// Sequential bounds-checked reader; every failure names the file and offset.
class Cursor {
public:
    explicit Cursor(const MappedFile& f) : m_f(f) {}

    uint64_t pos() const { return m_pos; }
    uint64_t remaining() const { return m_f.size() - m_pos; }

    [[noreturn]] void fail(const std::string& problem) const {
        throw FileError(m_f.path(), problem);
    }

    const std::byte* take(uint64_t n, const char* what) {
        if (n > remaining())
            fail("unexpected end of file at offset " + std::to_string(m_pos) + " while reading " +
                 what + " (" + std::to_string(n) + " bytes needed, file has " +
                 std::to_string(m_f.size()) + " bytes); the file is truncated or corrupt");
        const std::byte* p = m_f.data() + m_pos;
        m_pos += n;
        return p;
    }

    template <typename T>
    T get(const char* what) {
        T v;
        std::memcpy(&v, take(sizeof(T), what), sizeof(T));
        return v;
    }

    std::string string(const char* what) {
        const uint64_t at = m_pos;
        const uint64_t len = get<uint64_t>(what);
        if (len > remaining())
            fail(std::string(what) + " at offset " + std::to_string(at) + " has length " +
                 std::to_string(len) + ", more than the " + std::to_string(remaining()) +
                 " bytes left in the file; the file is truncated or corrupt");
        const std::byte* p = take(len, what);
        return std::string(reinterpret_cast<const char*>(p), len);
    }

private:
    const MappedFile& m_f;
    uint64_t m_pos = 0;
};

// Smallest encoding of one value of type t, to reject absurd array counts before allocating.
uint64_t minValueBytes(GgufType t) {
    if (t == GgufType::String) return 8;
    if (t == GgufType::Array) return 12;
    return ggufScalarSize(t);
}

GgufValue readValue(Cursor& c, GgufType type, const std::string& key, int depth) {
    GgufValue v;
    v.type = type;
    switch (type) {
    case GgufType::UInt8:
        v.u = c.get<uint8_t>("a uint8 value");
        break;
    case GgufType::Int8:
        v.i = c.get<int8_t>("an int8 value");
        break;
    case GgufType::UInt16:
        v.u = c.get<uint16_t>("a uint16 value");
        break;
    case GgufType::Int16:
        v.i = c.get<int16_t>("an int16 value");
        break;
    case GgufType::UInt32:
        v.u = c.get<uint32_t>("a uint32 value");
        break;
    case GgufType::Int32:
        v.i = c.get<int32_t>("an int32 value");
        break;
    case GgufType::UInt64:
        v.u = c.get<uint64_t>("a uint64 value");
        break;
    case GgufType::Int64:
        v.i = c.get<int64_t>("an int64 value");
        break;
    case GgufType::Float32:
        v.f = c.get<float>("a float32 value");
        break;
    case GgufType::Float64:
        v.f = c.get<double>("a float64 value");
        break;
    case GgufType::Bool: {
        const uint8_t b = c.get<uint8_t>("a bool value");
        if (b > 1) c.fail("KV '" + key + "' has bool value " + std::to_string(b) + " (not 0 or 1)");
        v.u = b;
        break;
    }
    case GgufType::String:
        v.str = c.string("a string value");
        break;
    case GgufType::Array: {
        if (depth >= kMaxArrayDepth)
            c.fail("KV '" + key + "' nests arrays deeper than " + std::to_string(kMaxArrayDepth));
        const uint32_t et = c.get<uint32_t>("an array element type");
        if (!isValidGgufType(et))
            c.fail("KV '" + key + "' is an array of unknown value type " + std::to_string(et));
        v.elemType = static_cast<GgufType>(et);
        const uint64_t n = c.get<uint64_t>("an array length");
        const uint64_t minBytes = minValueBytes(v.elemType);
        if (minBytes && n > c.remaining() / minBytes)
            c.fail("KV '" + key + "' claims " + std::to_string(n) +
                   " array elements, more than the " + std::to_string(c.remaining()) +
                   " bytes left in the file can hold; the file is truncated or corrupt");
        v.elements.reserve(n);
        for (uint64_t i = 0; i < n; ++i)
            v.elements.push_back(readValue(c, v.elemType, key, depth + 1));
        break;
    }
    }
    return v;
}

uint64_t checkedElementCount(const Cursor& c, const GgufTensorInfo& t) {
    uint64_t n = 1;
    for (uint64_t d : t.ne) {
        if (d > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
            (d != 0 && n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / d))
            c.fail("tensor '" + t.name + "' has an impossible size (dimension " +
                   std::to_string(d) + ")");
        n *= d;
    }
    return n;
}

} // namespace

uint64_t GgufTensorInfo::elementCount() const {
    uint64_t n = 1;
    for (uint64_t d : ne) n *= d;
    return n;
}

std::vector<int64_t> GgufTensorInfo::shape() const {
    std::vector<int64_t> s(ne.rbegin(), ne.rend());
    return s;
}

GgufFile GgufFile::open(const std::filesystem::path& path) {
    return parse(MappedFile::open(path));
}

GgufFile GgufFile::parse(std::shared_ptr<const MappedFile> file) {
    GgufFile g;
    g.m_file = std::move(file);
    Cursor c(*g.m_file);

    if (c.get<uint32_t>("the GGUF magic") != kGgufMagic) c.fail("not a GGUF file (bad magic)");
    g.m_version = c.get<uint32_t>("the GGUF version");
    if (g.m_version == 1)
        c.fail("GGUF version 1 is not supported (only versions 2 and 3); re-convert the model with "
               "a current llama.cpp");
    if (g.m_version != 2 && g.m_version != 3)
        c.fail("unsupported GGUF version " + std::to_string(g.m_version) + " (expected 2 or 3)");

    const uint64_t nTensors = c.get<uint64_t>("the tensor count");
    const uint64_t nKv = c.get<uint64_t>("the KV count");
    // A tensor info takes at least 24 bytes, a KV at least 13.
    if (nTensors > kMaxTensors || nTensors > c.remaining() / 24)
        c.fail("implausible tensor count " + std::to_string(nTensors) + " for a file of " +
               std::to_string(g.m_file->size()) + " bytes; the header is corrupt");
    if (nKv > kMaxKvs || nKv > c.remaining() / 13)
        c.fail("implausible KV count " + std::to_string(nKv) + " for a file of " +
               std::to_string(g.m_file->size()) + " bytes; the header is corrupt");

    std::set<std::string, std::less<>> keys;
    g.m_kvs.reserve(nKv);
    for (uint64_t i = 0; i < nKv; ++i) {
        std::string key = c.string("a KV key");
        const uint32_t type = c.get<uint32_t>("a KV value type");
        if (!isValidGgufType(type))
            c.fail("KV '" + key + "' has unknown value type " + std::to_string(type));
        if (!keys.insert(key).second) c.fail("duplicate KV key '" + key + "'");
        GgufValue v = readValue(c, static_cast<GgufType>(type), key, 0);
        g.m_kvs.emplace_back(std::move(key), std::move(v));
    }

    if (const GgufValue* a = g.find("general.alignment")) {
        int64_t al = 0;
        try {
            al = a->toInt();
        } catch (const Error& e) {
            c.fail(std::string("general.alignment: ") + e.what());
        }
        if (al <= 0 || (al & (al - 1)) != 0 || al > (1 << 30))
            c.fail("general.alignment = " + std::to_string(al) + " is not a power of two");
        g.m_alignment = static_cast<uint64_t>(al);
    }

    std::set<std::string, std::less<>> names;
    g.m_tensors.reserve(nTensors);
    for (uint64_t i = 0; i < nTensors; ++i) {
        GgufTensorInfo t;
        t.name = c.string("a tensor name");
        const uint32_t nDims = c.get<uint32_t>("a tensor dimension count");
        if (nDims > kMaxDims)
            c.fail("tensor '" + t.name + "' has " + std::to_string(nDims) +
                   " dimensions (at most 4 are allowed)");
        for (uint32_t d = 0; d < nDims; ++d) t.ne.push_back(c.get<uint64_t>("a tensor dimension"));
        t.typeId = c.get<uint32_t>("a tensor type");
        t.offset = c.get<uint64_t>("a tensor data offset");
        if (!names.insert(t.name).second) c.fail("duplicate tensor name '" + t.name + "'");

        const GgmlTypeInfo* ti = ggmlTypeInfo(t.typeId);
        if (!ti)
            c.fail("tensor '" + t.name + "' has unknown ggml type id " + std::to_string(t.typeId));
        const uint64_t n = checkedElementCount(c, t);
        const uint64_t rowLen = t.ne.empty() ? 1 : t.ne[0];
        if (rowLen % ti->blockSize != 0)
            c.fail("tensor '" + t.name + "' of type " + std::string(ti->name) + " has rows of " +
                   std::to_string(rowLen) + " elements, not a multiple of the block size " +
                   std::to_string(ti->blockSize));
        const uint64_t blocks = n / ti->blockSize;
        if (blocks > std::numeric_limits<uint64_t>::max() / ti->typeSize)
            c.fail("tensor '" + t.name + "' has an impossible size");
        t.byteSize = blocks * ti->typeSize;
        if (t.offset % g.m_alignment != 0)
            c.fail("tensor '" + t.name + "' data offset " + std::to_string(t.offset) +
                   " is not a multiple of the alignment " + std::to_string(g.m_alignment));
        g.m_tensors.push_back(std::move(t));
    }

    const uint64_t infoEnd = c.pos();
    g.m_dataOffset = (infoEnd + g.m_alignment - 1) / g.m_alignment * g.m_alignment;

    const uint64_t size = g.m_file->size();
    for (const GgufTensorInfo& t : g.m_tensors) {
        const uint64_t avail = size > g.m_dataOffset ? size - g.m_dataOffset : 0;
        if (t.offset > avail || t.byteSize > avail - t.offset)
            c.fail("tensor '" + t.name + "' data (" + std::to_string(t.byteSize) +
                   " bytes at data offset " + std::to_string(t.offset) +
                   ") extends past the end of the file (" + std::to_string(size) +
                   " bytes); the file is truncated or corrupt");
    }

    std::vector<size_t> order(g.m_tensors.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return g.m_tensors[a].offset < g.m_tensors[b].offset; });
    for (size_t k = 1; k < order.size(); ++k) {
        const GgufTensorInfo& a = g.m_tensors[order[k - 1]];
        const GgufTensorInfo& b = g.m_tensors[order[k]];
        if (a.byteSize != 0 && a.offset + a.byteSize > b.offset)
            c.fail("tensor '" + b.name + "' data (offset " + std::to_string(b.offset) +
                   ") overlaps tensor '" + a.name + "' (offset " + std::to_string(a.offset) + ", " +
                   std::to_string(a.byteSize) + " bytes)");
    }
    return g;
}

const GgufValue* GgufFile::find(std::string_view key) const {
    for (const auto& [k, v] : m_kvs)
        if (k == key) return &v;
    return nullptr;
}

const GgufTensorInfo* GgufFile::findTensor(std::string_view name) const {
    for (const GgufTensorInfo& t : m_tensors)
        if (t.name == name) return &t;
    return nullptr;
}

std::span<const std::byte> GgufFile::tensorData(const GgufTensorInfo& t) const {
    return m_file->bytes(m_dataOffset + t.offset, t.byteSize);
}

} // namespace qs
