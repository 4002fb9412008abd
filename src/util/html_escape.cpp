#include "util/html_escape.h"

#include <cstdio>

#include "util/utf8.h"

namespace polysafe {

bool is_bidi_control(char32_t c) { return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069); }

namespace {

bool is_hidden_control(char32_t c) {
  if (c == '\t' || c == '\n' || c == '\r') return false;
  return c < 0x20 || (c >= 0x7F && c <= 0x9F) || is_bidi_control(c);
}

}  // namespace

std::string html_escape(std::string_view text, HtmlControls controls) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
      // ASCII fast path: most text of most reports.
      switch (b) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&#34;"; break;
        case '\'': out += "&#39;"; break;
        default:
          if (controls == HtmlControls::Show && is_hidden_control(b)) {
            char buf[16];
            std::snprintf(buf, sizeof buf, "[U+%04X]", unsigned(b));
            out += buf;
          } else {
            out.push_back(char(b));
          }
      }
      ++i;
      continue;
    }
    if (controls == HtmlControls::Keep) {
      out.push_back(char(b));
      ++i;
      continue;
    }
    const size_t start = i;
    const char32_t c = utf8::decode(text, i);  // invalid bytes decode as U+FFFD, one byte each
    if (is_hidden_control(c)) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "[U+%04X]", unsigned(c));
      out += buf;
    } else if (c == 0xFFFD) {
      utf8::append(out, c);
    } else {
      out.append(text.substr(start, i - start));
    }
  }
  return out;
}

std::string html_id(std::string_view text) {
  std::string out;
  for (char ch : text) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-';
    out.push_back(ok ? ch : '_');
  }
  return out.empty() ? "_" : out;
}

}  // namespace polysafe
