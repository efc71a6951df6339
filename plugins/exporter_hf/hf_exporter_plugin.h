#pragma once
// Exporter plugin with two exporters, "hf-compressed-tensors" and "hf-gptqmodel": the Hugging
// Face quantization_config block describing the configuration (engine/export/hf_quant_config.h).

#include "quantscope/exporter_plugin.h"

#include <QObject>

class HfExporterPlugin : public QObject, public qs::plugin::ExporterPlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID QS_EXPORTER_PLUGIN_IID FILE "exporter_hf.json")
    Q_INTERFACES(qs::plugin::ExporterPlugin)

public:
    std::vector<std::shared_ptr<const qs::plugin::Exporter>> exporters() const override;
};
