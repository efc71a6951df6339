// SHA-256 against published vectors and sha256sum, and the HDF5 session file: round trip,
// atomic save (a failed write leaves the old file and no temporary), a changed model opens
// read-only, and corrupt or truncated files give a FileError naming the file.
#include "shared_data.h"

#include "core/error.h"
#include "core/sha256.h"
#include "session/session.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <unistd.h>

using namespace qs;
namespace fs = std::filesystem;

namespace {

void writeBytes(const fs::path& p, const std::string& bytes) {
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), std::streamsize(bytes.size()));
}

std::string readBytes(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), {}};
}

Metrics sampleMetrics(double seed) {
    Metrics m;
    m.tokens = 1234 + int64_t(seed);
    double v = seed;
    for (const MetricField& f : metricFields())
        f.get(m) = (v += 1.25) / 3.0; // not exactly representable
    m.calibration.bins = {{0, 0.5, 0.3, 0.25, 10}, {0.5, 1, 0.7, 0.8, 20}};
    m.calibrationRef.bins = {{0, 1, 0.55, 0.5, 30}};
    return m;
}

SweepCell cell(const std::string& part, const std::string& format, double kl) {
    SweepCell c;
    c.part = part;
    c.format = format;
    c.block = 1;
    c.startBlock = 1;
    c.bitsPerWeight = 4.5;
    c.deltaPpl = kl * 2, c.deltaPplStdError = kl / 10, c.lnPplRatio = kl / 3,
    c.lnPplRatioStdError = kl / 7;
    c.klMean = kl, c.klStdError = kl / 9, c.klP99 = kl * 5, c.top1Agreement = 1 - kl;
    c.top1AgreementStdError = 0.01, c.deltaPRms = kl / 11, c.seconds = 0.5;
    return c;
}

Session sampleSession(const fs::path& modelFile, const fs::path& textFile) {
    Session s;
    s.model = FileFingerprint::of(modelFile);
    s.evalText = FileFingerprint::of(textFile);
    s.calibrationText = s.evalText;
    s.evaluation = {256, "half", 65536, 7, 70000, 255, 32640, 512};
    s.hasReference = true;
    s.reference = sampleMetrics(0.1);
    s.referenceSeconds = 1.5;
    QuantConfig c = QuantConfig::uniform("q4_0");
    c.setTensorFormat("blk.0.attn_q.weight", "q8_0");
    c.fallbackFormat = "f16";
    s.configurations.push_back({"all q4_0 / q8_0 attn_q", c, sampleMetrics(2.0), 4.6, 123456});
    s.configurations.push_back(
        {"second", QuantConfig::uniform("int3_g32_sym"), sampleMetrics(3.0), 3.5, 999});

    SweepResult& sw = s.sweepFor(SweepUnit::Layer);
    sw.fallbackFormat = "int3_c_sym";
    sw.setup = {256, "half", 255, 32640, 512, 3.9876543210123};
    sw.put(cell("blk.0.attn_q.weight", "q4_0", 0.01));
    sw.put(cell("blk.0.attn_k.weight", "q4_0", 0.02));
    SweepCell skipped;
    skipped.part = "blk.0.ffn_down.weight";
    skipped.format = "q4_0";
    skipped.status = SweepCellStatus::Skipped;
    skipped.note = "row length 172 is not a multiple of 32";
    sw.put(skipped);
    sw.put(cell("blk.0.attn_q.weight", "int3_g32_sym", 0.3));
    sw.parts.push_back("blk.1.attn_q.weight"); // a row nobody measured yet

    ActivationStats a;
    a.source = modelFile.string();
    a.datasets = {textFile.string()};
    a.ctx = 256, a.windows = 3, a.tokens = 768;
    LinearInputStats x;
    x.name = "blk.0.attn_norm_out";
    x.tensors = {"blk.0.attn_q.weight", "blk.0.attn_k.weight"};
    x.block = 0, x.what = Intermediate::AttnNormOut, x.channels = 2, x.count = 768;
    x.sumSq = {1.5, 2.5}, x.sum = {-0.5, 0.25}, x.absMax = {3.f, 4.f};
    x.histogram.add(0.5f), x.histogram.add(2.f);
    x.gram = {1.5, 0.1, 0.1, 2.5};
    a.inputs.push_back(x);
    x.name = "blk.0.ffn_act";
    x.tensors = {"blk.0.ffn_down.weight"};
    x.gram.clear();
    a.inputs.push_back(x);
    a.byTensor = {
        {"blk.0.attn_q.weight", 0}, {"blk.0.attn_k.weight", 0}, {"blk.0.ffn_down.weight", 1}};
    ResidualStats r;
    r.block = 0, r.channels = 2, r.absMax = {7.f, 0.5f}, r.countAboveThreshold = {3, 0};
    r.top = {{{10, 5, 7.f}, {11, 6, -6.5f}}, {}};
    r.histogram.add(7.f);
    r.medianAbs = 0.25;
    r.outliers.push_back({0, 7.f, 28.0, 3, false, true, {{10, 5, 7.f}}});
    a.residual.push_back(r);
    s.activations = a;

    WeightStats w;
    w.name = "blk.0.attn_q.weight";
    w.rows = 2, w.cols = 3, w.absMax = 0.9, w.mean = 0.01, w.std = 0.2, w.excessKurtosis = 1.5;
    w.fracBeyond3Sigma = 0.003, w.fracBeyond6Sigma = 0, w.medianAbs = 0.1, w.absMaxToMedian = 9;
    w.rowAbsMax = {0.9f, 0.5f}, w.colAbsMax = {0.9f, 0.4f, 0.2f};
    w.histogram.add(0.9f);
    s.weightStats.push_back(w);
    w.name = "blk.0.attn_k.weight"; // listed after q: order must survive HDF5's name order
    s.weightStats.push_back(w);

    PredictedError p;
    p.tensor = "blk.0.attn_q.weight", p.block = 0, p.role = TensorRole::Wq,
    p.requestedFormat = "q4_0";
    p.format = "q4_0", p.parameters = 4096, p.weightSqError = 0.5, p.activationWeighted = 0.25;
    p.reference = 10, p.relative = 0.025; // hessianWeighted stays NaN
    s.predictedErrors.push_back(p);
    p.tensor = "blk.0.ffn_down.weight", p.role = TensorRole::FfnDown, p.format = "int3_c_sym";
    p.usedFallback = true, p.hessianWeighted = 0.125;
    s.predictedErrors.push_back(p);
    return s;
}

void compareMetrics(const Metrics& a, const Metrics& b) {
    Metrics x = a, y = b;
    QCOMPARE(x.tokens, y.tokens);
    for (const MetricField& f : metricFields()) QVERIFY2(f.get(x) == f.get(y), f.name);
    QCOMPARE(a.calibration.bins.size(), b.calibration.bins.size());
    for (size_t i = 0; i < a.calibration.bins.size(); ++i) {
        QCOMPARE(a.calibration.bins[i].meanConfidence, b.calibration.bins[i].meanConfidence);
        QCOMPARE(a.calibration.bins[i].count, b.calibration.bins[i].count);
    }
    QCOMPARE(a.calibrationRef.bins.size(), b.calibrationRef.bins.size());
}

void compareSessions(const Session& a, const Session& b) {
    QCOMPARE(a.model, b.model);
    QCOMPARE(a.evalText, b.evalText);
    QCOMPARE(a.calibrationText, b.calibrationText);
    QVERIFY(a.evaluation == b.evaluation);
    QCOMPARE(a.hasReference, b.hasReference);
    compareMetrics(a.reference, b.reference);
    QCOMPARE(a.referenceSeconds, b.referenceSeconds);
    QCOMPARE(a.configurations.size(), b.configurations.size());
    for (size_t i = 0; i < a.configurations.size(); ++i) {
        QCOMPARE(a.configurations[i].name, b.configurations[i].name);
        QVERIFY(a.configurations[i].config == b.configurations[i].config);
        QCOMPARE(a.configurations[i].bitsPerWeight, b.configurations[i].bitsPerWeight);
        QCOMPARE(a.configurations[i].modelBytes, b.configurations[i].modelBytes);
        compareMetrics(a.configurations[i].metrics, b.configurations[i].metrics);
    }
    QCOMPARE(a.sweeps.size(), b.sweeps.size());
    for (size_t i = 0; i < a.sweeps.size(); ++i) {
        const SweepResult &x = a.sweeps[i], &y = b.sweeps[i];
        QVERIFY(x.unit == y.unit);
        QCOMPARE(x.fallbackFormat, y.fallbackFormat);
        QVERIFY(x.setup == y.setup);
        QCOMPARE(x.parts, y.parts);
        QCOMPARE(x.formats, y.formats);
        QCOMPARE(x.cells.size(), y.cells.size());
        for (const SweepCell& c : x.cells) {
            const SweepCell* d = y.find(c.part, c.format);
            QVERIFY(d);
            QVERIFY2(c == *d, qPrintable(QString::fromStdString(c.part + " @ " + c.format)));
        }
    }
    QCOMPARE(a.activations.has_value(), b.activations.has_value());
    if (a.activations) {
        const ActivationStats &x = *a.activations, &y = *b.activations;
        QCOMPARE(x.source, y.source);
        QCOMPARE(x.datasets, y.datasets);
        QCOMPARE(x.tokens, y.tokens);
        QCOMPARE(x.byTensor, y.byTensor);
        QCOMPARE(x.inputs.size(), y.inputs.size());
        for (size_t i = 0; i < x.inputs.size(); ++i) {
            QCOMPARE(x.inputs[i].name, y.inputs[i].name);
            QCOMPARE(x.inputs[i].tensors, y.inputs[i].tensors);
            QVERIFY(x.inputs[i].what == y.inputs[i].what);
            QCOMPARE(x.inputs[i].sumSq, y.inputs[i].sumSq);
            QCOMPARE(x.inputs[i].sum, y.inputs[i].sum);
            QCOMPARE(x.inputs[i].absMax, y.inputs[i].absMax);
            QCOMPARE(x.inputs[i].gram, y.inputs[i].gram);
            QVERIFY(x.inputs[i].histogram == y.inputs[i].histogram);
        }
        QCOMPARE(x.residual.size(), y.residual.size());
        const ResidualStats &r = x.residual[0], &q = y.residual[0];
        QCOMPARE(r.absMax, q.absMax);
        QCOMPARE(r.countAboveThreshold, q.countAboveThreshold);
        QCOMPARE(r.top.size(), q.top.size());
        QCOMPARE(r.top[0].size(), q.top[0].size());
        QCOMPARE(r.top[0][1].value, q.top[0][1].value);
        QCOMPARE(r.top[0][1].position, q.top[0][1].position);
        QCOMPARE(r.outliers.size(), q.outliers.size());
        QCOMPARE(r.outliers[0].ratioToMedian, q.outliers[0].ratioToMedian);
        QCOMPARE(r.outliers[0].int8Outlier, q.outliers[0].int8Outlier);
        QCOMPARE(r.outliers[0].top.size(), q.outliers[0].top.size());
        QVERIFY(r.histogram == q.histogram);
    }
    QCOMPARE(a.weightStats.size(), b.weightStats.size());
    for (size_t i = 0; i < a.weightStats.size(); ++i) {
        QCOMPARE(a.weightStats[i].name, b.weightStats[i].name);
        QCOMPARE(a.weightStats[i].excessKurtosis, b.weightStats[i].excessKurtosis);
        QCOMPARE(a.weightStats[i].colAbsMax, b.weightStats[i].colAbsMax);
        QVERIFY(a.weightStats[i].histogram == b.weightStats[i].histogram);
    }
    QCOMPARE(a.predictedErrors.size(), b.predictedErrors.size());
    for (size_t i = 0; i < a.predictedErrors.size(); ++i) {
        const PredictedError &x = a.predictedErrors[i], &y = b.predictedErrors[i];
        QCOMPARE(x.tensor, y.tensor);
        QCOMPARE(x.format, y.format);
        QCOMPARE(x.usedFallback, y.usedFallback);
        QVERIFY(x.role == y.role);
        QCOMPARE(x.relative, y.relative);
        QVERIFY(std::isnan(x.hessianWeighted) ? std::isnan(y.hessianWeighted)
                                              : x.hessianWeighted == y.hessianWeighted);
    }
}

std::vector<std::string> entries(const fs::path& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace

class TestSession : public QObject {
    Q_OBJECT
private slots:
    void init();
    void sha256Vectors_data();
    void sha256Vectors();
    void sha256StreamsInPieces();
    void sha256OfFiles();
    void roundTrip();
    void failedSaveKeepsOldFile();
    void unwritableFolderIsAFileError();
    void changedModelOpensReadOnly();
    void corruptFilesAreFileErrors_data();
    void corruptFilesAreFileErrors();

private:
    std::unique_ptr<QTemporaryDir> m_tmp;
    fs::path m_dir, m_model, m_text;
};

void TestSession::init() {
    m_tmp = std::make_unique<QTemporaryDir>();
    QVERIFY(m_tmp->isValid());
    m_dir = m_tmp->path().toStdString();
    m_model = m_dir / "model.bin";
    m_text = m_dir / "text.txt";
    writeBytes(m_model, std::string(1000, 'm'));
    writeBytes(m_text, "Once upon a time");
}

void TestSession::sha256Vectors_data() {
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QString>("digest");
    QTest::newRow("empty") << QByteArray()
                           << "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    QTest::newRow("abc") << QByteArray("abc")
                         << "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    QTest::newRow("448 bits") << QByteArray(
                                     "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                              << "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
    QTest::newRow("896 bits") << QByteArray(
                                     "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijkl"
                                     "mnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu")
                              << "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1";
    QTest::newRow("1M a") << QByteArray(1000000, 'a')
                          << "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
}

void TestSession::sha256Vectors() {
    QFETCH(QByteArray, input);
    QFETCH(QString, digest);
    QCOMPARE(QString::fromStdString(sha256Hex(input.constData(), size_t(input.size()))), digest);
}

void TestSession::sha256StreamsInPieces() {
    // Odd piece sizes cross the 64-byte block boundary at every offset.
    const std::string data(1000000, 'a');
    Sha256 h;
    size_t pos = 0;
    for (size_t n = 1; pos < data.size(); n = n % 131 + 1) {
        const size_t k = std::min(n, data.size() - pos);
        h.update(data.data() + pos, k);
        pos += k;
    }
    QCOMPARE(toHex(h.finish()),
             std::string("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
    QCOMPARE(toHex(h.finish()), sha256Hex("", 0)); // finish() resets
}

void TestSession::sha256OfFiles() {
    writeBytes(m_dir / "a.bin", std::string(1000000, 'a')); // spans one 1 MiB read and a bit
    QCOMPARE(sha256FileHex(m_dir / "a.bin"),
             std::string("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
    QVERIFY_THROWS_EXCEPTION(FileError, sha256FileHex(m_dir / "missing.bin"));
    QS_REQUIRE_SHARED("models/stories260K/model.bin");
    // The value PROVENANCE.md and `sha256sum` give for Karpathy's stories260K.bin.
    QCOMPARE(sha256FileHex(test::sharedPath("models/stories260K/model.bin")),
             std::string("b0a507e7ad0f626624f17112325e66691f9076d622e1d3274d103d00299f2696"));
    QCOMPARE(sha256FileHex(test::sharedPath("data/tinystories/valid.txt")),
             std::string("5fc1fb0113df62b567fb271806cd645ce8d75f59c58ca0b764c03d3b6ff34ca6"));
}

void TestSession::roundTrip() {
    const Session s = sampleSession(m_model, m_text);
    const fs::path file = m_dir / "session.h5";
    saveSession(s, file);
    QCOMPARE(entries(m_dir), (std::vector<std::string>{"model.bin", "session.h5", "text.txt"}));
    const Session t = loadSession(file);
    QVERIFY(!t.readOnly);
    QVERIFY(t.warning.empty());
    QVERIFY(!t.appVersion.empty());
    compareSessions(s, t);
    // Saving what was loaded gives the same content again.
    saveSession(t, file);
    compareSessions(s, loadSession(file));
    // An empty session is valid too.
    Session e;
    e.model = s.model;
    saveSession(e, m_dir / "empty.h5");
    const Session f = loadSession(m_dir / "empty.h5");
    QVERIFY(!f.hasReference && f.sweeps.empty() && !f.activations && f.configurations.empty());
}

void TestSession::failedSaveKeepsOldFile() {
    const fs::path file = m_dir / "session.h5";
    const Session s = sampleSession(m_model, m_text);
    saveSession(s, file);
    const std::string before = readBytes(file);
    Session bad = s;
    // A '/' in a group name makes HDF5 look for a group that does not exist: the write fails
    // half way, after the temporary file holds a partial session.
    bad.sweeps[0].put(cell("blk.0.attn_q.weight", "no/such/format", 0.5));
    try {
        saveSession(bad, file);
        QFAIL("saving must fail");
    } catch (const FileError& e) {
        QCOMPARE(e.path(), file);
        QVERIFY2(QString(e.what()).contains("writing the session failed"), e.what());
    }
    QCOMPARE(readBytes(file), before);
    QCOMPARE(entries(m_dir), (std::vector<std::string>{"model.bin", "session.h5", "text.txt"}));
    compareSessions(s, loadSession(file));
}

void TestSession::unwritableFolderIsAFileError() {
    const Session s = sampleSession(m_model, m_text);
    QVERIFY_THROWS_EXCEPTION(FileError, saveSession(s, m_dir / "no" / "such" / "folder" / "s.h5"));
    if (::geteuid() == 0) QSKIP("running as root: permissions do not stop writes");
    const fs::path ro = m_dir / "ro";
    fs::create_directory(ro);
    saveSession(s, ro / "session.h5");
    const std::string before = readBytes(ro / "session.h5");
    fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec);
    bool threw = false;
    try {
        saveSession(s, ro / "session.h5");
    } catch (const FileError& e) {
        threw = true;
        QCOMPARE(e.path(), ro / "session.h5");
    }
    fs::permissions(ro, fs::perms::owner_all);
    QVERIFY(threw);
    QCOMPARE(readBytes(ro / "session.h5"), before);
    QCOMPARE(entries(ro), std::vector<std::string>{"session.h5"});
}

void TestSession::changedModelOpensReadOnly() {
    const fs::path file = m_dir / "session.h5";
    saveSession(sampleSession(m_model, m_text), file);
    std::string bytes = readBytes(m_model);
    bytes[500] = 'x'; // same size, different content: only the hash can tell
    writeBytes(m_model, bytes);
    const Session t = loadSession(file);
    QVERIFY(t.readOnly);
    QVERIFY2(QString::fromStdString(t.warning).contains("SHA-256"), t.warning.c_str());
    QVERIFY(!t.sweeps.empty()); // everything is still there to look at
    QVERIFY_THROWS_EXCEPTION(Error, saveSession(t, file));
    QVERIFY(!loadSession(file, {.verifyModel = false}).readOnly);
    fs::remove(m_model);
    const Session u = loadSession(file);
    QVERIFY(u.readOnly);
    QVERIFY2(QString::fromStdString(u.warning).contains("no longer exists"), u.warning.c_str());
}

void TestSession::corruptFilesAreFileErrors_data() {
    QTest::addColumn<QString>("kind");
    QTest::newRow("random bytes") << "random";
    QTest::newRow("truncated to half") << "half";
    QTest::newRow("truncated to 4 KiB") << "4k";
    QTest::newRow("empty") << "empty";
    QTest::newRow("text file") << "text";
    QTest::newRow("missing") << "missing";
    QTest::newRow("bytes flipped in the middle") << "flipped";
}

void TestSession::corruptFilesAreFileErrors() {
    QFETCH(QString, kind);
    const fs::path good = m_dir / "good.h5", bad = m_dir / "bad.h5";
    saveSession(sampleSession(m_model, m_text), good);
    const std::string bytes = readBytes(good);
    std::mt19937 rng(42);
    if (kind == "random") {
        std::string r(bytes.size(), '\0');
        for (char& c : r) c = char(rng());
        writeBytes(bad, r);
    } else if (kind == "half") {
        writeBytes(bad, bytes.substr(0, bytes.size() / 2));
    } else if (kind == "4k") {
        writeBytes(bad, bytes.substr(0, 4096));
    } else if (kind == "empty") {
        writeBytes(bad, "");
    } else if (kind == "text") {
        writeBytes(bad, "not a session\n");
    } else if (kind == "flipped") {
        std::string f = bytes;
        for (size_t i = 800; i < f.size() - 800; i += 97) f[i] = char(~f[i]);
        writeBytes(bad, f);
    }
    try {
        const Session s = loadSession(bad);
        // Flipped bytes may land only in raw data; then the load may succeed, but never crash.
        QVERIFY2(kind == "flipped", "loading must fail");
    } catch (const FileError& e) {
        QCOMPARE(e.path(), bad);
        QVERIFY(!e.problem().empty());
    }
    QCOMPARE(readBytes(good), bytes); // nothing else is touched
}

QTEST_GUILESS_MAIN(TestSession)
#include "tst_session.moc"
