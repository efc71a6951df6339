#include "export/gguf_export.h"

#include "core/error.h"
#include "export/export_plan.h"
#include "ggml/ggml_quants.h"
#include "model/gguf_reader.h"
#include "model/gguf_writer.h"
#include "tokenizer/score_bpe.h"

#include <cstring>
#include <map>

namespace qs {

namespace fs = std::filesystem;

namespace {

constexpr uint32_t kGgmlQuantizationVersion = 2; // GGML_QNT_VERSION

// llama.cpp's converters build rotate_half models as "llama" (interleaved RoPE) with permuted
// q/k rows; qwen2 keeps rotate_half (NeoX RoPE) natively.
bool needsPermute(const ModelDesc& desc, const std::string& arch) {
    return desc.hp.rope == RopeStyle::RotateHalf && arch != "qwen2";
}

std::string ggufArchFor(const ModelDesc& desc) {
    if (desc.arch == Architecture::Qwen2) return "qwen2";
    return "llama"; // Mistral checkpoints are converted to the llama graph as well
}

void setArchKvs(GgufWriter& w, const ModelDesc& desc, const std::string& arch) {
    const HParams& hp = desc.hp;
    auto u32 = [](int v) { return GgufValue::uint32(uint32_t(v)); };
    w.setKv(arch + ".context_length", u32(hp.maxSeqLen));
    w.setKv(arch + ".embedding_length", u32(hp.dim));
    w.setKv(arch + ".feed_forward_length", u32(hp.hiddenDim));
    w.setKv(arch + ".block_count", u32(hp.nLayers));
    w.setKv(arch + ".attention.head_count", u32(hp.nHeads));
    w.setKv(arch + ".attention.head_count_kv", u32(hp.nKvHeads));
    w.setKv(arch + ".rope.dimension_count", u32(hp.headDim));
    w.setKv(arch + ".rope.freq_base", GgufValue::float32(hp.ropeTheta));
    w.setKv(arch + ".attention.layer_norm_rms_epsilon", GgufValue::float32(hp.normEps));
    if (hp.headDim * hp.nHeads != hp.dim) {
        w.setKv(arch + ".attention.key_length", u32(hp.headDim));
        w.setKv(arch + ".attention.value_length", u32(hp.headDim));
    }
    w.setKv(arch + ".vocab_size", u32(hp.vocabSize));
}

// tokenizer.ggml.* from a score-ordered BPE vocabulary; a note when the tokenizer is another kind.
void setVocabKvs(GgufWriter& w, const Model& model, std::vector<std::string>& notes) {
    const auto tok = model.tokenizer();
    const auto* bpe = dynamic_cast<const ScoreBpeTokenizer*>(tok.get());
    if (!bpe) {
        notes.push_back(tok ? "vocabulary not embedded: a " + tok->kind() +
                                  " tokenizer has no GGUF 'llama' form here; llama.cpp needs one "
                                  "(convert with convert_hf_to_gguf.py to get it)"
                            : "vocabulary not embedded: the model has no tokenizer");
        return;
    }
    const ScoreBpeVocab& v = bpe->vocab();
    static const std::string kSpace = "\xE2\x96\x81"; // U+2581, SentencePiece's space
    std::vector<std::string> pieces;
    std::vector<int32_t> types;
    pieces.reserve(v.pieces.size());
    for (size_t id = 0; id < v.pieces.size(); ++id) {
        const PieceKind kind = id < v.kinds.size() ? v.kinds[id] : PieceKind::Normal;
        std::string p = v.pieces[id];
        if (kind == PieceKind::Control) {
            // llama2.c stores "\n<s>\n"; GGUF vocabularies spell control pieces bare.
            const auto a = p.find_first_not_of(" \n"), b = p.find_last_not_of(" \n");
            p = a == std::string::npos ? p : p.substr(a, b - a + 1);
        } else if (kind != PieceKind::Byte && v.spaceSymbol != kSpace && !v.spaceSymbol.empty()) {
            std::string r;
            for (size_t i = 0; i < p.size();) {
                if (p.compare(i, v.spaceSymbol.size(), v.spaceSymbol) == 0) {
                    r += kSpace;
                    i += v.spaceSymbol.size();
                } else {
                    r += p[i++];
                }
            }
            p = std::move(r);
        }
        pieces.push_back(std::move(p));
        // GGUF token types (llama_token_type): 1 normal, 2 unknown, 3 control, 5 unused, 6 byte.
        types.push_back(kind == PieceKind::Unknown   ? 2
                        : kind == PieceKind::Control ? 3
                        : kind == PieceKind::Unused  ? 5
                        : kind == PieceKind::Byte    ? 6
                                                     : 1);
    }
    w.setKv("tokenizer.ggml.model", GgufValue::string("llama"));
    w.setKv("tokenizer.ggml.tokens", GgufValue::stringArray(pieces));
    w.setKv("tokenizer.ggml.scores", GgufValue::float32Array(v.scores));
    w.setKv("tokenizer.ggml.token_type", GgufValue::int32Array(types));
    if (v.unkId >= 0)
        w.setKv("tokenizer.ggml.unknown_token_id", GgufValue::uint32(uint32_t(v.unkId)));
    if (v.bosId >= 0) w.setKv("tokenizer.ggml.bos_token_id", GgufValue::uint32(uint32_t(v.bosId)));
    if (v.eosId >= 0) w.setKv("tokenizer.ggml.eos_token_id", GgufValue::uint32(uint32_t(v.eosId)));
    w.setKv("tokenizer.ggml.add_bos_token", GgufValue::boolean(true));
    w.setKv("tokenizer.ggml.add_space_prefix", GgufValue::boolean(v.addSpacePrefix));
}

const float* tensorData(const Model& model, const ExportTensor& t) {
    const WeightView* v =
        t.descIndex ? model.weights().find(t.role, t.block) : &model.weights().tokenEmbedding;
    if (!v || !v->data) throw Error("model has no data for tensor " + t.name);
    return v->data;
}

} // namespace

void permuteRotateHalfToInterleaved(const float* src, float* dst, int64_t rows, int64_t cols,
                                    int heads) {
    if (heads <= 0 || rows % heads != 0 || (rows / heads) % 2 != 0)
        throw Error("cannot permute " + std::to_string(rows) + " rows into " +
                    std::to_string(heads) + " heads of even size");
    const int64_t hd = rows / heads, half = hd / 2;
    for (int64_t h = 0; h < heads; ++h)
        for (int64_t i = 0; i < half; ++i)
            for (int64_t j = 0; j < 2; ++j)
                std::memcpy(dst + (h * hd + 2 * i + j) * cols, src + (h * hd + j * half + i) * cols,
                            size_t(cols) * sizeof(float));
}

uint32_t llamaFileType(int t, bool mixed) {
    switch (t) {
    case ggml::kF32:
        return 0;
    case ggml::kF16:
        return 1;
    case ggml::kQ4_0:
        return 2;
    case ggml::kQ4_1:
        return 3;
    case ggml::kQ8_0:
        return 7;
    case ggml::kQ5_0:
        return 8;
    case ggml::kQ5_1:
        return 9;
    case ggml::kQ2_K:
        return 10;
    case ggml::kQ3_K:
        return mixed ? 12 : 11; // Q3_K_M : Q3_K_S
    case ggml::kQ4_K:
        return mixed ? 15 : 14; // Q4_K_M : Q4_K_S
    case ggml::kQ5_K:
        return mixed ? 17 : 16; // Q5_K_M : Q5_K_S
    case ggml::kQ6_K:
        return 18;
    case ggml::kBF16:
        return 32;
    default:
        return 0;
    }
}

void checkGgufExportable(const ModelDesc& desc, const ResolvedConfig& config) {
    throwIfUnmapped(unmappedGgmlTensors(exportTensors(desc, config, HeadPolicy::WhenDistinct)),
                    "GGUF");
}

GgufExportReport writeQuantizedGguf(const Model& model, const ResolvedConfig& config,
                                    const fs::path& out, const GgufExportOptions& options) {
    const ModelDesc& desc = model.desc();
    const std::vector<ExportTensor> tensors = exportTensors(desc, config, HeadPolicy::WhenDistinct);
    throwIfUnmapped(unmappedGgmlTensors(tensors), "GGUF");

    GgufExportReport report;
    report.path = out;

    // Metadata first: for a GGUF source, the source's KVs in their order.
    std::optional<GgufFile> source;
    if (desc.format == "gguf") source = GgufFile::open(desc.path);
    GgufWriter w(source ? uint32_t(source->alignment()) : 32);
    std::string arch;
    if (source) {
        for (const auto& [key, value] : source->kvs()) {
            if (key.rfind("split.", 0) == 0) continue; // one file, whatever the source was
            w.setKv(key, value);
        }
        arch = source->find("general.architecture")->toString();
    } else {
        arch = ggufArchFor(desc);
        w.setKv("general.architecture", GgufValue::string(arch));
        w.setKv("general.name", GgufValue::string(fs::path(desc.path).filename().string()));
        setArchKvs(w, desc, arch);
        setVocabKvs(w, model, report.notes);
    }
    if (!options.name.empty()) w.setKv("general.name", GgufValue::string(options.name));
    w.setKv("general.quantized_by", GgufValue::string("QuantScope"));
    const bool permute = needsPermute(desc, arch);
    if (permute)
        report.notes.push_back(
            "q/k rows permuted from rotate_half to llama.cpp's interleaved order");

    // general.file_type from the ggml type holding most quantizable weights.
    std::map<int, uint64_t> weightByType;
    for (const ExportTensor& t : tensors)
        if (t.format) weightByType[exportGgmlType(*t.format)] += uint64_t(t.rows * t.cols);
    int dominant = ggml::kF32;
    uint64_t most = 0;
    for (const auto& [type, n] : weightByType)
        if (n > most) dominant = type, most = n;
    report.fileType = llamaFileType(dominant, weightByType.size() > 1);
    w.setKv("general.file_type", GgufValue::uint32(report.fileType));
    w.setKv("general.quantization_version", GgufValue::uint32(kGgmlQuantizationVersion));

    for (const ExportTensor& t : tensors) {
        const int type = t.format ? exportGgmlType(*t.format) : ggml::kF32;
        report.types[t.name] = type;
        const bool isMatrix = t.rows > 1 || t.format;
        std::vector<uint64_t> ne = isMatrix
                                       ? std::vector<uint64_t>{uint64_t(t.cols), uint64_t(t.rows)}
                                       : std::vector<uint64_t>{uint64_t(t.cols)};
        const bool isQ = t.role == TensorRole::Wq || t.role == TensorRole::Bq;
        const bool isK = t.role == TensorRole::Wk || t.role == TensorRole::Bk;
        const int heads = permute && (isQ || isK) ? (isQ ? desc.hp.nHeads : desc.hp.nKvHeads) : 0;
        const float* src = tensorData(model, t);
        const int64_t rows = t.rows, cols = t.cols;
        // Produced while writing: only one quantized tensor is held at a time.
        w.addTensor(t.name, std::move(ne), uint32_t(type),
                    [=, name = t.name](std::span<std::byte> dst) {
                        std::vector<float> permuted;
                        const float* data = src;
                        if (heads > 0) {
                            // A bias is a vector of `rows` values: permute it as rows of 1.
                            const bool vec = !isMatrix;
                            const int64_t r = vec ? cols : rows, c = vec ? 1 : cols;
                            permuted.resize(size_t(r * c));
                            permuteRotateHalfToInterleaved(src, permuted.data(), r, c, heads);
                            data = permuted.data();
                        }
                        if (type == ggml::kF32) {
                            std::memcpy(dst.data(), data, dst.size());
                            return;
                        }
                        const std::vector<std::byte> q = ggmlQuantizeRows(type, data, rows, cols);
                        if (q.size() != dst.size())
                            throw Error("tensor " + name + ": quantized size mismatch");
                        std::memcpy(dst.data(), q.data(), q.size());
                    });
    }
    w.write(out);
    std::error_code ec;
    report.bytes = fs::file_size(out, ec);
    return report;
}

} // namespace qs
