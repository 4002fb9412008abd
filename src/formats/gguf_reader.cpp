#include "formats/gguf_reader.h"

#include <cstring>
#include <limits>
#include <sstream>

#include "util/error.h"
#include "util/strings.h"

namespace polysafe::formats {

namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" little-endian
constexpr int kMaxArrayDepth = 8;        // nested arrays deeper than this are rejected
constexpr uint64_t kMaxDims = 8;         // GGML_MAX_DIMS is 4; allow some slack

// Bounds-checked little-endian cursor over the mapped bytes. Every read names
// the field being read, so a truncated file reports where it ended.
class Cursor {
 public:
  Cursor(const uint8_t* data, size_t size, const std::string& path)
      : data_(data), size_(size), path_(path) {}

  size_t pos() const { return pos_; }
  size_t remaining() const { return size_ - pos_; }

  [[noreturn]] void fail(const std::string& field, const std::string& msg) const {
    throw FormatError(path_ + ": " + field + ": " + msg);
  }

  template <typename T>
  T read(const std::string& field) {
    if (remaining() < sizeof(T))
      fail(field, "file truncated at byte " + std::to_string(pos_) + " (need " +
                      std::to_string(sizeof(T)) + " bytes, " + std::to_string(remaining()) +
                      " left)");
    T v;
    std::memcpy(&v, data_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }

  std::string_view read_string(const std::string& field) {
    uint64_t len = read<uint64_t>(field + " (string length)");
    if (len > remaining())
      fail(field, "string length " + std::to_string(len) + " exceeds the " +
                      std::to_string(remaining()) + " bytes left in the file");
    std::string_view s(reinterpret_cast<const char*>(data_ + pos_), static_cast<size_t>(len));
    pos_ += static_cast<size_t>(len);
    return s;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  const std::string& path_;
};

// Smallest encoded size of one value of type t, used to reject array counts
// that could not fit in the rest of the file before allocating for them.
uint64_t min_encoded_size(GgufValueType t) {
  switch (t) {
    case GgufValueType::UINT8: case GgufValueType::INT8: case GgufValueType::BOOL: return 1;
    case GgufValueType::UINT16: case GgufValueType::INT16: return 2;
    case GgufValueType::UINT32: case GgufValueType::INT32: case GgufValueType::FLOAT32: return 4;
    case GgufValueType::UINT64: case GgufValueType::INT64: case GgufValueType::FLOAT64: return 8;
    case GgufValueType::STRING: return 8;
    case GgufValueType::ARRAY: return 12;
  }
  return 1;
}

bool valid_value_type(uint32_t t) { return t <= 12; }

GgufValue read_value(Cursor& c, GgufValueType type, const std::string& field, int depth) {
  GgufValue out;
  out.type = type;
  switch (type) {
    case GgufValueType::UINT8: out.v = uint64_t(c.read<uint8_t>(field)); break;
    case GgufValueType::INT8: out.v = int64_t(c.read<int8_t>(field)); break;
    case GgufValueType::UINT16: out.v = uint64_t(c.read<uint16_t>(field)); break;
    case GgufValueType::INT16: out.v = int64_t(c.read<int16_t>(field)); break;
    case GgufValueType::UINT32: out.v = uint64_t(c.read<uint32_t>(field)); break;
    case GgufValueType::INT32: out.v = int64_t(c.read<int32_t>(field)); break;
    case GgufValueType::UINT64: out.v = c.read<uint64_t>(field); break;
    case GgufValueType::INT64: out.v = c.read<int64_t>(field); break;
    case GgufValueType::FLOAT32: out.v = double(c.read<float>(field)); break;
    case GgufValueType::FLOAT64: out.v = c.read<double>(field); break;
    case GgufValueType::BOOL: {
      uint8_t b = c.read<uint8_t>(field);
      if (b > 1) c.fail(field, "bool value " + std::to_string(b) + " is neither 0 nor 1");
      out.v = b == 1;
      break;
    }
    case GgufValueType::STRING: out.v = c.read_string(field); break;
    case GgufValueType::ARRAY: {
      if (depth >= kMaxArrayDepth)
        c.fail(field, "arrays nested deeper than " + std::to_string(kMaxArrayDepth));
      uint32_t et = c.read<uint32_t>(field + " (array element type)");
      if (!valid_value_type(et)) c.fail(field, "unknown array element type " + std::to_string(et));
      uint64_t n = c.read<uint64_t>(field + " (array length)");
      auto elem = static_cast<GgufValueType>(et);
      if (n > c.remaining() / min_encoded_size(elem))
        c.fail(field, "array length " + std::to_string(n) + " cannot fit in the " +
                          std::to_string(c.remaining()) + " bytes left in the file");
      auto arr = std::make_shared<GgufArray>();
      arr->elem_type = elem;
      arr->items.reserve(static_cast<size_t>(n));
      for (uint64_t i = 0; i < n; ++i)
        arr->items.push_back(read_value(c, elem, field + "[" + std::to_string(i) + "]", depth + 1));
      out.v = std::move(arr);
      break;
    }
  }
  return out;
}

}  // namespace

const char* gguf_value_type_name(GgufValueType t) {
  switch (t) {
    case GgufValueType::UINT8: return "uint8";
    case GgufValueType::INT8: return "int8";
    case GgufValueType::UINT16: return "uint16";
    case GgufValueType::INT16: return "int16";
    case GgufValueType::UINT32: return "uint32";
    case GgufValueType::INT32: return "int32";
    case GgufValueType::FLOAT32: return "float32";
    case GgufValueType::BOOL: return "bool";
    case GgufValueType::STRING: return "string";
    case GgufValueType::ARRAY: return "array";
    case GgufValueType::UINT64: return "uint64";
    case GgufValueType::INT64: return "int64";
    case GgufValueType::FLOAT64: return "float64";
  }
  return "?";
}

std::string GgufValue::to_display(size_t max_items) const {
  std::ostringstream os;
  switch (type) {
    case GgufValueType::STRING: {
      auto s = std::get<std::string_view>(v);
      std::string shown = escape_for_terminal(s.substr(0, 120));
      os << '"' << shown << (s.size() > 120 ? "...\"" : "\"");
      break;
    }
    case GgufValueType::BOOL: os << (std::get<bool>(v) ? "true" : "false"); break;
    case GgufValueType::FLOAT32: case GgufValueType::FLOAT64: os << std::get<double>(v); break;
    case GgufValueType::ARRAY: {
      const auto& a = array();
      os << "[" << gguf_value_type_name(a.elem_type) << " x " << a.items.size() << "]";
      if (!a.items.empty() && a.elem_type != GgufValueType::ARRAY) {
        os << " ";
        for (size_t i = 0; i < a.items.size() && i < max_items; ++i)
          os << (i ? ", " : "") << a.items[i].to_display(max_items);
        if (a.items.size() > max_items) os << ", ...";
      }
      break;
    }
    default:
      if (std::holds_alternative<uint64_t>(v)) os << std::get<uint64_t>(v);
      else os << std::get<int64_t>(v);
  }
  return os.str();
}

GgufFile::GgufFile(const std::string& path) : file_(std::make_shared<MappedFile>(path)) {
  const std::string& p = file_->path();
  Cursor c(file_->data(), file_->size(), p);
  uint32_t magic = c.read<uint32_t>("header magic");
  if (magic != kMagic) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "expected 'GGUF' (0x%08X), got 0x%08X", kMagic, magic);
    c.fail("header magic", std::string("not a GGUF file: ") + buf);
  }
  version_ = c.read<uint32_t>("header version");
  if (version_ != 2 && version_ != 3)
    c.fail("header version", "unsupported GGUF version " + std::to_string(version_) +
                                 " (supported: 2, 3)");
  uint64_t n_tensors = c.read<uint64_t>("header tensor_count");
  uint64_t n_kv = c.read<uint64_t>("header metadata_kv_count");
  // Each key/value needs at least 8 (key length) + 4 (type) + 1 bytes; each tensor
  // info at least 8 + 4 + 4 + 8 bytes. Reject counts the file cannot hold.
  if (n_kv > c.remaining() / 13)
    c.fail("header metadata_kv_count", "count " + std::to_string(n_kv) + " cannot fit in a " +
                                           std::to_string(file_->size()) + "-byte file");
  if (n_tensors > c.remaining() / 24)
    c.fail("header tensor_count", "count " + std::to_string(n_tensors) + " cannot fit in a " +
                                      std::to_string(file_->size()) + "-byte file");

  for (uint64_t i = 0; i < n_kv; ++i) {
    std::string key(c.read_string("metadata key #" + std::to_string(i)));
    std::string field = "key '" + key + "'";
    uint32_t t = c.read<uint32_t>(field + " (value type)");
    if (!valid_value_type(t)) c.fail(field, "unknown value type " + std::to_string(t));
    GgufValue v = read_value(c, static_cast<GgufValueType>(t), field, 0);
    if (kv_.count(key)) c.fail(field, "duplicate key");
    key_order_.push_back(key);
    kv_.emplace(std::move(key), std::move(v));
  }

  if (auto a = find("general.alignment")) {
    if (a->type != GgufValueType::UINT32)
      fail_key("general.alignment", std::string("expected uint32, got ") + gguf_value_type_name(a->type));
    alignment_ = std::get<uint64_t>(a->v);
    if (alignment_ == 0 || (alignment_ & (alignment_ - 1)) != 0)
      fail_key("general.alignment", "must be a non-zero power of two, got " + std::to_string(alignment_));
  }

  tensors_.reserve(static_cast<size_t>(n_tensors));
  for (uint64_t i = 0; i < n_tensors; ++i) {
    GgufTensorInfo ti;
    ti.name = std::string(c.read_string("tensor info #" + std::to_string(i) + " name"));
    std::string field = "tensor '" + ti.name + "'";
    uint32_t n_dims = c.read<uint32_t>(field + " n_dims");
    if (n_dims == 0 || n_dims > kMaxDims)
      c.fail(field, "n_dims " + std::to_string(n_dims) + " outside 1.." + std::to_string(kMaxDims));
    ti.n_elements = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      uint64_t ne = c.read<uint64_t>(field + " dim " + std::to_string(d));
      if (ne == 0 || ne > (uint64_t(1) << 40) ||
          ti.n_elements > std::numeric_limits<uint64_t>::max() / ne)
        c.fail(field, "absurd dimension " + std::to_string(ne) + " at index " + std::to_string(d));
      ti.n_elements *= ne;
      ti.shape.push_back(ne);
    }
    if (ti.n_elements > file_->size() * 64)
      c.fail(field, std::to_string(ti.n_elements) + " elements cannot be stored in a " +
                        std::to_string(file_->size()) + "-byte file");
    ti.type_id = c.read<uint32_t>(field + " type");
    auto info = ggml_type_info(ti.type_id);
    if (!info) c.fail(field, "unknown tensor type id " + std::to_string(ti.type_id));
    if (ti.shape[0] % info->block_size != 0)
      c.fail(field, "first dimension " + std::to_string(ti.shape[0]) +
                        " is not a multiple of the " + info->name + " block size " +
                        std::to_string(info->block_size));
    ti.n_bytes = ti.n_elements / info->block_size * info->type_size;
    ti.offset = c.read<uint64_t>(field + " offset");
    if (ti.offset % alignment_ != 0)
      c.fail(field, "offset " + std::to_string(ti.offset) + " is not aligned to " +
                        std::to_string(alignment_));
    if (tensor_index_.count(ti.name)) c.fail(field, "duplicate tensor name");
    tensor_index_.emplace(ti.name, tensors_.size());
    tensors_.push_back(std::move(ti));
  }

  data_offset_ = (c.pos() + alignment_ - 1) / alignment_ * alignment_;
  for (auto& ti : tensors_) {
    uint64_t start = data_offset_ + ti.offset;
    if (start < data_offset_ || start > file_->size() || ti.n_bytes > file_->size() - start)
      throw FormatError(p + ": tensor '" + ti.name + "': data [" + std::to_string(ti.offset) +
                        ", +" + std::to_string(ti.n_bytes) + ") lies beyond the end of the file (" +
                        std::to_string(file_->size()) + " bytes, data section at " +
                        std::to_string(data_offset_) + ")");
    ti.data = file_->data() + start;
  }
}

const GgufValue* GgufFile::find(const std::string& key) const {
  auto it = kv_.find(key);
  return it == kv_.end() ? nullptr : &it->second;
}

void GgufFile::fail_key(const std::string& key, const std::string& msg) const {
  throw FormatError(path() + ": key '" + key + "': " + msg);
}

namespace {
const GgufValue& require(const GgufFile& f, const std::string& key) {
  const GgufValue* v = f.find(key);
  if (!v) f.fail_key(key, "missing");
  return *v;
}
[[noreturn]] void wrong_type(const GgufFile& f, const std::string& key, const char* want,
                             GgufValueType got) {
  f.fail_key(key, std::string("expected ") + want + ", got " + gguf_value_type_name(got));
}
uint64_t as_uint(const GgufFile& f, const std::string& key, const GgufValue& v) {
  if (std::holds_alternative<uint64_t>(v.v)) return std::get<uint64_t>(v.v);
  if (std::holds_alternative<int64_t>(v.v)) {
    int64_t i = std::get<int64_t>(v.v);
    if (i < 0) f.fail_key(key, "expected a non-negative integer, got " + std::to_string(i));
    return static_cast<uint64_t>(i);
  }
  wrong_type(f, key, "an unsigned integer", v.type);
}
int64_t as_int(const GgufFile& f, const std::string& key, const GgufValue& v) {
  if (std::holds_alternative<int64_t>(v.v)) return std::get<int64_t>(v.v);
  if (std::holds_alternative<uint64_t>(v.v)) {
    uint64_t u = std::get<uint64_t>(v.v);
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      f.fail_key(key, "integer " + std::to_string(u) + " out of range");
    return static_cast<int64_t>(u);
  }
  wrong_type(f, key, "an integer", v.type);
}
double as_float(const GgufFile& f, const std::string& key, const GgufValue& v) {
  if (std::holds_alternative<double>(v.v)) return std::get<double>(v.v);
  if (std::holds_alternative<uint64_t>(v.v)) return static_cast<double>(std::get<uint64_t>(v.v));
  if (std::holds_alternative<int64_t>(v.v)) return static_cast<double>(std::get<int64_t>(v.v));
  wrong_type(f, key, "a number", v.type);
}
const GgufArray& as_array(const GgufFile& f, const std::string& key, const GgufValue& v) {
  if (!v.is_array()) wrong_type(f, key, "array", v.type);
  return v.array();
}
}  // namespace

std::string GgufFile::get_string(const std::string& key) const {
  const GgufValue& v = require(*this, key);
  if (v.type != GgufValueType::STRING) wrong_type(*this, key, "string", v.type);
  return std::string(std::get<std::string_view>(v.v));
}
std::optional<std::string> GgufFile::opt_string(const std::string& key) const {
  if (!has(key)) return std::nullopt;
  return get_string(key);
}
uint64_t GgufFile::get_uint(const std::string& key) const {
  return as_uint(*this, key, require(*this, key));
}
std::optional<uint64_t> GgufFile::opt_uint(const std::string& key) const {
  if (!has(key)) return std::nullopt;
  return get_uint(key);
}
int64_t GgufFile::get_int(const std::string& key) const {
  return as_int(*this, key, require(*this, key));
}
double GgufFile::get_float(const std::string& key) const {
  return as_float(*this, key, require(*this, key));
}
std::optional<double> GgufFile::opt_float(const std::string& key) const {
  if (!has(key)) return std::nullopt;
  return get_float(key);
}
std::optional<bool> GgufFile::opt_bool(const std::string& key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (v->type != GgufValueType::BOOL) wrong_type(*this, key, "bool", v->type);
  return std::get<bool>(v->v);
}
std::vector<std::string_view> GgufFile::get_string_array(const std::string& key) const {
  const GgufArray& a = as_array(*this, key, require(*this, key));
  if (a.elem_type != GgufValueType::STRING) wrong_type(*this, key, "array of string", a.elem_type);
  std::vector<std::string_view> out;
  out.reserve(a.items.size());
  for (const auto& it : a.items) out.push_back(std::get<std::string_view>(it.v));
  return out;
}
std::vector<float> GgufFile::get_float_array(const std::string& key) const {
  const GgufArray& a = as_array(*this, key, require(*this, key));
  std::vector<float> out;
  out.reserve(a.items.size());
  for (const auto& it : a.items) out.push_back(static_cast<float>(as_float(*this, key, it)));
  return out;
}
std::vector<int64_t> GgufFile::get_int_array(const std::string& key) const {
  const GgufArray& a = as_array(*this, key, require(*this, key));
  std::vector<int64_t> out;
  out.reserve(a.items.size());
  for (const auto& it : a.items) out.push_back(as_int(*this, key, it));
  return out;
}

const GgufTensorInfo* GgufFile::find_tensor(const std::string& name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}
const GgufTensorInfo& GgufFile::tensor(const std::string& name) const {
  const GgufTensorInfo* t = find_tensor(name);
  if (!t) throw FormatError(path() + ": tensor '" + name + "': missing");
  return *t;
}

}  // namespace polysafe::formats
