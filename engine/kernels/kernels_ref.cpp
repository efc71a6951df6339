// Plain reference versions of the kernels: the readable definition each SIMD kernel is tested
// against. Accumulation is in double where that makes the reference strictly more accurate.
#include "kernels/kernels.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace qs::ref {

void gemmNT(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
            int64_t ldb, float* C, int64_t ldc, bool accumulate) {
    for (int64_t i = 0; i < M; ++i)
        for (int64_t j = 0; j < N; ++j) {
            double s = 0;
            for (int64_t k = 0; k < K; ++k) s += double(A[i * lda + k]) * double(B[j * ldb + k]);
            float& c = C[i * ldc + j];
            c = accumulate ? float(c + s) : float(s);
        }
}

float dot(const float* a, const float* b, int64_t n) {
    double s = 0;
    for (int64_t i = 0; i < n; ++i) s += double(a[i]) * double(b[i]);
    return float(s);
}

void rmsnorm(float* out, const float* x, const float* w, int64_t n, float eps) {
    double ss = 0;
    for (int64_t i = 0; i < n; ++i) ss += double(x[i]) * double(x[i]);
    const float inv = float(1.0 / std::sqrt(ss / double(n) + double(eps)));
    for (int64_t i = 0; i < n; ++i) out[i] = x[i] * inv * w[i];
}

void siluMul(float* gate, const float* up, int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
        const float g = gate[i];
        gate[i] = g / (1.0f + std::exp(-g)) * up[i];
    }
}

void addInPlace(float* y, const float* x, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] += x[i];
}

void axpy(float* y, float a, const float* x, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}

void scale(float* x, float a, int64_t n) {
    for (int64_t i = 0; i < n; ++i) x[i] *= a;
}

float maxValue(const float* x, int64_t n) {
    float m = -std::numeric_limits<float>::infinity();
    for (int64_t i = 0; i < n; ++i) m = std::max(m, x[i]);
    return m;
}

float logSumExp(const float* x, int64_t n) {
    const float m = maxValue(x, n);
    if (!std::isfinite(m)) return m;
    double s = 0;
    for (int64_t i = 0; i < n; ++i) s += std::exp(double(x[i]) - double(m));
    return float(double(m) + std::log(s));
}

void softmax(float* x, int64_t n) {
    const float m = maxValue(x, n);
    double s = 0;
    for (int64_t i = 0; i < n; ++i) s += std::exp(double(x[i]) - double(m));
    for (int64_t i = 0; i < n; ++i) x[i] = float(std::exp(double(x[i]) - double(m)) / s);
}

void softmaxPowerSums(const float* z, int64_t n, float zmax, double* sums, double* zWeighted) {
    for (int j = 0; j < kernels::kPowerSums; ++j) sums[j] = 0;
    *zWeighted = 0;
    for (int64_t i = 0; i < n; ++i) {
        const double d = double(z[i]) - double(zmax);
        for (int j = 1; j <= kernels::kPowerSums; ++j) sums[j - 1] += std::exp(d * j / 4.0);
        *zWeighted += std::exp(d) * double(z[i]);
    }
}

double klDivergence(const float* logP, const float* logits, int64_t n, float logZ) {
    double kl = 0;
    for (int64_t i = 0; i < n; ++i)
        kl += std::exp(double(logP[i])) * (double(logP[i]) - (double(logits[i]) - double(logZ)));
    return kl;
}

} // namespace qs::ref
