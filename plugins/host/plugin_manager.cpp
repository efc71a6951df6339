#include "plugin_manager.h"

#include "core/error.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonObject>
#include <QLibrary>
#include <QPluginLoader>
#include <QStandardPaths>

#include <algorithm>
#include <exception>

using namespace qs::plugin;

namespace {

QString exceptionText(std::exception_ptr e) {
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& ex) {
        return QString::fromStdString(ex.what());
    } catch (...) {
        return QStringLiteral("unknown exception (not a std::exception)");
    }
}

QString executableDir() {
    if (QCoreApplication::instance()) return QCoreApplication::applicationDirPath();
    const QFileInfo self(QStringLiteral("/proc/self/exe")); // no application object (CLI)
    return self.exists() ? QFileInfo(self.canonicalFilePath()).absolutePath() : QDir::currentPath();
}

bool isInside(const QString& path, const QString& dir) {
    const QString p = QDir::cleanPath(path), d = QDir::cleanPath(dir);
    return !d.isEmpty() && (p == d || p.startsWith(d + u'/'));
}

// What the first bytes of a file that has no plugin metadata say it is.
QString notAPluginReason(const QString& path, const QString& qtError) {
    QFile f(path);
    QByteArray head;
    if (f.open(QIODevice::ReadOnly)) head = f.read(4);
    const bool elf = head == QByteArray("\x7f"
                                        "ELF",
                                        4);
    if (head.isEmpty()) return QStringLiteral("an empty file, not a shared library");
    QString why = elf ? QStringLiteral("a shared library without Qt plugin metadata (no "
                                       "Q_PLUGIN_METADATA)")
                      : QStringLiteral("not a shared library");
    if (!elf && !qtError.isEmpty() && !qtError.startsWith(QLatin1String("Unknown error")))
        why += QStringLiteral(": ") + qtError;
    return why;
}

QString knownInterfaces() {
    return QStringLiteral(QS_EXPORTER_PLUGIN_IID ", " QS_MODEL_LOADER_PLUGIN_IID
                                                 ", " QS_QUANT_FORMAT_PLUGIN_IID);
}

} // namespace

QString pluginStatusName(PluginStatus status) {
    switch (status) {
    case PluginStatus::Loaded:
        return QStringLiteral("loaded");
    case PluginStatus::NotAPlugin:
        return QStringLiteral("not a plugin");
    case PluginStatus::UnknownInterface:
        return QStringLiteral("unknown interface");
    case PluginStatus::IncompatibleVersion:
        return QStringLiteral("incompatible version");
    case PluginStatus::LoadFailed:
        return QStringLiteral("load failed");
    case PluginStatus::InstanceFailed:
        return QStringLiteral("instance failed");
    case PluginStatus::InitFailed:
        return QStringLiteral("init failed");
    case PluginStatus::Duplicate:
        return QStringLiteral("duplicate");
    }
    return {};
}

PluginManager::PluginManager(QObject* parent)
    : QObject(parent), m_searchPaths(defaultSearchPaths()) {}

PluginManager::~PluginManager() = default;

QStringList PluginManager::defaultSearchPaths() {
    QStringList paths;
    auto add = [&](const QString& p) {
        if (p.isEmpty()) return;
        const QString clean = QDir::cleanPath(QDir(p).absolutePath());
        if (!paths.contains(clean)) paths << clean;
    };
    const QString env = qEnvironmentVariable("QUANTSCOPE_PLUGIN_PATH");
    for (const QString& p : env.split(QDir::listSeparator(), Qt::SkipEmptyParts)) add(p);
    const QString user = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    if (!user.isEmpty()) add(user + QStringLiteral("/plugins"));
    const QString exeDir = executableDir();
#ifdef QS_BUILD_DIR
    if (isInside(exeDir, QStringLiteral(QS_BUILD_DIR))) add(QStringLiteral(QS_BUILD_PLUGIN_DIR));
#endif
    add(exeDir + QStringLiteral("/../" QS_PLUGIN_INSTALL_DIR));
#ifdef QS_LIBRARY_ARCHITECTURE
    add(exeDir + QStringLiteral("/../lib/" QS_LIBRARY_ARCHITECTURE "/quantscope/plugins"));
#endif
    add(exeDir + QStringLiteral("/../lib/quantscope/plugins"));
    return paths;
}

int PluginManager::loadAll() {
    const qsizetype before = m_records.size();
    for (const QString& dir : m_searchPaths) {
        QDir d(dir);
        if (!d.exists()) continue;
        const QFileInfoList files =
            d.entryInfoList(QDir::Files | QDir::NoDotAndDotDot, QDir::Name | QDir::IgnoreCase);
        for (const QFileInfo& fi : files) {
            if (!QLibrary::isLibrary(fi.fileName())) continue;
            QString path = fi.canonicalFilePath(); // resolves links on disk: once
            if (path.isEmpty()) path = fi.absoluteFilePath();
            const bool seen = std::any_of(m_records.begin(), m_records.end(),
                                          [&](const PluginRecord& r) { return r.path == path; });
            if (!seen) m_records << inspectAndLoad(path);
        }
    }
    const int added = int(m_records.size() - before);
    if (added > 0) emit recordsChanged();
    return added;
}

int PluginManager::loadedCount() const {
    return int(std::count_if(m_records.begin(), m_records.end(),
                             [](const PluginRecord& r) { return r.isLoaded(); }));
}

PluginRecord PluginManager::inspectAndLoad(const QString& path) {
    PluginRecord r;
    r.path = path;
    r.name = QFileInfo(path).fileName();

    if (!QFileInfo(path).isReadable()) {
        r.status = PluginStatus::NotAPlugin;
        r.error = QStringLiteral("cannot read the file");
        return r;
    }

    // 1. Metadata only: read from the file, nothing of the library is run.
    auto loader = std::make_unique<QPluginLoader>(path);
    loader->setLoadHints(QLibrary::PreventUnloadHint);
    const QJsonObject meta = loader->metaData();
    if (meta.isEmpty()) {
        r.status = PluginStatus::NotAPlugin;
        r.error = notAPluginReason(path, loader->errorString());
        return r;
    }
    const QJsonObject info = meta.value(QLatin1String("MetaData")).toObject();
    if (const QString n = info.value(QLatin1String(kMetaName)).toString(); !n.isEmpty()) r.name = n;
    r.version = info.value(QLatin1String(kMetaVersion)).toString();
    r.description = info.value(QLatin1String(kMetaDescription)).toString();
    r.interfaceId = meta.value(QLatin1String("IID")).toString();

    // 2. The interface and its version.
    const InterfaceId iid = InterfaceId::parse(r.interfaceId);
    r.kind = iid.isValid() ? pluginKindOfFamily(iid.family) : PluginKind::Unknown;
    if (r.kind == PluginKind::Unknown) {
        r.status = PluginStatus::UnknownInterface;
        r.error = QStringLiteral("unknown plugin interface '%1' (QuantScope loads %2)")
                      .arg(r.interfaceId, knownInterfaces());
        return r;
    }
    if (iid.major != kInterfaceMajor || iid.minor > kInterfaceMinor) {
        r.status = PluginStatus::IncompatibleVersion;
        r.error = QStringLiteral("built for interface version %1.%2; this QuantScope provides "
                                 "%3 (rebuild the plugin against this SDK)")
                      .arg(iid.major)
                      .arg(iid.minor)
                      .arg(currentInterfaceId(r.kind));
        return r;
    }
    for (const PluginRecord& other : m_records)
        if (other.isLoaded() && other.name == r.name) {
            r.status = PluginStatus::Duplicate;
            r.error = QStringLiteral("a plugin named '%1' is already loaded from %2")
                          .arg(r.name, other.path);
            return r;
        }

    // 3. Load and instantiate.
    if (!loader->load()) {
        r.status = PluginStatus::LoadFailed;
        r.error = loader->errorString();
        return r;
    }
    QObject* instance = loader->instance();
    if (!instance) {
        r.status = PluginStatus::InstanceFailed;
        r.error = QStringLiteral("the plugin created no instance: ") + loader->errorString();
        return r;
    }
    const bool implements =
        (r.kind == PluginKind::Exporter && qobject_cast<ExporterPlugin*>(instance)) ||
        (r.kind == PluginKind::ModelLoader && qobject_cast<ModelLoaderPlugin*>(instance)) ||
        (r.kind == PluginKind::QuantFormat && qobject_cast<QuantFormatPlugin*>(instance));
    if (!implements) {
        r.status = PluginStatus::InstanceFailed;
        r.error = QStringLiteral("the plugin object (%1) does not implement %2")
                      .arg(QString::fromLatin1(instance->metaObject()->className()), r.interfaceId);
        return r;
    }

    // 4. Collect what it provides.
    try {
        registerProvided(r, instance);
    } catch (...) {
        r.status = PluginStatus::InitFailed;
        r.error = QStringLiteral("the plugin threw while listing what it provides: ") +
                  exceptionText(std::current_exception());
        r.provides.clear();
        return r;
    }
    r.status = PluginStatus::Loaded;
    m_loaders.push_back(std::move(loader));
    return r;
}

void PluginManager::registerProvided(PluginRecord& r, QObject* instance) {
    // Everything is asked first: if the plugin throws, nothing of it is registered.
    std::vector<std::shared_ptr<const Exporter>> exporters;
    std::vector<std::shared_ptr<const ModelLoader>> loaders;
    std::vector<std::shared_ptr<const qs::QuantFormat>> formats;
    std::vector<QString> keys;
    switch (r.kind) {
    case PluginKind::Exporter:
        exporters = qobject_cast<ExporterPlugin*>(instance)->exporters();
        for (const auto& e : exporters) keys.push_back(e ? e->id() : QString());
        break;
    case PluginKind::ModelLoader:
        loaders = qobject_cast<ModelLoaderPlugin*>(instance)->loaders();
        for (const auto& l : loaders) keys.push_back(l ? l->id() : QString());
        break;
    case PluginKind::QuantFormat:
        formats = qobject_cast<QuantFormatPlugin*>(instance)->formats();
        for (const auto& f : formats)
            keys.push_back(f ? QString::fromStdString(f->name()).toLower() : QString());
        break;
    case PluginKind::Unknown:
        break;
    }

    QStringList notes;
    auto taken = [&](const QString& key) -> QString {
        for (const auto& p : m_exporters)
            if (r.kind == PluginKind::Exporter && p.key == key) return p.plugin;
        for (const auto& p : m_modelLoaders)
            if (r.kind == PluginKind::ModelLoader && p.key == key) return p.plugin;
        for (const auto& p : m_formats)
            if (r.kind == PluginKind::QuantFormat && p.key == key) return p.plugin;
        if (r.kind == PluginKind::QuantFormat && qs::findQuantFormat(key.toStdString()))
            return QStringLiteral("the built-in formats");
        return {};
    };
    for (size_t i = 0; i < keys.size(); ++i) {
        const QString& key = keys[i];
        if (key.isEmpty()) {
            notes << QStringLiteral("skipped an entry without an id");
            continue;
        }
        if (r.provides.contains(key)) {
            notes << QStringLiteral("'%1' listed twice; kept the first").arg(key);
            continue;
        }
        if (const QString owner = taken(key); !owner.isEmpty()) {
            notes << QStringLiteral("'%1' skipped: already provided by %2").arg(key, owner);
            continue;
        }
        r.provides << key;
        if (!exporters.empty()) m_exporters.push_back({exporters[i], key, r.name});
        if (!loaders.empty()) m_modelLoaders.push_back({loaders[i], key, r.name});
        if (!formats.empty()) m_formats.push_back({formats[i], key, r.name});
    }
    if (keys.empty()) notes << QStringLiteral("provides nothing");
    r.error = notes.join(QStringLiteral("; "));
}

std::vector<std::shared_ptr<const Exporter>> PluginManager::exporters() const {
    std::vector<std::shared_ptr<const Exporter>> v;
    for (const auto& p : m_exporters) v.push_back(p.item);
    return v;
}

std::shared_ptr<const Exporter> PluginManager::exporter(const QString& id) const {
    for (const auto& p : m_exporters)
        if (p.key == id) return p.item;
    return nullptr;
}

std::vector<std::shared_ptr<const ModelLoader>> PluginManager::modelLoaders() const {
    std::vector<std::shared_ptr<const ModelLoader>> v;
    for (const auto& p : m_modelLoaders) v.push_back(p.item);
    return v;
}

std::shared_ptr<const ModelLoader>
PluginManager::loaderFor(const std::filesystem::path& path) const {
    for (const auto& p : m_modelLoaders) {
        try {
            if (p.item->canLoad(path)) return p.item;
        } catch (...) {
            // A loader that throws from canLoad() does not claim the file.
        }
    }
    return nullptr;
}

std::vector<std::shared_ptr<const qs::QuantFormat>> PluginManager::quantFormats() const {
    std::vector<std::shared_ptr<const qs::QuantFormat>> v;
    for (const auto& p : m_formats) v.push_back(p.item);
    return v;
}

const qs::QuantFormat* PluginManager::findQuantFormat(const QString& name) const {
    const QString key = name.toLower();
    for (const auto& p : m_formats)
        if (p.key == key) return p.item.get();
    return nullptr;
}

QString PluginManager::providerOf(const QString& idOrName) const {
    for (const auto& p : m_exporters)
        if (p.key == idOrName) return p.plugin;
    for (const auto& p : m_modelLoaders)
        if (p.key == idOrName) return p.plugin;
    for (const auto& p : m_formats)
        if (p.key == idOrName.toLower()) return p.plugin;
    return {};
}

ExportResult PluginManager::runExport(const Exporter& exporter, const ExportRequest& request) {
    QString id = QStringLiteral("?");
    try {
        id = exporter.id();
        if (!request.model) return ExportResult::failure(QStringLiteral("export: no model"));
        ExportResult r = exporter.exportTo(request);
        if (!r.ok && r.error.isEmpty())
            r.error = QStringLiteral("exporter '%1' failed without saying why").arg(id);
        return r;
    } catch (...) {
        return ExportResult::failure(
            QStringLiteral("exporter '%1': %2").arg(id, exceptionText(std::current_exception())));
    }
}

std::shared_ptr<qs::Model> PluginManager::loadModel(const std::filesystem::path& path,
                                                    const qs::LoadOptions& options) const {
    if (auto loader = loaderFor(path)) {
        QString id = providerOf(loader->id());
        try {
            auto model = loader->load(path, options);
            if (!model) throw qs::FileError(path, "model loader plugin returned no model");
            return model;
        } catch (const qs::Error&) {
            throw;
        } catch (...) {
            throw qs::FileError(path, "model loader plugin '" + id.toStdString() + "': " +
                                          exceptionText(std::current_exception()).toStdString());
        }
    }
    return qs::loadModel(path, options);
}
