#include "formats/dequantize.h"

#include <algorithm>
#include <cstring>
#include <thread>

#include "formats/block_codes.h"
#include "formats/half_float.h"
#include "util/error.h"

// Block layouts live in block_codes.cpp (ggml-common.h's block_q4_0 ... block_q6_K).
// The arithmetic is written in the same order as gguf-py's gguf/quants.py
// (Q*.dequantize_blocks), which computes every step in float32:
//   * products of an fp16 scale with a small integer are exact in float32, so
//     only the steps that can round matter: the "+ m" / "- dmin*m" of the
//     min-offset types and the (d*scale)*q of Q6_K, whose 25-bit product rounds.
//   * each such step is one float32 operation here too, in the same order, and
//     -ffp-contract=off (root CMakeLists) stops the compiler fusing a*b+c into
//     an FMA, which would skip the product's rounding.
// The result is bit-identical to the reference for every finite input
// (checked by tests/formats/dequantize_test.cpp against the Python package).

namespace polysafe::formats {

namespace {

void deq_f32(const uint8_t* src, float* y, uint64_t n) { std::memcpy(y, src, n * 4); }

void deq_f16(const uint8_t* src, float* y, uint64_t n) {
  for (uint64_t i = 0; i < n; ++i) {
    uint16_t h;
    std::memcpy(&h, src + 2 * i, 2);
    y[i] = fp16_to_fp32(h);
  }
}

void deq_bf16(const uint8_t* src, float* y, uint64_t n) {
  for (uint64_t i = 0; i < n; ++i) {
    uint16_t h;
    std::memcpy(&h, src + 2 * i, 2);
    y[i] = bf16_to_fp32(h);
  }
}

// Block-quantised types: decode integer codes (block_codes.cpp), then x = s*c (+ o)
// as one f32 product and one f32 sum, in chunks that stay in L1.
template <GgmlType T>
void deq_affine(const uint8_t* src, float* y, uint64_t nb) {
  constexpr uint32_t id = uint32_t(T);
  static const GgmlTypeInfo info = *ggml_type_info(id);
  static const AffineCodesLayout layout = *affine_codes_layout(id);
  constexpr uint64_t kChunk = 4096;  // elements per decode call
  const uint64_t blocks_per_chunk = std::max<uint64_t>(1, kChunk / info.block_size);
  int8_t c[kChunk];
  float s[kChunk / 16], o[kChunk / 16];
  for (uint64_t b0 = 0; b0 < nb; b0 += blocks_per_chunk) {
    const uint64_t n = std::min(blocks_per_chunk, nb - b0) * info.block_size;
    decode_affine_codes(id, src + b0 * info.type_size, n, c, s, layout.has_offset ? o : nullptr);
    float* out = y + b0 * info.block_size;
    const int sub = layout.sub_block;
    for (uint64_t i = 0; i < n; ++i) {
      const float v = s[i / sub] * float(c[i]);
      out[i] = layout.has_offset ? v + o[i / sub] : v;
    }
  }
}

using Kernel = void (*)(const uint8_t*, float*, uint64_t n_blocks);

Kernel kernel_for(uint32_t type_id) {
  switch (static_cast<GgmlType>(type_id)) {
    case GgmlType::F32: return deq_f32;
    case GgmlType::F16: return deq_f16;
    case GgmlType::BF16: return deq_bf16;
    case GgmlType::Q4_0: return deq_affine<GgmlType::Q4_0>;
    case GgmlType::Q4_1: return deq_affine<GgmlType::Q4_1>;
    case GgmlType::Q5_0: return deq_affine<GgmlType::Q5_0>;
    case GgmlType::Q5_1: return deq_affine<GgmlType::Q5_1>;
    case GgmlType::Q8_0: return deq_affine<GgmlType::Q8_0>;
    case GgmlType::Q2_K: return deq_affine<GgmlType::Q2_K>;
    case GgmlType::Q3_K: return deq_affine<GgmlType::Q3_K>;
    case GgmlType::Q4_K: return deq_affine<GgmlType::Q4_K>;
    case GgmlType::Q5_K: return deq_affine<GgmlType::Q5_K>;
    case GgmlType::Q6_K: return deq_affine<GgmlType::Q6_K>;
    default: return nullptr;
  }
}

std::string who(const std::string& tensor_name) {
  return tensor_name.empty() ? std::string("dequantize: ")
                             : "dequantize: tensor '" + tensor_name + "': ";
}

// Checks type and size; returns the kernel and the block geometry.
Kernel checked_kernel(uint32_t type_id, uint64_t n_elements, const std::string& tensor_name,
                      GgmlTypeInfo& info_out) {
  Kernel k = kernel_for(type_id);
  auto info = ggml_type_info(type_id);
  if (!k || !info)
    throw FormatError(who(tensor_name) + "type " + ggml_type_name(type_id) +
                      " cannot be dequantised (supported: F32, F16, BF16, Q4_0, Q4_1, Q5_0, "
                      "Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K)");
  if (n_elements % info->block_size != 0)
    throw FormatError(who(tensor_name) + std::to_string(n_elements) +
                      " elements is not a multiple of the " + info->name + " block size " +
                      std::to_string(info->block_size));
  info_out = *info;
  return k;
}

}  // namespace

bool can_dequantize(uint32_t type_id) { return kernel_for(type_id) != nullptr; }

void dequantize_row(uint32_t type_id, const uint8_t* src, float* dst, uint64_t n_elements,
                    const std::string& tensor_name) {
  GgmlTypeInfo info{};
  Kernel k = checked_kernel(type_id, n_elements, tensor_name, info);
  k(src, dst, n_elements / info.block_size);
}

void dequantize_tensor_into(const GgufTensorInfo& t, float* dst, unsigned n_threads) {
  GgmlTypeInfo info{};
  Kernel k = checked_kernel(t.type_id, t.n_elements, t.name, info);
  if (!t.data && t.n_elements)
    throw FormatError(who(t.name) + "tensor has no data (not loaded from a file)");
  const uint64_t nb = t.n_elements / info.block_size;
  if (n_threads == 0) n_threads = std::max(1u, std::thread::hardware_concurrency());
  // Threads only pay off for big tensors; below ~1M elements run inline.
  const uint64_t min_blocks_per_thread = std::max<uint64_t>(1, (uint64_t(1) << 20) / info.block_size);
  n_threads = unsigned(std::min<uint64_t>(n_threads, std::max<uint64_t>(1, nb / min_blocks_per_thread)));
  if (n_threads <= 1) {
    k(t.data, dst, nb);
    return;
  }
  std::vector<std::thread> pool;
  pool.reserve(n_threads);
  for (unsigned w = 0; w < n_threads; ++w) {
    const uint64_t b0 = nb * w / n_threads, b1 = nb * (w + 1) / n_threads;
    pool.emplace_back([=] {
      k(t.data + b0 * info.type_size, dst + b0 * info.block_size, b1 - b0);
    });
  }
  for (auto& th : pool) th.join();
}

std::vector<float> dequantize_tensor(const GgufTensorInfo& t, unsigned n_threads) {
  std::vector<float> out(static_cast<size_t>(t.n_elements));
  dequantize_tensor_into(t, out.data(), n_threads);
  return out;
}

}  // namespace polysafe::formats
