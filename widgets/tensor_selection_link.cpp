#include "tensor_selection_link.h"

#include <QAbstractItemModel>
#include <QItemSelectionModel>
#include <QSet>

namespace {

// Every index (column 0, whole tree) whose name is in `names`.
void collect(const QAbstractItemModel* model, const QModelIndex& parent, int role,
             const QSet<QString>& names, const QString& currentName, QItemSelection& selection,
             QModelIndex& current) {
    for (int row = 0; row < model->rowCount(parent); ++row) {
        const QModelIndex index = model->index(row, 0, parent);
        const QString name = index.data(role).toString();
        if (!name.isEmpty() && names.contains(name)) selection.select(index, index);
        if (!name.isEmpty() && name == currentName) current = index;
        collect(model, index, role, names, currentName, selection, current);
    }
}

} // namespace

TensorSelectionLink::TensorSelectionLink(QItemSelectionModel* a, int nameRoleA,
                                         QItemSelectionModel* b, int nameRoleB, QObject* parent)
    : QObject(parent), m_a(a), m_b(b), m_roleA(nameRoleA), m_roleB(nameRoleB) {
    connect(a, &QItemSelectionModel::selectionChanged, this, [this] {
        if (m_a && m_b) copy(m_a, m_roleA, m_b, m_roleB);
    });
    connect(b, &QItemSelectionModel::selectionChanged, this, [this] {
        if (m_a && m_b) copy(m_b, m_roleB, m_a, m_roleA);
    });
}

void TensorSelectionLink::copy(QItemSelectionModel* from, int fromRole, QItemSelectionModel* to,
                               int toRole) {
    if (m_syncing || !from->model() || !to->model()) return;
    m_syncing = true; // the change below would echo back otherwise
    QSet<QString> names;
    for (const QModelIndex& index : from->selectedIndexes())
        if (index.column() == 0) names.insert(index.data(fromRole).toString());
    const QString currentName = from->currentIndex().siblingAtColumn(0).data(fromRole).toString();
    QItemSelection selection;
    QModelIndex current;
    collect(to->model(), {}, toRole, names, currentName, selection, current);
    to->select(selection, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    if (current.isValid()) to->setCurrentIndex(current, QItemSelectionModel::NoUpdate);
    m_syncing = false;
}
