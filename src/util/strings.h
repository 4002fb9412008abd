// Small string helpers shared across layers (formatting sizes, joining, escaping).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace polysafe {

std::string human_bytes(uint64_t n);                 // "97.8 MiB"
std::string human_count(uint64_t n);                 // "134.5M"
std::string join(const std::vector<std::string>& parts, std::string_view sep);
std::vector<std::string> split(std::string_view s, char sep);
bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);
// Printable rendering of arbitrary bytes for terminals: control characters and
// invalid UTF-8 become \n, \t, \xNN escapes.
std::string escape_for_terminal(std::string_view s);

}  // namespace polysafe
