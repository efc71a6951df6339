#pragma once
// The tensors of a model as a two-level tree for QTreeView: a "Global" group (token embedding,
// output norm, output head) followed by one "Block N" group per transformer block, each holding
// its tensors in file order.
//
//   auto* model = new ModelStructureModel(this);
//   model->setDescription(loadedModel->desc());   // copies what it shows; desc may go away
//   proxy->setSourceModel(model);
//   proxy->setSortRole(ModelStructureModel::SortRole);
//
// Group rows show the sums of their tensors. A tied output head (it shares the embedding's
// data) is listed but counts neither parameters nor bytes in the sums, so the grand total
// equals qs::ModelDesc::parameterCount().

#include <QAbstractItemModel>
#include <QString>

#include <vector>

namespace qs {
struct ModelDesc;
}

class ModelStructureModel : public QAbstractItemModel {
    Q_OBJECT

public:
    enum Column {
        NameColumn,
        RoleColumn,
        TypeColumn,
        ShapeColumn,
        ParametersColumn,
        SizeColumn,
        ColumnCount
    };
    enum ItemRole {
        SortRole = Qt::UserRole + 1, // numbers for numeric columns, forward-pass order for names
        ParameterCountRole,          // quint64: counted parameters (0 for a tied head)
        ByteSizeRole,                // quint64: bytes in the file (0 for a tied head)
        TensorNameRole,              // QString: canonical name; empty for group rows
        IsGroupRole                  // bool
    };

    explicit ModelStructureModel(QObject* parent = nullptr);

    void setDescription(const qs::ModelDesc& desc);
    void clear();

    quint64 totalParameters() const { return m_totalParameters; }
    quint64 totalBytes() const { return m_totalBytes; }

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    struct TensorRow {
        QString name, fileName, role, type, shape, sharedWith;
        int roleOrder = 0;
        quint64 elements = 0; // as stored, also for a tied head
        quint64 parameters = 0;
        quint64 bytes = 0;
    };
    struct Group {
        QString name;
        int order = 0;
        std::vector<TensorRow> tensors;
        quint64 parameters = 0;
        quint64 bytes = 0;
    };

    QVariant groupData(const Group& group, int column, int role) const;
    QVariant tensorData(const TensorRow& tensor, int column, int role) const;

    // Group rows have internalId 0; tensor rows carry their group's row + 1.
    std::vector<Group> m_groups;
    quint64 m_totalParameters = 0;
    quint64 m_totalBytes = 0;
};
