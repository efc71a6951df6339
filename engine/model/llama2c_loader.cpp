// llama2.c checkpoints (Karpathy's run.c format): the legacy header of 7 int32 followed by fp32
// tensors, and the "ak42" version 1 export (256-byte header, fp32, different tensor order).

#include "core/error.h"
#include "model/loaders.h"

#include <cstdint>
#include <cstdlib>
#include <limits>

namespace qs {

namespace {

namespace fs = std::filesystem;

constexpr uint32_t kExportMagic = 0x616b3432; // "ak42"
constexpr uint64_t kLegacyHeader = 7 * 4;
constexpr uint64_t kV1Header = 256;

struct Slot {
    TensorRole role;
    int block;
    std::string fileName;
    std::vector<int64_t> shape;
};

int clampInt(int64_t v) {
    return static_cast<int>(std::max<int64_t>(
        std::numeric_limits<int>::min(), std::min<int64_t>(v, std::numeric_limits<int>::max())));
}

HParams readHParams(const MappedFile& f, uint64_t at, bool* shared) {
    int32_t h[7];
    for (int i = 0; i < 7; ++i) h[i] = f.read<int32_t>(at + 4 * static_cast<uint64_t>(i));
    HParams hp;
    hp.dim = h[0];
    hp.hiddenDim = h[1];
    hp.nLayers = h[2];
    hp.nHeads = h[3];
    hp.nKvHeads = h[4];
    hp.vocabSize = clampInt(std::llabs(static_cast<long long>(h[5])));
    hp.maxSeqLen = h[6];
    hp.headDim = hp.nHeads > 0 ? hp.dim / hp.nHeads : 0;
    hp.normEps = 1e-5f; // fixed in run.c
    hp.ropeTheta = 10000.0f;
    hp.rope = RopeStyle::Interleaved;
    hp.bosId = 1;
    hp.eosId = 2;
    *shared = h[5] > 0;
    return hp;
}

std::vector<Slot> perLayer(const HParams& hp, TensorRole role, const char* name,
                           std::vector<int64_t> shape) {
    std::vector<Slot> s;
    for (int l = 0; l < hp.nLayers; ++l)
        s.push_back({role, l, std::string(name) + "[" + std::to_string(l) + "]", shape});
    return s;
}

void append(std::vector<Slot>& to, std::vector<Slot> from) {
    to.insert(to.end(), from.begin(), from.end());
}

// The file's tensors in storage order. The legacy format's freq_cis tables are not model
// weights (RoPE is computed) and are represented by a role-less gap, see loadLlama2c.
std::vector<Slot> storageOrder(const HParams& hp, bool v1) {
    const int64_t dim = hp.dim, kv = hp.kvDim(), ffn = hp.hiddenDim;
    Slot embedding{TensorRole::TokenEmbedding, -1, "token_embedding_table", {hp.vocabSize, dim}};
    Slot finalNorm{TensorRole::OutputNorm, -1, "rms_final_weight", {dim}};
    std::vector<Slot> s;
    if (v1) {
        append(s, perLayer(hp, TensorRole::AttnNorm, "attention_norm", {dim}));
        append(s, perLayer(hp, TensorRole::FfnNorm, "ffn_norm", {dim}));
        s.push_back(finalNorm);
        s.push_back(embedding);
    } else {
        s.push_back(embedding);
        append(s, perLayer(hp, TensorRole::AttnNorm, "rms_att_weight", {dim}));
    }
    append(s, perLayer(hp, TensorRole::Wq, "wq", {hp.qDim(), dim}));
    append(s, perLayer(hp, TensorRole::Wk, "wk", {kv, dim}));
    append(s, perLayer(hp, TensorRole::Wv, "wv", {kv, dim}));
    append(s, perLayer(hp, TensorRole::Wo, "wo", {dim, hp.qDim()}));
    if (!v1) append(s, perLayer(hp, TensorRole::FfnNorm, "rms_ffn_weight", {dim}));
    append(s, perLayer(hp, TensorRole::FfnGate, "w1", {ffn, dim}));
    append(s, perLayer(hp, TensorRole::FfnDown, "w2", {dim, ffn}));
    append(s, perLayer(hp, TensorRole::FfnUp, "w3", {ffn, dim}));
    if (!v1) s.push_back(finalNorm);
    return s;
}

} // namespace

LoaderResult loadLlama2c(const fs::path& path) {
    auto file = MappedFile::open(path);
    const uint64_t size = file->size();
    if (size < kLegacyHeader)
        throw FileError(path, "llama2.c checkpoint truncated: expected at least " +
                                  std::to_string(kLegacyHeader) + " bytes of header, file has " +
                                  std::to_string(size));

    bool v1 = false;
    uint64_t header = kLegacyHeader;
    if (file->read<uint32_t>(0) == kExportMagic) {
        const int32_t version = file->read<int32_t>(4);
        if (version == 2)
            throw FileError(path, "llama2.c version 2 (int8 Q8_0) export is not supported; "
                                  "export version 1 (fp32) or convert to GGUF");
        if (version != 1)
            throw FileError(path, "unknown llama2.c export version " + std::to_string(version));
        if (size < kV1Header)
            throw FileError(path, "llama2.c checkpoint truncated: expected at least 256 bytes of "
                                  "header, file has " +
                                      std::to_string(size));
        v1 = true;
        header = kV1Header;
    }

    bool shared = false;
    ModelDesc desc;
    desc.path = path.string();
    desc.format = "llama2c";
    desc.arch = Architecture::Llama;
    desc.hp = readHParams(*file, v1 ? 8 : 0, &shared);
    if (v1) shared = file->read<uint8_t>(36) != 0; // v1 stores the flag, vocab is positive
    desc.hp.tiedOutput = shared;
    desc.fileBytes = size;
    desc.metadata["llama2c.version"] = v1 ? "1" : "0 (legacy)";
    desc.metadata["llama2c.seq_len"] = std::to_string(desc.hp.maxSeqLen);
    desc.metadata["llama2c.shared_classifier"] = shared ? "true" : "false";

    // Hyperparameters first: with them in range the tensor list stays small and the size
    // arithmetic below cannot overflow.
    try {
        validateHParams(desc);
    } catch (const FileError& e) {
        throw FileError(path, "not a valid llama2.c checkpoint: " + e.problem());
    }

    std::vector<Slot> slots = storageOrder(desc.hp, v1);
    if (!shared)
        slots.push_back({TensorRole::Output, -1, "wcls", {desc.hp.vocabSize, desc.hp.dim}});
    for (const Slot& s : slots) {
        TensorDesc t;
        t.name = canonicalTensorName(s.role, s.block);
        t.fileName = s.fileName;
        t.role = s.role;
        t.block = s.block;
        t.fileType = DType::F32;
        t.shape = s.shape;
        desc.tensors.push_back(std::move(t));
    }
    // Legacy files keep the old freq_cis_real/imag tables after rms_final (before wcls).
    const uint64_t freqCis =
        v1 ? 0 : 2 * uint64_t(desc.hp.maxSeqLen) * uint64_t(desc.hp.headDim / 2) * 4;
    std::vector<uint64_t> offsets;
    uint64_t at = header;
    for (const TensorDesc& t : desc.tensors) {
        if (t.role == TensorRole::Output) at += freqCis;
        offsets.push_back(at);
        at += t.elementCount() * 4;
    }
    if (shared) at += freqCis;
    if (size < at)
        throw FileError(path, "llama2.c checkpoint truncated: expected " + std::to_string(at) +
                                  " bytes, file has " + std::to_string(size));
    if (size > at)
        throw FileError(path, "llama2.c checkpoint has " + std::to_string(size - at) +
                                  " unexpected extra bytes: expected " + std::to_string(at) +
                                  " bytes, file has " + std::to_string(size) +
                                  " (wrong header or not a llama2.c file)");

    auto model = std::make_shared<Model>(std::move(desc));
    for (size_t i = 0; i < offsets.size(); ++i)
        model->bindTensor(i, file->data() + offsets[i], DType::F32);
    model->keepAlive(file);
    model->finalize();

    LoaderResult r;
    r.model = std::move(model);
    r.tokenizerCandidates.push_back(path.parent_path() / "tokenizer.bin");
    return r;
}

} // namespace qs
