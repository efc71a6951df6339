#include "export/export_plan.h"

#include "core/error.h"
#include "ggml/ggml_quants.h"
#include "quant/int_formats.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace qs {

std::vector<ExportTensor> exportTensors(const ModelDesc& desc, const ResolvedConfig& config,
                                        HeadPolicy head) {
    std::vector<ExportTensor> out;
    const TensorDesc* emb = desc.findRole(TensorRole::TokenEmbedding);
    const auto embIndex = emb ? desc.find(emb->name) : std::nullopt;
    const bool listTiedHead =
        desc.hp.tiedOutput && emb && embIndex &&
        (head == HeadPolicy::Always || config.format(*embIndex) != config.headFormat());
    bool headListed = false;
    auto addTiedHead = [&] {
        ExportTensor t;
        t.name = canonicalTensorName(TensorRole::Output, -1);
        t.role = TensorRole::Output;
        t.rows = emb->shape[0];
        t.cols = emb->shape[1];
        t.format = config.headFormat();
        out.push_back(std::move(t));
        headListed = true;
    };
    for (size_t i = 0; i < desc.tensors.size(); ++i) {
        const TensorDesc& d = desc.tensors[i];
        if (d.role == TensorRole::Output && desc.hp.tiedOutput) continue; // listed below if at all
        if (listTiedHead && !headListed && d.block >= 0) addTiedHead();
        ExportTensor t;
        t.name = d.name;
        t.role = d.role;
        t.block = d.block;
        t.rows = d.shape.size() == 2 ? d.shape[0] : 1;
        t.cols = d.shape.back();
        t.format = config.format(i);
        t.descIndex = i;
        out.push_back(std::move(t));
        if (listTiedHead && !headListed && d.role == TensorRole::OutputNorm) addTiedHead();
    }
    if (listTiedHead && !headListed) addTiedHead();
    return out;
}

int exportGgmlType(const QuantFormat& f) {
    const int t = f.ggmlType();
    return t >= 0 && ggmlTypeTraits(t) ? t : -1;
}

std::string ggmlTypeArgName(int type) {
    const GgmlTypeTraits* t = ggmlTypeTraits(type);
    return t ? std::string(t->name) : "type" + std::to_string(type);
}

int parseGgmlTypeArg(std::string_view name) {
    auto lower = [](std::string_view s) {
        std::string r(s);
        for (char& c : r) c = char(std::tolower(static_cast<unsigned char>(c)));
        return r;
    };
    for (const GgmlTypeTraits& t : ggmlSupportedTypes())
        if (lower(t.name) == lower(name)) return t.type;
    return -1;
}

std::string nearestGgmlType(const QuantFormat& f) {
    if (const int t = exportGgmlType(f); t >= 0) return ggmlTypeArgName(t);
    const std::string name = f.name();
    if (name.rfind("nf4", 0) == 0) return "iq4_nl (llama.cpp's non-linear 4-bit type; or q4_0)";
    if (name == "mxfp4") return "mxfp4 (ggml type 39 in recent llama.cpp; or q4_0)";
    IntFormatSpec spec;
    if (parseIntFormatSpec(name, &spec)) {
        const char* t = spec.bits <= 2   ? "q2_K"
                        : spec.bits == 3 ? "q3_K"
                        : spec.bits == 4 ? (spec.asymmetric ? "q4_1" : "q4_0")
                        : spec.bits == 5 ? (spec.asymmetric ? "q5_1" : "q5_0")
                        : spec.bits == 6 ? "q6_K"
                                         : "q8_0";
        return std::string(t) + " (" + std::to_string(spec.bits) + "-bit" +
               (spec.bits >= 4 && spec.bits != 6 && spec.bits <= 8 ? ", 32-element blocks" : "") +
               ")";
    }
    const int bits = f.nominalBits();
    if (f.family() == "ternary") return "tq2_0 (llama.cpp's ternary type; or q2_K)";
    if (bits <= 2) return "q2_K";
    if (bits == 3) return "q3_K";
    if (bits == 4) return "q4_0";
    if (bits == 5) return "q5_0";
    if (bits == 6) return "q6_K";
    if (bits <= 8) return "q8_0";
    return "f16";
}

std::vector<UnmappedTensor> unmappedGgmlTensors(const std::vector<ExportTensor>& tensors) {
    std::vector<UnmappedTensor> out;
    for (const ExportTensor& t : tensors)
        if (t.format && exportGgmlType(*t.format) < 0)
            out.push_back({t.name, t.format->name(), nearestGgmlType(*t.format)});
    return out;
}

void throwIfUnmapped(const std::vector<UnmappedTensor>& unmapped, const std::string& target) {
    if (unmapped.empty()) return;
    // One line per format: configurations usually repeat a format over many tensors.
    std::map<std::string, std::pair<std::vector<std::string>, std::string>> byFormat;
    for (const UnmappedTensor& u : unmapped) {
        auto& [names, suggestion] = byFormat[u.format];
        names.push_back(u.tensor);
        suggestion = u.suggestion;
    }
    std::string msg = std::to_string(unmapped.size()) + " tensor(s) have formats that " + target +
                      " cannot represent:";
    for (const auto& [format, entry] : byFormat) {
        const auto& [names, suggestion] = entry;
        msg += "\n  " + format + " (" + std::to_string(names.size()) + "): ";
        for (size_t i = 0; i < names.size() && i < 8; ++i) msg += (i ? ", " : "") + names[i];
        if (names.size() > 8) msg += ", ... " + std::to_string(names.size() - 8) + " more";
        if (!suggestion.empty()) msg += " -> nearest: " + suggestion;
    }
    throw Error(msg);
}

std::string regexEscape(std::string_view s) {
    std::string r;
    for (char c : s) {
        if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) r += '\\';
        r += c;
    }
    return r;
}

std::vector<std::pair<std::string, std::string>>
compactPatterns(const std::vector<PatternItem>& items, std::string_view blockPrefix) {
    // value -> suffix -> blocks; then (value, blocks) -> suffixes.
    std::map<std::string, std::map<std::string, std::set<int>>> byValue;
    std::vector<std::pair<std::string, std::string>> globals;
    for (const PatternItem& it : items) {
        if (it.block < 0)
            globals.emplace_back(std::string("^").append(regexEscape(it.suffix)).append("$"),
                                 it.value);
        else
            byValue[it.value][it.suffix].insert(it.block);
    }
    std::vector<std::pair<std::string, std::string>> out = std::move(globals);
    for (const auto& [value, suffixes] : byValue) {
        std::map<std::set<int>, std::vector<std::string>> byBlocks;
        for (const auto& [suffix, blocks] : suffixes) byBlocks[blocks].push_back(suffix);
        for (const auto& [blocks, names] : byBlocks) {
            auto alt = [](const std::vector<std::string>& parts) {
                if (parts.size() == 1) return parts[0];
                std::string r = "(";
                for (size_t i = 0; i < parts.size(); ++i) {
                    if (i) r += '|';
                    r += parts[i];
                }
                r += ')';
                return r;
            };
            std::vector<std::string> b, n;
            for (int x : blocks) b.push_back(std::to_string(x));
            for (const auto& s : names) n.push_back(regexEscape(s));
            std::string pattern = "^";
            pattern.append(blockPrefix).append(alt(b)).append("\\.").append(alt(n)).append("$");
            out.emplace_back(std::move(pattern), value);
        }
    }
    return out;
}

std::string hfBlockModule(TensorRole role) {
    switch (role) {
    case TensorRole::Wq:
        return "self_attn.q_proj";
    case TensorRole::Wk:
        return "self_attn.k_proj";
    case TensorRole::Wv:
        return "self_attn.v_proj";
    case TensorRole::Wo:
        return "self_attn.o_proj";
    case TensorRole::FfnGate:
        return "mlp.gate_proj";
    case TensorRole::FfnUp:
        return "mlp.up_proj";
    case TensorRole::FfnDown:
        return "mlp.down_proj";
    default:
        return {};
    }
}

std::string hfModuleName(TensorRole role, int block) {
    if (role == TensorRole::TokenEmbedding) return "model.embed_tokens";
    if (role == TensorRole::Output) return "lm_head";
    const std::string m = hfBlockModule(role);
    return m.empty() ? m : "model.layers." + std::to_string(block) + "." + m;
}

} // namespace qs
