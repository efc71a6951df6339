// Per-target integer quantize-dequantize kernels. Not a header of its own: int_simd.cpp names
// this file as HWY_TARGET_INCLUDE, and hwy/foreach_target.h compiles it once per enabled Highway
// target, each copy in namespace qs::quant_detail::N_<TARGET>.
//
// Each kernel mirrors its scalar twin in int_formats.cpp operation for operation (Mul, Round to
// nearest even, Add, Min/Max, Sub, Mul; scale parameters computed by the same scalar function),
// so results agree bit for bit on every target. Tails shorter than a vector run the scalar
// twin's exact expressions.

#include "quant/int_formats.h"
#include "quant/simd_common-inl.h"

#include <hwy/highway.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

HWY_BEFORE_NAMESPACE();
namespace qs::quant_detail::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using D = hn::ScalableTag<float>;

const char* IntTargetName() {
    return hwy::TargetName(HWY_TARGET);
}

// min and max of x[0, n); false when any element is NaN or Inf. v - v is 0 for every finite v
// and NaN otherwise, and a sum keeps the NaN where Min/Max (x86 semantics) might drop it.
HWY_INLINE bool MinMaxInline(const float* HWY_RESTRICT x, int64_t n, float* mn, float* mx) {
    const D d;
    const int64_t L = int64_t(hn::Lanes(d));
    int64_t i = 0;
    float lo = 0, hi = 0;
    bool any = false;
    if (n >= L) {
        auto vmin = hn::LoadU(d, x), vmax = vmin;
        auto bad = hn::Sub(vmin, vmin);
        for (i = L; i + L <= n; i += L) {
            const auto v = hn::LoadU(d, x + i);
            vmin = hn::Min(vmin, v);
            vmax = hn::Max(vmax, v);
            bad = hn::Add(bad, hn::Sub(v, v));
        }
        if (!hn::AllTrue(d, hn::Eq(bad, hn::Zero(d)))) return false;
        lo = hn::GetLane(hn::MinOfLanes(d, vmin));
        hi = hn::GetLane(hn::MaxOfLanes(d, vmax));
        any = true;
    }
    for (; i < n; ++i) {
        const float v = x[i];
        if (!std::isfinite(v)) return false;
        lo = any ? std::min(lo, v) : v;
        hi = any ? std::max(hi, v) : v;
        any = true;
    }
    *mn = lo;
    *mx = hi;
    return true;
}

HWY_INLINE void ApplyInline(const float* HWY_RESTRICT x, float* HWY_RESTRICT y, int64_t n,
                            const IntParams& p) {
    const D d;
    const int64_t L = int64_t(hn::Lanes(d));
    const auto vinv = hn::Set(d, p.inv), vzero = hn::Set(d, p.zero), vlo = hn::Set(d, p.lo),
               vhi = hn::Set(d, p.hi), vscale = hn::Set(d, p.scale);
    int64_t i = 0;
    for (; i + L <= n; i += L) {
        auto q = hn::Round(hn::Mul(hn::LoadU(d, x + i), vinv));
        q = hn::Min(hn::Max(hn::Add(q, vzero), vlo), vhi);
        hn::StoreU(hn::Mul(hn::Sub(q, vzero), vscale), d, y + i);
    }
    for (; i < n; ++i) {
        float q = std::nearbyint(x[i] * p.inv);
        q = std::min(std::max(q + p.zero, p.lo), p.hi);
        y[i] = (q - p.zero) * p.scale;
    }
}

// ApplyInline in six single-uop operations instead of eight (the kernels are compute-bound at
// two 512-bit ops per cycle): clamp before rounding, and round by adding and subtracting
// M = 1.5 * 2^23. With z the zero point (0 when symmetric) the reference computes
// (clamp(round(t) + z, lo, hi) - z) * scale with t = w * inv; since z, lo and hi are small
// integers that is clamp(round(t), lo - z, hi - z) * scale, and rounding to nearest even commutes
// with a clamp to integer bounds, so it is round(clamp(t, lo - z, hi - z)) * scale. (c + M) - M
// is c rounded to nearest even for |c| < 2^22, and its zeros are +0, as are the reference's
// (round(t) + z, and q - z, turn a -0 into +0); the final product is the same. Bit for bit the
// reference. No a * b + c for FMA contraction to fuse: the clamp sits between the product and
// the addition.
HWY_INLINE void ApplyClampFirstInline(const float* HWY_RESTRICT x, float* HWY_RESTRICT y, int64_t n,
                                      const IntParams& p) {
    const D d;
    const int64_t L = int64_t(hn::Lanes(d));
    const auto vinv = hn::Set(d, p.inv), vlo = hn::Set(d, p.lo - p.zero),
               vhi = hn::Set(d, p.hi - p.zero), vscale = hn::Set(d, p.scale),
               magic = hn::Set(d, 12582912.0f);
    int64_t i = 0;
    for (; i + 2 * L <= n; i += 2 * L) {
        const auto c0 = hn::Min(hn::Max(hn::Mul(hn::LoadU(d, x + i), vinv), vlo), vhi);
        const auto c1 = hn::Min(hn::Max(hn::Mul(hn::LoadU(d, x + i + L), vinv), vlo), vhi);
        hn::StoreU(hn::Mul(hn::Sub(hn::Add(c0, magic), magic), vscale), d, y + i);
        hn::StoreU(hn::Mul(hn::Sub(hn::Add(c1, magic), magic), vscale), d, y + i + L);
    }
    for (; i < n; ++i) {
        float q = std::nearbyint(x[i] * p.inv);
        q = std::min(std::max(q + p.zero, p.lo), p.hi);
        y[i] = (q - p.zero) * p.scale;
    }
}

bool IntMinMax(const float* x, int64_t n, float* mn, float* mx) {
    return MinMaxInline(x, n, mn, mx);
}

void IntApply(const float* x, float* y, int64_t n, const IntParams* p) {
    ApplyInline(x, y, n, *p);
}

// One pass over `n` weights (a whole number of groups), each group's output to `out` in pieces.
// Symmetric: the scale from AbsMaxInline equals the reference's max(-min, max) (both are the
// largest magnitude, +0 for an all-zero group).
template <class Out>
HWY_INLINE int64_t GroupQdq(const float* HWY_RESTRICT src, int64_t n, int64_t group, int bits,
                            bool asym, Out& out) {
    for (int64_t at = 0; at < n; at += group) {
        PrefetchAhead(src + at, group);
        IntParams p;
        if (asym) {
            float mn, mx;
            if (!MinMaxInline(src + at, group, &mn, &mx)) return at;
            p = IntParamsAsym(bits, mn, mx);
        } else {
            float amax;
            if (!AbsMaxInline(src + at, group, &amax)) return at;
            p = IntParamsSym(bits, amax);
        }
        for (int64_t i = 0; i < group; i += int64_t(kMaxPiece)) {
            const size_t k = size_t(std::min(group - i, int64_t(kMaxPiece)));
            ApplyClampFirstInline(src + at + i, out.Reserve(k), int64_t(k), p);
            out.Commit(k);
        }
    }
    return -1;
}

// `group` divides `cols`. y may equal x: each group is read completely before it is written.
int64_t IntGroupQdq(const float* src, float* dst, int64_t rows, int64_t cols, int64_t group,
                    int32_t bits, int32_t asym, int32_t stream) {
    int64_t bad;
    if (stream) {
        StreamOut out(dst);
        bad = GroupQdq(src, rows * cols, group, bits, asym != 0, out);
        out.Finish();
    } else {
        DirectOut out(dst);
        bad = GroupQdq(src, rows * cols, group, bits, asym != 0, out);
    }
    return bad;
}

} // namespace qs::quant_detail::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();
