// quantscope-cli end to end: results on stdout, --json parseable, errors as one line with a
// non-zero exit code and the file named.
#include "shared_data.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

namespace {

struct Run {
    int exitCode;
    QString out, err;
};

Run cli(const QStringList& args) {
    QProcess p;
    p.start(QS_CLI_PATH, args);
    if (!p.waitForFinished(120000)) return {-1, {}, "timeout"};
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2,
            QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

using qs::test::shared;

} // namespace

class TestCli : public QObject {
    Q_OBJECT
private slots:
    void versionAndHelp();
    void infoReportsParameters_data();
    void infoReportsParameters();
    void evalJsonMatchesReference();
    void tokenizeMatchesReference();
    void generateIsDeterministic();
    void synthWritesLoadableModels();
    void errorsAreOneLine_data();
    void errorsAreOneLine();
    void reportFromSession();
};

void TestCli::versionAndHelp() {
    const Run v = cli({"--version"});
    QCOMPARE(v.exitCode, 0);
    QVERIFY(v.out.startsWith("quantscope-cli "));
    QCOMPARE(cli({"--help"}).exitCode, 0);
    QCOMPARE(cli({}).exitCode, 2);
}

void TestCli::infoReportsParameters_data() {
    QTest::addColumn<QString>("path");
    QTest::newRow("llama2c") << "models/stories260K/model.bin";
    QTest::newRow("gguf") << "models/stories260K-gguf/stories260K.gguf";
    QTest::newRow("hf") << "models/stories260K-hf";
}

void TestCli::infoReportsParameters() {
    QFETCH(QString, path);
    QS_REQUIRE_SHARED(path.toUtf8().constData());
    const Run r = cli({"info", shared(path.toUtf8().constData()), "--json"});
    QCOMPARE(r.exitCode, 0);
    const QJsonObject j = QJsonDocument::fromJson(r.out.toUtf8()).object();
    QCOMPARE(j["parameters"].toInteger(), 260032);
    QCOMPARE(j["hparams"].toObject()["n_layers"].toInt(), 5);
    QCOMPARE(j["tokenizer"].toObject()["vocab_size"].toInt(), 512);
    const Run text = cli({"info", shared(path.toUtf8().constData())});
    QVERIFY(text.out.contains("260,032"));
}

void TestCli::evalJsonMatchesReference() {
    QS_REQUIRE_SHARED("models/stories260K/model.bin");
    const Run r = cli({"eval", shared("models/stories260K/model.bin"), "--data",
                       shared("data/tinystories/valid.txt"), "--ctx", "256", "--protocol", "full",
                       "--max-bytes", "30000", "--json"});
    QCOMPARE(r.exitCode, 0);
    const QJsonObject j = QJsonDocument::fromJson(r.out.toUtf8()).object();
    QCOMPARE(j["scored_tokens"].toInt(), 14280);
    QVERIFY(std::abs(j["ppl"].toDouble() - 4.122884) / 4.122884 < 1e-4);
    QCOMPARE(j["ppl_ci95"].toArray().size(), 2);
}

void TestCli::tokenizeMatchesReference() {
    QS_REQUIRE_SHARED("models/stories260K/tokenizer.bin");
    const Run r = cli({"tokenize", shared("models/stories260K/tokenizer.bin"), "--text",
                       "Once upon a time, there was a little girl named Lily."});
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.out.trimmed(),
             QString("1 403 407 261 378 432 383 286 261 376 298 315 421 395 317 426"));
}

void TestCli::generateIsDeterministic() {
    QS_REQUIRE_SHARED("models/stories260K/model.bin");
    const QStringList args = {"generate", shared("models/stories260K/model.bin"), "-n", "30",
                              "--json"};
    const Run a = cli(args), b = cli(args);
    QCOMPARE(a.exitCode, 0);
    QCOMPARE(a.out, b.out);
    QVERIFY(QJsonDocument::fromJson(a.out.toUtf8()).object()["text"].toString().size() > 40);
}

void TestCli::synthWritesLoadableModels() {
    QTemporaryDir dir;
    for (const char* name : {"s.bin", "s.gguf"}) {
        const QString out = dir.filePath(name);
        const Run w = cli({"synth", "--shape", "synth260K", "--seed", "3", "--out", out});
        QVERIFY2(w.exitCode == 0, qPrintable(w.err));
        const Run info = cli({"info", out, "--json"});
        QVERIFY2(info.exitCode == 0, qPrintable(info.err));
        QCOMPARE(QJsonDocument::fromJson(info.out.toUtf8())
                     .object()["hparams"]
                     .toObject()["dim"]
                     .toInt(),
                 64);
    }
}

void TestCli::errorsAreOneLine_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("mustMention");
    QTest::newRow("missing model")
        << QStringList{"info", "/nonexistent/model.bin"} << 1 << "/nonexistent/model.bin";
    QTest::newRow("unknown option") << QStringList{"info", "x", "--bogus"} << 2 << "--bogus";
    QTest::newRow("unknown command") << QStringList{"frobnicate"} << 2 << "frobnicate";
    QTest::newRow("eval without data") << QStringList{"eval", "x"} << 2 << "--data";
    QTest::newRow("bad protocol") << QStringList{"eval", "x", "--data", "y", "--protocol", "third"}
                                  << 1 << "third";
    QTest::newRow("missing text") << QStringList{"eval", shared("models/stories260K/model.bin"),
                                                 "--data", "/nonexistent/text.txt"}
                                  << 1 << "/nonexistent/text.txt";
    QTest::newRow("bad ctx") << QStringList{"eval", "x", "--data", "y", "--ctx", "abc"} << 2
                             << "--ctx";
    QTest::newRow("unknown shape")
        << QStringList{"synth", "--shape", "huge", "--out", "/tmp/x"} << 1 << "huge";
#if QS_CLI_HAS_REPORT // the report command is built with the widgets (QS_BUILD_GUI)
    QTest::newRow("report without out") << QStringList{"report", "s.h5"} << 2 << "--out";
    QTest::newRow("report type") << QStringList{"report", "s.h5", "--out", "r.docx"} << 2
                                 << "r.docx: unknown report type";
    QTest::newRow("report folder")
        << QStringList{"report", "s.h5", "--out", "/nonexistent/dir/r.pdf"} << 1
        << "/nonexistent/dir/r.pdf: the folder does not exist";
    QTest::newRow("report session")
        << QStringList{"report", "/nonexistent/s.h5", "--out", "/tmp/r.md"} << 1
        << "/nonexistent/s.h5";
#endif
}

// analyze -> report: a configuration evaluated on the fly and saved (--save), then a second
// report that finds it in the session by name; an unknown name lists the saved ones.
void TestCli::reportFromSession() {
#if !QS_CLI_HAS_REPORT
    QSKIP("quantscope-cli is built without the widgets (QS_BUILD_GUI=OFF): no report command");
#endif
    QS_REQUIRE_SHARED("models/stories260K/model.bin");
    QTemporaryDir dir;
    const QString session = dir.filePath("s.h5");
    const Run a = cli({"analyze", shared("models/stories260K/model.bin"), "--data",
                       shared("data/tinystories/valid.txt"), "--max-tokens", "2048", "--out",
                       session, "--quiet"});
    QVERIFY2(a.exitCode == 0, qPrintable(a.err));
    const Run first = cli({"report", session, "--config", "uniform:q4_0", "--save", "--quiet",
                           "--out", dir.filePath("first.md")});
    QVERIFY2(first.exitCode == 0, qPrintable(first.err));
    QVERIFY(first.out.contains("q4_0"));
    QVERIFY(QFileInfo::exists(dir.filePath("first_files/figures/pareto.svg")));
    QVERIFY(QFileInfo::exists(dir.filePath("first_files/tables/metrics.tex")));
    // The same command again finds "q4_0" saved in the session instead of evaluating it.
    const Run again =
        cli({"report", session, "--config", "uniform:q4_0", "--out", dir.filePath("again.html")});
    QVERIFY2(again.exitCode == 0, qPrintable(again.err));
    QVERIFY2(!again.err.contains("evaluat"), qPrintable(again.err));
    QFile md(dir.filePath("first.md")), html(dir.filePath("again.html"));
    QVERIFY(md.open(QIODevice::ReadOnly) && html.open(QIODevice::ReadOnly));
    // The same PPL in both: four decimals of the metrics table.
    const QString mdText = QString::fromUtf8(md.readAll());
    const QRegularExpression ppl(
        QStringLiteral("\\| q4_0 \\| [0-9.]+ \\| [0-9.]+ \\| ([0-9.]+) \\|"));
    const QRegularExpressionMatch m = ppl.match(mdText);
    QVERIFY2(m.hasMatch(), qPrintable(mdText.left(2000)));
    QVERIFY(QString::fromUtf8(html.readAll())
                .contains("<td align=\"right\">" + m.captured(1) + "</td>"));
    const Run unknown = cli({"report", session, "--config", "nope", "--out", dir.filePath("x.md")});
    QCOMPARE(unknown.exitCode, 1);
    QVERIFY2(
        unknown.err.contains("nope: neither a configuration saved in the session (saved: q4_0)"),
        qPrintable(unknown.err));
    QVERIFY(!QFileInfo::exists(dir.filePath("x.md")));
}

void TestCli::errorsAreOneLine() {
    QFETCH(QStringList, args);
    QFETCH(int, exitCode);
    QFETCH(QString, mustMention);
    const Run r = cli(args);
    QCOMPARE(r.exitCode, exitCode);
    QVERIFY2(r.err.contains(mustMention), qPrintable(r.err));
    QVERIFY(r.out.isEmpty());
    QVERIFY(!r.err.contains("terminate called"));
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
