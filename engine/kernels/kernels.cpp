// Temporary: forwards to the reference kernels until the Highway versions land.
#include "kernels/kernels.h"

namespace qs::kernels {
void gemmNT(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
            int64_t ldb, float* C, int64_t ldc, bool accumulate) {
    ref::gemmNT(M, N, K, A, lda, B, ldb, C, ldc, accumulate);
}
float dot(const float* a, const float* b, int64_t n) { return ref::dot(a, b, n); }
void rmsnorm(float* out, const float* x, const float* w, int64_t n, float eps) { ref::rmsnorm(out, x, w, n, eps); }
void siluMul(float* gate, const float* up, int64_t n) { ref::siluMul(gate, up, n); }
void addInPlace(float* y, const float* x, int64_t n) { ref::addInPlace(y, x, n); }
void axpy(float* y, float a, const float* x, int64_t n) { ref::axpy(y, a, x, n); }
void scale(float* x, float a, int64_t n) { ref::scale(x, a, n); }
float maxValue(const float* x, int64_t n) { return ref::maxValue(x, n); }
float logSumExp(const float* x, int64_t n) { return ref::logSumExp(x, n); }
void softmax(float* x, int64_t n) { ref::softmax(x, n); }
const char* simdTargetName() { return "scalar"; }
} // namespace qs::kernels
