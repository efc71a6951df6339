#include "hf_exporter_plugin.h"

#include "export/config_export.h"
#include "export/hf_quant_config.h"

using namespace qs::plugin;

namespace {

class HfConfigExporter : public Exporter {
public:
    enum class Flavour { CompressedTensors, GptqModel };
    explicit HfConfigExporter(Flavour f) : m_flavour(f) {}

    QString id() const override {
        return m_flavour == Flavour::GptqModel ? QStringLiteral("hf-gptqmodel")
                                               : QStringLiteral("hf-compressed-tensors");
    }
    QString displayName() const override {
        return m_flavour == Flavour::GptqModel
                   ? QStringLiteral("Hugging Face quantization_config (GPTQModel)")
                   : QStringLiteral("Hugging Face quantization_config (compressed-tensors)");
    }
    QString fileSuffix() const override { return QStringLiteral("json"); }
    QString fileFilter() const override { return QStringLiteral("JSON files (*.json)"); }
    QString description() const override {
        return m_flavour == Flavour::GptqModel
                   ? QStringLiteral("Global bits/group size with dynamic per-module overrides")
                   : QStringLiteral("One config group per weight scheme, regex targets, ignore "
                                    "list (llm-compressor, vLLM)");
    }

    ExportResult exportTo(const ExportRequest& req) const override {
        const nlohmann::json q = m_flavour == Flavour::GptqModel
                                     ? qs::gptqModelConfig(req.model->desc(), req.resolved)
                                     : qs::compressedTensorsConfig(req.model->desc(), req.resolved);
        qs::writeTextFileAtomic(req.output,
                                nlohmann::json{{"quantization_config", q}}.dump(2) + "\n");
        return ExportResult::success(
            QStringLiteral("wrote %1").arg(QString::fromStdString(req.output.string())));
    }

private:
    Flavour m_flavour;
};

} // namespace

std::vector<std::shared_ptr<const Exporter>> HfExporterPlugin::exporters() const {
    return {std::make_shared<HfConfigExporter>(HfConfigExporter::Flavour::CompressedTensors),
            std::make_shared<HfConfigExporter>(HfConfigExporter::Flavour::GptqModel)};
}
