#include "engine/model.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <ATen/Parallel.h>
#include <nlohmann/json.hpp>

#include "engine/engine_error.h"
#include "engine/model_impl.h"
#include "engine/weights.h"
#include "formats/hf_config.h"
#include "formats/safetensors_checkpoint.h"
#include "hub/model_registry.h"
#include "util/strings.h"

namespace polysafe::engine {

ThreadScope::ThreadScope(int n) {
  if (at::get_num_threads() != n) at::set_num_threads(n);
}

PackedBatch pack(const std::vector<std::vector<int32_t>>& seqs, Padding padding, int64_t vocab, int32_t pad_id) {
  PackedBatch p;
  const int64_t B = int64_t(seqs.size());
  for (size_t i = 0; i < seqs.size(); ++i) {
    if (seqs[i].empty()) throw EngineError("sequence " + std::to_string(i) + " is empty");
    p.max_len = std::max<int64_t>(p.max_len, int64_t(seqs[i].size()));
    for (int32_t id : seqs[i])
      if (id < 0 || id >= vocab)
        throw EngineError("sequence " + std::to_string(i) + ": token id " + std::to_string(id) +
                          " is outside the vocabulary (0.." + std::to_string(vocab - 1) + ")");
  }
  p.tokens = at::full({B, p.max_len}, int64_t(pad_id), at::kLong);
  p.valid = at::zeros({B, p.max_len}, at::kBool);
  auto tok = p.tokens.accessor<int64_t, 2>();
  auto val = p.valid.accessor<bool, 2>();
  for (int64_t b = 0; b < B; ++b) {
    int64_t n = int64_t(seqs[b].size());
    int64_t off = padding == Padding::Left ? p.max_len - n : 0;
    p.offset.push_back(off);
    p.length.push_back(n);
    for (int64_t i = 0; i < n; ++i) {
      tok[b][off + i] = seqs[b][i];
      val[b][off + i] = true;
    }
  }
  return p;
}

namespace {

std::vector<float> to_vector(const at::Tensor& t) {
  at::Tensor c = t.to(at::kFloat).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

std::string read_chat_template_json(const std::filesystem::path& dir) {
  auto p = dir / "tokenizer_config.json";
  std::ifstream in(p);
  if (!in) return "";
  try {
    auto j = nlohmann::json::parse(in);
    if (j.contains("chat_template") && j["chat_template"].is_string()) return j["chat_template"].get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    throw EngineError(p.string() + ": " + e.what());
  }
  return "";
}

}  // namespace

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;

std::unique_ptr<Model> Model::load(const std::string& spec, const LoadOptions& opts) {
  if (opts.threads < 0) throw UsageError("--threads: expected a positive number, got " + std::to_string(opts.threads));
  auto impl = std::make_unique<Impl>();
  impl->path = hub::resolve_model(spec);
  impl->dtype = opts.dtype;
  impl->threads = opts.threads > 0 ? opts.threads : std::max(1u, std::thread::hardware_concurrency());
  ThreadScope threads(impl->threads);

  std::error_code ec;
  ModelConfig cfg;
  Weights w;
  if (std::filesystem::is_directory(impl->path, ec)) {
    std::filesystem::path dir(impl->path);
    auto hf = formats::load_hf_config((dir / "config.json").string());
    cfg = config_from_hf(hf);
    if (opts.check_memory) check_memory(estimate_weight_memory(cfg, opts.dtype).total(), impl->path);
    formats::SafetensorsCheckpoint ck(impl->path);
    impl->tok = tokenizer::Tokenizer::from_tokenizer_json((dir / "tokenizer.json").string());
    impl->chat_template = read_chat_template_json(dir);
    w = load_safetensors_weights(ck, cfg, opts.dtype);
  } else {
    impl->gguf = std::make_unique<formats::GgufFile>(impl->path);
    cfg = config_from_gguf(*impl->gguf);
    if (opts.check_memory) check_memory(estimate_weight_memory(cfg, opts.dtype).total(), impl->path);
    impl->tok = tokenizer::Tokenizer::from_gguf(*impl->gguf);
    impl->chat_template = impl->gguf->opt_string("tokenizer.chat_template").value_or("");
    w = load_gguf_weights(*impl->gguf, cfg, opts.dtype, unsigned(impl->threads), opts.keep_quantized);
  }
  if (int64_t(impl->tok->vocab_size()) > cfg.vocab)
    throw EngineError(impl->path + ": tokenizer has " + std::to_string(impl->tok->vocab_size()) +
                      " tokens, the embedding matrix only " + std::to_string(cfg.vocab));
  for (int32_t id : {impl->tok->eos_id(), impl->tok->eot_id()})
    if (id >= 0 && std::find(impl->stop_tokens.begin(), impl->stop_tokens.end(), id) == impl->stop_tokens.end())
      impl->stop_tokens.push_back(id);
  impl->net = std::make_unique<Transformer>(std::move(cfg), std::move(w));
  impl->net->set_ggml_gelu_table(opts.ggml_gelu_table);
  return std::unique_ptr<Model>(new Model(std::move(impl)));
}

const ModelConfig& Model::config() const { return impl_->net->config(); }
const tokenizer::Tokenizer& Model::tokenizer() const { return *impl_->tok; }
const std::string& Model::path() const { return impl_->path; }
DType Model::dtype() const { return impl_->dtype; }
int Model::threads() const { return impl_->threads; }
const std::string& Model::chat_template() const { return impl_->chat_template; }
const std::vector<int32_t>& Model::stop_tokens() const { return impl_->stop_tokens; }

std::vector<float> Model::output_matrix() const { return to_vector(impl_->net->weights().output.to_f32()); }

std::vector<SequenceOutput> Model::forward(const std::vector<std::vector<int32_t>>& seqs,
                                           const ForwardOptions& opts) const {
  if (seqs.empty()) return {};
  ThreadScope threads(impl_->threads);
  at::NoGradGuard no_grad;
  const auto& net = *impl_->net;
  const auto& c = net.config();
  PackedBatch p = pack(seqs, opts.padding, c.vocab, 0);
  if (p.max_len > c.context_length)
    throw EngineError("sequence of " + std::to_string(p.max_len) + " tokens exceeds the context window of " +
                      std::to_string(c.context_length));
  KvCache cache = net.new_cache(int64_t(seqs.size()), p.max_len);
  auto step = net.step(p.tokens, p.valid, cache, opts.hidden);

  std::vector<SequenceOutput> out(seqs.size());
  for (size_t b = 0; b < seqs.size(); ++b) {
    int64_t first = opts.last_only ? p.offset[b] + p.length[b] - 1 : p.offset[b];
    int64_t n = opts.last_only ? 1 : p.length[b];
    at::Tensor h = step.final_hidden[int64_t(b)].narrow(0, first, n);
    out[b].n_positions = n;
    if (opts.logits) out[b].logits = to_vector(net.logits(h));
    if (opts.hidden) {
      out[b].final_hidden = to_vector(h);
      out[b].ffn_input = to_vector(step.ffn_input[int64_t(b)].narrow(0, first, n));
    }
  }
  return out;
}

}  // namespace polysafe::engine
