#pragma once
// The dock arrangement of the workbench window: each panel in a QDockWidget with a stable
// object name (so QMainWindow::saveState/restoreState can find it), a default arrangement, and
// the window state kept in QSettings under "window/state".
//
//   DockLayout docks(window);
//   docks.addDock("metricsDock", tr("Live Metrics"), panel, Qt::RightDockWidgetArea);
//   docks.restore();                  // or the default arrangement on first start
//   viewMenu->addActions(docks.toggleActions());
//   docks.save();                     // from closeEvent

#include <QList>
#include <QObject>
#include <QString>

class QAction;
class QDockWidget;
class QMainWindow;
class QWidget;

class DockLayout : public QObject {
    Q_OBJECT

public:
    explicit DockLayout(QMainWindow* window);

    QDockWidget* addDock(const QString& objectName, const QString& title, QWidget* content,
                         Qt::DockWidgetArea area, QDockWidget* tabifyWith = nullptr);
    QList<QAction*> toggleActions() const;
    QDockWidget* dock(const QString& objectName) const;

    // Restores the saved state (geometry included); false when there was none that fits.
    bool restore();
    void save() const;
    void resetToDefault();

private:
    struct Placement {
        QDockWidget* dock;
        Qt::DockWidgetArea area;
        QDockWidget* tabifyWith;
    };
    QMainWindow* m_window;
    QList<Placement> m_docks;
};
