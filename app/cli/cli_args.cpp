#include "cli_args.h"

#include <charconv>
#include <sstream>

namespace qs::cli {

CliArgs::CliArgs(char** argv, int argc, std::set<std::string> valueOptions,
                 std::set<std::string> flags) {
    for (int i = 0; i < argc; ++i) {
        std::string a = argv[i];
        if (a.size() < 3 || a.rfind("--", 0) != 0) {
            m_positionals.push_back(a);
            continue;
        }
        std::string key = a.substr(2), val;
        const bool inlineValue = key.find('=') != std::string::npos;
        if (inlineValue) {
            val = key.substr(key.find('=') + 1);
            key = key.substr(0, key.find('='));
        }
        if (flags.count(key)) {
            if (inlineValue) throw UsageError("option --" + key + " takes no value");
            m_flags.insert(key);
        } else if (valueOptions.count(key)) {
            if (!inlineValue) {
                if (i + 1 >= argc) throw UsageError("option --" + key + " needs a value");
                val = argv[++i];
            }
            m_values[key] = val;
        } else {
            throw UsageError("unknown option --" + key);
        }
    }
}

const std::string& CliArgs::positional(size_t i, const std::string& what) const {
    if (i >= m_positionals.size()) throw UsageError("missing " + what);
    return m_positionals[i];
}

std::string CliArgs::value(const std::string& key, const std::string& fallback) const {
    auto it = m_values.find(key);
    return it == m_values.end() ? fallback : it->second;
}

int64_t CliArgs::intValue(const std::string& key, int64_t fallback) const {
    auto it = m_values.find(key);
    if (it == m_values.end()) return fallback;
    int64_t v = 0;
    const auto& s = it->second;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size())
        throw UsageError("--" + key + " expects an integer, got '" + s + "'");
    return v;
}

double CliArgs::doubleValue(const std::string& key, double fallback) const {
    auto it = m_values.find(key);
    if (it == m_values.end()) return fallback;
    try {
        size_t used = 0;
        double v = std::stod(it->second, &used);
        if (used != it->second.size()) throw std::invalid_argument("trailing");
        return v;
    } catch (const std::exception&) {
        throw UsageError("--" + key + " expects a number, got '" + it->second + "'");
    }
}

std::vector<std::string> CliArgs::listValue(const std::string& key,
                                            const std::string& fallback) const {
    std::vector<std::string> out;
    std::stringstream ss(value(key, fallback));
    for (std::string item; std::getline(ss, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

void CliArgs::expectAtMostPositionals(size_t n) const {
    if (m_positionals.size() > n)
        throw UsageError("unexpected argument '" + m_positionals[n] + "'");
}

} // namespace qs::cli
