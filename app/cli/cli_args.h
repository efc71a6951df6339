#pragma once
// Minimal argument parsing for quantscope-cli subcommands: positionals, `--key value`,
// `--key=value` and boolean `--flag`s. Unknown options are errors, so typos never pass silently.
//
//   CliArgs args(argv + 2, argc - 2, {"data", "ctx", "protocol"}, {"json"});
//   int ctx = args.intValue("ctx", 256);

#include <cstdint>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace qs::cli {

// Thrown for command-line mistakes; main() prints it with the usage hint and exits 2.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class CliArgs {
public:
    CliArgs(char** argv, int argc, std::set<std::string> valueOptions, std::set<std::string> flags);

    const std::vector<std::string>& positionals() const { return m_positionals; }
    // The i-th positional or UsageError("missing <what>").
    const std::string& positional(size_t i, const std::string& what) const;
    bool has(const std::string& key) const { return m_values.count(key) || m_flags.count(key); }
    bool flag(const std::string& key) const { return m_flags.count(key) > 0; }
    std::string value(const std::string& key, const std::string& fallback = {}) const;
    int64_t intValue(const std::string& key, int64_t fallback) const;
    double doubleValue(const std::string& key, double fallback) const;
    // A comma-separated value ("q4_0,q8_0") as its non-empty items.
    std::vector<std::string> listValue(const std::string& key,
                                       const std::string& fallback = {}) const;
    // Fails if more than `n` positionals were given.
    void expectAtMostPositionals(size_t n) const;

private:
    std::vector<std::string> m_positionals;
    std::map<std::string, std::string> m_values;
    std::set<std::string> m_flags;
};

} // namespace qs::cli
