#include "engine/generator.h"

#include <algorithm>
#include <memory>

#include <ATen/Parallel.h>

#include "engine/engine_error.h"
#include "engine/model_impl.h"
#include "engine/stop_criteria.h"
#include "engine/weights.h"
#include "util/error.h"
#include "util/utf8.h"

namespace polysafe::engine {

void validate(const GenerateOptions& opts) {
  if (opts.n < 1) throw UsageError("--n: expected at least 1 sample per prompt, got " + std::to_string(opts.n));
  if (opts.max_new_tokens < 1) throw UsageError("--max-new: expected at least 1 token, got 0");
  if (opts.max_batch < 1) throw UsageError("max batch: expected at least 1, got " + std::to_string(opts.max_batch));
  opts.sampling.validate();
  // prompt_seeds is checked against the prompt count where the prompts are known.
  for (size_t i = 0; i < opts.stop_strings.size(); ++i)
    if (opts.stop_strings[i].empty()) throw UsageError("--stop: stop string " + std::to_string(i) + " is empty");
}

std::vector<int32_t> Generator::encode_prompt(const std::string& text) const {
  if (text.empty()) throw UsageError("prompt is empty");
  // The tokenizer rejects invalid UTF-8 with the byte offset (TokenizerError).
  return model_.tokenizer().encode(text, /*add_special=*/true, /*parse_special=*/false);
}

std::vector<int32_t> Generator::encode_chat(const std::vector<chat_template::ChatMessage>& conv) const {
  if (conv.empty()) throw UsageError("conversation is empty");
  for (const auto& m : conv)
    if (m.content.empty()) throw UsageError("prompt is empty (" + m.role + " message)");
  const auto& tok = model_.tokenizer();
  std::string bos = tok.bos_id() >= 0 ? tok.token_text(tok.bos_id()) : "";
  std::string eos = tok.eos_id() >= 0 ? tok.token_text(tok.eos_id()) : "";
  auto chat = chat_template::format_chat(model_.chat_template(), conv, /*add_generation_prompt=*/true, bos, eos);
  // A template that writes the BOS text itself must not get a second BOS.
  bool has_bos = !bos.empty() && chat.text.rfind(bos, 0) == 0;
  return tok.encode(chat.text, /*add_special=*/!has_bos, /*parse_special=*/true);
}

std::vector<Generation> Generator::generate(const std::vector<std::string>& prompts, const GenerateOptions& opts,
                                            const LogitsHook& hook) const {
  validate(opts);
  std::vector<std::vector<int32_t>> ids;
  for (size_t i = 0; i < prompts.size(); ++i) {
    try {
      if (opts.chat) ids.push_back(encode_chat({{"user", prompts[i]}}));
      else ids.push_back(encode_prompt(prompts[i]));
    } catch (const UsageError& e) {
      throw UsageError("prompt " + std::to_string(i) + ": " + e.what());
    } catch (const Error& e) {
      throw UsageError("prompt " + std::to_string(i) + ": " + e.what());
    }
  }
  return generate_tokens(ids, opts, hook);
}

std::vector<Generation> Generator::generate_chat(const std::vector<std::vector<chat_template::ChatMessage>>& convs,
                                                 const GenerateOptions& opts, const LogitsHook& hook) const {
  validate(opts);
  std::vector<std::vector<int32_t>> ids;
  for (const auto& c : convs) ids.push_back(encode_chat(c));
  return generate_tokens(ids, opts, hook);
}

namespace {

at::Tensor row_major_f32(const at::Tensor& t) { return t.to(at::kFloat).contiguous(); }

}  // namespace

std::vector<Generation> Generator::generate_tokens(const std::vector<std::vector<int32_t>>& prompts,
                                                   const GenerateOptions& opts, const LogitsHook& hook) const {
  validate(opts);
  auto& impl = model_.impl();
  const Transformer& net = *impl.net;
  const ModelConfig& c = net.config();
  const auto& tok = *impl.tok;
  if (!opts.prompt_seeds.empty() && opts.prompt_seeds.size() != prompts.size())
    throw UsageError("prompt seeds: " + std::to_string(opts.prompt_seeds.size()) + " seeds for " +
                     std::to_string(prompts.size()) + " prompts");
  for (size_t i = 0; i < prompts.size(); ++i) {
    if (prompts[i].empty()) throw UsageError("prompt " + std::to_string(i) + " is empty");
    if (int64_t(prompts[i].size()) >= c.context_length)
      throw UsageError("prompt " + std::to_string(i) + " has " + std::to_string(prompts[i].size()) +
                       " tokens; the context window is " + std::to_string(c.context_length) +
                       " (room is needed for at least one new token)");
  }
  ThreadScope threads(impl.threads);
  at::NoGradGuard no_grad;

  const int n = opts.n;
  const bool want_hidden = bool(hook) && opts.hidden_for_hook;
  std::vector<Generation> results(prompts.size() * size_t(n));
  const size_t prompts_per_group = std::max<size_t>(1, size_t(opts.max_batch) / size_t(n));

  for (size_t g0 = 0; g0 < prompts.size(); g0 += prompts_per_group) {
    const size_t g1 = std::min(prompts.size(), g0 + prompts_per_group);
    std::vector<std::vector<int32_t>> group(prompts.begin() + g0, prompts.begin() + g1);
    const int64_t P = int64_t(group.size()), B = P * n;
    PackedBatch pb = pack(group, Padding::Left, c.vocab, 0);
    size_t budget = 0;
    for (const auto& p : group)
      budget = std::max(budget, std::min(opts.max_new_tokens, size_t(c.context_length) - p.size()));
    const int64_t capacity = pb.max_len + int64_t(budget);
    check_memory(KvCache::bytes_for(c, B, capacity, net.compute_type()) + uint64_t(B) * c.vocab * 4 * 2,
                 "KV cache for " + std::to_string(B) + " sequences of up to " + std::to_string(capacity) + " tokens");

    // Prefill the distinct prompts once; every sample of a prompt starts from its rows.
    KvCache cache = net.new_cache(P, capacity);
    auto pre = net.step(pb.tokens, pb.valid, cache, want_hidden);
    at::Tensor last_final = pre.final_hidden.select(1, pb.max_len - 1);  // left padding: last slot is last token
    at::Tensor last_ffn = want_hidden ? pre.ffn_input.select(1, pb.max_len - 1) : at::Tensor();
    at::Tensor logits_buf;  // reused every step (see QuantizedMatrix::matmul)
    at::Tensor logits = net.logits(last_final, &logits_buf);
    if (n > 1) {
      at::Tensor rep = at::arange(P, at::kLong).repeat_interleave(n);
      cache.select_rows(rep);
      logits = logits.index_select(0, rep);
      last_final = last_final.index_select(0, rep);
      if (want_hidden) last_ffn = last_ffn.index_select(0, rep);
    }

    struct Seq {
      int64_t id;
      std::unique_ptr<SequenceSampler> sampler;
      std::unique_ptr<StopCriteria> stop;
      Generation* out;
    };
    std::vector<Seq> active;
    for (int64_t p = 0; p < P; ++p) {
      size_t prompt_index = g0 + size_t(p);
      size_t max_new = std::min(opts.max_new_tokens, size_t(c.context_length) - group[p].size());
      for (int j = 0; j < n; ++j) {
        int64_t id = int64_t(prompt_index) * n + j;
        Seq s;
        s.id = id;
        if (opts.prompt_seeds.empty()) {
          s.sampler = std::make_unique<SequenceSampler>(opts.sampling, uint64_t(id));
        } else {  // the prompt's own seed: results independent of which prompts share the call
          SamplingParams sp = opts.sampling;
          sp.seed = opts.prompt_seeds[prompt_index];
          s.sampler = std::make_unique<SequenceSampler>(sp, uint64_t(j));
        }
        s.sampler->accept(group[p]);
        StopConfig sc = StopConfig::for_model(tok, max_new);
        sc.stop_strings = opts.stop_strings;
        if (opts.ignore_eos) sc.eos_ids.clear();
        s.stop = std::make_unique<StopCriteria>(tok, sc);
        s.out = &results[size_t(id)];
        s.out->prompt_index = prompt_index;
        s.out->sample_index = size_t(j);
        s.out->prompt_tokens = group[p].size();
        active.push_back(std::move(s));
      }
    }

    for (int step = 0; !active.empty(); ++step) {
      at::Tensor lg = row_major_f32(logits);
      const int64_t rows = lg.size(0);
      if (hook) {
        std::vector<int64_t> ids;
        for (const auto& s : active) ids.push_back(s.id);
        at::Tensor fh = want_hidden ? row_major_f32(last_final) : at::Tensor();
        at::Tensor fi = want_hidden ? row_major_f32(last_ffn) : at::Tensor();
        HookStep hs;
        hs.step = step;
        hs.rows = rows;
        hs.vocab = c.vocab;
        hs.hidden_size = c.hidden;
        hs.logits = lg.data_ptr<float>();
        hs.final_hidden = want_hidden ? fh.data_ptr<float>() : nullptr;
        hs.ffn_input = want_hidden ? fi.data_ptr<float>() : nullptr;
        hs.seq_ids = &ids;
        hook(hs);
      }
      // Every row's log Z in one vectorised pass, then the rows sampled in
      // parallel: each sequence's sampler owns its state, so the order in
      // which rows are sampled cannot change a token.
      const float* L = lg.data_ptr<float>();
      at::Tensor log_z = at::logsumexp(lg, -1).to(at::kDouble).contiguous();
      const double* Z = log_z.data_ptr<double>();
      std::vector<SampledToken> picked(static_cast<size_t>(rows));
      at::parallel_for(0, rows, 1, [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r)
          picked[size_t(r)] = active[size_t(r)].sampler->sample(L + r * c.vocab, size_t(c.vocab), Z[r]);
      });
      std::vector<int64_t> keep;
      std::vector<int64_t> next;
      for (int64_t r = 0; r < rows; ++r) {
        auto& s = active[size_t(r)];
        const SampledToken& t = picked[size_t(r)];
        s.out->tokens.push_back(t.token);
        s.out->logprobs.push_back(t.logprob);
        StopStep st = s.stop->push(t.token);
        if (st.stop) {
          s.out->text = s.stop->text();
          s.out->stop_reason = stop_reason_name(s.stop->reason());
          s.out->dropped_tail_bytes = s.stop->dropped_tail_bytes();
          s.out->invalid_utf8_sequences = s.stop->invalid_utf8_sequences();
        } else {
          keep.push_back(r);
          next.push_back(t.token);
        }
      }
      if (keep.empty()) break;
      if (int64_t(keep.size()) != rows) {
        at::Tensor idx = at::tensor(keep, at::kLong);
        cache.select_rows(idx);
        std::vector<Seq> still;
        for (int64_t r : keep) still.push_back(std::move(active[size_t(r)]));
        active = std::move(still);
      }
      at::Tensor tokens = at::tensor(next, at::kLong).view({int64_t(next.size()), 1});
      at::Tensor valid = at::ones({int64_t(next.size()), 1}, at::kBool);
      auto out = net.step(tokens, valid, cache, want_hidden);
      last_final = out.final_hidden.select(1, 0);
      if (want_hidden) last_ffn = out.ffn_input.select(1, 0);
      lg.reset();  // the buffer is free again: the next logits overwrite it
      logits.reset();
      logits = net.logits(last_final, &logits_buf);
    }
  }
  return results;
}

}  // namespace polysafe::engine
