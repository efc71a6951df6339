// quantscope-cli: the headless twin of the workbench. Every result is scriptable: text tables
// by default, --json for machines, progress on stderr, one-line errors with a non-zero exit.
#include "cli_args.h"
#include "commands.h"
#include "core/error.h"
#include "kernels/kernels.h"

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

namespace {

struct Command {
    const char* name;
    int (*run)(int, char**);
    const char* summary;
};

constexpr Command kCommands[] = {
    {"analyze", qs::cli::runAnalyze,
     "analyze MODEL --data TEXT --out SESSION.h5 [--ctx N] [--protocol P] [--max-tokens N] [--seed "
     "N]\n"
     "                [--calibration TEXT] [--gram] [--formats F1,F2] [--fallback F] [--no-stats]\n"
     "                reference pass, statistics and predicted error into a session file"},
    {"info", qs::cli::runInfo,
     "info MODEL [--tokenizer T] [--json]   architecture, tensors, sizes"},
    {"tokenize", qs::cli::runTokenize,
     "tokenize MODEL|TOKENIZER (--text S | --file F) [--no-bos] [--pieces] [--json]"},
    {"eval", qs::cli::runEval,
     "eval MODEL --data TEXT [--ctx N] [--protocol half|full] [--max-tokens N] [--max-bytes N]\n"
     "                [--threads N] [--tokenizer T] [--json] [--quiet]   perplexity with 95% CI\n"
     "                [--config CFG.json | --uniform FORMAT] [--embedding F] [--output F]\n"
     "                [--act-quant none|int8_token|q8_0|q8_k|f16|ggml] [--fallback F]\n"
     "                [--budget-mb N] [--seed N]\n"
     "                [--save-config OUT.json]   quantized vs full precision: PPL, KLD, top-1, "
     "calibration"},
    {"compare", qs::cli::runCompare,
     "compare MODEL --data TEXT --formats F1,F2,... [--ctx N] [--protocol P] [--max-tokens N]\n"
     "                [--fallback F] [--act-quant A] [--json|--csv]   uniform formats side by "
     "side"},
    {"export", qs::cli::runExport,
     "export MODEL (--config CFG.json | --uniform F) --format "
     "gguf|llama-quantize|hf-compressed-tensors|\n"
     "                hf-gptqmodel|json --out PATH [--fallback F] [--input IN.gguf] [--data TEXT]\n"
     "                [--no-hash]   quantized GGUF, llama-quantize command, HF "
     "quantization_config, record"},
    {"formats", qs::cli::runFormats,
     "formats [--family F] [--json]   quantization formats with bits per weight"},
    {"imatrix", qs::cli::runImatrix,
     "imatrix export MODEL --data TEXT --out FILE.gguf|FILE.dat [--ctx N] [--max-tokens N] "
     "[--threads N]\n"
     "                imatrix import FILE [--chunk-size N] [--json]   llama.cpp importance "
     "matrices"},
    {"plugins", qs::cli::runPlugins,
     "plugins [--path DIR[:DIR...]] [--json]   plugins found, with status, version and path"},
    {"generate", qs::cli::runGenerate,
     "generate MODEL [--prompt S] [-n N] [--temperature T] [--top-p P] [--seed S] [--json]"},
#ifdef QS_HAVE_REPORTS
    {"report", qs::cli::runReport,
     "report SESSION.h5 --out REPORT.pdf|.html|.md [--config NAME|CFG.json|uniform:F,...]\n"
     "                [--fallback F] [--title T] [--save]   report for papers: "
     "tables,\n"
     "                figures (SVG/PNG), LaTeX/CSV and provenance beside it"},
#endif
    {"sweep", qs::cli::runSweep,
     "sweep SESSION.h5 --formats F1,F2,... [--by layer|block] [--fallback F] [--max-tokens N]\n"
     "                [--restart] [--json]   measured sensitivity per layer x format (resumable)"},
    {"synth", qs::cli::runSynth,
     "synth --shape synth15M|synth110M|synth260K --out FILE [--format llama2c|gguf] [--seed N]\n"
     "                [--tokenizer tokenizer.bin]   seeded random Llama model of a real shape"},
};

void printUsage(FILE* out) {
    std::fprintf(out, "usage: quantscope-cli COMMAND [ARGS]\n\ncommands:\n");
    for (const auto& c : kCommands) std::fprintf(out, "  %s\n", c.summary);
    std::fprintf(out, "\n  --version   print the version\n  --help      this text\n");
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        printUsage(stderr);
        return 2;
    }
    const std::string cmd = argv[1];
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
        printUsage(stdout);
        return 0;
    }
    if (cmd == "--version") {
        std::printf("quantscope-cli %s (SIMD: %s)\n", QS_VERSION, qs::kernels::simdTargetName());
        return 0;
    }
    for (const auto& c : kCommands) {
        if (cmd != c.name) continue;
        try {
            return c.run(argc - 2, argv + 2);
        } catch (const qs::cli::UsageError& e) {
            std::fprintf(stderr, "quantscope-cli %s: %s\nusage: quantscope-cli %s\n", c.name,
                         e.what(), c.summary);
            return 2;
        } catch (const qs::Canceled&) {
            std::fprintf(stderr, "quantscope-cli %s: canceled\n", c.name);
            return 130;
        } catch (const std::exception& e) {
            std::fprintf(stderr, "quantscope-cli %s: error: %s\n", c.name, e.what());
            return 1;
        }
    }
    std::fprintf(stderr, "quantscope-cli: unknown command '%s'\n", cmd.c_str());
    printUsage(stderr);
    return 2;
}
