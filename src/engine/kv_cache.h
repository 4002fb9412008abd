// Keys and values of every layer for a batch of sequences, laid out by slot:
// row b, slot t holds the token written at step t of that row, whether it is a
// real token (valid) or padding. Slots carry their RoPE position, so left- or
// right-padded prompts, and rows that joined the batch at different lengths,
// attend with the right positions and masks. Rows can be repeated, reordered or
// dropped (n samples sharing one prefill; finished sequences leaving the batch).
// Internal to engine/ (torch types); never grows without bound: capacity is explicit.
#pragma once

#include <cstdint>
#include <vector>

#include <ATen/ATen.h>

#include "engine/model_config.h"

namespace polysafe::engine {

class KvCache {
 public:
  // `capacity` slots per row; keys/values stored in `dtype` (the compute dtype).
  KvCache(const ModelConfig& c, int64_t batch, int64_t capacity, at::ScalarType dtype);

  int64_t batch() const { return batch_; }
  int64_t length() const { return length_; }      // slots written so far (same for every row)
  int64_t capacity() const { return capacity_; }
  int64_t n_layers() const { return int64_t(k_.size()); }
  at::ScalarType k_dtype() const { return dtype_; }
  // Bytes a cache of this shape takes (to check memory before allocating).
  static uint64_t bytes_for(const ModelConfig& c, int64_t batch, int64_t capacity, at::ScalarType dtype);

  // Reserves slots [length, length + n) for tokens whose validity is `valid`
  // [B, n] (bool) and returns their positions [B, n] (int64): each valid token
  // takes the row's next position; padding gets the row's current position
  // (it is masked out anyway). Grows the capacity if needed.
  at::Tensor begin_step(const at::Tensor& valid);
  // Writes layer `layer`'s new keys/values [B, kv_heads, n, head_dim] into the
  // slots reserved by begin_step; returns the views of all slots up to the end
  // of the step, [B, kv_heads, length + n, head_dim].
  std::pair<at::Tensor, at::Tensor> write(int64_t layer, const at::Tensor& k, const at::Tensor& v);
  // Commits the step: length += n.
  void end_step();

  // Slots' positions [B, length (+ pending)] and validity [B, ...].
  const at::Tensor& slot_positions() const { return pos_; }
  const at::Tensor& slot_valid() const { return valid_; }
  int64_t pending() const { return pending_; }
  // Next position of each row (= number of valid tokens so far).
  const at::Tensor& next_position() const { return next_pos_; }

  // Keeps rows `index` (int64 [B']) in that order; an index may repeat.
  void select_rows(const at::Tensor& index);
  void reserve(int64_t capacity);

 private:
  int64_t batch_, capacity_, length_ = 0, pending_ = 0;
  at::ScalarType dtype_;
  std::vector<at::Tensor> k_, v_;  // [B, kv_heads, capacity, head_dim]
  at::Tensor pos_, valid_;         // [B, capacity]
  at::Tensor next_pos_;            // [B]
};

}  // namespace polysafe::engine
