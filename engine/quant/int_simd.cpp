// Runtime dispatch of the Highway integer kernels (int_simd-inl.h, compiled once per target
// through foreach_target.h) and the row-parallel drivers around them.
//
// SSSE3/SSE4 only matter on pre-2013 CPUs and would add two more copies of every kernel to the
// build; the dispatcher falls back to the SSE2-level EMU128 copy there. No -march flags: each
// copy gets its target attributes from Highway.
#ifndef HWY_DISABLED_TARGETS
#define HWY_DISABLED_TARGETS (HWY_SSSE3 | HWY_SSE4)
#endif
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "quant/int_simd-inl.h"
// Order matters: foreach_target.h first, then the baseline copy.
// clang-format off
#include <hwy/foreach_target.h> // compiles int_simd-inl.h for each non-baseline target
#include <hwy/highway.h>
#include "quant/int_simd-inl.h" // and for the baseline (static) target
// clang-format on

#if HWY_ONCE

namespace qs::quant_detail {

HWY_EXPORT(IntTargetName);
HWY_EXPORT(IntMinMax);
HWY_EXPORT(IntApply);
HWY_EXPORT(IntGroupQdq);

const char* intSimdTargetName() {
    return HWY_DYNAMIC_DISPATCH(IntTargetName)();
}

int64_t intGroupQdqSimd(const float* src, float* dst, int64_t rows, int64_t cols, int64_t group,
                        int bits, bool asym, bool stream) {
    return HWY_DYNAMIC_DISPATCH(IntGroupQdq)(src, dst, rows, cols, group, bits, asym ? 1 : 0,
                                             stream ? 1 : 0);
}

bool intMinMaxSimd(const float* x, int64_t n, float* mn, float* mx) {
    return HWY_DYNAMIC_DISPATCH(IntMinMax)(x, n, mn, mx);
}

void intApplySimd(const float* x, float* y, int64_t n, const IntParams& p) {
    HWY_DYNAMIC_DISPATCH(IntApply)(x, y, n, &p);
}

} // namespace qs::quant_detail

#endif // HWY_ONCE
