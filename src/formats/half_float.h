// Scalar conversions between IEEE binary16 (fp16), bfloat16 and float32, bit for
// bit as the GGUF reference tools do them (ggml-impl.h, numpy's half casts), so
// dequantised weights and written F16/BF16/Q8_0 tensors match the reference.
// Pure bit arithmetic: never depends on the FPU rounding mode or on F16C/AVX
// being present, never touches global state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace polysafe::formats {

inline uint32_t f32_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
inline float f32_from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// fp16 -> f32 is exact for every input. Subnormals become normal floats; inf
// stays inf; a NaN keeps its sign and payload (shifted into the top mantissa
// bits, signalling NaNs stay signalling), as numpy's astype(float32) does.
inline float fp16_to_fp32(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  const uint32_t mant = h & 0x3ffu;
  if (exp == 0x1f) return f32_from_bits(sign | 0x7f800000u | (mant << 13));
  if (exp != 0) return f32_from_bits(sign | ((exp + (127 - 15)) << 23) | (mant << 13));
  if (mant == 0) return f32_from_bits(sign);
  // Subnormal: mant * 2^-24, exact in float32 (mant < 2^10, result is normal).
  return f32_from_bits(sign | f32_bits(float(mant) * 0x1p-24f));
}

// f32 -> fp16, round to nearest, ties to even (IEEE default; ggml's
// GGML_FP32_TO_FP16 and numpy astype(float16) agree on every non-NaN input).
// Overflow gives +-inf, underflow +-0 or a subnormal. NaN: numpy's rule (keep
// sign and the top 10 payload bits, force a non-zero payload); ggml's software
// path returns 0x7E00 instead - only NaN inputs can tell the two apart.
uint16_t fp32_to_fp16(float f);

// bf16 -> f32 is the top half of the float32 bit pattern (exact).
inline float bf16_to_fp32(uint16_t h) { return f32_from_bits(uint32_t(h) << 16); }

// f32 -> bf16 as ggml_compute_fp32_to_bf16 (ggml-impl.h): NaN is truncated and
// forced quiet (bit 6 of the bf16 mantissa), everything else rounds to nearest
// even on the dropped 16 bits (so large finite values can round to inf).
inline uint16_t fp32_to_bf16(float f) {
  const uint32_t u = f32_bits(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return uint16_t((u >> 16) | 64u);
  return uint16_t((uint64_t(u) + (0x7fffu + ((u >> 16) & 1u))) >> 16);
}

// Row helpers (plain loops the compiler vectorises).
void fp16_to_fp32_row(const uint16_t* src, float* dst, size_t n);
void fp32_to_fp16_row(const float* src, uint16_t* dst, size_t n);
void bf16_to_fp32_row(const uint16_t* src, float* dst, size_t n);
void fp32_to_bf16_row(const float* src, uint16_t* dst, size_t n);

}  // namespace polysafe::formats
