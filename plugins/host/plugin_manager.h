#pragma once
// Finds, checks and loads QuantScope plugins (plugins/sdk/quantscope), and keeps what they
// provide: exporters, model loaders and quantization formats.
//
//   PluginManager plugins;                  // search paths: defaultSearchPaths()
//   plugins.loadAll();                      // every library in every folder, once
//   for (const PluginRecord& r : plugins.records()) ...   // one per file, whatever happened
//   if (auto e = plugins.exporter("gguf"))
//       qs::plugin::ExportResult res = PluginManager::runExport(*e, request);
//
// Each library file found gets one PluginRecord. Before anything is loaded the Qt plugin
// metadata is read from the file: a file without it (not a library, or a library that is not a
// Qt plugin), an interface this host does not know or another major interface version is
// reported and never loaded (no code of it runs). Then the library is loaded (a missing symbol
// is reported), its root object is checked against the interface it declared, and its
// exporters()/loaders()/formats() are collected, catching whatever they throw. A plugin with
// the same name as one loaded from an earlier folder is reported as a duplicate and not loaded;
// an exporter/loader id or format name that is already taken is skipped with a note in the
// plugin's record. Loaded plugins are never unloaded.
//
// Search order (earlier folders win): $QUANTSCOPE_PLUGIN_PATH (':'-separated), the user folder
// <AppDataLocation>/plugins, the build tree's plugins/ when the executable runs from the build
// folder, then the install folder <exe dir>/../<QS_PLUGIN_INSTALL_DIR> (also ../lib/<multiarch>/
// quantscope/plugins and ../lib/quantscope/plugins).
//
// Qt Core only; lives on the thread that created it. runExport() and the providers themselves
// may be used from any thread.

#include "quantscope/exporter_plugin.h"
#include "quantscope/model_loader_plugin.h"
#include "quantscope/quant_format_plugin.h"

#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>

#include <filesystem>
#include <memory>
#include <vector>

class QPluginLoader;

enum class PluginStatus {
    Loaded,
    NotAPlugin,          // not a library, or a library without Qt plugin metadata
    UnknownInterface,    // an IID of no QuantScope plugin family
    IncompatibleVersion, // a QuantScope family of another major (or a newer minor) version
    LoadFailed,          // the library does not load (missing symbol, wrong Qt, ...)
    InstanceFailed,      // no root object, or it does not implement the declared interface
    InitFailed,          // exporters()/loaders()/formats() threw
    Duplicate,           // a plugin of the same name came from an earlier folder
};

// "loaded", "not a plugin", "unknown interface", "incompatible version", "load failed",
// "instance failed", "init failed", "duplicate".
QString pluginStatusName(PluginStatus status);

struct PluginRecord {
    QString path; // absolute file path
    QString name; // from the metadata; the file name when there is none
    QString version;
    QString description;
    QString interfaceId; // the IID as declared ("org.quantscope.ExporterPlugin/1.0"), or empty
    qs::plugin::PluginKind kind = qs::plugin::PluginKind::Unknown;
    PluginStatus status = PluginStatus::NotAPlugin;
    QString error;        // why it is not loaded; for a loaded plugin, notes (skipped ids)
    QStringList provides; // exporter/loader ids or format names it registered
    bool isLoaded() const { return status == PluginStatus::Loaded; }
    // The kind's name ("exporter"), or the declared IID where the kind is unknown.
    QString interfaceLabel() const {
        return kind == qs::plugin::PluginKind::Unknown ? interfaceId
                                                       : qs::plugin::pluginKindName(kind);
    }
};

class PluginManager : public QObject {
    Q_OBJECT

public:
    explicit PluginManager(QObject* parent = nullptr);
    ~PluginManager() override;

    // The folders searched by default, in priority order (whether they exist or not).
    static QStringList defaultSearchPaths();
    QStringList searchPaths() const { return m_searchPaths; }
    void setSearchPaths(const QStringList& paths) { m_searchPaths = paths; }

    // Scans every search path (library files only, by name) and loads what it finds; files
    // seen before are skipped, so calling it again picks up new files only. Returns the number
    // of new records.
    int loadAll();

    const QList<PluginRecord>& records() const { return m_records; }
    int loadedCount() const;

    // --- what loaded plugins provide ---
    std::vector<std::shared_ptr<const qs::plugin::Exporter>> exporters() const;
    std::shared_ptr<const qs::plugin::Exporter> exporter(const QString& id) const;
    std::vector<std::shared_ptr<const qs::plugin::ModelLoader>> modelLoaders() const;
    // The first loader whose canLoad() accepts the path (exceptions count as "no"); null if none.
    std::shared_ptr<const qs::plugin::ModelLoader>
    loaderFor(const std::filesystem::path& path) const;
    std::vector<std::shared_ptr<const qs::QuantFormat>> quantFormats() const;
    const qs::QuantFormat* findQuantFormat(const QString& name) const; // case-insensitive
    // Name of the plugin that provided an exporter/loader id or a format name; empty if none.
    QString providerOf(const QString& idOrName) const;

    // Runs an exporter, turning anything it throws into a failed result naming the exporter.
    static qs::plugin::ExportResult runExport(const qs::plugin::Exporter& exporter,
                                              const qs::plugin::ExportRequest& request);
    // A plugin loader that claims the path, else the engine's qs::loadModel(). Errors are thrown
    // as qs::Error (a plugin's other exceptions are wrapped into one naming the loader).
    std::shared_ptr<qs::Model> loadModel(const std::filesystem::path& path,
                                         const qs::LoadOptions& options = {}) const;

signals:
    void recordsChanged();

private:
    PluginRecord inspectAndLoad(const QString& path);
    void registerProvided(PluginRecord& record, QObject* instance);

    template <class T>
    struct Provided {
        std::shared_ptr<const T> item;
        QString key;    // id or lower-case format name
        QString plugin; // plugin name
    };

    QStringList m_searchPaths;
    QList<PluginRecord> m_records;
    std::vector<std::unique_ptr<QPluginLoader>> m_loaders; // kept: plugins are never unloaded
    std::vector<Provided<qs::plugin::Exporter>> m_exporters;
    std::vector<Provided<qs::plugin::ModelLoader>> m_modelLoaders;
    std::vector<Provided<qs::QuantFormat>> m_formats;
};
