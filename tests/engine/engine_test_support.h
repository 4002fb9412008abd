// Shared helpers of the engine tests: the default models loaded once per test
// process (loading dequantises every tensor, so tests share the result).
#pragma once

#include <memory>
#include <string>

#include "engine/model.h"
#include "test_paths.h"

namespace polysafe::test {

inline const engine::Model& smollm2(engine::DType dtype = engine::DType::F32) {
  static std::unique_ptr<engine::Model> f32, bf16;
  auto& slot = dtype == engine::DType::F32 ? f32 : bf16;
  if (!slot) {
    engine::LoadOptions o;
    o.dtype = dtype;
    o.threads = 2;
    slot = engine::Model::load(model_path("smollm2-135m-instruct"), o);
  }
  return *slot;
}

inline const engine::Model& gemma3(engine::DType dtype = engine::DType::F32) {
  static std::unique_ptr<engine::Model> f32, bf16;
  auto& slot = dtype == engine::DType::F32 ? f32 : bf16;
  if (!slot) {
    engine::LoadOptions o;
    o.dtype = dtype;
    o.threads = 2;
    slot = engine::Model::load(model_path("gemma3-270m"), o);
  }
  return *slot;
}

}  // namespace polysafe::test
