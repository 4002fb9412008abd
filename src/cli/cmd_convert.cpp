// `polysafe convert MODEL --type f32|f16|bf16|q8_0 --out FILE.gguf`: re-encode a
// GGUF model's tensors (metadata, names and shapes kept), and
// `polysafe convert [TOKENIZER_MODEL] --random-arch ARCH --seed S --out FILE.gguf`:
// write a small random-weight F32 model with that model's tokenizer (test fixtures).
#include <iostream>

#include "cli/command.h"
#include "formats/gguf_convert.h"
#include "formats/gguf_reader.h"
#include "formats/random_model.h"
#include "hub/model_registry.h"
#include "util/error.h"
#include "util/strings.h"

namespace polysafe::cli {

std::function<int()> setup_convert(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "convert", "Re-encode a GGUF model as f32/f16/bf16/q8_0, or write a random-weight test model");
  struct Opts {
    std::string model = kDefaultModel;
    std::string type;
    std::string out;
    std::string random_arch;
    uint64_t seed = 0;
    formats::RandomModelSpec spec;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("model", o->model,
                  "Model (short name or GGUF file); with --random-arch, the model whose tokenizer is copied")
      ->capture_default_str();
  cmd->add_option("--type", o->type, "Tensor type to write: f32, f16, bf16 or q8_0 (1-D tensors stay f32)");
  cmd->add_option("--out", o->out, "Output GGUF file")->required();
  cmd->add_option("--random-arch", o->random_arch, "Write a random-weight model instead: llama, qwen2 or command-r");
  cmd->add_option("--seed", o->spec.seed, "Random model: seed")->capture_default_str();
  cmd->add_option("--layers", o->spec.n_layer, "Random model: blocks")->capture_default_str();
  cmd->add_option("--embd", o->spec.n_embd, "Random model: embedding size")->capture_default_str();
  cmd->add_option("--heads", o->spec.n_head, "Random model: attention heads")->capture_default_str();
  cmd->add_option("--kv-heads", o->spec.n_head_kv, "Random model: key/value heads")->capture_default_str();
  cmd->add_option("--ffn", o->spec.n_ff, "Random model: feed-forward size")->capture_default_str();
  return [o]() {
    std::string path = hub::resolve_model(o->model);
    if (!o->random_arch.empty()) {
      if (!o->type.empty() && o->type != "f32")
        throw UsageError("convert: --random-arch writes f32 only; convert the result with --type afterwards");
      o->spec.arch = o->random_arch;
      formats::GgufFile tok(path);
      formats::write_random_model(o->spec, tok, o->out);
      std::cout << o->out << ": random " << o->spec.arch << " model, seed " << o->spec.seed << ", "
                << o->spec.n_layer << " layers, embedding " << o->spec.n_embd << ", tokenizer of " << path << "\n";
      return kExitOk;
    }
    if (o->type.empty()) throw UsageError("convert: --type is required (f32, f16, bf16 or q8_0)");
    auto type = formats::ggml_type_from_name(o->type);
    if (!type || (*type != formats::GgmlType::F32 && *type != formats::GgmlType::F16 &&
                  *type != formats::GgmlType::BF16 && *type != formats::GgmlType::Q8_0))
      throw UsageError("convert: --type '" + o->type + "': expected f32, f16, bf16 or q8_0");
    auto s = formats::convert_gguf(path, o->out, *type);
    std::cout << o->out << ": " << s.tensors << " tensors (" << s.converted << " re-encoded, " << s.copied
              << " copied, " << s.kept_f32 << " 1-D kept f32";
    if (s.fallback_f16) std::cout << ", " << s.fallback_f16 << " f16 (rows not a multiple of 32)";
    std::cout << "), tensor data " << human_bytes(s.bytes_in) << " -> " << human_bytes(s.bytes_out) << "\n";
    return kExitOk;
  };
}

}  // namespace polysafe::cli
