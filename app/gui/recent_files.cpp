#include "recent_files.h"

#include "formatting.h"

#include <QFileInfo>
#include <QMenu>
#include <QSettings>

namespace {
constexpr int kMaxEntries = 10;
const char* const kKey = "recentFiles";
} // namespace

RecentFiles::RecentFiles(QMenu* menu, QObject* parent) : QObject(parent), m_menu(menu) {
    m_files = QSettings().value(QLatin1String(kKey)).toStringList();
    rebuildMenu();
}

void RecentFiles::add(const QString& path) {
    if (path.isEmpty()) return;
    m_files.removeAll(path);
    m_files.prepend(path);
    while (m_files.size() > kMaxEntries) m_files.removeLast();
    save();
    rebuildMenu();
}

void RecentFiles::clear() {
    m_files.clear();
    save();
    rebuildMenu();
}

void RecentFiles::save() {
    QSettings().setValue(QLatin1String(kKey), m_files);
}

void RecentFiles::rebuildMenu() {
    m_menu->clear();
    for (int i = 0; i < m_files.size(); ++i) {
        const QString path = m_files.at(i);
        const QFileInfo info(path);
        const QString label = i < 9 ? QStringLiteral("&%1 %2").arg(i + 1).arg(formatShortPath(path))
                                    : formatShortPath(path);
        QAction* action = m_menu->addAction(label, this, [this, path] { emit fileChosen(path); });
        action->setToolTip(path);
        action->setEnabled(info.exists()); // a moved file would only produce an error
    }
    if (!m_files.isEmpty()) m_menu->addSeparator();
    QAction* clearAction = m_menu->addAction(tr("Clear List"), this, &RecentFiles::clear);
    clearAction->setEnabled(!m_files.isEmpty());
}
