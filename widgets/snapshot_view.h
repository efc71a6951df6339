#pragma once
// The snapshot comparison table: sortable columns (through a QSortFilterProxyModel on the
// numeric UserRole), editable names, Delete removes the selected snapshots, and activating a
// row (double-click, Enter) asks for its configuration to be loaded.
//
//   auto* view = new SnapshotView(this);
//   view->setSnapshotModel(snapshots);
//   connect(view, &SnapshotView::loadRequested, this, [&](int row) {...});

#include <QWidget>

class QSortFilterProxyModel;
class QTableView;
class SnapshotModel;

class SnapshotView : public QWidget {
    Q_OBJECT

public:
    explicit SnapshotView(QWidget* parent = nullptr);

    void setSnapshotModel(SnapshotModel* model);
    QTableView* tableView() const { return m_table; }

signals:
    // A row of the SnapshotModel (not of the proxy).
    void loadRequested(int snapshotRow);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    SnapshotModel* m_model = nullptr;
    QSortFilterProxyModel* m_proxy;
    QTableView* m_table;
};
