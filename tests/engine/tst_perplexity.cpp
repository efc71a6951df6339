// Perplexity against the reference table of ../shared/reference/README.md, for all three files
// of stories260K and both protocols, plus the error and cancellation paths.
#include "shared_data.h"

#include "core/error.h"
#include "core/feedback.h"
#include "core/text_file.h"
#include "eval/perplexity.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

#include <QtTest>

#include <cmath>

using namespace qs;

namespace {
// The issue asks for 1e-4 relative; fp32 forward vs the reference's fp32 run.c differ by
// ~1e-6 per logit, far inside it.
constexpr double kRelTolerance = 1e-4;
constexpr uint64_t kReferenceBytes = 30000; // "first 30000 bytes of valid.txt"
constexpr size_t kReferenceTokens = 14489;  // "14489 tokens with BOS"

std::vector<int32_t> referenceTokens(const Model& m) {
    return m.tokenizer()->encode(
        readTextFile(test::sharedPath("data/tinystories/valid.txt"), kReferenceBytes), true);
}
} // namespace

class TestPerplexity : public QObject {
    Q_OBJECT
private slots:
    void matchesReference_data();
    void matchesReference();
    void confidenceIntervalBracketsPpl();
    void tooShortTextIsAnError();
    void maxTokensLimitsWindows();
    void cancellationStops();
    void progressReachesOne();
};

void TestPerplexity::matchesReference_data() {
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("ctx");
    QTest::addColumn<QString>("protocol");
    QTest::addColumn<int>("windows");
    QTest::addColumn<int>("scored");
    QTest::addColumn<double>("meanNll");
    QTest::addColumn<double>("ppl");
    struct Row {
        int ctx;
        const char* proto;
        int windows, scored;
        double nll, ppl;
    };
    const Row rows[] = {{256, "half", 56, 7112, 1.34819863, 3.850483},
                        {256, "full", 56, 14280, 1.41655297, 4.122884},
                        {512, "half", 28, 7140, 1.33675823, 3.806683},
                        {512, "full", 28, 14308, 1.39097486, 4.018766}};
    for (const char* path : {"models/stories260K/model.bin",
                             "models/stories260K-gguf/stories260K.gguf", "models/stories260K-hf"})
        for (const Row& r : rows)
            QTest::addRow("%s ctx%d %s", path, r.ctx, r.proto)
                << QString(path) << r.ctx << QString(r.proto) << r.windows << r.scored << r.nll
                << r.ppl;
}

void TestPerplexity::matchesReference() {
    QFETCH(QString, path);
    QFETCH(int, ctx);
    QFETCH(QString, protocol);
    QFETCH(int, windows);
    QFETCH(int, scored);
    QFETCH(double, meanNll);
    QFETCH(double, ppl);
    QS_REQUIRE_SHARED(path.toUtf8().constData());
    QS_REQUIRE_SHARED("data/tinystories/valid.txt");
    auto model = loadModel(test::sharedPath(path.toUtf8().constData()));
    const auto tokens = referenceTokens(*model);
    QCOMPARE(tokens.size(), kReferenceTokens);
    PerplexityOptions opt;
    opt.ctx = ctx;
    opt.protocol = parseProtocol(protocol.toStdString());
    const PerplexityResult r = evaluatePerplexity(*model, tokens, opt);
    QCOMPARE(r.windows, int64_t(windows));
    QCOMPARE(r.scoredTokens, int64_t(scored));
    QVERIFY2(
        std::abs(r.meanNll - meanNll) / meanNll < kRelTolerance,
        qPrintable(QString("mean NLL %1 vs %2").arg(r.meanNll, 0, 'f', 8).arg(meanNll, 0, 'f', 8)));
    QVERIFY2(std::abs(r.ppl - ppl) / ppl < kRelTolerance,
             qPrintable(QString("PPL %1 vs %2").arg(r.ppl, 0, 'f', 6).arg(ppl, 0, 'f', 6)));
}

void TestPerplexity::confidenceIntervalBracketsPpl() {
    QS_REQUIRE_SHARED("models/stories260K/model.bin");
    auto model = loadModel(test::sharedPath("models/stories260K/model.bin"));
    PerplexityOptions opt;
    opt.keepTokenNll = true;
    const auto r = evaluatePerplexity(*model, referenceTokens(*model), opt);
    QVERIFY(r.pplLow < r.ppl && r.ppl < r.pplHigh);
    QVERIFY(r.nllStdError > 0 && r.nllStdError < 0.1);
    QCOMPARE(int64_t(r.tokenNll.size()), r.scoredTokens);
    QVERIFY(r.tokensPerSecond > 0);
}

void TestPerplexity::tooShortTextIsAnError() {
    QS_REQUIRE_SHARED("models/stories260K/model.bin");
    auto model = loadModel(test::sharedPath("models/stories260K/model.bin"));
    const auto tokens = model->tokenizer()->encode("Once upon a time.", true);
    PerplexityOptions opt;
    try {
        evaluatePerplexity(*model, tokens, opt);
        QFAIL("expected an error");
    } catch (const Error& e) {
        QVERIFY2(QString(e.what()).contains("too short"), e.what());
    }
    QVERIFY_THROWS_EXCEPTION(Error, evaluatePerplexity(*model, std::vector<int32_t>{}, opt));
}

void TestPerplexity::maxTokensLimitsWindows() {
    QS_REQUIRE_SHARED("models/stories260K/model.bin");
    auto model = loadModel(test::sharedPath("models/stories260K/model.bin"));
    PerplexityOptions opt;
    opt.maxTokens = 1000;
    const auto r = evaluatePerplexity(*model, referenceTokens(*model), opt);
    QCOMPARE(r.windows, int64_t(3));
}

void TestPerplexity::cancellationStops() {
    QS_REQUIRE_SHARED("models/stories260K/model.bin");
    auto model = loadModel(test::sharedPath("models/stories260K/model.bin"));
    Feedback fb;
    fb.cancel();
    QVERIFY_THROWS_EXCEPTION(Canceled,
                             evaluatePerplexity(*model, referenceTokens(*model), {}, &fb));
}

void TestPerplexity::progressReachesOne() {
    QS_REQUIRE_SHARED("models/stories260K/model.bin");
    auto model = loadModel(test::sharedPath("models/stories260K/model.bin"));
    Feedback fb;
    double last = 0;
    int calls = 0;
    fb.setProgressCallback(
        [&](double f, const std::string&) {
            last = f;
            ++calls;
        },
        std::chrono::milliseconds(0));
    evaluatePerplexity(*model, referenceTokens(*model), {}, &fb);
    QCOMPARE(last, 1.0);
    QCOMPARE(calls, 56); // 55 intermediate reports + the final one
}

QTEST_GUILESS_MAIN(TestPerplexity)
#include "tst_perplexity.moc"
