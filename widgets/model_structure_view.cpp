#include "model_structure_view.h"

#include "model_structure_model.h"

#include <QHeaderView>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QTreeView>
#include <QVBoxLayout>

ModelStructureProxy::ModelStructureProxy(QObject* parent) : QSortFilterProxyModel(parent) {
    setSortRole(ModelStructureModel::SortRole);
}

bool ModelStructureProxy::lessThan(const QModelIndex& left, const QModelIndex& right) const {
    const bool leftBlank = !left.data(sortRole()).isValid();
    const bool rightBlank = !right.data(sortRole()).isValid();
    // Descending order sorts by lessThan(right, left): a blank must then be the smallest.
    if (leftBlank != rightBlank) return sortOrder() == Qt::AscendingOrder ? rightBlank : leftBlank;
    if (leftBlank) return false; // equal: the stable sort keeps forward-pass order
    return QSortFilterProxyModel::lessThan(left, right);
}

bool ModelStructureProxy::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
    const QModelIndex name = sourceModel()->index(sourceRow, 0, sourceParent);
    if (!name.data(ModelStructureModel::IsGroupRole).toBool())
        return QSortFilterProxyModel::filterAcceptsRow(sourceRow, sourceParent);
    return name.data(filterRole()).toString().contains(filterRegularExpression());
}

ModelStructureView::ModelStructureView(QWidget* parent)
    : QWidget(parent), m_filter(new QLineEdit(this)), m_proxy(new ModelStructureProxy(this)),
      m_tree(new QTreeView(this)) {
    m_filter->setObjectName(QStringLiteral("tensorFilter"));
    m_filter->setPlaceholderText(tr("Filter tensors (name, role, type, shape, format)…"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setAcceptDrops(false); // a dropped model file is for the window, not the filter

    m_proxy->setRecursiveFilteringEnabled(true);
    m_proxy->setAutoAcceptChildRows(true);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setFilterKeyColumn(-1);
    connect(m_filter, &QLineEdit::textChanged, this, [this](const QString& text) {
        m_proxy->setFilterFixedString(text);
        if (!text.isEmpty()) m_tree->expandAll();
    });
    m_tree->setObjectName(QStringLiteral("structureTree"));
    m_tree->setModel(m_proxy);
    // After setModel: the tree's own reset handling (which forgets expansion) must run first.
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &ModelStructureView::onModelReset);
    m_tree->setSortingEnabled(true);
    m_tree->sortByColumn(ModelStructureModel::NameColumn, Qt::AscendingOrder);
    m_tree->setAlternatingRowColors(true);
    m_tree->setUniformRowHeights(true);
    m_tree->setAllColumnsShowFocus(true);
    m_tree->header()->setStretchLastSection(false);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_filter);
    layout->addWidget(m_tree, 1);
}

void ModelStructureView::setSourceModel(QAbstractItemModel* model) {
    m_proxy->setSourceModel(model);
    onModelReset();
}

void ModelStructureView::onModelReset() {
    // The global tensors and the first block show the model's layout at a glance.
    for (int row = 0; row < qMin(2, m_proxy->rowCount()); ++row)
        m_tree->expand(m_proxy->index(row, 0));
    resizeColumns();
}

void ModelStructureView::resizeColumns() {
    for (int column = 0; column < m_proxy->columnCount(); ++column)
        m_tree->resizeColumnToContents(column);
    // Formats arrive after the reset: leave room for a long name such as "int4_g128_asym".
    const int format = m_tree->fontMetrics().horizontalAdvance(QStringLiteral("int4_g128_asym")) +
                       2 * m_tree->indentation();
    if (m_proxy->columnCount() > ModelStructureModel::FormatColumn &&
        m_tree->columnWidth(ModelStructureModel::FormatColumn) < format)
        m_tree->setColumnWidth(ModelStructureModel::FormatColumn, format);
}
