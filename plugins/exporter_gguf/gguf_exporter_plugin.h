#pragma once
// Exporter plugin "gguf": a quantized GGUF file llama.cpp loads (engine/export/gguf_export.h).

#include "quantscope/exporter_plugin.h"

#include <QObject>

class GgufExporterPlugin : public QObject, public qs::plugin::ExporterPlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID QS_EXPORTER_PLUGIN_IID FILE "exporter_gguf.json")
    Q_INTERFACES(qs::plugin::ExporterPlugin)

public:
    std::vector<std::shared_ptr<const qs::plugin::Exporter>> exporters() const override;
};
