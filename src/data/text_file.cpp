// Suite text files, see text_file.h.
#include "data/text_file.h"

#include <fstream>
#include <sstream>

#include "data/suite_item.h"
#include "util/utf8.h"

namespace polysafe::data {

std::string_view strip_bom(std::string_view text) {
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());
  return text;
}

size_t line_of_offset(std::string_view text, size_t offset) {
  size_t line = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') ++line;
    else if (text[i] == '\r' && (i + 1 >= text.size() || text[i + 1] != '\n')) ++line;
  }
  return line;
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path + ": cannot open");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw DataError(path + ": read error");
  std::string bytes = std::move(ss).str();
  // Excel's "Unicode text" and PowerShell write UTF-16 with a BOM (FF FE / FE FF).
  if (bytes.size() >= 2 && ((bytes[0] == '\xFF' && bytes[1] == '\xFE') || (bytes[0] == '\xFE' && bytes[1] == '\xFF')))
    throw DataError(path + ": the file is UTF-16 (save it as UTF-8)");
  const std::string_view text = strip_bom(bytes);
  if (auto bad = utf8::first_invalid(text))
    throw DataError(path + ":" + std::to_string(line_of_offset(text, *bad)) + ": invalid UTF-8 at byte " +
                    std::to_string(*bad + (bytes.size() - text.size())) + " (is the file UTF-8?)");
  return std::string(text);
}

}  // namespace polysafe::data
