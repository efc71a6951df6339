#pragma once
// The state behind one workbench window: the loaded model, the evaluation text and the last
// perplexity result. Views read it through the item models and signals below and never call
// the engine; every long step (load, tokenize, evaluate) runs on a JobRunner.
//
//   auto* session = new WorkbenchSession(this);
//   treeView->setModel(session->structureModel());
//   connect(session, &WorkbenchSession::perplexityChanged, panel, &PerplexityPanel::setReport);
//   connect(session, &WorkbenchSession::errorOccurred, messageBar, &MessageBar::showError);
//   session->setTextPath("valid.txt");
//   session->openModel("stories260K/model.bin");   // load, then evaluate (autoEvaluate)
//
// A failed load reports errorOccurred() with the file and reason and leaves the current model
// in place. Opening a model or text while a job runs supersedes the job; results of abandoned
// jobs are dropped.

#include "evaluation_settings.h"
#include "perplexity_report.h"

#include <QObject>
#include <QString>
#include <QVariant>

#include <functional>
#include <memory>

namespace qs {
class Feedback;
class Model;
} // namespace qs
class JobRunner;
class ModelStructureModel;
class ModelSummaryModel;

class WorkbenchSession : public QObject {
    Q_OBJECT

public:
    enum class Activity { Idle, Loading, Evaluating };
    Q_ENUM(Activity)

    explicit WorkbenchSession(QObject* parent = nullptr);
    ~WorkbenchSession() override;

    ModelStructureModel* structureModel() const { return m_structure; }
    ModelSummaryModel* summaryModel() const { return m_summary; }

    bool hasModel() const { return m_model != nullptr; }
    // For engine-side consumers (tests, future analysis jobs); views use the item models.
    std::shared_ptr<const qs::Model> model() const { return m_model; }
    QString modelPath() const { return m_modelPath; }
    QString textPath() const { return m_textPath; }
    PerplexityReport report() const { return m_report; }

    Activity activity() const { return m_activity; }
    bool isBusy() const;

    EvaluationSettings evaluationSettings() const { return m_settings; }
    void setEvaluationSettings(const EvaluationSettings& settings) { m_settings = settings; }
    // Evaluate as soon as both a model and a text are there (default true).
    bool autoEvaluate() const { return m_autoEvaluate; }
    void setAutoEvaluate(bool on) { m_autoEvaluate = on; }

    // True for files opened as evaluation text rather than as a model (.txt, .raw, ...).
    static bool isTextFile(const QString& path);

public slots:
    void openModel(const QString& path);
    void setTextPath(const QString& path);
    // A model file or folder, or a text file, judged by isTextFile().
    void openPath(const QString& path);
    void runPerplexity();
    void cancel();

signals:
    void modelChanged(); // structure and summary models are already updated
    void textPathChanged(const QString& path);
    void perplexityChanged(const PerplexityReport& report); // invalid report: none yet
    void busyChanged(bool busy);
    void jobStarted(const QString& title);
    void progressChanged(double fraction, const QString& stage); // fraction < 0: unknown
    void canceled();
    void errorOccurred(const QString& message);
    void statusMessage(const QString& message);

private:
    void startJob(Activity activity, const QString& title,
                  std::function<QVariant(qs::Feedback&)> work);
    void onJobFinished(quint64 generation, const QVariant& result);
    void onJobFailed(quint64 generation, const QString& message);
    void onJobCanceled(quint64 generation);
    void adoptModel(std::shared_ptr<const qs::Model> model, const QString& path);

    JobRunner* m_runner;
    ModelStructureModel* m_structure;
    ModelSummaryModel* m_summary;

    std::shared_ptr<const qs::Model> m_model;
    QString m_modelPath;
    QString m_pendingModelPath;
    QString m_textPath;
    PerplexityReport m_report;
    EvaluationSettings m_settings;
    bool m_autoEvaluate = true;
    bool m_evaluateAfterLoad = false; // runPerplexity() was asked for during a load

    Activity m_activity = Activity::Idle;
    quint64 m_activeGeneration = 0;
};
