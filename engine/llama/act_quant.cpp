#include "llama/act_quant.h"

#include "core/dtype.h"
#include "core/error.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace qs {

std::string_view actQuantName(ActQuant a) {
    switch (a) {
    case ActQuant::None:
        return "none";
    case ActQuant::Int8PerToken:
        return "int8_token";
    case ActQuant::Q8_0:
        return "q8_0";
    case ActQuant::Q8_K:
        return "q8_k";
    case ActQuant::F16:
        return "f16";
    }
    return "?";
}

ActQuant parseActQuant(std::string_view name) {
    for (ActQuant a :
         {ActQuant::None, ActQuant::Int8PerToken, ActQuant::Q8_0, ActQuant::Q8_K, ActQuant::F16})
        if (actQuantName(a) == name) return a;
    throw Error("unknown activation quantization '" + std::string(name) +
                "' (expected none, int8_token, q8_0, q8_k or f16)");
}

ActQuant ggmlVecDotActQuant(int t) {
    switch (t) {
    case 1:
        return ActQuant::F16; // F16
    case 2:
    case 3:
    case 6:
    case 7:
    case 8:
        return ActQuant::Q8_0; // Q4_0 Q4_1 Q5_0 Q5_1 Q8_0
    case 10:
    case 11:
    case 12:
    case 13:
    case 14:
        return ActQuant::Q8_K; // Q2_K..Q6_K
    default:
        return ActQuant::None; // F32, BF16 (exact in fp32), unknown
    }
}

namespace {

void int8Row(const float* x, float* out, int64_t n) {
    float amax = 0;
    for (int64_t i = 0; i < n; ++i) amax = std::max(amax, std::abs(x[i]));
    const float d = amax / 127.0f, id = d != 0 ? 1.0f / d : 0.0f;
    for (int64_t i = 0; i < n; ++i) out[i] = std::nearbyint(x[i] * id) * d;
}

// ggml quantize_row_q8_0: d = amax/127 rounded to fp16, q = roundf(x / d) (round half away).
void q8_0Row(const float* x, float* out, int64_t n) {
    for (int64_t b = 0; b < n; b += 32) {
        float amax = 0;
        for (int i = 0; i < 32; ++i) amax = std::max(amax, std::abs(x[b + i]));
        const float d = amax / 127.0f, id = d != 0 ? 1.0f / d : 0.0f;
        const float dh = fp16ToFloat(floatToFp16(d));
        for (int i = 0; i < 32; ++i) out[b + i] = std::round(x[b + i] * id) * dh;
    }
}

// ggml quantize_row_q8_K: scale from the signed value of largest magnitude, -127/max, values
// rounded half to even (nearest_int) and capped at 127.
void q8_kRow(const float* x, float* out, int64_t n) {
    for (int64_t b = 0; b < n; b += 256) {
        float amax = 0, maxv = 0;
        for (int i = 0; i < 256; ++i)
            if (std::abs(x[b + i]) > amax) {
                amax = std::abs(x[b + i]);
                maxv = x[b + i];
            }
        if (amax == 0) {
            std::fill(out + b, out + b + 256, 0.0f);
            continue;
        }
        const float iscale = -127.0f / maxv;
        for (int i = 0; i < 256; ++i) {
            const float v = std::min(127.0f, std::nearbyint(iscale * x[b + i]));
            out[b + i] = v * (1.0f / iscale);
        }
    }
}

} // namespace

void quantizeActivations(ActQuant mode, const float* x, float* out, int64_t rows, int64_t cols) {
    if (mode == ActQuant::None || (mode == ActQuant::Q8_0 && cols % 32) ||
        (mode == ActQuant::Q8_K && cols % 256)) {
        if (out != x) std::memcpy(out, x, size_t(rows * cols) * sizeof(float));
        return;
    }
    for (int64_t r = 0; r < rows; ++r) {
        const float* xr = x + r * cols;
        float* o = out + r * cols;
        switch (mode) {
        case ActQuant::Int8PerToken:
            int8Row(xr, o, cols);
            break;
        case ActQuant::Q8_0:
            q8_0Row(xr, o, cols);
            break;
        case ActQuant::Q8_K:
            q8_kRow(xr, o, cols);
            break;
        case ActQuant::F16:
            for (int64_t i = 0; i < cols; ++i) o[i] = fp16ToFloat(floatToFp16(xr[i]));
            break;
        case ActQuant::None:
            break;
        }
    }
}

} // namespace qs
