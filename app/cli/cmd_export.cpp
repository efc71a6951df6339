#include "cli_args.h"
#include "cli_common.h"
#include "commands.h"

#include "export/config_export.h"
#include "export/gguf_export.h"
#include "export/hf_quant_config.h"
#include "export/llama_quantize.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

namespace qs::cli {

namespace {

QuantConfig exportConfigFromArgs(const CliArgs& args) {
    if (args.has("config") == args.has("uniform"))
        throw UsageError("give exactly one of --config CFG.json and --uniform FORMAT");
    QuantConfig cfg = args.has("config") ? importConfigFile(args.value("config")).config
                                         : QuantConfig::uniform(args.value("uniform"));
    if (args.has("uniform")) {
        cfg.embeddingFormat = cfg.outputFormat = cfg.defaultFormat;
        cfg.fallbackFormat = "f16"; // llama.cpp's choice for rows a block type cannot split
    }
    if (args.has("fallback")) cfg.fallbackFormat = args.value("fallback");
    return cfg;
}

void printNotes(const std::vector<std::string>& notes) {
    for (const std::string& n : notes) std::fprintf(stderr, "note: %s\n", n.c_str());
}

} // namespace

int runExport(int argc, char** argv) {
    CliArgs args(argv, argc,
                 {"config", "uniform", "format", "out", "fallback", "tokenizer", "input", "threads",
                  "data", "name"},
                 {"no-hash"});
    args.expectAtMostPositionals(1);
    const std::string format = args.value("format");
    const std::string out = args.value("out");
    if (format.empty())
        throw UsageError(
            "missing --format gguf|llama-quantize|hf-compressed-tensors|hf-gptqmodel|json");
    if (out.empty()) throw UsageError("missing --out PATH (- for stdout, except gguf)");
    auto model = loadModelFromArgs(args);
    const QuantConfig cfg = exportConfigFromArgs(args);
    const ResolvedConfig resolved = cfg.resolve(model->desc());
    if (!resolved.fallbacks().empty())
        std::fprintf(stderr, "note: %zu tensor(s) use the fallback format %s\n",
                     resolved.fallbacks().size(), cfg.fallbackFormat.c_str());

    auto emit = [&](const std::string& text) {
        if (out == "-")
            std::cout << text;
        else
            writeTextFileAtomic(out, text);
    };
    if (format == "gguf") {
        if (out == "-") throw UsageError("--format gguf needs a file for --out");
        const GgufExportReport r =
            writeQuantizedGguf(*model, resolved, out, {.name = args.value("name")});
        printNotes(r.notes);
        std::printf("wrote %s: %zu tensors, general.file_type %u, %s\n", out.c_str(),
                    r.types.size(), r.fileType, humanBytes(r.bytes).c_str());
    } else if (format == "llama-quantize") {
        LlamaQuantizeOptions o;
        o.input = args.value("input");
        o.threads = int(args.intValue("threads", 0));
        const LlamaQuantizeCommand c = llamaQuantizeCommand(model->desc(), resolved, o);
        emit(c.script(model->desc().path));
        printNotes(c.notes);
    } else if (format == "hf-compressed-tensors" || format == "hf-gptqmodel") {
        const nlohmann::json q = format == "hf-gptqmodel"
                                     ? gptqModelConfig(model->desc(), resolved)
                                     : compressedTensorsConfig(model->desc(), resolved);
        emit(nlohmann::json{{"quantization_config", q}}.dump(2) + "\n");
    } else if (format == "json") {
        const ExportRecordInfo info = exportRecordInfo(model->desc().path, args.value("data"),
                                                       QS_VERSION, !args.flag("no-hash"));
        emit(exportConfigJson(cfg, resolved, model->desc(), info).dump(2) + "\n");
    } else {
        throw UsageError("unknown --format '" + format +
                         "' (gguf, llama-quantize, hf-compressed-tensors, hf-gptqmodel, json)");
    }
    if (format != "gguf" && out != "-") std::printf("wrote %s\n", out.c_str());
    return 0;
}

} // namespace qs::cli
