// A weight matrix kept in the integer codes of its GGUF block type (int8, with
// an f32 scale and offset per sub-block: formats/block_codes.h) and multiplied
// without materialising the f32 matrix. A matrix product at batch 1 reads every
// weight once, so reading ~1.1 bytes per weight instead of 4 is what bounds
// decoding speed. Each row is expanded to f32 exactly as the dequantiser would
// (one product, one sum), then dotted with the inputs: at 1-2 input rows
// expanded in registers, at 3-7 through an L2 buffer (AVX2 tiles, one fixed
// summation order), from 8 rows on by a register-blocked GEMM over expanded
// rows, where the product is compute-bound. docs/engine.md has the table.
// Internal to engine/ (torch types).
#pragma once

#include <cstdint>
#include <vector>

#include <ATen/ATen.h>

namespace polysafe::formats { struct GgufTensorInfo; }

namespace polysafe::engine {

class QuantizedMatrix {
 public:
  // A 2-D GGUF tensor of a type with affine codes (formats::affine_codes_layout).
  static QuantizedMatrix from_gguf(const formats::GgufTensorInfo& t);
  // Rows of several matrices with the same number of columns, stacked in order
  // (fused Q/K/V or gate/up); sub-blocks are brought to the smallest size.
  static QuantizedMatrix stack_rows(const std::vector<QuantizedMatrix>& parts);

  int64_t rows() const { return rows_; }
  int64_t cols() const { return cols_; }
  uint64_t bytes() const;

  // x [..., cols] f32 -> x · Wᵀ [..., rows] f32, on at::get_num_threads() threads.
  // `reuse`, if given, holds a buffer from an earlier call that the result may
  // overwrite (the LM head's [batch, vocab] logits every decoding step: fresh
  // pages of that size cost a page fault per 4 KiB).
  at::Tensor matmul(const at::Tensor& x, at::Tensor* reuse = nullptr) const;
  // Rows `ids` (int64, any shape) expanded to f32: [ids..., cols] (an embedding lookup).
  at::Tensor gather_rows(const at::Tensor& ids) const;
  // The f32 matrix [rows, cols], bit-identical to formats::dequantize_tensor.
  at::Tensor dequantize() const;

 private:
  int64_t rows_ = 0, cols_ = 0;
  int sub_ = 32;         // elements per scale / offset
  at::Tensor codes_;     // int8 [rows, cols]
  at::Tensor scales_;    // f32 [rows, cols / sub]
  at::Tensor offsets_;   // f32 [rows, cols / sub], undefined for symmetric types
};

// A linear layer's weight: dense (f32 / bf16) or quantized codes.
struct LinearWeight {
  at::Tensor dense;
  std::shared_ptr<const QuantizedMatrix> codes;
  bool defined() const { return dense.defined() || codes != nullptr; }
  at::Tensor to_f32() const { return codes ? codes->dequantize() : dense.to(at::kFloat); }
};

}  // namespace polysafe::engine
