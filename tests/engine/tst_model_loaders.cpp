// The three model loaders (llama2.c, GGUF, Hugging Face safetensors) on the real stories260K
// files, GGUF write/read round trips, dequantization on load, and malformed input: every bad
// file must be a qs::FileError naming the file and the problem, never a crash.
#include "shared_data.h"

#include "core/error.h"
#include "model/gguf_reader.h"
#include "model/gguf_writer.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>

using namespace qs;

namespace {

const char* kBin = "models/stories260K/model.bin";
const char* kGguf = "models/stories260K-gguf/stories260K.gguf";
const char* kHf = "models/stories260K-hf";
const char* kTok32k = "models/llama2-tokenizer-32000/tokenizer.bin";

QByteArray readAll(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) qFatal("cannot read %s", qPrintable(path));
    return f.readAll();
}

void writeAll(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        qFatal("cannot write %s", qPrintable(path));
    f.write(bytes);
}

using qs::test::shared;

template <typename T>
void put(QByteArray& b, qsizetype at, T v) {
    std::memcpy(b.data() + at, &v, sizeof v);
}
template <typename T>
T get(const QByteArray& b, qsizetype at) {
    T v;
    std::memcpy(&v, b.constData() + at, sizeof v);
    return v;
}

// Position of a GGUF tensor info's n_dims field (right after its name).
qsizetype ggufTensorInfo(const QByteArray& file, const QByteArray& name) {
    qsizetype at = file.indexOf(name);
    while (at >= 8 && get<uint64_t>(file, at - 8) != uint64_t(name.size()))
        at = file.indexOf(name, at + 1);
    if (at < 8) qFatal("tensor %s not found", name.constData());
    return at + name.size();
}
qsizetype ggufTypeField(const QByteArray& f, const QByteArray& name) {
    const qsizetype p = ggufTensorInfo(f, name);
    return p + 4 + 8 * qsizetype(get<uint32_t>(f, p));
}
qsizetype ggufOffsetField(const QByteArray& f, const QByteArray& name) {
    return ggufTypeField(f, name) + 4;
}

// --- safetensors, rebuilt from parts so tests can change any field ---
struct StTensor {
    QString name, dtype;
    QJsonArray shape;
    QByteArray data;
};

QList<StTensor> readSafetensors(const QString& path) {
    const QByteArray f = readAll(path);
    const auto n = qsizetype(get<uint64_t>(f, 0));
    const QJsonObject h = QJsonDocument::fromJson(f.mid(8, n)).object();
    QList<StTensor> out;
    for (auto it = h.begin(); it != h.end(); ++it) {
        if (it.key() == "__metadata__") continue;
        const QJsonObject o = it.value().toObject();
        const QJsonArray off = o["data_offsets"].toArray();
        const qint64 b = off[0].toInteger(), e = off[1].toInteger();
        out.push_back(
            {it.key(), o["dtype"].toString(), o["shape"].toArray(), f.mid(8 + n + b, e - b)});
    }
    return out;
}

void writeSafetensors(const QString& path, const QList<StTensor>& tensors,
                      const std::function<void(QJsonObject&)>& tweak = {}) {
    QJsonObject h;
    QByteArray data;
    for (const StTensor& t : tensors) {
        QJsonObject o;
        o["dtype"] = t.dtype;
        o["shape"] = t.shape;
        o["data_offsets"] = QJsonArray{qint64(data.size()), qint64(data.size() + t.data.size())};
        h[t.name] = o;
        data += t.data;
    }
    h["__metadata__"] = QJsonObject{{"format", "pt"}};
    if (tweak) tweak(h);
    QByteArray json = QJsonDocument(h).toJson(QJsonDocument::Compact);
    while (json.size() % 8) json += ' ';
    QByteArray out(8, '\0');
    put<uint64_t>(out, 0, uint64_t(json.size()));
    writeAll(path, out + json + data);
}

// A copy of the stories260K HF folder whose safetensors file is rebuilt (optionally changed).
QString hfCopy(const QString& dir, const std::function<void(QList<StTensor>&)>& edit = {},
               const std::function<void(QJsonObject&)>& tweak = {}) {
    const QString folder = QDir(dir).filePath("hf");
    QDir().mkpath(folder);
    for (const char* f : {"config.json", "tokenizer.bin"})
        QFile::copy(QDir(shared(kHf)).filePath(f), QDir(folder).filePath(f));
    QList<StTensor> t = readSafetensors(QDir(shared(kHf)).filePath("model.safetensors"));
    if (edit) edit(t);
    writeSafetensors(QDir(folder).filePath("model.safetensors"), t, tweak);
    return folder;
}

void editConfig(const QString& folder, const std::function<void(QJsonObject&)>& edit) {
    const QString p = QDir(folder).filePath("config.json");
    QJsonObject c = QJsonDocument::fromJson(readAll(p)).object();
    edit(c);
    QFile::remove(p);
    writeAll(p, QJsonDocument(c).toJson());
}

StTensor* findSt(QList<StTensor>& ts, const QString& name) {
    for (StTensor& t : ts)
        if (t.name == name) return &t;
    qFatal("no tensor %s", qPrintable(name));
}

bool sameView(const WeightView& a, const WeightView& b) {
    return a.rows == b.rows && a.cols == b.cols && a.data && b.data &&
           std::memcmp(a.data, b.data, size_t(a.rows * a.cols) * 4) == 0;
}

// Every weight view of a model with its canonical name, in a fixed order whatever the format.
std::vector<std::pair<std::string, const WeightView*>> allViews(const Model& m) {
    std::vector<std::pair<std::string, const WeightView*>> v;
    const LlamaWeights& w = m.weights();
    v.push_back({"token_embd", &w.tokenEmbedding});
    v.push_back({"output_norm", &w.outputNorm});
    v.push_back({"output", &w.output});
    const TensorRole roles[] = {TensorRole::AttnNorm, TensorRole::Wq,    TensorRole::Wk,
                                TensorRole::Wv,       TensorRole::Wo,    TensorRole::FfnNorm,
                                TensorRole::FfnGate,  TensorRole::FfnUp, TensorRole::FfnDown};
    for (int b = 0; b < int(w.blocks.size()); ++b)
        for (TensorRole r : roles) v.push_back({canonicalTensorName(r, b), w.find(r, b)});
    return v;
}

// The llama2.c legacy file, split into named fp32 tensors in storage order.
struct Llama2cParts {
    int32_t header[7];
    std::vector<std::pair<std::string, QByteArray>> tensors; // freq_cis included
};

Llama2cParts splitLlama2c(const QByteArray& f) {
    Llama2cParts p;
    std::memcpy(p.header, f.constData(), 28);
    const int64_t dim = p.header[0], hid = p.header[1], L = p.header[2], H = p.header[3],
                  KV = p.header[4], V = std::abs(p.header[5]), S = p.header[6];
    const int64_t hs = dim / H, kv = KV * hs;
    qsizetype at = 28;
    auto take = [&](const std::string& name, int64_t n) {
        p.tensors.push_back({name, f.mid(at, n * 4)});
        at += n * 4;
    };
    take("token_embedding", V * dim);
    const std::pair<const char*, int64_t> perLayer[] = {
        {"rms_att", dim}, {"wq", dim * dim}, {"wk", dim * kv},  {"wv", dim * kv}, {"wo", dim * dim},
        {"rms_ffn", dim}, {"w1", hid * dim}, {"w2", dim * hid}, {"w3", hid * dim}};
    for (const auto& [name, n] : perLayer)
        for (int64_t l = 0; l < L; ++l) take(std::string(name) + std::to_string(l), n);
    take("rms_final", dim);
    take("freq_cis_real", S * hs / 2);
    take("freq_cis_imag", S * hs / 2);
    return p;
}

QByteArray partsByPrefix(const Llama2cParts& p, const std::string& prefix) {
    QByteArray out;
    for (const auto& [name, bytes] : p.tensors)
        if (name.rfind(prefix, 0) == 0 &&
            !std::isalpha(static_cast<unsigned char>(name[prefix.size()])))
            out += bytes;
    return out;
}

using Maker = std::function<QString(const QString& dir)>; // returns the path to load

} // namespace

Q_DECLARE_METATYPE(Maker)
Q_DECLARE_METATYPE(qs::RopeStyle)

class TestModelLoaders : public QObject {
    Q_OBJECT
private slots:
    void canonicalNames();

    void loadsStories260K_data();
    void loadsStories260K();
    void llama2cAndGgufWeightsAreIdentical();
    void hfWeightsAreLlama2cInRotateHalfOrder();
    void ggufMetadataIsReadable();

    void llama2cUntiedAndVersion1();
    void hfShardedFolderLoads();
    void syntheticArchitectures_data();
    void syntheticArchitectures();

    void ggufRoundTripKeepsEveryKvAndTensor();
    void ggufKnownBytesDequantize();
    void convertedTensorsDequantizeOnLoad_data();
    void convertedTensorsDequantizeOnLoad();

    void badInputIsAFileError_data();
    void badInputIsAFileError();

    void tokenizerThatDoesNotFitIsRejected_data();
    void tokenizerThatDoesNotFitIsRejected();
    void missingTokenizer();
};

void TestModelLoaders::canonicalNames() {
    QCOMPARE(canonicalTensorName(TensorRole::TokenEmbedding, -1), std::string("token_embd.weight"));
    QCOMPARE(canonicalTensorName(TensorRole::Wq, 3), std::string("blk.3.attn_q.weight"));
    QCOMPARE(canonicalTensorName(TensorRole::Bk, 0), std::string("blk.0.attn_k.bias"));
    QCOMPARE(canonicalTensorName(TensorRole::FfnDown, 11), std::string("blk.11.ffn_down.weight"));
    QVERIFY(isQuantizableRole(TensorRole::Wo));
    QVERIFY(!isQuantizableRole(TensorRole::AttnNorm));
    QVERIFY(!isQuantizableRole(TensorRole::Bq));
}

void TestModelLoaders::loadsStories260K_data() {
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("format");
    QTest::addColumn<RopeStyle>("rope");
    QTest::newRow("llama2c") << kBin << "llama2c" << RopeStyle::Interleaved;
    QTest::newRow("gguf") << kGguf << "gguf" << RopeStyle::Interleaved;
    QTest::newRow("hf") << kHf << "safetensors" << RopeStyle::RotateHalf;
}

void TestModelLoaders::loadsStories260K() {
    QFETCH(QString, path);
    QFETCH(QString, format);
    QFETCH(RopeStyle, rope);
    QS_REQUIRE_SHARED(path.toUtf8().constData());
    auto m = loadModel(test::sharedPath(path.toUtf8().constData()));
    const HParams& hp = m->hp();
    QCOMPARE(QString::fromStdString(m->desc().format), format);
    QCOMPARE(m->desc().arch, Architecture::Llama);
    QCOMPARE(hp.dim, 64);
    QCOMPARE(hp.hiddenDim, 172);
    QCOMPARE(hp.nLayers, 5);
    QCOMPARE(hp.nHeads, 8);
    QCOMPARE(hp.nKvHeads, 4);
    QCOMPARE(hp.headDim, 8);
    QCOMPARE(hp.vocabSize, 512);
    QVERIFY(hp.tiedOutput);
    QVERIFY(!hp.qkvBias);
    QCOMPARE(hp.rope, rope);
    QCOMPARE(hp.normEps, 1e-5f);
    QCOMPARE(hp.ropeTheta, 10000.0f);
    QCOMPARE(hp.bosId, 1);
    QCOMPARE(hp.eosId, 2);
    QCOMPARE(m->desc().parameterCount(), uint64_t(260'032));
    QVERIFY(m->desc().fileBytes > 1'000'000);

    // Zero copy: every F32 tensor is used in place from the mapping.
    QCOMPARE(m->ownedBytes(), uint64_t(0));
    const LlamaWeights& w = m->weights();
    QCOMPARE(w.output.data, w.tokenEmbedding.data);
    QCOMPARE(w.tokenEmbedding.rows, int64_t(512));
    QCOMPARE(w.tokenEmbedding.cols, int64_t(64));
    QCOMPARE(w.outputNorm.rows, int64_t(64));
    QCOMPARE(w.outputNorm.cols, int64_t(1));
    QCOMPARE(int(w.blocks.size()), 5);
    QCOMPARE(w.blocks[4].wk.rows, int64_t(32));
    QCOMPARE(w.blocks[4].down.cols, int64_t(172));
    QVERIFY(!w.blocks[0].bq);

    QVERIFY(m->tokenizer());
    QCOMPARE(m->tokenizer()->vocabSize(), 512);
}

void TestModelLoaders::llama2cAndGgufWeightsAreIdentical() {
    QS_REQUIRE_SHARED(kBin);
    QS_REQUIRE_SHARED(kGguf);
    auto a = loadModel(test::sharedPath(kBin)), b = loadModel(test::sharedPath(kGguf));
    const auto va = allViews(*a), vb = allViews(*b);
    QCOMPARE(va.size(), vb.size());
    QCOMPARE(va.size(), size_t(3 + 5 * 9));
    for (size_t i = 0; i < va.size(); ++i) {
        QCOMPARE(va[i].first, vb[i].first);
        QVERIFY2(sameView(*va[i].second, *vb[i].second), va[i].first.c_str());
    }
}

void TestModelLoaders::hfWeightsAreLlama2cInRotateHalfOrder() {
    QS_REQUIRE_SHARED(kBin);
    QS_REQUIRE_SHARED(kHf);
    auto a = loadModel(test::sharedPath(kBin)), h = loadModel(test::sharedPath(kHf));
    const auto va = allViews(*a), vh = allViews(*h);
    QCOMPARE(va.size(), vh.size());
    const int hs = a->hp().headDim;
    int permuted = 0;
    for (size_t i = 0; i < va.size(); ++i) {
        QCOMPARE(va[i].first, vh[i].first);
        const WeightView &x = *va[i].second, &y = *vh[i].second;
        const bool isQk = va[i].first.find("attn_q.") != std::string::npos ||
                          va[i].first.find("attn_k.") != std::string::npos;
        if (!isQk) {
            QVERIFY2(sameView(x, y), va[i].first.c_str());
            continue;
        }
        // HF row h*hs + p*hs/2 + j holds llama2.c row h*hs + 2j + p (PROVENANCE.md).
        QCOMPARE(x.rows, y.rows);
        QVERIFY(!sameView(x, y));
        for (int64_t head = 0; head < x.rows / hs; ++head)
            for (int p = 0; p < 2; ++p)
                for (int j = 0; j < hs / 2; ++j) {
                    const float* rh = y.data + (head * hs + p * hs / 2 + j) * y.cols;
                    const float* rl = x.data + (head * hs + 2 * j + p) * x.cols;
                    QVERIFY(std::memcmp(rh, rl, size_t(x.cols) * 4) == 0);
                }
        ++permuted;
    }
    QCOMPARE(permuted, 10);
}

void TestModelLoaders::ggufMetadataIsReadable() {
    QS_REQUIRE_SHARED(kGguf);
    auto m = loadModel(test::sharedPath(kGguf));
    const auto& md = m->desc().metadata;
    QCOMPARE(md.at("general.architecture"), std::string("llama"));
    QCOMPARE(md.at("llama.block_count"), std::string("5"));
    QCOMPARE(md.at("llama.attention.layer_norm_rms_epsilon"), std::string("1e-05"));
    QCOMPARE(md.at("tokenizer.ggml.tokens"), std::string("[array of 512 string]"));
    QCOMPARE(md.at("gguf.version"), std::string("3"));
    QCOMPARE(m->hp().maxSeqLen, 2048);
    // The file's output.weight is a copy of the embedding: recognised as tied, not loaded twice.
    QVERIFY(!m->desc().findRole(TensorRole::Output));
    QCOMPARE(m->desc().tensors.size(), size_t(2 + 5 * 9));
    QCOMPARE(m->desc().find("blk.2.ffn_down.weight").has_value(), true);
    const TensorDesc& down = m->desc().tensors[*m->desc().find("blk.2.ffn_down.weight")];
    QCOMPARE(down.shape, (std::vector<int64_t>{64, 172}));
    QCOMPARE(down.fileType, DType::F32);
}

void TestModelLoaders::llama2cUntiedAndVersion1() {
    QS_REQUIRE_SHARED(kBin);
    QTemporaryDir dir;
    const QByteArray f = readAll(shared(kBin));
    const Llama2cParts p = splitLlama2c(f);
    auto ref = loadModel(test::sharedPath(kBin));

    // Untied legacy: negative vocab_size, a classifier appended after freq_cis.
    QByteArray wcls = p.tensors.front().second;
    for (qsizetype i = 0; i < wcls.size(); i += 4) put<float>(wcls, i, -get<float>(wcls, i));
    QByteArray untied = f + wcls;
    put<int32_t>(untied, 20, -512);
    const QString untiedPath = dir.filePath("untied.bin");
    writeAll(untiedPath, untied);
    auto u = loadModel(untiedPath.toStdString());
    QVERIFY(!u->hp().tiedOutput);
    QCOMPARE(u->desc().parameterCount(), uint64_t(260'032 + 512 * 64));
    QVERIFY(sameView(u->weights().tokenEmbedding, ref->weights().tokenEmbedding));
    QCOMPARE(u->weights().output.data[5], -ref->weights().tokenEmbedding.data[5]);

    // Version 1 export: 256-byte "ak42" header and norms first.
    QByteArray v1(256, '\0');
    put<uint32_t>(v1, 0, 0x616b3432);
    put<int32_t>(v1, 4, 1);
    std::memcpy(v1.data() + 8, p.header, 28);
    put<uint8_t>(v1, 36, 1);
    for (const char* prefix : {"rms_att", "rms_ffn", "rms_final", "token_embedding", "wq", "wk",
                               "wv", "wo", "w1", "w2", "w3"})
        v1 += partsByPrefix(p, prefix);
    const QString v1Path = dir.filePath("v1.bin");
    writeAll(v1Path, v1);
    auto m1 = loadModel(v1Path.toStdString());
    QCOMPARE(m1->desc().metadata.at("llama2c.version"), std::string("1"));
    const auto va = allViews(*ref), vb = allViews(*m1);
    QCOMPARE(va.size(), vb.size());
    for (size_t i = 0; i < va.size(); ++i)
        QVERIFY2(sameView(*va[i].second, *vb[i].second), va[i].first.c_str());
}

void TestModelLoaders::hfShardedFolderLoads() {
    QS_REQUIRE_SHARED(kHf);
    QTemporaryDir dir;
    const QString folder = dir.filePath("sharded");
    QDir().mkpath(folder);
    QFile::copy(QDir(shared(kHf)).filePath("config.json"), QDir(folder).filePath("config.json"));
    const QList<StTensor> all = readSafetensors(QDir(shared(kHf)).filePath("model.safetensors"));
    QList<StTensor> shard[2];
    QJsonObject map;
    for (qsizetype i = 0; i < all.size(); ++i) {
        const int s = i < all.size() / 2 ? 0 : 1;
        shard[s].push_back(all[i]);
        map[all[i].name] = QString("model-0000%1-of-00002.safetensors").arg(s + 1);
    }
    for (int s = 0; s < 2; ++s)
        writeSafetensors(
            QDir(folder).filePath(QString("model-0000%1-of-00002.safetensors").arg(s + 1)),
            shard[s]);
    writeAll(QDir(folder).filePath("model.safetensors.index.json"),
             QJsonDocument(QJsonObject{{"metadata", QJsonObject{}}, {"weight_map", map}}).toJson());

    auto a = loadModel(test::sharedPath(kHf)), b = loadModel(folder.toStdString());
    QVERIFY(!b->tokenizer()); // no tokenizer file in this folder
    const auto va = allViews(*a), vb = allViews(*b);
    QCOMPARE(va.size(), vb.size());
    for (size_t i = 0; i < va.size(); ++i)
        QVERIFY2(sameView(*va[i].second, *vb[i].second), va[i].first.c_str());

    // An index that points at the wrong shard is an error naming the index.
    map["model.norm.weight"] = "model-00001-of-00002.safetensors";
    if (shard[0].end() != std::find_if(shard[0].begin(), shard[0].end(), [](const StTensor& t) {
            return t.name == "model.norm.weight";
        }))
        map["model.norm.weight"] = "model-00002-of-00002.safetensors";
    QFile::remove(QDir(folder).filePath("model.safetensors.index.json"));
    writeAll(QDir(folder).filePath("model.safetensors.index.json"),
             QJsonDocument(QJsonObject{{"weight_map", map}}).toJson());
    try {
        loadModel(folder.toStdString());
        QFAIL("no exception");
    } catch (const FileError& e) {
        QVERIFY2(QString(e.what()).contains("model.safetensors.index.json"), e.what());
        QVERIFY2(QString(e.what()).contains("no such tensor"), e.what());
    }
}

void TestModelLoaders::syntheticArchitectures_data() {
    QTest::addColumn<QString>("container");
    QTest::addColumn<QString>("arch");
    QTest::newRow("gguf qwen2") << "gguf"
                                << "qwen2";
    QTest::newRow("gguf mistral") << "gguf"
                                  << "mistral";
    QTest::newRow("hf Qwen2ForCausalLM") << "hf"
                                         << "Qwen2ForCausalLM";
    QTest::newRow("hf MistralForCausalLM") << "hf"
                                           << "MistralForCausalLM";
}

// Tiny random models of the other supported architectures: q/k/v biases land in the block
// weights, RoPE style and head tying follow the format's convention.
void TestModelLoaders::syntheticArchitectures() {
    QFETCH(QString, container);
    QFETCH(QString, arch);
    const bool qwen = arch.startsWith("qwen", Qt::CaseInsensitive);
    const int dim = 64, ffn = 96, layers = 2, heads = 4, kvHeads = 2, vocab = 100, kv = 32;
    QTemporaryDir dir;
    uint32_t seed = 1;
    auto values = [&](int64_t n) {
        std::vector<float> v(static_cast<size_t>(n));
        for (float& x : v)
            x = float((seed = seed * 1664525u + 1013904223u) >> 8) / 16777216.0f - 0.5f;
        return v;
    };
    struct T {
        std::string gguf, hf;
        int64_t rows, cols;
    };
    std::vector<T> ts = {{"token_embd.weight", "model.embed_tokens.weight", vocab, dim},
                         {"output_norm.weight", "model.norm.weight", 1, dim}};
    for (int b = 0; b < layers; ++b) {
        const std::string g = "blk." + std::to_string(b) + ".",
                          h = "model.layers." + std::to_string(b) + ".";
        ts.push_back({g + "attn_norm.weight", h + "input_layernorm.weight", 1, dim});
        ts.push_back({g + "attn_q.weight", h + "self_attn.q_proj.weight", dim, dim});
        ts.push_back({g + "attn_k.weight", h + "self_attn.k_proj.weight", kv, dim});
        ts.push_back({g + "attn_v.weight", h + "self_attn.v_proj.weight", kv, dim});
        ts.push_back({g + "attn_output.weight", h + "self_attn.o_proj.weight", dim, dim});
        if (qwen) {
            ts.push_back({g + "attn_q.bias", h + "self_attn.q_proj.bias", 1, dim});
            ts.push_back({g + "attn_k.bias", h + "self_attn.k_proj.bias", 1, kv});
            ts.push_back({g + "attn_v.bias", h + "self_attn.v_proj.bias", 1, kv});
        }
        ts.push_back({g + "ffn_norm.weight", h + "post_attention_layernorm.weight", 1, dim});
        ts.push_back({g + "ffn_gate.weight", h + "mlp.gate_proj.weight", ffn, dim});
        ts.push_back({g + "ffn_up.weight", h + "mlp.up_proj.weight", ffn, dim});
        ts.push_back({g + "ffn_down.weight", h + "mlp.down_proj.weight", dim, ffn});
    }
    std::vector<std::vector<float>> data;
    uint64_t params = 0;
    for (const T& t : ts) {
        data.push_back(values(t.rows * t.cols));
        params += uint64_t(t.rows * t.cols);
    }

    QString path;
    if (container == "gguf") {
        GgufWriter w;
        const std::string a = arch.toStdString();
        w.setKv("general.architecture", GgufValue::string(a));
        w.setKv(a + ".embedding_length", GgufValue::uint32(dim));
        w.setKv(a + ".feed_forward_length", GgufValue::uint32(ffn));
        w.setKv(a + ".block_count", GgufValue::uint32(layers));
        w.setKv(a + ".attention.head_count", GgufValue::uint32(heads));
        w.setKv(a + ".attention.head_count_kv", GgufValue::uint32(kvHeads));
        w.setKv(a + ".context_length", GgufValue::uint64(4096));
        w.setKv(a + ".rope.freq_base", GgufValue::float32(1e6f));
        w.setKv(a + ".attention.layer_norm_rms_epsilon", GgufValue::float32(1e-6f));
        for (size_t i = 0; i < ts.size(); ++i) {
            std::vector<uint64_t> ne = {uint64_t(ts[i].cols)};
            if (ts[i].rows > 1) ne.push_back(uint64_t(ts[i].rows));
            w.addTensor(ts[i].gguf, ne, DType::F32, data[i]);
        }
        path = dir.filePath("synth.gguf");
        w.write(path.toStdString());
    } else {
        path = dir.filePath("synth-hf");
        QDir().mkpath(path);
        QList<StTensor> st;
        for (size_t i = 0; i < ts.size(); ++i) {
            QJsonArray shape = ts[i].rows > 1 ? QJsonArray{qint64(ts[i].rows), qint64(ts[i].cols)}
                                              : QJsonArray{qint64(ts[i].cols)};
            st.push_back({QString::fromStdString(ts[i].hf), "F32", shape,
                          QByteArray(reinterpret_cast<const char*>(data[i].data()),
                                     qsizetype(data[i].size() * 4))});
        }
        writeSafetensors(path + "/model.safetensors", st);
        const QJsonObject config{{"architectures", QJsonArray{arch}},
                                 {"hidden_size", dim},
                                 {"intermediate_size", ffn},
                                 {"num_hidden_layers", layers},
                                 {"num_attention_heads", heads},
                                 {"num_key_value_heads", kvHeads},
                                 {"vocab_size", vocab},
                                 {"max_position_embeddings", 4096},
                                 {"rms_norm_eps", 1e-6},
                                 {"rope_theta", 1e6},
                                 {"rope_scaling", QJsonValue::Null},
                                 {"sliding_window", QJsonValue::Null},
                                 {"tie_word_embeddings", true},
                                 {"bos_token_id", 7},
                                 {"eos_token_id", QJsonArray{8, 9}}};
        writeAll(path + "/config.json", QJsonDocument(config).toJson());
    }

    auto m = loadModel(path.toStdString());
    const HParams& hp = m->hp();
    QCOMPARE(m->desc().arch, qwen ? Architecture::Qwen2 : Architecture::Mistral);
    QCOMPARE(hp.qkvBias, qwen);
    QCOMPARE(hp.rope, container == "hf" || qwen ? RopeStyle::RotateHalf : RopeStyle::Interleaved);
    QVERIFY(hp.tiedOutput);
    QCOMPARE(hp.vocabSize, vocab);
    QCOMPARE(hp.nKvHeads, kvHeads);
    QCOMPARE(hp.maxSeqLen, 4096);
    QCOMPARE(hp.ropeTheta, 1e6f);
    QCOMPARE(hp.normEps, 1e-6f);
    if (container == "hf") {
        QCOMPARE(hp.bosId, 7);
        QCOMPARE(hp.eosId, 8);
    }
    QCOMPARE(m->desc().parameterCount(), params);
    QVERIFY(!m->tokenizer());
    for (size_t i = 0; i < ts.size(); ++i) {
        const auto idx = m->desc().find(ts[i].gguf);
        QVERIFY2(idx.has_value(), ts[i].gguf.c_str());
        const TensorDesc& t = m->desc().tensors[*idx];
        const WeightView* v = m->weights().find(t.role, t.block);
        QVERIFY(v && v->data);
        QCOMPARE(v->rows * v->cols, ts[i].rows * ts[i].cols);
        QVERIFY2(std::memcmp(v->data, data[i].data(), data[i].size() * 4) == 0, ts[i].gguf.c_str());
    }
    QCOMPARE(bool(m->weights().blocks[1].bv), qwen);
}

void TestModelLoaders::ggufRoundTripKeepsEveryKvAndTensor() {
    QS_REQUIRE_SHARED(kGguf);
    QTemporaryDir dir;
    const GgufFile src = GgufFile::open(test::sharedPath(kGguf));
    QCOMPARE(src.version(), uint32_t(3));
    QCOMPARE(src.kvs().size(), size_t(19));
    QCOMPARE(src.tensors().size(), size_t(48));
    QCOMPARE(src.dataOffset(), uint64_t(14176));

    GgufWriter w(64);
    for (const auto& [k, v] : src.kvs()) w.setKv(k, v);
    // One KV of every value type, nested arrays included.
    w.setKv("test.u8", GgufValue::uint8(250));
    w.setKv("test.i8", GgufValue::int8(-7));
    w.setKv("test.u16", GgufValue::uint16(65000));
    w.setKv("test.i16", GgufValue::int16(-30000));
    w.setKv("test.u32", GgufValue::uint32(4'000'000'000u));
    w.setKv("test.i32", GgufValue::int32(-2'000'000'000));
    w.setKv("test.u64", GgufValue::uint64(18'000'000'000'000'000'000ull));
    w.setKv("test.i64", GgufValue::int64(-9'000'000'000'000'000'000ll));
    w.setKv("test.f32", GgufValue::float32(0.1f));
    w.setKv("test.f64", GgufValue::float64(0.1));
    w.setKv("test.bool", GgufValue::boolean(true));
    w.setKv("test.str", GgufValue::string(std::string("nul\0inside", 10)));
    w.setKv("test.empty", GgufValue::array(GgufType::UInt8, {}));
    w.setKv("test.nested", GgufValue::array(GgufType::Array, {GgufValue::stringArray({"a", "bc"}),
                                                              GgufValue::stringArray({}),
                                                              GgufValue::stringArray({"▁the"})}));
    for (const GgufTensorInfo& t : src.tensors()) {
        const auto bytes = src.tensorData(t);
        w.addTensor(t.name, t.ne, t.typeId, std::vector<std::byte>(bytes.begin(), bytes.end()));
    }
    const QString out = dir.filePath("rt.gguf");
    w.write(out.toStdString());
    QVERIFY(!QFile::exists(out + ".partial"));

    const GgufFile back = GgufFile::open(out.toStdString());
    QCOMPARE(back.alignment(), uint64_t(64));
    QCOMPARE(back.dataOffset() % 64, uint64_t(0));
    QCOMPARE(back.kvs().size(), w.kvs().size());
    for (size_t i = 0; i < back.kvs().size(); ++i) {
        QCOMPARE(back.kvs()[i].first, w.kvs()[i].first);
        QVERIFY2(back.kvs()[i].second == w.kvs()[i].second, back.kvs()[i].first.c_str());
    }
    QCOMPARE(back.find("test.u64")->u, uint64_t(18'000'000'000'000'000'000ull));
    QCOMPARE(back.find("test.i64")->toInt(), int64_t(-9'000'000'000'000'000'000ll));
    QCOMPARE(back.find("test.f32")->toDouble(), double(0.1f));
    QCOMPARE(back.find("test.str")->toString().size(), size_t(10));
    QCOMPARE(back.find("test.nested")->elements[2].toStringVector(),
             std::vector<std::string>{"▁the"});
    QCOMPARE(back.find("test.u8")->summary(), std::string("250"));
    QCOMPARE(back.find("test.nested")->summary(), std::string("[array of 3 array]"));
    QVERIFY_THROWS_EXCEPTION(Error, back.find("test.str")->toInt());
    QCOMPARE(back.tensors().size(), src.tensors().size());
    for (size_t i = 0; i < src.tensors().size(); ++i) {
        const GgufTensorInfo &a = src.tensors()[i], &b = back.tensors()[i];
        QCOMPARE(b.name, a.name);
        QCOMPARE(b.ne, a.ne);
        QCOMPARE(b.typeId, a.typeId);
        QCOMPARE(b.offset % 64, uint64_t(0));
        const auto da = src.tensorData(a), db = back.tensorData(b);
        QVERIFY(da.size() == db.size() && std::memcmp(da.data(), db.data(), da.size()) == 0);
    }
    // And the written file is a loadable model with the same weights.
    auto m = loadModel(out.toStdString()), ref = loadModel(test::sharedPath(kGguf));
    const auto va = allViews(*ref), vb = allViews(*m);
    for (size_t i = 0; i < va.size(); ++i) QVERIFY(sameView(*va[i].second, *vb[i].second));
}

void TestModelLoaders::ggufKnownBytesDequantize() {
    QTemporaryDir dir;
    GgufWriter w;
    auto bytes = [](std::initializer_list<uint16_t> v) {
        std::vector<std::byte> b(v.size() * 2);
        std::memcpy(b.data(), std::data(v), b.size());
        return b;
    };
    w.addTensor("f16", {4}, kGgmlTypeF16, bytes({0x3C00, 0xC000, 0x7BFF, 0x0001}));
    w.addTensor("bf16", {2}, kGgmlTypeBF16, bytes({0x3F80, 0x4049}));
    std::vector<std::byte> q8(34);
    const uint16_t half = 0x3800; // 0.5
    std::memcpy(q8.data(), &half, 2);
    for (int i = 0; i < 32; ++i)
        q8[2 + size_t(i)] = std::byte(uint8_t(int8_t(i - 16 - (i == 0 ? 112 : 0))));
    w.addTensor("q8", {32}, kGgmlTypeQ8_0, q8);
    const QString path = dir.filePath("known.gguf");
    w.write(path.toStdString());

    const GgufFile g = GgufFile::open(path.toStdString());
    auto dequant = [&](const char* name, DType t, size_t n) {
        std::vector<float> out(n);
        dequantizeRow(t, g.tensorData(*g.findTensor(name)).data(), out.data(), n);
        return out;
    };
    QCOMPARE(dequant("f16", DType::F16, 4),
             (std::vector<float>{1.0f, -2.0f, 65504.0f, std::ldexp(1.0f, -24)}));
    QCOMPARE(dequant("bf16", DType::BF16, 2), (std::vector<float>{1.0f, 3.140625f}));
    const auto q = dequant("q8", DType::Q8_0, 32);
    QCOMPARE(q[0], -64.0f); // -128 * 0.5
    QCOMPARE(q[1], -7.5f);
    QCOMPARE(q[31], 7.5f);
    QCOMPARE(g.findTensor("q8")->byteSize, uint64_t(34));
}

void TestModelLoaders::convertedTensorsDequantizeOnLoad_data() {
    QTest::addColumn<QString>("container");
    QTest::addColumn<int>("dtype");
    QTest::newRow("gguf F16") << "gguf" << int(DType::F16);
    QTest::newRow("gguf BF16") << "gguf" << int(DType::BF16);
    QTest::newRow("gguf Q8_0") << "gguf" << int(DType::Q8_0);
    QTest::newRow("safetensors F16") << "safetensors" << int(DType::F16);
    QTest::newRow("safetensors BF16") << "safetensors" << int(DType::BF16);
}

// stories260K rewritten with every matrix (and norm) in another storage type loads to the
// values that type represents; Q8_0 only where rows are a multiple of 32 (ffn_down stays F32).
void TestModelLoaders::convertedTensorsDequantizeOnLoad() {
    QFETCH(QString, container);
    QFETCH(int, dtype);
    const auto type = DType(dtype);
    QS_REQUIRE_SHARED(kGguf);
    QS_REQUIRE_SHARED(kHf);
    QTemporaryDir dir;

    auto expected = [&](float x, const float* block) {
        switch (type) {
        case DType::F16:
            return fp16ToFloat(floatToFp16(x));
        case DType::BF16:
            return bf16ToFloat(floatToBf16(x));
        default: {
            float amax = 0;
            for (int i = 0; i < 32; ++i) amax = std::max(amax, std::fabs(block[i]));
            const float d = amax / 127.0f; // ggml's quantize_row_q8_0_ref
            const float id = d != 0.0f ? 1.0f / d : 0.0f;
            const float q = std::round(x * id);
            return fp16ToFloat(floatToFp16(d)) * q;
        }
        }
    };

    std::shared_ptr<Model> ref, m;
    if (container == "gguf") {
        ref = loadModel(test::sharedPath(kGguf));
        const GgufFile src = GgufFile::open(test::sharedPath(kGguf));
        GgufWriter w;
        for (const auto& [k, v] : src.kvs()) w.setKv(k, v);
        for (const GgufTensorInfo& t : src.tensors()) {
            const auto data = src.tensorData(t);
            std::span<const float> values(reinterpret_cast<const float*>(data.data()),
                                          data.size() / 4);
            const bool fits = t.ne[0] % uint64_t(dtypeBlockSize(type)) == 0;
            w.addTensor(t.name, t.ne, fits ? type : DType::F32, values);
        }
        const QString out = dir.filePath("conv.gguf");
        w.write(out.toStdString());
        m = loadModel(out.toStdString());
        QCOMPARE(m->desc().format, std::string("gguf"));
    } else {
        ref = loadModel(test::sharedPath(kHf));
        const QString folder = hfCopy(dir.path(), [&](QList<StTensor>& ts) {
            for (StTensor& t : ts) {
                std::span<const float> values(reinterpret_cast<const float*>(t.data.constData()),
                                              size_t(t.data.size()) / 4);
                const auto enc = encodeFloats(type, values);
                t.data =
                    QByteArray(reinterpret_cast<const char*>(enc.data()), qsizetype(enc.size()));
                t.dtype = type == DType::F16 ? "F16" : "BF16";
            }
        });
        m = loadModel(folder.toStdString());
    }
    QVERIFY(m->ownedBytes() > 0);
    QVERIFY(m->tokenizer());
    int converted = 0;
    for (const TensorDesc& t : m->desc().tensors) {
        const WeightView& a = *ref->weights().find(t.role, t.block);
        const WeightView& b = *m->weights().find(t.role, t.block);
        QCOMPARE(b.rows, a.rows);
        QCOMPARE(b.cols, a.cols);
        if (t.fileType == DType::F32) {
            QVERIFY(type == DType::Q8_0 && t.role == TensorRole::FfnDown);
            QVERIFY(sameView(a, b));
            continue;
        }
        QCOMPARE(t.fileType, type);
        ++converted;
        const int64_t n = a.rows * a.cols;
        for (int64_t i = 0; i < n; ++i) {
            const float want = expected(a.data[i], a.data + i / 32 * 32);
            if (b.data[i] != want)
                QFAIL(qPrintable(QString("%1[%2]: %3, expected %4 (from %5)")
                                     .arg(QString::fromStdString(t.name))
                                     .arg(i)
                                     .arg(double(b.data[i]))
                                     .arg(double(want))
                                     .arg(double(a.data[i]))));
        }
    }
    QCOMPARE(converted, type == DType::Q8_0 ? 2 + 5 * 8 : 2 + 5 * 9);
}

void TestModelLoaders::badInputIsAFileError_data() {
    QTest::addColumn<Maker>("make");
    QTest::addColumn<QString>("fileInMessage"); // relative to the temporary folder
    QTest::addColumn<QString>("problem");

    // --- llama2.c ---
    auto bin = [](std::function<void(QByteArray&)> edit) -> Maker {
        return [edit](const QString& dir) {
            QByteArray f = readAll(shared(kBin));
            edit(f);
            writeAll(dir + "/bad.bin", f);
            return dir + "/bad.bin";
        };
    };
    QTest::newRow("llama2c truncated") << bin([](QByteArray& f) { f.chop(100); }) << "bad.bin"
                                       << "truncated: expected 1056540 bytes, file has 1056440";
    QTest::newRow("llama2c header only") << bin([](QByteArray& f) { f.truncate(20); }) << "bad.bin"
                                         << "truncated";
    QTest::newRow("llama2c extra bytes")
        << bin([](QByteArray& f) { f += QByteArray(8, 'x'); }) << "bad.bin"
        << "8 unexpected extra bytes";
    QTest::newRow("llama2c dim=-5")
        << bin([](QByteArray& f) { put<int32_t>(f, 0, -5); }) << "bad.bin"
        << "dim = -5";
    QTest::newRow("llama2c n_layers=100000")
        << bin([](QByteArray& f) { put<int32_t>(f, 8, 100000); }) << "bad.bin"
        << "n_layers = 100000";
    QTest::newRow("llama2c heads do not divide dim")
        << bin([](QByteArray& f) { put<int32_t>(f, 12, 7); }) << "bad.bin"
        << "does not divide dim";
    QTest::newRow("llama2c kv heads do not divide heads")
        << bin([](QByteArray& f) { put<int32_t>(f, 16, 3); }) << "bad.bin"
        << "does not divide n_heads";
    QTest::newRow("llama2c vocab=2^31-1")
        << bin([](QByteArray& f) { put<int32_t>(f, 20, 0x7fffffff); }) << "bad.bin"
        << "vocab_size";
    QTest::newRow("llama2c int8 export") << bin([](QByteArray& f) {
        put<uint32_t>(f, 0, 0x616b3432);
        put<int32_t>(f, 4, 2);
    }) << "bad.bin"
                                         << "version 2";

    // --- GGUF ---
    auto gguf = [](std::function<void(QByteArray&)> edit) -> Maker {
        return [edit](const QString& dir) {
            QByteArray f = readAll(shared(kGguf));
            edit(f);
            writeAll(dir + "/bad.gguf", f);
            return dir + "/bad.gguf";
        };
    };
    QTest::newRow("gguf truncated in the data")
        << gguf([](QByteArray& f) { f.truncate(f.size() / 2); }) << "bad.gguf"
        << "extends past the end";
    QTest::newRow("gguf truncated in the KVs")
        << gguf([](QByteArray& f) { f.truncate(2000); }) << "bad.gguf"
        << "truncated";
    QTest::newRow("gguf truncated in the header")
        << gguf([](QByteArray& f) { f.truncate(12); }) << "bad.gguf"
        << "unexpected end of file";
    QTest::newRow("gguf tensor count 2^40")
        << gguf([](QByteArray& f) { put<uint64_t>(f, 8, 1ull << 40); }) << "bad.gguf"
        << "implausible tensor count 1099511627776";
    QTest::newRow("gguf KV count 2^33")
        << gguf([](QByteArray& f) { put<uint64_t>(f, 16, 1ull << 33); }) << "bad.gguf"
        << "implausible KV count";
    QTest::newRow("gguf version 1")
        << gguf([](QByteArray& f) { put<uint32_t>(f, 4, 1); }) << "bad.gguf"
        << "GGUF version 1 is not supported";
    QTest::newRow("gguf version 9")
        << gguf([](QByteArray& f) { put<uint32_t>(f, 4, 9); }) << "bad.gguf"
        << "unsupported GGUF version 9";
    QTest::newRow("gguf key length 2^50")
        << gguf([](QByteArray& f) { put<uint64_t>(f, 24, 1ull << 50); }) << "bad.gguf"
        << "has length";
    QTest::newRow("gguf KV value type 42") << gguf([](QByteArray& f) {
        put<uint32_t>(f, 24 + 8 + qsizetype(get<uint64_t>(f, 24)), 42);
    }) << "bad.gguf"
                                           << "unknown value type 42";
    QTest::newRow("gguf tensor type 99")
        << gguf([](QByteArray& f) { put<uint32_t>(f, ggufTypeField(f, "token_embd.weight"), 99); })
        << "bad.gguf"
        << "tensor 'token_embd.weight' has unknown ggml type id 99";
    // Q4_0 .. Q6_K load since the ggml codecs moved below the loaders; IQ4_NL still does not.
    QTest::newRow("gguf tensor type IQ4_NL")
        << gguf([](QByteArray& f) { put<uint32_t>(f, ggufTypeField(f, "token_embd.weight"), 20); })
        << "bad.gguf"
        << "'token_embd.weight' has type IQ4_NL (ggml type id 20), which is not supported";
    QTest::newRow("gguf n_dims 7") << gguf([](QByteArray& f) {
        put<uint32_t>(f, ggufTensorInfo(f, "blk.0.attn_q.weight"), 7);
    }) << "bad.gguf"
                                   << "'blk.0.attn_q.weight' has 7 dimensions";
    QTest::newRow("gguf offset past the end") << gguf([](QByteArray& f) {
        put<uint64_t>(f, ggufOffsetField(f, "blk.1.ffn_up.weight"), 1ull << 40);
    }) << "bad.gguf"
                                              << "'blk.1.ffn_up.weight' data";
    QTest::newRow("gguf misaligned offset") << gguf([](QByteArray& f) {
        const qsizetype at = ggufOffsetField(f, "blk.1.ffn_up.weight");
        put<uint64_t>(f, at, get<uint64_t>(f, at) + 4);
    }) << "bad.gguf"
                                            << "is not a multiple of the alignment 32";
    QTest::newRow("gguf overlapping tensors") << gguf([](QByteArray& f) {
        put<uint64_t>(f, ggufOffsetField(f, "output_norm.weight"),
                      get<uint64_t>(f, ggufOffsetField(f, "token_embd.weight")) + 64);
    }) << "bad.gguf"
                                              << "overlaps";
    QTest::newRow("gguf unknown architecture") << gguf([](QByteArray& f) {
        const qsizetype at = f.indexOf("general.architecture") + 20 + 4 + 8;
        f.replace(at, 5, "gpt9x");
    }) << "bad.gguf"
                                               << "unsupported architecture 'gpt9x'";
    QTest::newRow("gguf unknown tensor") << gguf([](QByteArray& f) {
        const qsizetype at = ggufTensorInfo(f, "blk.4.ffn_up.weight") - 8;
        f[at] = 'q';
    }) << "bad.gguf"
                                         << "unexpected tensor 'blk.4.ffn_uq.weight'";

    // --- Hugging Face folders ---
    auto hf = [](std::function<void(QList<StTensor>&)> edit,
                 std::function<void(QJsonObject&)> tweak = {}) -> Maker {
        return [edit, tweak](const QString& dir) { return hfCopy(dir, edit, tweak); };
    };
    auto hfBytes = [](std::function<void(QByteArray&)> edit) -> Maker {
        return [edit](const QString& dir) {
            const QString folder = hfCopy(dir);
            const QString st = folder + "/model.safetensors";
            QByteArray f = readAll(st);
            edit(f);
            QFile::remove(st);
            writeAll(st, f);
            return folder;
        };
    };
    auto hfConfig = [](std::function<void(QJsonObject&)> edit) -> Maker {
        return [edit](const QString& dir) {
            const QString folder = hfCopy(dir);
            editConfig(folder, edit);
            return folder;
        };
    };
    QTest::newRow("safetensors truncated")
        << hfBytes([](QByteArray& f) { f.truncate(f.size() / 2); }) << "hf/model.safetensors"
        << "truncated";
    QTest::newRow("safetensors 5 bytes")
        << hfBytes([](QByteArray& f) { f.truncate(5); }) << "hf/model.safetensors"
        << "truncated";
    QTest::newRow("safetensors header length 2^60")
        << hfBytes([](QByteArray& f) { put<uint64_t>(f, 0, 1ull << 60); }) << "hf/model.safetensors"
        << "header length 1152921504606846976 exceeds the file size";
    QTest::newRow("safetensors invalid JSON")
        << hfBytes([](QByteArray& f) { f[8] = 'x'; }) << "hf/model.safetensors"
        << "invalid safetensors JSON header";
    QTest::newRow("safetensors data_offsets past the end")
        << hf({},
              [](QJsonObject& h) {
                  QJsonObject t = h["model.norm.weight"].toObject();
                  const QJsonArray o = t["data_offsets"].toArray();
                  t["data_offsets"] =
                      QJsonArray{o[0].toInteger() + 2'000'000, o[1].toInteger() + 2'000'000};
                  h["model.norm.weight"] = t;
              })
        << "hf/model.safetensors"
        << "'model.norm.weight' in the safetensors header: data_offsets";
    QTest::newRow("safetensors dtype I64")
        << hf([](QList<StTensor>& ts) {
               StTensor* t = findSt(ts, "model.norm.weight");
               t->dtype = "I64";
               t->shape = QJsonArray{32};
           })
        << "hf/model.safetensors"
        << "model.norm.weight has dtype I64, which is not supported";
    QTest::newRow("safetensors dtype F4")
        << hf([](QList<StTensor>& ts) { findSt(ts, "model.norm.weight")->dtype = "F4"; })
        << "hf/model.safetensors"
        << "unknown dtype F4";
    QTest::newRow("safetensors shape inconsistent with offsets")
        << hf([](QList<StTensor>& ts) { findSt(ts, "model.norm.weight")->shape = QJsonArray{65}; })
        << "hf/model.safetensors"
        << "need 260";
    QTest::newRow("safetensors negative shape")
        << hf([](QList<StTensor>& ts) { findSt(ts, "model.norm.weight")->shape = QJsonArray{-64}; })
        << "hf/model.safetensors"
        << "invalid shape";
    QTest::newRow("safetensors missing tensor") << hf([](QList<StTensor>& ts) {
        ts.removeIf(
            [](const StTensor& t) { return t.name == "model.layers.3.mlp.up_proj.weight"; });
    }) << "hf"
                                                << "missing tensor blk.3.ffn_up.weight";
    QTest::newRow("safetensors transposed k_proj")
        << hf([](QList<StTensor>& ts) {
               findSt(ts, "model.layers.0.self_attn.k_proj.weight")->shape = QJsonArray{64, 32};
           })
        << "hf"
        << "model.layers.0.self_attn.k_proj.weight has shape {64, 32}, expected {32, 64}";
    QTest::newRow("safetensors unknown tensor")
        << hf([](QList<StTensor>& ts) {
               findSt(ts, "model.layers.0.mlp.up_proj.weight")->name =
                   "model.layers.0.mlp.fc1.weight";
           })
        << "hf/model.safetensors"
        << "unexpected tensor model.layers.0.mlp.fc1.weight";
    QTest::newRow("config unknown architecture")
        << hfConfig([](QJsonObject& c) { c["architectures"] = QJsonArray{"GPT2LMHeadModel"}; })
        << "hf/config.json"
        << "unsupported architecture \"GPT2LMHeadModel\"";
    QTest::newRow("config rope_scaling") << hfConfig([](QJsonObject& c) {
        c["rope_scaling"] = QJsonObject{{"type", "linear"}, {"factor", 2.0}};
    }) << "hf/config.json"
                                         << "rope_scaling type linear is not supported";
    QTest::newRow("config missing hidden_size")
        << hfConfig([](QJsonObject& c) { c.remove("hidden_size"); }) << "hf/config.json"
        << "missing required key \"hidden_size\"";
    QTest::newRow("config hidden_size is a string")
        << hfConfig([](QJsonObject& c) { c["hidden_size"] = "64"; }) << "hf/config.json"
        << "\"hidden_size\" must be an integer";
    QTest::newRow("config disagrees with the tensors")
        << hfConfig([](QJsonObject& c) { c["intermediate_size"] = 256; }) << "hf"
        << "has shape {172, 64}, expected {256, 64}";
    QTest::newRow("config invalid JSON") << Maker([](const QString& dir) {
        const QString folder = hfCopy(dir);
        QFile::remove(folder + "/config.json");
        writeAll(folder + "/config.json", "{\"hidden_size\": 64,");
        return folder;
    }) << "hf/config.json"
                                         << "invalid JSON";
    QTest::newRow("folder without config.json") << Maker([](const QString& dir) {
        QDir().mkpath(dir + "/empty");
        return dir + "/empty";
    }) << "empty"
                                                << "no config.json in this folder";
    QTest::newRow("folder without weights")
        << Maker([](const QString& dir) {
               const QString folder = hfCopy(dir);
               QFile::remove(folder + "/model.safetensors");
               return folder;
           })
        << "hf"
        << "no model.safetensors or model.safetensors.index.json";

    // --- any format ---
    QTest::newRow("missing path") << Maker([](const QString& dir) { return dir + "/nothing.gguf"; })
                                  << "nothing.gguf"
                                  << "no such file or directory";
    QTest::newRow("empty file") << Maker([](const QString& dir) {
        writeAll(dir + "/empty.bin", {});
        return dir + "/empty.bin";
    }) << "empty.bin"
                                << "file is empty";
    QTest::newRow("text file") << Maker([](const QString& dir) {
        writeAll(dir + "/notes.txt", "Once upon a time there was a model file that was not one.\n");
        return dir + "/notes.txt";
    }) << "notes.txt"
                               << "not a valid llama2.c checkpoint";
}

void TestModelLoaders::badInputIsAFileError() {
    QFETCH(Maker, make);
    QFETCH(QString, fileInMessage);
    QFETCH(QString, problem);
    QS_REQUIRE_SHARED(kBin);
    QS_REQUIRE_SHARED(kGguf);
    QS_REQUIRE_SHARED(kHf);
    QTemporaryDir dir;
    const QString path = make(dir.path());
    try {
        auto m = loadModel(path.toStdString());
        QFAIL("loaded without an error");
    } catch (const FileError& e) {
        const QString msg = QString::fromStdString(e.what());
        QVERIFY2(msg.startsWith(dir.filePath(fileInMessage) + ": "), qPrintable(msg));
        QVERIFY2(msg.contains(problem), qPrintable(msg));
    }
}

void TestModelLoaders::tokenizerThatDoesNotFitIsRejected_data() {
    QTest::addColumn<QString>("model");
    QTest::newRow("llama2c") << kBin;
    QTest::newRow("gguf") << kGguf;
    QTest::newRow("hf") << kHf;
}

void TestModelLoaders::tokenizerThatDoesNotFitIsRejected() {
    QFETCH(QString, model);
    QS_REQUIRE_SHARED(model.toUtf8().constData());
    QS_REQUIRE_SHARED(kTok32k);
    LoadOptions opts;
    opts.tokenizerPath = test::sharedPath(kTok32k);
    try {
        loadModel(test::sharedPath(model.toUtf8().constData()), opts);
        QFAIL("no exception");
    } catch (const FileError& e) {
        QCOMPARE(e.path(), opts.tokenizerPath);
        QCOMPARE(e.problem(), std::string("tokenizer has 32000 tokens but the model expects 512"));
    }
    // The right one, given explicitly, is accepted.
    opts.tokenizerPath = test::sharedPath("models/stories260K/tokenizer.bin");
    auto m = loadModel(test::sharedPath(model.toUtf8().constData()), opts);
    QCOMPARE(m->tokenizer()->vocabSize(), 512);
}

void TestModelLoaders::missingTokenizer() {
    QS_REQUIRE_SHARED(kBin);
    QTemporaryDir dir;
    const QString alone = dir.filePath("model.bin");
    QVERIFY(QFile::copy(shared(kBin), alone));
    auto m = loadModel(alone.toStdString());
    QVERIFY(!m->tokenizer());
    LoadOptions opts;
    opts.requireTokenizer = true;
    try {
        loadModel(alone.toStdString(), opts);
        QFAIL("no exception");
    } catch (const FileError& e) {
        QCOMPARE(QString::fromStdString(e.path().string()), alone);
        QVERIFY2(e.problem().find("no tokenizer found") != std::string::npos, e.what());
    }
}

QTEST_GUILESS_MAIN(TestModelLoaders)
#include "tst_model_loaders.moc"
