#include "export/llama_quantize.h"

#include "core/error.h"
#include "export/export_plan.h"
#include "ggml/ggml_quants.h"
#include "model/gguf_reader.h"

#include <algorithm>
#include <cctype>
#include <regex>

namespace qs {

namespace fs = std::filesystem;

namespace {

struct Ftype {
    const char* name;
    int type;
};
// llama-quantize's ftype names (QUANT_OPTIONS) for the types QuantScope writes; the first entry
// of a type is what the command uses. Q4_K alone means Q4_K_M there, so the _S names are used.
constexpr Ftype kFtypes[] = {
    {"Q4_0", ggml::kQ4_0},   {"Q4_1", ggml::kQ4_1},   {"Q5_0", ggml::kQ5_0},
    {"Q5_1", ggml::kQ5_1},   {"Q8_0", ggml::kQ8_0},   {"Q2_K", ggml::kQ2_K},
    {"Q3_K_S", ggml::kQ3_K}, {"Q4_K_S", ggml::kQ4_K}, {"Q5_K_S", ggml::kQ5_K},
    {"Q6_K", ggml::kQ6_K},   {"F16", ggml::kF16},     {"BF16", ggml::kBF16},
    {"F32", ggml::kF32},     {"Q2_K_S", ggml::kQ2_K}, {"Q3_K", ggml::kQ3_K},
    {"Q3_K_M", ggml::kQ3_K}, {"Q3_K_L", ggml::kQ3_K}, {"Q4_K", ggml::kQ4_K},
    {"Q4_K_M", ggml::kQ4_K}, {"Q5_K", ggml::kQ5_K},   {"Q5_K_M", ggml::kQ5_K},
};

std::string upper(std::string s) {
    for (char& c : s) c = char(std::toupper(static_cast<unsigned char>(c)));
    return s;
}
std::string lower(std::string s) {
    for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

int ftypeType(const std::string& name) {
    for (const Ftype& f : kFtypes)
        if (upper(name) == f.name) return f.type;
    return -1;
}

std::string ftypeName(int type) {
    for (const Ftype& f : kFtypes)
        if (f.type == type) return f.name;
    return "F32";
}

bool isQuantizedType(int t) {
    return t != ggml::kF32 && t != ggml::kF16 && t != ggml::kBF16;
}

bool isLinear(TensorRole r) {
    return !hfBlockModule(r).empty();
}

std::string roleSuffix(const ExportTensor& t) {
    return std::string(tensorRoleName(t.role)) + ".weight";
}

bool shellSafe(const std::string& w) {
    if (w.empty()) return false;
    for (char c : w)
        if (!std::isalnum(static_cast<unsigned char>(c)) &&
            std::string_view("_./=:-+,@%").find(c) == std::string_view::npos)
            return false;
    return true;
}

} // namespace

std::string LlamaQuantizeCommand::commandLine() const {
    std::string line;
    for (const std::string& a : args) {
        if (!line.empty()) line += ' ';
        if (shellSafe(a)) {
            line += a;
            continue;
        }
        line += '\'';
        for (char c : a) line += c == '\'' ? std::string("'\\''") : std::string(1, c);
        line += '\'';
    }
    return line;
}

std::string LlamaQuantizeCommand::script(const std::string& modelPath) const {
    std::string text = "#!/bin/sh\n# llama-quantize command for " + modelPath + "\n";
    for (const std::string& n : notes) text += "# note: " + n + "\n";
    return text + commandLine() + "\n";
}

LlamaQuantizeCommand llamaQuantizeCommand(const ModelDesc& desc, const ResolvedConfig& config,
                                          const LlamaQuantizeOptions& options) {
    const std::vector<ExportTensor> tensors = exportTensors(desc, config, HeadPolicy::Always);
    throwIfUnmapped(unmappedGgmlTensors(tensors), "llama-quantize");

    LlamaQuantizeCommand cmd;
    fs::path input = options.input;
    if (input.empty()) {
        if (desc.format == "gguf") {
            input = desc.path;
        } else {
            fs::path p(desc.path);
            if (!p.has_filename()) p = p.parent_path(); // a folder given with a trailing slash
            input = fs::is_directory(p) ? fs::path(p.string() + "-f32.gguf")
                                        : p.parent_path() / (p.stem().string() + "-f32.gguf");
            cmd.notes.push_back(
                "llama-quantize reads GGUF: write " + input.string() +
                " first (quantscope-cli export MODEL --format gguf --uniform f32 --out " +
                input.string() + ")");
        }
    }
    bool hasOutput = !desc.hp.tiedOutput;
    if (options.inputHasOutputTensor) {
        hasOutput = *options.inputHasOutputTensor;
    } else if (std::error_code ec; fs::is_regular_file(input, ec)) {
        try {
            hasOutput = GgufFile::open(input).findTensor("output.weight") != nullptr;
        } catch (const Error&) {
            // Not readable as GGUF here; llama-quantize will say so. Keep the model's view.
        }
    }

    // Base: the ggml type of most linear weights, preferring quantized types because
    // llama-quantize applies --tensor-type only under a quantized base.
    std::map<int, uint64_t> byType;
    for (const ExportTensor& t : tensors)
        if (isLinear(t.role)) byType[exportGgmlType(*t.format)] += uint64_t(t.rows * t.cols);
    int base = -1;
    uint64_t most = 0;
    for (bool quantizedOnly : {true, false}) {
        for (const auto& [type, n] : byType)
            if ((!quantizedOnly || isQuantizedType(type)) && n > most) base = type, most = n;
        if (base >= 0) break;
    }
    if (base < 0) base = ggml::kF32;
    cmd.baseType = ftypeName(base);

    std::vector<std::string>& a = cmd.args;
    a.push_back(options.executable);
    const bool requantize =
        std::any_of(desc.tensors.begin(), desc.tensors.end(), [](const TensorDesc& t) {
            return t.fileType != DType::F32 && t.fileType != DType::F16 &&
                   t.fileType != DType::BF16;
        });
    if (requantize) a.push_back("--allow-requantize");
    if (!options.imatrix.empty()) a.insert(a.end(), {"--imatrix", options.imatrix.string()});

    std::vector<PatternItem> items;
    int embType = -1, headType = -1;
    bool linearTypesDiffer = false;
    std::string misfits;
    for (const ExportTensor& t : tensors) {
        if (!t.format) continue; // norms and biases stay f32 in llama-quantize too
        const int type = exportGgmlType(*t.format);
        if (t.role == TensorRole::TokenEmbedding)
            embType = type;
        else if (t.role == TensorRole::Output)
            headType = type;
        else if (isLinear(t.role)) {
            items.push_back({t.block, roleSuffix(t), ggmlTypeArgName(type)});
            linearTypesDiffer |= type != base;
            // The base type's shape check runs before any override is consulted.
            if (isQuantizedType(base) && t.cols % ggmlTypeTraits(base)->blockSize != 0)
                misfits += (misfits.empty() ? "" : ", ") + t.name;
        }
    }
    if (!misfits.empty())
        cmd.notes.push_back(misfits + ": rows do not fit " + ggmlTypeArgName(base) +
                            " blocks; llama-quantize substitutes its own fallback type (or stops "
                            "for q4_0/q5_0/q8_0 bases) before --tensor-type applies; QuantScope's "
                            "GGUF writer (--format gguf) has no such limit");
    if (embType >= 0) a.insert(a.end(), {"--token-embedding-type", ggmlTypeArgName(embType)});
    if (hasOutput && headType >= 0) {
        a.insert(a.end(), {"--output-tensor-type", ggmlTypeArgName(headType)});
    } else if (headType >= 0 && headType != embType) {
        cmd.notes.push_back("the input has no output.weight, so llama.cpp computes the head from "
                            "token_embd (" +
                            ggmlTypeArgName(embType) + "), not " + ggmlTypeArgName(headType) +
                            " as configured");
    }
    if (isQuantizedType(base)) {
        for (const auto& [pattern, type] : compactPatterns(items, "blk\\."))
            a.insert(a.end(), {"--tensor-type", pattern + "=" + type});
    } else if (linearTypesDiffer) {
        cmd.notes.push_back("no linear weight is quantized, and llama-quantize ignores "
                            "--tensor-type under a " +
                            cmd.baseType +
                            " base: every linear weight "
                            "becomes " +
                            cmd.baseType);
    }
    fs::path output = options.output;
    if (output.empty())
        output =
            input.parent_path() / (input.stem().string() + "-" + lower(cmd.baseType) + ".gguf");
    a.push_back(input.string());
    a.push_back(output.string());
    a.push_back(cmd.baseType);
    if (options.threads > 0) a.push_back(std::to_string(options.threads));
    return cmd;
}

std::map<std::string, std::string> llamaQuantizeTensorTypes(const std::vector<std::string>& args,
                                                            const ModelDesc& desc,
                                                            bool hasOutputTensor) {
    auto fail = [](const std::string& what) -> void {
        throw Error("llama-quantize command: " + what);
    };
    struct Override {
        std::regex re;
        int type;
    };
    std::vector<Override> overrides;
    int embType = -1, outType = -1;
    bool pure = false, leaveOutput = false;
    size_t i = 1;
    auto typeArg = [&](const std::string& opt) {
        if (i + 1 >= args.size()) fail(opt + " needs a value");
        const int t = parseGgmlTypeArg(args[++i]);
        if (t < 0) fail("unknown ggml type '" + args[i] + "' for " + opt);
        return t;
    };
    for (; i < args.size() && args[i].rfind("--", 0) == 0; ++i) {
        const std::string& o = args[i];
        if (o == "--allow-requantize" || o == "--keep-split") continue;
        if (o == "--pure")
            pure = true;
        else if (o == "--leave-output-tensor")
            leaveOutput = true;
        else if (o == "--token-embedding-type")
            embType = typeArg(o);
        else if (o == "--output-tensor-type")
            outType = typeArg(o);
        else if (o == "--tensor-type") {
            if (i + 1 >= args.size()) fail("--tensor-type needs NAME=TYPE");
            const std::string& v = args[++i];
            const auto eq = v.find('=');
            if (eq == std::string::npos || eq == 0 || eq + 1 == v.size())
                fail("malformed --tensor-type '" + v + "'");
            const int t = parseGgmlTypeArg(v.substr(eq + 1));
            if (t < 0) fail("unknown ggml type in --tensor-type '" + v + "'");
            try {
                overrides.push_back({std::regex(lower(v.substr(0, eq))), t});
            } catch (const std::regex_error& e) {
                fail("invalid regex in --tensor-type '" + v + "': " + e.what());
            }
        } else if (o == "--imatrix" || o == "--include-weights" || o == "--exclude-weights" ||
                   o == "--prune-layers" || o == "--override-kv") {
            if (++i >= args.size()) fail(o + " needs a value");
        } else {
            fail("unknown option '" + o + "'");
        }
    }
    // IN [OUT] FTYPE [NTHREADS]: like llama-quantize, an ftype right after IN means no OUT.
    const size_t positionals = args.size() - i;
    if (positionals < 2) fail("expected IN.gguf [OUT.gguf] TYPE [nthreads]");
    int base = ftypeType(args[i + 1]);
    if (base < 0) {
        if (positionals < 3) fail("missing TYPE");
        base = ftypeType(args[i + 2]);
        if (base < 0) fail("unknown or unmodelled TYPE '" + args[i + 2] + "'");
    }

    std::map<std::string, std::string> out;
    auto assign = [&](const std::string& name, TensorRole role) {
        int t = base;
        if (!pure && isQuantizedType(base))
            for (const Override& o : overrides)
                if (std::regex_search(name, o.re)) t = o.type;
        if (role == TensorRole::TokenEmbedding && embType >= 0) t = embType;
        if (role == TensorRole::Output) {
            if (outType >= 0) t = outType;
            if (leaveOutput) t = ggml::kF32; // kept as in the input, assumed full precision
        }
        out[name] = ggmlTypeArgName(t);
    };
    for (const TensorDesc& t : desc.tensors) {
        if (isQuantizableRole(t.role) && (t.role != TensorRole::Output || hasOutputTensor))
            assign(t.name, t.role);
        else if (!isQuantizableRole(t.role))
            out[t.name] = "f32";
    }
    if (desc.hp.tiedOutput && hasOutputTensor) assign("output.weight", TensorRole::Output);
    return out;
}

std::vector<std::string> splitShellWords(const std::string& line) {
    std::vector<std::string> words;
    std::string cur;
    bool inWord = false;
    for (size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (c == '\'') {
            const size_t end = line.find('\'', i + 1);
            if (end == std::string::npos) throw Error("unterminated ' in command line");
            cur.append(line, i + 1, end - i - 1);
            i = end;
            inWord = true;
        } else if (c == '"') {
            for (++i; i < line.size() && line[i] != '"'; ++i) {
                if (line[i] == '\\' && i + 1 < line.size() &&
                    std::string_view("\"\\$`").find(line[i + 1]) != std::string_view::npos)
                    ++i;
                cur += line[i];
            }
            if (i >= line.size()) throw Error("unterminated \" in command line");
            inWord = true;
        } else if (c == '\\' && i + 1 < line.size()) {
            cur += line[++i];
            inWord = true;
        } else if (std::isspace(static_cast<unsigned char>(c))) {
            if (inWord) words.push_back(std::move(cur));
            cur.clear();
            inWord = false;
        } else {
            cur += c;
            inWord = true;
        }
    }
    if (inWord) words.push_back(std::move(cur));
    return words;
}

} // namespace qs
