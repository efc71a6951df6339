#pragma once
// QuantScope plugin SDK: what every plugin family shares.
//
// A plugin is a Qt plugin (a MODULE library with Q_PLUGIN_METADATA) whose root object implements
// exactly one of the family interfaces:
//
//   family          header                  IID
//   exporters       exporter_plugin.h       org.quantscope.ExporterPlugin/1.0
//   model loaders   model_loader_plugin.h   org.quantscope.ModelLoaderPlugin/1.0
//   quant formats   quant_format_plugin.h   org.quantscope.QuantFormatPlugin/1.0
//
// The IID carries the interface version "<major>.<minor>". The host reads it from the plugin's
// metadata before loading the library and refuses a plugin of an unknown family or another
// major version; within a major version the interfaces only grow at the end of a class, and
// the minor number says which additions a plugin was built against.
//
// The metadata file named by Q_PLUGIN_METADATA(... FILE "x.json") describes the plugin:
//
//   { "name": "GGUF exporter", "version": "0.1.0",
//     "description": "Quantized GGUF files llama.cpp loads" }
//
// Plugins link the Qt-free engine (namespace qs) statically: objects that cross the boundary
// (qs::Model, qs::QuantConfig, qs::ResolvedConfig, qs::QuantFormat) are engine types, and a
// plugin must be built from the same QuantScope sources as the host. Errors may be thrown as
// qs::Error (any std::exception): the host catches everything a plugin throws.

#include <QString>

namespace qs::plugin {

// Interface versions (IID suffix). Bump the major number on any incompatible change.
inline constexpr int kInterfaceMajor = 1;
inline constexpr int kInterfaceMinor = 0;

#define QS_EXPORTER_PLUGIN_IID "org.quantscope.ExporterPlugin/1.0"
#define QS_MODEL_LOADER_PLUGIN_IID "org.quantscope.ModelLoaderPlugin/1.0"
#define QS_QUANT_FORMAT_PLUGIN_IID "org.quantscope.QuantFormatPlugin/1.0"

enum class PluginKind { Unknown, Exporter, ModelLoader, QuantFormat };

// "org.quantscope.ExporterPlugin/1.0" -> family "org.quantscope.ExporterPlugin", 1, 0.
struct InterfaceId {
    QString family;
    int major = -1;
    int minor = -1;
    bool isValid() const { return !family.isEmpty() && major >= 0 && minor >= 0; }

    static InterfaceId parse(const QString& iid) {
        InterfaceId id;
        const qsizetype slash = iid.lastIndexOf(u'/');
        if (slash <= 0) return id;
        const QString version = iid.mid(slash + 1);
        const qsizetype dot = version.indexOf(u'.');
        bool okMajor = false, okMinor = false;
        const int major = version.left(dot < 0 ? version.size() : dot).toInt(&okMajor);
        const int minor = dot < 0 ? 0 : version.mid(dot + 1).toInt(&okMinor);
        if (!okMajor || (dot >= 0 && !okMinor) || major < 0 || minor < 0) return id;
        id.family = iid.left(slash);
        id.major = major;
        id.minor = minor;
        return id;
    }
};

inline PluginKind pluginKindOfFamily(const QString& family) {
    if (family == QLatin1String("org.quantscope.ExporterPlugin")) return PluginKind::Exporter;
    if (family == QLatin1String("org.quantscope.ModelLoaderPlugin")) return PluginKind::ModelLoader;
    if (family == QLatin1String("org.quantscope.QuantFormatPlugin")) return PluginKind::QuantFormat;
    return PluginKind::Unknown;
}

// The IID this host implements for a family.
inline QString currentInterfaceId(PluginKind kind) {
    switch (kind) {
    case PluginKind::Exporter:
        return QStringLiteral(QS_EXPORTER_PLUGIN_IID);
    case PluginKind::ModelLoader:
        return QStringLiteral(QS_MODEL_LOADER_PLUGIN_IID);
    case PluginKind::QuantFormat:
        return QStringLiteral(QS_QUANT_FORMAT_PLUGIN_IID);
    case PluginKind::Unknown:
        break;
    }
    return {};
}

// Short family name for tables: "exporter", "model loader", "quant format".
inline QString pluginKindName(PluginKind kind) {
    switch (kind) {
    case PluginKind::Exporter:
        return QStringLiteral("exporter");
    case PluginKind::ModelLoader:
        return QStringLiteral("model loader");
    case PluginKind::QuantFormat:
        return QStringLiteral("quant format");
    case PluginKind::Unknown:
        break;
    }
    return QStringLiteral("unknown");
}

// Keys of the plugin metadata file.
inline constexpr const char* kMetaName = "name";
inline constexpr const char* kMetaVersion = "version";
inline constexpr const char* kMetaDescription = "description";

} // namespace qs::plugin
