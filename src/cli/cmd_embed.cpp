// `polysafe embed MODEL --file F.jsonl [--field text] --out F.f32 [--point final-norm|ffn-input]`:
// one mean-pooled hidden state per text (engine::Scorer::embed), written as
// little-endian float32 rows, with a JSON sidecar (OUT.json) naming the rows,
// width, model and point: features for classifiers trained outside the engine
// (scripts/judges/train_hidden_head.py).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/engine_options.h"
#include "engine/scorer.h"
#include "util/error.h"
#include "util/jsonl.h"
#include "util/utf8.h"

namespace polysafe::cli {

std::function<int()> setup_embed(CLI::App& app) {
  auto* cmd = app.add_subcommand("embed", "Mean-pooled hidden states of texts (features for classifiers)");
  struct Opts {
    std::string model, file, field = "text", out, point = "final-norm";
    EngineOptions eng;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("model", o->model, "Model: short name, GGUF file or checkpoint directory")->required();
  cmd->add_option("--file", o->file, "JSON Lines: one object per text")->required();
  cmd->add_option("--field", o->field, "Field holding the text")->capture_default_str();
  cmd->add_option("--out", o->out, "Output: float32 rows (and OUT.json)")->required();
  cmd->add_option("--point", o->point, "final-norm (after the last norm) or ffn-input (entering the last block's FFN)")
      ->capture_default_str()
      ->check(CLI::IsMember({"final-norm", "ffn-input"}));
  add_engine_options(cmd, o->eng);
  return [o]() {
    std::vector<std::string> texts;
    jsonl::for_each_record<FormatError>(o->file, true, [&](const nlohmann::json& j, const std::string& where, size_t) {
      auto it = j.find(o->field);
      if (it == j.end() || !it->is_string()) throw FormatError(where + ": field '" + o->field + "': expected string");
      texts.push_back(it->get<std::string>());
    });
    auto model = load_engine_model(o->model, o->eng);
    engine::Scorer scorer(*model);
    const auto point = o->point == "ffn-input" ? engine::HiddenPoint::FfnInput : engine::HiddenPoint::FinalNorm;
    std::ofstream out(o->out, std::ios::binary);
    if (!out) throw UsageError("--out: cannot write '" + o->out + "'");
    size_t dim = 0;
    const auto t0 = std::chrono::steady_clock::now();
    // Chunks bound the memory of a long file; each chunk is batched by length.
    constexpr size_t kChunk = 256;
    for (size_t c0 = 0; c0 < texts.size(); c0 += kChunk) {
      std::vector<std::string> chunk;
      for (size_t i = c0; i < std::min(texts.size(), c0 + kChunk); ++i) {
        std::string text = utf8::replace_invalid(texts[i]);  // U+FFFD for bad bytes
        chunk.push_back(text.empty() ? " " : std::move(text));
      }
      for (const auto& v : scorer.embed(chunk, point)) {
        if (dim == 0) dim = v.size();
        if (v.size() != dim) throw FormatError("embed: width changed between texts");
        out.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(float)));
      }
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    nlohmann::json meta = {{"rows", texts.size()}, {"dim", dim}, {"model", o->model}, {"point", o->point},
                           {"dtype", "float32"}, {"seconds", s}};
    std::ofstream(o->out + ".json") << meta.dump(2) << "\n";
    std::cerr << "embed: " << texts.size() << " texts, width " << dim << ", " << s << " s ("
              << (s > 0 ? texts.size() / s : 0) << " texts/s)\n";
    return kExitOk;
  };
}

}  // namespace polysafe::cli
