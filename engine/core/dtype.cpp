#include "core/dtype.h"

#include "core/error.h"

namespace qs {

namespace {
constexpr int kQ8_0Block = 32;
constexpr int kQ8_0BlockBytes = 2 + 32; // fp16 scale + 32 int8
} // namespace

std::string_view dtypeName(DType t) {
    switch (t) {
    case DType::F32: return "F32";
    case DType::F16: return "F16";
    case DType::BF16: return "BF16";
    case DType::Q8_0: return "Q8_0";
    }
    return "?";
}

int dtypeBlockSize(DType t) { return t == DType::Q8_0 ? kQ8_0Block : 1; }

uint64_t dtypeBytes(DType t, uint64_t count) {
    switch (t) {
    case DType::F32: return count * 4;
    case DType::F16:
    case DType::BF16: return count * 2;
    case DType::Q8_0: return count / kQ8_0Block * kQ8_0BlockBytes;
    }
    return 0;
}

void dequantizeRow(DType t, const void* src, float* dst, uint64_t count) {
    const auto* p = static_cast<const unsigned char*>(src);
    switch (t) {
    case DType::F32: std::memcpy(dst, p, count * 4); return;
    case DType::F16:
        for (uint64_t i = 0; i < count; ++i) {
            uint16_t h;
            std::memcpy(&h, p + 2 * i, 2);
            dst[i] = fp16ToFloat(h);
        }
        return;
    case DType::BF16:
        for (uint64_t i = 0; i < count; ++i) {
            uint16_t h;
            std::memcpy(&h, p + 2 * i, 2);
            dst[i] = bf16ToFloat(h);
        }
        return;
    case DType::Q8_0:
        if (count % kQ8_0Block) throw Error("Q8_0 row length is not a multiple of 32");
        for (uint64_t b = 0; b < count / kQ8_0Block; ++b) {
            const unsigned char* blk = p + b * kQ8_0BlockBytes;
            uint16_t h;
            std::memcpy(&h, blk, 2);
            const float d = fp16ToFloat(h);
            for (int i = 0; i < kQ8_0Block; ++i)
                dst[b * kQ8_0Block + i] = d * static_cast<float>(static_cast<int8_t>(blk[2 + i]));
        }
        return;
    }
}

} // namespace qs
