// Where tests find real data and models. Shared datasets live beside the project
// (../shared/data, or $POLYSAFE_SHARED_DATA); models are found the way the CLI
// finds them (hub::resolve_model), so tests exercise the real discovery code.
#pragma once

#include <filesystem>
#include <string>

namespace polysafe::test {

std::string source_dir();          // project root
std::string shared_data_dir();     // ../shared/data
std::string polysafe_binary();     // built CLI
// Path of an installed default model ("smollm2-135m-instruct", "gemma3-270m").
std::string model_path(const std::string& short_name);
// Runs a shell command, returns its exit status and captures stdout (+stderr if asked).
int run_command(const std::string& cmd, std::string* output, bool merge_stderr = true);

// A fresh directory unique to the running test (pid + test name + tag), created
// empty and removed when the value goes out of scope.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tag = "");
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Lower-case hex of raw bytes, for comparing buffers with reference output.
std::string hex(const void* data, size_t n);

}  // namespace polysafe::test
