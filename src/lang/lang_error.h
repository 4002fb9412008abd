// The language layer's error type: a language-ID model that is missing or
// corrupt. Messages name the file and the byte offset or field at fault.
#pragma once

#include "util/error.h"

namespace polysafe::lang {

class LangError : public Error {
 public:
  using Error::Error;
};

}  // namespace polysafe::lang
