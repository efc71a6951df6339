// Llama-family models from GGUF: llama, mistral and qwen2 architectures, tensors of type F32,
// F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1 or Q2_K..Q6_K (dequantized to fp32 on load with the
// ggml codecs), and the embedded vocabulary.

#include "core/error.h"
#include "model/gguf_reader.h"
#include "model/loaders.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <regex>

namespace qs {

namespace {

namespace fs = std::filesystem;

class Kv {
public:
    Kv(const GgufFile& g, std::string arch) : m_g(g), m_arch(std::move(arch)) {}

    const GgufValue* find(const std::string& key) const { return m_g.find(key); }

    // Runs a GgufValue conversion, turning its type error into a FileError naming the key.
    template <typename F>
    auto convert(const std::string& key, F f) const {
        try {
            return f();
        } catch (const FileError&) {
            throw;
        } catch (const Error& e) {
            fail("KV '" + key + "': " + e.what());
        }
    }

    // "<arch>.<suffix>" as an int; `fallback` when absent (nullopt: required).
    int archInt(const std::string& suffix, std::optional<int64_t> fallback = std::nullopt) const {
        const std::string key = m_arch + "." + suffix;
        const GgufValue* v = find(key);
        if (!v) {
            if (!fallback) fail("missing required KV '" + key + "'");
            return static_cast<int>(*fallback);
        }
        const int64_t x = convert(key, [&] { return v->toInt(); });
        if (x < std::numeric_limits<int>::min() || x > std::numeric_limits<int>::max())
            fail("KV '" + key + "' = " + std::to_string(x) + " is out of range");
        return static_cast<int>(x);
    }

    float archFloat(const std::string& suffix, float fallback) const {
        const std::string key = m_arch + "." + suffix;
        const GgufValue* v = find(key);
        return v ? static_cast<float>(convert(key, [&] { return v->toDouble(); })) : fallback;
    }

    [[noreturn]] void fail(const std::string& problem) const {
        throw FileError(m_g.path(), problem);
    }

private:
    const GgufFile& m_g;
    std::string m_arch;
};

struct RoleName {
    const char* name;
    TensorRole role;
};

constexpr RoleName kBlockRoles[] = {
    {"attn_norm.weight", TensorRole::AttnNorm},
    {"attn_q.weight", TensorRole::Wq},
    {"attn_k.weight", TensorRole::Wk},
    {"attn_v.weight", TensorRole::Wv},
    {"attn_output.weight", TensorRole::Wo},
    {"attn_q.bias", TensorRole::Bq},
    {"attn_k.bias", TensorRole::Bk},
    {"attn_v.bias", TensorRole::Bv},
    {"ffn_norm.weight", TensorRole::FfnNorm},
    {"ffn_gate.weight", TensorRole::FfnGate},
    {"ffn_up.weight", TensorRole::FfnUp},
    {"ffn_down.weight", TensorRole::FfnDown},
};

// Maps a GGUF tensor name to its role; false for names the Llama forward pass does not use.
bool roleOf(const std::string& name, TensorRole* role, int* block) {
    if (name == "token_embd.weight") return *role = TensorRole::TokenEmbedding, *block = -1, true;
    if (name == "output_norm.weight") return *role = TensorRole::OutputNorm, *block = -1, true;
    if (name == "output.weight") return *role = TensorRole::Output, *block = -1, true;
    static const std::regex re(R"(blk\.(\d{1,6})\.(.+))");
    std::smatch m;
    if (!std::regex_match(name, m, re)) return false;
    for (const RoleName& r : kBlockRoles)
        if (m[2] == r.name) {
            *role = r.role;
            *block = std::stoi(m[1]);
            return true;
        }
    return false;
}

EmbeddedVocab readVocab(const Kv& kv) {
    EmbeddedVocab v;
    auto str = [&](const char* key, std::string& out) {
        if (const GgufValue* x = kv.find(key)) out = kv.convert(key, [&] { return x->toString(); });
    };
    auto id = [&](const char* key, int32_t& out) {
        if (const GgufValue* x = kv.find(key)) {
            const int64_t n = kv.convert(key, [&] { return x->toInt(); });
            out = n < 0 || n > std::numeric_limits<int32_t>::max() ? -1 : static_cast<int32_t>(n);
        }
    };
    auto flag = [&](const char* key, bool& out) {
        if (const GgufValue* x = kv.find(key)) out = kv.convert(key, [&] { return x->toBool(); });
    };
    str("tokenizer.ggml.model", v.model);
    str("tokenizer.ggml.pre", v.pre);
    if (const GgufValue* x = kv.find("tokenizer.ggml.tokens"))
        v.tokens = kv.convert("tokenizer.ggml.tokens", [&] { return x->toStringVector(); });
    if (const GgufValue* x = kv.find("tokenizer.ggml.scores"))
        v.scores = kv.convert("tokenizer.ggml.scores", [&] { return x->toFloatVector(); });
    if (const GgufValue* x = kv.find("tokenizer.ggml.token_type"))
        v.tokenTypes = kv.convert("tokenizer.ggml.token_type", [&] { return x->toInt32Vector(); });
    if (const GgufValue* x = kv.find("tokenizer.ggml.merges"))
        v.merges = kv.convert("tokenizer.ggml.merges", [&] { return x->toStringVector(); });
    id("tokenizer.ggml.bos_token_id", v.bosId);
    id("tokenizer.ggml.eos_token_id", v.eosId);
    id("tokenizer.ggml.unknown_token_id", v.unkId);
    flag("tokenizer.ggml.add_bos_token", v.addBos);
    flag("tokenizer.ggml.add_space_prefix", v.addSpacePrefix);
    return v;
}

// llama.cpp's converters sometimes store a tied head as a copy of the embedding (stories260K
// does). Recognising the copy keeps parameter counts and quantization configs honest.
bool isCopyOfEmbedding(const GgufFile& g, const GgufTensorInfo& out, const GgufTensorInfo& emb) {
    if (out.ne != emb.ne || out.typeId != emb.typeId || out.byteSize != emb.byteSize) return false;
    auto a = g.tensorData(out), b = g.tensorData(emb);
    return std::memcmp(a.data(), b.data(), a.size()) == 0;
}

} // namespace

LoaderResult loadGguf(const fs::path& path) {
    const GgufFile g = GgufFile::open(path);
    const GgufValue* archValue = g.find("general.architecture");
    if (!archValue) throw FileError(path, "missing required KV 'general.architecture'");
    const Kv probe(g, "");
    const std::string arch =
        probe.convert("general.architecture", [&] { return archValue->toString(); });

    ModelDesc desc;
    desc.path = path.string();
    desc.format = "gguf";
    if (arch == "llama")
        desc.arch = Architecture::Llama;
    else if (arch == "mistral")
        desc.arch = Architecture::Mistral;
    else if (arch == "qwen2")
        desc.arch = Architecture::Qwen2;
    else
        throw FileError(path, "unsupported architecture '" + arch +
                                  "' (supported: llama, mistral, qwen2)");
    const Kv kv(g, arch);

    HParams& hp = desc.hp;
    hp.dim = kv.archInt("embedding_length");
    hp.hiddenDim = kv.archInt("feed_forward_length");
    hp.nLayers = kv.archInt("block_count");
    hp.nHeads = kv.archInt("attention.head_count");
    hp.nKvHeads = kv.archInt("attention.head_count_kv", hp.nHeads);
    hp.headDim = kv.archInt("attention.key_length", hp.nHeads > 0 ? hp.dim / hp.nHeads : 0);
    hp.maxSeqLen = kv.archInt("context_length", 2048);
    hp.normEps = kv.archFloat("attention.layer_norm_rms_epsilon", 1e-5f);
    hp.ropeTheta = kv.archFloat("rope.freq_base", 10000.0f);
    // llama.cpp's "llama" graph rotates adjacent pairs; qwen2 uses the NeoX (rotate-half) form.
    hp.rope = desc.arch == Architecture::Qwen2 ? RopeStyle::RotateHalf : RopeStyle::Interleaved;
    hp.qkvBias = desc.arch == Architecture::Qwen2;
    const int ropeDims = kv.archInt("rope.dimension_count", hp.headDim);
    if (ropeDims != hp.headDim)
        kv.fail("partial RoPE (rope.dimension_count " + std::to_string(ropeDims) + " != head dim " +
                std::to_string(hp.headDim) + ") is not supported");
    if (const GgufValue* s = g.find(arch + ".rope.scaling.type")) {
        const std::string type =
            kv.convert(arch + ".rope.scaling.type", [&] { return s->toString(); });
        if (type != "none") kv.fail("rope scaling type '" + type + "' is not supported");
    }
    if (kv.archInt("attention.value_length", hp.headDim) != hp.headDim)
        kv.fail("attention.value_length differs from the key length; not supported");

    EmbeddedVocab vocab = readVocab(kv);
    hp.bosId = vocab.bosId;
    hp.eosId = vocab.eosId;

    const GgufTensorInfo* emb = g.findTensor("token_embd.weight");
    if (!emb) kv.fail("missing tensor token_embd.weight");
    hp.vocabSize = !vocab.tokens.empty() ? static_cast<int>(vocab.tokens.size())
                   : emb->ne.size() == 2 && emb->ne[1] <= std::numeric_limits<int>::max()
                       ? static_cast<int>(emb->ne[1])
                       : 0;

    const GgufTensorInfo* out = g.findTensor("output.weight");
    hp.tiedOutput = !out || isCopyOfEmbedding(g, *out, *emb);
    if (out && hp.tiedOutput)
        desc.metadata["quantscope.note"] =
            "output.weight is a copy of token_embd.weight; treated as tied";

    std::vector<const GgufTensorInfo*> sources;
    for (const GgufTensorInfo& t : g.tensors()) {
        TensorDesc d;
        if (!roleOf(t.name, &d.role, &d.block)) {
            if (t.name == "rope_freqs.weight")
                kv.fail(
                    "tensor rope_freqs.weight (Llama 3 RoPE frequency scaling) is not supported");
            kv.fail("unexpected tensor '" + t.name + "' for a " + arch + " model");
        }
        if (d.role == TensorRole::Output && hp.tiedOutput) continue;
        const std::optional<DType> type = ggmlToDType(t.typeId);
        if (!type)
            kv.fail("tensor '" + t.name + "' has type " + ggmlTypeName(t.typeId) +
                    " (ggml type id " + std::to_string(t.typeId) +
                    "), which is not supported (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, "
                    "Q2_K..Q6_K are)");
        if (t.ne.size() > 2) kv.fail("tensor '" + t.name + "' has more than 2 dimensions");
        d.name = canonicalTensorName(d.role, d.block);
        d.fileName = t.name;
        d.fileType = *type;
        d.shape = t.shape();
        desc.tensors.push_back(std::move(d));
        sources.push_back(&t);
    }

    desc.fileBytes = g.file()->size();
    desc.metadata["gguf.version"] = std::to_string(g.version());
    for (const auto& [key, value] : g.kvs()) desc.metadata[key] = value.summary();

    validateModelDesc(desc); // before touching any data: shapes must be right
    auto model = std::make_shared<Model>(std::move(desc));
    for (size_t i = 0; i < sources.size(); ++i)
        model->bindTensor(i, g.tensorData(*sources[i]).data(), model->desc().tensors[i].fileType);
    model->keepAlive(g.file());
    model->finalize();

    LoaderResult r;
    r.model = std::move(model);
    if (!vocab.tokens.empty()) r.vocab = std::move(vocab);
    return r;
}

} // namespace qs
