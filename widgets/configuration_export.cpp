#include "configuration_export.h"

#include "plugin_manager.h"

#include "model/model.h"

#include <QtConcurrent/QtConcurrentRun>

ConfigurationExport::ConfigurationExport(QObject* parent) : QObject(parent) {
    connect(&m_watcher, &QFutureWatcher<Outcome>::finished, this, [this] {
        const Outcome o = m_watcher.result();
        if (o.ok)
            emit finished(o.text, o.notes);
        else
            emit failed(o.text);
    });
}

ConfigurationExport::~ConfigurationExport() {
    m_watcher.waitForFinished();
}

void ConfigurationExport::start(std::shared_ptr<const qs::plugin::Exporter> exporter,
                                std::shared_ptr<const qs::Model> model,
                                const qs::QuantConfig& config, const QString& path,
                                const QVariantMap& options) {
    if (m_watcher.isRunning()) {
        emit failed(
            tr("%1: another export is still running; try again when it is done.").arg(path));
        return;
    }
    if (!exporter || !model) {
        emit failed(tr("%1: nothing to export (no model or no exporter)").arg(path));
        return;
    }
    qs::plugin::ExportRequest request;
    request.model = std::move(model);
    request.config = config;
    try {
        request.resolved = config.resolve(request.model->desc());
    } catch (const std::exception& e) {
        emit failed(path + QStringLiteral(": ") + QString::fromStdString(e.what()));
        return;
    }
    request.output = path.toStdString();
    request.options = options;
    m_watcher.setFuture(QtConcurrent::run([exporter, request]() -> Outcome {
        const qs::plugin::ExportResult r = PluginManager::runExport(*exporter, request);
        const QString path = QString::fromStdString(request.output.string());
        // Exporters usually name the file; make sure the message does.
        const QString error = r.ok || r.error.contains(path) ? r.error : path + ": " + r.error;
        return {r.ok, r.ok ? r.summary : error, r.notes};
    }));
}
