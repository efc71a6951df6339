// Runtime dispatch of the Highway ternary, binary and logarithmic kernels (lowbit_simd-inl.h,
// compiled once per target through foreach_target.h). Targets as in int_simd.cpp: AVX-512, AVX2
// and the EMU128 baseline; no -march flags.
#ifndef HWY_DISABLED_TARGETS
#define HWY_DISABLED_TARGETS (HWY_SSSE3 | HWY_SSE4)
#endif
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "quant/lowbit_simd-inl.h"
// Order matters: foreach_target.h first, then the baseline copy.
// clang-format off
#include <hwy/foreach_target.h> // compiles lowbit_simd-inl.h for each non-baseline target
#include <hwy/highway.h>
#include "quant/lowbit_simd-inl.h" // and for the baseline (static) target
// clang-format on

#if HWY_ONCE

namespace qs::quant_detail {

HWY_EXPORT(LowBitTargetName);
HWY_EXPORT(LowBitRowsQdq);

const char* lowbitSimdTargetName() {
    return HWY_DYNAMIC_DISPATCH(LowBitTargetName)();
}

int64_t lowbitRowsQdqSimd(const float* src, float* dst, int64_t rows, int64_t cols, LowBitKind kind,
                          int bits, float gamma, bool stream) {
    return HWY_DYNAMIC_DISPATCH(LowBitRowsQdq)(src, dst, rows, cols, int32_t(kind), bits, gamma,
                                               stream ? 1 : 0);
}

} // namespace qs::quant_detail

#endif // HWY_ONCE
