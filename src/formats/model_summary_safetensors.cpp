// Summary of Hugging Face checkpoints (safetensors + config.json).
#include "formats/model_summary.h"
#include "util/error.h"

namespace polysafe::formats {

ModelSummary summarize_model_other(const std::string& path) {
  throw FormatError(path + ": not a GGUF file, and safetensors checkpoints are not supported yet");
}

}  // namespace polysafe::formats
