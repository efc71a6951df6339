#pragma once
// The QuantScope export record: a versioned JSON file that carries a quantization configuration
// together with what it was made for and measured on, so a result can be reproduced and audited:
//
//   {
//     "schema": "quantscope.export", "version": 1, "app_version": "0.3.0",
//     "model":   {"path", "format", "architecture", "parameters", "sha256"?},
//     "data":    {"path", "sha256"?}?,                       (evaluation text, when known)
//     "config":  <QuantConfig::toJson(): schema quantscope.quant_config>,
//     "resolved": {"tensors": {name: format}, "head": format, "fallbacks": [...],
//                  "bits_per_weight", "bits_per_weight_all", "model_bytes"},
//     "metrics": {"ppl", "ppl_fp", "ppl_ratio", "kld_mean", "top1_agreement", ...}?
//   }
//
// Hashes are SHA-256 hex strings; they are optional because hashing a multi-GB model is slow
// (the CLI computes them; core/sha256.h). The importer reads the "config" member back into the
// identical QuantConfig, and also accepts a bare QuantConfig file.
//
//   nlohmann::json j = qs::exportConfigJson(cfg, resolved, model->desc(), info);
//   qs::ImportedConfig back = qs::importConfigJson(j, "run.json");   // back.config == cfg

#include "eval/incremental_evaluator.h"
#include "model/model_desc.h"
#include "quant/quant_config.h"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace qs {

inline constexpr int kExportRecordVersion = 1;
inline constexpr const char* kExportRecordSchema = "quantscope.export";

struct ExportRecordInfo {
    std::optional<std::string> modelSha256;
    std::string dataPath; // empty: no "data" member
    std::optional<std::string> dataSha256;
    const EvalResult* metrics = nullptr; // optional
    std::string appVersion;
};

nlohmann::json exportConfigJson(const QuantConfig& config, const ResolvedConfig& resolved,
                                const ModelDesc& desc, const ExportRecordInfo& info);

// The identity part of a record: the data path and, with `hash`, the SHA-256 of the model
// (modelSha256) and of the data file (when a path is given).
ExportRecordInfo exportRecordInfo(const std::filesystem::path& modelPath, std::string dataPath,
                                  std::string appVersion, bool hash);

struct ImportedConfig {
    QuantConfig config;
    nlohmann::json record; // the whole record (empty object for a bare QuantConfig)
    int version = 0;       // record version, 0 for a bare QuantConfig
};

// `source` names the file in errors. Throws Error for another schema, a newer version or a
// malformed config.
ImportedConfig importConfigJson(const nlohmann::json& j, const std::string& source = "export");
ImportedConfig importConfigFile(const std::filesystem::path& path);

// Writes text to `path` atomically (temporary file, then rename); FileError naming the file on
// failure, with nothing left behind. For the JSON and script outputs of the exporters.
void writeTextFileAtomic(const std::filesystem::path& path, const std::string& text);

// SHA-256 of a model: of the file, or for a Hugging Face folder of its config.json and
// *.safetensors files (name and content hash of each, in name order).
std::string modelSha256(const std::filesystem::path& path);

} // namespace qs
