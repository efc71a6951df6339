#include "core/dtype.h"

#include "core/error.h"

namespace qs {

namespace {
constexpr int kQ8_0Block = 32;
constexpr int kQ8_0BlockBytes = 2 + 32; // fp16 scale + 32 int8

struct BlockType {
    std::string_view name;
    int elements, bytes;
};

// Same layouts as ggml_quants.h (which tests check against), duplicated here because core sits
// below the codecs.
BlockType blockType(DType t) {
    switch (t) {
    case DType::F32: return {"F32", 1, 4};
    case DType::F16: return {"F16", 1, 2};
    case DType::BF16: return {"BF16", 1, 2};
    case DType::Q8_0: return {"Q8_0", kQ8_0Block, kQ8_0BlockBytes};
    case DType::Q4_0: return {"Q4_0", 32, 18};
    case DType::Q4_1: return {"Q4_1", 32, 20};
    case DType::Q5_0: return {"Q5_0", 32, 22};
    case DType::Q5_1: return {"Q5_1", 32, 24};
    case DType::Q2_K: return {"Q2_K", 256, 84};
    case DType::Q3_K: return {"Q3_K", 256, 110};
    case DType::Q4_K: return {"Q4_K", 256, 144};
    case DType::Q5_K: return {"Q5_K", 256, 176};
    case DType::Q6_K: return {"Q6_K", 256, 210};
    }
    return {"?", 1, 0};
}
} // namespace

std::string_view dtypeName(DType t) { return blockType(t).name; }

int dtypeBlockSize(DType t) { return blockType(t).elements; }

uint64_t dtypeBytes(DType t, uint64_t count) {
    const BlockType b = blockType(t);
    return count / uint64_t(b.elements) * uint64_t(b.bytes);
}

bool dtypeNeedsGgmlCodec(DType t) {
    return t != DType::F32 && t != DType::F16 && t != DType::BF16 && t != DType::Q8_0;
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
    default:
        throw Error("dequantizeRow: " + std::string(dtypeName(t)) +
                    " needs the ggml codecs (ggmlDequantizeRows)");
    }
}

} // namespace qs
