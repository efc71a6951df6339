#pragma once
// The live editing loop of one workbench window, without any widget: the configuration being
// edited (QuantConfigModel, with its undo stack), the evaluation of each edit
// (EvaluationController), the metrics it shows (MetricsModel) and the saved snapshots
// (SnapshotModel). It follows a WorkbenchSession: a newly loaded model or text restarts the
// reference pass and resets the configuration.
//
//   LiveEditing live(&session);
//   editor->setModel(live.configModel());
//   panel->setModel(live.metricsModel());
//   live.configModel()->applyProtectFirstLast("int4_g32_sym");   // evaluated at once
//
// Every configuration change marks the metrics stale and submits the configuration; only the
// newest configuration's results reach the metrics model.

#include <QObject>
#include <QString>

class EvaluationController;
class MetricsModel;
class QuantConfigModel;
class SnapshotModel;
class WorkbenchSession;

class LiveEditing : public QObject {
    Q_OBJECT

public:
    explicit LiveEditing(WorkbenchSession* session, QObject* parent = nullptr);

    QuantConfigModel* configModel() const { return m_config; }
    EvaluationController* controller() const { return m_controller; }
    MetricsModel* metricsModel() const { return m_metrics; }
    SnapshotModel* snapshotModel() const { return m_snapshots; }

    // True once the current configuration has its exact result.
    bool hasExactResult() const;
    bool isBusy() const; // reference pass or an evaluation still running

public slots:
    // Rebuilds the evaluator for the session's model and text (also after a cancel).
    void restart();
    void cancel();
    // Saves the current configuration with its exact metrics; reports an error while the
    // result is not exact yet.
    bool saveSnapshot(const QString& name);
    void loadSnapshot(int row);

signals:
    void errorOccurred(const QString& message);
    void statusMessage(const QString& message);
    void busyChanged(bool busy);

private:
    void onModelChanged();

    WorkbenchSession* m_session;
    QuantConfigModel* m_config;
    EvaluationController* m_controller;
    MetricsModel* m_metrics;
    SnapshotModel* m_snapshots;
    bool m_evaluating = false;
};
