// WorkbenchSession on stories260K and TinyStories: background load and evaluation matching the
// engine called directly, cancel and re-run, and errors that keep the previous model.

#include "model_structure_model.h"
#include "workbench_session.h"

#include "core/text_file.h"
#include "eval/perplexity.h"
#include "memory_limit.h"
#include "model/model.h"
#include "shared_data.h"
#include "tokenizer/tokenizer.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

namespace {

const char* const kModel = "models/stories260K/model.bin";
const char* const kText = "data/tinystories/valid.txt";
constexpr int kTimeoutMs = 120000;

using qs::test::shared;

qs::PerplexityResult evaluateDirectly(const EvaluationSettings& settings,
                                      const char* modelPath = kModel) {
    auto model = qs::loadModel(qs::test::sharedPath(modelPath));
    const std::string text = qs::readTextFile(qs::test::sharedPath(kText));
    const std::vector<int32_t> tokens = model->tokenizer()->encode(text, true);
    qs::PerplexityOptions options;
    options.ctx = settings.ctx;
    options.protocol = qs::parseProtocol(settings.protocol.toStdString());
    options.maxTokens = settings.maxTokens;
    return qs::evaluatePerplexity(*model, tokens, options);
}

// Loads the sample model with auto-evaluation off and waits for it.
bool loadSample(WorkbenchSession& session) {
    session.setAutoEvaluate(false);
    QSignalSpy changed(&session, &WorkbenchSession::modelChanged);
    session.openModel(shared(kModel));
    return changed.wait(kTimeoutMs) && !session.isBusy();
}

} // namespace

class TestWorkbenchSession : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QS_REQUIRE_SHARED(kModel);
        QS_REQUIRE_SHARED(kText);
        qs::test::limitAddressSpace();
    }

    void loadThenEvaluateMatchesEngine_data() {
        QTest::addColumn<QString>("modelPath");
        QTest::addColumn<int>("ctx");
        QTest::addColumn<QString>("protocol");
        QTest::addColumn<qint64>("maxTokens");
        QTest::newRow("defaults: 256 half, 64k tokens") << kModel << 256 << "half" << qint64(65536);
        QTest::newRow("128 full, 16k tokens") << kModel << 128 << "full" << qint64(16384);
        QTest::newRow("gguf, 512 half, 16k tokens")
            << "models/stories260K-gguf/stories260K.gguf" << 512 << "half" << qint64(16384);
    }
    void loadThenEvaluateMatchesEngine() {
        QFETCH(QString, modelPath);
        QFETCH(int, ctx);
        QFETCH(QString, protocol);
        QFETCH(qint64, maxTokens);
        const QByteArray model = modelPath.toUtf8();
        QS_REQUIRE_SHARED(model.constData());
        WorkbenchSession session;
        EvaluationSettings settings;
        if (QTest::currentDataTag() == QLatin1String("defaults: 256 half, 64k tokens")) {
            QCOMPARE(settings.ctx, ctx); // the defaults the brief asks for
            QCOMPARE(settings.protocol, protocol);
            QCOMPARE(settings.maxTokens, maxTokens);
        }
        settings.ctx = ctx;
        settings.protocol = protocol;
        settings.maxTokens = maxTokens;
        session.setEvaluationSettings(settings);
        QSignalSpy modelChanged(&session, &WorkbenchSession::modelChanged);
        QSignalSpy perplexity(&session, &WorkbenchSession::perplexityChanged);
        QSignalSpy busy(&session, &WorkbenchSession::busyChanged);
        QSignalSpy errors(&session, &WorkbenchSession::errorOccurred);

        session.setTextPath(shared(kText));
        session.openModel(shared(model.constData()));
        // Nothing happened on this thread yet: the load runs in the background.
        QVERIFY(session.isBusy());
        QCOMPARE(session.activity(), WorkbenchSession::Activity::Loading);
        QVERIFY(!session.hasModel());

        QTRY_VERIFY_WITH_TIMEOUT(session.report().isValid(), kTimeoutMs);
        QVERIFY2(errors.isEmpty(),
                 errors.isEmpty() ? "" : qPrintable(errors.first().first().toString()));
        QCOMPARE(modelChanged.count(), 1);
        QCOMPARE(session.structureModel()->rowCount(), 6);
        QTRY_VERIFY(!session.isBusy());
        QCOMPARE(busy.count(), 2); // busy across load and evaluation, then idle

        const PerplexityReport report = session.report();
        QCOMPARE(perplexity.last().first().value<PerplexityReport>().ppl, report.ppl);
        const qs::PerplexityResult direct = evaluateDirectly(settings, model.constData());
        QCOMPARE(report.ctx, ctx);
        QCOMPARE(report.protocol, protocol);
        QCOMPARE(report.windows, direct.windows);
        QCOMPARE(report.scoredTokens, direct.scoredTokens);
        QCOMPARE(report.windows, maxTokens / ctx);
        QVERIFY(qAbs(report.meanNll - direct.meanNll) < 1e-9);
        QVERIFY(qAbs(report.ppl - direct.ppl) < 1e-9 * direct.ppl);
        QVERIFY(qAbs(report.pplLow - direct.pplLow) < 1e-9 * direct.ppl);
        QVERIFY(qAbs(report.pplHigh - direct.pplHigh) < 1e-9 * direct.ppl);
        QVERIFY(report.pplLow < report.ppl && report.ppl < report.pplHigh);
        QVERIFY(report.tokensPerSecond > 0);
        QVERIFY(report.ppl > 1.0 && report.ppl < 20.0); // stories260K on TinyStories is ~4
    }

    void cancelDuringEvaluationKeepsSessionUsable() {
        WorkbenchSession session;
        QVERIFY(loadSample(session));
        session.setTextPath(shared(kText));
        QSignalSpy canceled(&session, &WorkbenchSession::canceled);
        QSignalSpy perplexity(&session, &WorkbenchSession::perplexityChanged);
        QSignalSpy errors(&session, &WorkbenchSession::errorOccurred);
        bool evaluating = false;
        connect(&session, &WorkbenchSession::progressChanged, this,
                [&](double fraction, const QString&) { evaluating = evaluating || fraction > 0; });
        EvaluationSettings settings;
        settings.maxTokens = 0; // the whole text: long enough to be caught running
        session.setEvaluationSettings(settings);

        session.runPerplexity();
        QCOMPARE(session.activity(), WorkbenchSession::Activity::Evaluating);
        QTRY_VERIFY_WITH_TIMEOUT(evaluating, kTimeoutMs);
        if (!session.isBusy()) QSKIP("evaluation finished before it could be canceled");
        session.cancel();
        QCOMPARE(canceled.count(), 1);
        QVERIFY(!session.isBusy());
        QCOMPARE(session.activity(), WorkbenchSession::Activity::Idle);
        QTest::qWait(200); // a late result of the canceled job must not show up
        QCOMPARE(perplexity.count(), 0);
        QVERIFY(errors.isEmpty());
        QVERIFY(session.hasModel());
        QVERIFY(!session.report().isValid());

        settings.maxTokens = 8192;
        session.setEvaluationSettings(settings);
        session.runPerplexity();
        QTRY_VERIFY_WITH_TIMEOUT(session.report().isValid(), kTimeoutMs);
        QCOMPARE(perplexity.count(), 1);
        QCOMPARE(session.report().windows, 8192 / 256);
        QVERIFY(qAbs(session.report().ppl - evaluateDirectly(settings).ppl) <
                1e-9 * session.report().ppl);
    }

    void brokenModelKeepsPreviousModel_data() {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("fileName");
        QByteArray garbage;
        for (int i = 0; i < 4096; ++i) garbage.append(char((i * 7919 + 13) % 251));
        QFile model(shared(kModel));
        QVERIFY(model.open(QIODevice::ReadOnly));
        const QByteArray head = model.read(1000);
        QTest::newRow("garbage") << garbage << "garbage.bin";
        QTest::newRow("empty") << QByteArray() << "empty.bin";
        QTest::newRow("truncated llama2.c") << head << "truncated.bin";
        QTest::newRow("GGUF magic, garbage after") << QByteArray("GGUF") + garbage << "broken.gguf";
        QTest::newRow("missing") << QByteArray() << "<missing>";
    }
    void brokenModelKeepsPreviousModel() {
        QFETCH(QByteArray, content);
        QFETCH(QString, fileName);
        WorkbenchSession session;
        QVERIFY(loadSample(session));
        const auto previous = session.model();
        const QString previousPath = session.modelPath();

        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QString path = dir.filePath(
            fileName == QLatin1String("<missing>") ? QStringLiteral("nope.bin") : fileName);
        if (fileName != QLatin1String("<missing>")) {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(content);
        }
        QSignalSpy errors(&session, &WorkbenchSession::errorOccurred);
        QSignalSpy modelChanged(&session, &WorkbenchSession::modelChanged);
        session.openModel(path);
        QTRY_COMPARE_WITH_TIMEOUT(errors.count(), 1, kTimeoutMs);
        const QString message = errors.first().first().toString();
        // "...: <path>: <reason>"
        const qsizetype at = message.indexOf(path + QStringLiteral(": "));
        QVERIFY2(at >= 0, qPrintable(message));
        QVERIFY2(message.size() > at + path.size() + 4, qPrintable(message));
        qInfo("%s", qPrintable(message));
        QCOMPARE(modelChanged.count(), 0);
        QVERIFY(!session.isBusy());
        QCOMPARE(session.model(), previous);
        QCOMPARE(session.modelPath(), previousPath);
        QCOMPARE(session.structureModel()->rowCount(), 6);
    }

    void sessionStaysUsableAfterError() {
        WorkbenchSession session;
        QVERIFY(loadSample(session));
        QSignalSpy errors(&session, &WorkbenchSession::errorOccurred);
        session.openModel(QStringLiteral("/nonexistent/model.bin"));
        QTRY_COMPARE_WITH_TIMEOUT(errors.count(), 1, kTimeoutMs);
        EvaluationSettings settings;
        settings.maxTokens = 4096;
        session.setEvaluationSettings(settings);
        session.setTextPath(shared(kText));
        session.runPerplexity();
        QTRY_VERIFY_WITH_TIMEOUT(session.report().isValid(), kTimeoutMs);
        QCOMPARE(errors.count(), 1);
    }

    void shortTextNamesTheText() {
        WorkbenchSession session;
        QVERIFY(loadSample(session));
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("short.txt"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("Once upon a time there was a tiny text.\n");
        file.close();
        QSignalSpy errors(&session, &WorkbenchSession::errorOccurred);
        session.setTextPath(path);
        session.runPerplexity();
        QTRY_COMPARE_WITH_TIMEOUT(errors.count(), 1, kTimeoutMs);
        const QString message = errors.first().first().toString();
        QVERIFY2(message.contains(path) && message.contains(QStringLiteral("too short")),
                 qPrintable(message));
        QVERIFY(session.hasModel());
    }

    void nothingToEvaluateIsReported() {
        WorkbenchSession session;
        QSignalSpy errors(&session, &WorkbenchSession::errorOccurred);
        session.runPerplexity();
        QCOMPARE(errors.count(), 1);
        QVERIFY(!session.isBusy());
    }

    void newModelSupersedesEvaluation() {
        WorkbenchSession session;
        QVERIFY(loadSample(session));
        session.setAutoEvaluate(true);
        QSignalSpy perplexity(&session, &WorkbenchSession::perplexityChanged);
        QSignalSpy modelChanged(&session, &WorkbenchSession::modelChanged);
        EvaluationSettings settings;
        settings.maxTokens = 8192;
        session.setEvaluationSettings(settings);
        session.setTextPath(shared(kText)); // starts evaluating the current model
        QCOMPARE(session.activity(), WorkbenchSession::Activity::Evaluating);
        session.openModel(shared(kModel)); // supersedes it: load, then evaluate again
        QCOMPARE(session.activity(), WorkbenchSession::Activity::Loading);
        QTRY_VERIFY_WITH_TIMEOUT(session.report().isValid(), kTimeoutMs);
        QTRY_VERIFY(!session.isBusy());
        QCOMPARE(modelChanged.count(), 1);
        // One clear on the new model, one result: the superseded evaluation never reports.
        QCOMPARE(perplexity.count(), 2);
        QVERIFY(!perplexity.first().first().value<PerplexityReport>().isValid());
    }

    void runDuringLoadEvaluatesTheNewModel() {
        WorkbenchSession session;
        session.setAutoEvaluate(false);
        EvaluationSettings settings;
        settings.maxTokens = 4096;
        session.setEvaluationSettings(settings);
        session.setTextPath(shared(kText));
        QSignalSpy modelChanged(&session, &WorkbenchSession::modelChanged);
        session.openModel(shared(kModel));
        session.runPerplexity(); // must not supersede the load
        QCOMPARE(session.activity(), WorkbenchSession::Activity::Loading);
        QTRY_VERIFY_WITH_TIMEOUT(session.report().isValid(), kTimeoutMs);
        QCOMPARE(modelChanged.count(), 1);
        QCOMPARE(session.report().modelPath, session.modelPath());
    }

    void routesPathsByType_data() {
        QTest::addColumn<QString>("path");
        QTest::addColumn<bool>("isText");
        QTest::newRow("txt") << "/data/valid.txt" << true;
        QTest::newRow("wikitext raw") << "/data/wiki.test.raw" << true;
        QTest::newRow("upper case") << "/data/README.TXT" << true;
        QTest::newRow("llama2.c") << "/models/model.bin" << false;
        QTest::newRow("gguf") << "/models/m.gguf" << false;
        QTest::newRow("folder") << "/models/stories260K-hf" << false;
    }
    void routesPathsByType() {
        QFETCH(QString, path);
        QFETCH(bool, isText);
        QCOMPARE(WorkbenchSession::isTextFile(path), isText);
    }
};

QTEST_GUILESS_MAIN(TestWorkbenchSession)
#include "tst_workbench_session.moc"
