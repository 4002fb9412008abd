// Fuzzes the GGUF reader, the model summary, and dequantisation of every tensor
// the reader accepts: any input must yield a FormatError or a valid file.
#include <cstdint>
#include <vector>

#include "formats/dequantize.h"
#include "formats/gguf_reader.h"
#include "formats/model_summary.h"
#include "fuzz_file.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = polysafe::fuzz::write_scratch(data, size, ".gguf");
  try {
    polysafe::formats::GgufFile f(path);
    for (const auto& t : f.tensors()) {
      if (t.n_elements > (1u << 20)) continue;  // keep each run fast
      try {
        std::vector<float> out(t.n_elements);
        polysafe::formats::dequantize_row(t.type_id, t.data, out.data(), t.n_elements);
      } catch (const polysafe::Error&) {
      }
    }
    // As `polysafe inspect --json` prints it (strings from the file may be invalid UTF-8).
    (void)polysafe::formats::summarize_model(path).to_json().dump(2, ' ', false,
                                                                  nlohmann::json::error_handler_t::replace);
  } catch (const polysafe::Error&) {
  }
  return 0;
}
