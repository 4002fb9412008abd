// Structural check of a fastText model file (.bin or quantised .ftz, format
// version 12 as written by fastText 0.9.x) before libfasttext reads it.
// libfasttext trusts its input: a truncated dictionary makes it loop forever, a
// wrong bucket count divides by zero, short matrices are read out of bounds.
// This check walks every section with bounds checks and never allocates more
// than the file's size; it must never hand a file to libfasttext it rejected.
#pragma once

#include <cstdint>
#include <string>

namespace polysafe::lang {

struct FastTextModelInfo {
  int32_t dim = 0;
  int32_t nwords = 0;
  int32_t nlabels = 0;
  bool supervised = false;
  bool quantized = false;
};

// Reads and checks the file at path; throws LangError naming the path and the
// byte offset or field at fault.
FastTextModelInfo check_fasttext_model_file(const std::string& path);

}  // namespace polysafe::lang
