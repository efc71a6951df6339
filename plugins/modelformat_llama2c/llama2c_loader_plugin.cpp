#include "llama2c_loader_plugin.h"

#include <cstdint>
#include <cstring>
#include <fstream>

using namespace qs::plugin;
namespace fs = std::filesystem;

namespace {

constexpr uint32_t kExportMagic = 0x616b3432; // "ak42"

// The header of a llama2.c checkpoint, without mapping the file: the "ak42" v1 export, or the
// legacy 7 x int32 {dim, hidden_dim, n_layers, n_heads, n_kv_heads, ±vocab, seq_len} with
// consistent values and at least the token embedding's bytes behind it.
bool looksLikeLlama2c(const fs::path& path) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return false;
    const uint64_t size = fs::file_size(path, ec);
    if (ec || size < 7 * 4) return false;
    std::ifstream in(path, std::ios::binary);
    int32_t h[8] = {};
    if (!in.read(reinterpret_cast<char*>(h), size >= 32 ? 32 : 28)) return false;
    if (static_cast<uint32_t>(h[0]) == kExportMagic) return h[1] == 1 && size >= 256;
    if (std::memcmp(h, "GGUF", 4) == 0) return false;
    const int64_t dim = h[0], hidden = h[1], layers = h[2], heads = h[3], kvHeads = h[4],
                  vocab = h[5] < 0 ? -int64_t(h[5]) : h[5], seq = h[6];
    const bool plausible = dim > 0 && dim <= (1 << 16) && hidden > 0 && hidden <= (1 << 18) &&
                           layers > 0 && layers <= 1024 && heads > 0 && kvHeads > 0 &&
                           heads % kvHeads == 0 && dim % heads == 0 && vocab > 0 &&
                           vocab <= (1 << 22) && seq > 0 && seq <= (1 << 24);
    return plausible && size >= 28 + uint64_t(4 * vocab * dim);
}

class Llama2cLoader : public ModelLoader {
public:
    QString id() const override { return QStringLiteral("llama2c"); }
    QString displayName() const override { return QStringLiteral("llama2.c checkpoint"); }
    QString fileFilter() const override { return QStringLiteral("llama2.c checkpoints (*.bin)"); }
    bool canLoad(const fs::path& path) const override {
        const std::string ext = path.extension().string();
        if (ext == ".gguf" || ext == ".safetensors" || ext == ".json") return false;
        return looksLikeLlama2c(path);
    }
    std::shared_ptr<qs::Model> load(const fs::path& path,
                                    const qs::LoadOptions& options) const override {
        // canLoad() ruled out GGUF and Hugging Face paths, so the engine's format detection
        // takes its llama2.c loader, and attaches tokenizer.bin from beside the model.
        auto model = qs::loadModel(path, options);
        model->mutableDesc().metadata["loader.plugin"] = "modelformat_llama2c";
        return model;
    }
};

} // namespace

std::vector<std::shared_ptr<const ModelLoader>> Llama2cLoaderPlugin::loaders() const {
    return {std::make_shared<Llama2cLoader>()};
}
