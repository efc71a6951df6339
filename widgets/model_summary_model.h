#pragma once
// Key facts about a loaded model as a two-column (Property, Value) table: format, architecture,
// hyperparameters, parameter count, file size and tokenizer. Rows carry tooltips with detail.
//
//   auto* summary = new ModelSummaryModel(this);
//   summary->setModel(*loadedModel);   // copies what it shows
//   view->setModel(summary);

#include <QAbstractTableModel>
#include <QString>

#include <vector>

namespace qs {
class Model;
}

class ModelSummaryModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { PropertyColumn, ValueColumn, ColumnCount };

    explicit ModelSummaryModel(QObject* parent = nullptr);

    void setModel(const qs::Model& model);
    void clear();
    // The value shown for a property label ("Parameters", ...), empty if there is no such row.
    QString value(const QString& property) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    struct Row {
        QString property, value, toolTip;
    };
    std::vector<Row> m_rows;
};
