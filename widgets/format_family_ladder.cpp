#include "format_family_ladder.h"

#include "quant/quant_format.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace {

// Fixed ladders of the families whose members do not follow a naming pattern. A format's
// ladder is the first list that contains it.
const std::vector<std::vector<std::string>>& fixedLadders() {
    static const std::vector<std::vector<std::string>> ladders = {
        {"q2_k", "q3_k", "q4_k", "q5_k", "q6_k", "q8_0"},
        {"q2_k", "q3_k", "q4_0", "q5_0", "q6_k", "q8_0"},
        {"q2_k", "q3_k", "q4_1", "q5_1", "q6_k", "q8_0"},
        {"f16", "f32"},
        {"bf16", "f32"},
        {"fp4_e2m1_g32", "fp6_e3m2_g32", "fp8_e4m3"},
        {"fp4_e2m1_g32", "fp6_e2m3_g32", "fp8_e5m2"},
        {"mxfp4", "mxfp6_e3m2", "mxfp8_e4m3"},
        {"mxfp4", "mxfp6_e2m3", "mxfp8_e5m2"},
        {"log3", "log4"},
    };
    return ladders;
}

} // namespace

int formatNominalBits(std::string_view format) {
    const qs::QuantFormat* f = qs::findQuantFormat(format);
    return f ? f->nominalBits() : 0;
}

std::string formatFamily(std::string_view format) {
    const qs::QuantFormat* f = qs::findQuantFormat(format);
    return f ? f->family() : std::string();
}

FormatFamilyLadder FormatFamilyLadder::forFormat(std::string_view format) {
    FormatFamilyLadder ladder;
    const qs::QuantFormat* f = qs::findQuantFormat(format);
    if (!f) return ladder;
    const std::string name = f->name();
    auto add = [&ladder](const std::string& candidate) {
        if (const qs::QuantFormat* g = qs::findQuantFormat(candidate))
            ladder.m_steps.push_back({g->nominalBits(), g->name()});
    };
    if (f->family() == "int" && name.size() > 4 && name.compare(0, 3, "int") == 0 &&
        name[4] == '_') {
        // intN_<rest>: same group size, symmetry and rounding, N from 1 to 8 where registered.
        const std::string rest = name.substr(4);
        for (int bits = 1; bits <= 8; ++bits) add("int" + std::to_string(bits) + rest);
    } else {
        for (const auto& fixed : fixedLadders()) {
            if (std::find(fixed.begin(), fixed.end(), name) == fixed.end()) continue;
            for (const auto& member : fixed) add(member);
            break;
        }
    }
    if (ladder.m_steps.empty()) add(name);
    std::stable_sort(ladder.m_steps.begin(), ladder.m_steps.end(),
                     [](const LadderStep& a, const LadderStep& b) { return a.bits < b.bits; });
    return ladder;
}

std::string FormatFamilyLadder::snap(double bits) const {
    if (m_steps.empty()) return {};
    const LadderStep* best = &m_steps.front();
    for (const LadderStep& s : m_steps)
        if (std::abs(s.bits - bits) <= std::abs(best->bits - bits)) best = &s;
    return best->format;
}

int FormatFamilyLadder::indexOf(std::string_view format) const {
    for (size_t i = 0; i < m_steps.size(); ++i)
        if (m_steps[i].format == format) return int(i);
    return -1;
}

std::string FormatFamilyLadder::step(std::string_view format, int delta) const {
    if (m_steps.empty()) return std::string(format);
    const int i = indexOf(format);
    if (i < 0) return std::string(format);
    const int j = std::clamp(i + delta, 0, int(m_steps.size()) - 1);
    return m_steps[size_t(j)].format;
}
