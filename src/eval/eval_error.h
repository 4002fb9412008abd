// The evaluation layer's error type: bad run configs, a run store that cannot be
// opened or has another schema, runs that do not exist. Messages name the file,
// field or run at fault.
#pragma once

#include "util/error.h"

namespace polysafe::eval {

class EvalError : public Error {
 public:
  using Error::Error;
};

}  // namespace polysafe::eval
