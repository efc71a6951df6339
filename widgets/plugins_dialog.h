#pragma once
// Help > Plugins: every plugin file the PluginManager found, with name, version, interface,
// status and the error or what it provides, and the folders searched. "Rescan" picks up files
// added since (PluginManager::loadAll()); plugins are never unloaded.
//
//   auto* dialog = new PluginsDialog(pluginManager, this);
//   dialog->setAttribute(Qt::WA_DeleteOnClose);
//   dialog->show();

#include <QDialog>

class PluginListModel;
class PluginManager;
class QLabel;
class QTableView;

class PluginsDialog : public QDialog {
    Q_OBJECT

public:
    explicit PluginsDialog(PluginManager* manager, QWidget* parent = nullptr);

    QTableView* table() const { return m_table; }
    PluginListModel* model() const { return m_model; }

private:
    void updateSummary();

    PluginManager* m_manager;
    PluginListModel* m_model;
    QTableView* m_table;
    QLabel* m_summary;
};
