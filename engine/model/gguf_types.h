#pragma once
// Value and tensor types of the GGUF format (llama.cpp), shared by GgufFile and GgufWriter.
//
//   GgufValue v = GgufValue::string("llama");
//   GgufValue ids = GgufValue::array(GgufType::Int32, {GgufValue::int32(1), GgufValue::int32(2)});
//   int64_t n = file.find("llama.block_count")->toInt();   // any integer type

#include "core/dtype.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qs {

// KV value type ids as stored in the file.
enum class GgufType : uint32_t {
    UInt8 = 0,
    Int8 = 1,
    UInt16 = 2,
    Int16 = 3,
    UInt32 = 4,
    Int32 = 5,
    Float32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    UInt64 = 10,
    Int64 = 11,
    Float64 = 12,
};

std::string_view ggufTypeName(GgufType t); // "uint32", "string", "array", ...
bool isValidGgufType(uint32_t id);
// Bytes of a scalar value in the file (0 for String and Array, whose size varies).
uint64_t ggufScalarSize(GgufType t);

// One KV value. Integers keep their exact stored type so a file can be written back unchanged.
struct GgufValue {
    GgufType type = GgufType::UInt32;
    uint64_t u = 0;                      // UInt8/16/32/64 and Bool (0 or 1)
    int64_t i = 0;                       // Int8/16/32/64
    double f = 0;                        // Float32 (exactly representable) and Float64
    std::string str;                     // String
    GgufType elemType = GgufType::UInt8; // Array
    std::vector<GgufValue> elements;     // Array elements, all of elemType

    static GgufValue uint8(uint8_t v) { return unsignedOf(GgufType::UInt8, v); }
    static GgufValue uint16(uint16_t v) { return unsignedOf(GgufType::UInt16, v); }
    static GgufValue uint32(uint32_t v) { return unsignedOf(GgufType::UInt32, v); }
    static GgufValue uint64(uint64_t v) { return unsignedOf(GgufType::UInt64, v); }
    static GgufValue int8(int8_t v) { return signedOf(GgufType::Int8, v); }
    static GgufValue int16(int16_t v) { return signedOf(GgufType::Int16, v); }
    static GgufValue int32(int32_t v) { return signedOf(GgufType::Int32, v); }
    static GgufValue int64(int64_t v) { return signedOf(GgufType::Int64, v); }
    static GgufValue float32(float v);
    static GgufValue float64(double v);
    static GgufValue boolean(bool v) { return unsignedOf(GgufType::Bool, v ? 1 : 0); }
    static GgufValue string(std::string v);
    // Throws Error if an element's type differs from elemType.
    static GgufValue array(GgufType elemType, std::vector<GgufValue> elements);
    static GgufValue stringArray(const std::vector<std::string>& v);
    static GgufValue float32Array(const std::vector<float>& v);
    static GgufValue int32Array(const std::vector<int32_t>& v);

    bool isInteger() const; // any signed/unsigned integer type (not Bool)
    bool isNumber() const;  // integer or float
    // Conversions throw Error naming the actual type when it does not fit.
    int64_t toInt() const;   // any integer type or Bool, range-checked
    double toDouble() const; // any number
    bool toBool() const;     // Bool, or an integer 0/1
    const std::string& toString() const;
    std::vector<std::string> toStringVector() const; // array of strings
    std::vector<float> toFloatVector() const;        // array of numbers
    std::vector<int32_t> toInt32Vector() const;      // array of integers in int32 range

    // Human-readable: 512, 1e-05, llama, true, "[array of 512 string]".
    std::string summary() const;

    bool operator==(const GgufValue& o) const;

private:
    static GgufValue unsignedOf(GgufType t, uint64_t v);
    static GgufValue signedOf(GgufType t, int64_t v);
};

// ggml tensor types: block size and bytes per block, for every id llama.cpp currently defines.
struct GgmlTypeInfo {
    uint32_t id;
    std::string_view name;
    uint32_t blockSize; // elements per block
    uint32_t typeSize;  // bytes per block
};

// nullptr for ids that ggml does not define (or has removed).
const GgmlTypeInfo* ggmlTypeInfo(uint32_t id);
// "Q4_K" or "unknown" for an id that is not defined.
std::string ggmlTypeName(uint32_t id);
// The DType the engine can dequantize, if any (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1,
// Q2_K .. Q6_K).
std::optional<DType> ggmlToDType(uint32_t id);
uint32_t dtypeToGgml(DType t);

constexpr uint32_t kGgmlTypeF32 = 0;
constexpr uint32_t kGgmlTypeF16 = 1;
constexpr uint32_t kGgmlTypeQ8_0 = 8;
constexpr uint32_t kGgmlTypeBF16 = 30;

} // namespace qs
