#pragma once
// Runs kernel tests once per Highway target this CPU can execute: the dispatcher's own choice
// (what the product uses), AVX2 and the baseline fallback, so every compiled copy of a kernel is
// compared with its reference twin.
//
//   for (int64_t t : qs::test::testTargets()) QTest::addRow("%s", qs::test::targetLabel(t)) << t;
//   qs::test::TargetScope scope(target);   // in the test body

#include <hwy/highway.h>
#include <hwy/targets.h>

#include <cstdint>
#include <vector>

namespace qs::test {

inline std::vector<int64_t> testTargets() {
    std::vector<int64_t> targets{0}; // 0: no override
    for (int64_t t : {int64_t(HWY_AVX2), int64_t(HWY_STATIC_TARGET)})
        if (hwy::SupportedTargets() & t) targets.push_back(t);
    return targets;
}

inline const char* targetLabel(int64_t t) {
    return t == 0 ? "best" : hwy::TargetName(t);
}

// Restricts runtime dispatch to one target for the lifetime of the scope (0: no restriction).
class TargetScope {
public:
    explicit TargetScope(int64_t target) : m_active(target != 0) {
        if (m_active) set(target);
    }
    ~TargetScope() {
        if (m_active) set(0);
    }
    TargetScope(const TargetScope&) = delete;
    TargetScope& operator=(const TargetScope&) = delete;

private:
    static void set(int64_t target) {
        hwy::SetSupportedTargetsForTest(target);
        hwy::GetChosenTarget().Update(hwy::SupportedTargets());
    }
    bool m_active;
};

} // namespace qs::test
