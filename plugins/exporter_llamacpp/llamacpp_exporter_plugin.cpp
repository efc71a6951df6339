#include "llamacpp_exporter_plugin.h"

#include "export/config_export.h"
#include "export/llama_quantize.h"

using namespace qs::plugin;

namespace {

class LlamaQuantizeExporter : public Exporter {
public:
    QString id() const override { return QStringLiteral("llama-quantize"); }
    QString displayName() const override { return QStringLiteral("llama-quantize command"); }
    QString fileSuffix() const override { return QStringLiteral("sh"); }
    QString fileFilter() const override { return QStringLiteral("Shell scripts (*.sh)"); }
    QString description() const override {
        return QStringLiteral("The llama-quantize invocation reproducing the configuration "
                              "from a full-precision GGUF");
    }

    // Options: "input" (full-precision GGUF), "imatrix", "threads", "executable".
    ExportResult exportTo(const ExportRequest& req) const override {
        qs::LlamaQuantizeOptions o;
        o.input = req.options.value(QStringLiteral("input")).toString().toStdString();
        o.imatrix = req.options.value(QStringLiteral("imatrix")).toString().toStdString();
        o.threads = req.options.value(QStringLiteral("threads"), 0).toInt();
        if (const QString exe = req.options.value(QStringLiteral("executable")).toString();
            !exe.isEmpty())
            o.executable = exe.toStdString();
        const qs::LlamaQuantizeCommand c =
            qs::llamaQuantizeCommand(req.model->desc(), req.resolved, o);
        QStringList notes;
        for (const std::string& n : c.notes) notes << QString::fromStdString(n);
        qs::writeTextFileAtomic(req.output, c.script(req.model->desc().path));
        return ExportResult::success(QStringLiteral("wrote %1: llama-quantize ... %2")
                                         .arg(QString::fromStdString(req.output.string()),
                                              QString::fromStdString(c.baseType)),
                                     notes);
    }
};

} // namespace

std::vector<std::shared_ptr<const Exporter>> LlamaCppExporterPlugin::exporters() const {
    return {std::make_shared<LlamaQuantizeExporter>()};
}
