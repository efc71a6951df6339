#include "dock_layout.h"

#include <QAction>
#include <QDockWidget>
#include <QMainWindow>
#include <QSettings>

namespace {
// Bump when docks are added or renamed: an older saved state would hide the new ones.
constexpr int kStateVersion = 3;
} // namespace

DockLayout::DockLayout(QMainWindow* window) : QObject(window), m_window(window) {
    window->setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowTabbedDocks |
                           QMainWindow::AllowNestedDocks);
}

QDockWidget* DockLayout::addDock(const QString& objectName, const QString& title, QWidget* content,
                                 Qt::DockWidgetArea area, QDockWidget* tabifyWith) {
    auto* dock = new QDockWidget(title, m_window);
    dock->setObjectName(objectName);
    dock->setWidget(content);
    dock->toggleViewAction()->setToolTip(tr("Show or hide the %1 panel").arg(title));
    m_window->addDockWidget(area, dock);
    if (tabifyWith) m_window->tabifyDockWidget(tabifyWith, dock);
    m_docks.push_back({dock, area, tabifyWith});
    return dock;
}

QList<QAction*> DockLayout::toggleActions() const {
    QList<QAction*> actions;
    for (const Placement& p : m_docks) actions << p.dock->toggleViewAction();
    return actions;
}

QDockWidget* DockLayout::dock(const QString& objectName) const {
    for (const Placement& p : m_docks)
        if (p.dock->objectName() == objectName) return p.dock;
    return nullptr;
}

bool DockLayout::restore() {
    QSettings settings;
    const bool geometry =
        m_window->restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    const bool state = m_window->restoreState(
        settings.value(QStringLiteral("window/state")).toByteArray(), kStateVersion);
    return geometry && state;
}

void DockLayout::save() const {
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), m_window->saveGeometry());
    settings.setValue(QStringLiteral("window/state"), m_window->saveState(kStateVersion));
}

void DockLayout::resetToDefault() {
    for (const Placement& p : m_docks) {
        p.dock->setFloating(false);
        m_window->addDockWidget(p.area, p.dock);
        p.dock->show();
    }
    for (const Placement& p : m_docks)
        if (p.tabifyWith) m_window->tabifyDockWidget(p.tabifyWith, p.dock);
    for (const Placement& p : m_docks)
        if (!p.tabifyWith) p.dock->raise();
}
