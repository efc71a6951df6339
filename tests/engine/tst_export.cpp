// Exporters: a GGUF written under a configuration loads back to exactly the simulated weights
// and the same perplexity; llama-quantize command lines and Hugging Face quantization_config
// blocks parse back to the same per-tensor formats; the QuantScope record imports to the same
// configuration; bad output paths, a full disk and unmappable formats fail cleanly.
#include "shared_data.h"

#include "core/error.h"
#include "core/sha256.h"
#include "core/text_file.h"
#include "eval/incremental_evaluator.h"
#include "eval/perplexity.h"
#include "export/config_export.h"
#include "export/export_plan.h"
#include "export/gguf_export.h"
#include "export/hf_quant_config.h"
#include "export/llama_quantize.h"
#include "model/gguf_reader.h"
#include "model/gguf_writer.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

#include <QTemporaryDir>
#include <QtTest>

#include <sys/resource.h>

#include <cmath>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

using namespace qs;
namespace fs = std::filesystem;

namespace {

// Both sides run the same forward pass on the same fp32 values; only the order of summation
// (window order in the incremental evaluator, q/k dimension order inside a head for a permuted
// HF model) differs.
constexpr double kPplRelTolerance = 1e-6;

const char* kStories = "models/stories260K/model.bin";
const char* kStoriesGguf = "models/stories260K-gguf/stories260K.gguf";
const char* kStoriesHf = "models/stories260K-hf";

// A tiny llama whose rows (256) fit every ggml block type, K-quants included; tied head.
fs::path writeBlockFriendlyModel(const fs::path& dir) {
    const int dim = 256, hidden = 512, layers = 2, heads = 4, kvHeads = 2, vocab = 64;
    GgufWriter w;
    w.setKv("general.architecture", GgufValue::string("llama"));
    w.setKv("llama.context_length", GgufValue::uint32(128));
    w.setKv("llama.embedding_length", GgufValue::uint32(dim));
    w.setKv("llama.feed_forward_length", GgufValue::uint32(hidden));
    w.setKv("llama.block_count", GgufValue::uint32(layers));
    w.setKv("llama.attention.head_count", GgufValue::uint32(heads));
    w.setKv("llama.attention.head_count_kv", GgufValue::uint32(kvHeads));
    std::mt19937 rng(7);
    std::normal_distribution<float> nd(0.0f, 0.05f);
    auto add = [&](const std::string& name, int64_t rows, int64_t cols, bool norm) {
        std::vector<float> v(size_t(rows * cols));
        for (float& x : v) x = norm ? 1.0f + nd(rng) : nd(rng);
        std::vector<uint64_t> ne = rows == 1
                                       ? std::vector<uint64_t>{uint64_t(cols)}
                                       : std::vector<uint64_t>{uint64_t(cols), uint64_t(rows)};
        w.addTensor(name, ne, DType::F32, v);
    };
    const int kv = dim / heads * kvHeads;
    add("token_embd.weight", vocab, dim, false);
    add("output_norm.weight", 1, dim, true);
    for (int b = 0; b < layers; ++b) {
        const std::string p = "blk." + std::to_string(b) + ".";
        add(p + "attn_norm.weight", 1, dim, true);
        add(p + "attn_q.weight", dim, dim, false);
        add(p + "attn_k.weight", kv, dim, false);
        add(p + "attn_v.weight", kv, dim, false);
        add(p + "attn_output.weight", dim, dim, false);
        add(p + "ffn_norm.weight", 1, dim, true);
        add(p + "ffn_gate.weight", hidden, dim, false);
        add(p + "ffn_up.weight", hidden, dim, false);
        add(p + "ffn_down.weight", dim, hidden, false);
    }
    const fs::path path = dir / "blocky.gguf";
    w.write(path);
    return path;
}

// The mixed configuration of the PPL check: q8_0 / q4_0 / q5_1 / f16, ffn_down (172 wide) at f16.
QuantConfig mixedConfig() {
    QuantConfig c = QuantConfig::uniform("q4_0");
    c.embeddingFormat = "q8_0";
    c.outputFormat = "f16";
    c.fallbackFormat = "f16";
    c.rules.push_back({"blk.0.*", "q8_0"});
    c.rules.push_back({"blk.*.attn_v.weight", "q5_1"});
    c.setTensorFormat("blk.4.attn_output.weight", "f16");
    return c;
}

std::vector<float> simulated(const QuantFormat& f, const WeightView& v) {
    std::vector<float> out(size_t(v.rows * v.cols));
    f.quantizeDequantize(v.data, out.data(), v.rows, v.cols, {});
    return out;
}

bool noFileLike(const fs::path& p) {
    fs::path partial = p;
    partial += ".partial";
    return !fs::exists(p) && !fs::exists(partial);
}

} // namespace

class TestExport : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void ggufWeightsBitExact_data();
    void ggufWeightsBitExact();
    void ggufPerplexityEqualsSimulated_data();
    void ggufPerplexityEqualsSimulated();
    void ggufKeepsSourceMetadata();
    void llamaQuantizeRoundTrip_data();
    void llamaQuantizeRoundTrip();
    void hfConfigRoundTrip_data();
    void hfConfigRoundTrip();
    void quantscopeRecordRoundTrip();
    void unwritablePathIsFileError();
    void diskFullLeavesNoFile();
    void unmappableFormatsAreErrors_data();
    void unmappableFormatsAreErrors();

private:
    QTemporaryDir m_dir;
    std::shared_ptr<Model> m_blocky;
};

void TestExport::initTestCase() {
    QVERIFY(m_dir.isValid());
    m_blocky = loadModel(writeBlockFriendlyModel(m_dir.path().toStdString()));
}

void TestExport::ggufWeightsBitExact_data() {
    QTest::addColumn<QString>("format");
    QTest::addColumn<QString>("head");
    for (const char* f : {"f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "q2_k",
                          "q3_k", "q4_k", "q5_k", "q6_k"})
        QTest::newRow(f) << f << f;
    QTest::newRow("q4_k, head q6_k (untied on disk)") << "q4_k"
                                                      << "q6_k";
}

// Every ggml type: written, loaded back through the GGUF loader's dequantization, equal to the
// simulated quantize-dequantize of the original weights bit for bit.
void TestExport::ggufWeightsBitExact() {
    QFETCH(QString, format);
    QFETCH(QString, head);
    QuantConfig cfg = QuantConfig::uniform(format.toStdString());
    cfg.embeddingFormat = format.toStdString();
    cfg.outputFormat = head.toStdString();
    const ResolvedConfig r = cfg.resolve(m_blocky->desc());
    const fs::path out =
        fs::path(m_dir.path().toStdString()) / ("w-" + format.toStdString() + ".gguf");
    const GgufExportReport rep = writeQuantizedGguf(*m_blocky, r, out);
    QCOMPARE(rep.types.count("output.weight"), size_t(format != head ? 1 : 0));

    const auto back = loadModel(out);
    QCOMPARE(back->hp().tiedOutput, format == head);
    const ModelDesc& d = m_blocky->desc();
    for (size_t i = 0; i < d.tensors.size(); ++i) {
        const TensorDesc& t = d.tensors[i];
        const WeightView* orig = m_blocky->weights().find(t.role, t.block);
        const WeightView* got = back->weights().find(t.role, t.block);
        QVERIFY(orig && got);
        const std::vector<float> want =
            r.format(i) ? simulated(*r.format(i), *orig)
                        : std::vector<float>(orig->data, orig->data + orig->rows * orig->cols);
        QVERIFY2(std::memcmp(want.data(), got->data, want.size() * sizeof(float)) == 0,
                 t.name.c_str());
    }
    const std::vector<float> wantHead =
        simulated(*r.headFormat(), m_blocky->weights().tokenEmbedding);
    QVERIFY(std::memcmp(wantHead.data(), back->weights().output.data,
                        wantHead.size() * sizeof(float)) == 0);
}

void TestExport::ggufPerplexityEqualsSimulated_data() {
    QTest::addColumn<QString>("model");
    QTest::newRow("llama2.c") << kStories;
    QTest::newRow("gguf") << kStoriesGguf;
    QTest::newRow("hf (q/k permuted)") << kStoriesHf;
}

// The acceptance check: PPL of the written GGUF, loaded and evaluated from scratch, equals the
// simulated configuration's PPL from the incremental evaluator.
void TestExport::ggufPerplexityEqualsSimulated() {
    QFETCH(QString, model);
    QS_REQUIRE_SHARED(model.toUtf8().constData());
    QS_REQUIRE_SHARED("data/tinystories/valid.txt");
    const auto src = loadModel(test::sharedPath(model.toUtf8().constData()));
    const std::vector<int32_t> tokens = src->tokenizer()->encode(
        readTextFile(test::sharedPath("data/tinystories/valid.txt"), 24000), true);

    const QuantConfig cfg = mixedConfig();
    const ResolvedConfig r = cfg.resolve(src->desc());
    QCOMPARE(r.fallbacks().size(), size_t(5)); // the five ffn_down

    EvalSetup setup;
    setup.windows.ctx = 128;
    setup.windows.protocol = PplProtocol::Half;
    IncrementalEvaluator ev(src, tokens, setup);
    ev.buildReference();
    const double simulatedPpl = ev.evaluate(cfg).metrics.ppl;

    const fs::path out = fs::path(m_dir.path().toStdString()) / "mixed.gguf";
    writeQuantizedGguf(*src, r, out);
    const auto back = loadModel(out);
    // The embedded (or copied) vocabulary tokenizes like the source's tokenizer.
    QVERIFY(back->tokenizer());
    QVERIFY(back->tokenizer()->encode("Once upon a time, Lily saw a big dog.", true) ==
            src->tokenizer()->encode("Once upon a time, Lily saw a big dog.", true));
    const double writtenPpl = evaluatePerplexity(*back, tokens, setup.windows).ppl;
    const double rel = std::abs(writtenPpl - simulatedPpl) / simulatedPpl;
    qInfo("%s: simulated PPL %.10f, written GGUF PPL %.10f, relative difference %.3g",
          qPrintable(model), simulatedPpl, writtenPpl, rel);
    QVERIFY2(rel <= kPplRelTolerance, qPrintable(QString::number(rel)));
}

void TestExport::ggufKeepsSourceMetadata() {
    QS_REQUIRE_SHARED(kStoriesGguf);
    const auto src = loadModel(test::sharedPath(kStoriesGguf));
    const fs::path out = fs::path(m_dir.path().toStdString()) / "meta.gguf";
    const GgufExportReport rep = writeQuantizedGguf(*src, mixedConfig().resolve(src->desc()), out);
    const GgufFile a = GgufFile::open(test::sharedPath(kStoriesGguf)), b = GgufFile::open(out);
    for (const auto& [key, value] : a.kvs()) {
        if (key == "general.file_type") continue;
        const GgufValue* v = b.find(key);
        QVERIFY2(v && *v == value, key.c_str());
    }
    QCOMPARE(b.find("general.file_type")->toInt(), int64_t(2)); // mostly q4_0
    QCOMPARE(rep.fileType, 2u);
    QCOMPARE(b.find("general.quantization_version")->toInt(), int64_t(2));
    QCOMPARE(b.findTensor("blk.1.ffn_down.weight")->typeId, uint32_t(1));  // f16 fallback
    QCOMPARE(b.findTensor("blk.0.attn_q.weight")->typeId, uint32_t(8));    // q8_0 rule
    QCOMPARE(b.findTensor("blk.2.attn_v.weight")->typeId, uint32_t(7));    // q5_1 rule
    QCOMPARE(b.findTensor("output.weight")->typeId, uint32_t(1));          // head f16 != emb q8_0
    QCOMPARE(b.findTensor("blk.0.attn_norm.weight")->typeId, uint32_t(0)); // norms f32
}

void TestExport::llamaQuantizeRoundTrip_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<bool>("hasOutput");
    QTest::newRow("gguf source (output.weight copy)") << kStoriesGguf << true;
    QTest::newRow("llama2.c source (tied)") << kStories << false;
}

void TestExport::llamaQuantizeRoundTrip() {
    QFETCH(QString, model);
    QFETCH(bool, hasOutput);
    QS_REQUIRE_SHARED(model.toUtf8().constData());
    const auto src = loadModel(test::sharedPath(model.toUtf8().constData()));
    const ResolvedConfig r = mixedConfig().resolve(src->desc());
    LlamaQuantizeOptions opts;
    opts.output = "out dir/q.gguf"; // a space: the command line must quote it
    const LlamaQuantizeCommand cmd = llamaQuantizeCommand(src->desc(), r, opts);
    QCOMPARE(cmd.baseType, std::string("Q4_0"));
    QVERIFY(std::find(cmd.args.begin(), cmd.args.end(), "--allow-requantize") == cmd.args.end());
    qInfo("%s", cmd.commandLine().c_str());
    const std::vector<std::string> parsed = splitShellWords(cmd.commandLine());
    QVERIFY(parsed == cmd.args);
    const auto types = llamaQuantizeTensorTypes(parsed, src->desc(), hasOutput);
    const auto tensors = exportTensors(src->desc(), r, HeadPolicy::Always);
    for (const ExportTensor& t : tensors) {
        if (t.role == TensorRole::Output && !hasOutput) continue;
        const std::string want = t.format ? ggmlTypeArgName(exportGgmlType(*t.format)) : "f32";
        QVERIFY2(types.count(t.name) && types.at(t.name) == want,
                 qPrintable(QString::fromStdString(t.name + ": " + want)));
    }
    // ffn_down rows of 172 do not fit q4_0 blocks: the command says llama-quantize trips on them.
    QVERIFY(!cmd.notes.empty());
    // The script: shebang, the model named, each note as a comment, the command line last.
    const std::string script = cmd.script(src->desc().path);
    const std::string head = "#!/bin/sh\n# llama-quantize command for " + src->desc().path + "\n";
    QVERIFY(script.rfind(head, 0) == 0);
    QVERIFY(script.find("# note: " + cmd.notes.front() + "\n") != std::string::npos);
    const std::string tail = cmd.commandLine() + "\n";
    QVERIFY(script.size() > tail.size() &&
            script.compare(script.size() - tail.size(), tail.size(), tail) == 0);
}

void TestExport::hfConfigRoundTrip_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("config");
    const char* gptq = R"({"schema":"quantscope-config","version":1,"default":"int4_g32_sym",
        "embedding":"f16","output":"int8_c_sym","fallback":"f16",
        "rules":[{"match":"blk.1.*","format":"int8_c_sym"},{"match":"blk.2.attn_*","format":"int4_g32_asym"},
                 {"match":"blk.3.attn_k.weight","format":"int3_g32_sym"}],
        "tensors":{"blk.4.attn_q.weight":"f16"}})";
    const char* ct = R"({"schema":"quantscope-config","version":1,"default":"int4_g32_sym_clip",
        "embedding":"int8_c_sym","output":"f16","fallback":"f16",
        "rules":[{"match":"blk.0.*","format":"fp8_e4m3"},{"match":"blk.2.ffn_*","format":"int6_t_asym"}],
        "tensors":{"blk.4.attn_q.weight":"f16","blk.3.attn_v.weight":"int2_g16_asym"}})";
    QTest::newRow("gptqmodel") << "gptq" << gptq;
    QTest::newRow("compressed-tensors") << "ct" << ct;
    QTest::newRow("compressed-tensors, gptq config") << "ct" << gptq;
}

void TestExport::hfConfigRoundTrip() {
    QFETCH(QString, kind);
    QFETCH(QString, config);
    QS_REQUIRE_SHARED(kStoriesHf);
    const auto src = loadModel(test::sharedPath(kStoriesHf));
    const ResolvedConfig r =
        QuantConfig::fromJson(nlohmann::json::parse(config.toStdString())).resolve(src->desc());
    const bool gptq = kind == "gptq";
    const nlohmann::json j =
        gptq ? gptqModelConfig(src->desc(), r) : compressedTensorsConfig(src->desc(), r);
    qInfo("%s", j.dump().c_str());
    const nlohmann::json reread = nlohmann::json::parse(j.dump());
    const auto formats = gptq ? formatsFromGptqModel(reread, src->desc())
                              : formatsFromCompressedTensors(reread, src->desc());
    for (const ExportTensor& t : exportTensors(src->desc(), r, HeadPolicy::Always)) {
        if (!t.format) continue;
        std::string want = t.format->name();
        if (want.size() > 5 && want.substr(want.size() - 5) == "_clip")
            want.resize(want.size() - 5);
        QVERIFY2(formats.count(t.name), t.name.c_str());
        QCOMPARE(formats.at(t.name), want);
    }
}

void TestExport::quantscopeRecordRoundTrip() {
    QS_REQUIRE_SHARED(kStories);
    const auto src = loadModel(test::sharedPath(kStories));
    QuantConfig cfg = mixedConfig();
    cfg.activations = "int8_token";
    const ResolvedConfig r = cfg.resolve(src->desc());
    ExportRecordInfo info;
    info.appVersion = "test";
    info.modelSha256 = modelSha256(test::sharedPath(kStories));
    info.dataPath = test::sharedPath("data/tinystories/valid.txt");
    const nlohmann::json j = exportConfigJson(cfg, r, src->desc(), info);
    QCOMPARE(j["model"]["sha256"].get<std::string>(),
             std::string("b0a507e7ad0f626624f17112325e66691f9076d622e1d3274d103d00299f2696"));
    QCOMPARE(j["resolved"]["tensors"]["blk.3.ffn_down.weight"].get<std::string>(),
             std::string("f16"));
    const ImportedConfig back = importConfigJson(nlohmann::json::parse(j.dump(2)), "record");
    QCOMPARE(back.version, kExportRecordVersion);
    QVERIFY(back.config == cfg);
    QVERIFY(back.config.resolve(src->desc()) == r);
    // A bare configuration imports too; a newer record version does not.
    QVERIFY(importConfigJson(cfg.toJson()).config == cfg);
    nlohmann::json newer = j;
    newer["version"] = kExportRecordVersion + 1;
    QVERIFY_THROWS_EXCEPTION(Error, importConfigJson(newer));
}

void TestExport::unwritablePathIsFileError() {
    const fs::path dir = m_dir.path().toStdString();
    const fs::path blocker = dir / "plain-file";
    { std::ofstream(blocker) << "x"; }
    const fs::path out = blocker / "model.gguf"; // a file is not a folder, even for root
    const ResolvedConfig r = QuantConfig::uniform("q8_0").resolve(m_blocky->desc());
    try {
        writeQuantizedGguf(*m_blocky, r, out);
        QFAIL("no error");
    } catch (const FileError& e) {
        QVERIFY2(std::string(e.what()).find("model.gguf") != std::string::npos, e.what());
    }
    QVERIFY(noFileLike(out));
}

// A file size limit (RLIMIT_FSIZE, SIGXFSZ ignored) makes write() fail with EFBIG exactly as a
// full disk fails it with ENOSPC, without needing root or a tiny file system.
void TestExport::diskFullLeavesNoFile() {
    const fs::path out = fs::path(m_dir.path().toStdString()) / "full.gguf";
    const ResolvedConfig r = QuantConfig::uniform("f32").resolve(m_blocky->desc());
    rlimit old{};
    QCOMPARE(getrlimit(RLIMIT_FSIZE, &old), 0);
    auto oldHandler = std::signal(SIGXFSZ, SIG_IGN);
    rlimit small = old;
    small.rlim_cur = 64 << 10;
    QCOMPARE(setrlimit(RLIMIT_FSIZE, &small), 0);
    bool threw = false;
    std::string what;
    try {
        writeQuantizedGguf(*m_blocky, r, out);
    } catch (const FileError& e) {
        threw = true;
        what = e.what();
    }
    setrlimit(RLIMIT_FSIZE, &old);
    std::signal(SIGXFSZ, oldHandler);
    QVERIFY(threw);
    QVERIFY2(what.find("full.gguf") != std::string::npos, what.c_str());
    QVERIFY(noFileLike(out));
}

void TestExport::unmappableFormatsAreErrors_data() {
    QTest::addColumn<QString>("target");
    QTest::addColumn<QString>("format");
    QTest::addColumn<QString>("mustMention");
    QTest::newRow("gguf int4") << "gguf"
                               << "int4_g32_sym"
                               << "q4_0";
    QTest::newRow("gguf int8 channel") << "gguf"
                                       << "int8_c_sym"
                                       << "q8_0";
    QTest::newRow("gguf nf4") << "gguf"
                              << "nf4_g64"
                              << "iq4_nl";
    QTest::newRow("gguf mxfp4") << "gguf"
                                << "mxfp4"
                                << "mxfp4";
    QTest::newRow("llama-quantize int4") << "llama-quantize"
                                         << "int4_g32_asym"
                                         << "q4_1";
    QTest::newRow("compressed-tensors q4_0") << "ct"
                                             << "q4_0"
                                             << "int4_g32_sym";
    QTest::newRow("gptq fp8") << "gptq"
                              << "fp8_e4m3"
                              << "int8_c_sym";
    QTest::newRow("gptq int4 per tensor") << "gptq"
                                          << "int4_t_sym"
                                          << "int4_c_sym";
}

void TestExport::unmappableFormatsAreErrors() {
    QFETCH(QString, target);
    QFETCH(QString, format);
    QFETCH(QString, mustMention);
    QuantConfig cfg = QuantConfig::uniform("q8_0");
    cfg.embeddingFormat = "f16";
    cfg.setTensorFormat("blk.1.attn_q.weight", format.toStdString());
    cfg.setTensorFormat("blk.0.ffn_up.weight", format.toStdString());
    if (target == "ct" || target == "gptq") cfg.defaultFormat = "int8_c_sym";
    const ResolvedConfig r = cfg.resolve(m_blocky->desc());
    const fs::path out = fs::path(m_dir.path().toStdString()) / "unmappable.gguf";
    std::string what;
    try {
        if (target == "gguf")
            writeQuantizedGguf(*m_blocky, r, out);
        else if (target == "llama-quantize")
            llamaQuantizeCommand(m_blocky->desc(), r);
        else if (target == "ct")
            compressedTensorsConfig(m_blocky->desc(), r);
        else
            gptqModelConfig(m_blocky->desc(), r);
    } catch (const Error& e) {
        what = e.what();
    }
    QVERIFY2(!what.empty(), "no error");
    for (const std::string& s :
         {std::string("blk.1.attn_q.weight"), std::string("blk.0.ffn_up.weight"),
          format.toStdString(), mustMention.toStdString()})
        QVERIFY2(what.find(s) != std::string::npos,
                 qPrintable(QString::fromStdString(s + " not in: " + what)));
    QVERIFY(noFileLike(out));
}

QTEST_GUILESS_MAIN(TestExport)
#include "tst_export.moc"
