// Shared helpers of the engine tests: the default models loaded once per test
// process (loading dequantises every tensor, so tests share the result).
#pragma once

#include <map>
#include <memory>
#include <utility>
#include <string>

#include "engine/model.h"
#include "test_paths.h"

namespace polysafe::test {

// The default model `name` in `dtype`, loaded on first use and kept for the process.
inline const engine::Model& cached_model(const std::string& name, engine::DType dtype) {
  static std::map<std::pair<std::string, engine::DType>, std::unique_ptr<engine::Model>> loaded;
  auto& slot = loaded[{name, dtype}];
  if (!slot) {
    engine::LoadOptions o;
    o.dtype = dtype;
    o.threads = 2;
    slot = engine::Model::load(model_path(name), o);
  }
  return *slot;
}

inline const engine::Model& smollm2(engine::DType dtype = engine::DType::F32) {
  return cached_model("smollm2-135m-instruct", dtype);
}

inline const engine::Model& gemma3(engine::DType dtype = engine::DType::F32) {
  return cached_model("gemma3-270m", dtype);
}

}  // namespace polysafe::test
