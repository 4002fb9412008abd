#include "formats/gguf_convert.h"

#include <filesystem>

#include "formats/gguf_reader.h"
#include "formats/gguf_writer.h"
#include "util/error.h"

namespace polysafe::formats {

uint32_t llama_file_type(GgmlType type) {
  // enum llama_ftype: ALL_F32 = 0, MOSTLY_F16 = 1, MOSTLY_Q8_0 = 7, MOSTLY_BF16 = 32.
  switch (type) {
    case GgmlType::F32: return 0;
    case GgmlType::F16: return 1;
    case GgmlType::Q8_0: return 7;
    case GgmlType::BF16: return 32;
    default: break;
  }
  throw FormatError(std::string("convert: no file type for ") + ggml_type_info(type).name);
}

ConvertSummary convert_gguf(const std::string& src, const std::string& dst, GgmlType type) {
  if (type != GgmlType::F32 && type != GgmlType::F16 && type != GgmlType::BF16 && type != GgmlType::Q8_0)
    throw UsageError(std::string("convert: cannot write tensors as ") + ggml_type_info(type).name +
                     " (supported: f32, f16, bf16, q8_0)");
  std::error_code ec;
  if (std::filesystem::exists(dst, ec) && std::filesystem::equivalent(src, dst, ec))
    throw UsageError("convert: output '" + dst + "' is the input file; choose another path");

  GgufFile in(src);
  GgufWriter w;
  w.copy_metadata_from(in);
  w.set_u32("general.file_type", llama_file_type(type));

  ConvertSummary s;
  for (const auto& t : in.tensors()) {
    GgmlType out = type;
    if (t.shape.size() == 1) {
      out = GgmlType::F32;
      ++s.kept_f32;
    } else if (type == GgmlType::Q8_0 && t.shape[0] % 32 != 0) {
      out = GgmlType::F16;
      ++s.fallback_f16;
    }
    if (t.type_id == static_cast<uint32_t>(out)) {
      w.add_tensor_from(t);
      ++s.copied;
    } else {
      w.add_tensor_from(t, out);
      ++s.converted;
    }
    ++s.tensors;
    s.bytes_in += t.n_bytes;
    const auto& info = ggml_type_info(out);
    s.bytes_out += t.n_elements / info.block_size * info.type_size;
  }
  w.write(dst);
  return s;
}

}  // namespace polysafe::formats
