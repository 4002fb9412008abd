// The detox layer's exception type: corpora that yield no entries, datastore
// directories with missing, corrupt or mismatched files, stores built with
// another model, and searches the store cannot answer (k larger than the store).
// Messages name the directory, file or text at fault; nothing in detox/ aborts
// the process on user input.
#pragma once

#include "util/error.h"

namespace polysafe::detox {

class DetoxError : public Error {
 public:
  using Error::Error;
};

}  // namespace polysafe::detox
