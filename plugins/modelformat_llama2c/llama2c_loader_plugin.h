#pragma once
// Model loader plugin "llama2c": Karpathy's llama2.c checkpoints (legacy 7-int header and the
// "ak42" version 1 export), through the engine's llama2.c loader.

#include "quantscope/model_loader_plugin.h"

#include <QObject>

class Llama2cLoaderPlugin : public QObject, public qs::plugin::ModelLoaderPlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID QS_MODEL_LOADER_PLUGIN_IID FILE "modelformat_llama2c.json")
    Q_INTERFACES(qs::plugin::ModelLoaderPlugin)

public:
    std::vector<std::shared_ptr<const qs::plugin::ModelLoader>> loaders() const override;
};
