#include "model/safetensors_file.h"

#include "core/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <limits>

namespace qs {

namespace {

// The safetensors reference implementation refuses headers above 100 MB.
constexpr uint64_t kMaxHeader = 100'000'000;

uint64_t toOffset(const nlohmann::json& j, bool* ok) {
    *ok = j.is_number_unsigned() || (j.is_number_integer() && j.get<int64_t>() >= 0);
    return *ok ? j.get<uint64_t>() : 0;
}

} // namespace

uint64_t safetensorsDtypeSize(const std::string& d) {
    if (d == "F32" || d == "I32" || d == "U32") return 4;
    if (d == "F16" || d == "BF16" || d == "I16" || d == "U16") return 2;
    if (d == "F64" || d == "I64" || d == "U64") return 8;
    if (d == "BOOL" || d == "U8" || d == "I8" || d == "F8_E4M3" || d == "F8_E5M2") return 1;
    return 0;
}

uint64_t SafetensorsTensor::elementCount() const {
    uint64_t n = 1;
    for (int64_t d : shape) n *= static_cast<uint64_t>(d);
    return n;
}

SafetensorsFile SafetensorsFile::open(const std::filesystem::path& path) {
    SafetensorsFile st;
    st.m_file = MappedFile::open(path);
    const MappedFile& f = *st.m_file;
    auto fail = [&](const std::string& problem) { throw FileError(path, problem); };

    if (f.size() < 8)
        fail("truncated: a safetensors file needs at least 8 bytes, file has " +
             std::to_string(f.size()));
    const uint64_t n = f.read<uint64_t>(0);
    if (n > f.size() - 8)
        fail("safetensors header length " + std::to_string(n) + " exceeds the file size (" +
             std::to_string(f.size()) + " bytes); the file is truncated or not a safetensors file");
    if (n > kMaxHeader) fail("implausible safetensors header length " + std::to_string(n));
    st.m_dataOffset = 8 + n;
    const uint64_t dataSize = f.size() - st.m_dataOffset;

    nlohmann::json header;
    try {
        const auto* p = reinterpret_cast<const char*>(f.data() + 8);
        header = nlohmann::json::parse(p, p + n);
    } catch (const nlohmann::json::exception& e) {
        fail(std::string("invalid safetensors JSON header: ") + e.what());
    }
    if (!header.is_object()) fail("invalid safetensors header: not a JSON object");

    for (auto it = header.begin(); it != header.end(); ++it) {
        const std::string& name = it.key();
        const nlohmann::json& v = it.value();
        if (name == "__metadata__") {
            if (!v.is_object()) fail("invalid safetensors header: __metadata__ is not an object");
            for (auto m = v.begin(); m != v.end(); ++m)
                st.m_metadata[m.key()] =
                    m.value().is_string() ? m.value().get<std::string>() : m.value().dump();
            continue;
        }
        auto bad = [&](const std::string& what) {
            fail("tensor '" + name + "' in the safetensors header: " + what);
        };
        if (!v.is_object()) bad("entry is not an object");
        SafetensorsTensor t;
        t.name = name;
        if (!v.contains("dtype") || !v["dtype"].is_string()) bad("missing dtype");
        t.dtype = v["dtype"].get<std::string>();
        const uint64_t elemSize = safetensorsDtypeSize(t.dtype);
        if (elemSize == 0) bad("unknown dtype " + t.dtype);
        if (!v.contains("shape") || !v["shape"].is_array() || v["shape"].size() > 8)
            bad("missing or invalid shape");
        uint64_t count = 1;
        for (const nlohmann::json& d : v["shape"]) {
            bool ok = false;
            const uint64_t x = toOffset(d, &ok);
            if (!ok || x > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
                bad("invalid shape " + v["shape"].dump());
            if (x != 0 && count > dataSize / x)
                count = dataSize + 1; // too big for the file anyway
            else
                count *= x;
            t.shape.push_back(static_cast<int64_t>(x));
        }
        const nlohmann::json* offs = v.contains("data_offsets") ? &v["data_offsets"] : nullptr;
        if (!offs || !offs->is_array() || offs->size() != 2) bad("missing or invalid data_offsets");
        bool ok1 = false, ok2 = false;
        t.begin = toOffset((*offs)[0], &ok1);
        t.end = toOffset((*offs)[1], &ok2);
        if (!ok1 || !ok2 || t.begin > t.end) bad("invalid data_offsets " + offs->dump());
        if (t.end > dataSize)
            bad("data_offsets " + offs->dump() + " extend past the end of the data (" +
                std::to_string(dataSize) + " bytes); the file is truncated or corrupt");
        if (count > dataSize || count * elemSize != t.end - t.begin)
            bad("data_offsets " + offs->dump() + " span " + std::to_string(t.end - t.begin) +
                " bytes, but dtype " + t.dtype + " and shape " + v["shape"].dump() + " need " +
                (count > dataSize ? std::string("more") : std::to_string(count * elemSize)));
        st.m_tensors.push_back(std::move(t));
    }

    std::vector<const SafetensorsTensor*> byOffset;
    for (const SafetensorsTensor& t : st.m_tensors)
        if (t.end > t.begin) byOffset.push_back(&t);
    std::sort(byOffset.begin(), byOffset.end(),
              [](auto* a, auto* b) { return a->begin < b->begin; });
    for (size_t i = 1; i < byOffset.size(); ++i)
        if (byOffset[i - 1]->end > byOffset[i]->begin)
            fail("tensor '" + byOffset[i]->name + "' overlaps tensor '" + byOffset[i - 1]->name +
                 "' in the data section");
    std::sort(st.m_tensors.begin(), st.m_tensors.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    return st;
}

const SafetensorsTensor* SafetensorsFile::find(const std::string& name) const {
    auto it = std::lower_bound(
        m_tensors.begin(), m_tensors.end(), name,
        [](const SafetensorsTensor& t, const std::string& n) { return t.name < n; });
    return it != m_tensors.end() && it->name == name ? &*it : nullptr;
}

std::span<const std::byte> SafetensorsFile::tensorData(const SafetensorsTensor& t) const {
    return m_file->bytes(m_dataOffset + t.begin, t.end - t.begin);
}

} // namespace qs
