#include "analysis/imatrix_io.h"

#include "core/error.h"
#include "core/mapped_file.h"
#include "model/gguf_reader.h"
#include "model/gguf_writer.h"

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>

namespace qs {

namespace {

constexpr const char* kSumSuffix = ".in_sum2";
constexpr const char* kCountSuffix = ".counts";
constexpr int32_t kMaxLegacyNameLength = 1 << 16;

bool endsWith(std::string_view s, std::string_view suffix) {
    return s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

int blockOfName(const std::string& name) {
    if (name.rfind("blk.", 0) != 0) return -1;
    return std::atoi(name.c_str() + 4);
}

// Rows per chunk for writing: the window length, or the whole count when there is none.
int64_t chunkSizeOf(const ActivationStats& st, const LinearInputStats& x) {
    return st.ctx > 0 ? st.ctx : std::max<int64_t>(1, x.count);
}

void writeGguf(const ActivationStats& st, const std::filesystem::path& path) {
    GgufWriter w;
    w.setKv("general.type", GgufValue::string("imatrix"));
    w.setKv("imatrix.datasets", GgufValue::stringArray(st.datasets));
    w.setKv("imatrix.chunk_count", GgufValue::uint32(uint32_t(st.windows)));
    w.setKv("imatrix.chunk_size", GgufValue::uint32(uint32_t(std::max(st.ctx, 0))));
    for (const auto& [tensor, index] :
         st.byTensor) { // std::map: name order, as llama-imatrix writes
        const LinearInputStats& x = st.inputs[index];
        std::vector<float> sums(x.sumSq.begin(), x.sumSq.end());
        const float count = float(x.count);
        // 1-D: ggml writes a {n, 1} tensor with n_dims 1, and readers default ne[1] to 1.
        w.addTensor(tensor + kSumSuffix, {uint64_t(x.channels)}, DType::F32, sums);
        w.addTensor(tensor + kCountSuffix, {1}, DType::F32, std::span<const float>(&count, 1));
    }
    w.write(path);
}

template <typename T>
void put(std::string& out, T v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof(T));
}

void writeDat(const ActivationStats& st, const std::filesystem::path& path) {
    std::string out;
    put<int32_t>(out, int32_t(st.byTensor.size()));
    for (const auto& [tensor, index] : st.byTensor) {
        const LinearInputStats& x = st.inputs[index];
        put<int32_t>(out, int32_t(tensor.size()));
        out += tensor;
        const int64_t chunk = chunkSizeOf(st, x);
        const int32_t ncall = int32_t(std::max<int64_t>(1, (x.count + chunk - 1) / chunk));
        put<int32_t>(out, ncall);
        put<int32_t>(out, int32_t(x.channels));
        for (int64_t j = 0; j < x.channels; ++j) {
            // llama-imatrix stores 1 for a channel without data (count 0), so quantize sees 1.
            const float mean = x.count > 0 ? float(x.sumSq[size_t(j)] / double(x.count)) : 1.0f;
            put<float>(out, mean * float(ncall));
        }
    }
    put<int32_t>(out, int32_t(st.windows));
    const std::string dataset = st.datasets.empty() ? std::string() : st.datasets.back();
    put<int32_t>(out, int32_t(dataset.size()));
    out += dataset;

    std::filesystem::path tmp = path;
    tmp += ".tmp";
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        if (!f) throw FileError(path, "cannot create " + tmp.string());
        f.write(out.data(), std::streamsize(out.size()));
        if (!f) throw FileError(path, "write failed");
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) throw FileError(path, "cannot rename the temporary file: " + ec.message());
}

LinearInputStats importedInput(const std::string& name, int64_t channels, int64_t count) {
    LinearInputStats x;
    x.name = name;
    x.tensors = {name};
    x.block = blockOfName(name);
    x.channels = channels;
    x.count = count;
    x.sumSq.resize(size_t(channels));
    return x;
}

// A bounds-checked reader of the legacy layout with messages that say which entry broke.
class DatCursor {
public:
    explicit DatCursor(const MappedFile& f) : m_f(f) {}
    uint64_t remaining() const { return m_f.size() - m_pos; }
    template <typename T>
    T read(const std::string& what) {
        need(sizeof(T), what);
        T v;
        std::memcpy(&v, m_f.data() + m_pos, sizeof(T));
        m_pos += sizeof(T);
        return v;
    }
    std::string readString(uint64_t n, const std::string& what) {
        need(n, what);
        std::string s(reinterpret_cast<const char*>(m_f.data() + m_pos), n);
        m_pos += n;
        return s;
    }
    void need(uint64_t n, const std::string& what) const {
        if (n > remaining())
            throw FileError(m_f.path(), "truncated: " + what + " needs " + std::to_string(n) +
                                            " bytes at offset " + std::to_string(m_pos) + ", " +
                                            std::to_string(remaining()) + " left");
    }

private:
    const MappedFile& m_f;
    uint64_t m_pos = 0;
};

ActivationStats readDat(const std::shared_ptr<const MappedFile>& file,
                        const ImatrixReadOptions& opt) {
    const std::filesystem::path& path = file->path();
    if (opt.legacyChunkSize < 1) throw Error("legacyChunkSize must be >= 1");
    DatCursor in(*file);
    const int32_t n = in.read<int32_t>("the entry count");
    if (n < 1)
        throw FileError(path,
                        "not a legacy imatrix file: implausible entry count " + std::to_string(n));
    // Each entry takes at least 17 bytes: name length, a 1-byte name, ncall, nval, one value.
    constexpr uint64_t kMinEntryBytes = 17;
    if (uint64_t(n) * kMinEntryBytes > in.remaining())
        throw FileError(path, "truncated (or not a legacy imatrix file): " + std::to_string(n) +
                                  " entries need at least " +
                                  std::to_string(uint64_t(n) * kMinEntryBytes) + " bytes, " +
                                  std::to_string(in.remaining()) + " left");
    ActivationStats st;
    st.source = path.string();
    st.ctx = opt.legacyChunkSize;
    for (int32_t e = 0; e < n; ++e) {
        const std::string entry = "entry " + std::to_string(e);
        const int32_t len = in.read<int32_t>(entry + " name length");
        if (len < 1 || len > kMaxLegacyNameLength)
            throw FileError(path, entry + ": implausible name length " + std::to_string(len));
        const std::string name = in.readString(uint64_t(len), entry + " name");
        const int32_t ncall = in.read<int32_t>(entry + " (" + name + ") ncall");
        const int32_t nval = in.read<int32_t>(entry + " (" + name + ") value count");
        if (ncall < 0) throw FileError(path, name + ": negative ncall " + std::to_string(ncall));
        if (nval < 1)
            throw FileError(path, name + ": implausible value count " + std::to_string(nval));
        in.need(uint64_t(nval) * 4, name + " values");
        // llama-quantize divides by ncall (not at all when 0); count is only known per chunk.
        const int64_t calls = std::max<int32_t>(ncall, 1);
        LinearInputStats x = importedInput(name, nval, calls * opt.legacyChunkSize);
        for (int32_t j = 0; j < nval; ++j) {
            const float v = in.read<float>(name + " values");
            if (!std::isfinite(v) || v < 0)
                throw FileError(path, name + ": value " + std::to_string(j) + " is " +
                                          std::to_string(v) + " (must be finite and >= 0)");
            x.sumSq[size_t(j)] = double(v) / double(calls) * double(x.count);
        }
        if (st.byTensor.count(name)) throw FileError(path, "duplicate entry " + name);
        st.byTensor[name] = st.inputs.size();
        st.inputs.push_back(std::move(x));
    }
    // Newer legacy files end with the chunk count and the dataset name; older ones stop here.
    if (in.remaining() > 0) {
        const int32_t chunks = in.read<int32_t>("the chunk count");
        st.windows = std::max(chunks, 0);
        if (in.remaining() > 0) {
            const int32_t len = in.read<int32_t>("the dataset name length");
            if (len < 0 || len > kMaxLegacyNameLength)
                throw FileError(path, "implausible dataset name length " + std::to_string(len));
            const std::string dataset = in.readString(uint64_t(len), "the dataset name");
            if (!dataset.empty()) st.datasets.push_back(dataset);
        }
    }
    return st;
}

std::vector<float> f32Tensor(const GgufFile& g, const GgufTensorInfo& t) {
    if (t.typeId != kGgmlTypeF32)
        throw FileError(g.path(), t.name + ": type " + ggmlTypeName(t.typeId) + ", expected F32");
    std::vector<float> v(t.elementCount());
    const auto bytes = g.tensorData(t);
    std::memcpy(v.data(), bytes.data(), v.size() * sizeof(float));
    return v;
}

ActivationStats readGguf(const std::shared_ptr<const MappedFile>& file) {
    const GgufFile g = GgufFile::parse(file);
    const std::filesystem::path& path = file->path();
    if (const GgufValue* type = g.find("general.type")) {
        if (type->type != GgufType::String || type->str != "imatrix")
            throw FileError(path, "not an imatrix (general.type is " + type->summary() + ")");
    }
    ActivationStats st;
    st.source = path.string();
    try {
        if (const GgufValue* v = g.find("imatrix.datasets")) st.datasets = v->toStringVector();
        if (const GgufValue* v = g.find("imatrix.chunk_count")) st.windows = v->toInt();
        if (const GgufValue* v = g.find("imatrix.chunk_size")) st.ctx = int(v->toInt());
    } catch (const FileError&) {
        throw;
    } catch (const Error& e) {
        throw FileError(path, std::string("bad imatrix metadata: ") + e.what());
    }
    for (const GgufTensorInfo& t : g.tensors()) {
        if (!endsWith(t.name, kSumSuffix)) {
            const bool known = endsWith(t.name, kCountSuffix) || endsWith(t.name, ".in_sum") ||
                               endsWith(t.name, ".stats");
            if (!known)
                throw FileError(path, "unexpected tensor " + t.name + " in an imatrix file");
            continue;
        }
        const std::string name = t.name.substr(0, t.name.size() - std::strlen(kSumSuffix));
        const GgufTensorInfo* c = g.findTensor(name + kCountSuffix);
        if (!c) throw FileError(path, name + ": " + name + kCountSuffix + " is missing");
        const uint64_t nmat = t.ne.size() > 1 ? t.ne[1] : 1;
        for (size_t d = 2; d < t.ne.size(); ++d)
            if (t.ne[d] != 1) throw FileError(path, t.name + ": more than 2 dimensions");
        if (nmat != 1)
            throw FileError(path, name + ": " + std::to_string(nmat) +
                                      " matrices (per-expert data) are not supported");
        if (c->elementCount() != nmat)
            throw FileError(path, name + ": " + std::to_string(c->elementCount()) + " counts for " +
                                      std::to_string(nmat) + " matrix");
        const std::vector<float> sums = f32Tensor(g, t);
        const float count = f32Tensor(g, *c)[0];
        if (!std::isfinite(count) || count < 0 || count != std::floor(count))
            throw FileError(path, name + ": count " + std::to_string(count) +
                                      " is not a whole number >= 0");
        if (sums.empty()) throw FileError(path, t.name + ": no values");
        LinearInputStats x = importedInput(name, int64_t(sums.size()), int64_t(count));
        for (size_t j = 0; j < sums.size(); ++j) {
            if (!std::isfinite(sums[j]) || sums[j] < 0)
                throw FileError(path, t.name + ": value " + std::to_string(j) + " is " +
                                          std::to_string(sums[j]) + " (must be finite and >= 0)");
            x.sumSq[j] = sums[j];
        }
        st.byTensor[name] = st.inputs.size();
        st.inputs.push_back(std::move(x));
    }
    for (const GgufTensorInfo& t : g.tensors())
        if (endsWith(t.name, kCountSuffix)) {
            const std::string name = t.name.substr(0, t.name.size() - std::strlen(kCountSuffix));
            if (!st.byTensor.count(name))
                throw FileError(path, name + ": " + name + kSumSuffix + " is missing");
        }
    if (st.inputs.empty()) throw FileError(path, "no imatrix entries (no <name>.in_sum2 tensors)");
    for (const LinearInputStats& x : st.inputs) st.tokens = std::max(st.tokens, x.count);
    return st;
}

// Renames entries to the model's canonical names, checks dimensions, drops the rest.
void matchToModel(ActivationStats& st, const std::filesystem::path& path,
                  const ImatrixReadOptions& opt) {
    const ModelDesc& desc = *opt.model;
    std::vector<LinearInputStats> kept;
    std::map<std::string, size_t> byTensor;
    for (LinearInputStats& x : st.inputs) {
        const TensorDesc* match = nullptr;
        for (const TensorDesc& t : desc.tensors)
            if (t.name == x.name || t.fileName == x.name) {
                match = &t;
                break;
            }
        if (!match) {
            if (opt.unmatched) opt.unmatched->push_back(x.name);
            continue;
        }
        const int64_t cols = match->shape.size() == 2 ? match->shape[1] : -1;
        if (cols != x.channels)
            throw FileError(path, x.name + ": " + std::to_string(x.channels) +
                                      " values, but the model's " + match->name + " has " +
                                      std::to_string(cols) + " input channels");
        x.name = match->name;
        x.tensors = {match->name};
        x.block = match->block;
        byTensor[match->name] = kept.size();
        kept.push_back(std::move(x));
    }
    st.inputs = std::move(kept);
    st.byTensor = std::move(byTensor);
}

} // namespace

ImatrixFormat imatrixFormatForPath(const std::filesystem::path& path) {
    return path.extension() == ".dat" ? ImatrixFormat::LegacyDat : ImatrixFormat::Gguf;
}

void writeImatrix(const ActivationStats& stats, const std::filesystem::path& path,
                  ImatrixFormat format) {
    for (const auto& [tensor, index] : stats.byTensor) {
        const LinearInputStats& x = stats.inputs[index];
        if (x.count > int64_t(std::numeric_limits<int32_t>::max()) * 512)
            throw FileError(path, tensor + ": count " + std::to_string(x.count) +
                                      " is too large for an imatrix");
    }
    if (format == ImatrixFormat::Gguf)
        writeGguf(stats, path);
    else
        writeDat(stats, path);
}

void writeImatrix(const ActivationStats& stats, const std::filesystem::path& path) {
    writeImatrix(stats, path, imatrixFormatForPath(path));
}

ActivationStats readImatrix(const std::filesystem::path& path, const ImatrixReadOptions& opt) {
    const auto file = MappedFile::open(path);
    const bool gguf = file->size() >= 4 && file->read<uint32_t>(0) == kGgufMagic;
    ActivationStats st = gguf ? readGguf(file) : readDat(file, opt);
    if (opt.model) matchToModel(st, path, opt);
    if (!gguf) st.tokens = st.inputs.empty() ? 0 : st.inputs.front().count;
    return st;
}

} // namespace qs
