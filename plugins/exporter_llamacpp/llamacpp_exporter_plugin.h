#pragma once
// Exporter plugin "llama-quantize": a shell script with the llama.cpp llama-quantize command
// line that reproduces the configuration from a full-precision GGUF
// (engine/export/llama_quantize.h).

#include "quantscope/exporter_plugin.h"

#include <QObject>

class LlamaCppExporterPlugin : public QObject, public qs::plugin::ExporterPlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID QS_EXPORTER_PLUGIN_IID FILE "exporter_llamacpp.json")
    Q_INTERFACES(qs::plugin::ExporterPlugin)

public:
    std::vector<std::shared_ptr<const qs::plugin::Exporter>> exporters() const override;
};
