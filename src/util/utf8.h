// UTF-8 decoding and validation shared by tokenizers, templates and reports.
// Invalid input is reported with the byte offset, never silently replaced
// unless the caller asks for replacement (U+FFFD), as decoders of model output do.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace polysafe::utf8 {

// Length in bytes of the sequence that starts with lead byte c (1..4), or 0 if c is
// not a valid lead byte.
int sequence_length(unsigned char c);

// Offset of the first invalid byte, or nullopt when s is valid UTF-8 (RFC 3629:
// no overlongs, no surrogates, nothing above U+10FFFF).
std::optional<size_t> first_invalid(std::string_view s);

// Decodes one code point at s[pos]; advances pos. Invalid bytes decode as U+FFFD
// and advance by one byte.
char32_t decode(std::string_view s, size_t& pos);

std::vector<char32_t> to_codepoints(std::string_view s);
void append(std::string& out, char32_t cp);
std::string from_codepoints(const std::vector<char32_t>& cps);

// s itself when valid, else a copy with each invalid byte read as U+FFFD.
std::string replace_invalid(std::string_view s);

}  // namespace polysafe::utf8
