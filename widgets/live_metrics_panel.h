#pragma once
// Shows a MetricsModel: a status line ("Estimate · 7/28 windows", "Exact · 28/28 windows",
// "updating…"), a thin convergence bar and the metrics table. Values of a previous configuration
// (MetricsModel::StaleRole) are drawn in the palette's disabled text colour, in italics.
//
//   auto* panel = new LiveMetricsPanel(this);
//   panel->setModel(metricsModel);

#include <QWidget>

class MetricsModel;
class QLabel;
class QProgressBar;
class QTableView;

class LiveMetricsPanel : public QWidget {
    Q_OBJECT

public:
    explicit LiveMetricsPanel(QWidget* parent = nullptr);

    void setModel(MetricsModel* model);
    MetricsModel* model() const { return m_model; }
    QString statusText() const;
    QTableView* tableView() const { return m_table; }
    QProgressBar* convergenceBar() const { return m_bar; }

private:
    void updateStatus();

    MetricsModel* m_model = nullptr;
    QLabel* m_status;
    QProgressBar* m_bar;
    QTableView* m_table;
};
