#include "formats/gguf_writer.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "formats/dequantize.h"
#include "formats/half_float.h"
#include "util/error.h"

namespace polysafe::formats {

// ---------------------------------------------------------------- values

GgufMetaValue GgufMetaValue::u8(uint8_t x) { return {GgufValueType::UINT8, GgufValueType::UINT8, uint64_t(x)}; }
GgufMetaValue GgufMetaValue::i8(int8_t x) { return {GgufValueType::INT8, GgufValueType::UINT8, int64_t(x)}; }
GgufMetaValue GgufMetaValue::u16(uint16_t x) { return {GgufValueType::UINT16, GgufValueType::UINT8, uint64_t(x)}; }
GgufMetaValue GgufMetaValue::i16(int16_t x) { return {GgufValueType::INT16, GgufValueType::UINT8, int64_t(x)}; }
GgufMetaValue GgufMetaValue::u32(uint32_t x) { return {GgufValueType::UINT32, GgufValueType::UINT8, uint64_t(x)}; }
GgufMetaValue GgufMetaValue::i32(int32_t x) { return {GgufValueType::INT32, GgufValueType::UINT8, int64_t(x)}; }
GgufMetaValue GgufMetaValue::u64(uint64_t x) { return {GgufValueType::UINT64, GgufValueType::UINT8, x}; }
GgufMetaValue GgufMetaValue::i64(int64_t x) { return {GgufValueType::INT64, GgufValueType::UINT8, x}; }
GgufMetaValue GgufMetaValue::f32(float x) { return {GgufValueType::FLOAT32, GgufValueType::UINT8, double(x)}; }
GgufMetaValue GgufMetaValue::f64(double x) { return {GgufValueType::FLOAT64, GgufValueType::UINT8, x}; }
GgufMetaValue GgufMetaValue::boolean(bool x) { return {GgufValueType::BOOL, GgufValueType::UINT8, x}; }
GgufMetaValue GgufMetaValue::str(std::string s) {
  return {GgufValueType::STRING, GgufValueType::UINT8, std::move(s)};
}
GgufMetaValue GgufMetaValue::array(GgufValueType elem_type, std::vector<GgufMetaValue> items) {
  return {GgufValueType::ARRAY, elem_type, std::move(items)};
}
GgufMetaValue GgufMetaValue::string_array(const std::vector<std::string>& items) {
  std::vector<GgufMetaValue> v;
  v.reserve(items.size());
  for (const auto& s : items) v.push_back(str(s));
  return array(GgufValueType::STRING, std::move(v));
}

GgufMetaValue GgufMetaValue::from(const GgufValue& value) {
  GgufMetaValue out;
  out.type = value.type;
  if (value.is_array()) {
    const GgufArray& a = value.array();
    out.elem_type = a.elem_type;
    std::vector<GgufMetaValue> items;
    items.reserve(a.items.size());
    for (const auto& it : a.items) items.push_back(from(it));
    out.v = std::move(items);
  } else if (std::holds_alternative<std::string_view>(value.v)) {
    out.v = std::string(std::get<std::string_view>(value.v));
  } else if (std::holds_alternative<uint64_t>(value.v)) {
    out.v = std::get<uint64_t>(value.v);
  } else if (std::holds_alternative<int64_t>(value.v)) {
    out.v = std::get<int64_t>(value.v);
  } else if (std::holds_alternative<double>(value.v)) {
    out.v = std::get<double>(value.v);
  } else {
    out.v = std::get<bool>(value.v);
  }
  return out;
}

// ---------------------------------------------------------------- conversion

void quantize_row_q8_0(const float* src, uint8_t* dst, uint64_t n) {
  // ggml-quants.c quantize_row_q8_0_ref: d = amax/127 (float32 division),
  // q = roundf(x * (1/d)) (half away from zero), d stored as fp16 (RNE).
  for (uint64_t b = 0; b < n / 32; ++b, src += 32, dst += 34) {
    float amax = 0.0f;
    for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(src[j]));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    const uint16_t dh = fp32_to_fp16(d);
    std::memcpy(dst, &dh, 2);
    for (int j = 0; j < 32; ++j) {
      const float x = src[j] * id;
      dst[2 + j] = static_cast<uint8_t>(static_cast<int8_t>(std::roundf(x)));
    }
  }
}

std::vector<uint8_t> convert_from_f32(const float* src, uint64_t n, GgmlType type) {
  std::vector<uint8_t> out;
  switch (type) {
    case GgmlType::F32:
      out.resize(n * 4);
      if (n) std::memcpy(out.data(), src, n * 4);
      break;
    case GgmlType::F16:
    case GgmlType::BF16: {
      out.resize(n * 2);
      for (uint64_t i = 0; i < n; ++i) {
        const uint16_t h = type == GgmlType::F16 ? fp32_to_fp16(src[i]) : fp32_to_bf16(src[i]);
        std::memcpy(out.data() + 2 * i, &h, 2);
      }
      break;
    }
    case GgmlType::Q8_0:
      if (n % 32 != 0)
        throw FormatError("Q8_0: " + std::to_string(n) + " values is not a multiple of 32");
      out.resize(n / 32 * 34);
      quantize_row_q8_0(src, out.data(), n);
      break;
    default:
      throw FormatError(std::string("cannot write tensors of type ") + ggml_type_info(type).name +
                        " from float32 (supported: F32, F16, BF16, Q8_0)");
  }
  return out;
}

// ---------------------------------------------------------------- metadata

namespace {

void check_alignment_value(const GgufMetaValue& v) {
  if (v.type != GgufValueType::UINT32)
    throw FormatError(std::string("gguf writer: key 'general.alignment': expected uint32, got ") +
                      gguf_value_type_name(v.type));
  const uint64_t a = std::get<uint64_t>(v.v);
  if (a == 0 || (a & (a - 1)) != 0)
    throw FormatError("gguf writer: key 'general.alignment': must be a non-zero power of two, got " +
                      std::to_string(a));
}

}  // namespace

void GgufWriter::set(const std::string& key, GgufMetaValue value) {
  if (key.empty()) throw FormatError("gguf writer: metadata key must not be empty");
  if (key == "general.alignment") {
    check_alignment_value(value);
    alignment_ = std::get<uint64_t>(value.v);
  }
  auto it = index_.find(key);
  if (it != index_.end()) {
    kv_[it->second].second = std::move(value);
  } else {
    index_.emplace(key, kv_.size());
    kv_.emplace_back(key, std::move(value));
  }
}

void GgufWriter::set_alignment(uint32_t alignment) { set("general.alignment", GgufMetaValue::u32(alignment)); }

void GgufWriter::remove(const std::string& key) {
  auto it = index_.find(key);
  if (it == index_.end()) return;
  kv_.erase(kv_.begin() + static_cast<ptrdiff_t>(it->second));
  index_.clear();
  for (size_t i = 0; i < kv_.size(); ++i) index_.emplace(kv_[i].first, i);
  if (key == "general.alignment") alignment_ = 32;
}

void GgufWriter::copy_metadata_from(const GgufFile& src) {
  for (const auto& key : src.keys()) set(key, GgufMetaValue::from(*src.find(key)));
}

// ---------------------------------------------------------------- tensors

GgufWriter::Tensor& GgufWriter::new_tensor(const std::string& name, const std::vector<uint64_t>& shape,
                                           uint32_t type_id) {
  const std::string field = "gguf writer: tensor '" + name + "': ";
  if (name.empty()) throw FormatError("gguf writer: tensor name must not be empty");
  if (name.size() > 64)
    throw FormatError(field + "name is " + std::to_string(name.size()) +
                      " bytes, GGUF allows at most 64");
  if (tensor_index_.count(name)) throw FormatError(field + "duplicate tensor name");
  if (shape.empty() || shape.size() > 4)
    throw FormatError(field + std::to_string(shape.size()) + " dimensions (GGUF allows 1 to 4)");
  auto info = ggml_type_info(type_id);
  if (!info) throw FormatError(field + "unknown tensor type id " + std::to_string(type_id));
  uint64_t n = 1;
  for (uint64_t d : shape) {
    if (d == 0 || n > std::numeric_limits<uint64_t>::max() / d)
      throw FormatError(field + "invalid dimension " + std::to_string(d));
    n *= d;
  }
  if (shape[0] % info->block_size != 0)
    throw FormatError(field + "first dimension " + std::to_string(shape[0]) +
                      " is not a multiple of the " + info->name + " block size " +
                      std::to_string(info->block_size));
  Tensor t;
  t.name = name;
  t.shape = shape;
  t.type_id = type_id;
  t.n_bytes = n / info->block_size * info->type_size;
  tensor_index_.emplace(name, tensors_.size());
  tensors_.push_back(std::move(t));
  return tensors_.back();
}

void GgufWriter::add_tensor(const std::string& name, const std::vector<uint64_t>& shape, GgmlType type,
                            const float* data) {
  if (type != GgmlType::F32 && type != GgmlType::F16 && type != GgmlType::BF16 && type != GgmlType::Q8_0)
    throw FormatError("gguf writer: tensor '" + name + "': cannot write type " +
                      ggml_type_info(type).name + " from float32 (supported: F32, F16, BF16, Q8_0)");
  Tensor& t = new_tensor(name, shape, static_cast<uint32_t>(type));
  uint64_t n = 1;
  for (uint64_t d : shape) n *= d;
  t.bytes = convert_from_f32(data, n, type);
}

void GgufWriter::add_tensor_raw(const std::string& name, const std::vector<uint64_t>& shape,
                                uint32_t type_id, const uint8_t* data, uint64_t n_bytes) {
  Tensor& t = new_tensor(name, shape, type_id);
  if (n_bytes != t.n_bytes) {
    const std::string msg = "gguf writer: tensor '" + name + "': " + std::to_string(n_bytes) +
                            " bytes given, shape and type " + ggml_type_name(type_id) + " need " +
                            std::to_string(t.n_bytes);
    tensor_index_.erase(name);
    tensors_.pop_back();
    throw FormatError(msg);
  }
  t.bytes.assign(data, data + n_bytes);
}

void GgufWriter::add_tensor_from(const GgufTensorInfo& src, GgmlType type) {
  const uint32_t out = static_cast<uint32_t>(type);
  if (out != src.type_id) {
    if (type != GgmlType::F32 && type != GgmlType::F16 && type != GgmlType::BF16 && type != GgmlType::Q8_0)
      throw FormatError("gguf writer: tensor '" + src.name + "': cannot convert to " +
                        ggml_type_info(type).name + " (supported: F32, F16, BF16, Q8_0)");
    if (!can_dequantize(src.type_id))
      throw FormatError("gguf writer: tensor '" + src.name + "': source type " + src.type_name() +
                        " cannot be dequantised");
  }
  Tensor& t = new_tensor(src.name, src.shape, out);
  t.source = &src;
}

void GgufWriter::add_tensor_from(const GgufTensorInfo& src) {
  add_tensor_from(src, static_cast<GgmlType>(src.type_id));
}

// ---------------------------------------------------------------- output

namespace {

// Buffered output to the temporary file; every failure names the final path.
class Out {
 public:
  Out(const std::string& path, const std::string& tmp) : path_(path), tmp_(tmp) {
    f_ = std::fopen(tmp.c_str(), "wb");
    if (!f_) fail("cannot create temporary file '" + tmp + "'", errno);
  }
  ~Out() {
    if (f_) std::fclose(f_);
    if (!committed_) std::remove(tmp_.c_str());
  }
  [[noreturn]] void fail(const std::string& what, int err = 0) const {
    throw FormatError(path_ + ": " + what + (err ? std::string(": ") + std::strerror(err) : ""));
  }
  void bytes(const void* p, size_t n) {
    if (n && std::fwrite(p, 1, n, f_) != n) fail("write failed", errno);
    pos_ += n;
  }
  template <typename T>
  void pod(T v) { bytes(&v, sizeof v); }
  void str(const std::string& s) {
    pod<uint64_t>(s.size());
    bytes(s.data(), s.size());
  }
  void pad_to(uint64_t alignment) {
    static const uint8_t zeros[256] = {};
    uint64_t n = (alignment - pos_ % alignment) % alignment;
    while (n) {
      const size_t k = size_t(std::min<uint64_t>(n, sizeof zeros));
      bytes(zeros, k);
      n -= k;
    }
  }
  uint64_t pos() const { return pos_; }
  void commit() {
    if (std::fflush(f_) != 0) fail("write failed", errno);
    if (::fsync(fileno(f_)) != 0) fail("fsync failed", errno);
    FILE* f = f_;
    f_ = nullptr;
    if (std::fclose(f) != 0) fail("close failed", errno);
    if (std::rename(tmp_.c_str(), path_.c_str()) != 0)
      fail("cannot rename '" + tmp_ + "' into place", errno);
    committed_ = true;
  }

 private:
  std::string path_, tmp_;
  FILE* f_ = nullptr;
  uint64_t pos_ = 0;
  bool committed_ = false;
};

template <typename T>
T checked_int(const Out& out, const std::string& field, const GgufMetaValue& v) {
  if (std::holds_alternative<uint64_t>(v.v)) {
    const uint64_t u = std::get<uint64_t>(v.v);
    if (u <= uint64_t(std::numeric_limits<T>::max())) return T(u);
    out.fail(field + ": value " + std::to_string(u) + " does not fit " + gguf_value_type_name(v.type));
  }
  if (std::holds_alternative<int64_t>(v.v)) {
    const int64_t i = std::get<int64_t>(v.v);
    if (i >= int64_t(std::numeric_limits<T>::min()) &&
        (i < 0 || uint64_t(i) <= uint64_t(std::numeric_limits<T>::max())))
      return T(i);
    out.fail(field + ": value " + std::to_string(i) + " does not fit " + gguf_value_type_name(v.type));
  }
  out.fail(field + std::string(": ") + gguf_value_type_name(v.type) + " value holds no integer");
}

void write_value(Out& out, const std::string& field, const GgufMetaValue& v, int depth) {
  auto want = [&](bool ok) {
    if (!ok) out.fail(field + ": value does not match its type " + gguf_value_type_name(v.type));
  };
  switch (v.type) {
    case GgufValueType::UINT8: out.pod(checked_int<uint8_t>(out, field, v)); break;
    case GgufValueType::INT8: out.pod(checked_int<int8_t>(out, field, v)); break;
    case GgufValueType::UINT16: out.pod(checked_int<uint16_t>(out, field, v)); break;
    case GgufValueType::INT16: out.pod(checked_int<int16_t>(out, field, v)); break;
    case GgufValueType::UINT32: out.pod(checked_int<uint32_t>(out, field, v)); break;
    case GgufValueType::INT32: out.pod(checked_int<int32_t>(out, field, v)); break;
    case GgufValueType::UINT64: out.pod(checked_int<uint64_t>(out, field, v)); break;
    case GgufValueType::INT64: out.pod(checked_int<int64_t>(out, field, v)); break;
    case GgufValueType::FLOAT32:
      want(std::holds_alternative<double>(v.v));
      out.pod(static_cast<float>(std::get<double>(v.v)));
      break;
    case GgufValueType::FLOAT64:
      want(std::holds_alternative<double>(v.v));
      out.pod(std::get<double>(v.v));
      break;
    case GgufValueType::BOOL:
      want(std::holds_alternative<bool>(v.v));
      out.pod<uint8_t>(std::get<bool>(v.v) ? 1 : 0);
      break;
    case GgufValueType::STRING:
      want(std::holds_alternative<std::string>(v.v));
      out.str(std::get<std::string>(v.v));
      break;
    case GgufValueType::ARRAY: {
      want(std::holds_alternative<std::vector<GgufMetaValue>>(v.v));
      if (depth >= 8) out.fail(field + ": arrays nested deeper than 8");
      const auto& items = std::get<std::vector<GgufMetaValue>>(v.v);
      out.pod<uint32_t>(static_cast<uint32_t>(v.elem_type));
      out.pod<uint64_t>(items.size());
      for (size_t i = 0; i < items.size(); ++i) {
        const std::string f = field + "[" + std::to_string(i) + "]";
        if (items[i].type != v.elem_type)
          out.fail(f + ": item of type " + gguf_value_type_name(items[i].type) + " in an array of " +
                   gguf_value_type_name(v.elem_type));
        write_value(out, f, items[i], depth + 1);
      }
      break;
    }
    default:
      out.fail(field + ": unknown value type " + std::to_string(static_cast<uint32_t>(v.type)));
  }
}

std::atomic<unsigned> g_tmp_counter{0};

}  // namespace

void GgufWriter::write(const std::string& path, uint32_t version) const {
  if (version != 2 && version != 3)
    throw FormatError(path + ": cannot write GGUF version " + std::to_string(version) +
                      " (supported: 2, 3)");
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid()) + "-" +
                          std::to_string(g_tmp_counter.fetch_add(1));
  Out out(path, tmp);

  out.pod<uint32_t>(0x46554747);  // "GGUF"
  out.pod<uint32_t>(version);
  out.pod<uint64_t>(tensors_.size());
  out.pod<uint64_t>(kv_.size());
  for (const auto& [key, value] : kv_) {
    out.str(key);
    out.pod<uint32_t>(static_cast<uint32_t>(value.type));
    write_value(out, "key '" + key + "'", value, 0);
  }

  // Tensor offsets are relative to the data section; each tensor starts on an
  // alignment boundary (gguf.md "tensor_data").
  uint64_t offset = 0;
  for (const auto& t : tensors_) {
    out.str(t.name);
    out.pod<uint32_t>(static_cast<uint32_t>(t.shape.size()));
    for (uint64_t d : t.shape) out.pod<uint64_t>(d);
    out.pod<uint32_t>(t.type_id);
    out.pod<uint64_t>(offset);
    offset += (t.n_bytes + alignment_ - 1) / alignment_ * alignment_;
  }
  out.pad_to(alignment_);

  std::vector<float> f32;
  for (const auto& t : tensors_) {
    if (!t.source) {
      out.bytes(t.bytes.data(), t.bytes.size());
    } else if (t.source->type_id == t.type_id) {
      if (!t.source->data || t.source->n_bytes != t.n_bytes)
        out.fail("tensor '" + t.name + "': source tensor has no data");
      out.bytes(t.source->data, t.n_bytes);
    } else {
      f32.resize(t.source->n_elements);
      dequantize_tensor_into(*t.source, f32.data(), 0);
      const auto bytes = convert_from_f32(f32.data(), f32.size(), static_cast<GgmlType>(t.type_id));
      out.bytes(bytes.data(), bytes.size());
    }
    out.pad_to(alignment_);
  }
  out.commit();
}

}  // namespace polysafe::formats
