// The report layer's error type: a run that cannot be reported (missing,
// another kind), or an output file that cannot be written. Messages name the
// run or the file at fault.
#pragma once

#include "util/error.h"

namespace polysafe::report {

class ReportError : public Error {
 public:
  using Error::Error;
};

}  // namespace polysafe::report
