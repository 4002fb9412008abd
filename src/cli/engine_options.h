// Options shared by the commands that run the local engine (generate, score,
// perplexity): --threads and --dtype, and loading the model with them.
// Only parsing and plumbing: the engine does the work.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include "engine/model.h"

namespace polysafe::cli {

struct EngineOptions {
  int threads = 0;
  std::string dtype = "f32";
  bool dequantize = false;
};

inline void add_engine_options(CLI::App* cmd, EngineOptions& o) {
  cmd->add_option("--threads", o.threads, "Threads for matrix products (0: all cores)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--dtype", o.dtype, "Compute type: f32 (exact) or bf16");
  cmd->add_flag("--dequantize", o.dequantize,
                "Expand quantised GGUF weights to dense f32 at load (default: multiply their codes directly)");
}

inline std::unique_ptr<engine::Model> load_engine_model(const std::string& spec, const EngineOptions& o) {
  engine::LoadOptions lo;
  lo.dtype = engine::parse_dtype(o.dtype);
  lo.threads = o.threads;
  lo.keep_quantized = !o.dequantize;
  return engine::Model::load(spec, lo);
}

}  // namespace polysafe::cli
