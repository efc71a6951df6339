// The Qt model layer of the bit-width editor without a window: format ladders, the
// configuration model and its undo commands (merging of drag strokes), presets, JSON files,
// the metrics model's stale handling and the evaluation controller's generation filter.

#include "evaluation_controller.h"
#include "format_family_ladder.h"
#include "metrics_model.h"
#include "quant_config_model.h"

#include "shared_data.h"

#include "model/model.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>

namespace {

const char* const kModel = "models/stories260K/model.bin";
const char* const kText = "data/tinystories/valid.txt";

EvalResultPtr fakeResult(quint64 generation, double ppl, bool exact) {
    auto r = QSharedPointer<EvalResultValue>::create();
    r->generation = generation;
    r->ppl = ppl;
    r->windowsTotal = 4;
    r->windowsDone = exact ? 4 : 1;
    return r;
}

} // namespace

class TestBitWidthModel : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QS_REQUIRE_SHARED(kModel);
        m_model = qs::loadModel(qs::test::sharedPath(kModel));
    }

    void ladderSnap_data() {
        QTest::addColumn<QString>("format");
        QTest::addColumn<double>("bits");
        QTest::addColumn<QString>("expected");
        QTest::newRow("int keeps group and symmetry") << "int8_g32_sym" << 4.2 << "int4_g32_sym";
        QTest::newRow("int asym reaches 1 bit") << "int4_g128_asym" << 0.6 << "int1_g128_asym";
        QTest::newRow("int sym stops at 2") << "int4_g32_sym" << 0.6 << "int2_g32_sym";
        QTest::newRow("int above 8 clamps") << "int4_c_sym" << 15.0 << "int8_c_sym";
        QTest::newRow("k-quants") << "q4_k" << 5.2 << "q5_k";
        QTest::newRow("legacy q4_0 to q5_0") << "q4_0" << 5.0 << "q5_0";
        QTest::newRow("q8_0 down to q3_k") << "q8_0" << 3.0 << "q3_k";
        QTest::newRow("float") << "f32" << 10.0 << "f16";
        QTest::newRow("mx") << "mxfp4" << 6.0 << "mxfp6_e3m2";
        QTest::newRow("nf4 alone") << "nf4_g64" << 8.0 << "nf4_g64";
        QTest::newRow("unknown") << "nonsense" << 4.0 << "";
    }
    void ladderSnap() {
        QFETCH(QString, format);
        QFETCH(double, bits);
        QFETCH(QString, expected);
        const auto ladder = FormatFamilyLadder::forFormat(format.toStdString());
        QCOMPARE(QString::fromStdString(ladder.snap(bits)), expected);
    }

    void ladderStep_data() {
        QTest::addColumn<QString>("format");
        QTest::addColumn<int>("delta");
        QTest::addColumn<QString>("expected");
        QTest::newRow("up") << "int4_g32_sym" << 1 << "int5_g32_sym";
        QTest::newRow("down") << "int4_g32_sym" << -1 << "int3_g32_sym";
        QTest::newRow("top stays") << "int8_g32_sym" << 1 << "int8_g32_sym";
        QTest::newRow("ggml down") << "q4_k" << -1 << "q3_k";
        QTest::newRow("float up") << "f16" << 1 << "f32";
    }
    void ladderStep() {
        QFETCH(QString, format);
        QFETCH(int, delta);
        QFETCH(QString, expected);
        const auto ladder = FormatFamilyLadder::forFormat(format.toStdString());
        QCOMPARE(QString::fromStdString(ladder.step(format.toStdString(), delta)), expected);
    }

    void rowsFollowTheModel() {
        QuantConfigModel config;
        QSignalSpy changed(&config, &QuantConfigModel::configChanged);
        config.setModelDescription(m_model->desc());
        QCOMPARE(changed.count(), 1);
        QCOMPARE(config.rowCount(), 1 + 5 * 7 + 1); // embedding, 5 blocks x 7, tied head
        QCOMPARE(config.tensorAt(0), QStringLiteral("token_embd.weight"));
        QCOMPARE(config.tensorAt(1), QStringLiteral("blk.0.attn_q.weight"));
        QCOMPARE(config.tensorAt(7), QStringLiteral("blk.0.ffn_down.weight"));
        QCOMPARE(config.tensorAt(36), QStringLiteral("output.weight"));
        QCOMPARE(config.tensorsOfBlock(3).size(), 7);
        // ffn_down rows are 172 wide: int8_g32 cannot represent them, f16 stands in.
        QVERIFY(!config.index(7, 0).data(QuantConfigModel::FallbackRole).toString().isEmpty());
        QVERIFY(config.index(1, 0).data(QuantConfigModel::FallbackRole).toString().isEmpty());
        const qs::QuantConfig cfg = config.config();
        QCOMPARE(cfg.fallbackFormat, std::string("f16"));
        QCOMPARE(cfg.overrides.size(), size_t(35));
        (void)cfg.resolve(m_model->desc()); // valid for the model
        QCOMPARE(config.undoStack()->count(), 0);
    }

    void editsAreUndoable_data() {
        QTest::addColumn<QString>("edit");
        QTest::addColumn<int>("changedTensors");
        QTest::newRow("tensor") << "tensor" << 1;
        QTest::newRow("block") << "block" << 7;
        QTest::newRow("uniform") << "uniform" << 35;
        QTest::newRow("protect first/last") << "protect" << 21; // blocks 0 and 4 stay int8
    }
    void editsAreUndoable() {
        QFETCH(QString, edit);
        QFETCH(int, changedTensors);
        QuantConfigModel config;
        config.setModelDescription(m_model->desc());
        const qs::QuantConfig before = config.config();
        QSignalSpy changed(&config, &QuantConfigModel::configChanged);
        if (edit == QLatin1String("tensor"))
            QVERIFY(config.setTensorFormat(QStringLiteral("blk.2.attn_v.weight"), "q4_0"));
        else if (edit == QLatin1String("block"))
            QVERIFY(config.setBlockFormat(2, QStringLiteral("int3_g32_sym")));
        else if (edit == QLatin1String("uniform"))
            QVERIFY(config.applyUniform(QStringLiteral("q4_k")));
        else
            QVERIFY(config.applyProtectFirstLast(QStringLiteral("int4_g32_sym")));
        QCOMPARE(changed.count(), 1);
        QCOMPARE(config.undoStack()->count(), 1);
        int differing = 0;
        const qs::QuantConfig after = config.config();
        for (const auto& [name, format] : after.overrides)
            if (before.overrides.at(name) != format) ++differing;
        QCOMPARE(differing, changedTensors);
        if (edit == QLatin1String("protect")) {
            QCOMPARE(config.format(QStringLiteral("blk.0.attn_q.weight")),
                     QStringLiteral("int8_g32_sym"));
            QCOMPARE(config.format(QStringLiteral("blk.4.ffn_up.weight")),
                     QStringLiteral("int8_g32_sym"));
            QCOMPARE(config.format(QStringLiteral("blk.2.ffn_up.weight")),
                     QStringLiteral("int4_g32_sym"));
        }
        config.undoStack()->undo();
        QCOMPARE(config.config(), before);
        QCOMPARE(changed.count(), 2);
        config.undoStack()->redo();
        QCOMPARE(config.config(), after);
    }

    void noOpEditPushesNothing() {
        QuantConfigModel config;
        config.setModelDescription(m_model->desc());
        QVERIFY(!config.setTensorFormat(QStringLiteral("blk.0.attn_q.weight"),
                                        config.defaultLinearFormat()));
        QVERIFY(!config.setTensorFormat(QStringLiteral("blk.0.attn_q.weight"), "no_such_format"));
        QCOMPARE(config.undoStack()->count(), 0);
    }

    void strokeMergesIntoOneCommand() {
        QuantConfigModel config;
        config.setModelDescription(m_model->desc());
        const qs::QuantConfig before = config.config();
        for (const char* format : {"int6_g32_sym", "int5_g32_sym", "int4_g32_sym"})
            config.paintTensorFormat(QStringLiteral("blk.1.attn_q.weight"), format, 7);
        config.paintTensorFormat(QStringLiteral("blk.1.attn_k.weight"), "int4_g32_sym", 7);
        QCOMPARE(config.undoStack()->count(), 1);
        config.paintTensorFormat(QStringLiteral("blk.1.attn_v.weight"), "int4_g32_sym", 8);
        QCOMPARE(config.undoStack()->count(), 2); // another stroke
        config.undoStack()->undo();
        config.undoStack()->undo();
        QCOMPARE(config.config(), before);
        // A stroke that returns to where it began leaves nothing to undo.
        config.paintTensorFormat(QStringLiteral("blk.1.attn_q.weight"), "int6_g32_sym", 9);
        config.paintTensorFormat(QStringLiteral("blk.1.attn_q.weight"), "int8_g32_sym", 9);
        QCOMPARE(config.undoStack()->count(), 0);
    }

    void jsonRoundTripAndCorruptFile() {
        QuantConfigModel config;
        config.setModelDescription(m_model->desc());
        config.applyProtectFirstLast(QStringLiteral("q4_k"));
        const qs::QuantConfig saved = config.config();
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("cfg.json"));
        QString error;
        QVERIFY2(config.saveToFile(path, &error), qPrintable(error));
        config.applyUniform(QStringLiteral("q2_k"));
        QVERIFY2(config.loadFromFile(path, &error), qPrintable(error));
        QCOMPARE(config.config(), saved);
        QCOMPARE(config.undoStack()->count(), 3);

        const QString corrupt = dir.filePath(QStringLiteral("corrupt.json"));
        QFile file(corrupt);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("{\"version\": 1, \"default\": ");
        file.close();
        QVERIFY(!config.loadFromFile(corrupt, &error));
        QVERIFY2(error.contains(corrupt), qPrintable(error));
        QCOMPARE(config.config(), saved); // unchanged
        QCOMPARE(config.undoStack()->count(), 3);
    }

    void metricsModelMarksStale() {
        MetricsModel metrics;
        metrics.setPreparing();
        QCOMPARE(metrics.status(), MetricsModel::Status::Preparing);
        metrics.setResult(1, fakeResult(1, 4.5, false), false);
        QCOMPARE(metrics.status(), MetricsModel::Status::Estimate);
        QCOMPARE(metrics.convergenceText(), QStringLiteral("1/4 windows"));
        metrics.setResult(1, fakeResult(1, 4.25, true), true);
        QCOMPARE(metrics.status(), MetricsModel::Status::Exact);
        QVERIFY(metrics.currentText(MetricsModel::PplRow).startsWith(QStringLiteral("4.250")));
        metrics.markStale();
        QVERIFY(metrics.isStale());
        QCOMPARE(metrics.statusText(), QStringLiteral("updating…"));
        QVERIFY(metrics.index(MetricsModel::PplRow, MetricsModel::CurrentColumn)
                    .data(MetricsModel::StaleRole)
                    .toBool());
        metrics.setResult(2, fakeResult(2, 5.0, false), false);
        QVERIFY(!metrics.isStale());
        metrics.setResult(1, fakeResult(1, 9.0, true), true); // older generation: ignored
        QCOMPARE(metrics.currentGeneration(), quint64(2));
    }

    void controllerDropsStaleResults() {
        QS_REQUIRE_SHARED(kText);
        EvaluationController controller;
        LiveEvaluationSettings settings;
        settings.maxTokens = 2048;
        controller.setSettings(settings);
        QSignalSpy ready(&controller, &EvaluationController::referenceReady);
        QSignalSpy updated(&controller, &EvaluationController::resultUpdated);
        controller.prepare(m_model, QString::fromStdString(qs::test::sharedPath(kText)));
        QTRY_COMPARE_WITH_TIMEOUT(ready.count(), 1, 60000);
        QuantConfigModel config;
        config.setModelDescription(m_model->desc());
        const quint64 first = controller.submit(config.config());
        config.applyUniform(QStringLiteral("q4_0"));
        const quint64 second = controller.submit(config.config());
        QVERIFY(second > first);
        QTRY_VERIFY_WITH_TIMEOUT(!updated.isEmpty() && updated.last().at(2).toBool(), 60000);
        for (const QList<QVariant>& args : updated) QCOMPARE(args.at(0).toULongLong(), second);
        const int dropped = controller.droppedResults();
        updated.clear();
        controller.deliverResult(first, fakeResult(first, 99.0, true), true); // arrives late
        QCOMPARE(updated.count(), 0);
        QCOMPARE(controller.droppedResults(), dropped + 1);
    }

private:
    std::shared_ptr<qs::Model> m_model;
};

QTEST_MAIN(TestBitWidthModel)
#include "tst_bit_width_model.moc"
