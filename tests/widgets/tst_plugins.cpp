// Plugin host: the bundled plugins load from the build tree with their metadata; the GGUF
// exporter plugin writes a file qs::loadModel reads back bit-exactly; every other exporter
// writes what the engine would; broken files (fixtures in tests/fixtures/plugins, a garbage and
// an empty .so, a duplicate copy) each get a clear status without crashing, and plugins
// rejected from their metadata are never mapped; exceptions from exporters become failed
// results; the list model, the dialog and `quantscope-cli plugins` show all of it.

#include "plugin_list_model.h"
#include "plugin_manager.h"
#include "plugins_dialog.h"
#include "shared_data.h"

#include "core/error.h"
#include "export/config_export.h"
#include "model/model.h"
#include "quant/quant_config.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QProcess>
#include <QPushButton>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <cstring>
#include <fstream>

using namespace qs::plugin;

namespace {

constexpr const char* kModel = "models/stories260K/model.bin";

QString fixtureDir() {
    return QStringLiteral(QS_FIXTURE_PLUGIN_DIR);
}
QString buildPluginDir() {
    return QStringLiteral(QS_TEST_BUILD_PLUGIN_DIR);
}

QString libName(const QString& base) {
    return QStringLiteral("lib%1.so").arg(base);
}

// Whether the process has a file mapped (dlopen'ed): the plugins rejected from their metadata
// must never be.
bool isMapped(const QString& path) {
    QFile maps(QStringLiteral("/proc/self/maps"));
    if (!maps.open(QIODevice::ReadOnly)) return false;
    return QString::fromUtf8(maps.readAll()).contains(path);
}

qs::QuantConfig uniformConfig(const std::string& format) {
    qs::QuantConfig cfg = qs::QuantConfig::uniform(format);
    cfg.embeddingFormat = cfg.outputFormat = cfg.defaultFormat;
    cfg.fallbackFormat = "f16"; // stories260K's hidden size 172 is no multiple of 32
    return cfg;
}

} // namespace

Q_DECLARE_METATYPE(PluginStatus)

class TstPlugins : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();

    void realPluginsLoad_data();
    void realPluginsLoad();
    void brokenFilesReported_data();
    void brokenFilesReported();
    void registries();

    void exporterWrites_data();
    void exporterWrites();
    void ggufPluginRoundTrip();
    void failingExports_data();
    void failingExports();

    void modelLoaderPlugin_data();
    void modelLoaderPlugin();

    void interfaceIds_data();
    void interfaceIds();
    void defaultSearchPaths();
    void listModelAndDialog();
    void cliListsPlugins();

private:
    const PluginRecord* record(const QString& path) const {
        for (const PluginRecord& r : m_manager.records())
            if (r.path == path) return &r;
        return nullptr;
    }
    std::shared_ptr<const qs::Model> model() {
        if (!m_model) m_model = qs::loadModel(qs::test::sharedPath(kModel));
        return m_model;
    }
    ExportRequest request(const std::string& format, const QString& out) {
        ExportRequest req;
        req.model = model();
        req.config = uniformConfig(format);
        req.resolved = req.config.resolve(req.model->desc());
        req.output = out.toStdString();
        return req;
    }

    QTemporaryDir m_tmp;
    QString m_junkDir, m_dupDir;
    PluginManager m_manager;
    std::shared_ptr<const qs::Model> m_model;
};

void TstPlugins::initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(m_tmp.isValid());
    QVERIFY(QFileInfo(buildPluginDir()).isDir());
    QVERIFY(QFileInfo(fixtureDir()).isDir());

    // Junk: a garbage .so, an empty one, and a text file (not a library name: not looked at).
    m_junkDir = m_tmp.filePath(QStringLiteral("junk"));
    QVERIFY(QDir().mkpath(m_junkDir));
    QFile garbage(m_junkDir + QStringLiteral("/libgarbage.so"));
    QVERIFY(garbage.open(QIODevice::WriteOnly));
    QByteArray bytes(4096, '\0');
    for (int i = 0; i < bytes.size(); ++i) bytes[i] = char((i * 2654435761u) >> 13);
    garbage.write(bytes);
    garbage.close();
    QFile empty(m_junkDir + QStringLiteral("/libempty.so"));
    QVERIFY(empty.open(QIODevice::WriteOnly));
    empty.close();
    QFile text(m_junkDir + QStringLiteral("/README.txt"));
    QVERIFY(text.open(QIODevice::WriteOnly));
    text.write("not a plugin\n");
    text.close();

    // A second copy of a bundled plugin, in a later folder: a duplicate.
    m_dupDir = m_tmp.filePath(QStringLiteral("dup"));
    QVERIFY(QDir().mkpath(m_dupDir));
    QVERIFY(QFile::copy(buildPluginDir() + u'/' + libName(QStringLiteral("exporter_json")),
                        m_dupDir + u'/' + libName(QStringLiteral("exporter_json"))));

    m_manager.setSearchPaths({buildPluginDir(), fixtureDir(), m_junkDir, m_dupDir,
                              m_tmp.filePath(QStringLiteral("missing"))});
    QSignalSpy changed(&m_manager, &PluginManager::recordsChanged);
    const int added = m_manager.loadAll();
    QCOMPARE(added, int(m_manager.records().size()));
    QCOMPARE(changed.count(), 1);
    for (const PluginRecord& r : m_manager.records())
        qInfo("%-22s %-36s %s", qPrintable(pluginStatusName(r.status)), qPrintable(r.name),
              qPrintable(r.error));
    // A second scan finds nothing new.
    QCOMPARE(m_manager.loadAll(), 0);
    QCOMPARE(changed.count(), 1);
}

void TstPlugins::realPluginsLoad_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("kind");
    QTest::addColumn<QStringList>("provides");
    const int exporter = int(PluginKind::Exporter);
    QTest::newRow("exporter_gguf") << "exporter_gguf"
                                   << "GGUF exporter" << exporter << QStringList{"gguf"};
    QTest::newRow("exporter_llamacpp")
        << "exporter_llamacpp"
        << "llama-quantize exporter" << exporter << QStringList{"llama-quantize"};
    QTest::newRow("exporter_hf") << "exporter_hf"
                                 << "Hugging Face quantization_config exporter" << exporter
                                 << QStringList{"hf-compressed-tensors", "hf-gptqmodel"};
    QTest::newRow("exporter_json")
        << "exporter_json"
        << "QuantScope record exporter" << exporter << QStringList{"json"};
    QTest::newRow("modelformat_llama2c")
        << "modelformat_llama2c"
        << "llama2.c model format" << int(PluginKind::ModelLoader) << QStringList{"llama2c"};
}

void TstPlugins::realPluginsLoad() {
    QFETCH(QString, file);
    QFETCH(QString, name);
    QFETCH(int, kind);
    QFETCH(QStringList, provides);
    const QString path = QFileInfo(buildPluginDir() + u'/' + libName(file)).canonicalFilePath();
    const PluginRecord* r = record(path);
    QVERIFY2(r, qPrintable(path));
    QVERIFY2(r->isLoaded(), qPrintable(pluginStatusName(r->status) + ": " + r->error));
    QCOMPARE(r->name, name);
    QVERIFY2(
        QRegularExpression(QStringLiteral("^\\d+\\.\\d+\\.\\d+$")).match(r->version).hasMatch(),
        qPrintable(r->version));
    QVERIFY(!r->description.isEmpty());
    QCOMPARE(int(r->kind), kind);
    QCOMPARE(r->interfaceId, currentInterfaceId(PluginKind(kind)));
    QCOMPARE(r->provides, provides);
    QVERIFY2(r->error.isEmpty(), qPrintable(r->error));
    QVERIFY(isMapped(path));
}

void TstPlugins::brokenFilesReported_data() {
    QTest::addColumn<QString>("path");
    QTest::addColumn<PluginStatus>("status");
    QTest::addColumn<QString>("errorContains");
    QTest::addColumn<QString>("name");    // empty: not checked
    QTest::addColumn<QString>("version"); // empty: not checked
    QTest::addColumn<bool>("mapped");     // whether the library may have been loaded
    const QString fx = fixtureDir() + u'/';
    QTest::newRow("wrong IID") << fx + libName(QStringLiteral("fixture_wrong_iid"))
                               << PluginStatus::UnknownInterface
                               << "unknown plugin interface 'org.example.UnrelatedPlugin/1.0'"
                               << "Fixture: unrelated interface"
                               << "9.9.9" << false;
    QTest::newRow("wrong major version")
        << fx + libName(QStringLiteral("fixture_wrong_major")) << PluginStatus::IncompatibleVersion
        << "built for interface version 2.0; this QuantScope provides "
           "org.quantscope.ExporterPlugin/1.0"
        << "Fixture: exporter 2.0"
        << "2.0.0" << false;
    QTest::newRow("no interface") << fx + libName(QStringLiteral("fixture_no_interface"))
                                  << PluginStatus::InstanceFailed
                                  << "(NoInterfacePlugin) does not implement "
                                     "org.quantscope.ExporterPlugin/1.0"
                                  << libName(QStringLiteral("fixture_no_interface")) << "" << true;
    QTest::newRow("init throws") << fx + libName(QStringLiteral("fixture_init_throws"))
                                 << PluginStatus::InitFailed << "fixture: cannot list exporters"
                                 << ""
                                 << "" << true;
    QTest::newRow("unresolved symbol")
        << fx + libName(QStringLiteral("fixture_unresolved")) << PluginStatus::LoadFailed
        << "qs_fixture_symbol_nobody_defines"
        << ""
        << "" << true;
    QTest::newRow("library without metadata")
        << fx + libName(QStringLiteral("fixture_not_a_plugin")) << PluginStatus::NotAPlugin
        << "a shared library without Qt plugin metadata"
        << libName(QStringLiteral("fixture_not_a_plugin")) << "" << false;
    QTest::newRow("garbage .so") << m_junkDir + QStringLiteral("/libgarbage.so")
                                 << PluginStatus::NotAPlugin << "not a shared library"
                                 << "libgarbage.so"
                                 << "" << false;
    QTest::newRow("empty .so") << m_junkDir + QStringLiteral("/libempty.so")
                               << PluginStatus::NotAPlugin << "not a shared library"
                               << ""
                               << "" << false;
    QTest::newRow("duplicate") << m_dupDir + u'/' + libName(QStringLiteral("exporter_json"))
                               << PluginStatus::Duplicate
                               << "a plugin named 'QuantScope record exporter' is already loaded"
                               << "QuantScope record exporter"
                               << "" << false;
    QTest::newRow("exporter id taken")
        << fx + libName(QStringLiteral("fixture_throwing_exporter")) << PluginStatus::Loaded
        << "'gguf' skipped: already provided by GGUF exporter"
        << "Fixture: throwing exporter"
        << "0.0.1" << true;
    QTest::newRow("format name taken")
        << fx + libName(QStringLiteral("fixture_quant_format")) << PluginStatus::Loaded
        << "'q4_0' skipped: already provided by the built-in formats"
        << "Fixture: sign format"
        << "0.0.1" << true;
}

void TstPlugins::brokenFilesReported() {
    QFETCH(QString, path);
    QFETCH(PluginStatus, status);
    QFETCH(QString, errorContains);
    QFETCH(QString, name);
    QFETCH(QString, version);
    QFETCH(bool, mapped);
    const QString canonical = QFileInfo(path).canonicalFilePath();
    QVERIFY2(!canonical.isEmpty(), qPrintable(path));
    const PluginRecord* r = record(canonical);
    QVERIFY2(r, qPrintable(canonical));
    QCOMPARE(pluginStatusName(r->status), pluginStatusName(status));
    QVERIFY2(r->error.contains(errorContains), qPrintable(r->error));
    if (!name.isEmpty()) QCOMPARE(r->name, name);
    if (!version.isEmpty()) QCOMPARE(r->version, version);
    if (!mapped) QVERIFY2(!isMapped(canonical), "a rejected library was loaded");
    if (status != PluginStatus::Loaded) QVERIFY(r->provides.isEmpty());
}

void TstPlugins::registries() {
    QStringList ids;
    for (const auto& e : m_manager.exporters()) ids << e->id();
    // In the order of the folders, then of the file names in a folder.
    QCOMPARE(ids, (QStringList{"gguf", "hf-compressed-tensors", "hf-gptqmodel", "json",
                               "llama-quantize", "throws-error", "throws-int", "fails-silently"}));
    QCOMPARE(m_manager.providerOf(QStringLiteral("gguf")), QStringLiteral("GGUF exporter"));
    const auto gguf = m_manager.exporter(QStringLiteral("gguf"));
    QVERIFY(gguf);
    QCOMPARE(gguf->fileSuffix(), QStringLiteral("gguf"));
    QVERIFY(gguf->fileFilter().contains(QStringLiteral("*.gguf")));
    QVERIFY(!m_manager.exporter(QStringLiteral("nope")));

    QCOMPARE(m_manager.modelLoaders().size(), size_t(1));
    QCOMPARE(m_manager.modelLoaders()[0]->id(), QStringLiteral("llama2c"));

    QCOMPARE(m_manager.quantFormats().size(), size_t(1));
    const qs::QuantFormat* sign = m_manager.findQuantFormat(QStringLiteral("FIXTURE_SIGN1"));
    QVERIFY(sign);
    QCOMPARE(sign->nominalBits(), 1);
    const float w[4] = {0.5f, -1.5f, 1.0f, -1.0f};
    float out[4];
    sign->quantizeDequantize(w, out, 1, 4, {});
    QCOMPARE(out[0], 1.0f);
    QCOMPARE(out[1], -1.0f);
    QVERIFY(!m_manager.findQuantFormat(QStringLiteral("q4_0"))); // the built-in one stays
    QCOMPARE(m_manager.loadedCount(), 7);
}

void TstPlugins::exporterWrites_data() {
    QTest::addColumn<QString>("id");
    QTest::addColumn<QString>("format");
    QTest::addColumn<QString>("contains");
    QTest::newRow("gguf") << "gguf"
                          << "q8_0"
                          << "GGUF";
    QTest::newRow("llama-quantize") << "llama-quantize"
                                    << "q4_0"
                                    << "llama-quantize";
    QTest::newRow("hf-compressed-tensors") << "hf-compressed-tensors"
                                           << "int4_g32_sym"
                                           << "\"quant_method\": \"compressed-tensors\"";
    QTest::newRow("hf-gptqmodel") << "hf-gptqmodel"
                                  << "int4_g32_sym"
                                  << "\"bits\": 4";
    QTest::newRow("json") << "json"
                          << "int4_g32_asym"
                          << "\"schema\": \"quantscope.export\"";
}

void TstPlugins::exporterWrites() {
    QS_REQUIRE_SHARED(kModel);
    QFETCH(QString, id);
    QFETCH(QString, format);
    QFETCH(QString, contains);
    const auto exporter = m_manager.exporter(id);
    QVERIFY(exporter);
    const QString out = m_tmp.filePath(QStringLiteral("out-") + id + u'.' + exporter->fileSuffix());
    ExportRequest req = request(format.toStdString(), out);
    if (id.startsWith(QLatin1String("hf-"))) { // GPTQ never quantizes the embedding
        req.config.embeddingFormat = "f16";
        req.resolved = req.config.resolve(req.model->desc());
    }
    req.options[QStringLiteral("hash")] = false;
    const ExportResult r = PluginManager::runExport(*exporter, req);
    QVERIFY2(r.ok, qPrintable(r.error));
    QVERIFY(r.summary.contains(out));
    QFile f(out);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QVERIFY2(f.readAll().contains(contains.toUtf8()), qPrintable(contains));
    if (id == QLatin1String("json")) // the record imports back into the same configuration
        QVERIFY(qs::importConfigFile(out.toStdString()).config == req.config);
}

void TstPlugins::ggufPluginRoundTrip() {
    QS_REQUIRE_SHARED(kModel);
    const auto exporter = m_manager.exporter(QStringLiteral("gguf"));
    QVERIFY(exporter);
    const QString out = m_tmp.filePath(QStringLiteral("roundtrip-q8_0.gguf"));
    ExportRequest req = request("q8_0", out);
    req.options[QStringLiteral("name")] = QStringLiteral("stories260K plugin export");
    const ExportResult r = PluginManager::runExport(*exporter, req);
    QVERIFY2(r.ok, qPrintable(r.error));

    const auto back = qs::loadModel(out.toStdString());
    const qs::ModelDesc& a = req.model->desc();
    const qs::ModelDesc& b = back->desc();
    QCOMPARE(b.format, std::string("gguf"));
    QCOMPARE(b.hp.dim, a.hp.dim);
    QCOMPARE(b.hp.nLayers, a.hp.nLayers);
    QCOMPARE(b.hp.vocabSize, a.hp.vocabSize);
    QVERIFY(b.metadata.at("general.name").find("stories260K plugin export") != std::string::npos);
    QVERIFY(back->tokenizer()); // the llama2.c vocabulary went into the file

    // Every quantized matrix reads back exactly as the engine simulates it.
    int checked = 0;
    for (size_t i = 0; i < a.tensors.size(); ++i) {
        const qs::QuantFormat* f = req.resolved.format(i);
        if (!f) continue;
        const qs::TensorDesc& t = a.tensors[i];
        const auto j = b.find(t.name);
        QVERIFY2(j, t.name.c_str());
        QCOMPARE(std::string(qs::dtypeName(b.tensors[*j].fileType)),
                 f->name() == "q8_0" ? std::string("Q8_0") : std::string("F16"));
        const qs::WeightView* src = req.model->weights().find(t.role, t.block);
        const qs::WeightView* dst = back->weights().find(t.role, t.block);
        if (t.role == qs::TensorRole::Wq || t.role == qs::TensorRole::Wk) continue;
        std::vector<float> expect(size_t(src->rows * src->cols));
        f->quantizeDequantize(src->data, expect.data(), src->rows, src->cols, {});
        QVERIFY2(std::memcmp(expect.data(), dst->data, expect.size() * sizeof(float)) == 0,
                 t.name.c_str());
        ++checked;
    }
    QVERIFY(checked > 10);
}

void TstPlugins::failingExports_data() {
    QTest::addColumn<QString>("id");
    QTest::addColumn<QString>("format");
    QTest::addColumn<QString>("out"); // relative to the temporary folder
    QTest::addColumn<QString>("errorContains");
    QTest::newRow("throws qs::Error") << "throws-error"
                                      << "q8_0"
                                      << "a.bin"
                                      << "exporter 'throws-error': ";
    QTest::newRow("throws int") << "throws-int"
                                << "q8_0"
                                << "b.bin"
                                << "exporter 'throws-int': unknown exception";
    QTest::newRow("fails silently") << "fails-silently"
                                    << "q8_0"
                                    << "c.bin"
                                    << "exporter 'fails-silently' failed without saying why";
    QTest::newRow("gguf, no ggml type") << "gguf"
                                        << "int4_g32_sym"
                                        << "d.gguf"
                                        << "nearest";
    QTest::newRow("gguf, unwritable") << "gguf"
                                      << "q8_0"
                                      << "no/such/folder/e.gguf"
                                      << "no/such/folder";
    QTest::newRow("hf, ggml type") << "hf-gptqmodel"
                                   << "q8_0"
                                   << "f.json"
                                   << "q8_0";
}

void TstPlugins::failingExports() {
    QS_REQUIRE_SHARED(kModel);
    QFETCH(QString, id);
    QFETCH(QString, format);
    QFETCH(QString, out);
    QFETCH(QString, errorContains);
    const auto exporter = m_manager.exporter(id);
    QVERIFY(exporter);
    const QString path = m_tmp.filePath(out);
    const ExportResult r = PluginManager::runExport(*exporter, request(format.toStdString(), path));
    QVERIFY(!r.ok);
    QVERIFY2(r.error.contains(errorContains), qPrintable(r.error));
    if (id == QLatin1String("throws-error"))
        QVERIFY2(r.error.contains(QStringLiteral("fixture exporter refuses to write")),
                 qPrintable(r.error));
    QVERIFY(!QFileInfo::exists(path));

    ExportRequest none; // no model at all
    QVERIFY(!PluginManager::runExport(*exporter, none).ok);
}

void TstPlugins::modelLoaderPlugin_data() {
    QTest::addColumn<QString>("path");
    QTest::addColumn<bool>("claimed");
    const QString shared = qs::test::sharedDir() + QStringLiteral("/models/");
    QTest::newRow("llama2.c") << shared + "stories260K/model.bin" << true;
    QTest::newRow("gguf") << shared + "stories260K-gguf/stories260K.gguf" << false;
    QTest::newRow("hf folder") << shared + "stories260K-hf" << false;
    QTest::newRow("safetensors") << shared + "stories260K-hf/model.safetensors" << false;
    QTest::newRow("garbage") << m_junkDir + "/libgarbage.so" << false;
    QTest::newRow("missing") << m_junkDir + "/nothing.bin" << false;
}

void TstPlugins::modelLoaderPlugin() {
    QS_REQUIRE_SHARED(kModel);
    QFETCH(QString, path);
    QFETCH(bool, claimed);
    const auto loader = m_manager.loaderFor(path.toStdString());
    QCOMPARE(bool(loader), claimed);
    if (!claimed) return;
    const auto m = m_manager.loadModel(path.toStdString());
    QCOMPARE(m->desc().metadata.at("loader.plugin"), std::string("modelformat_llama2c"));
    QCOMPARE(m->desc().format, std::string("llama2c"));
    QVERIFY(m->tokenizer());
    QCOMPARE(m->desc().tensors.size(), model()->desc().tensors.size());
}

void TstPlugins::interfaceIds_data() {
    QTest::addColumn<QString>("iid");
    QTest::addColumn<QString>("family");
    QTest::addColumn<int>("major");
    QTest::addColumn<int>("minor");
    QTest::newRow("exporter 1.0") << QS_EXPORTER_PLUGIN_IID << "org.quantscope.ExporterPlugin" << 1
                                  << 0;
    QTest::newRow("loader 1.0") << QS_MODEL_LOADER_PLUGIN_IID << "org.quantscope.ModelLoaderPlugin"
                                << 1 << 0;
    QTest::newRow("format 2.13") << "org.quantscope.QuantFormatPlugin/2.13"
                                 << "org.quantscope.QuantFormatPlugin" << 2 << 13;
    QTest::newRow("major only") << "org.x.Y/3"
                                << "org.x.Y" << 3 << 0;
    QTest::newRow("no version") << "org.quantscope.ExporterPlugin"
                                << "" << -1 << -1;
    QTest::newRow("bad version") << "org.quantscope.ExporterPlugin/one"
                                 << "" << -1 << -1;
    QTest::newRow("empty") << ""
                           << "" << -1 << -1;
}

void TstPlugins::interfaceIds() {
    QFETCH(QString, iid);
    QFETCH(QString, family);
    QFETCH(int, major);
    QFETCH(int, minor);
    const InterfaceId id = InterfaceId::parse(iid);
    QCOMPARE(id.family, family);
    QCOMPARE(id.major, major);
    QCOMPARE(id.minor, minor);
    QCOMPARE(id.isValid(), major >= 0);
}

void TstPlugins::defaultSearchPaths() {
    qputenv("QUANTSCOPE_PLUGIN_PATH", "/opt/qs-a:/opt/qs-b/");
    const QStringList paths = PluginManager::defaultSearchPaths();
    qunsetenv("QUANTSCOPE_PLUGIN_PATH");
    QVERIFY(paths.size() >= 5);
    QCOMPARE(paths[0], QStringLiteral("/opt/qs-a"));
    QCOMPARE(paths[1], QStringLiteral("/opt/qs-b"));
    QCOMPARE(paths[2],
             QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/plugins");
    // This test runs from the build folder: the build tree's plugins come before the install's.
    QCOMPARE(paths[3], QDir::cleanPath(buildPluginDir()));
    const QString exeDir = QCoreApplication::applicationDirPath();
    QVERIFY(paths.contains(QDir::cleanPath(exeDir + "/../lib/quantscope/plugins")));
    for (const QString& p : paths.mid(4))
        QVERIFY2(p.endsWith(QStringLiteral("/quantscope/plugins")), qPrintable(p));
}

void TstPlugins::listModelAndDialog() {
    PluginsDialog dialog(&m_manager);
    PluginListModel* model = dialog.model();
    QCOMPARE(dialog.table()->model(), model);
    QCOMPARE(model->rowCount(), int(m_manager.records().size()));
    QCOMPARE(model->columnCount(), int(PluginListModel::ColumnCount));
    QCOMPARE(model->headerData(PluginListModel::StatusColumn, Qt::Horizontal).toString(),
             QStringLiteral("Status"));
    for (int row = 0; row < model->rowCount(); ++row) {
        const PluginRecord& r = m_manager.records()[row];
        auto cell = [&](int column, int role = Qt::DisplayRole) {
            return model->data(model->index(row, column), role);
        };
        QCOMPARE(cell(PluginListModel::NameColumn).toString(), r.name);
        QCOMPARE(cell(PluginListModel::VersionColumn).toString(), r.version);
        QCOMPARE(cell(PluginListModel::StatusColumn).toString(), pluginStatusName(r.status));
        QCOMPARE(cell(PluginListModel::PathColumn).toString(), r.path);
        QCOMPARE(cell(0, PluginListModel::StatusRole).toInt(), int(r.status));
        QCOMPARE(cell(0, PluginListModel::LoadedRole).toBool(), r.isLoaded());
        if (!r.isLoaded()) {
            QCOMPARE(cell(PluginListModel::DetailsColumn).toString(), r.error);
            QVERIFY(
                cell(PluginListModel::NameColumn, Qt::ToolTipRole).toString().contains(r.error));
        }
        if (r.kind == PluginKind::Exporter)
            QCOMPARE(cell(PluginListModel::InterfaceColumn).toString(), QStringLiteral("exporter"));
    }
    const auto summary = dialog.findChild<QLabel*>(QStringLiteral("pluginSummary"));
    QVERIFY(summary);
    QVERIFY2(summary->text().startsWith(
                 QStringLiteral("7 of %1 plugin file(s) loaded").arg(m_manager.records().size())),
             qPrintable(summary->text()));

    // Rescan picks up a file added since, and the table follows.
    QFile late(m_junkDir + QStringLiteral("/liblate.so"));
    QVERIFY(late.open(QIODevice::WriteOnly));
    late.write("late garbage");
    late.close();
    QPushButton* rescan = nullptr;
    for (QPushButton* b : dialog.findChildren<QPushButton*>())
        if (b->text() == QStringLiteral("&Rescan")) rescan = b;
    QVERIFY(rescan);
    const int before = model->rowCount();
    rescan->click();
    QCOMPARE(model->rowCount(), before + 1);
    QCOMPARE(model->data(model->index(before, PluginListModel::StatusColumn)).toString(),
             QStringLiteral("not a plugin"));
}

void TstPlugins::cliListsPlugins() {
    QProcess cli;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QUANTSCOPE_PLUGIN_PATH"), fixtureDir());
    env.insert(QStringLiteral("XDG_DATA_HOME"), m_tmp.filePath(QStringLiteral("xdg")));
    cli.setProcessEnvironment(env);
    cli.start(QStringLiteral(QS_CLI_PATH), {QStringLiteral("plugins"), QStringLiteral("--json")});
    QVERIFY(cli.waitForFinished(60000));
    QCOMPARE(cli.exitStatus(), QProcess::NormalExit);
    QCOMPARE(cli.exitCode(), 0);
    const QJsonObject out = QJsonDocument::fromJson(cli.readAllStandardOutput()).object();
    QMap<QString, QJsonObject> byFile;
    for (const QJsonValue& v : out.value(QStringLiteral("plugins")).toArray())
        byFile[QFileInfo(v[QStringLiteral("path")].toString()).fileName()] = v.toObject();
    // The CLI runs from the build tree: the bundled plugins, plus the fixtures from the env var.
    for (const char* real : {"exporter_gguf", "exporter_llamacpp", "exporter_hf", "exporter_json",
                             "modelformat_llama2c"}) {
        const QJsonObject p = byFile.value(libName(QString::fromLatin1(real)));
        QCOMPARE(p.value(QStringLiteral("status")).toString(), QStringLiteral("loaded"));
        QVERIFY(!p.value(QStringLiteral("version")).toString().isEmpty());
    }
    QCOMPARE(byFile.value(libName(QStringLiteral("fixture_wrong_major")))
                 .value(QStringLiteral("status"))
                 .toString(),
             QStringLiteral("incompatible version"));
    QCOMPARE(byFile.value(libName(QStringLiteral("fixture_unresolved")))
                 .value(QStringLiteral("status"))
                 .toString(),
             QStringLiteral("load failed"));
    QCOMPARE(out.value(QStringLiteral("search_paths"))
                 .toArray()
                 .first()[QStringLiteral("path")]
                 .toString(),
             QDir::cleanPath(fixtureDir()));

    // Text: one line per plugin, with status, version and path.
    cli.start(QStringLiteral(QS_CLI_PATH), {QStringLiteral("plugins")});
    QVERIFY(cli.waitForFinished(60000));
    QCOMPARE(cli.exitCode(), 0);
    const QString text = QString::fromUtf8(cli.readAllStandardOutput());
    QVERIFY(text.contains(QRegularExpression(
        QStringLiteral("\\nloaded +GGUF exporter +\\d+\\.\\d+\\.\\d+ +exporter +/\\S+/"
                       "libexporter_gguf\\.so\\n"))));
    QVERIFY(text.contains(QStringLiteral("plugin file(s) loaded")));
}

QTEST_MAIN(TstPlugins)
#include "tst_plugins.moc"
