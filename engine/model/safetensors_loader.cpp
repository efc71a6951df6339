// Hugging Face model folders: config.json plus model.safetensors, or shards listed in
// model.safetensors.index.json. Tensors of dtype F32, F16 or BF16.

#include "core/error.h"
#include "model/hf_config.h"
#include "model/loaders.h"
#include "model/safetensors_file.h"

#include <nlohmann/json.hpp>

#include <map>
#include <regex>
#include <set>

namespace qs {

namespace {

namespace fs = std::filesystem;

struct RoleName {
    const char* name;
    TensorRole role;
};

constexpr RoleName kLayerRoles[] = {
    {"input_layernorm.weight", TensorRole::AttnNorm},
    {"self_attn.q_proj.weight", TensorRole::Wq},
    {"self_attn.k_proj.weight", TensorRole::Wk},
    {"self_attn.v_proj.weight", TensorRole::Wv},
    {"self_attn.o_proj.weight", TensorRole::Wo},
    {"self_attn.q_proj.bias", TensorRole::Bq},
    {"self_attn.k_proj.bias", TensorRole::Bk},
    {"self_attn.v_proj.bias", TensorRole::Bv},
    {"post_attention_layernorm.weight", TensorRole::FfnNorm},
    {"mlp.gate_proj.weight", TensorRole::FfnGate},
    {"mlp.up_proj.weight", TensorRole::FfnUp},
    {"mlp.down_proj.weight", TensorRole::FfnDown},
};

enum class NameKind { Role, Ignored, Unknown };

NameKind roleOf(const std::string& name, TensorRole* role, int* block) {
    *block = -1;
    if (name == "model.embed_tokens.weight")
        return *role = TensorRole::TokenEmbedding, NameKind::Role;
    if (name == "model.norm.weight") return *role = TensorRole::OutputNorm, NameKind::Role;
    if (name == "lm_head.weight") return *role = TensorRole::Output, NameKind::Role;
    static const std::regex re(R"(model\.layers\.(\d{1,6})\.(.+))");
    std::smatch m;
    if (!std::regex_match(name, m, re)) return NameKind::Unknown;
    // Older checkpoints store the RoPE inverse frequencies, which the forward pass computes.
    if (m[2] == "self_attn.rotary_emb.inv_freq") return NameKind::Ignored;
    for (const RoleName& r : kLayerRoles)
        if (m[2] == r.name) {
            *role = r.role;
            *block = std::stoi(m[1]);
            return NameKind::Role;
        }
    return NameKind::Unknown;
}

std::optional<DType> dtypeOf(const std::string& d) {
    if (d == "F32") return DType::F32;
    if (d == "F16") return DType::F16;
    if (d == "BF16") return DType::BF16;
    return std::nullopt;
}

struct ShardIndex {
    std::vector<fs::path> shards;                 // sorted, distinct
    std::map<std::string, std::string> weightMap; // tensor name -> shard file name
};

ShardIndex readShardIndex(const fs::path& index) {
    auto file = MappedFile::open(index);
    nlohmann::json j;
    try {
        const auto* p = reinterpret_cast<const char*>(file->data());
        j = nlohmann::json::parse(p, p + file->size());
    } catch (const nlohmann::json::exception& e) {
        throw FileError(index, std::string("invalid JSON: ") + e.what());
    }
    if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object())
        throw FileError(index, "missing \"weight_map\" object");
    ShardIndex r;
    std::set<std::string> names;
    for (auto it = j["weight_map"].begin(); it != j["weight_map"].end(); ++it) {
        if (!it->is_string())
            throw FileError(index, "weight_map entry for " + it.key() + " is not a file name");
        const std::string shard = it->get<std::string>();
        if (shard.empty() || shard.find('/') != std::string::npos || shard == "..")
            throw FileError(index, "weight_map names an invalid shard file \"" + shard + "\"");
        names.insert(shard);
        r.weightMap[it.key()] = shard;
    }
    if (names.empty()) throw FileError(index, "weight_map is empty");
    for (const std::string& n : names) r.shards.push_back(index.parent_path() / n);
    return r;
}

// Every tensor the index lists must be in the shard it names.
void checkShardIndex(const fs::path& index, const ShardIndex& idx,
                     const std::vector<SafetensorsFile>& files) {
    for (const auto& [name, shard] : idx.weightMap) {
        const SafetensorsFile* file = nullptr;
        for (const SafetensorsFile& f : files)
            if (f.path().filename() == shard) file = &f;
        if (!file || !file->find(name))
            throw FileError(index, "weight_map lists " + name + " in " + shard +
                                       ", but that file has no such tensor");
    }
}

} // namespace

LoaderResult loadHuggingFace(const fs::path& path) {
    const bool isDir = fs::is_directory(path);
    const fs::path folder = isDir                        ? path
                            : path.parent_path().empty() ? fs::path(".")
                                                         : path.parent_path();
    const fs::path config = folder / "config.json";
    if (!fs::exists(config))
        throw FileError(folder, "no config.json in this folder; expected a Hugging Face model "
                                "folder (config.json and model.safetensors)");
    HfConfig cfg = parseHfConfig(config);

    const fs::path indexPath = folder / "model.safetensors.index.json";
    ShardIndex index;
    if (path.extension() == ".safetensors")
        index.shards = {path};
    else if (fs::exists(folder / "model.safetensors"))
        index.shards = {folder / "model.safetensors"};
    else if (fs::exists(indexPath))
        index = readShardIndex(indexPath);
    else
        throw FileError(folder,
                        "no model.safetensors or model.safetensors.index.json in this folder");

    std::vector<SafetensorsFile> files;
    for (const fs::path& s : index.shards) files.push_back(SafetensorsFile::open(s));
    checkShardIndex(indexPath, index, files);

    ModelDesc desc;
    desc.path = folder.string();
    desc.format = "safetensors";
    desc.arch = cfg.arch;
    desc.hp = cfg.hp;
    desc.metadata = cfg.metadata;
    desc.metadata["config.architecture"] = cfg.architectureName;

    struct Source {
        size_t file;
        const SafetensorsTensor* tensor;
    };
    std::vector<Source> sources;
    std::map<std::string, fs::path> seen;
    bool hasHead = false;
    for (size_t f = 0; f < files.size(); ++f) {
        desc.fileBytes += files[f].file()->size();
        for (const auto& [k, v] : files[f].metadata()) desc.metadata["safetensors." + k] = v;
        for (const SafetensorsTensor& t : files[f].tensors()) {
            const fs::path& where = files[f].path();
            if (auto [it, fresh] = seen.emplace(t.name, where); !fresh)
                throw FileError(where, "tensor " + t.name + " is also in " + it->second.string());
            TensorDesc d;
            const NameKind kind = roleOf(t.name, &d.role, &d.block);
            if (kind == NameKind::Ignored) continue;
            if (kind == NameKind::Unknown)
                throw FileError(where, "unexpected tensor " + t.name + " for a " +
                                           cfg.architectureName + " model");
            if (d.role == TensorRole::Output) {
                hasHead = true;
                if (desc.hp.tiedOutput) continue; // tie_word_embeddings=true: the head is unused
            }
            const std::optional<DType> type = dtypeOf(t.dtype);
            if (!type)
                throw FileError(where, "tensor " + t.name + " has dtype " + t.dtype +
                                           ", which is not supported (F32, F16, BF16 are)");
            if (t.shape.empty() || t.shape.size() > 2)
                throw FileError(where, "tensor " + t.name + " has " +
                                           std::to_string(t.shape.size()) + " dimensions");
            d.name = canonicalTensorName(d.role, d.block);
            d.fileName = t.name;
            d.fileType = *type;
            d.shape = t.shape;
            desc.tensors.push_back(std::move(d));
            sources.push_back({f, &t});
        }
    }
    if (!hasHead) {
        if (cfg.tieWordEmbeddingsGiven && !desc.hp.tiedOutput)
            desc.metadata["quantscope.note"] =
                "tie_word_embeddings=false but lm_head.weight is absent; treated as tied";
        desc.hp.tiedOutput = true;
    }

    validateModelDesc(desc);
    auto model = std::make_shared<Model>(std::move(desc));
    for (size_t i = 0; i < sources.size(); ++i)
        model->bindTensor(i, files[sources[i].file].tensorData(*sources[i].tensor).data(),
                          model->desc().tensors[i].fileType);
    for (const SafetensorsFile& f : files) model->keepAlive(f.file());
    model->finalize();

    LoaderResult r;
    r.model = std::move(model);
    for (const char* name : {"tokenizer.json", "tokenizer.model", "tokenizer.bin"})
        r.tokenizerCandidates.push_back(folder / name);
    return r;
}

} // namespace qs
