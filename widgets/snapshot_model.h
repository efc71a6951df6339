#pragma once
// Saved configurations with their final metrics, side by side: one row per snapshot (name,
// bits per weight, size, PPL, ΔPPL, KLD, top-1 agreement, ECE). A snapshot keeps the whole
// configuration so it can be loaded again (QuantConfigModel::setConfig, undoable).
//
//   snapshots->addSnapshot(tr("int4 protected"), configModel->config(), metrics->current());
//   connect(view, &QTableView::doubleClicked, this, [&](const QModelIndex& i) {
//       configModel->setConfig(snapshots->config(i.row()), tr("Load snapshot"));
//   });

#include "eval_result_value.h"

#include "quant/quant_config.h"

#include <QAbstractTableModel>

#include <vector>

class SnapshotModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column {
        NameColumn,
        BpwColumn,
        SizeColumn,
        PplColumn,
        DeltaPplColumn,
        KlColumn,
        Top1Column,
        EceColumn,
        ColumnCount
    };

    explicit SnapshotModel(QObject* parent = nullptr);

    // `result` should be the exact result of `config`.
    void addSnapshot(const QString& name, const qs::QuantConfig& config, EvalResultPtr result);
    void clear();
    qs::QuantConfig config(int row) const { return m_rows.at(size_t(row)).config; }
    QString name(int row) const { return m_rows.at(size_t(row)).name; }
    EvalResultPtr result(int row) const { return m_rows.at(size_t(row)).result; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role) override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    bool removeRows(int row, int count, const QModelIndex& parent = {}) override;

private:
    struct Snapshot {
        QString name;
        qs::QuantConfig config;
        EvalResultPtr result;
    };
    std::vector<Snapshot> m_rows;
};
