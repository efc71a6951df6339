#pragma once
// Exporter plugin "json": the QuantScope export record, the configuration with what it was
// made for (engine/export/config_export.h, docs/export_formats.md).

#include "quantscope/exporter_plugin.h"

#include <QObject>

class JsonExporterPlugin : public QObject, public qs::plugin::ExporterPlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID QS_EXPORTER_PLUGIN_IID FILE "exporter_json.json")
    Q_INTERFACES(qs::plugin::ExporterPlugin)

public:
    std::vector<std::shared_ptr<const qs::plugin::Exporter>> exporters() const override;
};
