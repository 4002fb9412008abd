#include "detox/teacher_forcing.h"

#include <string>

#include "detox/detox_error.h"
#include "engine/model.h"

namespace polysafe::detox {

std::vector<Window> plan_windows(int64_t n_tokens, int64_t block, int64_t stride) {
  if (block < 2) throw DetoxError("datastore: block " + std::to_string(block) + ": must be at least 2 tokens");
  if (stride <= 0 || stride >= block)
    throw DetoxError("datastore: stride " + std::to_string(stride) + ": must be in 1.." +
                     std::to_string(block - 1) + " (below the block size " + std::to_string(block) + ")");
  if (n_tokens < 2) throw DetoxError("datastore: a sequence of " + std::to_string(n_tokens) +
                                     " token(s) has no next-token pair");
  std::vector<Window> out;
  int64_t covered = 0;  // positions below this are stored already
  for (int64_t s = 0;; s += stride) {
    const int64_t e = std::min(s + block, n_tokens);
    // The window's last position has no successor inside it; the next window
    // (which starts at most block - 1 later) stores it with more context.
    if (e - 1 > covered) out.push_back({s, e, covered});
    covered = e - 1;
    if (e == n_tokens) break;
  }
  return out;
}

TokenPairs teacher_force(const engine::Model& model, const std::vector<std::vector<int32_t>>& seqs,
                         int64_t block, int64_t stride, int batch) {
  if (batch < 1) batch = 1;
  struct Job { size_t seq; Window w; };
  std::vector<Job> jobs;
  for (size_t i = 0; i < seqs.size(); ++i)
    for (const Window& w : plan_windows(int64_t(seqs[i].size()), block, stride)) jobs.push_back({i, w});

  TokenPairs out;
  out.dim = model.config().hidden;
  engine::ForwardOptions fo;
  fo.hidden = true;
  fo.logits = false;  // keys only: skip the LM head
  for (size_t b = 0; b < jobs.size(); b += size_t(batch)) {
    const size_t e = std::min(jobs.size(), b + size_t(batch));
    std::vector<std::vector<int32_t>> inputs;
    for (size_t j = b; j < e; ++j) {
      const auto& t = seqs[jobs[j].seq];
      inputs.emplace_back(t.begin() + jobs[j].w.start, t.begin() + jobs[j].w.end);
    }
    const auto res = model.forward(inputs, fo);
    for (size_t j = b; j < e; ++j) {
      const Window& w = jobs[j].w;
      const auto& r = res[j - b];
      const int64_t len = w.end - w.start;
      if (r.n_positions != len || int64_t(r.ffn_input.size()) != len * out.dim)
        throw DetoxError("datastore: engine returned " + std::to_string(r.n_positions) +
                         " hidden states for a window of " + std::to_string(len) + " tokens");
      const auto& t = seqs[jobs[j].seq];
      for (int64_t p = w.first_stored; p < w.end - 1; ++p) {
        const float* row = r.ffn_input.data() + (p - w.start) * out.dim;
        out.keys.insert(out.keys.end(), row, row + out.dim);
        out.values.push_back(t[size_t(p + 1)]);
        out.sequence.push_back(int64_t(jobs[j].seq));
      }
    }
  }
  return out;
}

}  // namespace polysafe::detox
