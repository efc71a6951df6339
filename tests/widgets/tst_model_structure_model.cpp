// ModelStructureModel and ModelSummaryModel on stories260K (real file) and on hand-made
// descriptions: tree shape, per-group sums, tied head handling, display, filtering.

#include "formatting.h"
#include "model_structure_model.h"
#include "model_structure_view.h"
#include "model_summary_model.h"

#include "model/model.h"
#include "shared_data.h"

#include <QAbstractItemModelTester>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QTest>

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
