#pragma once
// Exporter plugins: write a model under a quantization configuration to some target format
// (a file, a script, a config block). One plugin may provide several exporters.
//
//   class MyPlugin : public QObject, public qs::plugin::ExporterPlugin {
//       Q_OBJECT
//       Q_PLUGIN_METADATA(IID QS_EXPORTER_PLUGIN_IID FILE "exporter_my.json")
//       Q_INTERFACES(qs::plugin::ExporterPlugin)
//   public:
//       std::vector<std::shared_ptr<const qs::plugin::Exporter>> exporters() const override;
//   };
//
// The host (PluginManager::runExport) calls exportTo() from any thread, catches whatever it
// throws and reports it as a failed ExportResult.

#include "quantscope/plugin_info.h"

#include "model/model.h"
#include "quant/quant_config.h"

#include <QStringList>
#include <QVariantMap>
#include <QtPlugin>

#include <filesystem>
#include <memory>
#include <vector>

namespace qs::plugin {

struct ExportRequest {
    std::shared_ptr<const qs::Model> model;
    qs::QuantConfig config;      // as edited (for records that carry the configuration)
    qs::ResolvedConfig resolved; // config.resolve(model->desc())
    std::filesystem::path output;
    // Exporter-specific settings; keys an exporter does not know are ignored. The common ones:
    //   "name"        QString  model name written into the file (GGUF general.name)
    //   "input"       QString  llama-quantize: the full-precision GGUF to start from
    //   "threads"     int      llama-quantize: thread count
    //   "dataPath"    QString  record: the evaluation text
    //   "hash"        bool     record: compute SHA-256 of model and data (default true)
    //   "appVersion"  QString  record: version of the application writing it
    QVariantMap options;
};

struct ExportResult {
    bool ok = false;
    QString error;     // when !ok: one line, names the file where one is concerned
    QString summary;   // when ok: "wrote x.gguf: 57 tensors, general.file_type 7, 1.2 MB"
    QStringList notes; // warnings worth showing (vocabulary not embedded, ...)

    static ExportResult success(QString summary, QStringList notes = {}) {
        return {true, {}, std::move(summary), std::move(notes)};
    }
    static ExportResult failure(QString error) { return {false, std::move(error), {}, {}}; }
};

class Exporter {
public:
    virtual ~Exporter() = default;
    virtual QString id() const = 0;          // stable, lower case: "gguf", "hf-gptqmodel"
    virtual QString displayName() const = 0; // "GGUF (llama.cpp)"
    virtual QString fileSuffix() const = 0;  // default suffix without dot: "gguf"
    virtual QString fileFilter() const = 0;  // QFileDialog filter: "GGUF models (*.gguf)"
    virtual QString description() const { return {}; }
    // Writes request.output. Returns a failed result or throws (qs::Error) on an error; must
    // leave no partial file behind.
    virtual ExportResult exportTo(const ExportRequest& request) const = 0;
};

class ExporterPlugin {
public:
    virtual ~ExporterPlugin() = default;
    // Called once after loading; the exporters live as long as the plugin (never unloaded).
    virtual std::vector<std::shared_ptr<const Exporter>> exporters() const = 0;
};

} // namespace qs::plugin

Q_DECLARE_INTERFACE(qs::plugin::ExporterPlugin, QS_EXPORTER_PLUGIN_IID)
