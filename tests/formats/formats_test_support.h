// Shared helpers for the formats tests: scratch directories, raw file I/O, the
// Python reference scripts (scripts/reference/gguf_*.py) and the two default
// models. Header-only so each test file stays self-contained.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "test_paths.h"

namespace polysafe::test {

inline std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

template <typename T>
std::vector<T> read_array(const std::string& path) {
  auto b = read_bytes(path);
  std::vector<T> out(b.size() / sizeof(T));
  if (!b.empty()) std::memcpy(out.data(), b.data(), out.size() * sizeof(T));
  return out;
}

inline void write_bytes(const std::string& path, const void* data, size_t n) {
  std::ofstream out(path, std::ios::binary);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(n));
  if (!out) throw std::runtime_error("cannot write " + path);
}

inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Runs scripts/reference/<script> with args; fails the test (and returns "")
// when it exits non-zero. Returns its stdout.
inline std::string run_reference(const std::string& script, const std::string& args) {
  std::string cmd = "python3 " + shell_quote(source_dir() + "/scripts/reference/" + script) + " " + args;
  std::string out;
  int rc = run_command(cmd, &out, /*merge_stderr=*/false);
  EXPECT_EQ(rc, 0) << cmd << "\n" << out;
  return rc == 0 ? out : std::string();
}

inline uint32_t bits_of(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

// Distance in units in the last place between two finite floats (0 when
// bit-identical; +0 and -0 are one apart, which is what bit-exactness needs).
inline uint64_t ulp_distance(float a, float b) {
  auto key = [](float f) -> int64_t {
    int32_t i;
    std::memcpy(&i, &f, 4);
    return i < 0 ? int64_t(INT32_MIN) - int64_t(i) - 1 : int64_t(i);
  };
  int64_t d = key(a) - key(b);
  return uint64_t(d < 0 ? -d : d);
}

}  // namespace polysafe::test
