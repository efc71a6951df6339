#pragma once
// Model loader plugins: open a model format the engine's loadModel() does not know (or a
// variant of one it does) and hand back a finalized qs::Model.
//
//   class MyLoaderPlugin : public QObject, public qs::plugin::ModelLoaderPlugin {
//       Q_OBJECT
//       Q_PLUGIN_METADATA(IID QS_MODEL_LOADER_PLUGIN_IID FILE "modelformat_my.json")
//       Q_INTERFACES(qs::plugin::ModelLoaderPlugin)
//   public:
//       std::vector<std::shared_ptr<const qs::plugin::ModelLoader>> loaders() const override;
//   };

#include "quantscope/plugin_info.h"

#include "model/model.h"

#include <QtPlugin>

#include <filesystem>
#include <memory>
#include <vector>

namespace qs::plugin {

class ModelLoader {
public:
    virtual ~ModelLoader() = default;
    virtual QString id() const = 0;          // "llama2c"
    virtual QString displayName() const = 0; // "llama2.c checkpoint"
    virtual QString fileFilter() const = 0;  // "llama2.c checkpoints (*.bin)"
    // Cheap check (magic numbers, header plausibility, file names); must not throw for a file
    // of another format. Errors while reading are a "no".
    virtual bool canLoad(const std::filesystem::path& path) const = 0;
    // Throws qs::FileError naming the file for anything malformed.
    virtual std::shared_ptr<qs::Model> load(const std::filesystem::path& path,
                                            const qs::LoadOptions& options = {}) const = 0;
};

class ModelLoaderPlugin {
public:
    virtual ~ModelLoaderPlugin() = default;
    virtual std::vector<std::shared_ptr<const ModelLoader>> loaders() const = 0;
};

} // namespace qs::plugin

Q_DECLARE_INTERFACE(qs::plugin::ModelLoaderPlugin, QS_MODEL_LOADER_PLUGIN_IID)
