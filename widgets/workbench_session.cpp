#include "workbench_session.h"

#include "evaluation_jobs.h"
#include "formatting.h"
#include "job_runner.h"
#include "model_structure_model.h"
#include "model_summary_model.h"

#include "model/model.h"

#include <QDir>
#include <QFileInfo>

namespace {

QString absolute(const QString& path) {
    return QDir::cleanPath(QFileInfo(path).absoluteFilePath());
}

} // namespace

WorkbenchSession::WorkbenchSession(QObject* parent)
    : QObject(parent), m_runner(new JobRunner(this)), m_structure(new ModelStructureModel(this)),
      m_summary(new ModelSummaryModel(this)) {
    connect(m_runner, &JobRunner::progressChanged, this, &WorkbenchSession::progressChanged);
    connect(m_runner, &JobRunner::runningChanged, this, &WorkbenchSession::busyChanged);
    connect(m_runner, &JobRunner::started, this,
            [this](quint64, const QString& title) { emit jobStarted(title); });
    connect(m_runner, &JobRunner::finished, this, &WorkbenchSession::onJobFinished);
    connect(m_runner, &JobRunner::failed, this, &WorkbenchSession::onJobFailed);
    connect(m_runner, &JobRunner::canceled, this, &WorkbenchSession::onJobCanceled);
}

WorkbenchSession::~WorkbenchSession() = default;

bool WorkbenchSession::isBusy() const {
    return m_runner->isRunning();
}

bool WorkbenchSession::isTextFile(const QString& path) {
    static const QStringList kSuffixes = {QStringLiteral("txt"), QStringLiteral("raw"),
                                          QStringLiteral("text"), QStringLiteral("md")};
    const QFileInfo info(path);
    return !info.isDir() && kSuffixes.contains(info.suffix().toLower());
}

void WorkbenchSession::openModel(const QString& path) {
    const QString modelPath = absolute(path);
    m_pendingModelPath = modelPath;
    m_evaluateAfterLoad = false;
    startJob(Activity::Loading, tr("Loading %1").arg(formatShortPath(modelPath)),
             [modelPath](qs::Feedback& feedback) {
                 return QVariant::fromValue(loadModelJob(modelPath, feedback));
             });
}

void WorkbenchSession::setTextPath(const QString& path) {
    m_textPath = absolute(path);
    emit textPathChanged(m_textPath);
    // While a model loads, the evaluation follows the load instead of superseding it.
    if (m_autoEvaluate && m_model && m_activity != Activity::Loading) runPerplexity();
}

void WorkbenchSession::openPath(const QString& path) {
    if (isTextFile(path))
        setTextPath(path);
    else
        openModel(path);
}

void WorkbenchSession::runPerplexity() {
    if (m_textPath.isEmpty()) {
        emit errorOccurred(tr("Open an evaluation text first (File → Open Text…)."));
        return;
    }
    if (m_activity == Activity::Loading) {
        // Evaluating the old model now would supersede the load; evaluate the new one instead.
        m_evaluateAfterLoad = true;
        return;
    }
    if (!m_model) {
        emit errorOccurred(tr("Open a model before evaluating perplexity."));
        return;
    }
    startJob(Activity::Evaluating, tr("Perplexity on %1").arg(QFileInfo(m_textPath).fileName()),
             [model = m_model, modelPath = m_modelPath, textPath = m_textPath,
              settings = m_settings](qs::Feedback& feedback) {
                 return QVariant::fromValue(
                     perplexityJob(model, modelPath, textPath, settings, feedback));
             });
}

void WorkbenchSession::cancel() {
    m_runner->cancel();
}

void WorkbenchSession::startJob(Activity activity, const QString& title,
                                std::function<QVariant(qs::Feedback&)> work) {
    m_activity = activity;
    m_activeGeneration = m_runner->start(title, std::move(work));
}

void WorkbenchSession::onJobFinished(quint64 generation, const QVariant& result) {
    if (generation != m_activeGeneration) return;
    const Activity done = m_activity;
    m_activity = Activity::Idle;
    m_activeGeneration = 0;

    if (done == Activity::Loading) {
        adoptModel(result.value<ModelHandle>(), m_pendingModelPath);
        if ((m_autoEvaluate || m_evaluateAfterLoad) && !m_textPath.isEmpty()) runPerplexity();
        m_evaluateAfterLoad = false;
    } else if (done == Activity::Evaluating) {
        m_report = result.value<PerplexityReport>();
        m_report.generation = generation;
        emit perplexityChanged(m_report);
        emit statusMessage(tr("Perplexity %1 on %2")
                               .arg(displayLocale().toString(m_report.ppl, 'f', 4),
                                    QFileInfo(m_report.textPath).fileName()));
    }
}

void WorkbenchSession::adoptModel(std::shared_ptr<const qs::Model> model, const QString& path) {
    m_model = std::move(model);
    m_modelPath = path;
    m_structure->setDescription(m_model->desc());
    m_summary->setModel(*m_model);
    m_report = {};
    emit modelChanged();
    emit perplexityChanged(m_report);
    emit statusMessage(
        tr("Loaded %1: %2 parameters")
            .arg(formatShortPath(path), formatCount(m_model->desc().parameterCount())));
}

void WorkbenchSession::onJobFailed(quint64 generation, const QString& message) {
    if (generation != m_activeGeneration) return;
    const Activity failed = m_activity;
    m_activity = Activity::Idle;
    m_activeGeneration = 0;
    m_evaluateAfterLoad = false;
    emit errorOccurred(failed == Activity::Loading ? tr("Could not open the model: %1").arg(message)
                                                   : tr("Perplexity failed: %1").arg(message));
}

void WorkbenchSession::onJobCanceled(quint64 generation) {
    if (generation != m_activeGeneration) return;
    const Activity canceledActivity = m_activity;
    m_activity = Activity::Idle;
    m_activeGeneration = 0;
    m_evaluateAfterLoad = false;
    emit canceled();
    emit statusMessage(canceledActivity == Activity::Loading ? tr("Loading canceled")
                                                             : tr("Evaluation canceled"));
}
