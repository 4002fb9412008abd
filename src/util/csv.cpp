// CSV reading (RFC 4180), see csv.h for the rules.
#include "util/csv.h"

#include <fstream>
#include <sstream>

#include "util/error.h"
#include "util/utf8.h"

namespace polysafe::csv {

namespace {

[[noreturn]] void fail(const std::string& name, size_t line, const std::string& what) {
  throw FormatError(name + ":" + std::to_string(line) + ": " + what);
}

// Line number (1-based) of byte offset `pos`, counting CRLF, LF and lone CR as one break.
size_t line_of(std::string_view text, size_t pos) {
  size_t line = 1;
  for (size_t i = 0; i < pos && i < text.size(); ++i) {
    if (text[i] == '\n') ++line;
    else if (text[i] == '\r' && (i + 1 >= text.size() || text[i + 1] != '\n')) ++line;
  }
  return line;
}

}  // namespace

std::vector<Record> parse(std::string_view text, const std::string& name, char separator) {
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());
  if (auto bad = utf8::first_invalid(text)) {
    fail(name, line_of(text, *bad), "invalid UTF-8 at byte " + std::to_string(*bad));
  }

  std::vector<Record> records;
  size_t pos = 0, line = 1;
  const size_t n = text.size();
  while (pos < n) {
    Record rec;
    rec.line = line;
    // One record: fields until a line end outside quotes, or the end of input.
    for (;;) {
      std::string field;
      if (pos < n && text[pos] == '"') {
        const size_t open_line = line;
        ++pos;
        for (;;) {
          if (pos >= n) fail(name, open_line, "unterminated quoted field (no closing '\"' before end of file)");
          char c = text[pos];
          if (c == '"') {
            if (pos + 1 < n && text[pos + 1] == '"') {
              field.push_back('"');
              pos += 2;
              continue;
            }
            ++pos;
            break;
          }
          if (c == '\n' || (c == '\r' && (pos + 1 >= n || text[pos + 1] != '\n'))) ++line;
          field.push_back(c);
          ++pos;
        }
        if (pos < n && text[pos] != separator && text[pos] != '\n' && text[pos] != '\r')
          fail(name, line, std::string("unexpected character '") + text[pos] + "' after closing quote of field " +
                               std::to_string(rec.fields.size() + 1));
      } else {
        while (pos < n && text[pos] != separator && text[pos] != '\n' && text[pos] != '\r') field.push_back(text[pos++]);
      }
      rec.fields.push_back(std::move(field));
      if (pos < n && text[pos] == separator) {
        ++pos;
        continue;
      }
      break;  // line end or end of input
    }
    if (pos < n) {  // consume the line end
      if (text[pos] == '\r' && pos + 1 < n && text[pos + 1] == '\n') ++pos;
      ++pos;
      ++line;
    }
    records.push_back(std::move(rec));
  }
  return records;
}

std::vector<Record> read_file(const std::string& path, char separator) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FormatError(path + ": cannot open");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw FormatError(path + ": read error");
  return parse(ss.str(), path, separator);
}

}  // namespace polysafe::csv
