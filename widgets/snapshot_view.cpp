#include "snapshot_view.h"

#include "snapshot_model.h"

#include <QHeaderView>
#include <QKeyEvent>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

SnapshotView::SnapshotView(QWidget* parent)
    : QWidget(parent), m_proxy(new QSortFilterProxyModel(this)), m_table(new QTableView(this)) {
    m_proxy->setSortRole(Qt::UserRole);
    m_table->setObjectName(QStringLiteral("snapshotTable"));
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setEditTriggers(QAbstractItemView::EditKeyPressed);
    m_table->verticalHeader()->hide();
    m_table->setAlternatingRowColors(true);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->installEventFilter(this);
    m_table->setToolTip(tr("Double-click a snapshot to load its configuration"));
    connect(m_table, &QAbstractItemView::activated, this, [this](const QModelIndex& index) {
        emit loadRequested(m_proxy->mapToSource(index).row());
    });
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_table);
}

void SnapshotView::setSnapshotModel(SnapshotModel* model) {
    m_model = model;
    m_proxy->setSourceModel(model);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
}

bool SnapshotView::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_table && event->type() == QEvent::KeyPress && m_model &&
        static_cast<QKeyEvent*>(event)->matches(QKeySequence::Delete)) {
        QList<int> rows;
        for (const QModelIndex& index : m_table->selectionModel()->selectedRows())
            rows << m_proxy->mapToSource(index).row();
        std::sort(rows.rbegin(), rows.rend());
        for (int row : rows) m_model->removeRow(row);
        return true;
    }
    return QWidget::eventFilter(watched, event);
}
