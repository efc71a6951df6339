// quantscope-cli plugins: what the plugin host finds, as the workbench's Help > Plugins shows it.
#include "cli_args.h"
#include "commands.h"

#include "plugin_manager.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

namespace qs::cli {

int runPlugins(int argc, char** argv) {
    CliArgs args(argv, argc, {"path"}, {"json"});
    args.expectAtMostPositionals(0);
    // The same user folder as the workbench (<AppDataLocation>/plugins).
    QCoreApplication::setOrganizationName(QStringLiteral("QuantScope"));
    QCoreApplication::setApplicationName(QStringLiteral("QuantScope"));

    PluginManager manager;
    QStringList paths =
        QString::fromStdString(args.value("path")).split(QDir::listSeparator(), Qt::SkipEmptyParts);
    for (QString& p : paths) p = QDir::cleanPath(QDir(p).absolutePath());
    for (const QString& p : manager.searchPaths())
        if (!paths.contains(p)) paths << p;
    manager.setSearchPaths(paths);
    manager.loadAll();

    auto str = [](const QString& s) { return s.toStdString(); };
    if (args.flag("json")) {
        nlohmann::json out = {{"search_paths", nlohmann::json::array()},
                              {"plugins", nlohmann::json::array()}};
        for (const QString& p : paths)
            out["search_paths"].push_back({{"path", str(p)}, {"exists", QFileInfo(p).isDir()}});
        for (const PluginRecord& r : manager.records()) {
            nlohmann::json provides = nlohmann::json::array();
            for (const QString& id : r.provides) provides.push_back(str(id));
            out["plugins"].push_back({{"path", str(r.path)},
                                      {"name", str(r.name)},
                                      {"version", str(r.version)},
                                      {"description", str(r.description)},
                                      {"interface", str(r.interfaceId)},
                                      {"kind", str(qs::plugin::pluginKindName(r.kind))},
                                      {"status", str(pluginStatusName(r.status))},
                                      {"error", str(r.error)},
                                      {"provides", provides}});
        }
        std::cout << out.dump(2) << '\n';
        return 0;
    }

    std::printf("search paths (first wins):\n");
    for (const QString& p : paths)
        std::printf("  %s%s\n", str(p).c_str(), QFileInfo(p).isDir() ? "" : "  (missing)");
    std::printf("\n%-20s %-44s %-8s %-13s %s\n", "status", "name", "version", "interface", "path");
    for (const PluginRecord& r : manager.records()) {
        const QString kind = r.interfaceLabel();
        std::printf("%-20s %-44s %-8s %-13s %s\n", str(pluginStatusName(r.status)).c_str(),
                    str(r.name).c_str(), str(r.version).c_str(), str(kind).c_str(),
                    str(r.path).c_str());
        if (!r.provides.isEmpty())
            std::printf("%-20s provides %s\n", "", str(r.provides.join(u", ")).c_str());
        if (!r.error.isEmpty()) std::printf("%-20s %s\n", "", str(r.error).c_str());
    }
    std::printf("\n%d of %d plugin file(s) loaded\n", manager.loadedCount(),
                int(manager.records().size()));
    return 0;
}

} // namespace qs::cli
