#pragma once
// Storage types of tensors in model files, and scalar conversions to fp32.
// F32, F16, BF16 and Q8_0 decode here (dequantizeRow); the other llama.cpp block types (Q4_0 ..
// Q6_K) are only named and sized here: their codecs live in qs_ggml (ggml/ggml_quants.h), above
// core, and Model::bindTensor uses them.

#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace qs {

// Values are stable (appended only); ggml block types share ggml's names.
enum class DType : uint8_t {
    F32,
    F16,
    BF16,
    Q8_0,
    Q4_0,
    Q4_1,
    Q5_0,
    Q5_1,
    Q2_K,
    Q3_K,
    Q4_K,
    Q5_K,
    Q6_K
};

std::string_view dtypeName(DType t);

// Bytes needed for `count` elements (count must be a multiple of the block size for block types).
uint64_t dtypeBytes(DType t, uint64_t count);

// Block size in elements (1 for scalar types).
int dtypeBlockSize(DType t);

// IEEE half -> float, exact for every value including subnormals, Inf and NaN.
inline float fp16ToFloat(uint16_t h) {
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    const uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t mant = h & 0x3ffu;
    uint32_t bits;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else { // subnormal: renormalise
            int e = -1;
            do {
                ++e;
                mant <<= 1;
            } while ((mant & 0x400u) == 0);
            bits = sign | static_cast<uint32_t>(127 - 15 - e) << 23 | (mant & 0x3ffu) << 13;
        }
    } else if (exp == 0x1f) {
        bits = sign | 0x7f800000u | mant << 13;
    } else {
        bits = sign | (exp + 127 - 15) << 23 | mant << 13;
    }
    return std::bit_cast<float>(bits);
}

// float -> IEEE half, round to nearest even, overflow to Inf, NaN preserved.
inline uint16_t floatToFp16(float f) {
    const uint32_t x = std::bit_cast<uint32_t>(f);
    const uint32_t sign = (x >> 16) & 0x8000u;
    const uint32_t absx = x & 0x7fffffffu;
    if (absx >= 0x7f800000u) // Inf or NaN
        return static_cast<uint16_t>(sign | 0x7c00u | (absx > 0x7f800000u ? 0x200u : 0u));
    if (absx >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u); // rounds to >= 65520
    if (absx < 0x38800000u) { // subnormal or zero in half
        // Scale into the subnormal range with a float add: the FPU does the rounding.
        const float magic = std::bit_cast<float>(0x3f000000u); // 0.5f: ulp becomes 2^-24
        float v = std::bit_cast<float>(absx) + magic;
        return static_cast<uint16_t>(sign | (std::bit_cast<uint32_t>(v) - 0x3f000000u));
    }
    uint32_t mantOdd = (absx >> 13) & 1u;
    uint32_t r = absx + 0xc8000fffu + mantOdd; // rebias exponent (-112 << 23) and round to even
    return static_cast<uint16_t>(sign | (r >> 13));
}

inline float bf16ToFloat(uint16_t b) {
    return std::bit_cast<float>(static_cast<uint32_t>(b) << 16);
}

// float -> bfloat16, round to nearest even, NaN kept quiet.
inline uint16_t floatToBf16(float f) {
    uint32_t x = std::bit_cast<uint32_t>(f);
    if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x40u);
    x += 0x7fffu + ((x >> 16) & 1u);
    return static_cast<uint16_t>(x >> 16);
}

// True for the types dequantizeRow cannot decode (Q4_0 .. Q6_K: use ggmlDequantizeRows).
bool dtypeNeedsGgmlCodec(DType t);

// Converts `count` elements of type t at src to fp32 (src need not be aligned). Throws Error for
// the types dtypeNeedsGgmlCodec() names.
void dequantizeRow(DType t, const void* src, float* dst, uint64_t count);

} // namespace qs
