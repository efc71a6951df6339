// Reports for papers: table renderings (CSV, booktabs LaTeX, Markdown), report data from a
// session measured on stories260K, figures drawn by the workbench views, the PDF/HTML/Markdown
// writers (PDF pages rasterized with pdftoppm and checked non-blank), and failures that must
// leave nothing behind: a missing folder, a write error half way (file-size limit, as a full
// disk) and a figure that cannot be written after others were.
#include "report/report_data.h"
#include "report/report_figures.h"
#include "report/report_tables.h"
#include "report/report_writer.h"

#include "charts/figure_widget.h"

#include "shared_data.h"

#include "analysis/activation_stats.h"
#include "analysis/predicted_error.h"
#include "analysis/weight_stats.h"
#include "core/text_file.h"
#include "eval/incremental_evaluator.h"
#include "model/model.h"
#include "session/session.h"
#include "tokenizer/tokenizer.h"

#include <QDir>
#include <QDirIterator>
#include <QImage>
#include <QPainter>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <sys/resource.h>

namespace {

constexpr const char* kModel = "models/stories260K/model.bin";
constexpr const char* kText = "data/tinystories/valid.txt";

// A page or figure counts as drawn when more than this fraction of its pixels is not white: a
// blank page has none, the sparsest real page (a figure and its caption) has a few percent.
constexpr double kMinInkFraction = 0.002;

double inkFraction(const QImage& image) {
    const QImage img = image.convertToFormat(QImage::Format_RGB32);
    qint64 ink = 0;
    for (int y = 0; y < img.height(); ++y) {
        const QRgb* row = reinterpret_cast<const QRgb*>(img.constScanLine(y));
        for (int x = 0; x < img.width(); ++x)
            if (qGray(row[x]) < 240) ++ink;
    }
    return double(ink) / double(qMax<qint64>(1, qint64(img.width()) * img.height()));
}

QStringList filesUnder(const QString& dir) {
    QStringList out;
    QDirIterator it(dir, QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) out << QDir(dir).relativeFilePath(it.next());
    out.sort();
    return out;
}

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

ReportTable sampleTable() {
    ReportTable t;
    t.id = QStringLiteral("sample");
    t.caption = QStringLiteral("Errors in % of the 95% CI, a_b & c");
    t.headers = {QStringLiteral("Name"), QStringLiteral("Value")};
    t.numeric = {false, true};
    t.rows = {{QStringLiteral("q4_0, \"fast\""), QStringLiteral("1.5 ± 0.2")},
              {QStringLiteral("blk.0.attn_q"), QStringLiteral("4096 × 64")}};
    return t;
}

} // namespace

class TestReport : public QObject {
    Q_OBJECT

private slots:
    void tableRenderings_data() {
        QTest::addColumn<QString>("format");
        QTest::addColumn<QStringList>("expected");
        QTest::newRow("csv") << "csv"
                             << QStringList{"Name,Value\r\n",
                                            "\"q4_0, \"\"fast\"\"\",1.5 ± 0.2\r\n",
                                            "blk.0.attn_q,4096 × 64\r\n"};
        QTest::newRow("latex") << "latex"
                               << QStringList{"\\begin{tabular}{lr}",
                                              "\\toprule\nName & Value",
                                              "\\midrule",
                                              "\\bottomrule",
                                              "1.5 $\\pm$ 0.2",
                                              "blk.0.attn\\_q & 4096 $\\times$ 64",
                                              "Errors in \\% of the 95\\% CI, a\\_b \\& c",
                                              "\\label{tab:sample}"};
        QTest::newRow("markdown") << "markdown"
                                  << QStringList{"| Name | Value |\n| --- | ---: |",
                                                 "| blk.0.attn_q | 4096 × 64 |"};
        QTest::newRow("html") << "html"
                              << QStringList{"<th align=\"right\">Value</th>",
                                             "<td>q4_0, &quot;fast&quot;</td>"};
    }

    void tableRenderings() {
        QFETCH(QString, format);
        QFETCH(QStringList, expected);
        const ReportTable t = sampleTable();
        const QString out = format == "csv"     ? tableToCsv(t)
                            : format == "latex" ? tableToLatex(t)
                            : format == "html"  ? tableToHtml(t)
                                                : tableToMarkdown(t);
        for (const QString& e : expected)
            QVERIFY2(out.contains(e), qPrintable(QStringLiteral("missing %1 in\n%2").arg(e, out)));
    }

    void longTablesBreakAcrossPages() {
        ReportTable t = sampleTable();
        QCOMPARE(tableToLatex(t).count(QStringLiteral("\\begin{table*}")), 1);
        while (t.rows.size() <= 40) t.rows << QStringList{QStringLiteral("x"), QStringLiteral("1")};
        const QString tex = tableToLatex(t);
        QVERIFY(tex.contains(QStringLiteral("\\begin{longtable}{lr}")));
        QVERIFY(tex.contains(QStringLiteral("\\endhead")));
        QVERIFY(!tex.contains(QStringLiteral("\\begin{table")));
        QCOMPARE(markdownEscape(QStringLiteral("T* | a_b `c`")),
                 QStringLiteral("T\\* \\| a_b \\`c\\`"));
    }

    void initTestCase() {
        QS_REQUIRE_SHARED(kModel);
        QS_REQUIRE_SHARED(kText);
        m_model = qs::loadModel(qs::test::sharedPath(kModel), {});
        const std::string text = qs::test::sharedPath(kText);
        std::vector<int32_t> tokens = m_model->tokenizer()->encode(qs::readTextFile(text), true);
        qs::EvalSetup setup;
        setup.windows.ctx = 256;
        setup.windows.maxTokens = 4096;
        qs::IncrementalEvaluator ev(m_model, tokens, setup);
        ev.buildReference();

        qs::Session& s = m_session;
        s.model = qs::FileFingerprint::of(qs::test::sharedPath(kModel));
        s.evalText = qs::FileFingerprint::of(text);
        s.evaluation = {setup.windows.ctx,       "half",
                        setup.windows.maxTokens, 0,
                        int64_t(tokens.size()),  ev.windowPlan().windows,
                        ev.scoredTokens(),       0};
        s.hasReference = true;
        s.reference = ev.referenceResult().metrics;
        qs::ActivationStatsOptions opt;
        opt.maxTokens = 2048;
        s.activations = qs::collectActivationStats(*m_model, tokens, opt);
        s.weightStats = qs::computeAllWeightStats(*m_model);
        qs::PredictedErrorOptions popt;
        popt.fallbackFormat = "f16";
        s.predictedErrors = qs::predictErrorTable(*m_model, *s.activations, {"q4_0"}, popt);
        for (const char* format : {"q4_0", "q8_0", "int3_g32_sym"}) {
            qs::QuantConfig c = qs::QuantConfig::uniform(format);
            c.fallbackFormat = "f16";
            const qs::EvalResult r = ev.evaluate(c);
            s.putConfiguration({format, c, r.metrics, r.averageBitsPerWeight, r.modelBytes});
            ReportConfiguration rc;
            rc.name = QString::fromUtf8(format);
            rc.config = c;
            rc.metrics = r.metrics;
            rc.bitsPerWeight = r.averageBitsPerWeight;
            rc.modelBytes = r.modelBytes;
            m_configurations << rc;
        }
        m_data =
            reportDataFromSession(s, QStringLiteral("test.h5"), m_model->desc(), m_configurations);
        m_data.provenance.appVersion = QStringLiteral("test");
        m_data.provenance.generator = QStringLiteral("tst_report");
        m_figures = reportFigures(m_data);
    }

    void dataFromSession() {
        const ReportData& d = m_data;
        QCOMPARE(d.configurations.size(), 3);
        QCOMPARE(d.provenance.modelSha256, QString::fromStdString(m_session.model.sha256));
        QCOMPARE(d.provenance.scoredTokens, m_session.evaluation.scoredTokens);
        // Per-layer table: every quantizable tensor of the model, q4_0 where 32 divides the row.
        int quantizable = 0;
        for (const qs::TensorDesc& t : m_model->desc().tensors)
            quantizable += qs::isQuantizableRole(t.role) ? 1 : 0;
        QCOMPARE(d.layers.size(), quantizable);
        int q4 = 0, fallbacks = 0;
        for (const ReportLayerRow& r : d.layers) {
            if (r.format == QLatin1String("q4_0")) {
                ++q4;
                QCOMPARE(r.bitsPerWeight, 4.5);
                QCOMPARE(r.bytes, r.parameters * 9 / 16);
                QVERIFY2(r.tensor.startsWith(QLatin1String("blk.")) ? std::isfinite(r.sensitivity)
                                                                    : true,
                         qPrintable(r.tensor));
            }
            fallbacks += r.note.isEmpty() ? 0 : 1;
        }
        QVERIFY(q4 > 20);
        QVERIFY(fallbacks > 0); // the 172-wide FFN down rows do not fit q4_0 blocks of 32
        // Grids: activation energy + predicted error of q4_0; sensitivity = predicted error.
        QCOMPARE(d.saliencyGrids.size(), 2);
        QCOMPARE(d.sensitivityGrids.size(), 1);
        QCOMPARE(d.sensitivityGrids.front().measure, LayerGrid::Measure::PredictedError);

        const ReportTable metrics = metricsTable(d);
        QCOMPARE(metrics.rows.size(), 4); // full precision + 3 configurations
        QCOMPARE(metrics.rows[1][0], QStringLiteral("q4_0"));
        QCOMPARE(metrics.rows[1][3], QString::number(m_configurations[0].metrics.ppl, 'f', 4));
        QCOMPARE(metrics.rows[0][3], QString::number(m_session.reference.ppl, 'f', 4));
        QCOMPARE(metrics.rows[0][12], QStringLiteral("–")); // no temperature fit for FP itself
        QCOMPARE(metrics.rows[1][12],
                 QString::number(m_configurations[0].metrics.optimalTemperature, 'f', 3));
        for (const QStringList& row : metrics.rows) QCOMPARE(row.size(), metrics.headers.size());
        const ReportTable config = configurationTable(d);
        QCOMPARE(config.rows.size(), quantizable);
        QVERIFY(config.headers.contains(QStringLiteral("Note")));
        const ReportTable prov = provenanceTable(d);
        QVERIFY(tableToCsv(prov).contains(QString::fromStdString(m_session.evalText.sha256)));
    }

    void figuresAreDrawnByTheViews() {
        QStringList ids;
        for (const ReportFigure& f : m_figures) {
            ids << f.id;
            QVERIFY2(!f.picture.isNull(), qPrintable(f.id));
            QImage image(f.size, QImage::Format_RGB32);
            image.fill(Qt::white);
            QPainter p(&image);
            p.drawPicture(0, 0, f.picture);
            p.end();
            // An empty view paints a framed note; a real figure has far more ink than that.
            QImage empty(f.size, QImage::Format_RGB32);
            empty.fill(Qt::white);
            QPainter q(&empty);
            renderPlaceholder(&q, QRectF(QPointF(0, 0), QSizeF(f.size)),
                              QStringLiteral("No layer sensitivity measured or predicted yet."));
            q.end();
            QVERIFY2(inkFraction(image) > 2 * inkFraction(empty),
                     qPrintable(QStringLiteral("%1: %2 vs placeholder %3")
                                    .arg(f.id)
                                    .arg(inkFraction(image))
                                    .arg(inkFraction(empty))));
        }
        QCOMPARE(ids,
                 (QStringList{"pareto", "reliability", "saliency_1", "saliency_2", "sensitivity"}));
    }

    void writesEachFormat_data() {
        QTest::addColumn<QString>("name");
        QTest::newRow("pdf") << "report.pdf";
        QTest::newRow("html") << "report.html";
        QTest::newRow("markdown") << "report.md";
    }

    void writesEachFormat() {
        QFETCH(QString, name);
        QTemporaryDir dir;
        const QString path = dir.filePath(name);
        const ReportDocument doc = reportDocument(m_data, m_figures);
        QCOMPARE(writeReport(doc, path), QString());
        QStringList expected{name};
        for (const ReportFigure& f : m_figures)
            expected << "report_files/figures/" + f.id + ".png"
                     << "report_files/figures/" + f.id + ".svg";
        for (const char* t : {"configuration", "metrics", "provenance"})
            expected << QStringLiteral("report_files/tables/%1.csv").arg(t)
                     << QStringLiteral("report_files/tables/%1.tex").arg(t);
        expected.sort();
        QCOMPARE(filesUnder(dir.path()), expected); // nothing else, no temporary leftovers

        const QByteArray main = readAll(path);
        if (name.endsWith(".pdf")) {
            QVERIFY(main.startsWith("%PDF-"));
            checkPdfPages(path, dir.path());
        } else if (name.endsWith(".html")) {
            QCOMPARE(main.count("<svg"), m_figures.size()); // figures inline, self-contained
            QVERIFY(main.contains("<table class=\"report\" id=\"metrics\">"));
        } else {
            QVERIFY(main.contains("![Figure 1](report_files/figures/pareto.png)"));
            QVERIFY(main.contains("| Configuration | bpw |"));
        }
        const QImage png(dir.filePath("report_files/figures/pareto.png"));
        QCOMPARE(png.size(), m_figures.front().size * 2);
        QVERIFY(inkFraction(png) > kMinInkFraction);
        const QByteArray svg = readAll(dir.filePath("report_files/figures/pareto.svg"));
        QVERIFY(svg.contains("viewBox=\"0 0 1000 700\""));
        QVERIFY(svg.contains("Size vs perplexity"));
    }

    // A name with a space: links in the Markdown and HTML are percent-encoded.
    void linksSurviveSpacesInTheName() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("my report.md"));
        QCOMPARE(writeReport(reportDocument(m_data, m_figures), path), QString());
        const QByteArray md = readAll(path);
        QVERIFY(md.contains("![Figure 1](my%20report_files/figures/pareto.png)"));
        QVERIFY(
            QFileInfo::exists(dir.filePath(QStringLiteral("my report_files/figures/pareto.png"))));
        QVERIFY(md.contains("optimal T\\*.")); // the caption's * does not start emphasis
    }

    void missingFolderIsAnError() {
        QTemporaryDir dir;
        const QString path = dir.filePath("no/such/folder/report.pdf");
        const QString error = writeReport(reportDocument(m_data, m_figures), path);
        QVERIFY(error.startsWith(path));
        QVERIFY(error.contains("does not exist"));
        QCOMPARE(filesUnder(dir.path()), QStringList());
        QVERIFY(writeReport({}, dir.filePath("report.docx")).contains("unknown report type"));
    }

    // A write error half way through (as on a full disk): the file-size limit makes the first
    // write past 64 KiB fail (a figure's PNG). The previous report stays as it was; nothing else
    // is left.
    void writeErrorKeepsPreviousReport() {
        QTemporaryDir dir;
        const QString path = dir.filePath("report.pdf");
        const ReportDocument doc = reportDocument(m_data, m_figures);
        QCOMPARE(writeReport(doc, path), QString());
        const QByteArray before = readAll(path);
        const QStringList filesBefore = filesUnder(dir.path());
        const QByteArray tableBefore = readAll(dir.filePath("report_files/tables/metrics.csv"));

        ReportDocument changed = doc;
        changed.title = QStringLiteral("A different title");
        rlimit old{};
        QVERIFY(getrlimit(RLIMIT_FSIZE, &old) == 0);
        auto previousHandler = std::signal(SIGXFSZ, SIG_IGN);
        rlimit small = old;
        small.rlim_cur = 64 * 1024;
        QVERIFY(setrlimit(RLIMIT_FSIZE, &small) == 0);
        const QString error = writeReport(changed, path);
        QVERIFY(setrlimit(RLIMIT_FSIZE, &old) == 0);
        std::signal(SIGXFSZ, previousHandler);

        QVERIFY2(!error.isEmpty(), "the write past the limit must fail");
        QVERIFY2(error.contains(dir.path()), qPrintable(error)); // names the file
        QCOMPARE(readAll(path), before);
        QCOMPARE(filesUnder(dir.path()), filesBefore);
        QCOMPARE(readAll(dir.filePath("report_files/tables/metrics.csv")), tableBefore);
    }

    // A figure that cannot be written after others were: the staged folder disappears.
    void failedFigureLeavesNothing() {
        QTemporaryDir dir;
        ReportDocument doc = reportDocument(m_data, m_figures);
        doc.figures.back().id = QStringLiteral("no_such_subfolder/sensitivity");
        const QString error = writeReport(doc, dir.filePath("report.html"));
        QVERIFY2(error.contains("no_such_subfolder/sensitivity.svg"), qPrintable(error));
        QCOMPARE(filesUnder(dir.path()), QStringList());
        QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot),
                 QStringList());
    }

private:
    // Every page of the PDF rasterized by poppler's pdftoppm must carry ink.
    void checkPdfPages(const QString& pdf, const QString& dir) {
        const QString pdftoppm = QStandardPaths::findExecutable(QStringLiteral("pdftoppm"));
        if (pdftoppm.isEmpty()) {
            if (qs::test::inCi()) QFAIL("pdftoppm (poppler-utils) is required in CI");
            QSKIP("pdftoppm (poppler-utils) not installed");
        }
        const QString prefix = QDir(dir).filePath(QStringLiteral("pages/page"));
        QDir(dir).mkpath(QStringLiteral("pages"));
        QProcess p;
        p.start(pdftoppm,
                {QStringLiteral("-r"), QStringLiteral("40"), QStringLiteral("-png"), pdf, prefix});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 0);
        const QStringList pages =
            QDir(QDir(dir).filePath(QStringLiteral("pages"))).entryList({"*.png"}, QDir::Files);
        QVERIFY2(pages.size() >= 3, qPrintable(QString::number(pages.size())));
        for (const QString& page : pages) {
            const QImage image(QDir(dir).filePath(QStringLiteral("pages/") + page));
            QVERIFY(!image.isNull());
            QVERIFY2(inkFraction(image) > kMinInkFraction, qPrintable(page));
        }
        QDir(QDir(dir).filePath(QStringLiteral("pages"))).removeRecursively();
    }

    std::shared_ptr<qs::Model> m_model;
    qs::Session m_session;
    QList<ReportConfiguration> m_configurations;
    ReportData m_data;
    QList<ReportFigure> m_figures;
};

QTEST_MAIN(TestReport)
#include "tst_report.moc"
