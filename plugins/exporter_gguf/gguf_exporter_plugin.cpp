#include "gguf_exporter_plugin.h"

#include "export/gguf_export.h"

using namespace qs::plugin;

namespace {

class GgufExporter : public Exporter {
public:
    QString id() const override { return QStringLiteral("gguf"); }
    QString displayName() const override { return QStringLiteral("GGUF (llama.cpp)"); }
    QString fileSuffix() const override { return QStringLiteral("gguf"); }
    QString fileFilter() const override { return QStringLiteral("GGUF models (*.gguf)"); }
    QString description() const override {
        return QStringLiteral("Every matrix in its ggml type, quantized with the reference "
                              "codecs, with the source's metadata and vocabulary");
    }

    ExportResult exportTo(const ExportRequest& req) const override {
        qs::GgufExportOptions options;
        options.name = req.options.value(QStringLiteral("name")).toString().toStdString();
        const qs::GgufExportReport r =
            qs::writeQuantizedGguf(*req.model, req.resolved, req.output, options);
        QStringList notes;
        for (const std::string& n : r.notes) notes << QString::fromStdString(n);
        return ExportResult::success(QStringLiteral("wrote %1: %2 tensors, general.file_type %3, "
                                                    "%4 bytes")
                                         .arg(QString::fromStdString(r.path.string()))
                                         .arg(r.types.size())
                                         .arg(r.fileType)
                                         .arg(r.bytes),
                                     notes);
    }
};

} // namespace

std::vector<std::shared_ptr<const Exporter>> GgufExporterPlugin::exporters() const {
    return {std::make_shared<GgufExporter>()};
}
