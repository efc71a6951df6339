#pragma once
// Shows a PerplexityReport: the perplexity with its 95% confidence interval as the headline,
// then mean NLL, scored tokens, throughput, protocol, context and text. An invalid report
// shows a hint on how to get one.
//
//   connect(session, &WorkbenchSession::perplexityChanged, panel, &PerplexityPanel::setReport);

#include "perplexity_report.h"

#include <QGroupBox>

class QFormLayout;
class QLabel;
class QStackedWidget;

class PerplexityPanel : public QGroupBox {
    Q_OBJECT

public:
    explicit PerplexityPanel(QWidget* parent = nullptr);

    PerplexityReport report() const { return m_report; }
    // The headline as shown ("3.8505"), empty while there is no report.
    QString headline() const;

public slots:
    void setReport(const PerplexityReport& report);
    // The running job's title, or empty when idle. While a job runs the numbers shown may
    // belong to an older run, so the panel says what is going on.
    void setRunningJob(const QString& title);

private:
    void updatePlaceholder();
    QLabel* addRow(QFormLayout* form, const QString& label);

    PerplexityReport m_report;
    QString m_runningJob;
    QStackedWidget* m_stack;
    QLabel* m_placeholder;
    QLabel* m_ppl;
    QLabel* m_interval;
    QLabel* m_nll;
    QLabel* m_scored;
    QLabel* m_throughput;
    QLabel* m_protocol;
    QLabel* m_context;
    QLabel* m_text;
    QLabel* m_busyNote;
};
