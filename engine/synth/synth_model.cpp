#include "synth/synth_model.h"

#include "core/error.h"
#include "core/mapped_file.h"
#include "model/model_desc.h"

#include <tbb/parallel_for.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>

namespace qs {

namespace {

// Values per independently seeded chunk: lets tensors be generated in parallel and still be
// identical whatever the thread count.
constexpr int64_t kChunk = 1 << 14;

uint64_t mix(uint64_t h, uint64_t v) {
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdull;
}

uint64_t nameHash(const std::string& s) {
    uint64_t h = 1469598103934665603ull; // FNV-1a
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    return h;
}

} // namespace

uint64_t SynthShape::parameterCount() const {
    const uint64_t hd = dim / nHeads, kv = uint64_t(nKvHeads) * hd;
    const uint64_t perLayer =
        2ull * dim + 2ull * dim * dim + 2ull * kv * dim + 3ull * dim * hiddenDim;
    return 2ull * vocabSize * dim + dim + perLayer * nLayers;
}

const std::vector<SynthShape>& synthShapes() {
    static const std::vector<SynthShape> shapes = {
        {"synth260K", 64, 172, 5, 8, 4, 512, 512},
        {"synth15M", 288, 768, 6, 6, 6, 32000, 256},
        {"synth110M", 768, 2048, 12, 12, 12, 32000, 1024},
    };
    return shapes;
}

const SynthShape& synthShape(std::string_view name) {
    std::string known;
    for (const auto& s : synthShapes()) {
        if (s.name == name) return s;
        known += (known.empty() ? "" : ", ") + s.name;
    }
    throw Error("unknown synthetic shape '" + std::string(name) + "' (known: " + known + ")");
}

std::vector<float> synthTensor(uint64_t seed, const std::string& name, int64_t rows, int64_t cols,
                               bool isNorm) {
    const int64_t n = rows * cols;
    std::vector<float> v(n);
    const uint64_t base = mix(seed, nameHash(name));
    const float stddev = isNorm ? 0.1f : float(1.0 / std::sqrt(double(cols)));
    tbb::parallel_for(int64_t(0), (n + kChunk - 1) / kChunk, [&](int64_t c) {
        std::mt19937_64 rng(mix(base, uint64_t(c)));
        std::normal_distribution<float> dist(0.0f, stddev);
        const int64_t end = std::min(n, (c + 1) * kChunk);
        for (int64_t i = c * kChunk; i < end; ++i) v[i] = (isNorm ? 1.0f : 0.0f) + dist(rng);
    });
    return v;
}

SynthVocab synthVocabFromLlama2cTokenizer(const std::filesystem::path& path) {
    auto file = MappedFile::open(path);
    SynthVocab vocab;
    uint64_t off = 4; // int32 max_token_length
    while (off < file->size()) {
        const float score = file->read<float>(off);
        const int32_t len = file->read<int32_t>(off + 4);
        if (len < 0 || len > 1024)
            throw FileError(path, "token " + std::to_string(vocab.pieces.size()) +
                                      " has an invalid length " + std::to_string(len));
        auto bytes = file->bytes(off + 8, uint64_t(len));
        std::string piece(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        off += 8 + uint64_t(len);
        const size_t id = vocab.pieces.size();
        int32_t type = 1;
        if (id == 0)
            type = 2;
        else if (id == 1 || id == 2)
            type = 3;
        else if (piece.size() == 6 && piece.rfind("<0x", 0) == 0 && piece.back() == '>')
            type = 6;
        if (type == 3) piece = id == 1 ? "<s>" : "</s>"; // llama2.c stores "\n<s>\n"
        std::string sp;
        for (char ch : piece) sp += ch == ' ' ? std::string("\xE2\x96\x81") : std::string(1, ch);
        vocab.pieces.push_back(type == 1 ? sp : piece);
        vocab.scores.push_back(score);
        vocab.tokenTypes.push_back(type);
    }
    return vocab;
}

namespace {

struct SynthTensorSpec {
    std::string name; // canonical
    int64_t rows, cols;
    bool isNorm;
};

std::vector<SynthTensorSpec> tensorSpecs(const SynthShape& s) {
    const int64_t hd = s.dim / s.nHeads, kv = int64_t(s.nKvHeads) * hd;
    std::vector<SynthTensorSpec> specs;
    specs.push_back({"token_embd.weight", s.vocabSize, s.dim, false});
    for (int b = 0; b < s.nLayers; ++b) {
        auto n = [&](TensorRole r) { return canonicalTensorName(r, b); };
        specs.push_back({n(TensorRole::AttnNorm), 1, s.dim, true});
        specs.push_back({n(TensorRole::Wq), s.dim, s.dim, false});
        specs.push_back({n(TensorRole::Wk), kv, s.dim, false});
        specs.push_back({n(TensorRole::Wv), kv, s.dim, false});
        specs.push_back({n(TensorRole::Wo), s.dim, s.dim, false});
        specs.push_back({n(TensorRole::FfnNorm), 1, s.dim, true});
        specs.push_back({n(TensorRole::FfnGate), s.hiddenDim, s.dim, false});
        specs.push_back({n(TensorRole::FfnDown), s.dim, s.hiddenDim, false});
        specs.push_back({n(TensorRole::FfnUp), s.hiddenDim, s.dim, false});
    }
    specs.push_back({"output_norm.weight", 1, s.dim, true});
    specs.push_back({"output.weight", s.vocabSize, s.dim, false});
    return specs;
}

const SynthTensorSpec& spec(const std::vector<SynthTensorSpec>& specs, const std::string& name) {
    for (const auto& s : specs)
        if (s.name == name) return s;
    throw Error("internal: no synthetic tensor " + name);
}

// Writes to a sibling temporary file and renames it over `out` only when complete.
class AtomicFile {
public:
    explicit AtomicFile(std::filesystem::path out) : m_out(std::move(out)), m_tmp(m_out) {
        m_tmp += ".partial";
        m_stream.open(m_tmp, std::ios::binary | std::ios::trunc);
        if (!m_stream) throw FileError(m_out, "cannot open for writing");
    }
    ~AtomicFile() {
        if (!m_committed) {
            m_stream.close();
            std::error_code ec;
            std::filesystem::remove(m_tmp, ec);
        }
    }
    void write(const void* p, size_t n) {
        m_stream.write(static_cast<const char*>(p), std::streamsize(n));
        if (!m_stream) throw FileError(m_out, "write failed (disk full?)");
    }
    void commit() {
        m_stream.flush();
        m_stream.close();
        if (!m_stream) throw FileError(m_out, "write failed (disk full?)");
        std::error_code ec;
        std::filesystem::rename(m_tmp, m_out, ec);
        if (ec)
            throw FileError(m_out, "cannot rename the finished file into place: " + ec.message());
        m_committed = true;
    }

private:
    std::filesystem::path m_out, m_tmp;
    std::ofstream m_stream;
    bool m_committed = false;
};

void writeLlama2c(const SynthShape& s, uint64_t seed, const std::filesystem::path& out) {
    const auto specs = tensorSpecs(s);
    AtomicFile f(out);
    // Negative vocab size marks an unshared classifier stored at the end.
    const int32_t header[7] = {s.dim,      s.hiddenDim,  s.nLayers, s.nHeads,
                               s.nKvHeads, -s.vocabSize, s.seqLen};
    f.write(header, sizeof header);
    auto put = [&](const std::string& name) {
        const auto& t = spec(specs, name);
        const auto v = synthTensor(seed, t.name, t.rows, t.cols, t.isNorm);
        f.write(v.data(), v.size() * sizeof(float));
    };
    put("token_embd.weight");
    for (TensorRole r :
         {TensorRole::AttnNorm, TensorRole::Wq, TensorRole::Wk, TensorRole::Wv, TensorRole::Wo,
          TensorRole::FfnNorm, TensorRole::FfnGate, TensorRole::FfnDown, TensorRole::FfnUp})
        for (int b = 0; b < s.nLayers; ++b) put(canonicalTensorName(r, b));
    put("output_norm.weight");
    // Legacy freq_cis tables (unused by readers that compute RoPE, but part of the format).
    const int64_t hd = s.dim / s.nHeads;
    std::vector<float> re(size_t(s.seqLen) * hd / 2), im(re.size());
    for (int64_t p = 0; p < s.seqLen; ++p)
        for (int64_t i = 0; i < hd / 2; ++i) {
            const double a = double(p) * std::pow(10000.0, -2.0 * double(i) / double(hd));
            re[p * hd / 2 + i] = float(std::cos(a));
            im[p * hd / 2 + i] = float(std::sin(a));
        }
    f.write(re.data(), re.size() * sizeof(float));
    f.write(im.data(), im.size() * sizeof(float));
    put("output.weight");
    f.commit();
}

} // namespace

void writeSynthGguf(const SynthShape& s, uint64_t seed, const std::filesystem::path& out,
                    const SynthVocab* vocab); // synth_gguf.cpp

void writeSynthModel(const SynthShape& shape, uint64_t seed, SynthFormat format,
                     const std::filesystem::path& out, const SynthVocab* vocab) {
    if (vocab && int64_t(vocab->pieces.size()) != shape.vocabSize)
        throw Error("the vocabulary has " + std::to_string(vocab->pieces.size()) +
                    " tokens but shape " + shape.name + " needs " +
                    std::to_string(shape.vocabSize));
    if (format == SynthFormat::Llama2c)
        writeLlama2c(shape, seed, out);
    else
        writeSynthGguf(shape, seed, out, vocab);
}

} // namespace qs
