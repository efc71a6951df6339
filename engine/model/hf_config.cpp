#include "model/hf_config.h"

#include "core/error.h"
#include "core/mapped_file.h"

#include <nlohmann/json.hpp>

#include <limits>
#include <optional>

namespace qs {

namespace {

using nlohmann::json;

struct Reader {
    const std::filesystem::path& path;
    const json& j;

    [[noreturn]] void fail(const std::string& problem) const { throw FileError(path, problem); }

    const json* get(const char* key) const {
        auto it = j.find(key);
        return it == j.end() || it->is_null() ? nullptr : &*it;
    }

    std::optional<int> optInt(const char* key) const {
        const json* v = get(key);
        if (!v) return std::nullopt;
        if (!v->is_number_integer())
            fail(std::string("\"") + key + "\" must be an integer, found " + v->dump());
        const int64_t x = v->get<int64_t>();
        if (x < std::numeric_limits<int>::min() || x > std::numeric_limits<int>::max())
            fail(std::string("\"") + key + "\" = " + std::to_string(x) + " is out of range");
        return static_cast<int>(x);
    }

    int requiredInt(const char* key) const {
        std::optional<int> v = optInt(key);
        if (!v) fail(std::string("missing required key \"") + key + "\"");
        return *v;
    }

    std::optional<double> optNumber(const char* key) const {
        const json* v = get(key);
        if (!v) return std::nullopt;
        if (!v->is_number())
            fail(std::string("\"") + key + "\" must be a number, found " + v->dump());
        return v->get<double>();
    }

    std::optional<bool> optBool(const char* key) const {
        const json* v = get(key);
        if (!v) return std::nullopt;
        if (!v->is_boolean()) fail(std::string("\"") + key + "\" must be true or false");
        return v->get<bool>();
    }

    // bos/eos: an id, a list of ids (the first is used) or null.
    int tokenId(const char* key, int fallback) const {
        const json* v = get(key);
        if (!v) return fallback;
        if (v->is_array() && !v->empty()) v = &(*v)[0];
        if (!v->is_number_integer()) fail(std::string("\"") + key + "\" must be a token id");
        return v->get<int>();
    }
};

struct ArchName {
    const char* cls;
    const char* modelType;
    Architecture arch;
};
constexpr ArchName kArchs[] = {
    {"LlamaForCausalLM", "llama", Architecture::Llama},
    {"MistralForCausalLM", "mistral", Architecture::Mistral},
    {"Qwen2ForCausalLM", "qwen2", Architecture::Qwen2},
};

} // namespace

HfConfig parseHfConfig(const std::filesystem::path& path) {
    auto file = MappedFile::open(path);
    json j;
    try {
        const auto* p = reinterpret_cast<const char*>(file->data());
        j = json::parse(p, p + file->size());
    } catch (const json::exception& e) {
        throw FileError(path, std::string("invalid JSON: ") + e.what());
    }
    if (!j.is_object()) throw FileError(path, "invalid config: not a JSON object");
    const Reader r{path, j};

    HfConfig cfg;
    std::string name;
    if (const json* a = r.get("architectures");
        a && a->is_array() && !a->empty() && (*a)[0].is_string())
        name = (*a)[0].get<std::string>();
    std::string modelType;
    if (const json* t = r.get("model_type"); t && t->is_string()) modelType = t->get<std::string>();
    bool found = false;
    for (const ArchName& a : kArchs)
        if (name.empty() ? modelType == a.modelType : name == a.cls) {
            cfg.arch = a.arch;
            cfg.architectureName = a.cls;
            found = true;
        }
    if (!found)
        r.fail("unsupported architecture " +
               (name.empty() ? "(model_type \"" + modelType + "\")" : "\"" + name + "\"") +
               "; supported: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM");

    HParams& hp = cfg.hp;
    hp.dim = r.requiredInt("hidden_size");
    hp.hiddenDim = r.requiredInt("intermediate_size");
    hp.nLayers = r.requiredInt("num_hidden_layers");
    hp.nHeads = r.requiredInt("num_attention_heads");
    hp.nKvHeads = r.optInt("num_key_value_heads").value_or(hp.nHeads);
    hp.headDim = r.optInt("head_dim").value_or(hp.nHeads > 0 ? hp.dim / hp.nHeads : 0);
    hp.vocabSize = r.requiredInt("vocab_size");
    hp.maxSeqLen = r.optInt("max_position_embeddings").value_or(2048);
    hp.normEps = static_cast<float>(r.optNumber("rms_norm_eps").value_or(1e-6));
    hp.ropeTheta = static_cast<float>(r.optNumber("rope_theta").value_or(10000.0));
    hp.rope = RopeStyle::RotateHalf; // HF q/k rows are in rotate_half order
    hp.qkvBias = cfg.arch == Architecture::Qwen2;
    hp.bosId = r.tokenId("bos_token_id", -1);
    hp.eosId = r.tokenId("eos_token_id", -1);
    const std::optional<bool> tie = r.optBool("tie_word_embeddings");
    cfg.tieWordEmbeddingsGiven = tie.has_value();
    hp.tiedOutput = tie.value_or(false);

    if (const json* s = r.get("rope_scaling")) {
        std::string type = "?";
        if (s->is_object()) {
            for (const char* k : {"rope_type", "type"})
                if (s->contains(k) && (*s)[k].is_string()) type = (*s)[k].get<std::string>();
        }
        if (type != "default")
            r.fail("rope_scaling type " + type + " is not supported (only null)");
    }
    if (const json* act = r.get("hidden_act"); act && (!act->is_string() || *act != "silu"))
        r.fail("hidden_act " + act->dump() + " is not supported (only silu)");
    if (cfg.arch != Architecture::Qwen2 && r.optBool("attention_bias").value_or(false))
        r.fail("attention_bias=true is not supported for " + cfg.architectureName);
    if (r.optBool("mlp_bias").value_or(false)) r.fail("mlp_bias=true is not supported");
    if (cfg.arch == Architecture::Qwen2 && r.optBool("use_sliding_window").value_or(false))
        r.fail("use_sliding_window=true is not supported");

    for (auto it = j.begin(); it != j.end(); ++it)
        if (it->is_primitive())
            cfg.metadata["config." + it.key()] =
                it->is_string() ? it->get<std::string>() : it->dump();
    return cfg;
}

} // namespace qs
