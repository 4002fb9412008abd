// Helpers for harnesses whose parser takes a path: the fuzz input is written to
// a per-process file under /dev/shm (memory-backed) and parsed from there.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace polysafe::fuzz {
// Writes data to a scratch file and returns its path (same path every call).
const std::string& write_scratch(const uint8_t* data, size_t size, const char* suffix);
}  // namespace polysafe::fuzz
