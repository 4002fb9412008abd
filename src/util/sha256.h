// SHA-256 of files and buffers (OpenSSL), for model checksums and cache keys.
#pragma once

#include <string>
#include <string_view>

namespace polysafe {

std::string sha256_hex(std::string_view data);
// Streams the file in chunks; throws Error naming the path if it cannot be read.
std::string sha256_file_hex(const std::string& path);

}  // namespace polysafe
