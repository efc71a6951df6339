#pragma once
// Exports the edited configuration through an exporter plugin (GGUF, llama-quantize command,
// Hugging Face quantization_config, QuantScope JSON record, or any third-party exporter) on a
// worker thread: writing a quantized GGUF of a large model takes a while, and the GUI thread
// never blocks.
//
//   auto* job = new ConfigurationExport(this);
//   connect(job, &ConfigurationExport::finished, this, [](QString summary, QStringList notes) {…});
//   connect(job, &ConfigurationExport::failed, messageBar, &MessageBar::showError);
//   job->start(plugins->exporter("gguf"), model, config, "out.gguf", options);
//
// The exporter writes atomically (SDK contract); a failure names the file and leaves nothing.

#include "quant/quant_config.h"

#include <QFutureWatcher>
#include <QObject>
#include <QStringList>
#include <QVariantMap>

#include <memory>

namespace qs {
class Model;
namespace plugin {
class Exporter;
struct ExportResult;
} // namespace plugin
} // namespace qs

class ConfigurationExport : public QObject {
    Q_OBJECT

public:
    explicit ConfigurationExport(QObject* parent = nullptr);
    ~ConfigurationExport() override;

    // Resolves `config` against the model here (an unresolvable configuration fails at once)
    // and runs the exporter on a worker. Refused with failed() while an export runs.
    void start(std::shared_ptr<const qs::plugin::Exporter> exporter,
               std::shared_ptr<const qs::Model> model, const qs::QuantConfig& config,
               const QString& path, const QVariantMap& options);

signals:
    void finished(const QString& summary, const QStringList& notes);
    void failed(const QString& message);

private:
    struct Outcome {
        bool ok = false;
        QString text; // summary or error
        QStringList notes;
    };
    QFutureWatcher<Outcome> m_watcher;
};
