#pragma once
// Keeps two selection models over different item models showing the same tensors in step, by
// tensor name: selecting a bar in the bit-width editor selects that tensor in the model tree,
// and the other way round. Rows whose name is not in the other model are ignored.
//
//   new TensorSelectionLink(editor->selectionModel(), QuantConfigModel::TensorNameRole,
//                           tree->selectionModel(), ModelStructureModel::TensorNameRole, this);

#include <QObject>
#include <QPointer>

class QItemSelectionModel;
class QModelIndex;

class TensorSelectionLink : public QObject {
    Q_OBJECT

public:
    TensorSelectionLink(QItemSelectionModel* a, int nameRoleA, QItemSelectionModel* b,
                        int nameRoleB, QObject* parent = nullptr);

private:
    void copy(QItemSelectionModel* from, int fromRole, QItemSelectionModel* to, int toRole);

    QPointer<QItemSelectionModel> m_a, m_b;
    int m_roleA, m_roleB;
    bool m_syncing = false;
};
