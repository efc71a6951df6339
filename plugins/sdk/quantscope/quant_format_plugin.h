#pragma once
// Quantization format plugins: provide qs::QuantFormat implementations (see
// engine/quant/quant_format.h for the contract: name, family, exact bits per weight, shape
// check, quantize-dequantize). The host lists them in PluginManager::quantFormats(); a format
// whose name a built-in format or an earlier plugin already uses is refused and reported.
//
//   class MyFormatPlugin : public QObject, public qs::plugin::QuantFormatPlugin {
//       Q_OBJECT
//       Q_PLUGIN_METADATA(IID QS_QUANT_FORMAT_PLUGIN_IID FILE "quant_my.json")
//       Q_INTERFACES(qs::plugin::QuantFormatPlugin)
//   public:
//       std::vector<std::shared_ptr<const qs::QuantFormat>> formats() const override;
//   };

#include "quantscope/plugin_info.h"

#include "quant/quant_format.h"

#include <QtPlugin>

#include <memory>
#include <vector>

namespace qs::plugin {

class QuantFormatPlugin {
public:
    virtual ~QuantFormatPlugin() = default;
    // Called once after loading; the formats live as long as the plugin (never unloaded).
    virtual std::vector<std::shared_ptr<const qs::QuantFormat>> formats() const = 0;
};

} // namespace qs::plugin

Q_DECLARE_INTERFACE(qs::plugin::QuantFormatPlugin, QS_QUANT_FORMAT_PLUGIN_IID)
