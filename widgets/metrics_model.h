#pragma once
// The live metrics as a table — one row per metric, columns "Full precision" and "Current" —
// fed by EvaluationController. It knows which configuration its current values belong to: after
// markStale() (the configuration changed) the old values are flagged StaleRole until a result of
// a newer generation arrives, so a view can grey them and never present them as current.
//
//   connect(controller, &EvaluationController::referenceReady, metrics,
//   &MetricsModel::setReference); connect(controller, &EvaluationController::resultUpdated,
//   metrics, &MetricsModel::setResult); connect(configModel, &QuantConfigModel::configChanged,
//   metrics, &MetricsModel::markStale);

#include "eval_result_value.h"

#include <QAbstractTableModel>

class MetricsModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Row {
        PplRow,
        DeltaPplRow,
        KlRow,
        KlP99Row,
        Top1Row,
        EceRow,
        EceTStarRow,
        BrierRow,
        BpwRow,
        SizeRow,
        RowCount
    };
    enum Column { NameColumn, ReferenceColumn, CurrentColumn, ColumnCount };
    enum ItemRole { StaleRole = Qt::UserRole + 1 };
    enum class Status { Empty, Preparing, Updating, Estimate, Exact };
    Q_ENUM(Status)

    explicit MetricsModel(QObject* parent = nullptr);

    Status status() const { return m_status; }
    bool isStale() const { return m_stale; }
    EvalResultPtr current() const { return m_current; }
    EvalResultPtr reference() const { return m_reference; }
    quint64 currentGeneration() const { return m_current ? m_current->generation : 0; }
    // "7/28 windows" for an estimate, "28/28 windows" when exact; empty without a result.
    QString convergenceText() const;
    // One line for the panel's header ("Exact", "Estimate 7/28 windows", "updating…").
    QString statusText() const;
    QString currentText(Row row) const { return cellText(row, CurrentColumn); }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

public slots:
    void clear();
    void setPreparing();
    void setReference(EvalResultPtr reference);
    // The configuration changed: current values no longer describe it.
    void markStale();
    void setResult(quint64 generation, EvalResultPtr result, bool final);

signals:
    void statusChanged();

private:
    QString cellText(int row, int column) const;
    void setStatus(Status status);

    EvalResultPtr m_reference, m_current;
    Status m_status = Status::Empty;
    bool m_stale = false;
};
