// Include FIRST in every ggml_*.cpp, before any other header. The reference quantizers round
// a*b+c twice; GCC's default -ffp-contract=fast would fuse such pairs into FMA wherever the target
// has it (the Highway AVX2/AVX-512 copies, or a -march=native build), changing rounding and then
// quantized codes. Turning contraction off for the whole translation unit (system headers
// included, so always_inline helpers keep matching optimisation attributes) keeps the scalar
// reference and the SIMD kernels bit-identical.
#pragma once

#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
