#include "formats/safetensors_reader.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "formats/half_float.h"
#include "util/error.h"
#include "util/strings.h"

namespace polysafe::formats {

namespace {

using json = nlohmann::json;

// No real tensor has this many dimensions (numpy allows 64); a larger rank is
// a corrupt header, rejected before allocating for it.
constexpr size_t kMaxRank = 64;

std::string json_kind(const json& j) {
  switch (j.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "boolean";
    case json::value_t::number_integer: return "negative integer";
    case json::value_t::number_unsigned: return "integer";
    case json::value_t::number_float: return "number";
    case json::value_t::string: return "string";
    case json::value_t::array: return "array";
    case json::value_t::object: return "object";
    default: return "value";
  }
}

std::string shape_str(const std::vector<uint64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

std::string offsets_str(uint64_t b, uint64_t e) {
  return "[" + std::to_string(b) + ", " + std::to_string(e) + "]";
}

}  // namespace

void tensor_to_f32(const SafetensorsTensor& t, float* out) {
  const uint8_t* p = t.data;
  const uint64_t n = t.n_elements;
  switch (t.dtype) {
    case SafetensorsDtype::F32:
      if (n) std::memcpy(out, p, n * 4);
      return;
    case SafetensorsDtype::F16:
      for (uint64_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, p + 2 * i, 2);
        out[i] = fp16_to_fp32(h);
      }
      return;
    case SafetensorsDtype::BF16:
      for (uint64_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, p + 2 * i, 2);
        out[i] = bf16_to_fp32(h);
      }
      return;
    default:
      throw FormatError(t.path() + ": tensor '" + t.name + "': dtype " + t.dtype_name() +
                        " cannot be converted to f32 (supported: F32, F16, BF16); read its raw bytes instead");
  }
}

std::vector<float> tensor_to_f32(const SafetensorsTensor& t) {
  if (!safetensors_dtype_is_float(t.dtype)) tensor_to_f32(t, nullptr);  // throws the message
  std::vector<float> out(t.n_elements);
  tensor_to_f32(t, out.data());
  return out;
}

SafetensorsFile::SafetensorsFile(const std::string& path)
    : file_(std::make_shared<MappedFile>(path)) {
  const std::string& p = file_->path();
  auto fail = [&](const std::string& msg) -> void { throw FormatError(p + ": " + msg); };
  const uint64_t size = file_->size();
  if (size < 8)
    fail("file too small (" + std::to_string(size) + " bytes) to hold the 8-byte header length");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | file_->data()[i];  // little-endian u64
  if (n > kMaxHeaderBytes)
    fail("header length " + std::to_string(n) + " exceeds the " + std::to_string(kMaxHeaderBytes) +
         "-byte (100 MB) limit on safetensors headers");
  if (n > size - 8)
    fail("header length " + std::to_string(n) + " exceeds the " + std::to_string(size - 8) +
         " bytes after the length field (file truncated or not safetensors)");
  header_size_ = n;
  const char* hdr = reinterpret_cast<const char*>(file_->data() + 8);
  if (n == 0 || hdr[0] != '{') fail("header does not start with '{' (not a safetensors file)");

  // nlohmann keeps the last of duplicate keys silently; the callback sees every
  // top-level key (depth 1) so duplicates can be reported by name.
  std::string duplicate;
  std::set<std::string, std::less<>> seen;
  json::parser_callback_t cb = [&](int depth, json::parse_event_t ev, json& parsed) {
    if (ev == json::parse_event_t::key && depth == 1 && parsed.is_string()) {
      const auto& k = parsed.get_ref<const std::string&>();
      if (!seen.insert(k).second && duplicate.empty()) duplicate = k;
    }
    return true;
  };
  json header;
  try {
    header = json::parse(hdr, hdr + n, cb);
  } catch (const json::exception& e) {
    fail(std::string("header is not valid JSON: ") + e.what());
  }
  if (!duplicate.empty()) fail("tensor '" + duplicate + "': name appears more than once in the header");
  if (!header.is_object()) fail("header: expected a JSON object, got " + json_kind(header));

  const uint64_t data_size = size - 8 - n;
  const uint8_t* data = file_->data() + 8 + n;

  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const json& v = it.value();
    if (name == "__metadata__") {
      if (!v.is_object()) fail("'__metadata__': expected an object of strings, got " + json_kind(v));
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (!m.value().is_string())
          fail("'__metadata__' key '" + m.key() + "': expected string, got " + json_kind(m.value()));
        metadata_[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    const std::string where = "tensor '" + name + "'";
    auto tfail = [&](const std::string& msg) { fail(where + ": " + msg); };
    if (!v.is_object()) tfail("expected an object with dtype, shape, data_offsets, got " + json_kind(v));
    SafetensorsTensor t;
    t.name = name;
    t.file = file_;

    auto d = v.find("dtype");
    if (d == v.end()) tfail("field 'dtype': missing");
    if (!d->is_string()) tfail("field 'dtype': expected string, got " + json_kind(*d));
    auto dt = parse_safetensors_dtype(d->get_ref<const std::string&>());
    if (!dt) tfail("field 'dtype': unknown dtype '" + d->get<std::string>() + "'");
    t.dtype = *dt;

    auto s = v.find("shape");
    if (s == v.end()) tfail("field 'shape': missing");
    if (!s->is_array()) tfail("field 'shape': expected array of integers, got " + json_kind(*s));
    if (s->size() > kMaxRank)
      tfail("field 'shape': rank " + std::to_string(s->size()) + " exceeds the limit of " +
            std::to_string(kMaxRank) + " dimensions");
    for (const auto& dim : *s) {
      if (!dim.is_number_unsigned())
        tfail("field 'shape': expected non-negative integers, got " + json_kind(dim) + " " + dim.dump());
      t.shape.push_back(dim.get<uint64_t>());
    }
    // Element and byte counts with overflow checks: a corrupt shape must not
    // wrap around to a small, plausible size.
    const uint64_t max = std::numeric_limits<uint64_t>::max();
    t.n_elements = 1;
    for (uint64_t dim : t.shape) {
      if (dim != 0 && t.n_elements > max / dim)
        tfail("field 'shape': " + shape_str(t.shape) + " has more elements than fit in 64 bits");
      t.n_elements *= dim;
    }
    const uint64_t esize = safetensors_dtype_size(t.dtype);
    if (t.n_elements > max / esize)
      tfail("field 'shape': " + shape_str(t.shape) + " of " + t.dtype_name() + " needs more than 2^64 bytes");
    t.n_bytes = t.n_elements * esize;

    auto o = v.find("data_offsets");
    if (o == v.end()) tfail("field 'data_offsets': missing");
    if (!o->is_array() || o->size() != 2 || !(*o)[0].is_number_unsigned() || !(*o)[1].is_number_unsigned())
      tfail("field 'data_offsets': expected [begin, end] non-negative integers, got " + o->dump());
    const uint64_t b = (*o)[0].get<uint64_t>(), e = (*o)[1].get<uint64_t>();
    if (b > e) tfail("field 'data_offsets': begin " + std::to_string(b) + " > end " + std::to_string(e));
    if (e > data_size)
      tfail("field 'data_offsets': " + offsets_str(b, e) + " beyond the end of the data section (" +
            std::to_string(data_size) + " bytes)");
    if (e - b != t.n_bytes)
      tfail("field 'data_offsets': " + offsets_str(b, e) + " spans " + std::to_string(e - b) +
            " bytes but shape " + shape_str(t.shape) + " of " + t.dtype_name() + " needs " +
            std::to_string(t.n_bytes));
    t.offset = b;
    t.data = data + b;
    tensors_.push_back(std::move(t));
  }

  // The reference implementation requires the tensors to tile the data
  // section exactly: sorted by offset, each starts where the previous ended.
  std::stable_sort(tensors_.begin(), tensors_.end(), [](const auto& a, const auto& b) {
    return a.offset != b.offset ? a.offset < b.offset : a.n_bytes < b.n_bytes;
  });
  uint64_t end = 0;
  const SafetensorsTensor* prev = nullptr;
  for (const auto& t : tensors_) {
    if (t.offset < end)
      fail("tensor '" + t.name + "': data_offsets " + offsets_str(t.offset, t.offset + t.n_bytes) +
           " overlap tensor '" + prev->name + "' " + offsets_str(prev->offset, prev->offset + prev->n_bytes));
    if (t.offset > end)
      fail("tensor '" + t.name + "': data_offsets " + offsets_str(t.offset, t.offset + t.n_bytes) +
           " leave a gap of " + std::to_string(t.offset - end) + " unused bytes before it");
    end = t.offset + t.n_bytes;
    prev = &t;
  }
  if (end != data_size)
    fail("data section has " + std::to_string(data_size) + " bytes but the tensors cover only " +
         std::to_string(end) + " (file has trailing bytes or a tensor is missing from the header)");
  for (size_t i = 0; i < tensors_.size(); ++i) index_.emplace(tensors_[i].name, i);
}

const SafetensorsTensor* SafetensorsFile::find(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

const SafetensorsTensor& SafetensorsFile::tensor(std::string_view name) const {
  if (const auto* t = find(name)) return *t;
  throw FormatError(path() + ": tensor '" + std::string(name) + "': not found");
}

}  // namespace polysafe::formats
