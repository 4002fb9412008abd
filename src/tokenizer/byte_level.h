// GPT-2 byte-level alphabet: every byte maps to one printable code point, so
// byte-level BPE vocabularies hold text like "Ġhello" for " hello" (reference:
// openai/gpt-2 encoder.py bytes_to_unicode). Never applies merges.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace polysafe::tokenizer {

// UTF-8 of the code point standing for byte b.
const std::string& byte_to_unicode(uint8_t b);
// Appends the byte-level spelling of raw bytes.
void byte_level_encode(std::string_view raw, std::string& out);
// Maps a byte-level token text back to bytes; false if it holds a code point
// outside the alphabet (the caller decides how to render it).
bool byte_level_decode(std::string_view text, std::string& out);

}  // namespace polysafe::tokenizer
