#include "cli_common.h"

#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/task_arena.h>

#include <cstdio>

namespace qs::cli {

std::shared_ptr<Model> loadModelFromArgs(const CliArgs& args, bool requireTokenizer) {
    LoadOptions opt;
    opt.tokenizerPath = args.value("tokenizer");
    opt.requireTokenizer = requireTokenizer;
    return loadModel(
        args.positional(0, "MODEL (a llama2.c .bin, a .gguf or a Hugging Face folder)"), opt);
}

std::shared_ptr<void> limitThreads(const CliArgs& args) {
    const int64_t n = args.intValue("threads", 0);
    if (n < 0) throw UsageError("--threads must be >= 0");
    if (n == 0) return nullptr;
    return std::make_shared<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                 size_t(n));
}

int activeThreads() {
    return int(tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism));
}

std::string withThousands(uint64_t v) {
    std::string s = std::to_string(v);
    for (int i = int(s.size()) - 3; i > 0; i -= 3) s.insert(size_t(i), ",");
    return s;
}

std::string humanBytes(uint64_t bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = double(bytes);
    int u = 0;
    while (v >= 1024.0 && u < 4) {
        v /= 1024.0;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.2f %s", v, units[u]);
    return buf;
}

} // namespace qs::cli
