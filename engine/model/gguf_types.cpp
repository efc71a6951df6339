#include "model/gguf_types.h"

#include "core/error.h"

#include <array>
#include <charconv>
#include <limits>

namespace qs {

namespace {

// From ggml's type_traits (ggml.c). Ids 4, 5, 31-33 and 36-38 were removed from ggml.
constexpr std::array<GgmlTypeInfo, 33> kGgmlTypes = {{
    {0, "F32", 1, 4},         {1, "F16", 1, 2},         {2, "Q4_0", 32, 18},
    {3, "Q4_1", 32, 20},      {6, "Q5_0", 32, 22},      {7, "Q5_1", 32, 24},
    {8, "Q8_0", 32, 34},      {9, "Q8_1", 32, 36},      {10, "Q2_K", 256, 84},
    {11, "Q3_K", 256, 110},   {12, "Q4_K", 256, 144},   {13, "Q5_K", 256, 176},
    {14, "Q6_K", 256, 210},   {15, "Q8_K", 256, 292},   {16, "IQ2_XXS", 256, 66},
    {17, "IQ2_XS", 256, 74},  {18, "IQ3_XXS", 256, 98}, {19, "IQ1_S", 256, 50},
    {20, "IQ4_NL", 32, 18},   {21, "IQ3_S", 256, 110},  {22, "IQ2_S", 256, 82},
    {23, "IQ4_XS", 256, 136}, {24, "I8", 1, 1},         {25, "I16", 1, 2},
    {26, "I32", 1, 4},        {27, "I64", 1, 8},        {28, "F64", 1, 8},
    {29, "IQ1_M", 256, 56},   {30, "BF16", 1, 2},       {34, "TQ1_0", 256, 54},
    {35, "TQ2_0", 256, 66},   {39, "MXFP4", 32, 17},    {0xffffffffu, "", 0, 0},
}};

std::string formatDouble(double v, bool asFloat) {
    char buf[64];
    auto r = asFloat ? std::to_chars(buf, buf + sizeof buf, static_cast<float>(v))
                     : std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

[[noreturn]] void typeError(const GgufValue& v, const char* wanted) {
    throw Error(std::string("GGUF value of type ") + std::string(ggufTypeName(v.type)) + " where " +
                wanted + " was expected");
}

bool isUnsigned(GgufType t) {
    return t == GgufType::UInt8 || t == GgufType::UInt16 || t == GgufType::UInt32 ||
           t == GgufType::UInt64;
}
bool isSigned(GgufType t) {
    return t == GgufType::Int8 || t == GgufType::Int16 || t == GgufType::Int32 ||
           t == GgufType::Int64;
}
bool isFloat(GgufType t) {
    return t == GgufType::Float32 || t == GgufType::Float64;
}

} // namespace

std::string_view ggufTypeName(GgufType t) {
    switch (t) {
    case GgufType::UInt8:
        return "uint8";
    case GgufType::Int8:
        return "int8";
    case GgufType::UInt16:
        return "uint16";
    case GgufType::Int16:
        return "int16";
    case GgufType::UInt32:
        return "uint32";
    case GgufType::Int32:
        return "int32";
    case GgufType::Float32:
        return "float32";
    case GgufType::Bool:
        return "bool";
    case GgufType::String:
        return "string";
    case GgufType::Array:
        return "array";
    case GgufType::UInt64:
        return "uint64";
    case GgufType::Int64:
        return "int64";
    case GgufType::Float64:
        return "float64";
    }
    return "invalid";
}

bool isValidGgufType(uint32_t id) {
    return id <= static_cast<uint32_t>(GgufType::Float64);
}

uint64_t ggufScalarSize(GgufType t) {
    switch (t) {
    case GgufType::UInt8:
    case GgufType::Int8:
    case GgufType::Bool:
        return 1;
    case GgufType::UInt16:
    case GgufType::Int16:
        return 2;
    case GgufType::UInt32:
    case GgufType::Int32:
    case GgufType::Float32:
        return 4;
    case GgufType::UInt64:
    case GgufType::Int64:
    case GgufType::Float64:
        return 8;
    case GgufType::String:
    case GgufType::Array:
        return 0;
    }
    return 0;
}

GgufValue GgufValue::unsignedOf(GgufType t, uint64_t v) {
    GgufValue r;
    r.type = t;
    r.u = v;
    return r;
}

GgufValue GgufValue::signedOf(GgufType t, int64_t v) {
    GgufValue r;
    r.type = t;
    r.i = v;
    return r;
}

GgufValue GgufValue::float32(float v) {
    GgufValue r;
    r.type = GgufType::Float32;
    r.f = v;
    return r;
}

GgufValue GgufValue::float64(double v) {
    GgufValue r;
    r.type = GgufType::Float64;
    r.f = v;
    return r;
}

GgufValue GgufValue::string(std::string v) {
    GgufValue r;
    r.type = GgufType::String;
    r.str = std::move(v);
    return r;
}

GgufValue GgufValue::array(GgufType elemType, std::vector<GgufValue> elements) {
    for (const GgufValue& e : elements)
        if (e.type != elemType)
            throw Error("GGUF array of " + std::string(ggufTypeName(elemType)) +
                        " given an element of type " + std::string(ggufTypeName(e.type)));
    GgufValue r;
    r.type = GgufType::Array;
    r.elemType = elemType;
    r.elements = std::move(elements);
    return r;
}

GgufValue GgufValue::stringArray(const std::vector<std::string>& v) {
    std::vector<GgufValue> e;
    e.reserve(v.size());
    for (const std::string& s : v) e.push_back(string(s));
    return array(GgufType::String, std::move(e));
}

GgufValue GgufValue::float32Array(const std::vector<float>& v) {
    std::vector<GgufValue> e;
    e.reserve(v.size());
    for (float x : v) e.push_back(float32(x));
    return array(GgufType::Float32, std::move(e));
}

GgufValue GgufValue::int32Array(const std::vector<int32_t>& v) {
    std::vector<GgufValue> e;
    e.reserve(v.size());
    for (int32_t x : v) e.push_back(int32(x));
    return array(GgufType::Int32, std::move(e));
}

bool GgufValue::isInteger() const {
    return isUnsigned(type) || isSigned(type);
}
bool GgufValue::isNumber() const {
    return isInteger() || isFloat(type);
}

int64_t GgufValue::toInt() const {
    if (isSigned(type)) return i;
    if (isUnsigned(type) || type == GgufType::Bool) {
        if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
            throw Error("GGUF integer " + std::to_string(u) + " is out of range");
        return static_cast<int64_t>(u);
    }
    typeError(*this, "an integer");
}

double GgufValue::toDouble() const {
    if (isFloat(type)) return f;
    if (isSigned(type)) return static_cast<double>(i);
    if (isUnsigned(type)) return static_cast<double>(u);
    typeError(*this, "a number");
}

bool GgufValue::toBool() const {
    if (type == GgufType::Bool) return u != 0;
    if (isInteger()) {
        const int64_t v = toInt();
        if (v == 0 || v == 1) return v == 1;
    }
    typeError(*this, "a bool");
}

const std::string& GgufValue::toString() const {
    if (type != GgufType::String) typeError(*this, "a string");
    return str;
}

std::vector<std::string> GgufValue::toStringVector() const {
    if (type != GgufType::Array || elemType != GgufType::String)
        typeError(*this, "an array of strings");
    std::vector<std::string> out;
    out.reserve(elements.size());
    for (const GgufValue& e : elements) out.push_back(e.str);
    return out;
}

std::vector<float> GgufValue::toFloatVector() const {
    if (type != GgufType::Array ||
        !(isFloat(elemType) || isSigned(elemType) || isUnsigned(elemType)))
        typeError(*this, "an array of numbers");
    std::vector<float> out;
    out.reserve(elements.size());
    for (const GgufValue& e : elements) out.push_back(static_cast<float>(e.toDouble()));
    return out;
}

std::vector<int32_t> GgufValue::toInt32Vector() const {
    if (type != GgufType::Array || !(isSigned(elemType) || isUnsigned(elemType)))
        typeError(*this, "an array of integers");
    std::vector<int32_t> out;
    out.reserve(elements.size());
    for (const GgufValue& e : elements) {
        const int64_t v = e.toInt();
        if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max())
            throw Error("GGUF array element " + std::to_string(v) + " is out of int32 range");
        out.push_back(static_cast<int32_t>(v));
    }
    return out;
}

std::string GgufValue::summary() const {
    if (isUnsigned(type)) return std::to_string(u);
    if (isSigned(type)) return std::to_string(i);
    switch (type) {
    case GgufType::Float32:
        return formatDouble(f, true);
    case GgufType::Float64:
        return formatDouble(f, false);
    case GgufType::Bool:
        return u ? "true" : "false";
    case GgufType::String:
        return str;
    case GgufType::Array:
        return "[array of " + std::to_string(elements.size()) + " " +
               std::string(ggufTypeName(elemType)) + "]";
    default:
        return "?";
    }
}

bool GgufValue::operator==(const GgufValue& o) const {
    if (type != o.type) return false;
    if (isUnsigned(type) || type == GgufType::Bool) return u == o.u;
    if (isSigned(type)) return i == o.i;
    if (isFloat(type)) return f == o.f || (f != f && o.f != o.f);
    if (type == GgufType::String) return str == o.str;
    return elemType == o.elemType && elements == o.elements;
}

const GgmlTypeInfo* ggmlTypeInfo(uint32_t id) {
    for (const GgmlTypeInfo& t : kGgmlTypes)
        if (t.id == id && t.blockSize != 0) return &t;
    return nullptr;
}

std::string ggmlTypeName(uint32_t id) {
    const GgmlTypeInfo* t = ggmlTypeInfo(id);
    return t ? std::string(t->name) : std::string("unknown");
}

namespace {
// Every DType is a ggml type; the table is the one place that pairs them.
constexpr std::pair<DType, uint32_t> kDTypeGgml[] = {
    {DType::F32, kGgmlTypeF32},
    {DType::F16, kGgmlTypeF16},
    {DType::BF16, kGgmlTypeBF16},
    {DType::Q8_0, kGgmlTypeQ8_0},
    {DType::Q4_0, 2},
    {DType::Q4_1, 3},
    {DType::Q5_0, 6},
    {DType::Q5_1, 7},
    {DType::Q2_K, 10},
    {DType::Q3_K, 11},
    {DType::Q4_K, 12},
    {DType::Q5_K, 13},
    {DType::Q6_K, 14},
};
} // namespace

std::optional<DType> ggmlToDType(uint32_t id) {
    for (const auto& [t, g] : kDTypeGgml)
        if (g == id) return t;
    return std::nullopt;
}

uint32_t dtypeToGgml(DType t) {
    for (const auto& [d, g] : kDTypeGgml)
        if (d == t) return g;
    return kGgmlTypeF32;
}

} // namespace qs
