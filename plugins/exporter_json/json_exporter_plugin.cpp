#include "json_exporter_plugin.h"

#include "export/config_export.h"

using namespace qs::plugin;

namespace {

class RecordExporter : public Exporter {
public:
    QString id() const override { return QStringLiteral("json"); }
    QString displayName() const override { return QStringLiteral("QuantScope export record"); }
    QString fileSuffix() const override { return QStringLiteral("json"); }
    QString fileFilter() const override { return QStringLiteral("QuantScope records (*.json)"); }
    QString description() const override {
        return QStringLiteral("Configuration, resolved formats, model and data identity; "
                              "importable with --config");
    }

    // Options: "dataPath", "hash" (default true: SHA-256 of model and data), "appVersion".
    ExportResult exportTo(const ExportRequest& req) const override {
        const qs::ExportRecordInfo info = qs::exportRecordInfo(
            req.model->desc().path,
            req.options.value(QStringLiteral("dataPath")).toString().toStdString(),
            req.options.value(QStringLiteral("appVersion"), QStringLiteral(QS_VERSION))
                .toString()
                .toStdString(),
            req.options.value(QStringLiteral("hash"), true).toBool());
        qs::writeTextFileAtomic(
            req.output,
            qs::exportConfigJson(req.config, req.resolved, req.model->desc(), info).dump(2) + "\n");
        return ExportResult::success(
            QStringLiteral("wrote %1").arg(QString::fromStdString(req.output.string())));
    }
};

} // namespace

std::vector<std::shared_ptr<const Exporter>> JsonExporterPlugin::exporters() const {
    return {std::make_shared<RecordExporter>()};
}
