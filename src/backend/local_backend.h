// The local engine as a backend: requests with the same generation parameters
// are decoded together in batches (prompts of different lengths, n samples
// sharing the prefill), each request sampled from its own seed so a resumed
// run draws the same answers whatever its batches hold. Owns its model.
#pragma once

#include <memory>
#include <string>

#include "backend/backend.h"
#include "engine/generator.h"

namespace polysafe::backend {

struct LocalOptions {
  int threads = 0;            // 0: all cores
  std::string dtype = "f32";  // or "bf16"
  bool dequantize = false;    // expand quantised weights to dense f32 at load
  int max_batch = 32;         // sequences decoded together (SmolLM2 on 2 cores: 141 tok/s at 32, 41 at 8)
};

class LocalBackend : public Backend {
 public:
  // name_or_path: a short model name, a .gguf file or a checkpoint directory.
  LocalBackend(const std::string& name_or_path, const LocalOptions& opts);
  ~LocalBackend() override;

  std::string spec() const override;         // "local:NAME_OR_PATH"
  std::string fingerprint() const override;  // spec + weights file size/mtime + dtype
  void generate(const std::vector<Request>& requests, const ResponseCallback& on_done,
                const std::function<bool()>& should_stop = {}) override;
  std::vector<std::vector<float>> embed(const std::vector<std::string>& texts, const std::string& point) override;

  const engine::Model& model() const { return *model_; }

  // Decodes through a logits hook from now on (e.g. Goodtriever). `tag` says
  // what the hook does and joins the fingerprint, so answers of plain decoding
  // (or of another hook) are never taken from the cache for these.
  void set_logits_hook(engine::LogitsHook hook, const std::string& tag);

 private:
  std::string name_, fingerprint_;
  LocalOptions opts_;
  std::unique_ptr<engine::Model> model_;
  engine::LogitsHook hook_;
};

}  // namespace polysafe::backend
