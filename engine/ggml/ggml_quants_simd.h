#pragma once
// Internal to engine/quant: the Highway kernels behind qs::ggmlQuantizeDequantize.

#include <cstdint>

namespace qs::ggml_simd {

// True for the types with a fused kernel (q8_0, q4_0, q4_1, q5_0, q5_1).
bool hasFusedKernel(int type);

// dst = dequantize(quantize(src)) for `nblocks` consecutive 32-element blocks, bit-identical to
// the scalar reference. dst may equal src. Stops at the first block holding a NaN or Inf, leaves
// that block of dst unwritten and returns its index; -1 when all blocks were finite. `stream`:
// write dst with non-temporal stores (simd_stream-inl.h), for outputs far larger than the caches.
int64_t fusedBlocks(int type, const float* src, float* dst, int64_t nblocks, bool stream = false);

const char* targetName();

// The scalar reference for one 32-element block (quantize to bytes, dequantize), for the blocks
// the kernels leave to it. Defined in ggml_quants.cpp. dst may equal src.
void referenceBlock(int type, const float* src, float* dst);

} // namespace qs::ggml_simd
