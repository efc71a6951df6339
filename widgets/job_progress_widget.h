#pragma once
// The status-bar strip shown while a job runs: what it is doing, a progress bar (busy
// indicator while the fraction is unknown) and a Cancel button. Hidden when idle.
//
//   statusBar()->addPermanentWidget(progress);
//   connect(session, &WorkbenchSession::busyChanged, progress, &JobProgressWidget::setBusy);
//   connect(session, &WorkbenchSession::progressChanged, progress,
//   &JobProgressWidget::setProgress); connect(progress, &JobProgressWidget::cancelRequested,
//   session, &WorkbenchSession::cancel);

#include <QWidget>

class QLabel;
class QProgressBar;
class QToolButton;

class JobProgressWidget : public QWidget {
    Q_OBJECT

public:
    explicit JobProgressWidget(QWidget* parent = nullptr);

public slots:
    void setBusy(bool busy);
    void setTitle(const QString& title);
    // fraction < 0: unknown (busy indicator).
    void setProgress(double fraction, const QString& stage);

signals:
    void cancelRequested();

private:
    QString m_title;
    QLabel* m_label;
    QProgressBar* m_bar;
    QToolButton* m_cancel;
};
