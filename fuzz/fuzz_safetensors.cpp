// Fuzzes the safetensors reader (header JSON, offsets, dtypes) and conversion of
// every tensor it accepts to f32; also feeds the input to the config.json parser.
#include <cstdint>
#include <string>

#include "formats/hf_config.h"
#include "formats/safetensors_reader.h"
#include "fuzz_file.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = polysafe::fuzz::write_scratch(data, size, ".safetensors");
  try {
    polysafe::formats::SafetensorsFile f(path);
    for (const auto& t : f.tensors()) {
      if (t.n_elements > (1u << 20)) continue;
      try {
        (void)polysafe::formats::tensor_to_f32(t);
      } catch (const polysafe::Error&) {
      }
    }
  } catch (const polysafe::Error&) {
  }
  try {
    (void)polysafe::formats::parse_hf_config(std::string(reinterpret_cast<const char*>(data), size));
  } catch (const polysafe::Error&) {
  }
  return 0;
}
