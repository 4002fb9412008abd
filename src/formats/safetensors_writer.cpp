#include "formats/safetensors_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>

#include "formats/half_float.h"
#include "util/error.h"

namespace polysafe::formats {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// An output file under a temporary name that becomes `path` only on commit().
class AtomicOutput {
 public:
  explicit AtomicOutput(const std::string& path) : path_(path) {
    fs::path p(path);
    std::string tmpl = (p.parent_path().empty() ? fs::path(".") : p.parent_path()) /
                       ("." + p.filename().string() + ".tmp.XXXXXX");
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    int fd = ::mkstemp(buf.data());
    if (fd < 0) throw FormatError(path + ": cannot create temporary file: " + std::strerror(errno));
    tmp_.assign(buf.data());
    ::fchmod(fd, 0644);
    f_ = ::fdopen(fd, "wb");
    if (!f_) {
      ::close(fd);
      ::unlink(tmp_.c_str());
      throw FormatError(path + ": cannot open temporary file: " + std::strerror(errno));
    }
  }
  ~AtomicOutput() {
    if (f_) std::fclose(f_);
    if (!committed_) ::unlink(tmp_.c_str());
  }
  void write(const void* p, size_t n) {
    if (n && std::fwrite(p, 1, n, f_) != n)
      throw FormatError(path_ + ": write failed: " + std::strerror(errno));
  }
  void commit() {
    if (std::fflush(f_) != 0 || ::fsync(::fileno(f_)) != 0)
      throw FormatError(path_ + ": write failed: " + std::strerror(errno));
    int rc = std::fclose(f_);
    f_ = nullptr;
    if (rc != 0) throw FormatError(path_ + ": write failed: " + std::strerror(errno));
    if (std::rename(tmp_.c_str(), path_.c_str()) != 0)
      throw FormatError(path_ + ": cannot rename temporary file into place: " + std::strerror(errno));
    committed_ = true;
  }

 private:
  std::string path_, tmp_;
  FILE* f_ = nullptr;
  bool committed_ = false;
};

}  // namespace

void write_file_atomically(const std::string& path, std::string_view contents) {
  AtomicOutput out(path);
  out.write(contents.data(), contents.size());
  out.commit();
}

void SafetensorsWriter::add_raw(const std::string& name, SafetensorsDtype dtype,
                                std::vector<uint64_t> shape, std::span<const uint8_t> bytes) {
  if (name.empty() || name == "__metadata__")
    throw FormatError("safetensors writer: tensor name '" + name + "' is reserved or empty");
  if (index_.count(name)) throw FormatError("safetensors writer: tensor '" + name + "': added twice");
  uint64_t n = 1;
  for (uint64_t d : shape) {
    if (d != 0 && n > std::numeric_limits<uint64_t>::max() / d)
      throw FormatError("safetensors writer: tensor '" + name + "': shape overflows 64 bits");
    n *= d;
  }
  const uint64_t need = n * safetensors_dtype_size(dtype);
  if (need != bytes.size())
    throw FormatError("safetensors writer: tensor '" + name + "': " + std::to_string(bytes.size()) +
                      " bytes given but shape × " + safetensors_dtype_name(dtype) + " needs " +
                      std::to_string(need));
  index_[name] = tensors_.size();
  tensors_.push_back({name, dtype, std::move(shape), std::vector<uint8_t>(bytes.begin(), bytes.end())});
}

void SafetensorsWriter::add_f32(const std::string& name, std::vector<uint64_t> shape,
                                std::span<const float> values, SafetensorsDtype dtype) {
  std::vector<uint8_t> bytes;
  switch (dtype) {
    case SafetensorsDtype::F32:
      bytes.resize(values.size() * 4);
      if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
      break;
    case SafetensorsDtype::F16:
    case SafetensorsDtype::BF16:
      bytes.resize(values.size() * 2);
      for (size_t i = 0; i < values.size(); ++i) {
        uint16_t h = dtype == SafetensorsDtype::F16 ? fp32_to_fp16(values[i])
                                                    : fp32_to_bf16(values[i]);
        std::memcpy(bytes.data() + 2 * i, &h, 2);
      }
      break;
    default:
      throw FormatError("safetensors writer: tensor '" + name + "': cannot convert f32 to " +
                        safetensors_dtype_name(dtype) + " (supported: F32, F16, BF16)");
  }
  add_raw(name, dtype, std::move(shape), bytes);
}

uint64_t SafetensorsWriter::total_bytes() const {
  uint64_t n = 0;
  for (const auto& e : tensors_) n += e.bytes.size();
  return n;
}

void SafetensorsWriter::write_file(const std::string& path, const std::vector<const Entry*>& entries_in) const {
  // Reference order (safetensors `prepare`): dtype descending in the spec's
  // dtype order (U64, I64, F64, F32, ... BOOL), then name. Wider types come
  // first, so every tensor is aligned to its element size once the data
  // section is 8-aligned. SafetensorsDtype lists the dtypes in that order.
  std::vector<const Entry*> entries = entries_in;
  std::sort(entries.begin(), entries.end(), [](const Entry* a, const Entry* b) {
    int ra = static_cast<int>(a->dtype), rb = static_cast<int>(b->dtype);
    return ra != rb ? ra > rb : a->name < b->name;
  });
  // The header is built by hand because nlohmann::json sorts object keys and
  // the tensor entries should appear in data order, "__metadata__" first.
  std::string header = "{";
  bool first = true;
  if (!metadata_.empty()) {
    header += "\"__metadata__\":" + json(metadata_).dump();
    first = false;
  }
  uint64_t offset = 0;
  for (const Entry* e : entries) {
    if (!first) header += ",";
    first = false;
    // Same key order and compact spelling as the reference, so identical
    // tensors give byte-identical files.
    header += json(e->name).dump() + ":{\"dtype\":\"" + safetensors_dtype_name(e->dtype) +
              "\",\"shape\":" + json(e->shape).dump() + ",\"data_offsets\":[" +
              std::to_string(offset) + "," + std::to_string(offset + e->bytes.size()) + "]}";
    offset += e->bytes.size();
  }
  header += "}";
  header.append((8 - header.size() % 8) % 8, ' ');  // data section starts 8-aligned

  AtomicOutput out(path);
  uint8_t len[8];
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(n >> (8 * i));
  out.write(len, 8);
  out.write(header.data(), header.size());
  for (const Entry* e : entries) out.write(e->bytes.data(), e->bytes.size());
  out.commit();
}

void SafetensorsWriter::write(const std::string& path) const {
  std::vector<const Entry*> all;
  for (const auto& e : tensors_) all.push_back(&e);
  write_file(path, all);
}

std::vector<std::string> SafetensorsWriter::write_sharded(const std::string& dir, uint64_t max_shard_bytes,
                                                          const std::string& stem) const {
  if (max_shard_bytes == 0) throw FormatError(dir + ": max shard size must be positive");
  std::vector<std::vector<const Entry*>> shards;
  uint64_t current = 0;
  for (const auto& [name, i] : index_) {  // name order
    const Entry* e = &tensors_[i];
    if (shards.empty() || (current > 0 && current + e->bytes.size() > max_shard_bytes)) {
      shards.emplace_back();
      current = 0;
    }
    shards.back().push_back(e);
    current += e->bytes.size();
  }
  if (shards.empty()) shards.emplace_back();

  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw FormatError(dir + ": cannot create directory: " + ec.message());
  char buf[64];
  std::vector<std::string> paths;
  json weight_map = json::object();
  for (size_t s = 0; s < shards.size(); ++s) {
    std::snprintf(buf, sizeof buf, "-%05zu-of-%05zu.safetensors", s + 1, shards.size());
    const std::string file = stem + buf;
    const std::string path = (fs::path(dir) / file).string();
    write_file(path, shards[s]);
    paths.push_back(path);
    for (const Entry* e : shards[s]) weight_map[e->name] = file;
  }
  json index = {{"metadata", {{"total_size", total_bytes()}}}, {"weight_map", weight_map}};
  write_file_atomically((fs::path(dir) / (stem + ".safetensors.index.json")).string(), index.dump(2) + "\n");
  return paths;
}

}  // namespace polysafe::formats
