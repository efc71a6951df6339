#include "quant/quant_config.h"

#include "core/error.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <set>

namespace qs {

namespace {

const char* kSchema = "quantscope-config";

int slotOf(TensorRole r) {
    switch (r) {
    case TensorRole::Wq:
        return int(LinearSlot::Q);
    case TensorRole::Wk:
        return int(LinearSlot::K);
    case TensorRole::Wv:
        return int(LinearSlot::V);
    case TensorRole::Wo:
        return int(LinearSlot::O);
    case TensorRole::FfnGate:
        return int(LinearSlot::Gate);
    case TensorRole::FfnUp:
        return int(LinearSlot::Up);
    case TensorRole::FfnDown:
        return int(LinearSlot::Down);
    default:
        return -1;
    }
}

// The linear weights of a block: exactly the roles with an activation-quantization slot.
bool isLinearRole(TensorRole r) {
    return slotOf(r) >= 0;
}

const QuantFormat& checkedFormat(const std::string& name, const std::string& where) {
    if (const QuantFormat* f = findQuantFormat(name)) return *f;
    try {
        return quantFormat(name); // throws with suggestions
    } catch (const Error& e) {
        throw Error(where + ": " + e.what());
    }
}

bool isFullPrecision(const QuantFormat* f) {
    return !f || f->name() == "f32";
}

} // namespace

bool globMatch(std::string_view p, std::string_view t) {
    // Iterative wildcard match with single-star backtracking.
    size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
    while (ti < t.size()) {
        if (pi < p.size() && (p[pi] == '?' || p[pi] == t[ti])) {
            ++pi;
            ++ti;
        } else if (pi < p.size() && p[pi] == '*') {
            star = pi++;
            mark = ti;
        } else if (star != std::string_view::npos) {
            pi = star + 1;
            ti = ++mark;
        } else {
            return false;
        }
    }
    while (pi < p.size() && p[pi] == '*') ++pi;
    return pi == p.size();
}

QuantConfig QuantConfig::uniform(const std::string& format) {
    QuantConfig c;
    c.defaultFormat = format;
    return c;
}

void QuantConfig::setBlockFormat(int block, const std::string& format) {
    rules.push_back({"blk." + std::to_string(block) + ".*", format});
}

ResolvedConfig QuantConfig::resolve(const ModelDesc& desc) const {
    ResolvedConfig r;
    r.m_desc = &desc;
    r.m_formats.assign(desc.tensors.size(), nullptr);
    if (activations != "ggml") parseActQuant(activations); // validates
    r.m_activations = activations;

    std::set<std::string> unused;
    for (const auto& [name, fmt] : overrides) unused.insert(name);

    auto choose = [&](const TensorDesc& t, const std::string& fallback) -> const QuantFormat* {
        std::string name = fallback, origin = "default format";
        for (const QuantRule& rule : rules)
            if (globMatch(rule.pattern, t.name)) {
                name = rule.format;
                origin = "rule '" + rule.pattern + "'";
            }
        if (auto it = overrides.find(t.name); it != overrides.end()) {
            name = it->second;
            origin = "override";
            unused.erase(t.name);
        }
        const QuantFormat& f = checkedFormat(name, "tensor " + t.name + " (" + origin + ")");
        const int64_t rows = t.shape.size() == 2 ? t.shape[0] : 1, cols = t.shape.back();
        if (std::string why = f.checkShape(rows, cols); !why.empty()) {
            if (!fallbackFormat.empty()) {
                const QuantFormat& fb = checkedFormat(fallbackFormat, "fallback format");
                if (fb.checkShape(rows, cols).empty()) {
                    r.m_fallbacks.push_back(t.name);
                    return &fb;
                }
            }
            throw Error("format " + f.name() + " does not fit tensor " + t.name + " (" + origin +
                        "): " + why +
                        (fallbackFormat.empty()
                             ? " (set a fallback format, e.g. f16, to keep such tensors)"
                             : ""));
        }
        return &f;
    };

    for (size_t i = 0; i < desc.tensors.size(); ++i) {
        const TensorDesc& t = desc.tensors[i];
        if (isLinearRole(t.role))
            r.m_formats[i] = choose(t, defaultFormat);
        else if (t.role == TensorRole::TokenEmbedding)
            r.m_formats[i] = choose(t, embeddingFormat);
        else if (t.role == TensorRole::Output)
            r.m_formats[i] = r.m_head = choose(t, outputFormat);
    }
    if (!r.m_head) { // tied head: the embedding matrix with the head's own format
        const TensorDesc* emb = desc.findRole(TensorRole::TokenEmbedding);
        if (!emb) throw Error("model has neither an output head nor a token embedding");
        TensorDesc head = *emb;
        head.name = "output.weight";
        head.role = TensorRole::Output;
        r.m_head = choose(head, outputFormat);
        unused.erase("output.weight");
    }
    if (!unused.empty())
        throw Error("override for unknown tensor '" + *unused.begin() +
                    "' (not a quantizable tensor of " + desc.path + ")");
    return r;
}

double ResolvedConfig::averageBitsPerWeight() const {
    double bits = 0, n = 0;
    for (size_t i = 0; i < m_formats.size(); ++i) {
        const TensorDesc& t = m_desc->tensors[i];
        if (!m_formats[i] || !isLinearRole(t.role)) continue;
        bits += m_formats[i]->bitsPerWeight(t.shape.back()) * double(t.elementCount());
        n += double(t.elementCount());
    }
    return n > 0 ? bits / n : 0;
}

double ResolvedConfig::averageBitsPerWeightAll() const {
    double bits = 0, n = 0;
    for (size_t i = 0; i < m_formats.size(); ++i) {
        if (!m_formats[i]) continue;
        const TensorDesc& t = m_desc->tensors[i];
        bits += m_formats[i]->bitsPerWeight(t.shape.back()) * double(t.elementCount());
        n += double(t.elementCount());
    }
    if (m_desc->hp.tiedOutput) { // the head's own copy, when it is stored separately
        const TensorDesc* emb = m_desc->findRole(TensorRole::TokenEmbedding);
        const auto idx = m_desc->find(emb->name);
        if (idx && m_formats[*idx] != m_head) {
            bits += m_head->bitsPerWeight(emb->shape.back()) * double(emb->elementCount());
            n += double(emb->elementCount());
        }
    }
    return n > 0 ? bits / n : 0;
}

uint64_t ResolvedConfig::modelBytes() const {
    double bits = 0;
    for (size_t i = 0; i < m_formats.size(); ++i) {
        const TensorDesc& t = m_desc->tensors[i];
        const double bpw = m_formats[i] ? m_formats[i]->bitsPerWeight(t.shape.back()) : 32.0;
        bits += bpw * double(t.elementCount());
    }
    if (m_desc->hp.tiedOutput) {
        const TensorDesc* emb = m_desc->findRole(TensorRole::TokenEmbedding);
        const auto idx = m_desc->find(emb->name);
        if (idx && m_formats[*idx] != m_head)
            bits += m_head->bitsPerWeight(emb->shape.back()) * double(emb->elementCount());
    }
    return uint64_t(bits / 8.0 + 0.5);
}

ActQuantPlan ResolvedConfig::actQuantPlan() const {
    ActQuantPlan plan;
    if (m_activations == "none") return plan;
    const bool perWeight = m_activations == "ggml";
    const ActQuant fixed = perWeight ? ActQuant::None : parseActQuant(m_activations);
    plan.blocks.assign(size_t(m_desc->hp.nLayers), {});
    for (auto& b : plan.blocks) b.fill(ActQuant::None);
    for (size_t i = 0; i < m_formats.size(); ++i) {
        const TensorDesc& t = m_desc->tensors[i];
        const int slot = slotOf(t.role);
        if (slot < 0 || !m_formats[i]) continue;
        plan.blocks[size_t(t.block)][size_t(slot)] =
            perWeight ? ggmlVecDotActQuant(m_formats[i]->ggmlType()) : fixed;
    }
    plan.output = perWeight ? ggmlVecDotActQuant(m_head->ggmlType()) : fixed;
    return plan;
}

int ResolvedConfig::firstDifferentBlock(const ResolvedConfig& other) const {
    const int L = m_desc->hp.nLayers;
    int first = L + 1;
    auto note = [&](int b) { first = std::min(first, b); };
    if (m_activations != other.m_activations) note(0);
    for (size_t i = 0; i < m_formats.size() && i < other.m_formats.size(); ++i) {
        if (m_formats[i] == other.m_formats[i]) continue;
        const TensorDesc& t = m_desc->tensors[i];
        if (t.role == TensorRole::TokenEmbedding)
            note(kEmbeddingDiffers);
        else if (t.role == TensorRole::Output)
            note(L);
        else if (t.block >= 0)
            note(t.block);
    }
    if (m_head != other.m_head) note(L);
    return first;
}

int ResolvedConfig::firstQuantizedBlock() const {
    const int L = m_desc->hp.nLayers;
    int first = L + 1;
    auto note = [&](int b) { first = std::min(first, b); };
    if (m_activations != "none") note(0);
    for (size_t i = 0; i < m_formats.size(); ++i) {
        if (isFullPrecision(m_formats[i])) continue;
        const TensorDesc& t = m_desc->tensors[i];
        if (t.role == TensorRole::TokenEmbedding)
            note(kEmbeddingDiffers);
        else if (t.role == TensorRole::Output)
            note(L);
        else if (t.block >= 0)
            note(t.block);
    }
    if (!isFullPrecision(m_head)) note(L);
    return first;
}

nlohmann::json QuantConfig::toJson() const {
    nlohmann::json j;
    j["schema"] = kSchema;
    j["version"] = kQuantConfigVersion;
    j["default"] = defaultFormat;
    j["embedding"] = embeddingFormat;
    j["output"] = outputFormat;
    j["activations"] = activations;
    if (!fallbackFormat.empty()) j["fallback"] = fallbackFormat;
    j["rules"] = nlohmann::json::array();
    for (const auto& r : rules) j["rules"].push_back({{"match", r.pattern}, {"format", r.format}});
    j["tensors"] = overrides;
    return j;
}

QuantConfig QuantConfig::fromJson(const nlohmann::json& j, const std::string& source) {
    auto fail = [&](const std::string& what) { throw Error(source + ": " + what); };
    if (!j.is_object()) fail("not a JSON object");
    if (j.value("schema", "") != kSchema)
        fail("not a QuantScope configuration (schema must be \"" + std::string(kSchema) + "\")");
    if (!j.contains("version") || !j["version"].is_number_integer())
        fail("missing integer \"version\"");
    const int version = j["version"].get<int>();
    if (version < 1 || version > kQuantConfigVersion)
        fail("configuration version " + std::to_string(version) +
             " is not supported (this build reads up to " + std::to_string(kQuantConfigVersion) +
             ")");
    QuantConfig c;
    try {
        c.defaultFormat = j.value("default", c.defaultFormat);
        c.embeddingFormat = j.value("embedding", c.embeddingFormat);
        c.outputFormat = j.value("output", c.outputFormat);
        c.activations = j.value("activations", c.activations);
        c.fallbackFormat = j.value("fallback", c.fallbackFormat);
        if (j.contains("rules"))
            for (const auto& r : j.at("rules"))
                c.rules.push_back(
                    {r.at("match").get<std::string>(), r.at("format").get<std::string>()});
        if (j.contains("tensors"))
            c.overrides = j.at("tensors").get<std::map<std::string, std::string>>();
    } catch (const nlohmann::json::exception& e) {
        fail(std::string("malformed field: ") + e.what());
    }
    for (const std::string* f : {&c.defaultFormat, &c.embeddingFormat, &c.outputFormat})
        checkedFormat(*f, source);
    if (!c.fallbackFormat.empty()) checkedFormat(c.fallbackFormat, source + ": fallback");
    for (const auto& r : c.rules) checkedFormat(r.format, source + ": rule '" + r.pattern + "'");
    for (const auto& [t, f] : c.overrides) checkedFormat(f, source + ": tensor " + t);
    if (c.activations != "ggml") {
        try {
            parseActQuant(c.activations);
        } catch (const Error& e) {
            fail(e.what());
        }
    }
    return c;
}

void QuantConfig::save(const std::filesystem::path& path) const {
    std::filesystem::path tmp = path;
    tmp += ".partial";
    {
        std::ofstream out(tmp, std::ios::trunc);
        if (!out) throw FileError(path, "cannot open for writing");
        out << toJson().dump(2) << '\n';
        out.flush();
        if (!out) {
            out.close();
            std::filesystem::remove(tmp);
            throw FileError(path, "write failed (disk full?)");
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::filesystem::remove(tmp, ec);
        throw FileError(path, "cannot move the finished file into place");
    }
}

QuantConfig QuantConfig::load(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) throw FileError(path, "cannot open for reading");
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        throw FileError(path, std::string("invalid JSON: ") + e.what());
    }
    return fromJson(j, path.string());
}

} // namespace qs
