#include "engine/kv_cache.h"

#include <algorithm>

#include "engine/engine_error.h"

namespace polysafe::engine {

KvCache::KvCache(const ModelConfig& c, int64_t batch, int64_t capacity, at::ScalarType dtype)
    : batch_(batch), capacity_(std::max<int64_t>(capacity, 1)), dtype_(dtype) {
  for (int64_t l = 0; l < c.n_layer; ++l) {
    k_.push_back(at::empty({batch_, c.n_kv_head, capacity_, c.head_dim}, at::TensorOptions().dtype(dtype)));
    v_.push_back(at::empty({batch_, c.n_kv_head, capacity_, c.head_dim}, at::TensorOptions().dtype(dtype)));
  }
  pos_ = at::zeros({batch_, capacity_}, at::kLong);
  valid_ = at::zeros({batch_, capacity_}, at::kBool);
  next_pos_ = at::zeros({batch_}, at::kLong);
}

uint64_t KvCache::bytes_for(const ModelConfig& c, int64_t batch, int64_t capacity, at::ScalarType dtype) {
  return uint64_t(2) * c.n_layer * batch * c.n_kv_head * capacity * c.head_dim * at::elementSize(dtype);
}

void KvCache::reserve(int64_t capacity) {
  if (capacity <= capacity_) return;
  auto grow = [&](at::Tensor& t, int64_t dim) {
    auto sizes = t.sizes().vec();
    sizes[dim] = capacity;
    at::Tensor n = dim == 1 && t.dim() == 2 ? at::zeros(sizes, t.options()) : at::empty(sizes, t.options());
    n.narrow(dim, 0, length_ + pending_).copy_(t.narrow(dim, 0, length_ + pending_));
    t = n;
  };
  for (auto& t : k_) grow(t, 2);
  for (auto& t : v_) grow(t, 2);
  grow(pos_, 1);
  grow(valid_, 1);
  capacity_ = capacity;
}

at::Tensor KvCache::begin_step(const at::Tensor& valid) {
  if (valid.dim() != 2 || valid.size(0) != batch_)
    throw EngineError("kv cache: step for " + std::to_string(valid.size(0)) + " rows, cache holds " +
                      std::to_string(batch_));
  const int64_t n = valid.size(1);
  if (length_ + n > capacity_) reserve(std::max(length_ + n, capacity_ * 2));
  at::Tensor v = valid.to(at::kLong);
  // position of a valid token = row's next position + number of valid tokens before it in this step
  at::Tensor pos = next_pos_.unsqueeze(1) + at::cumsum(v, 1) - v;
  pos_.narrow(1, length_, n).copy_(pos);
  valid_.narrow(1, length_, n).copy_(valid);
  next_pos_ = next_pos_ + v.sum(1);
  pending_ = n;
  return pos;
}

std::pair<at::Tensor, at::Tensor> KvCache::write(int64_t layer, const at::Tensor& k, const at::Tensor& v) {
  at::Tensor& K = k_[layer];
  at::Tensor& V = v_[layer];
  K.narrow(2, length_, pending_).copy_(k);
  V.narrow(2, length_, pending_).copy_(v);
  return {K.narrow(2, 0, length_ + pending_), V.narrow(2, 0, length_ + pending_)};
}

void KvCache::end_step() {
  length_ += pending_;
  pending_ = 0;
}

void KvCache::select_rows(const at::Tensor& index) {
  // Slots beyond length_ are never read; copy only the used part.
  auto take = [&](at::Tensor& t, int64_t slot_dim) {
    auto sizes = t.sizes().vec();
    sizes[0] = index.size(0);
    at::Tensor n = slot_dim >= 0 ? at::empty(sizes, t.options()) : t.index_select(0, index);
    if (slot_dim >= 0) {
      if (slot_dim == 1) n.zero_();
      n.narrow(slot_dim, 0, length_).copy_(t.narrow(slot_dim, 0, length_).index_select(0, index));
    }
    t = n;
  };
  for (auto& t : k_) take(t, 2);
  for (auto& t : v_) take(t, 2);
  take(pos_, 1);
  take(valid_, 1);
  take(next_pos_, -1);
  batch_ = index.size(0);
}

}  // namespace polysafe::engine
