#pragma once
// The File → Recent Files submenu, persisted in QSettings (key "recentFiles", newest first).
// Models and texts share the list; the window routes a chosen entry by its type.
//
//   auto* recent = new RecentFiles(fileMenu->addMenu(tr("Recent Files")), this);
//   connect(recent, &RecentFiles::fileChosen, session, &WorkbenchSession::openPath);
//   recent->add(path);   // after a successful open

#include <QObject>
#include <QStringList>

class QMenu;

class RecentFiles : public QObject {
    Q_OBJECT

public:
    explicit RecentFiles(QMenu* menu, QObject* parent = nullptr);

    QStringList files() const { return m_files; }
    void add(const QString& path);
    void clear();

signals:
    void fileChosen(const QString& path);

private:
    void save();
    void rebuildMenu();

    QMenu* m_menu;
    QStringList m_files;
};
