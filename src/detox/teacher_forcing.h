// Teacher-forcing token sequences through the local engine to collect
// (hidden state, next token) pairs: the keys and values of a kNN datastore.
// Long sequences run in windows of `block` tokens advanced by `stride`; each
// position is stored exactly once, from the first window whose context holds it
// with its successor. Never samples, never keeps a KV cache between windows.
#pragma once

#include <cstdint>
#include <vector>

namespace polysafe::engine { class Model; }

namespace polysafe::detox {

// One forward window over tokens [start, end) of a sequence; it stores the
// pairs of positions [first_stored, end - 1) (position p predicts token p + 1).
struct Window {
  int64_t start = 0;
  int64_t end = 0;
  int64_t first_stored = 0;
};

// Windows covering every position 0 .. n_tokens - 2 once. Needs n_tokens >= 2
// and 0 < stride < block (a stride of `block` would drop the pair at each
// window's last position). Throws DetoxError otherwise.
std::vector<Window> plan_windows(int64_t n_tokens, int64_t block, int64_t stride);

struct TokenPairs {
  int64_t dim = 0;
  std::vector<float> keys;        // [n, dim]: ffn_input of the last block
  std::vector<int32_t> values;    // [n]: the next token id
  std::vector<int64_t> sequence;  // [n]: index of the sequence each pair came from
  int64_t size() const { return int64_t(values.size()); }
};

// Runs every window of every sequence (each with >= 2 tokens), `batch` windows
// per forward call, and returns the pairs in sequence order, positions ascending.
TokenPairs teacher_force(const engine::Model& model, const std::vector<std::vector<int32_t>>& seqs,
                         int64_t block, int64_t stride, int batch = 8);

}  // namespace polysafe::detox
