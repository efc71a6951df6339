#include "plugin_list_model.h"

#include "plugin_manager.h"

namespace {

// What it provides, then its error or notes (a plugin that did not load provides nothing).
QString details(const PluginRecord& r) {
    QStringList parts;
    if (!r.provides.isEmpty()) parts << QStringLiteral("provides ") + r.provides.join(u", ");
    if (!r.error.isEmpty()) parts << r.error;
    return parts.join(QStringLiteral("; "));
}

} // namespace

PluginListModel::PluginListModel(PluginManager* manager, QObject* parent)
    : QAbstractTableModel(parent), m_manager(manager) {
    if (manager)
        connect(manager, &PluginManager::recordsChanged, this, [this] {
            beginResetModel();
            endResetModel();
        });
}

int PluginListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() || !m_manager ? 0 : int(m_manager->records().size());
}

int PluginListModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant PluginListModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || !m_manager || index.row() >= rowCount()) return {};
    const PluginRecord& r = m_manager->records().at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case NameColumn:
            return r.name;
        case VersionColumn:
            return r.version;
        case InterfaceColumn:
            return r.interfaceLabel();
        case StatusColumn:
            return pluginStatusName(r.status);
        case DetailsColumn:
            return details(r);
        case PathColumn:
            return r.path;
        }
        break;
    case Qt::ToolTipRole: {
        QStringList lines;
        if (!r.description.isEmpty()) lines << r.description;
        if (!r.interfaceId.isEmpty()) lines << QStringLiteral("Interface: ") + r.interfaceId;
        lines << QStringLiteral("Status: ") + pluginStatusName(r.status);
        if (const QString d = details(r); !d.isEmpty()) lines << d;
        lines << r.path;
        return lines.join(u'\n');
    }
    case StatusRole:
        return int(r.status);
    case PathRole:
        return r.path;
    case LoadedRole:
        return r.isLoaded();
    }
    return {};
}

QVariant PluginListModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case NameColumn:
        return tr("Name");
    case VersionColumn:
        return tr("Version");
    case InterfaceColumn:
        return tr("Interface");
    case StatusColumn:
        return tr("Status");
    case DetailsColumn:
        return tr("Details");
    case PathColumn:
        return tr("Path");
    }
    return {};
}
