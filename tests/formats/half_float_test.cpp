// fp16 / bf16 conversions and the Q8_0 quantiser against known values and against
// numpy / gguf-py (scripts/reference/gguf_dequant.py encode).
#include "formats/half_float.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>

#include "formats/gguf_writer.h"
#include "formats_test_support.h"

namespace polysafe::formats {
namespace {

using test::bits_of;

TEST(HalfFloat, KnownFp16Values) {
  EXPECT_EQ(fp16_to_fp32(0x3c00), 1.0f);
  EXPECT_EQ(fp16_to_fp32(0xc000), -2.0f);
  EXPECT_EQ(fp16_to_fp32(0x7bff), 65504.0f);
  EXPECT_EQ(fp16_to_fp32(0x0001), std::ldexp(1.0f, -24));   // smallest subnormal
  EXPECT_EQ(fp16_to_fp32(0x03ff), std::ldexp(1023.0f, -24)); // largest subnormal
  EXPECT_EQ(fp16_to_fp32(0x0400), std::ldexp(1.0f, -14));    // smallest normal
  EXPECT_EQ(bits_of(fp16_to_fp32(0x8000)), 0x80000000u);
  EXPECT_EQ(bits_of(fp16_to_fp32(0x7c00)), 0x7f800000u);
  EXPECT_EQ(bits_of(fp16_to_fp32(0x7c01)), 0x7f802000u);  // signalling NaN kept, as numpy
  EXPECT_EQ(bits_of(fp16_to_fp32(0xfe00)), 0xffc00000u);

  EXPECT_EQ(fp32_to_fp16(1.0f), 0x3c00);
  EXPECT_EQ(fp32_to_fp16(65504.0f), 0x7bff);
  EXPECT_EQ(fp32_to_fp16(65519.996f), 0x7bff);
  EXPECT_EQ(fp32_to_fp16(65520.0f), 0x7c00);  // tie to even = inf
  EXPECT_EQ(fp32_to_fp16(-1e30f), 0xfc00);
  EXPECT_EQ(fp32_to_fp16(std::ldexp(1.0f, -25)), 0x0000);  // tie to even = 0
  EXPECT_EQ(fp32_to_fp16(std::nextafter(std::ldexp(1.0f, -25), 1.0f)), 0x0001);
  EXPECT_EQ(fp32_to_fp16(std::ldexp(3.0f, -25)), 0x0002);  // 1.5 units: tie to even = 2
  EXPECT_EQ(fp32_to_fp16(1.0f + std::ldexp(1.0f, -11)), 0x3c00);  // tie, even stays
  EXPECT_EQ(fp32_to_fp16(1.0f + std::ldexp(3.0f, -11)), 0x3c02);  // tie, odd rounds up
  EXPECT_EQ(fp32_to_fp16(std::numeric_limits<float>::infinity()), 0x7c00);
  EXPECT_EQ(fp32_to_fp16(-0.0f), 0x8000);
}

TEST(HalfFloat, KnownBf16Values) {
  EXPECT_EQ(bf16_to_fp32(0x3f80), 1.0f);
  EXPECT_EQ(fp32_to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(fp32_to_bf16(std::bit_cast<float>(0x3f808000u)), 0x3f80);  // tie, even
  EXPECT_EQ(fp32_to_bf16(std::bit_cast<float>(0x3f818000u)), 0x3f82);  // tie, odd rounds up
  EXPECT_EQ(fp32_to_bf16(std::bit_cast<float>(0x7f7fffffu)), 0x7f80);  // max float rounds to inf
  EXPECT_EQ(fp32_to_bf16(std::bit_cast<float>(0x7f800001u)), 0x7fc0);  // sNaN forced quiet
  EXPECT_EQ(fp32_to_bf16(std::bit_cast<float>(0xffc12345u)), 0xffc1);
}

TEST(HalfFloat, Fp16RoundTripsEveryFiniteHalf) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff)) continue;  // NaN
    ASSERT_EQ(fp32_to_fp16(fp16_to_fp32(uint16_t(h))), h) << std::hex << h;
  }
}

// Encodings of ~20k floats (random bit patterns, the fp16 range, exact ties)
// against numpy astype(float16), gguf.quants.quantize(BF16) and (Q8_0).
TEST(HalfFloat, MatchesNumpyAndGgufQuantize) {
  test::ScratchDir dir("halffloat");
  const std::string f32 = dir.file("x.f32"), f16 = dir.file("x.f16"), bf = dir.file("x.bf16"),
                    q8 = dir.file("x.q8");
  test::run_reference("gguf_dequant.py", "encode 4096 7 " + f32 + " " + f16 + " " + bf + " " + q8);
  const auto x = test::read_array<float>(f32);
  const auto ref16 = test::read_array<uint16_t>(f16);
  const auto refbf = test::read_array<uint16_t>(bf);
  const auto refq8 = test::read_bytes(q8);
  ASSERT_EQ(ref16.size(), refbf.size());
  ASSERT_EQ(x.size(), 2 * ref16.size());  // encodings of x[0..n), then the Q8_0 input
  const size_t n = ref16.size();
  ASSERT_GT(n, 20000u);

  size_t bad16 = 0, badbf = 0, subnormal_results = 0, inf_results = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint16_t h = fp32_to_fp16(x[i]);
    bad16 += h != ref16[i];
    badbf += fp32_to_bf16(x[i]) != refbf[i];
    subnormal_results += (h & 0x7c00) == 0 && (h & 0x3ff);
    inf_results += (h & 0x7fff) == 0x7c00;
    if (h != ref16[i] && bad16 < 5) ADD_FAILURE() << "fp16 of " << std::hex << bits_of(x[i]) << ": " << h << " vs " << ref16[i];
  }
  EXPECT_EQ(bad16, 0u);
  EXPECT_EQ(badbf, 0u);
  EXPECT_GT(subnormal_results, 100u);  // the inputs really exercise both edges
  EXPECT_GT(inf_results, 100u);

  std::vector<uint8_t> q(n / 32 * 34);
  quantize_row_q8_0(x.data() + n, q.data(), n);
  ASSERT_EQ(q.size(), refq8.size());
  size_t badq = 0;
  for (size_t i = 0; i < q.size(); ++i) badq += q[i] != refq8[i];
  EXPECT_EQ(badq, 0u) << "of " << q.size() << " Q8_0 bytes";
}

}  // namespace
}  // namespace polysafe::formats
