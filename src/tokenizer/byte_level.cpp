#include "tokenizer/byte_level.h"

#include <array>
#include <vector>

#include "tokenizer/unicode_props.h"

namespace polysafe::tokenizer {

namespace {

struct Tables {
  std::array<std::string, 256> to_text;
  std::array<int16_t, 512> from_cp;  // code point (< 512) -> byte, or -1
};

const Tables& tables() {
  static const Tables t = [] {
    Tables x;
    x.from_cp.fill(-1);
    // Printable Latin-1 bytes stand for themselves; the rest are shifted to 256+n
    // in byte order.
    auto printable = [](int b) {
      return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    };
    int n = 0;
    for (int b = 0; b < 256; ++b) {
      char32_t cp = printable(b) ? static_cast<char32_t>(b) : static_cast<char32_t>(256 + n++);
      append_utf8(x.to_text[b], cp);
      x.from_cp[cp] = static_cast<int16_t>(b);
    }
    return x;
  }();
  return t;
}

}  // namespace

const std::string& byte_to_unicode(uint8_t b) { return tables().to_text[b]; }

void byte_level_encode(std::string_view raw, std::string& out) {
  const auto& t = tables();
  for (unsigned char c : raw) out += t.to_text[c];
}

bool byte_level_decode(std::string_view text, std::string& out) {
  const auto& t = tables();
  bool ok = true;
  for (char32_t cp : decode_valid_utf8(text)) {
    if (cp < 512 && t.from_cp[cp] >= 0) {
      out.push_back(static_cast<char>(t.from_cp[cp]));
    } else {
      append_utf8(out, cp);
      ok = false;
    }
  }
  return ok;
}

}  // namespace polysafe::tokenizer
