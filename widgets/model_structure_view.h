#pragma once
// The tensor tree with a filter line: a QTreeView on a recursive ModelStructureProxy, so
// typing "attn_q", "q4_0" or "Block 3" keeps the matching rows, their groups and (for a
// matching group) all its tensors. Sorting uses ModelStructureModel::SortRole (numbers, file
// order); blank numbers (not measured, not applicable) sort last in both directions.
//
//   auto* view = new ModelStructureView(this);
//   view->setSourceModel(session->structureModel());

#include <QSortFilterProxyModel>
#include <QWidget>

class QAbstractItemModel;
class QLineEdit;
class QTreeView;

// Sorts by ModelStructureModel::SortRole with invalid values (blanks) after every valid one,
// whichever the sort order. The filter matches a group row by its name only (a matching group
// keeps all its tensors), so "q8_0" lists the q8_0 tensors rather than every block that has
// one.
class ModelStructureProxy : public QSortFilterProxyModel {
    Q_OBJECT

public:
    explicit ModelStructureProxy(QObject* parent = nullptr);

protected:
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;
};

class ModelStructureView : public QWidget {
    Q_OBJECT

public:
    explicit ModelStructureView(QWidget* parent = nullptr);

    void setSourceModel(QAbstractItemModel* model);
    QTreeView* treeView() const { return m_tree; }
    QLineEdit* filterEdit() const { return m_filter; }
    QSortFilterProxyModel* proxyModel() const { return m_proxy; }

private:
    void onModelReset();
    void resizeColumns();

    QLineEdit* m_filter;
    QSortFilterProxyModel* m_proxy;
    QTreeView* m_tree;
};
