// Helpers shared by the per-target quantize-dequantize kernels (int_simd-inl.h,
// minifloat_simd-inl.h): fp16 rounding of a group's scale, the group maximum, and (from
// ggml/simd_stream-inl.h, which the ggml kernels use too) output sinks and prefetch. Not a header
// of its own: included from those files, once per Highway target, so it carries Highway's
// per-target include guard.
#if defined(QS_QUANT_SIMD_COMMON_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef QS_QUANT_SIMD_COMMON_INL_H_
#undef QS_QUANT_SIMD_COMMON_INL_H_
#else
#define QS_QUANT_SIMD_COMMON_INL_H_
#endif

#include "core/dtype.h"
#include "ggml/simd_stream-inl.h"
#include "quant/int_formats.h"

#include <hwy/highway.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

HWY_BEFORE_NAMESPACE();
namespace qs::quant_detail::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// ---- fp16 scales ------------------------------------------------------------------------------

// fp32 -> fp16 (round to nearest even) -> fp32 of one value. F16C's vcvtps2ph with rounding
// control 0 is exactly core/dtype.h's floatToFp16 (Inf above 65519.99, subnormals included), in
// two instructions instead of a branchy software conversion per group; Highway's portable
// fallbacks (EMU128, SCALAR) truncate, so they keep the scalar conversion.
HWY_INLINE uint16_t Fp16Bits(float f) {
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2
    const hn::FixedTag<float, 4> d4;
    const hn::FixedTag<hwy::float16_t, 4> dh4;
    const hn::RebindToUnsigned<decltype(dh4)> du4;
    return hn::GetLane(hn::BitCast(du4, hn::DemoteTo(dh4, hn::Set(d4, f))));
#else
    return floatToFp16(f);
#endif
}

HWY_INLINE float Fp16Value(uint16_t h) {
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2
    const hn::FixedTag<float, 4> d4;
    const hn::FixedTag<hwy::float16_t, 4> dh4;
    const hn::RebindToUnsigned<decltype(dh4)> du4;
    return hn::GetLane(hn::PromoteTo(d4, hn::BitCast(dh4, hn::Set(du4, h))));
#else
    return fp16ToFloat(h);
#endif
}

// Twin of quant_detail::roundScaleToFp16 (int_formats.cpp): s >= 0.
HWY_INLINE float RoundScaleToFp16(float s) {
    constexpr float kFp16Max = 65504.0f;
    if (!(s < kFp16Max)) return s > 0 ? kFp16Max : 0.0f;
    return Fp16Value(Fp16Bits(s));
}

// Twin of quant_detail::roundScaleUpToFp16Inline (int_formats.h): s >= 0.
HWY_INLINE float RoundScaleUpToFp16(float s) {
    constexpr float kFp16Max = 65504.0f;
    if (!(s < kFp16Max)) return kFp16Max;
    // Positive: the next code is the next larger value. Branch-free: which way the rounding
    // went is a coin flip per group, and a mispredicted branch costs as much as the group.
    const uint16_t h = Fp16Bits(s);
    return Fp16Value(uint16_t(h + uint16_t(Fp16Value(h) < s)));
}

// Twin of quant_detail::intParamsSymInline.
HWY_INLINE IntParams IntParamsSym(int bits, float amax) {
    const float qmax = float((1 << (bits - 1)) - 1);
    IntParams p;
    p.scale = amax > 0 ? RoundScaleUpToFp16(amax / qmax) : 0.0f;
    p.inv = p.scale > 0 ? 1.0f / p.scale : 0.0f;
    p.lo = -qmax;
    p.hi = qmax;
    return p;
}

// Twin of quant_detail::intParamsAsym (int_formats.cpp), without its data-dependent branch:
// both candidate scales (the fp16 value at or above range / qmax, and the one below it) are
// evaluated and the reference's choice is selected, since which one a group needs is as good as
// random and a mispredicted branch costs as much as the group's other work.
HWY_INLINE IntParams IntParamsAsym(int bits, float minv, float maxv) {
    const float qmax = float((1 << bits) - 1);
    const float lo = std::min(minv, 0.0f), hi = std::max(maxv, 0.0f);
    IntParams p;
    p.lo = 0;
    p.hi = qmax;
    const float range = hi - lo;
    if (!(range > 0)) return p;
    auto zeroFor = [&](float scale) {
        return std::clamp(std::nearbyint(-lo / scale), 0.0f, qmax) + 0.0f;
    };
    const float up = RoundScaleUpToFp16(range / qmax);
    const bool keepUp = std::nearbyint(hi * (1.0f / up)) + zeroFor(up) == qmax;
    const uint16_t h = Fp16Bits(up);
    const float below = h > 1 ? Fp16Value(uint16_t(h - 1)) : up;
    p.scale = keepUp ? up : below;
    p.inv = 1.0f / p.scale;
    p.zero = zeroFor(p.scale);
    return p;
}

// ---- Group maximum ---------------------------------------------------------------------------

// max |x[i]| over x[0, n) by integer max of the magnitudes' bit patterns (ordered like the
// values for non-negative floats); false when any element is NaN or Inf, whose magnitudes are
// the patterns from 0x7f800000 up. Equals the references' max of fabs (or max(-min, max)),
// +0 for an all-zero group; one reduction, and no separate finiteness test.
HWY_INLINE bool AbsMaxInline(const float* HWY_RESTRICT x, int64_t n, float* amax) {
    const hn::ScalableTag<float> d;
    const hn::RebindToSigned<decltype(d)> di;
    const int64_t L = int64_t(hn::Lanes(d));
    const auto mask = hn::Set(di, 0x7fffffff);
    int64_t i = 0;
    int32_t top = 0;
    if (n >= 2 * L) {
        auto m0 = hn::And(hn::BitCast(di, hn::LoadU(d, x)), mask);
        auto m1 = hn::And(hn::BitCast(di, hn::LoadU(d, x + L)), mask);
        for (i = 2 * L; i + 2 * L <= n; i += 2 * L) {
            m0 = hn::Max(m0, hn::And(hn::BitCast(di, hn::LoadU(d, x + i)), mask));
            m1 = hn::Max(m1, hn::And(hn::BitCast(di, hn::LoadU(d, x + i + L)), mask));
        }
        top = hn::GetLane(hn::MaxOfLanes(di, hn::Max(m0, m1)));
    }
    for (; i < n; ++i) {
        uint32_t b;
        std::memcpy(&b, x + i, sizeof b);
        top = std::max(top, int32_t(b & 0x7fffffffu));
    }
    if (top >= 0x7f800000) return false;
    std::memcpy(amax, &top, sizeof top);
    return true;
}

// ---- Output sinks and prefetch: ggml/simd_stream-inl.h --------------------------------------

using qs::simd_stream::HWY_NAMESPACE::DirectOut;
using qs::simd_stream::HWY_NAMESPACE::kMaxPiece;
using qs::simd_stream::HWY_NAMESPACE::PrefetchAhead;
using qs::simd_stream::HWY_NAMESPACE::StreamOut;

// The element pass of every kernel: y[i] = vec(x[i..i+L)) on whole vectors and scalar(x[i]) on
// the tail, written piece by piece to `out`. vec and scalar are the same rounding (the scalar one
// is the reference's), so the tail agrees with the reference bit for bit.
template <class Out, class VecOp, class ScalarOp>
HWY_INLINE void Pieces(const float* HWY_RESTRICT x, int64_t n, Out& out, const VecOp& vec,
                       const ScalarOp& scalar) {
    const hn::ScalableTag<float> d;
    const int64_t L = int64_t(hn::Lanes(d));
    for (int64_t p = 0; p < n; p += int64_t(kMaxPiece)) {
        const int64_t k = std::min(n - p, int64_t(kMaxPiece));
        float* HWY_RESTRICT y = out.Reserve(size_t(k));
        int64_t i = 0;
        for (; i + L <= k; i += L) hn::StoreU(vec(hn::LoadU(d, x + p + i)), d, y + i);
        for (; i < k; ++i) y[i] = scalar(x[p + i]);
        out.Commit(size_t(k));
    }
}

// y = 0 for n elements, in pieces (a group or row whose values all quantize to zero).
template <class Out>
HWY_INLINE void ZeroPieces(int64_t n, Out& out) {
    for (int64_t i = 0; i < n; i += int64_t(kMaxPiece)) {
        const size_t k = size_t(std::min(n - i, int64_t(kMaxPiece)));
        std::fill_n(out.Reserve(k), k, 0.0f);
        out.Commit(k);
    }
}

} // namespace qs::quant_detail::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif // QS_QUANT_SIMD_COMMON_INL_H_
