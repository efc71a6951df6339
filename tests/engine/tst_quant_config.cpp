// QuantConfig: resolution order (default < rules < overrides), globbing, fallback, bits-per-weight
// accounting, restart points for the incremental evaluator, and versioned JSON with validation.
#include "shared_data.h"

#include "core/error.h"
#include "model/model.h"
#include "quant/quant_config.h"

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <fstream>

using namespace qs;

namespace {
std::shared_ptr<Model> g_model;

const QuantFormat* formatOf(const ResolvedConfig& r, const char* tensor) {
    return r.format(*g_model->desc().find(tensor));
}
} // namespace

class TestQuantConfig : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void glob_data();
    void glob();
    void resolutionOrder();
    void fallbackForMisfitRows();
    void bitsPerWeightAccounting();
    void restartPoints();
    void jsonRoundTrip();
    void jsonValidation_data();
    void jsonValidation();
    void saveIsAtomicAndUnwritablePathIsAnError();
};

void TestQuantConfig::initTestCase() {
    QS_REQUIRE_SHARED("models/stories260K/model.bin");
    g_model = loadModel(test::sharedPath("models/stories260K/model.bin"));
}

void TestQuantConfig::glob_data() {
    QTest::addColumn<QString>("pattern");
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("match");
    QTest::newRow("block") << "blk.3.*"
                           << "blk.3.attn_q.weight" << true;
    QTest::newRow("other block") << "blk.3.*"
                                 << "blk.13.attn_q.weight" << false;
    QTest::newRow("role in every block") << "*.ffn_down.weight"
                                         << "blk.0.ffn_down.weight" << true;
    QTest::newRow("question mark") << "blk.?.attn_?.weight"
                                   << "blk.4.attn_k.weight" << true;
    QTest::newRow("question mark needs one char") << "blk.?.attn_q.weight"
                                                  << "blk.10.attn_q.weight" << false;
    QTest::newRow("exact") << "output.weight"
                           << "output.weight" << true;
    QTest::newRow("backtracking") << "*a*b*c"
                                  << "xxaxxbxxbxc" << true;
    QTest::newRow("empty pattern") << ""
                                   << "x" << false;
}

void TestQuantConfig::glob() {
    QFETCH(QString, pattern);
    QFETCH(QString, text);
    QFETCH(bool, match);
    QCOMPARE(globMatch(pattern.toStdString(), text.toStdString()), match);
}

void TestQuantConfig::resolutionOrder() {
    QuantConfig c = QuantConfig::uniform("bf16");
    c.rules.push_back({"blk.1.*", "f16"});
    c.rules.push_back({"*.attn_v.weight", "q8_0"});  // later rule wins over the earlier one
    c.setTensorFormat("blk.1.attn_v.weight", "f32"); // override wins over rules
    c.fallbackFormat = "f16";
    const ResolvedConfig r = c.resolve(g_model->desc());
    QCOMPARE(formatOf(r, "blk.0.attn_q.weight")->name(), std::string("bf16"));
    QCOMPARE(formatOf(r, "blk.1.attn_q.weight")->name(), std::string("f16"));
    QCOMPARE(formatOf(r, "blk.2.attn_v.weight")->name(), std::string("q8_0"));
    QCOMPARE(formatOf(r, "blk.1.attn_v.weight")->name(), std::string("f32"));
    QCOMPARE(formatOf(r, "token_embd.weight")->name(), std::string("f32"));
    QVERIFY(formatOf(r, "blk.0.attn_norm.weight") == nullptr); // norms are never quantized
    QCOMPARE(r.headFormat()->name(), std::string("f32"));
}

void TestQuantConfig::fallbackForMisfitRows() {
    QuantConfig c = QuantConfig::uniform("q4_0");
    try {
        c.resolve(g_model->desc());
        QFAIL("expected Error");
    } catch (const Error& e) {
        QVERIFY2(QString(e.what()).contains("ffn_down") && QString(e.what()).contains("172"),
                 e.what());
    }
    c.fallbackFormat = "f16";
    const ResolvedConfig r = c.resolve(g_model->desc());
    QCOMPARE(int(r.fallbacks().size()), 5); // one ffn_down per block
    QCOMPARE(formatOf(r, "blk.2.ffn_down.weight")->name(), std::string("f16"));
}

void TestQuantConfig::bitsPerWeightAccounting() {
    QuantConfig c = QuantConfig::uniform("q8_0");
    c.fallbackFormat = "f16";
    const ResolvedConfig r = c.resolve(g_model->desc());
    // Per block: q 4096, k 2048, v 2048, o 4096, gate/up 11008 each at 8.5 bits; down 11008 at 16.
    const double q8 = 4096 + 2048 + 2048 + 4096 + 2 * 11008.0, down = 11008;
    QCOMPARE(r.averageBitsPerWeight(), (8.5 * q8 + 16 * down) / (q8 + down));
    // Whole model: the embedding (tied head, f32) and the f32 norms count at 32 bits.
    const double linearBits = 5 * (8.5 * q8 + 16 * down), embBits = 32.0 * 512 * 64,
                 normBits = 32.0 * (64 * 11);
    QCOMPARE(r.modelBytes(), uint64_t((linearBits + embBits + normBits) / 8 + 0.5));
    QuantConfig head = c;
    head.outputFormat = "q8_0"; // tied head stored separately once it has its own format
    QCOMPARE(head.resolve(g_model->desc()).modelBytes(),
             r.modelBytes() + uint64_t(8.5 * 512 * 64 / 8));
}

void TestQuantConfig::restartPoints() {
    const int L = g_model->hp().nLayers;
    QuantConfig base = QuantConfig::uniform("bf16");
    const ResolvedConfig a = base.resolve(g_model->desc());
    QCOMPARE(a.firstDifferentBlock(a), L + 1);
    QCOMPARE(a.firstQuantizedBlock(), 0);
    QuantConfig last = base;
    last.setBlockFormat(L - 1, "f16");
    QCOMPARE(last.resolve(g_model->desc()).firstDifferentBlock(a), L - 1);
    QuantConfig head = base;
    head.outputFormat = "f16";
    QCOMPARE(head.resolve(g_model->desc()).firstDifferentBlock(a), L);
    QuantConfig emb = base;
    emb.embeddingFormat = "f16";
    QCOMPARE(emb.resolve(g_model->desc()).firstDifferentBlock(a),
             int(ResolvedConfig::kEmbeddingDiffers));
    QuantConfig act = base;
    act.activations = "int8_token";
    QCOMPARE(act.resolve(g_model->desc()).firstDifferentBlock(a), 0);
    QCOMPARE(QuantConfig::uniform("f32").resolve(g_model->desc()).firstQuantizedBlock(), L + 1);
    QuantConfig one;
    one.setTensorFormat("blk.3.ffn_up.weight", "q8_0");
    QCOMPARE(one.resolve(g_model->desc()).firstQuantizedBlock(), 3);
}

void TestQuantConfig::jsonRoundTrip() {
    QuantConfig c = QuantConfig::uniform("q4_0");
    c.embeddingFormat = "q8_0";
    c.activations = "ggml";
    c.fallbackFormat = "f16";
    c.rules.push_back({"blk.0.*", "q8_0"});
    c.setTensorFormat("blk.4.attn_v.weight", "int4_g32_asym");
    QTemporaryDir dir;
    const std::string path = dir.filePath("cfg.json").toStdString();
    c.save(path);
    QVERIFY(QuantConfig::load(path) == c);
    QCOMPARE(QuantConfig::fromJson(c.toJson()).toJson(), c.toJson());
}

void TestQuantConfig::jsonValidation_data() {
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("problem");
    QTest::newRow("not an object") << "[1,2]"
                                   << "not a JSON object";
    QTest::newRow("wrong schema") << R"({"schema":"other","version":1})"
                                  << "schema";
    QTest::newRow("future version") << R"({"schema":"quantscope-config","version":99})"
                                    << "version 99";
    QTest::newRow("unknown format")
        << R"({"schema":"quantscope-config","version":1,"default":"q9_9"})"
        << "q9_9";
    QTest::newRow("bad rule")
        << R"({"schema":"quantscope-config","version":1,"rules":[{"match":"x"}]})"
        << "malformed";
    QTest::newRow("bad activations")
        << R"({"schema":"quantscope-config","version":1,"activations":"int3"})"
        << "int3";
}

void TestQuantConfig::jsonValidation() {
    QFETCH(QString, json);
    QFETCH(QString, problem);
    try {
        QuantConfig::fromJson(nlohmann::json::parse(json.toStdString()), "cfg.json");
        QFAIL("expected Error");
    } catch (const Error& e) {
        QVERIFY2(QString(e.what()).contains(problem) && QString(e.what()).startsWith("cfg.json"),
                 e.what());
    }
}

void TestQuantConfig::saveIsAtomicAndUnwritablePathIsAnError() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("cfg.json").toStdString();
    QuantConfig::uniform("q8_0").save(path);
    QuantConfig::uniform("q4_0").save(path);
    QCOMPARE(QuantConfig::load(path).defaultFormat, std::string("q4_0"));
    QVERIFY(!QFile::exists(dir.filePath("cfg.json.partial")));
    QVERIFY_THROWS_EXCEPTION(FileError,
                             QuantConfig::uniform("q8_0").save("/nonexistent-dir/cfg.json"));
    std::ofstream(dir.filePath("bad.json").toStdString()) << "{ not json";
    QVERIFY_THROWS_EXCEPTION(FileError, QuantConfig::load(dir.filePath("bad.json").toStdString()));
}

QTEST_GUILESS_MAIN(TestQuantConfig)
#include "tst_quant_config.moc"
