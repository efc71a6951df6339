#pragma once
// llama.cpp / ggml tensor block formats: exact byte layouts and the reference (deterministic)
// quantizers of ggml-quants.c, so QuantScope can write quantized GGUF files that llama.cpp loads
// and load the ones it writes, and simulate a format bit-for-bit as llama.cpp would store it.
//
//   std::vector<std::byte> q = qs::ggmlQuantizeRows(qs::ggml::kQ4_K, w, rows, cols);
//   qs::ggmlDequantizeRows(qs::ggml::kQ4_K, q.data(), out, rows, cols);
//   uint64_t bytesPerRow = qs::ggmlRowBytes(qs::ggml::kQ4_K, cols); // q.size() == rows * that
//
//   // simulated quantization (what quant formats "q4_0" .. "q6_k" run): same values as the two
//   // calls above, fused, SIMD (32-element types) and multithreaded; in place allowed.
//   if (int64_t bad = qs::ggmlQuantizeDequantize(qs::ggml::kQ4_0, w, w, rows, cols); bad >= 0) ...
//
// Semantics follow ggml's *_ref functions (ggml-quants.c, 2024-2025 versions, GROUP_MAX_EPS =
// 1e-15): the same float operations in the same order, fp32 -> fp16 rounded to nearest even as
// GGML_FP32_TO_FP16, and a*b+c always rounded twice (this code is compiled without FMA
// contraction). Checked byte for byte against ggml's reference compiled the same way, which is
// how llama.cpp builds them on x86-64 (ggml-base has no -march flags, so no FMA). A build that
// contracts to FMA (GCC's default on AArch64 or with -march=native) picks a different K-quant
// scale in a few percent of groups; the 32-element types are unaffected. Either way the bytes
// are valid for llama.cpp. Blocks whose scale is so small that 1/d overflows (|x| below ~1e-37,
// where ggml's integer casts are undefined) get pinned codes here (NaN -> 0, clamped).
//
// Importance weights (imatrix) are not used yet: the `importance` argument is accepted so callers
// need not change when the weighted variants (quantize_row_*_impl) land, and ignored for now.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace qs {

namespace ggml {
// ggml_type ids (ggml.h), as stored in GGUF tensor infos.
inline constexpr int kF32 = 0;
inline constexpr int kF16 = 1;
inline constexpr int kQ4_0 = 2;
inline constexpr int kQ4_1 = 3;
inline constexpr int kQ5_0 = 6;
inline constexpr int kQ5_1 = 7;
inline constexpr int kQ8_0 = 8;
inline constexpr int kQ2_K = 10;
inline constexpr int kQ3_K = 11;
inline constexpr int kQ4_K = 12;
inline constexpr int kQ5_K = 13;
inline constexpr int kQ6_K = 14;
inline constexpr int kBF16 = 30;

inline constexpr int kQK = 32;   // elements per block of the "legacy" types (QK4_0 .. QK8_0)
inline constexpr int kQKK = 256; // elements per super-block of the K-quants (QK_K)
} // namespace ggml

struct GgmlTypeTraits {
    int type;              // ggml_type id
    std::string_view name; // ggml_type_name(): "q4_0", "q4_K", "bf16", ...
    int blockSize;         // elements per block (1 for f32/f16/bf16)
    int blockBytes;        // bytes per block
};

// Traits of the types this codec implements (the ids in qs::ggml), nullptr for any other id.
const GgmlTypeTraits* ggmlTypeTraits(int type);
// All implemented types in id order.
const std::vector<GgmlTypeTraits>& ggmlSupportedTypes();

// Bytes of one row of `cols` elements. Throws Error for an unsupported type or when cols is not a
// multiple of the block size.
uint64_t ggmlRowBytes(int type, int64_t cols);

// Row-major fp32 {rows, cols} -> rows * ggmlRowBytes(type, cols) bytes in ggml's layout, with the
// reference quantizer of `type`. Throws Error on an unsupported type or shape, or a NaN/Inf
// input (naming the element). `importance` (length cols, imatrix) is currently ignored.
std::vector<std::byte> ggmlQuantizeRows(int type, const float* src, int64_t rows, int64_t cols,
                                        const float* importance = nullptr);

// Inverse of ggmlQuantizeRows: `data` holds rows * ggmlRowBytes(type, cols) bytes (any alignment).
void ggmlDequantizeRows(int type, const std::byte* data, float* dst, int64_t rows, int64_t cols);

// dst = dequantize(quantize(src)), bit-identical to ggmlDequantizeRows(ggmlQuantizeRows(...)).
// Highway kernels for q8_0, q4_0, q4_1, q5_0, q5_1; the scalar reference for the others; rows
// split across oneTBB workers for large tensors. dst may equal src. Returns -1, or the flat index
// of the first non-finite element of src (dst is then unspecified). Throws Error on an
// unsupported type or a cols that is not a multiple of the block size.
int64_t ggmlQuantizeDequantize(int type, const float* src, float* dst, int64_t rows, int64_t cols);

// Name of the Highway target the fused kernels run on ("AVX3", "AVX2", "EMU128", ...).
const char* ggmlSimdTargetName();

namespace ggml_ref {
// The readable twin of ggmlQuantizeDequantize: per row, quantize to bytes with the reference
// codec and dequantize, single-threaded. Same contract and results (bit-identical).
int64_t quantizeDequantize(int type, const float* src, float* dst, int64_t rows, int64_t cols);
} // namespace ggml_ref

} // namespace qs
