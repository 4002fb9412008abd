#include "formats/dequantize.h"

#include <algorithm>
#include <cstring>
#include <thread>

#include "formats/half_float.h"
#include "util/error.h"

// Block layouts: ggml-common.h (block_q4_0 ... block_q6_K). The arithmetic in each
// kernel is written in the same order as gguf-py's gguf/quants.py
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

constexpr int QK = 32;     // QK4_0 = QK4_1 = QK5_0 = QK5_1 = QK8_0
constexpr int QK_K = 256;  // super-block size of the K-quants

inline float load_fp16(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return fp16_to_fp32(h);
}

// block_q4_0 { half d; uint8 qs[16]; }: x[j] = d * (lo4(qs[j]) - 8), x[j+16] from the high nibble.
void deq_q4_0(const uint8_t* src, float* y, uint64_t nb) {
  for (uint64_t i = 0; i < nb; ++i, src += 18, y += QK) {
    const float d = load_fp16(src);
    const uint8_t* qs = src + 2;
    for (int j = 0; j < 16; ++j) {
      y[j] = d * float(int(qs[j] & 0x0f) - 8);
      y[j + 16] = d * float(int(qs[j] >> 4) - 8);
    }
  }
}

// block_q4_1 { half d, m; uint8 qs[16]; }: x = d*q + m (product exact, the sum rounds).
void deq_q4_1(const uint8_t* src, float* y, uint64_t nb) {
  for (uint64_t i = 0; i < nb; ++i, src += 20, y += QK) {
    const float d = load_fp16(src);
    const float m = load_fp16(src + 2);
    const uint8_t* qs = src + 4;
    for (int j = 0; j < 16; ++j) {
      y[j] = d * float(qs[j] & 0x0f) + m;
      y[j + 16] = d * float(qs[j] >> 4) + m;
    }
  }
}

// block_q5_0 { half d; uint32 qh (LE); uint8 qs[16]; }: bit j of qh is the 5th bit of x[j].
void deq_q5_0(const uint8_t* src, float* y, uint64_t nb) {
  for (uint64_t i = 0; i < nb; ++i, src += 22, y += QK) {
    const float d = load_fp16(src);
    uint32_t qh;
    std::memcpy(&qh, src + 2, 4);
    const uint8_t* qs = src + 6;
    for (int j = 0; j < 16; ++j) {
      const int lo = int(qs[j] & 0x0f) | int(((qh >> j) & 1u) << 4);
      const int hi = int(qs[j] >> 4) | int(((qh >> (j + 16)) & 1u) << 4);
      y[j] = d * float(lo - 16);
      y[j + 16] = d * float(hi - 16);
    }
  }
}

// block_q5_1 { half d, m; uint32 qh; uint8 qs[16]; }: x = d*q + m.
void deq_q5_1(const uint8_t* src, float* y, uint64_t nb) {
  for (uint64_t i = 0; i < nb; ++i, src += 24, y += QK) {
    const float d = load_fp16(src);
    const float m = load_fp16(src + 2);
    uint32_t qh;
    std::memcpy(&qh, src + 4, 4);
    const uint8_t* qs = src + 8;
    for (int j = 0; j < 16; ++j) {
      const int lo = int(qs[j] & 0x0f) | int(((qh >> j) & 1u) << 4);
      const int hi = int(qs[j] >> 4) | int(((qh >> (j + 16)) & 1u) << 4);
      y[j] = d * float(lo) + m;
      y[j + 16] = d * float(hi) + m;
    }
  }
}

// block_q8_0 { half d; int8 qs[32]; }: x = q * d (exact).
void deq_q8_0(const uint8_t* src, float* y, uint64_t nb) {
  for (uint64_t i = 0; i < nb; ++i, src += 34, y += QK) {
    const float d = load_fp16(src);
    const int8_t* qs = reinterpret_cast<const int8_t*>(src + 2);
    for (int j = 0; j < QK; ++j) y[j] = float(qs[j]) * d;
  }
}

// block_q2_K { uint8 scales[16]; uint8 qs[64]; half d, dmin; }: 16 sub-blocks of 16;
// scales: low nibble = scale, high nibble = min; x = (d*sc)*q - dmin*m.
// Element o = 128*g + 32*s + l takes bits 2s..2s+1 of qs[32*g + l].
void deq_q2_k(const uint8_t* src, float* y, uint64_t nb) {
  for (uint64_t i = 0; i < nb; ++i, src += 84, y += QK_K) {
    const uint8_t* sc = src;
    const uint8_t* qs = src + 16;
    const float d = load_fp16(src + 80);
    const float dmin = load_fp16(src + 82);
    // Loops ordered so each inner run of 16 shares one scale (vectorisable);
    // the per-element arithmetic is unchanged.
    for (int g = 0; g < 2; ++g)
      for (int s = 0; s < 4; ++s)
        for (int h = 0; h < 2; ++h) {
          const int k = 8 * g + 2 * s + h;  // sub-block of elements 16k..16k+15
          const float dl = d * float(sc[k] & 0x0f);
          const float ml = dmin * float(sc[k] >> 4);
          const uint8_t* q = qs + 32 * g + 16 * h;
          float* out = y + 16 * k;
          for (int l = 0; l < 16; ++l) out[l] = dl * float((q[l] >> (2 * s)) & 3) - ml;
        }
  }
}

// block_q3_K { uint8 hmask[32]; uint8 qs[64]; uint8 scales[12]; half d; }.
// 16 6-bit signed scales (offset 32): low 4 bits from scales[0..7] (nibbles),
// high 2 bits from scales[8..11]. q = 2 low bits from qs (as Q2_K) minus 4 when
// the hmask bit is clear. x = (d*sc)*q.
void deq_q3_k(const uint8_t* src, float* y, uint64_t nb) {
  for (uint64_t i = 0; i < nb; ++i, src += 110, y += QK_K) {
    const uint8_t* hmask = src;
    const uint8_t* qs = src + 32;
    const uint8_t* s = src + 96;
    const float d = load_fp16(src + 108);
    float dl[16];
    for (int k = 0; k < 16; ++k) {
      const int lo = k < 8 ? (s[k] & 0x0f) : (s[k - 8] >> 4);
      const int hi = (s[8 + (k & 3)] >> (2 * (k >> 2))) & 3;
      dl[k] = d * float((lo | (hi << 4)) - 32);
    }
    for (int g = 0; g < 2; ++g)
      for (int sh = 0; sh < 4; ++sh)
        for (int h = 0; h < 2; ++h) {
          const int k = 8 * g + 2 * sh + h;  // elements 16k..16k+15
          const int bit = 4 * g + sh;        // hmask bit of elements 32*bit..32*bit+31
          const uint8_t* q = qs + 32 * g + 16 * h;
          const uint8_t* hm = hmask + 16 * h;
          float* out = y + 16 * k;
          for (int l = 0; l < 16; ++l) {
            const int low = (q[l] >> (2 * sh)) & 3;
            const int high = (hm[l] >> bit) & 1;
            out[l] = dl[k] * float(low - (high ? 0 : 4));
          }
        }
  }
}

// 6-bit scale and min of sub-block j (0..7) in the 12-byte K_SCALE block of
// Q4_K/Q5_K (ggml-quants.c get_scale_min_k4).
inline void scale_min_k4(int j, const uint8_t* q, int& sc, int& m) {
  if (j < 4) {
    sc = q[j] & 63;
    m = q[j + 4] & 63;
  } else {
    sc = (q[j + 4] & 0x0f) | ((q[j - 4] >> 6) << 4);
    m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

// block_q4_K { half d, dmin; uint8 scales[12]; uint8 qs[128]; }: 8 sub-blocks of 32;
// sub-block 2g takes the low nibbles of qs[32g..32g+31], 2g+1 the high ones.
// x = (d*sc)*q - dmin*m.
void deq_q4_k(const uint8_t* src, float* y, uint64_t nb) {
  for (uint64_t i = 0; i < nb; ++i, src += 144, y += QK_K) {
    const float d = load_fp16(src);
    const float dmin = load_fp16(src + 2);
    const uint8_t* scales = src + 4;
    const uint8_t* qs = src + 16;
    for (int j = 0; j < 8; ++j) {
      int sc, m;
      scale_min_k4(j, scales, sc, m);
      const float d1 = d * float(sc);
      const float m1 = dmin * float(m);
      const uint8_t* q = qs + 32 * (j >> 1);
      const int shift = 4 * (j & 1);
      float* out = y + 32 * j;
      for (int l = 0; l < 32; ++l) out[l] = d1 * float((q[l] >> shift) & 0x0f) - m1;
    }
  }
}

// block_q5_K { half d, dmin; uint8 scales[12]; uint8 qh[32]; uint8 qs[128]; }: as
// Q4_K plus a 5th bit, bit j of qh[l] for element 32j + l.
void deq_q5_k(const uint8_t* src, float* y, uint64_t nb) {
  for (uint64_t i = 0; i < nb; ++i, src += 176, y += QK_K) {
    const float d = load_fp16(src);
    const float dmin = load_fp16(src + 2);
    const uint8_t* scales = src + 4;
    const uint8_t* qh = src + 16;
    const uint8_t* qs = src + 48;
    for (int j = 0; j < 8; ++j) {
      int sc, m;
      scale_min_k4(j, scales, sc, m);
      const float d1 = d * float(sc);
      const float m1 = dmin * float(m);
      const uint8_t* q = qs + 32 * (j >> 1);
      const int shift = 4 * (j & 1);
      float* out = y + 32 * j;
      for (int l = 0; l < 32; ++l) {
        const int v = ((q[l] >> shift) & 0x0f) | (((qh[l] >> j) & 1) << 4);
        out[l] = d1 * float(v) - m1;
      }
    }
  }
}

// block_q6_K { uint8 ql[128]; uint8 qh[64]; int8 scales[16]; half d; }: element
// o = 128g + 32s + l: low 4 bits from ql[64g + l + 32(s&1)] (nibble s>>1), high 2
// bits from qh[32g + l] bits 2s..2s+1; x = (d*sc[o/16]) * (q - 32). That
// product can need 25 bits, so the grouping (d*sc first) is what the
// reference rounds, and is kept.
void deq_q6_k(const uint8_t* src, float* y, uint64_t nb) {
  for (uint64_t i = 0; i < nb; ++i, src += 210, y += QK_K) {
    const uint8_t* ql = src;
    const uint8_t* qh = src + 128;
    const int8_t* sc = reinterpret_cast<const int8_t*>(src + 192);
    const float d = load_fp16(src + 208);
    float ds[16];
    for (int k = 0; k < 16; ++k) ds[k] = d * float(sc[k]);
    for (int g = 0; g < 2; ++g)
      for (int s = 0; s < 4; ++s)
        for (int h = 0; h < 2; ++h) {
          const int k = 8 * g + 2 * s + h;  // elements 16k..16k+15
          const uint8_t* lq = ql + 64 * g + 32 * (s & 1) + 16 * h;
          const uint8_t* hq = qh + 32 * g + 16 * h;
          const int lshift = 4 * (s >> 1);
          float* out = y + 16 * k;
          for (int l = 0; l < 16; ++l) {
            const int lo = (lq[l] >> lshift) & 0x0f;
            const int hi = (hq[l] >> (2 * s)) & 3;
            out[l] = ds[k] * float((lo | (hi << 4)) - 32);
          }
        }
  }
}

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

using Kernel = void (*)(const uint8_t*, float*, uint64_t n_blocks);

Kernel kernel_for(uint32_t type_id) {
  switch (static_cast<GgmlType>(type_id)) {
    case GgmlType::F32: return deq_f32;
    case GgmlType::F16: return deq_f16;
    case GgmlType::BF16: return deq_bf16;
    case GgmlType::Q4_0: return deq_q4_0;
    case GgmlType::Q4_1: return deq_q4_1;
    case GgmlType::Q5_0: return deq_q5_0;
    case GgmlType::Q5_1: return deq_q5_1;
    case GgmlType::Q8_0: return deq_q8_0;
    case GgmlType::Q2_K: return deq_q2_k;
    case GgmlType::Q3_K: return deq_q3_k;
    case GgmlType::Q4_K: return deq_q4_k;
    case GgmlType::Q5_K: return deq_q5_k;
    case GgmlType::Q6_K: return deq_q6_k;
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
