#pragma once
// The tensor tree with a filter line: a QTreeView on a recursive QSortFilterProxyModel, so
// typing "attn_q" or "Block 3" keeps the matching rows and their groups. Sorting uses
// ModelStructureModel::SortRole (numbers, file order).
//
//   auto* view = new ModelStructureView(this);
//   view->setSourceModel(session->structureModel());

#include <QWidget>

class QAbstractItemModel;
class QLineEdit;
class QSortFilterProxyModel;
class QTreeView;

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

    QLineEdit* m_filter;
    QSortFilterProxyModel* m_proxy;
    QTreeView* m_tree;
};
