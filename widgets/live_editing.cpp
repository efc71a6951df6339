#include "live_editing.h"

#include "evaluation_controller.h"
#include "metrics_model.h"
#include "quant_config_model.h"
#include "snapshot_model.h"
#include "workbench_session.h"

#include "model/model.h"

LiveEditing::LiveEditing(WorkbenchSession* session, QObject* parent)
    : QObject(parent), m_session(session), m_config(new QuantConfigModel(this)),
      m_controller(new EvaluationController(this)), m_metrics(new MetricsModel(this)),
      m_snapshots(new SnapshotModel(this)) {
    connect(session, &WorkbenchSession::modelChanged, this, &LiveEditing::onModelChanged);
    connect(session, &WorkbenchSession::textPathChanged, this, [this] {
        if (m_session->hasModel() && m_session->activity() != WorkbenchSession::Activity::Loading)
            restart();
    });
    connect(m_config, &QuantConfigModel::configChanged, this, [this](const qs::QuantConfig& c) {
        m_metrics->markStale();
        m_evaluating = true;
        emit busyChanged(true);
        m_controller->submit(c);
    });
    connect(m_controller, &EvaluationController::referenceReady, m_metrics,
            &MetricsModel::setReference);
    connect(m_controller, &EvaluationController::resultUpdated, this,
            [this](quint64 generation, EvalResultPtr result, bool final) {
                m_metrics->setResult(generation, result, final);
                if (final && m_evaluating) {
                    m_evaluating = false;
                    emit busyChanged(isBusy());
                }
            });
    connect(m_controller, &EvaluationController::busyChanged, this,
            [this] { emit busyChanged(isBusy()); });
    connect(m_controller, &EvaluationController::preparationFailed, this,
            [this](const QString& message) {
                m_metrics->clear();
                m_evaluating = false;
                emit errorOccurred(tr("Live evaluation is unavailable: %1").arg(message));
            });
    connect(m_controller, &EvaluationController::preparationCanceled, this, [this] {
        m_metrics->clear();
        m_evaluating = false;
        emit statusMessage(tr("Reference pass canceled (Evaluate → Run restarts it)"));
    });
    connect(m_controller, &EvaluationController::evaluationFailed, this,
            [this](quint64, const QString& message) {
                m_evaluating = false;
                emit busyChanged(isBusy());
                emit errorOccurred(tr("Evaluation failed: %1").arg(message));
            });
}

bool LiveEditing::hasExactResult() const {
    return m_metrics->status() == MetricsModel::Status::Exact && !m_metrics->isStale();
}

bool LiveEditing::isBusy() const {
    return m_controller->isPreparing() || m_evaluating;
}

void LiveEditing::onModelChanged() {
    // Prepare first: the configuration reset below is then submitted once the reference is ready.
    restart();
    m_config->setModelDescription(m_session->model()->desc());
    m_snapshots->clear(); // their configurations name the previous model's tensors
}

void LiveEditing::restart() {
    if (!m_session->hasModel() || m_session->textPath().isEmpty()) return;
    m_metrics->setPreparing();
    m_controller->prepare(m_session->model(), m_session->textPath());
    if (m_config->hasModel()) {
        m_evaluating = true;
        m_controller->submit(m_config->config());
    }
}

void LiveEditing::cancel() {
    m_controller->cancel();
    if (m_evaluating) {
        m_evaluating = false;
        m_metrics->markStale();
    }
    emit busyChanged(isBusy());
}

bool LiveEditing::saveSnapshot(const QString& name) {
    if (!hasExactResult()) {
        emit errorOccurred(tr("The snapshot needs the exact metrics of the current "
                              "configuration; wait until the evaluation finished."));
        return false;
    }
    m_snapshots->addSnapshot(name, m_config->config(), m_metrics->current());
    emit statusMessage(tr("Saved snapshot “%1”").arg(name));
    return true;
}

void LiveEditing::loadSnapshot(int row) {
    if (row < 0 || row >= m_snapshots->rowCount()) return;
    try {
        m_config->setConfig(m_snapshots->config(row),
                            tr("Load snapshot %1").arg(m_snapshots->name(row)));
    } catch (const std::exception& e) {
        emit errorOccurred(tr("Could not load the snapshot: %1").arg(QString::fromUtf8(e.what())));
    }
}
