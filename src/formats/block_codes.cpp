#include "formats/block_codes.h"

#include <cstring>

#include "formats/ggml_type.h"
#include "formats/half_float.h"
#include "util/error.h"

// Block layouts: ggml-common.h (block_q4_0 ... block_q6_K); the scale and offset
// arithmetic follows gguf-py's gguf/quants.py (Q*.dequantize_blocks), in float32.
// Each decoder handles one block: codes c[block], scales s[block / sub_block],
// offsets o[...] for the types that have them. A "- dmin*m" of the reference is
// stored as offset -(dmin*m): x - y and x + (-y) are the same IEEE operation.

namespace polysafe::formats {

namespace {

inline float load_fp16(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return fp16_to_fp32(h);
}

// block_q4_0 { half d; uint8 qs[16]; }: x[j] = d * (lo4(qs[j]) - 8), x[j+16] from the high nibble.
void codes_q4_0(const uint8_t* src, int8_t* c, float* s, float*) {
  s[0] = load_fp16(src);
  const uint8_t* qs = src + 2;
  for (int j = 0; j < 16; ++j) {
    c[j] = int8_t(int(qs[j] & 0x0f) - 8);
    c[j + 16] = int8_t(int(qs[j] >> 4) - 8);
  }
}

// block_q4_1 { half d, m; uint8 qs[16]; }: x = d*q + m (product exact, the sum rounds).
void codes_q4_1(const uint8_t* src, int8_t* c, float* s, float* o) {
  s[0] = load_fp16(src);
  o[0] = load_fp16(src + 2);
  const uint8_t* qs = src + 4;
  for (int j = 0; j < 16; ++j) {
    c[j] = int8_t(qs[j] & 0x0f);
    c[j + 16] = int8_t(qs[j] >> 4);
  }
}

// 5-bit codes of Q5_0/Q5_1: bit j of qh (LE) is the 5th bit of x[j].
void five_bit_codes(const uint8_t* qh_bytes, const uint8_t* qs, int bias, int8_t* c) {
  uint32_t qh;
  std::memcpy(&qh, qh_bytes, 4);
  for (int j = 0; j < 16; ++j) {
    c[j] = int8_t((int(qs[j] & 0x0f) | int(((qh >> j) & 1u) << 4)) - bias);
    c[j + 16] = int8_t((int(qs[j] >> 4) | int(((qh >> (j + 16)) & 1u) << 4)) - bias);
  }
}

// block_q5_0 { half d; uint32 qh; uint8 qs[16]; }: x = d * (q - 16).
void codes_q5_0(const uint8_t* src, int8_t* c, float* s, float*) {
  s[0] = load_fp16(src);
  five_bit_codes(src + 2, src + 6, 16, c);
}

// block_q5_1 { half d, m; uint32 qh; uint8 qs[16]; }: x = d*q + m.
void codes_q5_1(const uint8_t* src, int8_t* c, float* s, float* o) {
  s[0] = load_fp16(src);
  o[0] = load_fp16(src + 2);
  five_bit_codes(src + 4, src + 8, 0, c);
}

// block_q8_0 { half d; int8 qs[32]; }: x = q * d (exact).
void codes_q8_0(const uint8_t* src, int8_t* c, float* s, float*) {
  s[0] = load_fp16(src);
  std::memcpy(c, src + 2, 32);
}

// block_q2_K { uint8 scales[16]; uint8 qs[64]; half d, dmin; }: 16 sub-blocks of 16;
// scales: low nibble = scale, high nibble = min; x = (d*sc)*q - dmin*m.
// Element 128*g + 32*s + 16*h + l takes bits 2s..2s+1 of qs[32*g + 16*h + l].
void codes_q2_k(const uint8_t* src, int8_t* c, float* s, float* o) {
  const uint8_t* sc = src;
  const uint8_t* qs = src + 16;
  const float d = load_fp16(src + 80);
  const float dmin = load_fp16(src + 82);
  for (int g = 0; g < 2; ++g)
    for (int sh = 0; sh < 4; ++sh)
      for (int h = 0; h < 2; ++h) {
        const int k = 8 * g + 2 * sh + h;  // sub-block of elements 16k..16k+15
        s[k] = d * float(sc[k] & 0x0f);
        o[k] = -(dmin * float(sc[k] >> 4));
        const uint8_t* q = qs + 32 * g + 16 * h;
        for (int l = 0; l < 16; ++l) c[16 * k + l] = int8_t((q[l] >> (2 * sh)) & 3);
      }
}

// block_q3_K { uint8 hmask[32]; uint8 qs[64]; uint8 scales[12]; half d; }.
// 16 6-bit signed scales (offset 32): low 4 bits from scales[0..7] (nibbles),
// high 2 bits from scales[8..11]. q = 2 low bits from qs (as Q2_K) minus 4 when
// the hmask bit is clear. x = (d*sc)*q.
void codes_q3_k(const uint8_t* src, int8_t* c, float* s, float*) {
  const uint8_t* hmask = src;
  const uint8_t* qs = src + 32;
  const uint8_t* sb = src + 96;
  const float d = load_fp16(src + 108);
  for (int k = 0; k < 16; ++k) {
    const int lo = k < 8 ? (sb[k] & 0x0f) : (sb[k - 8] >> 4);
    const int hi = (sb[8 + (k & 3)] >> (2 * (k >> 2))) & 3;
    s[k] = d * float((lo | (hi << 4)) - 32);
  }
  for (int g = 0; g < 2; ++g)
    for (int sh = 0; sh < 4; ++sh)
      for (int h = 0; h < 2; ++h) {
        const int k = 8 * g + 2 * sh + h;  // elements 16k..16k+15
        const int bit = 4 * g + sh;        // hmask bit of elements 32*bit..32*bit+31
        const uint8_t* q = qs + 32 * g + 16 * h;
        const uint8_t* hm = hmask + 16 * h;
        for (int l = 0; l < 16; ++l) {
          const int low = (q[l] >> (2 * sh)) & 3;
          const int high = (hm[l] >> bit) & 1;
          c[16 * k + l] = int8_t(low - (high ? 0 : 4));
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
// x = (d*sc)*q - dmin*m. block_q5_K { half d, dmin; uint8 scales[12]; uint8 qh[32];
// uint8 qs[128]; } adds a 5th bit: bit j of qh[l] for element 32j + l.
void k_quant_codes(const uint8_t* src, const uint8_t* qh, const uint8_t* qs, int8_t* c, float* s, float* o) {
  const float d = load_fp16(src);
  const float dmin = load_fp16(src + 2);
  const uint8_t* scales = src + 4;
  for (int j = 0; j < 8; ++j) {
    int sc, m;
    scale_min_k4(j, scales, sc, m);
    s[j] = d * float(sc);
    o[j] = -(dmin * float(m));
    const uint8_t* q = qs + 32 * (j >> 1);
    const int shift = 4 * (j & 1);
    for (int l = 0; l < 32; ++l) {
      int v = (q[l] >> shift) & 0x0f;
      if (qh) v |= ((qh[l] >> j) & 1) << 4;
      c[32 * j + l] = int8_t(v);
    }
  }
}

void codes_q4_k(const uint8_t* src, int8_t* c, float* s, float* o) { k_quant_codes(src, nullptr, src + 16, c, s, o); }
void codes_q5_k(const uint8_t* src, int8_t* c, float* s, float* o) { k_quant_codes(src, src + 16, src + 48, c, s, o); }

// block_q6_K { uint8 ql[128]; uint8 qh[64]; int8 scales[16]; half d; }: element
// 128g + 32s + 16h + l: low 4 bits from ql[64g + 32(s&1) + 16h + l] (nibble s>>1),
// high 2 bits from qh[32g + 16h + l] bits 2s..2s+1; x = (d*sc[k]) * (q - 32). That
// product can need 25 bits, so the grouping (d*sc first) is what the reference
// rounds, and is kept.
void codes_q6_k(const uint8_t* src, int8_t* c, float* s, float*) {
  const uint8_t* ql = src;
  const uint8_t* qh = src + 128;
  const int8_t* sc = reinterpret_cast<const int8_t*>(src + 192);
  const float d = load_fp16(src + 208);
  for (int k = 0; k < 16; ++k) s[k] = d * float(sc[k]);
  for (int g = 0; g < 2; ++g)
    for (int sh = 0; sh < 4; ++sh)
      for (int h = 0; h < 2; ++h) {
        const int k = 8 * g + 2 * sh + h;
        const uint8_t* lq = ql + 64 * g + 32 * (sh & 1) + 16 * h;
        const uint8_t* hq = qh + 32 * g + 16 * h;
        const int lshift = 4 * (sh >> 1);
        for (int l = 0; l < 16; ++l) {
          const int lo = (lq[l] >> lshift) & 0x0f;
          const int hi = (hq[l] >> (2 * sh)) & 3;
          c[16 * k + l] = int8_t((lo | (hi << 4)) - 32);
        }
      }
}

using BlockDecoder = void (*)(const uint8_t* src, int8_t* codes, float* scales, float* offsets);

struct Entry {
  BlockDecoder decode;
  AffineCodesLayout layout;
};

std::optional<Entry> entry_for(uint32_t type_id) {
  switch (static_cast<GgmlType>(type_id)) {
    case GgmlType::Q4_0: return Entry{codes_q4_0, {32, false}};
    case GgmlType::Q4_1: return Entry{codes_q4_1, {32, true}};
    case GgmlType::Q5_0: return Entry{codes_q5_0, {32, false}};
    case GgmlType::Q5_1: return Entry{codes_q5_1, {32, true}};
    case GgmlType::Q8_0: return Entry{codes_q8_0, {32, false}};
    case GgmlType::Q2_K: return Entry{codes_q2_k, {16, true}};
    case GgmlType::Q3_K: return Entry{codes_q3_k, {16, false}};
    case GgmlType::Q4_K: return Entry{codes_q4_k, {32, true}};
    case GgmlType::Q5_K: return Entry{codes_q5_k, {32, true}};
    case GgmlType::Q6_K: return Entry{codes_q6_k, {16, false}};
    default: return std::nullopt;
  }
}

}  // namespace

std::optional<AffineCodesLayout> affine_codes_layout(uint32_t type_id) {
  auto e = entry_for(type_id);
  if (!e) return std::nullopt;
  return e->layout;
}

void decode_affine_codes(uint32_t type_id, const uint8_t* src, uint64_t n_elements, int8_t* codes, float* scales,
                         float* offsets, const std::string& tensor_name) {
  auto e = entry_for(type_id);
  auto info = ggml_type_info(type_id);
  auto who = [&] { return tensor_name.empty() ? std::string("codes: ") : "codes: tensor '" + tensor_name + "': "; };
  if (!e || !info) throw FormatError(who() + "type " + ggml_type_name(type_id) + " has no affine integer codes");
  if (n_elements % info->block_size != 0)
    throw FormatError(who() + std::to_string(n_elements) + " elements is not a multiple of the " + info->name +
                      " block size " + std::to_string(info->block_size));
  const uint64_t nb = n_elements / info->block_size;
  const int subs = int(info->block_size) / e->layout.sub_block;
  float scratch[16];  // offsets of one block when the caller wants none
  for (uint64_t i = 0; i < nb; ++i) {
    float* o = e->layout.has_offset ? (offsets ? offsets + i * subs : scratch) : nullptr;
    e->decode(src + i * info->type_size, codes + i * info->block_size, scales + i * subs, o);
  }
}

}  // namespace polysafe::formats
