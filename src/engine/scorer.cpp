#include "engine/scorer.h"

#include <algorithm>
#include <cmath>

#include "engine/engine_error.h"
#include "engine/model_impl.h"

namespace polysafe::engine {

namespace {

// A token sequence whose tokens [first, size) are scored, each from the logits
// of the position before it.
struct Window {
  std::vector<int32_t> tokens;
  size_t first = 1;
};
struct WindowScore {
  std::vector<float> logprobs;
  bool greedy = true;
};

std::vector<WindowScore> score_windows(const Model& model, const std::vector<Window>& windows, int max_batch) {
  auto& impl = model.impl();
  const Transformer& net = *impl.net;
  const ModelConfig& c = net.config();
  ThreadScope threads(impl.threads);
  at::NoGradGuard no_grad;
  std::vector<WindowScore> out(windows.size());
  for (size_t g0 = 0; g0 < windows.size(); g0 += size_t(max_batch)) {
    size_t g1 = std::min(windows.size(), g0 + size_t(max_batch));
    std::vector<std::vector<int32_t>> seqs;
    for (size_t i = g0; i < g1; ++i) {
      if (int64_t(windows[i].tokens.size()) > c.context_length)
        throw UsageError("text of " + std::to_string(windows[i].tokens.size()) +
                         " tokens exceeds the context window of " + std::to_string(c.context_length));
      seqs.push_back(windows[i].tokens);
    }
    PackedBatch p = pack(seqs, Padding::Left, c.vocab, 0);
    KvCache cache = net.new_cache(int64_t(seqs.size()), p.max_len);
    auto step = net.step(p.tokens, p.valid, cache, false);
    for (size_t b = 0; b < seqs.size(); ++b) {
      const Window& w = windows[g0 + b];
      int64_t n = int64_t(w.tokens.size() - w.first);
      if (n <= 0) continue;
      // logits at positions first-1 .. size-2 predict tokens first .. size-1
      at::Tensor h = step.final_hidden[int64_t(b)].narrow(0, p.offset[b] + int64_t(w.first) - 1, n);
      // log p = logit - logsumexp: only the picked entries are needed, so no
      // [n, vocab] log-softmax copy (Gemma's vocabulary is 262k). torch's
      // max-shifted float logsumexp is good to ~1e-6 nats here.
      at::Tensor logits = net.logits(h).to(at::kFloat);
      std::vector<int64_t> target(w.tokens.begin() + int64_t(w.first), w.tokens.end());
      at::Tensor tgt = at::tensor(target, at::kLong).view({n, 1});
      at::Tensor picked = (logits.gather(1, tgt) - at::logsumexp(logits, -1, true)).view({n}).contiguous();
      at::Tensor argmax = logits.argmax(-1);
      auto& ws = out[g0 + b];
      ws.logprobs.assign(picked.data_ptr<float>(), picked.data_ptr<float>() + n);
      ws.greedy = at::equal(argmax, tgt.view({n}));
    }
  }
  return out;
}

}  // namespace

std::vector<ContinuationScore> Scorer::score_tokens(
    const std::vector<std::pair<std::vector<int32_t>, std::vector<int32_t>>>& pairs) const {
  std::vector<Window> windows;
  for (size_t i = 0; i < pairs.size(); ++i) {
    const auto& [ctx, cont] = pairs[i];
    if (ctx.empty()) throw UsageError("pair " + std::to_string(i) + ": context has no tokens");
    if (cont.empty()) throw UsageError("pair " + std::to_string(i) + ": continuation has no tokens");
    Window w;
    w.tokens = ctx;
    w.tokens.insert(w.tokens.end(), cont.begin(), cont.end());
    w.first = ctx.size();
    windows.push_back(std::move(w));
  }
  auto scores = score_windows(model_, windows, max_batch_);
  std::vector<ContinuationScore> out(pairs.size());
  for (size_t i = 0; i < pairs.size(); ++i) {
    out[i].context_tokens = pairs[i].first.size();
    out[i].tokens = pairs[i].second;
    out[i].logprobs = scores[i].logprobs;
    out[i].greedy = scores[i].greedy;
    for (float l : out[i].logprobs) out[i].sum += l;
  }
  return out;
}

std::vector<ContinuationScore> Scorer::score(const std::vector<std::pair<std::string, std::string>>& pairs) const {
  const auto& tok = model_.tokenizer();
  std::vector<std::pair<std::vector<int32_t>, std::vector<int32_t>>> ids;
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (pairs[i].second.empty()) throw UsageError("pair " + std::to_string(i) + ": continuation is empty");
    auto ctx = tok.encode(pairs[i].first, /*add_special=*/true);
    if (ctx.empty())
      throw UsageError("pair " + std::to_string(i) + ": context is empty and the model adds no BOS token");
    ids.emplace_back(std::move(ctx), tok.encode(pairs[i].second, /*add_special=*/false));
  }
  return score_tokens(ids);
}

ContinuationScore Scorer::score(const std::string& context, const std::string& continuation) const {
  return score(std::vector<std::pair<std::string, std::string>>{{context, continuation}}).front();
}

PerplexityResult Scorer::perplexity(const std::string& text, int64_t window, int64_t stride) const {
  const ModelConfig& c = model_.config();
  PerplexityResult r;
  r.window = window > 0 ? window : std::min<int64_t>(c.context_length, 512);
  if (r.window < 2) throw UsageError("perplexity window must be at least 2 tokens, got " + std::to_string(r.window));
  if (r.window > c.context_length)
    throw UsageError("perplexity window " + std::to_string(r.window) + " exceeds the context window " +
                     std::to_string(c.context_length));
  r.stride = stride > 0 ? std::min(stride, r.window - 1) : std::max<int64_t>(1, r.window / 2);
  if (text.empty()) throw UsageError("perplexity: text is empty");
  auto ids = model_.tokenizer().encode(text, /*add_special=*/true);
  if (ids.size() < 2) throw UsageError("perplexity: text has fewer than 2 tokens");

  std::vector<Window> windows;
  const int64_t N = int64_t(ids.size());
  for (int64_t scored = 1; scored < N;) {
    int64_t end = scored == 1 ? std::min(N, r.window) : std::min(N, scored + r.stride);
    int64_t start = std::max<int64_t>(0, end - r.window);
    Window w;
    w.tokens.assign(ids.begin() + start, ids.begin() + end);
    w.first = size_t(scored - start);
    windows.push_back(std::move(w));
    scored = end;
  }
  for (const auto& s : score_windows(model_, windows, max_batch_)) {
    for (float l : s.logprobs) r.nll -= l;
    r.n_tokens += s.logprobs.size();
  }
  r.perplexity = std::exp(r.nll / double(r.n_tokens));
  return r;
}

std::vector<float> Scorer::embed(const std::string& text, HiddenPoint point) const {
  return embed(std::vector<std::string>{text}, point).front();
}

std::vector<std::vector<float>> Scorer::embed(const std::vector<std::string>& texts, HiddenPoint point) const {
  const int64_t H = model_.config().hidden;
  std::vector<std::vector<int32_t>> ids(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    if (texts[i].empty()) throw UsageError("embed: text " + std::to_string(i + 1) + " is empty");
    ids[i] = model_.tokenizer().encode(texts[i], /*add_special=*/true);
  }
  // Batches of similar length waste little on padding; rows go back in input order.
  std::vector<size_t> order(texts.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ids[a].size() < ids[b].size(); });
  std::vector<std::vector<float>> rows(texts.size());
  ForwardOptions fo;
  fo.hidden = true;
  fo.logits = false;
  const size_t step = size_t(std::max(1, max_batch_));
  for (size_t b = 0; b < order.size(); b += step) {
    const size_t e = std::min(order.size(), b + step);
    std::vector<std::vector<int32_t>> seqs;
    for (size_t k = b; k < e; ++k) seqs.push_back(ids[order[k]]);
    auto outs = model_.forward(seqs, fo);
    for (size_t k = b; k < e; ++k) {
      const auto& out = outs[k - b];
      const auto& h = point == HiddenPoint::FinalNorm ? out.final_hidden : out.ffn_input;
      std::vector<float> mean(size_t(H), 0.0f);
      for (int64_t t = 0; t < out.n_positions; ++t)
        for (int64_t j = 0; j < H; ++j) mean[size_t(j)] += h[size_t(t * H + j)];
      for (auto& v : mean) v /= float(out.n_positions);
      rows[order[k]] = std::move(mean);
    }
  }
  return rows;
}

}  // namespace polysafe::engine
