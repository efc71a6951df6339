#include "cli_args.h"
#include "cli_common.h"
#include "commands.h"

#include "model/model.h"
#include "tokenizer/tokenizer.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

namespace qs::cli {

namespace {

std::string shapeString(const std::vector<int64_t>& shape) {
    std::string s;
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? " x " : "") + std::to_string(shape[i]);
    return s;
}

nlohmann::json hparamsJson(const HParams& hp) {
    return {{"dim", hp.dim},
            {"hidden_dim", hp.hiddenDim},
            {"n_layers", hp.nLayers},
            {"n_heads", hp.nHeads},
            {"n_kv_heads", hp.nKvHeads},
            {"head_dim", hp.headDim},
            {"vocab_size", hp.vocabSize},
            {"max_seq_len", hp.maxSeqLen},
            {"norm_eps", hp.normEps},
            {"rope_theta", hp.ropeTheta},
            {"rope_style", hp.rope == RopeStyle::Interleaved ? "interleaved" : "rotate_half"},
            {"tied_output", hp.tiedOutput},
            {"qkv_bias", hp.qkvBias},
            {"bos_id", hp.bosId},
            {"eos_id", hp.eosId}};
}

} // namespace

int runInfo(int argc, char** argv) {
    CliArgs args(argv, argc, {"tokenizer"}, {"json"});
    args.expectAtMostPositionals(1);
    auto model = loadModelFromArgs(args);
    const ModelDesc& d = model->desc();
    auto tok = model->tokenizer();

    if (args.flag("json")) {
        nlohmann::json j;
        j["path"] = d.path;
        j["format"] = d.format;
        j["architecture"] = architectureName(d.arch);
        j["hparams"] = hparamsJson(d.hp);
        j["parameters"] = d.parameterCount();
        j["file_bytes"] = d.fileBytes;
        j["tokenizer"] =
            tok ? nlohmann::json{{"kind", tok->kind()}, {"vocab_size", tok->vocabSize()}}
                : nlohmann::json(nullptr);
        for (const auto& t : d.tensors)
            j["tensors"].push_back({{"name", t.name},
                                    {"file_name", t.fileName},
                                    {"type", std::string(dtypeName(t.fileType))},
                                    {"shape", t.shape},
                                    {"block", t.block},
                                    {"parameters", t.elementCount()}});
        std::cout << j.dump(2) << '\n';
        return 0;
    }

    const HParams& hp = d.hp;
    std::printf("model        %s\n", d.path.c_str());
    std::printf("format       %s\n", d.format.c_str());
    std::printf("architecture %s\n", architectureName(d.arch).c_str());
    std::printf("dim %d  hidden %d  layers %d  heads %d  kv_heads %d  head_dim %d\n", hp.dim,
                hp.hiddenDim, hp.nLayers, hp.nHeads, hp.nKvHeads, hp.headDim);
    std::printf("vocab %d  max_seq_len %d  norm_eps %g  rope_theta %g (%s)  %s head%s\n",
                hp.vocabSize, hp.maxSeqLen, hp.normEps, hp.ropeTheta,
                hp.rope == RopeStyle::Interleaved ? "interleaved" : "rotate-half",
                hp.tiedOutput ? "tied" : "untied", hp.qkvBias ? "  qkv-bias" : "");
    std::printf("parameters   %s\n", withThousands(d.parameterCount()).c_str());
    std::printf("file size    %s bytes (%s)\n", withThousands(d.fileBytes).c_str(),
                humanBytes(d.fileBytes).c_str());
    if (tok)
        std::printf("tokenizer    %s, %d tokens\n", tok->kind().c_str(), tok->vocabSize());
    else
        std::printf("tokenizer    none found\n");
    std::printf("\n%-32s %-5s %-14s %12s\n", "tensor", "type", "shape", "parameters");
    for (const auto& t : d.tensors)
        std::printf("%-32s %-5s %-14s %12s\n", t.name.c_str(),
                    std::string(dtypeName(t.fileType)).c_str(), shapeString(t.shape).c_str(),
                    withThousands(t.elementCount()).c_str());
    return 0;
}

} // namespace qs::cli
