#include "export/config_export.h"

#include "core/error.h"
#include "core/sha256.h"

#include <algorithm>
#include <fstream>
#include <utility>

namespace qs {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

json metricsJson(const EvalResult& r) {
    const Metrics& m = r.metrics;
    return json{{"tokens", m.tokens},
                {"windows", r.windowsDone},
                {"ppl", m.ppl},
                {"ppl_ci95", {m.pplLow, m.pplHigh}},
                {"ppl_fp", m.pplRef},
                {"ppl_ratio", m.pplRatio},
                {"ln_ppl_ratio", m.lnPplRatio},
                {"ln_ppl_ratio_std_error", m.lnPplRatioStdError},
                {"kld_mean", m.klMean},
                {"kld_std_error", m.klStdError},
                {"kld_p99", m.kl.p99},
                {"top1_agreement", m.top1Agreement},
                {"ece", m.calibration.ece},
                {"bits_per_weight", r.averageBitsPerWeight},
                {"model_bytes", r.modelBytes}};
}

} // namespace

json exportConfigJson(const QuantConfig& config, const ResolvedConfig& resolved,
                      const ModelDesc& desc, const ExportRecordInfo& info) {
    json model{{"path", desc.path},
               {"format", desc.format},
               {"architecture", architectureName(desc.arch)},
               {"parameters", desc.parameterCount()}};
    if (info.modelSha256) model["sha256"] = *info.modelSha256;
    json tensors = json::object();
    for (size_t i = 0; i < desc.tensors.size(); ++i)
        if (const QuantFormat* f = resolved.format(i)) tensors[desc.tensors[i].name] = f->name();
    json j{{"schema", kExportRecordSchema},
           {"version", kExportRecordVersion},
           {"app_version", info.appVersion},
           {"model", std::move(model)},
           {"config", config.toJson()},
           {"resolved",
            {{"tensors", std::move(tensors)},
             {"head", resolved.headFormat() ? resolved.headFormat()->name() : ""},
             {"fallbacks", resolved.fallbacks()},
             {"bits_per_weight", resolved.averageBitsPerWeight()},
             {"bits_per_weight_all", resolved.averageBitsPerWeightAll()},
             {"model_bytes", resolved.modelBytes()}}}};
    if (!info.dataPath.empty()) {
        j["data"] = {{"path", info.dataPath}};
        if (info.dataSha256) j["data"]["sha256"] = *info.dataSha256;
    }
    if (info.metrics) j["metrics"] = metricsJson(*info.metrics);
    return j;
}

ImportedConfig importConfigJson(const json& j, const std::string& source) {
    ImportedConfig r;
    if (!j.is_object()) throw Error(source + ": not a JSON object");
    if (j.value("schema", "") != kExportRecordSchema) {
        r.config = QuantConfig::fromJson(j, source); // a bare configuration
        r.record = json::object();
        return r;
    }
    if (!j.contains("version") || !j["version"].is_number_integer())
        throw Error(source + ": missing integer \"version\"");
    r.version = j["version"].get<int>();
    if (r.version < 1 || r.version > kExportRecordVersion)
        throw Error(source + ": export record version " + std::to_string(r.version) +
                    " is not supported (this build reads up to " +
                    std::to_string(kExportRecordVersion) + ")");
    if (!j.contains("config")) throw Error(source + ": export record has no \"config\"");
    r.config = QuantConfig::fromJson(j["config"], source + ": config");
    r.record = j;
    return r;
}

ImportedConfig importConfigFile(const fs::path& path) {
    std::ifstream in(path);
    if (!in) throw FileError(path, "cannot open for reading");
    json j;
    try {
        j = json::parse(in);
    } catch (const json::exception& e) {
        throw FileError(path, std::string("invalid JSON: ") + e.what());
    }
    return importConfigJson(j, path.string());
}

void writeTextFileAtomic(const fs::path& path, const std::string& text) {
    fs::path tmp = path;
    tmp += ".partial";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) throw FileError(path, "cannot create file");
        out.write(text.data(), std::streamsize(text.size()));
        out.flush();
        if (!out) {
            out.close();
            std::error_code ec;
            fs::remove(tmp, ec);
            throw FileError(path, "write failed (disk full?)");
        }
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) {
        fs::remove(tmp, ec);
        throw FileError(path, "cannot move the finished file into place");
    }
}

ExportRecordInfo exportRecordInfo(const fs::path& modelPath, std::string dataPath,
                                  std::string appVersion, bool hash) {
    ExportRecordInfo info;
    info.appVersion = std::move(appVersion);
    info.dataPath = std::move(dataPath);
    if (hash) {
        info.modelSha256 = modelSha256(modelPath);
        if (!info.dataPath.empty()) info.dataSha256 = sha256FileHex(info.dataPath);
    }
    return info;
}

std::string modelSha256(const fs::path& path) {
    std::error_code ec;
    if (!fs::is_directory(path, ec)) return sha256FileHex(path);
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(path, ec))
        if (e.is_regular_file() &&
            (e.path().filename() == "config.json" || e.path().extension() == ".safetensors"))
            files.push_back(e.path());
    if (ec) throw FileError(path, "cannot list folder: " + ec.message());
    std::sort(files.begin(), files.end());
    Sha256 h;
    for (const fs::path& f : files) {
        h.update(f.filename().string() + "\n" + sha256FileHex(f) + "\n");
    }
    return toHex(h.finish());
}

} // namespace qs
