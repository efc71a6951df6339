#include "session/session.h"

#include "core/error.h"
#include "core/sha256.h"
#include "session/session_io.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <limits>
#include <sys/stat.h>
#include <tuple>
#include <unistd.h>

#ifndef QS_VERSION
#define QS_VERSION "unknown"
#endif

namespace qs {

namespace fs = std::filesystem;
using h5::Handle;

namespace {

constexpr const char* kFormatTag = "QuantScope session";

#define QS_METRIC(n, member)                                                                       \
    MetricField {                                                                                  \
        n, [](Metrics& m) -> double& { return m.member; }                                          \
    }

// Sweep columns: name, unit, accessor (block and start block as doubles: exact for ints).
struct SweepColumn {
    const char* name;
    const char* unit;
    double (*get)(const SweepCell&);
    void (*set)(SweepCell&, double);
};
#define QS_SWEEP_COL(n, u, member)                                                                 \
    SweepColumn {                                                                                  \
        n, u, [](const SweepCell& c) { return double(c.member); },                                 \
            [](SweepCell& c, double v) { c.member = static_cast<decltype(c.member)>(v); }          \
    }
const std::vector<SweepColumn>& sweepColumns() {
    static const std::vector<SweepColumn> cols = {
        QS_SWEEP_COL("delta_ppl", "perplexity", deltaPpl),
        QS_SWEEP_COL("delta_ppl_std_error", "perplexity", deltaPplStdError),
        QS_SWEEP_COL("ln_ppl_ratio", "nats/token", lnPplRatio),
        QS_SWEEP_COL("ln_ppl_ratio_std_error", "nats/token", lnPplRatioStdError),
        QS_SWEEP_COL("kld_mean", "nats/token", klMean),
        QS_SWEEP_COL("kld_std_error", "nats/token", klStdError),
        QS_SWEEP_COL("kld_p99", "nats", klP99),
        QS_SWEEP_COL("top1_agreement", "fraction", top1Agreement),
        QS_SWEEP_COL("top1_agreement_std_error", "fraction", top1AgreementStdError),
        QS_SWEEP_COL("delta_p_rms", "probability", deltaPRms),
        QS_SWEEP_COL("bits_per_weight", "bits", bitsPerWeight),
        QS_SWEEP_COL("block", "index", block),
        QS_SWEEP_COL("start_block", "index", startBlock),
        QS_SWEEP_COL("seconds", "s", seconds),
    };
    return cols;
}

std::string nowUtc() {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// ---- writing ----

void writeFingerprint(hid_t loc, const std::string& name, const FileFingerprint& f) {
    Handle g = h5::createGroup(loc, name);
    h5::writeAttr(g, "path", f.path);
    h5::writeAttr(g, "size", f.size);
    h5::writeAttr(g, "sha256", f.sha256);
}

void writeBins(hid_t loc, const std::string& name, const std::vector<ReliabilityBin>& bins) {
    std::vector<double> v;
    for (const ReliabilityBin& b : bins)
        v.insert(v.end(), {b.confidenceLow, b.confidenceHigh, b.meanConfidence, b.accuracy,
                           double(b.count)});
    Handle ds = h5::writeDoubles(loc, name, v, 5);
    h5::writeAttr(ds, "columns",
                  std::vector<std::string>{"confidence_low", "confidence_high", "mean_confidence",
                                           "accuracy", "count"});
}

// Metrics as attributes of `g` (one per scalar) plus the reliability bins as datasets.
void writeMetrics(hid_t g, const Metrics& m) {
    Metrics copy = m;
    h5::writeAttr(g, "tokens", copy.tokens);
    for (const MetricField& f : metricFields()) h5::writeAttr(g, f.name, f.get(copy));
    h5::writeAttr(g, "units",
                  "nll, kld, entropy: nats per token; ppl: perplexity; rates: fractions");
    writeBins(g, "reliability", m.calibration.bins);
    writeBins(g, "reliability_ref", m.calibrationRef.bins);
}

void writeSweep(hid_t loc, const SweepResult& s) {
    Handle g = h5::createGroup(loc, std::string(sweepUnitName(s.unit)));
    h5::writeAttr(g, "unit", std::string(sweepUnitName(s.unit)));
    h5::writeAttr(g, "fallback_format", s.fallbackFormat);
    h5::writeAttr(g, "ctx", s.setup.ctx);
    h5::writeAttr(g, "protocol", s.setup.protocol);
    h5::writeAttr(g, "windows", s.setup.windows);
    h5::writeAttr(g, "scored_tokens", s.setup.scoredTokens);
    h5::writeAttr(g, "reference_top_k", s.setup.referenceTopK);
    h5::writeAttr(g, "reference_ppl", s.setup.referencePpl);
    h5::writeStrings(g, "parts", s.parts);
    h5::writeStrings(g, "formats", s.formats);
    const auto& cols = sweepColumns();
    std::vector<std::string> colNames, units;
    for (const auto& c : cols) colNames.push_back(c.name), units.push_back(c.unit);
    Handle byFormat = h5::createGroup(g, "by_format");
    for (const std::string& format : s.formats) {
        Handle fg = h5::createGroup(byFormat, format);
        std::vector<double> table;
        std::vector<int64_t> status;
        std::vector<std::string> notes;
        for (const std::string& part : s.parts) {
            const SweepCell* c = s.find(part, format);
            for (const auto& col : cols)
                table.push_back(c && c->status == SweepCellStatus::Done
                                    ? col.get(*c)
                                    : std::numeric_limits<double>::quiet_NaN());
            status.push_back(c ? int64_t(c->status) : 0);
            notes.push_back(c ? c->note : "");
        }
        Handle ds = h5::writeDoubles(fg, "metrics", table, cols.size());
        h5::writeAttr(ds, "columns", colNames);
        h5::writeAttr(ds, "units", units);
        Handle st = h5::writeInts(fg, "status", status);
        h5::writeAttr(st, "meaning", "0 not measured, 1 measured, 2 skipped (see notes)");
        h5::writeStrings(fg, "notes", notes);
    }
}

void writeFile(hid_t file, const Session& s) {
    h5::writeAttr(file, "format", kFormatTag);
    h5::writeAttr(file, "schema_version", kSessionSchemaVersion);
    h5::writeAttr(file, "app_version",
                  s.appVersion.empty() ? std::string(QS_VERSION) : s.appVersion);
    h5::writeAttr(file, "saved", nowUtc());

    writeFingerprint(file, "model", s.model);
    {
        Handle data = h5::createGroup(file, "data");
        writeFingerprint(data, "evaluation", s.evalText);
        if (!s.calibrationText.empty()) writeFingerprint(data, "calibration", s.calibrationText);
    }
    {
        Handle e = h5::createGroup(file, "evaluation");
        h5::writeAttr(e, "ctx", s.evaluation.ctx);
        h5::writeAttr(e, "protocol", s.evaluation.protocol);
        h5::writeAttr(e, "max_tokens", s.evaluation.maxTokens);
        h5::writeAttr(e, "seed", s.evaluation.seed);
        h5::writeAttr(e, "text_tokens", s.evaluation.textTokens);
        h5::writeAttr(e, "windows", s.evaluation.windows);
        h5::writeAttr(e, "scored_tokens", s.evaluation.scoredTokens);
        h5::writeAttr(e, "reference_top_k", s.evaluation.referenceTopK);
    }
    if (s.hasReference) {
        Handle r = h5::createGroup(file, "reference");
        h5::writeAttr(r, "seconds", s.referenceSeconds);
        writeMetrics(r, s.reference);
    }
    {
        Handle cs = h5::createGroup(file, "configurations");
        for (size_t i = 0; i < s.configurations.size(); ++i) {
            const SavedConfiguration& c = s.configurations[i];
            char key[24];
            std::snprintf(key, sizeof key, "%04zu", i); // names may hold '/'; keys keep the order
            Handle g = h5::createGroup(cs, key);
            h5::writeAttr(g, "name", c.name);
            h5::writeAttr(g, "bits_per_weight", c.bitsPerWeight);
            h5::writeAttr(g, "model_bytes", c.modelBytes);
            h5::writeString(g, "config_json", c.config.toJson().dump());
            Handle m = h5::createGroup(g, "metrics");
            writeMetrics(m, c.metrics);
        }
    }
    {
        Handle sw = h5::createGroup(file, "sweeps");
        for (const SweepResult& r : s.sweeps) writeSweep(sw, r);
    }
    session_detail::writeStatistics(file, s);
}

void fsyncPath(const fs::path& p, const fs::path& target) {
    const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw FileError(target,
                        "cannot reopen " + p.string() + " to sync it: " + std::strerror(errno));
    const int r = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (r != 0 && err != EINVAL)
        throw FileError(target, "fsync of " + p.string() + " failed: " + std::strerror(err));
}

// ---- reading ----

FileFingerprint readFingerprint(hid_t loc, const std::string& name) {
    Handle g = h5::openGroup(loc, name);
    FileFingerprint f;
    f.path = h5::readStringAttr(g, "path");
    f.size = uint64_t(h5::readIntAttr(g, "size"));
    f.sha256 = h5::readStringAttr(g, "sha256");
    return f;
}

std::vector<ReliabilityBin> readBins(hid_t loc, const std::string& name) {
    uint64_t cols = 0;
    const std::vector<double> v = h5::readDoubles(loc, name, &cols);
    if (!v.empty() && cols != 5) throw h5::H5Failure("dataset '" + name + "' must have 5 columns");
    std::vector<ReliabilityBin> bins;
    for (size_t i = 0; i + 5 <= v.size(); i += 5)
        bins.push_back({v[i], v[i + 1], v[i + 2], v[i + 3], int64_t(v[i + 4])});
    return bins;
}

Metrics readMetrics(hid_t g) {
    Metrics m;
    m.tokens = h5::readIntAttr(g, "tokens");
    for (const MetricField& f : metricFields()) f.get(m) = h5::readDoubleAttr(g, f.name);
    m.calibration.bins = readBins(g, "reliability");
    m.calibrationRef.bins = readBins(g, "reliability_ref");
    return m;
}

SweepResult readSweep(hid_t loc, const std::string& name) {
    Handle g = h5::openGroup(loc, name);
    SweepResult s;
    s.unit = parseSweepUnit(h5::readStringAttr(g, "unit"));
    s.fallbackFormat = h5::readStringAttr(g, "fallback_format");
    s.setup.ctx = int(h5::readIntAttr(g, "ctx"));
    s.setup.protocol = h5::readStringAttr(g, "protocol");
    s.setup.windows = h5::readIntAttr(g, "windows");
    s.setup.scoredTokens = h5::readIntAttr(g, "scored_tokens");
    s.setup.referenceTopK = int(h5::readIntAttr(g, "reference_top_k"));
    s.setup.referencePpl = h5::readDoubleAttr(g, "reference_ppl");
    s.parts = h5::readStrings(g, "parts");
    s.formats = h5::readStrings(g, "formats");
    const auto& cols = sweepColumns();
    Handle byFormat = h5::openGroup(g, "by_format");
    for (const std::string& format : s.formats) {
        Handle fg = h5::openGroup(byFormat, format);
        uint64_t ncols = 0;
        const std::vector<double> table = h5::readDoubles(fg, "metrics", &ncols);
        const std::vector<int64_t> status = h5::readInts(fg, "status");
        const std::vector<std::string> notes = h5::readStrings(fg, "notes");
        const std::vector<std::string> names = [&] {
            Handle ds(H5Dopen2(fg, "metrics", H5P_DEFAULT), H5Dclose, "opening dataset 'metrics'");
            return h5::readStringsAttr(ds, "columns");
        }();
        if (status.size() != s.parts.size() || notes.size() != s.parts.size() ||
            table.size() != s.parts.size() * ncols || names.size() != ncols)
            throw h5::H5Failure("sweep table of format '" + format + "' does not match its " +
                                std::to_string(s.parts.size()) + " parts");
        for (size_t r = 0; r < s.parts.size(); ++r) {
            if (status[r] == 0) continue;
            SweepCell c;
            c.part = s.parts[r];
            c.format = format;
            c.status = status[r] == 2 ? SweepCellStatus::Skipped : SweepCellStatus::Done;
            c.note = notes[r];
            if (c.status == SweepCellStatus::Done)
                for (size_t k = 0; k < ncols; ++k) // by name, so columns can be added later
                    for (const auto& col : cols)
                        if (names[k] == col.name) col.set(c, table[r * ncols + k]);
            s.cells.push_back(std::move(c));
        }
    }
    return s;
}

void readFile(hid_t file, Session& s, const fs::path& path) {
    if (!h5::hasAttribute(file, "format") || h5::readStringAttr(file, "format") != kFormatTag)
        throw FileError(path, "not a QuantScope session (an HDF5 file without the session tag)");
    const int64_t schema = h5::readIntAttr(file, "schema_version");
    if (schema > kSessionSchemaVersion || schema < 1)
        throw FileError(path, "session schema version " + std::to_string(schema) +
                                  " is not supported (this build reads 1.." +
                                  std::to_string(kSessionSchemaVersion) +
                                  "); it was written by a newer QuantScope");
    s.appVersion = h5::readStringAttr(file, "app_version");
    s.model = readFingerprint(file, "model");
    {
        Handle data = h5::openGroup(file, "data");
        s.evalText = readFingerprint(data, "evaluation");
        if (h5::exists(data, "calibration"))
            s.calibrationText = readFingerprint(data, "calibration");
    }
    {
        Handle e = h5::openGroup(file, "evaluation");
        s.evaluation.ctx = int(h5::readIntAttr(e, "ctx"));
        s.evaluation.protocol = h5::readStringAttr(e, "protocol");
        s.evaluation.maxTokens = h5::readIntAttr(e, "max_tokens");
        s.evaluation.seed = uint64_t(h5::readIntAttr(e, "seed"));
        s.evaluation.textTokens = h5::readIntAttr(e, "text_tokens");
        s.evaluation.windows = h5::readIntAttr(e, "windows");
        s.evaluation.scoredTokens = h5::readIntAttr(e, "scored_tokens");
        s.evaluation.referenceTopK = int(h5::readIntAttr(e, "reference_top_k"));
    }
    s.hasReference = h5::exists(file, "reference");
    if (s.hasReference) {
        Handle r = h5::openGroup(file, "reference");
        s.referenceSeconds = h5::readDoubleAttr(r, "seconds");
        s.reference = readMetrics(r);
    }
    {
        Handle cs = h5::openGroup(file, "configurations");
        for (const std::string& key : h5::children(cs)) {
            Handle g = h5::openGroup(cs, key);
            SavedConfiguration c;
            c.name = h5::readStringAttr(g, "name");
            c.bitsPerWeight = h5::readDoubleAttr(g, "bits_per_weight");
            c.modelBytes = uint64_t(h5::readIntAttr(g, "model_bytes"));
            const std::string json = h5::readString(g, "config_json");
            nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
            if (j.is_discarded())
                throw FileError(path, "configuration '" + c.name + "' holds invalid JSON");
            c.config = QuantConfig::fromJson(j, path.string() + ": configuration '" + c.name + "'");
            Handle m = h5::openGroup(g, "metrics");
            c.metrics = readMetrics(m);
            s.configurations.push_back(std::move(c));
        }
    }
    {
        Handle sw = h5::openGroup(file, "sweeps");
        for (const std::string& unit : h5::children(sw)) s.sweeps.push_back(readSweep(sw, unit));
    }
    session_detail::readStatistics(file, s);
}

} // namespace

const std::vector<MetricField>& metricFields() {
    static const std::vector<MetricField> fields = {
        QS_METRIC("mean_nll", meanNll),
        QS_METRIC("nll_std_error", nllStdError),
        QS_METRIC("ppl", ppl),
        QS_METRIC("ppl_low", pplLow),
        QS_METRIC("ppl_high", pplHigh),
        QS_METRIC("mean_nll_ref", meanNllRef),
        QS_METRIC("ppl_ref", pplRef),
        QS_METRIC("ppl_ref_low", pplRefLow),
        QS_METRIC("ppl_ref_high", pplRefHigh),
        QS_METRIC("ln_ppl_ratio", lnPplRatio),
        QS_METRIC("ln_ppl_ratio_std_error", lnPplRatioStdError),
        QS_METRIC("ppl_ratio", pplRatio),
        QS_METRIC("delta_ppl", deltaPpl),
        QS_METRIC("kld_mean", klMean),
        QS_METRIC("kld_std_error", klStdError),
        QS_METRIC("kld_p50", kl.p50),
        QS_METRIC("kld_p90", kl.p90),
        QS_METRIC("kld_p95", kl.p95),
        QS_METRIC("kld_p99", kl.p99),
        QS_METRIC("kld_p999", kl.p999),
        QS_METRIC("kld_max", kl.max),
        QS_METRIC("top1_agreement", top1Agreement),
        QS_METRIC("top1_agreement_std_error", top1AgreementStdError),
        QS_METRIC("delta_p_mean", deltaPMean),
        QS_METRIC("delta_p_rms", deltaPRms),
        QS_METRIC("delta_p_p50", deltaP.p50),
        QS_METRIC("delta_p_p90", deltaP.p90),
        QS_METRIC("delta_p_p95", deltaP.p95),
        QS_METRIC("delta_p_p99", deltaP.p99),
        QS_METRIC("delta_p_p999", deltaP.p999),
        QS_METRIC("delta_p_max", deltaP.max),
        QS_METRIC("entropy_mean", entropyMean),
        QS_METRIC("entropy_ref_mean", entropyRefMean),
        QS_METRIC("accuracy", accuracy),
        QS_METRIC("accuracy_ref", accuracyRef),
        QS_METRIC("ece", calibration.ece),
        QS_METRIC("adaptive_ece", calibration.adaptiveEce),
        QS_METRIC("brier", calibration.brier),
        QS_METRIC("ece_ref", calibrationRef.ece),
        QS_METRIC("adaptive_ece_ref", calibrationRef.adaptiveEce),
        QS_METRIC("brier_ref", calibrationRef.brier),
        QS_METRIC("optimal_temperature", optimalTemperature),
        QS_METRIC("nll_at_optimal_temperature", nllAtOptimalTemperature),
        QS_METRIC("ece_at_optimal_temperature", eceAtOptimalTemperature),
    };
    return fields;
}

namespace {

// A model may be a folder (Hugging Face): its fingerprint covers every regular file in it, as
// the SHA-256 of "relative name\0file sha256\n" lines in name order; size is the total.
std::pair<uint64_t, std::string> fingerprintOf(const fs::path& path, Feedback* feedback) {
    std::error_code ec;
    if (!fs::is_directory(path, ec)) {
        const uint64_t size = fs::file_size(path, ec);
        if (ec) throw FileError(path, "cannot read its size: " + ec.message());
        return {size, sha256FileHex(path, feedback)};
    }
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(path, ec))
        if (e.is_regular_file()) files.push_back(e.path());
    if (ec) throw FileError(path, "cannot list the folder: " + ec.message());
    std::sort(files.begin(), files.end());
    Sha256 h;
    uint64_t total = 0;
    for (const fs::path& f : files) {
        total += fs::file_size(f);
        h.update(fs::relative(f, path).generic_string());
        h.update(std::string_view("\0", 1));
        h.update(sha256FileHex(f, feedback) + "\n");
    }
    return {total, toHex(h.finish())};
}

} // namespace

FileFingerprint FileFingerprint::of(const fs::path& path, Feedback* feedback) {
    FileFingerprint f;
    std::error_code ec;
    const fs::path abs = fs::absolute(path, ec);
    f.path = (ec ? path : abs).string();
    std::tie(f.size, f.sha256) = fingerprintOf(path, feedback);
    return f;
}

std::string FileFingerprint::mismatch(const fs::path& path, Feedback* feedback) const {
    std::error_code ec;
    if (!fs::exists(path, ec)) return path.string() + " no longer exists";
    if (fs::is_regular_file(path, ec) && fs::file_size(path, ec) != this->size && !ec)
        return path.string() + " is " + std::to_string(fs::file_size(path, ec)) +
               " bytes, the session expects " + std::to_string(this->size); // no need to hash
    try {
        const auto [size, hash] = fingerprintOf(path, feedback);
        if (size != this->size)
            return path.string() + " is " + std::to_string(size) + " bytes, the session expects " +
                   std::to_string(this->size);
        if (hash != sha256)
            return path.string() + " has SHA-256 " + hash + ", the session expects " + sha256;
    } catch (const FileError& e) {
        return e.what();
    }
    return {};
}

SweepResult* Session::sweep(SweepUnit unit) {
    for (SweepResult& s : sweeps)
        if (s.unit == unit) return &s;
    return nullptr;
}

SweepResult& Session::sweepFor(SweepUnit unit) {
    if (SweepResult* s = sweep(unit)) return *s;
    sweeps.emplace_back().unit = unit;
    return sweeps.back();
}

const SavedConfiguration* Session::configuration(const std::string& name) const {
    for (const SavedConfiguration& c : configurations)
        if (c.name == name) return &c;
    return nullptr;
}

void Session::putConfiguration(SavedConfiguration c) {
    for (SavedConfiguration& o : configurations)
        if (o.name == c.name) {
            o = std::move(c);
            return;
        }
    configurations.push_back(std::move(c));
}

void saveSession(const Session& session, const fs::path& path) {
    if (session.readOnly)
        throw Error("session is read-only (" + session.warning + "); not saving to " +
                    path.string());
    h5::silenceErrorPrinting();
    const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
    std::string hidden = path.filename().string(); // ".name.XXXXXX" beside the target
    hidden.insert(0, 1, '.');
    hidden += ".XXXXXX";
    std::string tmp = (dir / hidden).string();
    const int fd = ::mkstemp(tmp.data());
    if (fd < 0)
        throw FileError(path, "cannot create a temporary file in " + dir.string() + ": " +
                                  std::strerror(errno));
    ::fchmod(fd, 0644); // mkstemp's 0600 would make sessions private to their writer
    ::close(fd);
    try {
        {
            Handle file(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose,
                        "creating the HDF5 file");
            writeFile(file, session);
            if (H5Fflush(file, H5F_SCOPE_GLOBAL) < 0)
                throw h5::H5Failure("flushing the HDF5 file failed");
            file.close("closing the HDF5 file");
        }
        fsyncPath(tmp, path);
        if (::rename(tmp.c_str(), path.c_str()) != 0)
            throw FileError(path, "cannot replace it with " + tmp + ": " + std::strerror(errno));
        fsyncPath(dir, path); // make the rename itself durable
    } catch (const h5::H5Failure& e) {
        ::unlink(tmp.c_str());
        throw FileError(path, std::string("writing the session failed: ") + e.what());
    } catch (...) {
        ::unlink(tmp.c_str());
        throw;
    }
}

Session loadSession(const fs::path& path, const SessionLoadOptions& options) {
    h5::silenceErrorPrinting();
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) throw FileError(path, "no such session file");
    const htri_t isHdf5 = H5Fis_hdf5(path.c_str());
    if (isHdf5 <= 0)
        throw FileError(path,
                        "not a QuantScope session: not an HDF5 file (or its header is corrupt)");
    Session s;
    try {
        Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose,
                    "opening the HDF5 file (truncated or corrupt?)");
        readFile(file, s, path);
        file.close("closing the HDF5 file");
    } catch (const h5::H5Failure& e) {
        throw FileError(path, std::string("corrupt or incomplete session: ") + e.what());
    } catch (const FileError&) {
        throw;
    } catch (const std::exception& e) { // e.g. a QuantConfig JSON that no longer validates
        throw FileError(path, std::string("corrupt or incomplete session: ") + e.what());
    }
    if (options.verifyModel) {
        if (const std::string why = s.model.mismatch(s.model.path); !why.empty()) {
            s.readOnly = true;
            s.warning = "the model changed since this session was saved (" + why +
                        "); its results no longer describe that file, so the session is read-only";
        }
    }
    return s;
}

} // namespace qs
