#include "test_paths.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "hub/model_registry.h"

namespace polysafe::test {

std::string source_dir() { return POLYSAFE_SOURCE_DIR; }

std::string shared_data_dir() {
  if (const char* e = std::getenv("POLYSAFE_SHARED_DATA")) return e;
  return (std::filesystem::path(POLYSAFE_SOURCE_DIR) / ".." / "shared" / "data").lexically_normal();
}

std::string polysafe_binary() { return POLYSAFE_BINARY; }

std::string model_path(const std::string& short_name) { return hub::resolve_model(short_name); }

int run_command(const std::string& cmd, std::string* output, bool merge_stderr) {
  std::string full = cmd + (merge_stderr ? " 2>&1" : "");
  FILE* p = popen(full.c_str(), "r");
  if (!p) return -1;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0)
    if (output) output->append(buf.data(), n);
  int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace polysafe::test
