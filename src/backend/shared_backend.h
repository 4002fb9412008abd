// One model instance for every part of a run that names the same spec: the
// evaluated model and a judge that needs its hidden states (the hidden-state
// toxicity head on Gemma 3 when Gemma 3 is evaluated) then share weights and
// memory instead of loading twice.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "backend/backend.h"

namespace polysafe::backend {

using BackendFactory = std::function<std::unique_ptr<Backend>(const std::string& spec)>;

// A factory that builds each spec once and hands out handles sharing it; the
// model lives as long as its last handle. Not thread-safe: call it from one thread.
BackendFactory share_backends(BackendFactory make);

}  // namespace polysafe::backend
