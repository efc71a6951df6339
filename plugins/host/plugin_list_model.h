#pragma once
// The PluginManager's records as a table, one row per plugin file:
//
//   Name | Version | Interface | Status | Details | Path
//
// Details is the error for a plugin that is not loaded, else what it provides (and notes about
// skipped ids). The tool tip of every cell tells the whole story (description, IID, error).
// StatusRole gives the PluginStatus as an int, PathRole the file path, for views and tests.
// The model follows PluginManager::recordsChanged(). Qt Core only.

#include <QAbstractTableModel>
#include <QPointer>

class PluginManager;

class PluginListModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column {
        NameColumn,
        VersionColumn,
        InterfaceColumn,
        StatusColumn,
        DetailsColumn,
        PathColumn,
        ColumnCount
    };
    enum Role { StatusRole = Qt::UserRole + 1, PathRole, LoadedRole };

    explicit PluginListModel(PluginManager* manager, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    QPointer<PluginManager> m_manager;
};
