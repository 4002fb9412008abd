// A read-only memory map of a whole file. Model readers hand out pointers into it
// without copying, so the map must outlive every view taken from it.
// Never throws anything but polysafe::Error (message names the path).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace polysafe {

class MappedFile {
 public:
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// Reads a whole (small) file into a string; throws Error naming the path.
std::string read_text_file(const std::string& path);

}  // namespace polysafe
