#pragma once
// Numerical kernels of the forward pass. Each has a plain scalar reference twin in qs::ref with
// the same signature; tests compare the two over odd sizes. The fast versions use Highway with
// runtime dispatch (HWY_DYNAMIC_DISPATCH), so one binary uses AVX2 or AVX-512 as the CPU allows.
//
// Matrices are row-major with explicit leading dimensions (elements between row starts).

#include <cstdint>

namespace qs {
namespace kernels {

// C[i][j] (+)= sum_k A[i][k] * B[j][k]   for i < M, j < N.
// "NT": both operands are K-contiguous, as for activations x weights^T. Parallel (oneTBB) over
// tiles of C when the work is large enough (>= 4 Mflop; smaller products run on the calling
// thread); safe to call from inside a TBB task and from several threads at once. C must not
// overlap A or B. fp32 accumulation: |C - exact| <~ K * eps * sum_k |A[i][k] B[j][k]|.
// M >= 48 packs B into column panels (scratch is pooled, not reallocated per call) and runs a
// register-tiled micro-kernel; smaller M (decode steps) uses dot products along K instead.
void gemmNT(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
            int64_t ldb, float* C, int64_t ldc, bool accumulate = false);

float dot(const float* a, const float* b, int64_t n);

// out[i] = x[i] * w[i] / sqrt(mean(x^2) + eps); out may alias x.
void rmsnorm(float* out, const float* x, const float* w, int64_t n, float eps);

// gate[i] = silu(gate[i]) * up[i]
void siluMul(float* gate, const float* up, int64_t n);

// y[i] += x[i]
void addInPlace(float* y, const float* x, int64_t n);

// y[i] += a * x[i]
void axpy(float* y, float a, const float* x, int64_t n);

// x[i] *= a
void scale(float* x, float a, int64_t n);

float maxValue(const float* x, int64_t n);

// log(sum(exp(x))) computed stably (max-shifted, fp32 accumulation of exp in double-free form).
float logSumExp(const float* x, int64_t n);

// x = softmax(x) in place; returns nothing. Stable (max-shifted). -inf entries (masked
// positions) come out exactly 0; a row that is entirely -inf gives NaN, as in the reference.
void softmax(float* x, int64_t n);

// Normalisers of softmax(z * j / 4) for j = 1..8 (temperatures 4, 2, 4/3, 1, 0.8, 2/3, 4/7, 0.5)
// in one exponential pass: with u_i = exp((z_i - zmax) / 4), sums[j-1] = sum_i u_i^j, and
// zWeighted = sum_i u_i^4 * z_i (for the entropy at T = 1). zmax must be max(z).
constexpr int kPowerSums = 8;
void softmaxPowerSums(const float* z, int64_t n, float zmax, double* sums, double* zWeighted);

// KL(P || Q) = sum_i exp(logP_i) * (logP_i - (logits_i - logZ)) for a full reference
// distribution logP and the evaluated row's logits with normaliser logZ. Each term is formed
// before summing, so close distributions lose nothing to cancellation.
double klDivergence(const float* logP, const float* logits, int64_t n, float logZ);

// Name of the SIMD target chosen at run time: "AVX3" (AVX-512), "AVX2", or the baseline
// fallback ("SCALAR" with GCC 12, where Highway's EMU128 is disabled).
const char* simdTargetName();

} // namespace kernels

namespace ref {
void gemmNT(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
            int64_t ldb, float* C, int64_t ldc, bool accumulate = false);
float dot(const float* a, const float* b, int64_t n);
void rmsnorm(float* out, const float* x, const float* w, int64_t n, float eps);
void siluMul(float* gate, const float* up, int64_t n);
void addInPlace(float* y, const float* x, int64_t n);
void axpy(float* y, float a, const float* x, int64_t n);
void scale(float* x, float a, int64_t n);
float maxValue(const float* x, int64_t n);
float logSumExp(const float* x, int64_t n);
void softmax(float* x, int64_t n);
void softmaxPowerSums(const float* z, int64_t n, float zmax, double* sums, double* zWeighted);
double klDivergence(const float* logP, const float* logits, int64_t n, float logZ);
} // namespace ref

} // namespace qs
