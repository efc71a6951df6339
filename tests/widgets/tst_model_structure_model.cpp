// ModelStructureModel and ModelSummaryModel on stories260K (real file) and on hand-made
// descriptions: tree shape, per-group sums, tied head handling, display, filtering; the
// configuration and analysis columns (values, incremental dataChanged ranges, blanks sorting
// last, filtering by format) and the cost of an update.

#include "charts/layer_analysis_data.h"
#include "formatting.h"
#include "model_structure_model.h"
#include "model_structure_view.h"
#include "model_summary_model.h"

#include "model/model.h"
#include "quant/quant_config.h"
#include "shared_data.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTest>
#include <QTreeView>

#include <cmath>

namespace {

const char* const kModel = "models/stories260K/model.bin";

QModelIndex findGroup(const QAbstractItemModel& model, const QString& name) {
    for (int row = 0; row < model.rowCount(); ++row) {
        const QModelIndex index = model.index(row, 0);
        if (index.data().toString() == name) return index;
    }
    return {};
}

QModelIndex findTensor(const QAbstractItemModel& model, const QString& name) {
    for (int group = 0; group < model.rowCount(); ++group) {
        const QModelIndex parent = model.index(group, 0);
        for (int row = 0; row < model.rowCount(parent); ++row) {
            const QModelIndex index = model.index(row, 0, parent);
            if (index.data(ModelStructureModel::TensorNameRole).toString() == name) return index;
        }
    }
    return {};
}

QString cell(const QModelIndex& index, int column) {
    return index.sibling(index.row(), column).data().toString();
}

QModelIndex at(const QModelIndex& index, int column) {
    return index.sibling(index.row(), column);
}

double number(const QModelIndex& index, int column, int role) {
    return at(index, column).data(role).toDouble();
}

// What QuantConfigModel produces: a default format and f16 for shapes it cannot represent
// (stories260K's ffn_down rows are 172 long, not a multiple of 32).
qs::QuantConfig uniform(const char* format) {
    qs::QuantConfig config = qs::QuantConfig::uniform(format);
    config.fallbackFormat = "f16";
    return config;
}

// A measure of every linear layer: value = 10 * block + slot + 1.
LayerGrid rampGrid(int blocks, const QString& title) {
    LayerGrid grid = LayerGrid::empty(blocks, title, QStringLiteral("unit"));
    for (int b = 0; b < blocks; ++b)
        for (int s = 0; s < LayerGrid::kSlots; ++s)
            grid.values[b * LayerGrid::kSlots + s] = 10.0 * b + s + 1;
    return grid;
}

struct Range {
    QModelIndex topLeft, bottomRight;
};
QList<Range> ranges(const QSignalSpy& spy) {
    QList<Range> out;
    for (const QList<QVariant>& args : spy)
        out.push_back({args.at(0).value<QModelIndex>(), args.at(1).value<QModelIndex>()});
    return out;
}

qs::TensorDesc tensor(qs::TensorRole role, int block, std::vector<int64_t> shape,
                      qs::DType type = qs::DType::F32) {
    qs::TensorDesc t;
    t.role = role;
    t.block = block;
    t.name = qs::canonicalTensorName(role, block);
    t.fileName = t.name;
    t.shape = std::move(shape);
    t.fileType = type;
    return t;
}

} // namespace

class TestModelStructureModel : public QObject {
    Q_OBJECT

    std::shared_ptr<qs::Model> m_model;

private slots:
    void initTestCase() {
        QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
        QS_REQUIRE_SHARED(kModel);
        m_model = qs::loadModel(qs::test::sharedPath(kModel));
    }

    void modelTesterPasses() {
        ModelStructureModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setDescription(m_model->desc());
        model.clear();
        model.setDescription(m_model->desc());
        QSortFilterProxyModel proxy;
        proxy.setRecursiveFilteringEnabled(true);
        proxy.setSourceModel(&model);
        QAbstractItemModelTester proxyTester(
            &proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setFilterFixedString(QStringLiteral("ffn"));
        proxy.sort(ModelStructureModel::ParametersColumn);
    }

    void groups_data() {
        QTest::addColumn<int>("row");
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("tensors");
        QTest::newRow("blk 0") << 1 << QStringLiteral("Block 0") << 9;
        QTest::newRow("blk 4") << 5 << QStringLiteral("Block 4") << 9;
    }
    void groups() {
        QFETCH(int, row);
        QFETCH(QString, name);
        QFETCH(int, tensors);
        ModelStructureModel model;
        model.setDescription(m_model->desc());
        QCOMPARE(model.rowCount(), 1 + 5);
        QCOMPARE(model.index(0, 0).data().toString(), QStringLiteral("Global"));
        const QModelIndex group = model.index(row, 0);
        QCOMPARE(group.data().toString(), name);
        QCOMPARE(model.rowCount(group), tensors);
        QVERIFY(group.data(ModelStructureModel::IsGroupRole).toBool());
        // 64 + 4096 + 2048 + 2048 + 4096 + 64 + 3 * 11008 parameters per block.
        QCOMPARE(group.data(ModelStructureModel::ParameterCountRole).toULongLong(), 45440ull);
        QCOMPARE(cell(group, ModelStructureModel::ParametersColumn), QStringLiteral("45,440"));
        for (int r = 0; r < tensors; ++r) {
            const QModelIndex child = model.index(r, 0, group);
            QCOMPARE(child.parent(), group);
            QVERIFY(child.data(ModelStructureModel::TensorNameRole)
                        .toString()
                        .startsWith(QStringLiteral("blk.%1.").arg(row - 1)));
        }
    }

    void totalsCountTiedHeadOnce() {
        ModelStructureModel model;
        model.setDescription(m_model->desc());
        quint64 sum = 0, bytes = 0;
        for (int row = 0; row < model.rowCount(); ++row) {
            sum += model.index(row, 0).data(ModelStructureModel::ParameterCountRole).toULongLong();
            bytes += model.index(row, 0).data(ModelStructureModel::ByteSizeRole).toULongLong();
        }
        QCOMPARE(sum, 260032ull);
        QCOMPARE(sum, quint64(m_model->desc().parameterCount()));
        QCOMPARE(model.totalParameters(), sum);
        QCOMPARE(bytes, 260032ull * 4);
        QCOMPARE(model.totalBytes(), bytes);
        QVERIFY(m_model->hp().tiedOutput);
        // Global: embedding 512 x 64 and output norm 64; a listed tied head adds nothing.
        QCOMPARE(model.index(0, 0).data(ModelStructureModel::ParameterCountRole).toULongLong(),
                 32832ull);
    }

    void tensorCells_data() {
        QTest::addColumn<QString>("tensor");
        QTest::addColumn<QString>("role");
        QTest::addColumn<QString>("shape");
        QTest::addColumn<QString>("parameters");
        QTest::addColumn<quint64>("bytes");
        QTest::newRow("embedding") << "token_embd.weight"
                                   << "token_embd"
                                   << "512 × 64"
                                   << "32,768" << 131072ull;
        QTest::newRow("output norm") << "output_norm.weight"
                                     << "output_norm"
                                     << "64"
                                     << "64" << 256ull;
        QTest::newRow("wq") << "blk.0.attn_q.weight"
                            << "attn_q"
                            << "64 × 64"
                            << "4,096" << 16384ull;
        QTest::newRow("wk (GQA)") << "blk.2.attn_k.weight"
                                  << "attn_k"
                                  << "32 × 64"
                                  << "2,048" << 8192ull;
        QTest::newRow("ffn up") << "blk.4.ffn_up.weight"
                                << "ffn_up"
                                << "172 × 64"
                                << "11,008" << 44032ull;
        QTest::newRow("ffn down") << "blk.1.ffn_down.weight"
                                  << "ffn_down"
                                  << "64 × 172"
                                  << "11,008" << 44032ull;
    }
    void tensorCells() {
        QFETCH(QString, tensor);
        QFETCH(QString, role);
        QFETCH(QString, shape);
        QFETCH(QString, parameters);
        QFETCH(quint64, bytes);
        ModelStructureModel model;
        model.setDescription(m_model->desc());
        const QModelIndex index = findTensor(model, tensor);
        QVERIFY2(index.isValid(), qPrintable(tensor));
        QCOMPARE(cell(index, ModelStructureModel::RoleColumn), role);
        QCOMPARE(cell(index, ModelStructureModel::TypeColumn),
                 QString::fromLatin1(qs::dtypeName(qs::DType::F32).data(),
                                     qsizetype(qs::dtypeName(qs::DType::F32).size())));
        QCOMPARE(cell(index, ModelStructureModel::ShapeColumn), shape);
        QCOMPARE(cell(index, ModelStructureModel::ParametersColumn), parameters);
        QCOMPARE(index.data(ModelStructureModel::ByteSizeRole).toULongLong(), bytes);
        QCOMPARE(cell(index, ModelStructureModel::SizeColumn), formatBytes(bytes));
        QVERIFY(index.data(Qt::ToolTipRole).toString().contains(tensor));
        QCOMPARE(index.sibling(index.row(), ModelStructureModel::ParametersColumn)
                     .data(Qt::TextAlignmentRole)
                     .value<Qt::Alignment>(),
                 Qt::AlignRight | Qt::AlignVCenter);
    }

    void untiedHeadAndQuantizedSizes() {
        qs::ModelDesc desc;
        desc.hp.nLayers = 1;
        desc.hp.tiedOutput = false;
        desc.tensors.push_back(
            tensor(qs::TensorRole::TokenEmbedding, -1, {100, 64}, qs::DType::F16));
        desc.tensors.push_back(tensor(qs::TensorRole::OutputNorm, -1, {64}));
        desc.tensors.push_back(tensor(qs::TensorRole::Output, -1, {100, 64}, qs::DType::Q8_0));
        desc.tensors.push_back(tensor(qs::TensorRole::Wq, 0, {64, 64}, qs::DType::BF16));
        ModelStructureModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setDescription(desc);
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.rowCount(model.index(0, 0)), 3);
        const QModelIndex output = findTensor(model, QStringLiteral("output.weight"));
        QCOMPARE(output.data(ModelStructureModel::ParameterCountRole).toULongLong(), 6400ull);
        QCOMPARE(output.data(ModelStructureModel::ByteSizeRole).toULongLong(),
                 quint64(qs::dtypeBytes(qs::DType::Q8_0, 6400)));
        QCOMPARE(model.totalParameters(), 6400ull + 64 + 6400 + 4096);
        QCOMPARE(model.totalBytes(), 12800ull + 256 + qs::dtypeBytes(qs::DType::Q8_0, 6400) + 8192);
    }

    void tiedHeadIsMarked() {
        qs::ModelDesc desc;
        desc.hp.nLayers = 0;
        desc.hp.tiedOutput = true;
        desc.tensors.push_back(tensor(qs::TensorRole::TokenEmbedding, -1, {100, 64}));
        desc.tensors.push_back(tensor(qs::TensorRole::Output, -1, {100, 64}));
        ModelStructureModel model;
        model.setDescription(desc);
        const QModelIndex output = findTensor(model, QStringLiteral("output.weight"));
        QCOMPARE(output.data(ModelStructureModel::ParameterCountRole).toULongLong(), 0ull);
        QCOMPARE(cell(output, ModelStructureModel::ParametersColumn), QStringLiteral("6,400"));
        QCOMPARE(cell(output, ModelStructureModel::SizeColumn), QStringLiteral("tied"));
        QVERIFY(
            output.data(Qt::ToolTipRole).toString().contains(QStringLiteral("token_embd.weight")));
        QCOMPARE(model.totalParameters(), 6400ull);
    }

    void filterKeepsGroupsOfMatches_data() {
        QTest::addColumn<QString>("filter");
        QTest::addColumn<int>("groups");
        QTest::addColumn<int>("childrenOfFirst");
        QTest::newRow("role") << "ffn_down" << 5 << 1;
        QTest::newRow("group name keeps its children") << "Block 3" << 1 << 9;
        QTest::newRow("shape") << "172 × 64" << 5 << 2;
        QTest::newRow("case-insensitive") << "TOKEN_EMBD" << 1 << 1;
        QTest::newRow("nothing") << "no such tensor" << 0 << -1;
    }
    void filterKeepsGroupsOfMatches() {
        QFETCH(QString, filter);
        QFETCH(int, groups);
        QFETCH(int, childrenOfFirst);
        ModelStructureModel model;
        model.setDescription(m_model->desc());
        ModelStructureView view;
        view.setSourceModel(&model);
        view.filterEdit()->setText(filter);
        const QSortFilterProxyModel* proxy = view.proxyModel();
        QCOMPARE(proxy->rowCount(), groups);
        if (childrenOfFirst >= 0) QCOMPARE(proxy->rowCount(proxy->index(0, 0)), childrenOfFirst);
    }

    void sortingByParametersUsesNumbers() {
        ModelStructureModel model;
        model.setDescription(m_model->desc());
        ModelStructureView view;
        view.setSourceModel(&model);
        QSortFilterProxyModel* proxy = view.proxyModel();
        proxy->sort(ModelStructureModel::ParametersColumn, Qt::DescendingOrder);
        const QModelIndex block = findGroup(*proxy, QStringLiteral("Block 0"));
        // 11,008 sorts above 4,096 numerically (as text "4,096" would win).
        QCOMPARE(proxy->index(0, ModelStructureModel::ParametersColumn, block).data().toString(),
                 QStringLiteral("11,008"));
        QCOMPARE(proxy->index(8, ModelStructureModel::ParametersColumn, block).data().toString(),
                 QStringLiteral("64"));
    }

    void sameTreeForEveryFormat_data() {
        QTest::addColumn<QString>("path");
        QTest::newRow("llama2.c") << "models/stories260K/model.bin";
        QTest::newRow("gguf") << "models/stories260K-gguf/stories260K.gguf";
        QTest::newRow("hf folder") << "models/stories260K-hf";
    }
    void sameTreeForEveryFormat() {
        QFETCH(QString, path);
        QS_REQUIRE_SHARED(path.toUtf8().constData());
        const auto loaded = qs::loadModel(qs::test::sharedPath(path.toUtf8().constData()));
        ModelStructureModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setDescription(loaded->desc());
        QCOMPARE(model.rowCount(), 6);
        QCOMPARE(model.totalParameters(), 260032ull);
        // Forward-pass order whatever the file order (safetensors sorts names alphabetically).
        const QStringList expected = {"attn_norm", "attn_q",   "attn_k", "attn_v",  "attn_output",
                                      "ffn_norm",  "ffn_gate", "ffn_up", "ffn_down"};
        for (int group = 1; group < model.rowCount(); ++group) {
            QStringList roles;
            const QModelIndex parent = model.index(group, 0);
            for (int row = 0; row < model.rowCount(parent); ++row)
                roles
                    << model.index(row, ModelStructureModel::RoleColumn, parent).data().toString();
            QCOMPARE(roles, expected);
        }
    }

    void newColumnsHaveHeadersAndTips_data() {
        QTest::addColumn<int>("column");
        QTest::addColumn<QString>("header");
        QTest::addColumn<QString>("tipMentions");
        QTest::newRow("format") << int(ModelStructureModel::FormatColumn) << "Format"
                                << "fallback";
        QTest::newRow("bpw") << int(ModelStructureModel::BitsPerWeightColumn) << "Bits/weight"
                             << "scales";
        QTest::newRow("saliency") << int(ModelStructureModel::SaliencyColumn) << "Saliency"
                                  << "Saliency view";
        QTest::newRow("outliers") << int(ModelStructureModel::OutlierColumn)
                                  << "Outliers (kurtosis)"
                                  << "excess kurtosis";
        QTest::newRow("sensitivity")
            << int(ModelStructureModel::SensitivityColumn) << "Sensitivity (KLD)"
            << "nats";
    }
    void newColumnsHaveHeadersAndTips() {
        QFETCH(int, column);
        QFETCH(QString, header);
        QFETCH(QString, tipMentions);
        ModelStructureModel model;
        model.setDescription(m_model->desc());
        QCOMPARE(model.columnCount(), int(ModelStructureModel::ColumnCount));
        QCOMPARE(model.headerData(column, Qt::Horizontal).toString(), header);
        QVERIFY(model.headerData(column, Qt::Horizontal, Qt::ToolTipRole)
                    .toString()
                    .contains(tipMentions));
        // Blank until a configuration or analysis arrives.
        const QModelIndex wq = findTensor(model, QStringLiteral("blk.0.attn_q.weight"));
        QCOMPARE(cell(wq, column), QString());
        QVERIFY(!at(wq, column).data(ModelStructureModel::SortRole).isValid());
    }

    void configColumns_data() {
        QTest::addColumn<QString>("format");
        QTest::addColumn<QString>("tensor");
        QTest::addColumn<QString>("shown");
        QTest::addColumn<QString>("bpw");
        QTest::newRow("q4_0 wq") << "q4_0"
                                 << "blk.0.attn_q.weight"
                                 << "q4_0"
                                 << "4.500";
        QTest::newRow("q4_0 ffn_up, rows of 64") << "q4_0"
                                                 << "blk.2.ffn_up.weight"
                                                 << "q4_0"
                                                 << "4.500";
        QTest::newRow("q4_0 ffn_down falls back") << "q4_0"
                                                  << "blk.1.ffn_down.weight"
                                                  << "f16 (fallback)"
                                                  << "16.000";
        QTest::newRow("q8_0 wk") << "q8_0"
                                 << "blk.3.attn_k.weight"
                                 << "q8_0"
                                 << "8.500";
        QTest::newRow("norm stays blank") << "q4_0"
                                          << "blk.0.attn_norm.weight"
                                          << ""
                                          << "";
        QTest::newRow("embedding at its own default") << "q4_0"
                                                      << "token_embd.weight"
                                                      << "f32"
                                                      << "32.000";
        QTest::newRow("Block 0 mixes q4_0 and f16") << "q4_0"
                                                    << "Block 0"
                                                    << "q4_0, f16"
                                                    // (34304 * 4.5 + 11008 * 16) / 45312
                                                    << "7.294";
        QTest::newRow("Block 4 all q8_0 but ffn_down") << "q8_0"
                                                       << "Block 4"
                                                       << "q8_0, f16"
                                                       // (34304 * 8.5 + 11008 * 16) / 45312
                                                       << "10.322";
        QTest::newRow("Global: embedding only, tied head adds nothing") << "q4_0"
                                                                        << "Global"
                                                                        << "f32"
                                                                        << "32.000";
    }
    void configColumns() {
        QFETCH(QString, format);
        QFETCH(QString, tensor);
        QFETCH(QString, shown);
        QFETCH(QString, bpw);
        ModelStructureModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setDescription(m_model->desc());
        model.setConfig(uniform(format.toUtf8().constData()));
        QVERIFY2(model.configError().isEmpty(), qPrintable(model.configError()));
        QModelIndex index = findTensor(model, tensor);
        if (!index.isValid()) index = findGroup(model, tensor);
        QVERIFY2(index.isValid(), qPrintable(tensor));
        QCOMPARE(cell(index, ModelStructureModel::FormatColumn), shown);
        QCOMPARE(cell(index, ModelStructureModel::BitsPerWeightColumn), bpw);
        const QVariant sort =
            at(index, ModelStructureModel::BitsPerWeightColumn).data(ModelStructureModel::SortRole);
        QCOMPARE(sort.isValid(), !bpw.isEmpty());
        if (!bpw.isEmpty()) {
            QCOMPARE(QString::number(sort.toDouble(), 'f', 3), bpw);
            QVERIFY(at(index, ModelStructureModel::FormatColumn)
                        .data(Qt::ToolTipRole)
                        .toString()
                        .contains(QStringLiteral("bits per weight")));
        }
    }

    // A tied head with the embedding's format is the same matrix; with its own format it is a
    // second one and counts in its group's average.
    void tiedHeadWithItsOwnFormatCounts_data() {
        QTest::addColumn<QString>("outputFormat");
        QTest::addColumn<QString>("headShown");
        QTest::addColumn<QString>("globalBpw");
        QTest::newRow("same as the embedding") << "f32"
                                               << "f32"
                                               << "32.000";
        // (6400 * 32 + 6400 * 8.5) / 12800
        QTest::newRow("own format") << "q8_0"
                                    << "q8_0"
                                    << "20.250";
    }
    void tiedHeadWithItsOwnFormatCounts() {
        QFETCH(QString, outputFormat);
        QFETCH(QString, headShown);
        QFETCH(QString, globalBpw);
        qs::ModelDesc desc;
        desc.hp.nLayers = 0;
        desc.hp.tiedOutput = true;
        desc.tensors.push_back(tensor(qs::TensorRole::TokenEmbedding, -1, {100, 64}));
        desc.tensors.push_back(tensor(qs::TensorRole::OutputNorm, -1, {64}));
        desc.tensors.push_back(tensor(qs::TensorRole::Output, -1, {100, 64}));
        ModelStructureModel model;
        model.setDescription(desc);
        qs::QuantConfig config = uniform("q4_0");
        config.outputFormat = outputFormat.toStdString();
        model.setConfig(config);
        QVERIFY2(model.configError().isEmpty(), qPrintable(model.configError()));
        const QModelIndex head = findTensor(model, QStringLiteral("output.weight"));
        QCOMPARE(cell(head, ModelStructureModel::FormatColumn), headShown);
        QCOMPARE(cell(head, ModelStructureModel::BitsPerWeightColumn),
                 outputFormat == QStringLiteral("f32") ? QStringLiteral("32.000")
                                                       : QStringLiteral("8.500"));
        QCOMPARE(cell(model.index(0, 0), ModelStructureModel::BitsPerWeightColumn), globalBpw);
    }

    void configThatDoesNotFitBlanksFormats() {
        ModelStructureModel model;
        model.setDescription(m_model->desc());
        model.setConfig(uniform("q4_0"));
        qs::QuantConfig bad = uniform("q4_0");
        bad.setTensorFormat("blk.9.attn_q.weight", "q8_0");
        model.setConfig(bad);
        QVERIFY(model.configError().contains(QStringLiteral("blk.9.attn_q.weight")));
        const QModelIndex wq = findTensor(model, QStringLiteral("blk.0.attn_q.weight"));
        QCOMPARE(cell(wq, ModelStructureModel::FormatColumn), QString());
        QVERIFY(std::isnan(number(wq, ModelStructureModel::BitsPerWeightColumn,
                                  ModelStructureModel::BitsPerWeightRole)));
        QVERIFY(at(wq, ModelStructureModel::FormatColumn)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .contains(QStringLiteral("does not fit")));
    }

    // One edit: only the rows it changes, over the configuration columns, and no reset.
    void editEmitsOnlyChangedRows_data() {
        QTest::addColumn<QString>("target"); // a tensor, or "blk.N.*" for a block rule
        QTest::addColumn<QString>("format");
        QTest::addColumn<int>("group");    // top-level row of the changed group; -1: nothing
        QTest::addColumn<int>("firstRow"); // its changed tensor rows (forward-pass order)
        QTest::addColumn<int>("lastRow");
        QTest::newRow("one tensor") << "blk.2.attn_v.weight"
                                    << "q8_0" << 3 << 3 << 3;
        QTest::newRow("ffn_up of block 4") << "blk.4.ffn_up.weight"
                                           << "int8_g32_sym" << 5 << 7 << 7;
        QTest::newRow("same format: nothing") << "blk.0.attn_q.weight"
                                              << "q4_0" << -1 << -1 << -1;
        QTest::newRow("still falls back to f16: nothing") << "blk.1.ffn_down.weight"
                                                          << "q8_0" << -1 << -1 << -1;
        QTest::newRow("block rule: q..up, not the norms or ffn_down") << "blk.1.*"
                                                                      << "q8_0" << 2 << 1 << 7;
    }
    void editEmitsOnlyChangedRows() {
        QFETCH(QString, target);
        QFETCH(QString, format);
        QFETCH(int, group);
        QFETCH(int, firstRow);
        QFETCH(int, lastRow);
        ModelStructureModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setDescription(m_model->desc());
        qs::QuantConfig config = uniform("q4_0");
        model.setConfig(config);
        QList<double> groupBpw;
        for (int g = 0; g < model.rowCount(); ++g)
            groupBpw << number(model.index(g, 0), ModelStructureModel::BitsPerWeightColumn,
                               ModelStructureModel::BitsPerWeightRole);

        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QSignalSpy reset(&model, &QAbstractItemModel::modelAboutToBeReset);
        QSignalSpy layout(&model, &QAbstractItemModel::layoutAboutToBeChanged);
        if (target.endsWith(QLatin1Char('*')))
            config.rules.push_back({target.toStdString(), format.toStdString()});
        else
            config.setTensorFormat(target.toStdString(), format.toStdString());
        model.setConfig(config);
        QCOMPARE(reset.count(), 0);
        QCOMPARE(layout.count(), 0);
        if (group < 0) {
            QCOMPARE(changed.count(), 0);
            return;
        }
        const QList<Range> r = ranges(changed);
        QCOMPARE(r.size(), 2); // the group's tensors, then the group row
        const QModelIndex parent = model.index(group, 0);
        QCOMPARE(r[0].topLeft, model.index(firstRow, ModelStructureModel::FormatColumn, parent));
        QCOMPARE(r[0].bottomRight,
                 model.index(lastRow, ModelStructureModel::BitsPerWeightColumn, parent));
        QCOMPARE(r[1].topLeft, model.index(group, ModelStructureModel::FormatColumn));
        QCOMPARE(r[1].bottomRight, model.index(group, ModelStructureModel::BitsPerWeightColumn));
        QCOMPARE(cell(model.index(firstRow, 0, parent), ModelStructureModel::FormatColumn), format);
        // Only that group's average moved, and up (q8_0 and int8 store more than q4_0).
        for (int g = 0; g < model.rowCount(); ++g) {
            const double bpw = number(model.index(g, 0), ModelStructureModel::BitsPerWeightColumn,
                                      ModelStructureModel::BitsPerWeightRole);
            if (g == group)
                QVERIFY2(bpw > groupBpw[g], qPrintable(QString::number(bpw)));
            else
                QCOMPARE(bpw, groupBpw[g]);
        }
    }

    void viewKeepsExpansionSelectionAndSortOnEdits() {
        ModelStructureModel model;
        model.setDescription(m_model->desc());
        ModelStructureView view;
        view.setSourceModel(&model);
        qs::QuantConfig config = uniform("q4_0");
        model.setConfig(config);
        QTreeView* tree = view.treeView();
        QSortFilterProxyModel* proxy = view.proxyModel();
        tree->sortByColumn(ModelStructureModel::BitsPerWeightColumn, Qt::DescendingOrder);
        const QModelIndex block2 = findGroup(*proxy, QStringLiteral("Block 2"));
        tree->expand(block2);
        const QModelIndex wk =
            proxy
                ->match(proxy->index(0, 0, block2), ModelStructureModel::TensorNameRole,
                        QStringLiteral("blk.2.attn_k.weight"))
                .value(0);
        QVERIFY(wk.isValid());
        tree->selectionModel()->setCurrentIndex(wk, QItemSelectionModel::ClearAndSelect |
                                                        QItemSelectionModel::Rows);
        auto nameAt = [&](int row) {
            return proxy->index(row, 0, findGroup(*proxy, QStringLiteral("Block 2")))
                .data(ModelStructureModel::TensorNameRole)
                .toString();
        };
        QCOMPARE(nameAt(0), QStringLiteral("blk.2.ffn_down.weight")); // f16 fallback on top

        config.setTensorFormat("blk.2.attn_v.weight", "q8_0");
        model.setConfig(config);
        QVERIFY(tree->isExpanded(findGroup(*proxy, QStringLiteral("Block 2"))));
        QCOMPARE(tree->selectionModel()->currentIndex().data(ModelStructureModel::TensorNameRole),
                 QVariant(QStringLiteral("blk.2.attn_k.weight")));
        QVERIFY(tree->selectionModel()->isSelected(tree->selectionModel()->currentIndex()));
        // Re-sorted in place: 16 > 8.5 > 4.5 ..., the norms (blank) last.
        QCOMPARE(nameAt(1), QStringLiteral("blk.2.attn_v.weight"));
        QCOMPARE(nameAt(7).endsWith(QStringLiteral("_norm.weight")), true);
        QCOMPARE(nameAt(8).endsWith(QStringLiteral("_norm.weight")), true);
    }

    void analysisValuesInTheRightRows_data() {
        QTest::addColumn<QString>("tensor");
        QTest::addColumn<double>("saliency"); // NaN: blank
        QTest::addColumn<double>("kurtosis");
        QTest::addColumn<double>("kld");
        const double nan = qQNaN();
        // rampGrid: 10 * block + slot + 1; kurtosis 100 * block + slot; KLD only for block 3.
        QTest::newRow("blk.0 q") << "blk.0.attn_q.weight" << 1.0 << 0.0 << nan;
        QTest::newRow("blk.2 v") << "blk.2.attn_v.weight" << 23.0 << 202.0 << nan;
        QTest::newRow("blk.3 o") << "blk.3.attn_output.weight" << 34.0 << 303.0 << 0.25;
        QTest::newRow("blk.3 down") << "blk.3.ffn_down.weight" << 37.0 << 306.0 << 0.5;
        QTest::newRow("blk.4 gate") << "blk.4.ffn_gate.weight" << 45.0 << 404.0 << nan;
        QTest::newRow("norm") << "blk.1.ffn_norm.weight" << nan << nan << nan;
        QTest::newRow("embedding") << "token_embd.weight" << nan << nan << nan;
        QTest::newRow("group: highest") << "Block 3" << 37.0 << 306.0 << 0.5;
        QTest::newRow("group without linear layers") << "Global" << nan << nan << nan;
    }
    void analysisValuesInTheRightRows() {
        QFETCH(QString, tensor);
        QFETCH(double, saliency);
        QFETCH(double, kurtosis);
        QFETCH(double, kld);
        ModelStructureModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setDescription(m_model->desc());
        model.setSaliencyGrid(rampGrid(5, QStringLiteral("Activation energy")));
        OutlierData outliers;
        for (int b = 0; b < 5; ++b)
            for (int s = 0; s < LayerGrid::kSlots; ++s) {
                TensorOutliers t;
                t.tensor = LayerGrid::tensorName(b, s);
                t.excessKurtosis = 100.0 * b + s;
                t.absMaxOverStd = 7;
                outliers.tensors.push_back(t);
            }
        model.setOutlierData(outliers);
        LayerGrid kldGrid = LayerGrid::empty(5, QStringLiteral("Measured KLD at q4_0"), "nats");
        kldGrid.values[3 * LayerGrid::kSlots + 3] = 0.25;
        kldGrid.values[3 * LayerGrid::kSlots + 6] = 0.5;
        model.setSensitivityGrid(kldGrid);

        QModelIndex index = findTensor(model, tensor);
        if (!index.isValid()) index = findGroup(model, tensor);
        QVERIFY2(index.isValid(), qPrintable(tensor));
        auto check = [&](int column, int role, double expected) {
            const double value = number(index, column, role);
            const QVariant sort = at(index, column).data(ModelStructureModel::SortRole);
            if (std::isnan(expected)) {
                QVERIFY2(std::isnan(value), qPrintable(QString::number(value)));
                QCOMPARE(cell(index, column), QString());
                QVERIFY(!sort.isValid());
            } else {
                QCOMPARE(value, expected);
                QCOMPARE(sort.toDouble(), expected);
                QVERIFY(!cell(index, column).isEmpty());
            }
        };
        check(ModelStructureModel::SaliencyColumn, ModelStructureModel::SaliencyRole, saliency);
        check(ModelStructureModel::OutlierColumn, ModelStructureModel::OutlierScoreRole, kurtosis);
        check(ModelStructureModel::SensitivityColumn, ModelStructureModel::SensitivityRole, kld);
        if (!index.data(ModelStructureModel::IsGroupRole).toBool() && !std::isnan(saliency)) {
            QVERIFY(at(index, ModelStructureModel::SaliencyColumn)
                        .data(Qt::ToolTipRole)
                        .toString()
                        .contains(QStringLiteral("Activation energy")));
            QVERIFY(at(index, ModelStructureModel::OutlierColumn)
                        .data(Qt::ToolTipRole)
                        .toString()
                        .contains(QStringLiteral("σ")));
        }
        model.clearAnalysis();
        QVERIFY(std::isnan(
            number(index, ModelStructureModel::SaliencyColumn, ModelStructureModel::SaliencyRole)));
        QVERIFY(std::isnan(number(index, ModelStructureModel::OutlierColumn,
                                  ModelStructureModel::OutlierScoreRole)));
    }

    void newGridEmitsOnlyChangedCells() {
        ModelStructureModel model;
        model.setDescription(m_model->desc());
        LayerGrid grid = rampGrid(5, QStringLiteral("energy"));
        model.setSaliencyGrid(grid);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QSignalSpy reset(&model, &QAbstractItemModel::modelAboutToBeReset);
        model.setSaliencyGrid(grid);
        QCOMPARE(changed.count(), 0);                // same values: nothing to repaint
        grid.values[2 * LayerGrid::kSlots + 5] = 99; // blk.2 ffn_up, now the block's highest
        model.setSaliencyGrid(grid);
        QCOMPARE(reset.count(), 0);
        const QList<Range> r = ranges(changed);
        QCOMPARE(r.size(), 2);
        const QModelIndex block2 = model.index(3, 0);
        QCOMPARE(r[0].topLeft, model.index(7, ModelStructureModel::SaliencyColumn, block2));
        QCOMPARE(r[0].bottomRight, r[0].topLeft);
        QCOMPARE(r[1].topLeft, model.index(3, ModelStructureModel::SaliencyColumn));
        QCOMPARE(r[1].bottomRight, r[1].topLeft);
        QCOMPARE(cell(block2, ModelStructureModel::SaliencyColumn), QStringLiteral("99"));
    }

    void numericSortPutsBlanksLast_data() {
        QTest::addColumn<int>("column");
        QTest::addColumn<int>("order");
        QTest::addColumn<QString>("first");
        QTest::addColumn<int>("valued"); // rows of Block 1 with a value
        QTest::newRow("saliency descending")
            << int(ModelStructureModel::SaliencyColumn) << int(Qt::DescendingOrder)
            << "blk.1.ffn_down.weight" << 7;
        QTest::newRow("saliency ascending")
            << int(ModelStructureModel::SaliencyColumn) << int(Qt::AscendingOrder)
            << "blk.1.attn_q.weight" << 7;
        QTest::newRow("sensitivity descending")
            << int(ModelStructureModel::SensitivityColumn) << int(Qt::DescendingOrder)
            << "blk.1.attn_k.weight" << 2;
        QTest::newRow("sensitivity ascending")
            << int(ModelStructureModel::SensitivityColumn) << int(Qt::AscendingOrder)
            << "blk.1.ffn_gate.weight" << 2;
        QTest::newRow("bits/weight ascending")
            << int(ModelStructureModel::BitsPerWeightColumn) << int(Qt::AscendingOrder)
            << "blk.1.attn_q.weight" << 7;
    }
    void numericSortPutsBlanksLast() {
        QFETCH(int, column);
        QFETCH(int, order);
        QFETCH(QString, first);
        QFETCH(int, valued);
        ModelStructureModel model;
        model.setDescription(m_model->desc());
        model.setConfig(uniform("q4_0"));
        model.setSaliencyGrid(rampGrid(5, QStringLiteral("energy")));
        LayerGrid kld = LayerGrid::empty(5, QStringLiteral("kld"), QStringLiteral("nats"));
        kld.values[1 * LayerGrid::kSlots + 1] = 0.9;   // k
        kld.values[1 * LayerGrid::kSlots + 4] = 0.004; // gate
        model.setSensitivityGrid(kld);
        ModelStructureView view;
        view.setSourceModel(&model);
        QSortFilterProxyModel* proxy = view.proxyModel();
        proxy->sort(column, Qt::SortOrder(order));
        const QModelIndex block = findGroup(*proxy, QStringLiteral("Block 1"));
        QCOMPARE(proxy->rowCount(block), 9);
        QCOMPARE(proxy->index(0, 0, block).data(ModelStructureModel::TensorNameRole).toString(),
                 first);
        double previous = order == Qt::AscendingOrder ? -qInf() : qInf();
        for (int row = 0; row < 9; ++row) {
            const QVariant v = proxy->index(row, column, block).data(ModelStructureModel::SortRole);
            QCOMPARE(v.isValid(), row < valued); // values first, then the blanks
            if (!v.isValid()) continue;
            if (order == Qt::AscendingOrder)
                QVERIFY(v.toDouble() >= previous);
            else
                QVERIFY(v.toDouble() <= previous);
            previous = v.toDouble();
        }
    }

    void filterSeesFormats_data() {
        QTest::addColumn<QString>("filter");
        QTest::addColumn<int>("groups");
        QTest::addColumn<int>("childrenOfFirst");
        QTest::newRow("overridden tensor") << "q8_0" << 1 << 1;
        QTest::newRow("fallbacks") << "(fallback)" << 5 << 1;
        QTest::newRow("block keeps its tensors") << "Block 2" << 1 << 9;
        QTest::newRow("role still matches") << "attn_v" << 5 << 1;
    }
    void filterSeesFormats() {
        QFETCH(QString, filter);
        QFETCH(int, groups);
        QFETCH(int, childrenOfFirst);
        ModelStructureModel model;
        model.setDescription(m_model->desc());
        ModelStructureView view;
        view.setSourceModel(&model);
        qs::QuantConfig config = uniform("q4_0");
        config.setTensorFormat("blk.3.attn_q.weight", "q8_0");
        model.setConfig(config);
        view.filterEdit()->setText(filter);
        const QSortFilterProxyModel* proxy = view.proxyModel();
        QCOMPARE(proxy->rowCount(), groups);
        QCOMPARE(proxy->rowCount(proxy->index(0, 0)), childrenOfFirst);
        // The filter follows later edits too.
        config.overrides.erase("blk.3.attn_q.weight");
        model.setConfig(config);
        if (filter == QStringLiteral("q8_0")) QCOMPARE(proxy->rowCount(), 0);
    }

    // Every drag in the bit-width editor: resolve the configuration and update the changed rows
    // of a 12-block model, with the tree, filter proxy and sorting attached.
    void updateIsCheapForTwelveBlocks() {
        qs::ModelDesc desc;
        desc.hp.nLayers = 12;
        desc.hp.tiedOutput = false;
        const int64_t dim = 768, ffn = 2048, vocab = 32000;
        desc.tensors.push_back(tensor(qs::TensorRole::TokenEmbedding, -1, {vocab, dim}));
        for (int b = 0; b < 12; ++b) {
            desc.tensors.push_back(tensor(qs::TensorRole::AttnNorm, b, {dim}));
            for (qs::TensorRole role :
                 {qs::TensorRole::Wq, qs::TensorRole::Wk, qs::TensorRole::Wv, qs::TensorRole::Wo})
                desc.tensors.push_back(tensor(role, b, {dim, dim}));
            desc.tensors.push_back(tensor(qs::TensorRole::FfnNorm, b, {dim}));
            desc.tensors.push_back(tensor(qs::TensorRole::FfnGate, b, {ffn, dim}));
            desc.tensors.push_back(tensor(qs::TensorRole::FfnUp, b, {ffn, dim}));
            desc.tensors.push_back(tensor(qs::TensorRole::FfnDown, b, {dim, ffn}));
        }
        desc.tensors.push_back(tensor(qs::TensorRole::OutputNorm, -1, {dim}));
        desc.tensors.push_back(tensor(qs::TensorRole::Output, -1, {vocab, dim}));
        ModelStructureModel model;
        model.setDescription(desc);
        ModelStructureView view;
        view.setSourceModel(&model);
        view.treeView()->expandAll();
        view.treeView()->sortByColumn(ModelStructureModel::BitsPerWeightColumn,
                                      Qt::DescendingOrder);
        // As QuantConfigModel sends it: an explicit format for every linear tensor.
        qs::QuantConfig config = uniform("int8_g32_sym");
        for (const qs::TensorDesc& t : desc.tensors)
            if (t.block >= 0 && qs::isQuantizableRole(t.role))
                config.setTensorFormat(t.name, "int8_g32_sym");
        model.setConfig(config);
        const QStringList formats = {QStringLiteral("int4_g32_sym"), QStringLiteral("q4_0"),
                                     QStringLiteral("int8_g32_sym")};
        QElapsedTimer timer;
        timer.start();
        const int edits = 300;
        for (int i = 0; i < edits; ++i) { // a stroke over the blocks' ffn_up bars
            config.setTensorFormat(qs::canonicalTensorName(qs::TensorRole::FfnUp, i % 12),
                                   formats[i % 3].toStdString());
            model.setConfig(config);
        }
        const double ms = double(timer.nsecsElapsed()) / 1e6 / edits;
        qInfo("%.3f ms per configuration update (12 blocks, view attached)", ms);
#if !defined(__SANITIZE_ADDRESS__)
        QVERIFY2(ms < 1.0, qPrintable(QString::number(ms)));
#endif
        QCOMPARE(cell(findTensor(model, QStringLiteral("blk.11.ffn_up.weight")),
                      ModelStructureModel::FormatColumn),
                 formats[299 % 3]);
    }

    void summaryRows_data() {
        QTest::addColumn<QString>("property");
        QTest::addColumn<QString>("value");
        QTest::newRow("parameters") << "Parameters"
                                    << "260,032 (260K)";
        QTest::newRow("layers") << "Layers"
                                << "5";
        QTest::newRow("dim") << "Hidden size"
                             << "64";
        QTest::newRow("ffn") << "FFN size"
                             << "172";
        QTest::newRow("heads") << "Attention heads"
                               << "8 query, 4 key/value (GQA)";
        QTest::newRow("vocab") << "Vocabulary"
                               << "512";
        QTest::newRow("file") << "File size" << formatBytes(1056540);
        QTest::newRow("head") << "Output head"
                              << "tied to the token embedding";
    }
    void summaryRows() {
        QFETCH(QString, property);
        QFETCH(QString, value);
        ModelSummaryModel summary;
        QAbstractItemModelTester tester(&summary,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        summary.setModel(*m_model);
        QCOMPARE(summary.value(property), value);
    }

    void summaryNamesTokenizer() {
        ModelSummaryModel summary;
        summary.setModel(*m_model);
        QVERIFY(m_model->tokenizer());
        QVERIFY2(summary.value(QStringLiteral("Tokenizer")).contains(QStringLiteral("512 tokens")),
                 qPrintable(summary.value(QStringLiteral("Tokenizer"))));
    }
};

QTEST_MAIN(TestModelStructureModel)
#include "tst_model_structure_model.moc"
