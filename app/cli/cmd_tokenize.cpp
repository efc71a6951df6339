#include "cli_args.h"
#include "cli_common.h"
#include "commands.h"

#include "core/text_file.h"
#include "tokenizer/tokenizer.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>

namespace qs::cli {

namespace {
// A standalone tokenizer file rather than a model: tokenizer.bin/.model/.json by name.
bool looksLikeTokenizerFile(const std::filesystem::path& p) {
    const std::string name = p.filename().string();
    return !std::filesystem::is_directory(p) &&
           (name.rfind("tokenizer", 0) == 0 || p.extension() == ".model" ||
            p.extension() == ".json");
}
} // namespace

int runTokenize(int argc, char** argv) {
    CliArgs args(argv, argc, {"text", "file", "tokenizer", "max-bytes"},
                 {"no-bos", "pieces", "json"});
    args.expectAtMostPositionals(1);
    const std::filesystem::path source = args.positional(0, "MODEL or TOKENIZER file");
    std::shared_ptr<const Tokenizer> tok;
    if (looksLikeTokenizerFile(source)) {
        tok = loadTokenizer(source);
    } else {
        tok = loadModelFromArgs(args, /*requireTokenizer=*/true)->tokenizer();
    }
    if (args.has("text") == args.has("file"))
        throw UsageError("give exactly one of --text or --file");
    const std::string text =
        args.has("text")
            ? args.value("text")
            : readTextFile(args.value("file"), uint64_t(args.intValue("max-bytes", 0)));
    const auto ids = tok->encode(text, !args.flag("no-bos"));

    if (args.flag("json")) {
        nlohmann::json j = {{"tokenizer", tok->kind()}, {"count", ids.size()}, {"ids", ids}};
        if (args.flag("pieces")) {
            auto& pieces = j["pieces"] = nlohmann::json::array();
            for (int32_t id : ids) pieces.push_back(tok->tokenText(id));
        }
        std::cout << j.dump(args.flag("pieces") ? 2 : -1) << '\n';
        return 0;
    }
    for (size_t i = 0; i < ids.size(); ++i) {
        if (args.flag("pieces"))
            std::printf("%d\t%s\n", ids[i], tok->tokenText(ids[i]).c_str());
        else
            std::printf(i + 1 < ids.size() ? "%d " : "%d\n", ids[i]);
    }
    std::fprintf(stderr, "%zu tokens\n", ids.size());
    return 0;
}

} // namespace qs::cli
