// The engine layer's exception type: model files whose architecture or tensors
// the engine cannot run, requests it cannot serve (memory, context length), and
// bad generation parameters. Messages name the file, tensor or parameter at
// fault; nothing in engine/ aborts the process on user input.
#pragma once

#include "util/error.h"

namespace polysafe::engine {

class EngineError : public Error {
 public:
  using Error::Error;
};

}  // namespace polysafe::engine
