#include "export/hf_quant_config.h"

#include "core/error.h"
#include "export/export_plan.h"
#include "quant/int_formats.h"

#include <algorithm>
#include <regex>
#include <set>

namespace qs {

using nlohmann::json;

namespace {

// A weight scheme both HF formats can name.
struct Scheme {
    std::string type = "int"; // "int" or "float"
    int bits = 4;
    bool symmetric = true;
    std::string strategy = "group"; // "group", "channel", "tensor"
    int64_t groupSize = 0;

    std::string key() const {
        return type + std::to_string(bits) + (symmetric ? "s" : "a") + strategy +
               std::to_string(groupSize);
    }
    std::string formatName() const {
        if (type == "float") return "fp8_e4m3";
        IntFormatSpec s;
        s.bits = bits;
        s.asymmetric = !symmetric;
        s.granularity = strategy == "group"     ? IntFormatSpec::Granularity::Group
                        : strategy == "channel" ? IntFormatSpec::Granularity::Channel
                                                : IntFormatSpec::Granularity::Tensor;
        s.group = strategy == "group" ? groupSize : 32;
        return s.name();
    }
};

enum class Kind { Unquantized, Mapped, Unmapped };

bool isFloatFormat(const std::string& n) {
    return n == "f32" || n == "f16" || n == "bf16";
}

// How a format appears in a compressed-tensors config (GPTQ narrows this further).
Kind classify(const QuantFormat& f, Scheme* s, std::string* suggestion) {
    const std::string name = f.name();
    if (isFloatFormat(name)) return Kind::Unquantized;
    IntFormatSpec spec;
    if (parseIntFormatSpec(name, &spec)) {
        s->type = "int";
        s->bits = spec.bits;
        s->symmetric = !spec.asymmetric;
        s->strategy = spec.granularity == IntFormatSpec::Granularity::Group     ? "group"
                      : spec.granularity == IntFormatSpec::Granularity::Channel ? "channel"
                                                                                : "tensor";
        s->groupSize = spec.granularity == IntFormatSpec::Granularity::Group ? spec.group : 0;
        return Kind::Mapped;
    }
    if (name == "fp8_e4m3") {
        *s = Scheme{"float", 8, true, "tensor", 0};
        return Kind::Mapped;
    }
    // Nearest storage-equivalent integer scheme.
    if (name == "q8_0")
        *suggestion = "int8_g32_sym";
    else if (name == "q4_0")
        *suggestion = "int4_g32_sym";
    else if (name == "q4_1" || name == "q4_k")
        *suggestion = "int4_g32_asym";
    else if (name == "q5_0")
        *suggestion = "int5_g32_sym";
    else if (name == "q5_1" || name == "q5_k")
        *suggestion = "int5_g32_asym";
    else if (name == "q6_k")
        *suggestion = "int6_g16_sym";
    else if (name == "q3_k")
        *suggestion = "int3_g16_sym";
    else if (name == "q2_k")
        *suggestion = "int2_g16_asym";
    else if (name.rfind("fp8", 0) == 0 || name.rfind("mxfp8", 0) == 0)
        *suggestion = "fp8_e4m3";
    else {
        const int b = std::clamp(f.nominalBits(), 2, 8);
        *suggestion = "int" + std::to_string(b) + "_g32_sym";
    }
    return Kind::Unmapped;
}

struct Entry {
    ExportTensor tensor;
    std::string module; // HF module name
    Kind kind;
    Scheme scheme;
};

std::vector<Entry> entriesFor(const ModelDesc& desc, const ResolvedConfig& config,
                              std::vector<UnmappedTensor>& unmapped) {
    std::vector<Entry> out;
    for (const ExportTensor& t : exportTensors(desc, config, HeadPolicy::Always)) {
        if (!t.format) continue;
        Entry e{t, hfModuleName(t.role, t.block), Kind::Unquantized, {}};
        std::string suggestion;
        e.kind = classify(*t.format, &e.scheme, &suggestion);
        if (e.kind == Kind::Unmapped) unmapped.push_back({t.name, t.format->name(), suggestion});
        out.push_back(std::move(e));
    }
    return out;
}

// Module items for compactPatterns: block modules by their suffix, globals by full name.
PatternItem itemOf(const Entry& e, const std::string& value) {
    if (e.tensor.block >= 0) return {e.tensor.block, hfBlockModule(e.tensor.role), value};
    return {-1, e.module, value};
}

json weightsJson(const Scheme& s) {
    return json{{"num_bits", s.bits},
                {"type", s.type},
                {"symmetric", s.symmetric},
                {"strategy", s.strategy},
                {"group_size", s.strategy == "group" ? json(s.groupSize) : json(nullptr)},
                {"dynamic", false},
                {"actorder", nullptr},
                {"observer", "minmax"},
                {"block_structure", nullptr}};
}

json inputActivationsJson(const std::string& act, const std::string& target) {
    if (act == "none" || act == "f16") return nullptr;
    if (act == "int8_token")
        return json{{"num_bits", 8},       {"type", "int"},         {"symmetric", true},
                    {"strategy", "token"}, {"group_size", nullptr}, {"dynamic", true},
                    {"observer", nullptr}};
    throw Error("activation quantization '" + act + "' has no " + target +
                " equivalent (int8_token maps to dynamic per-token int8; none and f16 to nothing)");
}

// compressed-tensors and GPTQModel match module names with Python's re.match: anchored at the
// start only.
bool reMatch(const std::string& pattern, const std::string& text, const std::string& where) {
    try {
        return std::regex_search(text, std::regex(pattern), std::regex_constants::match_continuous);
    } catch (const std::regex_error& e) {
        throw Error(where + ": invalid regex '" + pattern + "': " + e.what());
    }
}

// Quantizable tensors with their HF modules; the head is always "output.weight"/lm_head.
std::vector<std::pair<std::string, TensorDesc>> hfModules(const ModelDesc& desc) {
    std::vector<std::pair<std::string, TensorDesc>> out;
    bool head = false;
    for (const TensorDesc& t : desc.tensors) {
        if (!isQuantizableRole(t.role)) continue;
        head |= t.role == TensorRole::Output;
        out.emplace_back(hfModuleName(t.role, t.block), t);
    }
    if (!head) {
        TensorDesc h;
        h.name = canonicalTensorName(TensorRole::Output, -1);
        h.role = TensorRole::Output;
        out.emplace_back("lm_head", h);
    }
    return out;
}

bool isLinearModule(TensorRole r) {
    return r != TensorRole::TokenEmbedding;
}

} // namespace

json compressedTensorsConfig(const ModelDesc& desc, const ResolvedConfig& config) {
    std::vector<UnmappedTensor> unmapped;
    const std::vector<Entry> entries = entriesFor(desc, config, unmapped);
    throwIfUnmapped(unmapped, "a compressed-tensors quantization_config");
    const json inputActs = inputActivationsJson(config.activations(), "compressed-tensors");

    std::map<std::string, Scheme> schemes;
    std::vector<PatternItem> quantized, ignored;
    for (const Entry& e : entries) {
        if (e.kind == Kind::Mapped) {
            schemes[e.scheme.key()] = e.scheme;
            quantized.push_back(itemOf(e, e.scheme.key()));
        } else if (isLinearModule(e.tensor.role)) {
            ignored.push_back(itemOf(e, ""));
        }
    }
    std::map<std::string, json> groups; // scheme key -> group
    for (const auto& [pattern, key] : compactPatterns(quantized, "model\\.layers\\.")) {
        json& g = groups[key];
        if (g.is_null()) {
            const Scheme& s = schemes.at(key);
            g = json{{"targets", json::array()},
                     {"weights", weightsJson(s)},
                     {"input_activations", inputActs},
                     {"output_activations", nullptr},
                     {"format", s.type == "float" ? "float-quantized" : "pack-quantized"}};
        }
        g["targets"].push_back("re:" + pattern);
    }
    std::set<std::string> formats;
    for (const auto& [key, g] : groups) formats.insert(g["format"].get<std::string>());
    json cfg{{"quant_method", "compressed-tensors"},
             {"format", formats.size() == 1 ? *formats.begin() : std::string("mixed-precision")},
             {"quantization_status", "compressed"},
             {"config_groups", json::object()},
             {"ignore", json::array()},
             {"kv_cache_scheme", nullptr}};
    int n = 0;
    for (auto& [key, g] : groups) {
        if (formats.size() == 1) g.erase("format"); // the global format says it
        cfg["config_groups"]["group_" + std::to_string(n++)] = std::move(g);
    }
    for (const auto& [pattern, unused] : compactPatterns(ignored, "model\\.layers\\.")) {
        // Plain names where they are one module ("lm_head"), regexes otherwise.
        const std::string plain = pattern.substr(1, pattern.size() - 2);
        cfg["ignore"].push_back(plain.find('\\') == std::string::npos ? plain : "re:" + pattern);
    }
    return cfg;
}

json gptqModelConfig(const ModelDesc& desc, const ResolvedConfig& config) {
    std::vector<UnmappedTensor> unmapped;
    std::vector<Entry> entries = entriesFor(desc, config, unmapped);
    for (Entry& e : entries) {
        if (e.kind != Kind::Mapped) continue;
        const std::string k = std::to_string(e.scheme.bits);
        std::string why;
        if (e.tensor.role == TensorRole::TokenEmbedding)
            why = "f16 (GPTQ never quantizes embeddings)";
        else if (e.scheme.type != "int")
            why = "int8_c_sym (GPTQ is integer-only)";
        else if (e.scheme.strategy == "tensor")
            why = "int" + k + "_c_" + (e.scheme.symmetric ? "sym" : "asym") +
                  " (GPTQ has no per-tensor scale)";
        else if (e.scheme.bits != 2 && e.scheme.bits != 3 && e.scheme.bits != 4 &&
                 e.scheme.bits != 8)
            why = std::string(e.scheme.bits < 8 ? "int4 or int8" : "int8") +
                  " (GPTQ packs 2, 3, 4 or 8 bits)";
        if (!why.empty()) {
            unmapped.push_back({e.tensor.name, e.tensor.format->name(), why});
            e.kind = Kind::Unmapped;
        }
    }
    throwIfUnmapped(unmapped, "a GPTQModel quantization_config");
    if (config.activations() != "none" && config.activations() != "f16")
        throw Error("activation quantization '" + config.activations() +
                    "' has no GPTQ equivalent (GPTQ quantizes weights only; use none)");

    // Global: the scheme of most quantized weights of the blocks.
    std::map<std::string, std::pair<Scheme, uint64_t>> weight;
    for (const Entry& e : entries)
        if (e.kind == Kind::Mapped && e.tensor.block >= 0) {
            auto& [s, n] = weight[e.scheme.key()];
            s = e.scheme;
            n += uint64_t(e.tensor.rows * e.tensor.cols);
        }
    if (weight.empty())
        throw Error(
            "no linear weight of the blocks is int-quantized; a GPTQ config would be empty");
    const Scheme* global = nullptr;
    uint64_t most = 0;
    for (const auto& [key, sn] : weight)
        if (sn.second > most) global = &sn.first, most = sn.second;
    auto gs = [](const Scheme& s) { return s.strategy == "channel" ? int64_t(-1) : s.groupSize; };

    std::vector<PatternItem> skip, differ;
    std::map<std::string, Scheme> schemes;
    bool lmHead = false;
    for (const Entry& e : entries) {
        if (e.tensor.role == TensorRole::TokenEmbedding) continue; // never quantized by GPTQ
        if (e.tensor.role == TensorRole::Output) lmHead = e.kind == Kind::Mapped;
        if (e.kind != Kind::Mapped) {
            if (e.tensor.role != TensorRole::Output) skip.push_back(itemOf(e, "-"));
        } else if (e.scheme.key() != global->key()) {
            schemes[e.scheme.key()] = e.scheme;
            differ.push_back(itemOf(e, e.scheme.key()));
        }
    }
    json dynamic = json::object();
    // GPTQModel takes the first matching key; the patterns never overlap, negatives go first.
    for (const auto& [pattern, unused] : compactPatterns(skip, "model\\.layers\\."))
        dynamic["-:" + pattern] = json::object();
    for (const auto& [pattern, key] : compactPatterns(differ, "model\\.layers\\.")) {
        const Scheme& s = schemes.at(key);
        dynamic["+:" + pattern] = json{
            {"bits", s.bits}, {"group_size", gs(s)}, {"sym", s.symmetric}, {"desc_act", false}};
    }
    json cfg{{"quant_method", "gptq"},    {"checkpoint_format", "gptq"}, {"bits", global->bits},
             {"group_size", gs(*global)}, {"sym", global->symmetric},    {"desc_act", false},
             {"lm_head", lmHead}};
    if (!dynamic.empty()) cfg["dynamic"] = std::move(dynamic);
    return cfg;
}

std::map<std::string, std::string> formatsFromCompressedTensors(const json& cfg,
                                                                const ModelDesc& desc,
                                                                const std::string& unquantized) {
    const std::string where = "compressed-tensors config";
    if (!cfg.is_object() || cfg.value("quant_method", "") != "compressed-tensors")
        throw Error(where + ": quant_method is not \"compressed-tensors\"");
    auto schemeOf = [&](const json& w, const std::string& group) {
        Scheme s;
        try {
            s.type = w.at("type").get<std::string>();
            s.bits = w.at("num_bits").get<int>();
            s.symmetric = w.value("symmetric", true);
            s.strategy = w.at("strategy").get<std::string>();
            if (s.strategy == "group") s.groupSize = w.at("group_size").get<int64_t>();
        } catch (const json::exception& e) {
            throw Error(where + ": " + group + ".weights: " + e.what());
        }
        if (s.type == "float" && !(s.bits == 8 && s.strategy == "tensor"))
            throw Error(where + ": " + group + ": float " + std::to_string(s.bits) +
                        "-bit with strategy " + s.strategy +
                        " has no QuantScope format (fp8_e4m3 is per tensor)");
        if (s.type != "int" && s.type != "float")
            throw Error(where + ": " + group + ": unknown weight type '" + s.type + "'");
        if (s.strategy != "group" && s.strategy != "channel" && s.strategy != "tensor")
            throw Error(where + ": " + group + ": unsupported strategy '" + s.strategy + "'");
        return s;
    };
    auto matches = [&](const std::string& target, const std::string& module, TensorRole role) {
        if (target.rfind("re:", 0) == 0) return reMatch(target.substr(3), module, where);
        if (target == "Linear") return isLinearModule(role);
        if (target == "Embedding") return !isLinearModule(role);
        return target == module;
    };
    std::map<std::string, std::string> out;
    for (const auto& [module, t] : hfModules(desc)) {
        bool ignored = false;
        for (const auto& ig : cfg.value("ignore", json::array()))
            ignored |= matches(ig.get<std::string>(), module, t.role);
        std::string format = unquantized;
        if (!ignored && cfg.contains("config_groups")) {
            // compressed-tensors precedence: exact name, then regex, then class name.
            int best = 0;
            for (const auto& [group, g] : cfg["config_groups"].items())
                for (const auto& target : g.value("targets", json::array())) {
                    const std::string tg = target.get<std::string>();
                    if (!matches(tg, module, t.role)) continue;
                    const int rank = tg == module ? 3 : tg.rfind("re:", 0) == 0 ? 2 : 1;
                    if (rank > best && g.contains("weights") && !g["weights"].is_null()) {
                        best = rank;
                        format = schemeOf(g["weights"], group).formatName();
                    }
                }
        }
        out[t.name] = format;
    }
    return out;
}

std::map<std::string, std::string> formatsFromGptqModel(const json& cfg, const ModelDesc& desc,
                                                        const std::string& unquantized) {
    const std::string where = "GPTQ config";
    if (!cfg.is_object() ||
        (cfg.value("quant_method", "") != "gptq" && cfg.value("quant_method", "") != "GPTQ"))
        throw Error(where + ": quant_method is not \"gptq\"");
    auto scheme = [&](const json& j, Scheme base) {
        try {
            base.bits = j.value("bits", base.bits);
            const int64_t g =
                j.value("group_size", base.strategy == "channel" ? int64_t(-1) : base.groupSize);
            base.strategy = g < 0 ? "channel" : "group";
            base.groupSize = g < 0 ? 0 : g;
            base.symmetric = j.value("sym", base.symmetric);
        } catch (const json::exception& e) {
            throw Error(where + ": " + e.what());
        }
        return base;
    };
    Scheme global;
    global.bits = 0;
    global = scheme(cfg, global);
    if (global.bits <= 0) throw Error(where + ": missing \"bits\"");
    const bool lmHead = cfg.value("lm_head", false);
    const json dynamic = cfg.value("dynamic", json::object());
    std::map<std::string, std::string> out;
    for (const auto& [module, t] : hfModules(desc)) {
        std::string format = unquantized;
        if (t.role != TensorRole::TokenEmbedding && (t.role != TensorRole::Output || lmHead)) {
            format = global.formatName();
            for (const auto& [key, overrides] : dynamic.items()) {
                const bool negative = key.rfind("-:", 0) == 0;
                const std::string pattern =
                    key.rfind("+:", 0) == 0 || negative ? key.substr(2) : key;
                if (!reMatch(pattern, module, where)) continue;
                format = negative ? unquantized : scheme(overrides, global).formatName();
                break;
            }
        }
        out[t.name] = format;
    }
    return out;
}

} // namespace qs
