#include "formats/half_float.h"

namespace polysafe::formats {

uint16_t fp32_to_fp16(float f) {
  const uint32_t u = f32_bits(f);
  const uint16_t sign = uint16_t((u >> 16) & 0x8000u);
  const uint32_t a = u & 0x7fffffffu;

  if (a >= 0x7f800000u) {
    if (a == 0x7f800000u) return sign | 0x7c00u;  // inf
    // NaN: keep the top 10 payload bits; never let the payload vanish (that
    // would turn the NaN into inf). Same rule as numpy's npy_floatbits_to_halfbits.
    uint16_t r = uint16_t(0x7c00u | ((a & 0x007fffffu) >> 13));
    if (r == 0x7c00u) r |= 1u;
    return sign | r;
  }
  // 65520 = 0x477ff000 is half-way between 65504 (largest half, odd mantissa)
  // and 65536 (inf): ties-to-even sends it, and everything above, to inf.
  if (a >= 0x477ff000u) return sign | 0x7c00u;

  if (a >= 0x38800000u) {  // result is a normal half (|f| >= 2^-14 before rounding)
    const uint32_t exp = (a >> 23) - (127 - 15);
    const uint32_t mant = a & 0x007fffffu;
    uint32_t h = (exp << 10) | (mant >> 13);
    const uint32_t rem = mant & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h;  // carry into exp is correct
    return sign | uint16_t(h);
  }
  // 2^-25 (0x33000000) is half-way between 0 and the smallest subnormal 2^-24:
  // ties-to-even gives 0.
  if (a <= 0x33000000u) return sign;
  // Subnormal half: count of 2^-24 units = m * 2^(e - 150 + 24) = m >> (126 - e).
  const uint32_t e = a >> 23;
  const uint32_t m = (a & 0x007fffffu) | 0x00800000u;
  const uint32_t shift = 126 - e;  // 14..24
  uint32_t h = m >> shift;
  const uint32_t rem = m & ((1u << shift) - 1u);
  const uint32_t half = 1u << (shift - 1);
  if (rem > half || (rem == half && (h & 1u))) ++h;  // may reach 0x400 = 2^-14, still correct
  return sign | uint16_t(h);
}

void fp16_to_fp32_row(const uint16_t* src, float* dst, size_t n) {
  for (size_t i = 0; i < n; ++i) dst[i] = fp16_to_fp32(src[i]);
}
void fp32_to_fp16_row(const float* src, uint16_t* dst, size_t n) {
  for (size_t i = 0; i < n; ++i) dst[i] = fp32_to_fp16(src[i]);
}
void bf16_to_fp32_row(const uint16_t* src, float* dst, size_t n) {
  for (size_t i = 0; i < n; ++i) dst[i] = bf16_to_fp32(src[i]);
}
void fp32_to_bf16_row(const float* src, uint16_t* dst, size_t n) {
  for (size_t i = 0; i < n; ++i) dst[i] = fp32_to_bf16(src[i]);
}

}  // namespace polysafe::formats
