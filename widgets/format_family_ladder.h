#pragma once
// The bit-width steps a format can move through without leaving its family, so that dragging a
// bar in the bit-width editor only changes the number of bits and keeps everything else the
// user chose (group size, symmetry, legacy vs K-quants, float kind). Qt-free.
//
//   FormatFamilyLadder ladder = FormatFamilyLadder::forFormat("int4_g32_sym");
//   ladder.steps();                 // int2_g32_sym (2) .. int8_g32_sym (8)
//   ladder.snap(5.4);               // "int5_g32_sym"
//   ladder.step("int4_g32_sym", +1) // "int5_g32_sym"
//
// Families and their ladders:
//   int        intN_<rest> for every N whose name is registered (int1 exists only asymmetric)
//   ggml       q2_k q3_k q4_k q5_k q6_k q8_0 (K-quants) or q2_k q3_k q4_0 q5_0 q6_k q8_0
//              (legacy, also for q4_1/q5_1 via q4_1 q5_1)
//   float      f16 f32 (bf16 bf16 f32)
//   minifloat  fp4_e2m1_g32 fp6_e3m2_g32 fp8_e4m3
//   mx         mxfp4 mxfp6_e3m2 mxfp8_e4m3
//   log        log3 log4
//   nf, ternary, binary: the format alone

#include <string>
#include <string_view>
#include <vector>

struct LadderStep {
    int bits = 0; // nominal element bits, the bar height
    std::string format;
};

class FormatFamilyLadder {
public:
    // The ladder through `format`; a single step for formats without siblings, empty for an
    // unknown name.
    static FormatFamilyLadder forFormat(std::string_view format);

    const std::vector<LadderStep>& steps() const { return m_steps; }
    bool isEmpty() const { return m_steps.empty(); }
    int minBits() const { return m_steps.empty() ? 0 : m_steps.front().bits; }
    int maxBits() const { return m_steps.empty() ? 0 : m_steps.back().bits; }
    // The step whose bits are nearest to `bits` (ties go to the larger).
    std::string snap(double bits) const;
    // The format `delta` steps above (+) or below (-) `format`, clamped to the ends.
    std::string step(std::string_view format, int delta) const;
    int indexOf(std::string_view format) const; // -1 if not on this ladder

private:
    std::vector<LadderStep> m_steps; // ascending bits
};

// Nominal bits of a registered format (0 if unknown).
int formatNominalBits(std::string_view format);
// Family of a registered format ("" if unknown).
std::string formatFamily(std::string_view format);
