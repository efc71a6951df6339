// Per-target SIMD kernels. Not a translation unit of its own: kernels.cpp names this file as
// HWY_TARGET_INCLUDE, and hwy/foreach_target.h compiles it once per enabled Highway target, each
// copy in namespace qs::kernels::N_<TARGET>. kernels.cpp then picks one copy at run time.
//
// Only plain-signature entry points are exported; blocking, threading and scratch buffers of the
// GEMM live in kernels.cpp, so they are written (and compiled) once.

#include <hwy/highway.h>

#include <hwy/contrib/math/math-inl.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>

HWY_BEFORE_NAMESPACE();
namespace qs::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using D = hn::ScalableTag<float>;
using V = hn::Vec<D>;
constexpr size_t kL = hn::MaxLanes(D());

// Register tiles. The packed GEMM micro-kernel holds kMR x kNV vector accumulators, kNV vectors
// of B and one broadcast of A; the small-M kernel holds kSmallRM x kSmallRN accumulators plus
// the kSmallRM + kSmallRN operand loads of one K step (mostly folded into FMA memory operands).
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
// 32 zmm: 8x3 = 24 accumulators + 3 B + 1 A. 8 broadcasts + 3 loads feed 24 FMAs, so the two
// load ports never limit the two FMA ports; 8 divides the usual token counts (256..1024).
constexpr size_t kMR = 8, kNV = 3;
constexpr size_t kSmallRM = 4, kSmallRN = 5;
#else
// 16 ymm/xmm: 6x2 = 12 accumulators + 2 B + 1 A.
constexpr size_t kMR = 6, kNV = 2;
constexpr size_t kSmallRM = 3, kSmallRN = 3;
#endif
constexpr size_t kNR = kNV * kL; // columns of C per micro-tile = width of a packed B panel

// (mr, nr): rows and columns of the micro-tile, for the driver's blocking.
void GemmGeometry(int64_t* mr, int64_t* nr) {
    *mr = int64_t(kMR);
    *nr = int64_t(kNR);
}

const char* TargetName() {
    return hwy::TargetName(HWY_TARGET);
}

// Packs rows [0, n) of B (each K-contiguous, ldb apart) into ceil(n / kNR) panels laid out as
// panel[k][j] (kNR floats per k), so that the micro-kernel reads one K step of kNR columns as
// kNV aligned vectors. Rows beyond n are zero so a ragged last panel needs no special loads.
//
// Four source rows are read front to back at a time (B usually comes from DRAM, and four
// sequential streams keep the hardware prefetcher effective where 48 interleaved ones did not),
// transposed in 4x4 blocks of 128-bit vectors.
void PackB(const float* B, int64_t ldb, int64_t n, int64_t K, float* dst) {
    constexpr int64_t NR = int64_t(kNR);
    for (int64_t j0 = 0; j0 < n; j0 += NR) {
        float* panel = dst + j0 * K;
        const int64_t nn = std::min(NR, n - j0);
        int64_t j = 0;
#if HWY_TARGET != HWY_SCALAR
        const hn::Full128<float> d4;
        const hn::Full128<double> d2; // 64-bit halves for the second transpose stage
        for (; j + 4 <= nn; j += 4) {
            const float* r0 = B + (j0 + j) * ldb;
            const float* r1 = r0 + ldb;
            const float* r2 = r1 + ldb;
            const float* r3 = r2 + ldb;
            float* out = panel + j;
            int64_t k = 0;
            for (; k + 4 <= K; k += 4) {
                const auto v0 = hn::LoadU(d4, r0 + k), v1 = hn::LoadU(d4, r1 + k);
                const auto v2 = hn::LoadU(d4, r2 + k), v3 = hn::LoadU(d4, r3 + k);
                // t01 = r0k0 r1k0 r0k1 r1k1, t23 = r2k0 r3k0 r2k1 r3k1, and the same for k2, k3.
                const auto t01 = hn::BitCast(d2, hn::InterleaveLower(d4, v0, v1));
                const auto t23 = hn::BitCast(d2, hn::InterleaveLower(d4, v2, v3));
                const auto u01 = hn::BitCast(d2, hn::InterleaveUpper(d4, v0, v1));
                const auto u23 = hn::BitCast(d2, hn::InterleaveUpper(d4, v2, v3));
                hn::StoreU(hn::BitCast(d4, hn::InterleaveLower(d2, t01, t23)), d4, out + k * NR);
                hn::StoreU(hn::BitCast(d4, hn::InterleaveUpper(d2, t01, t23)), d4,
                           out + (k + 1) * NR);
                hn::StoreU(hn::BitCast(d4, hn::InterleaveLower(d2, u01, u23)), d4,
                           out + (k + 2) * NR);
                hn::StoreU(hn::BitCast(d4, hn::InterleaveUpper(d2, u01, u23)), d4,
                           out + (k + 3) * NR);
            }
            for (; k < K; ++k) {
                out[k * NR + 0] = r0[k];
                out[k * NR + 1] = r1[k];
                out[k * NR + 2] = r2[k];
                out[k * NR + 3] = r3[k];
            }
        }
#endif
        for (; j < nn; ++j) {
            const float* src = B + (j0 + j) * ldb;
            for (int64_t k = 0; k < K; ++k) panel[k * NR + j] = src[k];
        }
        for (; j < NR; ++j)
            for (int64_t k = 0; k < K; ++k) panel[k * NR + j] = 0.0f;
    }
}

// C[R x nc] (+)= A[R x kc] * panel^T over kc K steps. A rows are lda apart; C rows ldc apart.
template <size_t R>
HWY_INLINE void MicroKernel(const float* HWY_RESTRICT A, int64_t lda, const float* HWY_RESTRICT bp,
                            int64_t kc, float* HWY_RESTRICT C, int64_t ldc, int64_t nc,
                            bool loadC) {
    const D d;
    V acc[R][kNV];
#pragma GCC unroll 8
    for (size_t r = 0; r < R; ++r)
#pragma GCC unroll 4
        for (size_t v = 0; v < kNV; ++v) acc[r][v] = hn::Zero(d);

    for (int64_t k = 0; k < kc; ++k) {
        V b[kNV];
#pragma GCC unroll 4
        for (size_t v = 0; v < kNV; ++v) b[v] = hn::Load(d, bp + k * int64_t(kNR) + v * kL);
#pragma GCC unroll 8
        for (size_t r = 0; r < R; ++r) {
            const V a = hn::Set(d, A[int64_t(r) * lda + k]);
#pragma GCC unroll 4
            for (size_t v = 0; v < kNV; ++v) acc[r][v] = hn::MulAdd(a, b[v], acc[r][v]);
        }
    }

    if (nc == int64_t(kNR)) {
#pragma GCC unroll 8
        for (size_t r = 0; r < R; ++r)
#pragma GCC unroll 4
            for (size_t v = 0; v < kNV; ++v) {
                float* c = C + int64_t(r) * ldc + v * kL;
                hn::StoreU(loadC ? hn::Add(acc[r][v], hn::LoadU(d, c)) : acc[r][v], d, c);
            }
        return;
    }
    // Ragged last panel: only nc columns of C exist, so go through a stack tile.
    HWY_ALIGN float tile[kNR];
    for (size_t r = 0; r < R; ++r) {
        for (size_t v = 0; v < kNV; ++v) hn::Store(acc[r][v], d, tile + v * kL);
        float* c = C + int64_t(r) * ldc;
        for (int64_t j = 0; j < nc; ++j) c[j] = loadC ? c[j] + tile[j] : tile[j];
    }
}

template <size_t R>
void MicroKernelFn(const float* A, int64_t lda, const float* bp, int64_t kc, float* C, int64_t ldc,
                   int64_t nc, bool loadC) {
    MicroKernel<R>(A, lda, bp, kc, C, ldc, nc, loadC);
}

using MicroFn = void (*)(const float*, int64_t, const float*, int64_t, float*, int64_t, int64_t,
                         bool);

template <size_t... Rs>
constexpr auto MakeMicroTable(std::index_sequence<Rs...>) {
    return std::array<MicroFn, sizeof...(Rs)>{&MicroKernelFn<Rs + 1>...};
}

// Walks a block of matrix rows one cache line at a time, issuing L2 prefetches: GemmPacked uses
// it to pull the next chunk of B in from DRAM while it computes, so the next PackB finds it.
class RowPrefetcher {
public:
    RowPrefetcher(const float* base, int64_t rows, int64_t ld, int64_t cols)
        : base_(reinterpret_cast<const char*>(base)), rows_(rows), ldBytes_(ld * 4),
          rowBytes_(cols * 4) {}
    int64_t lines() const { return rows_ * ((rowBytes_ + 63) / 64); }
    void next(int64_t n) {
        for (; n > 0 && row_ < rows_; --n) {
            __builtin_prefetch(base_ + row_ * ldBytes_ + offset_, 0, 2);
            offset_ += 64;
            if (offset_ >= rowBytes_) {
                offset_ = 0;
                ++row_;
            }
        }
    }

private:
    const char* base_;
    int64_t rows_, ldBytes_, rowBytes_;
    int64_t row_ = 0, offset_ = 0;
};

// Rows [i0, i1) of C times npanels packed panels (ncols valid columns in all), K blocked by kc so
// one panel slice (kc x kNR floats) stays in cache while the A rows of the block stream past it.
// C points at the first column of the panel group; A and C at row 0. Meanwhile prefetches
// pfRows rows of pfLd-strided matrix pf (K columns), spread over the micro-kernel calls.
void GemmPacked(int64_t i0, int64_t i1, int64_t K, const float* A, int64_t lda, const float* Bp,
                int64_t npanels, int64_t ncols, float* C, int64_t ldc, bool accumulate, int64_t kc,
                const float* pf, int64_t pfRows, int64_t pfLd) {
    static constexpr auto kMicro = MakeMicroTable(std::make_index_sequence<kMR>());
    RowPrefetcher prefetch(pf, pf ? pfRows : 0, pfLd, K);
    const int64_t calls =
        ((K + kc - 1) / kc) * npanels * ((i1 - i0 + int64_t(kMR) - 1) / int64_t(kMR));
    const int64_t perCall = (prefetch.lines() + calls - 1) / calls;
    for (int64_t pc = 0; pc < K; pc += kc) {
        const int64_t kk = std::min(kc, K - pc);
        const bool loadC = accumulate || pc > 0;
        for (int64_t p = 0; p < npanels; ++p) {
            const float* bp = Bp + p * K * int64_t(kNR) + pc * int64_t(kNR);
            const int64_t nc = std::min<int64_t>(int64_t(kNR), ncols - p * int64_t(kNR));
            float* cp = C + p * int64_t(kNR);
            int64_t i = i0;
            for (; i + int64_t(kMR) <= i1; i += int64_t(kMR)) {
                prefetch.next(perCall);
                MicroKernel<kMR>(A + i * lda + pc, lda, bp, kk, cp + i * ldc, ldc, nc, loadC);
            }
            if (i < i1) {
                prefetch.next(perCall);
                kMicro[size_t(i1 - i) - 1](A + i * lda + pc, lda, bp, kk, cp + i * ldc, ldc, nc,
                                           loadC);
            }
        }
    }
}

// Small-M path (decode steps, short prompts): packing B would cost as much as the product, so
// each C element is a dot product vectorized along K, RM x RN of them per register tile, with a
// masked load for the K tail and one horizontal sum per element at the end.
template <size_t RM, size_t RN>
HWY_INLINE void SmallTile(const float* HWY_RESTRICT A, int64_t lda, const float* HWY_RESTRICT B,
                          int64_t ldb, int64_t K, float* HWY_RESTRICT C, int64_t ldc,
                          bool accumulate) {
    const D d;
    V s[RM][RN];
#pragma GCC unroll 8
    for (size_t r = 0; r < RM; ++r)
#pragma GCC unroll 8
        for (size_t j = 0; j < RN; ++j) s[r][j] = hn::Zero(d);
    int64_t k = 0;
    for (; k + int64_t(kL) <= K; k += int64_t(kL)) {
        V b[RN];
#pragma GCC unroll 8
        for (size_t j = 0; j < RN; ++j) b[j] = hn::LoadU(d, B + int64_t(j) * ldb + k);
#pragma GCC unroll 8
        for (size_t r = 0; r < RM; ++r) {
            const V a = hn::LoadU(d, A + int64_t(r) * lda + k);
#pragma GCC unroll 8
            for (size_t j = 0; j < RN; ++j) s[r][j] = hn::MulAdd(a, b[j], s[r][j]);
        }
    }
    if (k < K) {
        const auto m = hn::FirstN(d, size_t(K - k));
        V b[RN];
        for (size_t j = 0; j < RN; ++j) b[j] = hn::MaskedLoad(m, d, B + int64_t(j) * ldb + k);
        for (size_t r = 0; r < RM; ++r) {
            const V a = hn::MaskedLoad(m, d, A + int64_t(r) * lda + k);
            for (size_t j = 0; j < RN; ++j) s[r][j] = hn::MulAdd(a, b[j], s[r][j]);
        }
    }
    for (size_t r = 0; r < RM; ++r)
        for (size_t j = 0; j < RN; ++j) {
            const float v = hn::GetLane(hn::SumOfLanes(d, s[r][j]));
            float& c = C[int64_t(r) * ldc + int64_t(j)];
            c = accumulate ? c + v : v;
        }
}

template <size_t RM>
HWY_INLINE void SmallRows(const float* A, int64_t lda, const float* B, int64_t ldb, int64_t j0,
                          int64_t j1, int64_t K, float* C, int64_t ldc, bool accumulate) {
    int64_t j = j0;
    for (; j + int64_t(kSmallRN) <= j1; j += int64_t(kSmallRN))
        SmallTile<RM, kSmallRN>(A, lda, B + j * ldb, ldb, K, C + j, ldc, accumulate);
    for (; j < j1; ++j) SmallTile<RM, 1>(A, lda, B + j * ldb, ldb, K, C + j, ldc, accumulate);
}

// All M rows of C, columns [j0, j1). Columns go in blocks of about 256 KB of B so that each
// block is read from memory once and then from L2 by every group of kSmallRM rows.
void GemmSmall(int64_t M, int64_t j0, int64_t j1, int64_t K, const float* A, int64_t lda,
               const float* B, int64_t ldb, float* C, int64_t ldc, bool accumulate) {
    const int64_t blockCols = std::max<int64_t>(
        int64_t(kSmallRN), (int64_t(1) << 16) / K / int64_t(kSmallRN) * int64_t(kSmallRN));
    for (int64_t jb = j0; jb < j1; jb += blockCols) {
        const int64_t je = std::min(j1, jb + blockCols);
        int64_t i = 0;
        for (; i + int64_t(kSmallRM) <= M; i += int64_t(kSmallRM))
            SmallRows<kSmallRM>(A + i * lda, lda, B, ldb, jb, je, K, C + i * ldc, ldc, accumulate);
        for (; i < M; ++i)
            SmallRows<1>(A + i * lda, lda, B, ldb, jb, je, K, C + i * ldc, ldc, accumulate);
    }
}

// ---- Elementwise and reduction kernels: not hot, written for clarity with full vectors plus a
// scalar tail (the tail uses the same formula as the reference twin).

float Dot(const float* a, const float* b, int64_t n) {
    const D d;
    // Four independent accumulators hide the FMA latency.
    V s0 = hn::Zero(d), s1 = hn::Zero(d), s2 = hn::Zero(d), s3 = hn::Zero(d);
    int64_t i = 0;
    for (; i + 4 * int64_t(kL) <= n; i += 4 * int64_t(kL)) {
        s0 = hn::MulAdd(hn::LoadU(d, a + i), hn::LoadU(d, b + i), s0);
        s1 = hn::MulAdd(hn::LoadU(d, a + i + kL), hn::LoadU(d, b + i + kL), s1);
        s2 = hn::MulAdd(hn::LoadU(d, a + i + 2 * kL), hn::LoadU(d, b + i + 2 * kL), s2);
        s3 = hn::MulAdd(hn::LoadU(d, a + i + 3 * kL), hn::LoadU(d, b + i + 3 * kL), s3);
    }
    for (; i + int64_t(kL) <= n; i += int64_t(kL))
        s0 = hn::MulAdd(hn::LoadU(d, a + i), hn::LoadU(d, b + i), s0);
    float s = hn::GetLane(hn::SumOfLanes(d, hn::Add(hn::Add(s0, s1), hn::Add(s2, s3))));
    for (; i < n; ++i) s += a[i] * b[i];
    return s;
}

void RmsNorm(float* out, const float* x, const float* w, int64_t n, float eps) {
    const float ss = Dot(x, x, n);
    const float inv = 1.0f / std::sqrt(ss / float(n) + eps);
    const D d;
    const V vinv = hn::Set(d, inv);
    int64_t i = 0;
    for (; i + int64_t(kL) <= n; i += int64_t(kL))
        hn::StoreU(hn::Mul(hn::Mul(hn::LoadU(d, x + i), vinv), hn::LoadU(d, w + i)), d, out + i);
    for (; i < n; ++i) out[i] = x[i] * inv * w[i];
}

void SiluMul(float* gate, const float* up, int64_t n) {
    const D d;
    const V one = hn::Set(d, 1.0f);
    // exp(88) is near FLT_MAX; Highway's Exp is unspecified beyond it. Below -88 silu(g) = g e^g
    // is under 1e-36, so those lanes are zero (as g / inf is in the reference).
    const V kMinGate = hn::Set(d, -88.0f);
    int64_t i = 0;
    for (; i + int64_t(kL) <= n; i += int64_t(kL)) {
        const V g = hn::LoadU(d, gate + i);
        const auto live = hn::Gt(g, kMinGate);
        const V e = hn::Exp(d, hn::Neg(hn::IfThenElse(live, g, kMinGate)));
        const V silu = hn::IfThenElseZero(live, hn::Div(g, hn::Add(one, e)));
        hn::StoreU(hn::Mul(silu, hn::LoadU(d, up + i)), d, gate + i);
    }
    for (; i < n; ++i) {
        const float g = gate[i];
        gate[i] = g / (1.0f + std::exp(-g)) * up[i];
    }
}

void AddInPlace(float* y, const float* x, int64_t n) {
    const D d;
    int64_t i = 0;
    for (; i + int64_t(kL) <= n; i += int64_t(kL))
        hn::StoreU(hn::Add(hn::LoadU(d, y + i), hn::LoadU(d, x + i)), d, y + i);
    for (; i < n; ++i) y[i] += x[i];
}

void Axpy(float* y, float a, const float* x, int64_t n) {
    const D d;
    const V va = hn::Set(d, a);
    int64_t i = 0;
    for (; i + int64_t(kL) <= n; i += int64_t(kL))
        hn::StoreU(hn::MulAdd(va, hn::LoadU(d, x + i), hn::LoadU(d, y + i)), d, y + i);
    for (; i < n; ++i) y[i] += a * x[i];
}

void Scale(float* x, float a, int64_t n) {
    const D d;
    const V va = hn::Set(d, a);
    int64_t i = 0;
    for (; i + int64_t(kL) <= n; i += int64_t(kL))
        hn::StoreU(hn::Mul(hn::LoadU(d, x + i), va), d, x + i);
    for (; i < n; ++i) x[i] *= a;
}

float MaxValue(const float* x, int64_t n) {
    const D d;
    float m = -std::numeric_limits<float>::infinity();
    int64_t i = 0;
    if (n >= int64_t(kL)) {
        V vm = hn::Set(d, m);
        for (; i + int64_t(kL) <= n; i += int64_t(kL)) vm = hn::Max(vm, hn::LoadU(d, x + i));
        m = hn::GetLane(hn::MaxOfLanes(d, vm));
    }
    for (; i < n; ++i) m = std::max(m, x[i]);
    return m;
}

// sum(exp(x[i] - m)); with kStore also writes the exponentials to out (which may be x).
template <bool kStore>
float SumExpShifted(const float* x, float* out, int64_t n, float m) {
    const D d;
    const V vm = hn::Set(d, m);
    V s = hn::Zero(d);
    int64_t i = 0;
    for (; i + int64_t(kL) <= n; i += int64_t(kL)) {
        const V e = hn::Exp(d, hn::Sub(hn::LoadU(d, x + i), vm));
        if constexpr (kStore) hn::StoreU(e, d, out + i);
        s = hn::Add(s, e);
    }
    float sum = hn::GetLane(hn::SumOfLanes(d, s));
    for (; i < n; ++i) {
        const float e = std::exp(x[i] - m);
        if constexpr (kStore) out[i] = e;
        sum += e;
    }
    return sum;
}

float LogSumExp(const float* x, int64_t n) {
    const float m = MaxValue(x, n);
    if (!std::isfinite(m)) return m;
    return m + std::log(SumExpShifted<false>(x, nullptr, n, m));
}

void Softmax(float* x, int64_t n) {
    const float m = MaxValue(x, n);
    const float sum = SumExpShifted<true>(x, x, n, m);
    Scale(x, 1.0f / sum, n);
}

// One Exp per element; the other seven powers by multiplication (u <= 1, so no overflow, and
// the products lose at most a few ulp).
void SoftmaxPowerSums(const float* z, int64_t n, float zmax, double* sums, double* zWeighted) {
    const D d;
    const V vm = hn::Set(d, zmax), quarter = hn::Set(d, 0.25f);
    V acc[8] = {hn::Zero(d), hn::Zero(d), hn::Zero(d), hn::Zero(d),
                hn::Zero(d), hn::Zero(d), hn::Zero(d), hn::Zero(d)};
    V accZ = hn::Zero(d);
    int64_t i = 0;
    for (; i + int64_t(kL) <= n; i += int64_t(kL)) {
        const V zi = hn::LoadU(d, z + i);
        const V u = hn::Exp(d, hn::Mul(hn::Sub(zi, vm), quarter));
        V p = u;
        for (int j = 0; j < 8; ++j) {
            acc[j] = hn::Add(acc[j], p);
            if (j == 3) accZ = hn::Add(accZ, hn::Mul(p, zi));
            p = hn::Mul(p, u);
        }
    }
    for (int j = 0; j < 8; ++j) sums[j] = double(hn::GetLane(hn::SumOfLanes(d, acc[j])));
    *zWeighted = double(hn::GetLane(hn::SumOfLanes(d, accZ)));
    for (; i < n; ++i) {
        const double u = std::exp((double(z[i]) - double(zmax)) * 0.25);
        double p = u;
        for (int j = 0; j < 8; ++j) {
            sums[j] += p;
            if (j == 3) *zWeighted += p * double(z[i]);
            p *= u;
        }
    }
}

double KlDivergence(const float* logP, const float* logits, int64_t n, float logZ) {
    const D d;
    const V vz = hn::Set(d, logZ);
    V acc = hn::Zero(d);
    int64_t i = 0;
    for (; i + int64_t(kL) <= n; i += int64_t(kL)) {
        const V lp = hn::LoadU(d, logP + i);
        const V diff = hn::Sub(lp, hn::Sub(hn::LoadU(d, logits + i), vz));
        acc = hn::Add(acc, hn::Mul(hn::Exp(d, lp), diff));
    }
    double kl = double(hn::GetLane(hn::SumOfLanes(d, acc)));
    for (; i < n; ++i)
        kl += std::exp(double(logP[i])) * (double(logP[i]) - (double(logits[i]) - double(logZ)));
    return kl;
}

} // namespace qs::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();
