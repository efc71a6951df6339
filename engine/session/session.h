#pragma once
// A QuantScope session: everything measured about one model on one evaluation text, kept in one
// HDF5 file so analyses survive restarts and can be read by h5dump/h5py (layout:
// docs/session_format.md).
//
// It records what it was measured on (model, evaluation and calibration texts, each with size
// and SHA-256), the evaluation setup, the full-precision reference summary, saved
// configurations with their metrics, sensitivity sweeps, and the activation/weight statistics
// and predicted-error tables of engine/analysis.
//
// Saving is atomic: the file is written under a temporary name in the same folder, flushed and
// fsync'ed, then renamed over the target, so a crash or a failed write leaves the previous file
// intact. Loading a session whose model file changed (size or SHA-256) succeeds but marks it
// read-only with a warning; a file that is not a readable session throws FileError naming it.
//
//   qs::Session s;
//   s.model = qs::FileFingerprint::of(modelPath);
//   ...
//   qs::saveSession(s, "run.h5");
//   qs::Session t = qs::loadSession("run.h5");
//   if (t.readOnly) std::cerr << t.warning << '\n';

#include "analysis/activation_stats.h"
#include "analysis/predicted_error.h"
#include "analysis/sensitivity_sweep.h"
#include "analysis/weight_stats.h"
#include "eval/token_metrics.h"
#include "quant/quant_config.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace qs {

class Feedback;

constexpr int kSessionSchemaVersion = 1;

// Identity of a file a session depends on.
struct FileFingerprint {
    std::string path; // as given (absolute when made by of())
    uint64_t size = 0;
    std::string sha256; // lower-case hex
    bool empty() const { return path.empty(); }
    // Hashes the file; throws FileError if it cannot be read.
    static FileFingerprint of(const std::filesystem::path& path, Feedback* feedback = nullptr);
    // Empty string if `path` still has this size and hash, else what differs.
    std::string mismatch(const std::filesystem::path& path, Feedback* feedback = nullptr) const;
    bool operator==(const FileFingerprint&) const = default;
};

struct EvaluationRecord {
    int ctx = 256;
    std::string protocol = "half";
    int64_t maxTokens = 0; // 0: the whole text
    uint64_t seed = 0;     // window order
    int64_t textTokens = 0, windows = 0, scoredTokens = 0;
    int referenceTopK = 0;
    bool operator==(const EvaluationRecord&) const = default;
};

struct SavedConfiguration {
    std::string name;
    QuantConfig config;
    Metrics metrics;
    double bitsPerWeight = 0;
    uint64_t modelBytes = 0;
};

struct Session {
    std::string appVersion; // of the program that wrote the file (set on save)
    FileFingerprint model, evalText, calibrationText; // calibrationText empty if none
    EvaluationRecord evaluation;
    bool hasReference = false;
    Metrics reference; // the full-precision model against itself
    double referenceSeconds = 0;
    std::vector<SavedConfiguration> configurations;
    std::vector<SweepResult> sweeps; // at most one per unit
    std::optional<ActivationStats> activations;
    std::vector<WeightStats> weightStats;
    std::vector<PredictedError> predictedErrors;

    // Set by loadSession: the model file changed or is missing, so results no longer describe
    // it; saveSession refuses a read-only session.
    bool readOnly = false;
    std::string warning;

    SweepResult* sweep(SweepUnit unit);    // nullptr if none
    SweepResult& sweepFor(SweepUnit unit); // created if missing
    const SavedConfiguration* configuration(const std::string& name) const;
    void putConfiguration(SavedConfiguration c); // replaces one of the same name
};

// Throws FileError naming the target (or its folder) when it cannot be written; the previous
// file is then untouched and no temporary file is left. Throws Error for a read-only session.
void saveSession(const Session& session, const std::filesystem::path& path);

struct SessionLoadOptions {
    bool verifyModel = true; // hash the model file and mark a mismatch read-only
};
// Throws FileError naming the file for anything unreadable: not HDF5, truncated, not a session,
// a newer schema, or missing/mistyped entries.
Session loadSession(const std::filesystem::path& path, const SessionLoadOptions& options = {});

// Every scalar of Metrics with its HDF5 attribute name (for writers and for tests that compare
// metrics field by field).
struct MetricField {
    const char* name;
    double& (*get)(Metrics&);
};
const std::vector<MetricField>& metricFields();

} // namespace qs
