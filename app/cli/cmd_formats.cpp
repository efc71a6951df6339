#include "cli_args.h"
#include "commands.h"

#include "quant/quant_format.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

namespace qs::cli {

namespace {
// Row length at which bits per weight are quoted (a typical hidden size; group overheads are
// exact for any multiple of 256).
constexpr int64_t kQuotedRowLength = 4096;
} // namespace

int runFormats(int argc, char** argv) {
    CliArgs args(argv, argc, {"family"}, {"json"});
    args.expectAtMostPositionals(0);
    const std::string family = args.value("family");
    nlohmann::json list = nlohmann::json::array();
    if (!args.flag("json"))
        std::printf("%-22s %-10s %5s %8s  %s\n", "format", "family", "bits", "bpw", "description");
    for (const QuantFormat* f : allQuantFormats()) {
        if (!family.empty() && f->family() != family) continue;
        const double bpw = f->bitsPerWeight(kQuotedRowLength);
        if (args.flag("json"))
            list.push_back({{"name", f->name()},
                            {"family", f->family()},
                            {"bits", f->nominalBits()},
                            {"bits_per_weight", bpw},
                            {"ggml_type", f->ggmlType()},
                            {"description", f->description()}});
        else
            std::printf("%-22s %-10s %5d %8.4f  %s\n", f->name().c_str(), f->family().c_str(),
                        f->nominalBits(), bpw, f->description().c_str());
    }
    if (args.flag("json")) std::cout << list.dump(2) << '\n';
    return 0;
}

} // namespace qs::cli
