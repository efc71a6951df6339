// Runtime dispatch of the Highway minifloat/MX/NF4 kernels (minifloat_simd-inl.h, compiled once
// per target through foreach_target.h). Targets as in int_simd.cpp: AVX-512, AVX2 and the EMU128
// baseline; no -march flags.
#ifndef HWY_DISABLED_TARGETS
#define HWY_DISABLED_TARGETS (HWY_SSSE3 | HWY_SSE4)
#endif
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "quant/minifloat_simd-inl.h"
// Order matters: foreach_target.h first, then the baseline copy.
// clang-format off
#include <hwy/foreach_target.h> // compiles minifloat_simd-inl.h for each non-baseline target
#include <hwy/highway.h>
#include "quant/minifloat_simd-inl.h" // and for the baseline (static) target
// clang-format on

#if HWY_ONCE

namespace qs::quant_detail {

HWY_EXPORT(MinifloatTargetName);
HWY_EXPORT(MinifloatGroupQdq);
HWY_EXPORT(MinifloatScaled);
HWY_EXPORT(AbsMax);

const char* minifloatSimdTargetName() {
    return HWY_DYNAMIC_DISPATCH(MinifloatTargetName)();
}

int64_t minifloatGroupQdqSimd(const float* src, float* dst, int64_t rows, int64_t cols,
                              int64_t group, MinifloatScale scale, const MinifloatSpec& spec,
                              bool stream) {
    return HWY_DYNAMIC_DISPATCH(MinifloatGroupQdq)(src, dst, rows, cols, group, int32_t(scale),
                                                   &spec, stream ? 1 : 0);
}

void minifloatScaledSimd(const float* x, float* y, int64_t n, float s, const MinifloatSpec& spec,
                         bool stream) {
    HWY_DYNAMIC_DISPATCH(MinifloatScaled)(x, y, n, s, &spec, stream ? 1 : 0);
}

bool absMaxSimd(const float* x, int64_t n, float* amax) {
    return HWY_DYNAMIC_DISPATCH(AbsMax)(x, n, amax);
}

} // namespace qs::quant_detail

#endif // HWY_ONCE
