#include "live_metrics_panel.h"

#include "metrics_model.h"

#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QVBoxLayout>

namespace {

// Greys and italicises values that belong to a previous configuration.
class StaleDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;

protected:
    void initStyleOption(QStyleOptionViewItem* option, const QModelIndex& index) const override {
        QStyledItemDelegate::initStyleOption(option, index);
        if (!index.data(MetricsModel::StaleRole).toBool()) return;
        const QColor grey = option->palette.color(QPalette::Disabled, QPalette::Text);
        option->palette.setColor(QPalette::Text, grey);
        option->palette.setColor(QPalette::HighlightedText, grey);
        option->font.setItalic(true);
    }
};

} // namespace

LiveMetricsPanel::LiveMetricsPanel(QWidget* parent)
    : QWidget(parent), m_status(new QLabel(this)), m_bar(new QProgressBar(this)),
      m_table(new QTableView(this)) {
    m_status->setObjectName(QStringLiteral("metricsStatus"));
    m_bar->setObjectName(QStringLiteral("convergenceBar"));
    m_bar->setTextVisible(false);
    m_bar->setMaximumHeight(fontMetrics().height() / 3 + 2); // a thin strip, not a job bar
    m_table->setObjectName(QStringLiteral("metricsTable"));
    m_table->setItemDelegate(new StaleDelegate(m_table));
    m_table->verticalHeader()->hide();
    m_table->setSelectionMode(QAbstractItemView::NoSelection);
    m_table->setFocusPolicy(Qt::NoFocus);
    m_table->setAlternatingRowColors(true);
    m_table->setShowGrid(false);
    m_table->setWordWrap(false);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_status);
    layout->addWidget(m_bar);
    layout->addWidget(m_table, 1);
    updateStatus();
}

void LiveMetricsPanel::setModel(MetricsModel* model) {
    m_model = model;
    m_table->setModel(model);
    m_table->horizontalHeader()->setSectionResizeMode(MetricsModel::NameColumn,
                                                      QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(MetricsModel::ReferenceColumn,
                                                      QHeaderView::Stretch);
    m_table->horizontalHeader()->setSectionResizeMode(MetricsModel::CurrentColumn,
                                                      QHeaderView::Stretch);
    connect(model, &MetricsModel::statusChanged, this, &LiveMetricsPanel::updateStatus);
    connect(model, &QAbstractItemModel::dataChanged, this, &LiveMetricsPanel::updateStatus);
    updateStatus();
}

QString LiveMetricsPanel::statusText() const {
    return m_status->text();
}

void LiveMetricsPanel::updateStatus() {
    if (!m_model) {
        m_status->setText(tr("No model"));
        m_bar->setRange(0, 1);
        m_bar->setValue(0);
        return;
    }
    m_status->setText(m_model->statusText());
    QFont font = m_status->font();
    font.setBold(m_model->status() == MetricsModel::Status::Exact);
    font.setItalic(m_model->isStale());
    m_status->setFont(font);
    const EvalResultPtr current = m_model->current();
    switch (m_model->status()) {
    case MetricsModel::Status::Preparing:
    case MetricsModel::Status::Updating:
        m_bar->setRange(0, 0); // busy indicator: nothing for this configuration yet
        break;
    default:
        m_bar->setRange(0, current ? int(current->windowsTotal) : 1);
        m_bar->setValue(current ? int(current->windowsDone) : 0);
    }
}
