#include "test_paths.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>
#include <unistd.h>

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

ScratchDir::ScratchDir(const std::string& tag) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info ? std::string(info->test_suite_name()) + "." + info->name() : "global";
  path_ = std::filesystem::temp_directory_path() /
          ("polysafe-" + std::to_string(::getpid()) + "-" + name + (tag.empty() ? "" : "-" + tag));
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string hex(const void* data, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  const auto* b = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) {
    s.push_back(digits[b[i] >> 4]);
    s.push_back(digits[b[i] & 15]);
  }
  return s;
}

}  // namespace polysafe::test
