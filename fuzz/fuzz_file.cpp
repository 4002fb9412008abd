#include "fuzz_file.h"

#include <unistd.h>

#include <cstdio>
#include <map>

namespace polysafe::fuzz {

const std::string& write_scratch(const uint8_t* data, size_t size, const char* suffix) {
  static std::map<std::string, std::string> paths;
  auto& path = paths[suffix];
  if (path.empty()) path = "/dev/shm/polysafe-fuzz-" + std::to_string(::getpid()) + suffix;
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f) {
    if (size) std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  return path;
}

}  // namespace polysafe::fuzz
