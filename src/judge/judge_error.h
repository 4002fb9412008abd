// The judge layer's error type: a judge that cannot load its model or data, or
// input it cannot judge. Messages name the file, line or field at fault.
#pragma once

#include "util/error.h"

namespace polysafe::judge {

class JudgeError : public Error {
 public:
  using Error::Error;
};

}  // namespace polysafe::judge
