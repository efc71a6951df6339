#include "plugins_dialog.h"

#include "plugin_list_model.h"
#include "plugin_manager.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

PluginsDialog::PluginsDialog(PluginManager* manager, QWidget* parent)
    : QDialog(parent), m_manager(manager), m_model(new PluginListModel(manager, this)),
      m_table(new QTableView(this)), m_summary(new QLabel(this)) {
    setWindowTitle(tr("Plugins"));
    setObjectName(QStringLiteral("pluginsDialog"));

    m_table->setObjectName(QStringLiteral("pluginTable"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setAlternatingRowColors(true);

    m_summary->setObjectName(QStringLiteral("pluginSummary"));
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setWordWrap(true);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    QPushButton* rescan = buttons->addButton(tr("&Rescan"), QDialogButtonBox::ActionRole);
    rescan->setToolTip(tr("Look for plugin files added to the plugin folders since"));
    connect(rescan, &QPushButton::clicked, this, [this] {
        if (m_manager) m_manager->loadAll();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_summary);
    layout->addWidget(buttons);

    connect(m_model, &QAbstractItemModel::modelReset, this, &PluginsDialog::updateSummary);
    updateSummary();
    resize(980, 420);
}

void PluginsDialog::updateSummary() {
    m_table->resizeColumnsToContents();
    if (!m_manager) {
        m_summary->setText(tr("No plugin manager."));
        return;
    }
    QStringList folders;
    for (const QString& p : m_manager->searchPaths())
        folders << (QFileInfo(p).isDir() ? QDir::toNativeSeparators(p)
                                         : tr("%1 (missing)").arg(QDir::toNativeSeparators(p)));
    m_summary->setText(tr("%1 of %n plugin file(s) loaded. Folders searched, first wins: %2",
                          nullptr, int(m_manager->records().size()))
                           .arg(m_manager->loadedCount())
                           .arg(folders.join(QStringLiteral("; "))));
}
