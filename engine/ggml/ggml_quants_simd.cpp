// Fused quantize-dequantize kernels of the 32-element ggml types, one copy per Highway target
// (this file re-includes itself through hwy/foreach_target.h), chosen at run time.
//
// Bit-identity with the scalar reference (ggml_quants.cpp) rests on doing the same IEEE
// operations in the same order: Mul then Add (never MulAdd: ggml rounds twice), division for the
// scale, truncation where ggml casts to an integer, and the block scale rounded through fp16 with
// round-to-nearest-even exactly as stored.
#include "ggml/ggml_fp_contract.h"

// SSSE3/SSE4 only matter on pre-2013 CPUs; AVX-512, AVX2 and the EMU128 baseline remain.
#ifndef HWY_DISABLED_TARGETS
#define HWY_DISABLED_TARGETS (HWY_SSSE3 | HWY_SSE4)
#endif

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "ggml/ggml_quants_simd.cpp"
#include <hwy/foreach_target.h> // IWYU pragma: keep

#include <hwy/highway.h>

#include "core/dtype.h"
#include "ggml/ggml_quants.h"
#include "ggml/ggml_quants_simd.h"
#include "ggml/simd_stream-inl.h"

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>

HWY_BEFORE_NAMESPACE();
namespace qs::ggml_simd::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using D = hn::ScalableTag<float>;
using DI = hn::RebindToSigned<D>;
using V = hn::Vec<D>;
using VI = hn::Vec<DI>;
constexpr size_t kL = hn::MaxLanes(D());
constexpr int kQK = ggml::kQK;
static_assert(kQK % kL == 0, "a block must be a whole number of vectors");
constexpr size_t kV = kQK / kL; // vectors per block

const char* TargetName() {
    return hwy::TargetName(HWY_TARGET);
}

// fp32 -> fp16 (round to nearest even) -> fp32, as the stored block scale. F16C's vcvtps2ph with
// rounding control 0 is exactly that, in two instructions; Highway's EMU128 fallback truncates,
// so it gets the scalar conversion of core/dtype.h instead.
HWY_INLINE float RoundTripFp16(float f) {
#if HWY_TARGET == HWY_EMU128 || HWY_TARGET == HWY_SCALAR || HWY_TARGET == HWY_SSSE3 ||             \
    HWY_TARGET == HWY_SSE4 || HWY_ARCH_X86 == 0
    return fp16ToFloat(floatToFp16(f));
#else
    const hn::FixedTag<float, 4> d4;
    const hn::FixedTag<hwy::float16_t, 4> dh4;
    return hn::GetLane(hn::PromoteTo(d4, hn::DemoteTo(dh4, hn::Set(d4, f))));
#endif
}

// Loads one block; false if any element is NaN or Inf.
HWY_INLINE bool LoadBlock(const float* x, V (&v)[kV]) {
    const D d;
    auto finite = hn::IsFinite(v[0] = hn::LoadU(d, x));
    for (size_t k = 1; k < kV; ++k) {
        v[k] = hn::LoadU(d, x + k * kL);
        finite = hn::And(finite, hn::IsFinite(v[k]));
    }
    return hn::AllTrue(d, finite);
}

// First element of the block equal to `value` (by ==). Only the sign of a zero can differ among
// equal elements, and ggml's strict comparisons keep the first one seen.
HWY_INLINE float FirstEqual(const float* x, const V (&v)[kV], float value, bool abs) {
    const D d;
    const V target = hn::Set(d, value);
    for (size_t k = 0; k < kV; ++k) {
        const auto eq = hn::Eq(abs ? hn::Abs(v[k]) : v[k], target);
        if (!hn::AllFalse(d, eq)) return x[k * kL + size_t(hn::FindFirstTrue(d, eq))];
    }
    return value; // not reached for a value taken from the block
}

// The vector loops below assume 1/d is finite (then |x / d| stays within the code range, so
// ggml's casts and clamps reduce to a truncation after one Min). Blocks where it is not (a scale
// below ~2^-128, or a max - min that overflows) go to the scalar reference, which pins them.
//
// Codes stay in float: trunc() of a value in [0, 2^23) is exact, and (code - offset) or code * d
// then equal ggml's int -> float conversions bit for bit (+0, never -0, for a zero code).

// Symmetric types q4_0 (kNMax 8) and q5_0 (16): d = max / -kNMax with max the first element of
// largest magnitude; code = min(2 kNMax - 1, trunc(x / d + kNMax + 0.5)); value (code - kNMax) d.
template <int kNMax>
HWY_INLINE bool SymBlock(int type, const float* x, float* y) {
    const D d;
    V v[kV];
    if (!LoadBlock(x, v)) return false;
    V amaxV = hn::Abs(v[0]);
    for (size_t k = 1; k < kV; ++k) amaxV = hn::Max(amaxV, hn::Abs(v[k]));
    const float amax = hn::GetLane(hn::MaxOfLanes(d, amaxV));
    // The signed max is +amax or -amax; only when both occur does the order matter. Testing for
    // that instead of searching for the first index keeps the hot path free of an unpredictable
    // branch (which of the block's vectors holds the max is random).
    const V pa = hn::Set(d, amax), na = hn::Set(d, -amax);
    auto pos = hn::Eq(v[0], pa), neg = hn::Eq(v[0], na);
    for (size_t k = 1; k < kV; ++k) {
        pos = hn::Or(pos, hn::Eq(v[k], pa));
        neg = hn::Or(neg, hn::Eq(v[k], na));
    }
    const bool hasPos = !hn::AllFalse(d, pos), hasNeg = !hn::AllFalse(d, neg);
    // Sign by bit arithmetic: a branch on it would be mispredicted half the time.
    float max = std::bit_cast<float>(std::bit_cast<uint32_t>(amax) | uint32_t(!hasPos) << 31);
    if (HWY_UNLIKELY(hasPos == hasNeg)) // both signs (or amax == 0, where +0 == -0)
        max = amax == 0.0f ? 0.0f : FirstEqual(x, v, amax, true);
    const float scale = max / float(-kNMax);
    const float id = scale != 0.0f ? 1.0f / scale : 0.0f;
    if (!std::isfinite(id)) {
        referenceBlock(type, x, y);
        return true;
    }
    const V vid = hn::Set(d, id), off = hn::Set(d, float(kNMax) + 0.5f);
    const V hi = hn::Set(d, float(2 * kNMax - 1)), bias = hn::Set(d, float(kNMax));
    const V dh = hn::Set(d, RoundTripFp16(scale));
    for (size_t k = 0; k < kV; ++k) {
        const V code = hn::Trunc(hn::Min(hn::Add(hn::Mul(v[k], vid), off), hi));
        hn::StoreU(hn::Mul(hn::Sub(code, bias), dh), d, y + k * kL);
    }
    return true;
}

// Asymmetric types q4_1 (kLevels 15) and q5_1 (31): d = (max - min) / kLevels;
// code = min(kLevels, trunc((x - min) / d + 0.5)); value code d + min.
template <int kLevels>
HWY_INLINE bool AsymBlock(int type, const float* x, float* y) {
    const D d;
    V v[kV];
    if (!LoadBlock(x, v)) return false;
    V minV = v[0], maxV = v[0];
    for (size_t k = 1; k < kV; ++k) {
        minV = hn::Min(minV, v[k]);
        maxV = hn::Max(maxV, v[k]);
    }
    float min = hn::GetLane(hn::MinOfLanes(d, minV));
    float max = hn::GetLane(hn::MaxOfLanes(d, maxV));
    if (min == 0.0f) min = FirstEqual(x, v, 0.0f, false);
    if (max == 0.0f) max = FirstEqual(x, v, 0.0f, false);
    const float scale = (max - min) / float(kLevels);
    const float id = scale != 0.0f ? 1.0f / scale : 0.0f;
    if (!std::isfinite(id) || !std::isfinite(scale)) {
        referenceBlock(type, x, y);
        return true;
    }
    const V vmin = hn::Set(d, min), vid = hn::Set(d, id), half = hn::Set(d, 0.5f);
    const V hi = hn::Set(d, float(kLevels));
    const V dh = hn::Set(d, RoundTripFp16(scale)), mh = hn::Set(d, RoundTripFp16(min));
    for (size_t k = 0; k < kV; ++k) {
        const V code = hn::Trunc(hn::Min(hn::Add(hn::Mul(hn::Sub(v[k], vmin), vid), half), hi));
        hn::StoreU(hn::Add(hn::Mul(code, dh), mh), d, y + k * kL);
    }
    return true;
}

// q8_0: d = amax / 127, code = roundf(x / d) (half away from zero), value code d.
HWY_INLINE bool Q8Block(int type, const float* x, float* y) {
    const D d;
    V v[kV];
    if (!LoadBlock(x, v)) return false;
    V amaxV = hn::Abs(v[0]);
    for (size_t k = 1; k < kV; ++k) amaxV = hn::Max(amaxV, hn::Abs(v[k]));
    const float amax = hn::GetLane(hn::MaxOfLanes(d, amaxV));
    const float scale = amax / 127.0f;
    const float id = scale != 0.0f ? 1.0f / scale : 0.0f;
    if (!std::isfinite(id)) {
        referenceBlock(type, x, y);
        return true;
    }
    const V vid = hn::Set(d, id), half = hn::Set(d, 0.5f), one = hn::Set(d, 1.0f);
    const V dh = hn::Set(d, RoundTripFp16(scale));
    for (size_t k = 0; k < kV; ++k) {
        const V p = hn::Mul(v[k], vid);
        // roundf: truncate, then step away from zero when the dropped fraction is >= 1/2
        // (p - trunc(p) is exact). Adding +0 when not stepping also turns -0 into +0, as the
        // reference's int8 code does.
        const V t = hn::Trunc(p);
        const auto up = hn::Ge(hn::Abs(hn::Sub(p, t)), half);
        const V code = hn::Add(t, hn::IfThenElseZero(up, hn::CopySign(one, p)));
        hn::StoreU(hn::Mul(code, dh), d, y + k * kL);
    }
    return true;
}

// Blocks in order into `out` (simd_stream-inl.h: dst itself, or streaming stores through a
// staging buffer for large tensors), the input prefetched ahead.
template <class Block, class Out>
HWY_INLINE int64_t BlocksTo(int type, const float* src, int64_t nblocks, Block block, Out& out) {
    for (int64_t b = 0; b < nblocks; ++b) {
        simd_stream::HWY_NAMESPACE::PrefetchAhead(src + b * kQK, kQK);
        if (!block(type, src + b * kQK, out.Reserve(kQK))) return b;
        out.Commit(kQK);
    }
    return -1;
}

template <class Block>
HWY_INLINE int64_t Blocks(int type, const float* src, float* dst, int64_t nblocks, Block block,
                          bool stream) {
    if (!stream) {
        simd_stream::HWY_NAMESPACE::DirectOut out(dst);
        return BlocksTo(type, src, nblocks, block, out);
    }
    simd_stream::HWY_NAMESPACE::StreamOut out(dst);
    const int64_t bad = BlocksTo(type, src, nblocks, block, out);
    out.Finish();
    return bad;
}

int64_t FusedBlocks(int type, const float* src, float* dst, int64_t nblocks, int32_t stream) {
    switch (type) {
    case ggml::kQ4_0:
        return Blocks(type, src, dst, nblocks, SymBlock<8>, stream != 0);
    case ggml::kQ5_0:
        return Blocks(type, src, dst, nblocks, SymBlock<16>, stream != 0);
    case ggml::kQ4_1:
        return Blocks(type, src, dst, nblocks, AsymBlock<15>, stream != 0);
    case ggml::kQ5_1:
        return Blocks(type, src, dst, nblocks, AsymBlock<31>, stream != 0);
    case ggml::kQ8_0:
        return Blocks(type, src, dst, nblocks, Q8Block, stream != 0);
    default:
        return -2; // caller checks hasFusedKernel first
    }
}

} // namespace qs::ggml_simd::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace qs::ggml_simd {

HWY_EXPORT(FusedBlocks);
HWY_EXPORT(TargetName);

bool hasFusedKernel(int type) {
    return type == ggml::kQ4_0 || type == ggml::kQ4_1 || type == ggml::kQ5_0 ||
           type == ggml::kQ5_1 || type == ggml::kQ8_0;
}

int64_t fusedBlocks(int type, const float* src, float* dst, int64_t nblocks, bool stream) {
    return HWY_DYNAMIC_DISPATCH(FusedBlocks)(type, src, dst, nblocks, stream ? 1 : 0);
}

const char* targetName() {
    return HWY_DYNAMIC_DISPATCH(TargetName)();
}

} // namespace qs::ggml_simd
#endif // HWY_ONCE
