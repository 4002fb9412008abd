// JSON Lines or one JSON array, see json_records.h.
#include "data/json_records.h"

#include <cctype>

#include "data/list_cell.h"
#include "data/suite_item.h"
#include "data/text_file.h"

namespace polysafe::data {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// One record's text as JSON, else as a Python literal; nlohmann's message when neither reads it.
nlohmann::json parse_record(std::string_view text, const std::string& where) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    try {
      return parse_literal(text);
    } catch (const DataError&) {
      throw DataError(where + ": not JSON (" + std::string(e.what()) + ")");
    }
  }
}

void check_object(const nlohmann::json& v, const std::string& where, bool objects_only) {
  if (objects_only && !v.is_object()) throw DataError(where + ": expected a JSON object, got " + std::string(v.type_name()));
}

std::vector<JsonRecord> read_lines(const std::string& path, std::string_view text, bool objects_only) {
  std::vector<JsonRecord> out;
  size_t pos = 0, line = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view l = text.substr(pos, end - pos);
    pos = end + 1;
    ++line;
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (l.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    JsonRecord r;
    r.where = path + ":" + std::to_string(line);
    r.line = line;
    r.value = parse_record(l, r.where);
    check_object(r.value, r.where, objects_only);
    out.push_back(std::move(r));
  }
  return out;
}

// The elements of the top-level array, each parsed on its own so that each one
// knows the line it starts on. The scan only tracks strings and nesting; the
// element parser checks everything else.
std::vector<JsonRecord> read_array(const std::string& path, std::string_view text, size_t open, bool objects_only) {
  std::vector<JsonRecord> out;
  size_t pos = open + 1, line = line_of_offset(text, open);
  auto skip_space = [&] {
    while (pos < text.size() && is_space(text[pos])) {
      if (text[pos] == '\n') ++line;
      ++pos;
    }
  };
  for (;;) {
    skip_space();
    if (pos >= text.size()) throw DataError(path + ":" + std::to_string(line) + ": unterminated array (no closing ']')");
    if (text[pos] == ']') {
      ++pos;
      break;
    }
    const size_t start = pos, start_line = line;
    int depth = 0;
    char quote = 0;
    for (; pos < text.size(); ++pos) {
      const char c = text[pos];
      if (c == '\n') ++line;
      if (quote) {
        if (c == '\\') {
          if (pos + 1 < text.size() && text[pos + 1] == '\n') ++line;
          ++pos;
        } else if (c == quote) {
          quote = 0;
        }
        continue;
      }
      if (c == '"' || c == '\'') quote = c;
      else if (c == '{' || c == '[' || c == '(') ++depth;
      else if (c == '}' || c == ']' || c == ')') {
        if (depth == 0) break;
        --depth;
      } else if (c == ',' && depth == 0) break;
    }
    JsonRecord r;
    r.where = path + ":" + std::to_string(start_line);
    r.line = start_line;
    if (pos >= text.size()) throw DataError(r.where + ": unterminated array (no closing ']')");
    std::string_view body = text.substr(start, pos - start);
    while (!body.empty() && is_space(body.back())) body.remove_suffix(1);
    r.value = parse_record(body, r.where);
    check_object(r.value, r.where, objects_only);
    out.push_back(std::move(r));
    if (text[pos] == ',') ++pos;  // a trailing ",]" is tolerated: the next turn sees ']'
    else if (text[pos] == ']') {
      ++pos;
      break;
    } else {
      throw DataError(r.where + ": expected ',' or ']' after the record, got '" + std::string(1, text[pos]) + "'");
    }
  }
  skip_space();
  if (pos < text.size()) throw DataError(path + ":" + std::to_string(line) + ": text after the closing ']' of the array");
  return out;
}

}  // namespace

std::vector<JsonRecord> read_json_records(const std::string& path, bool objects_only, JsonLayout* layout) {
  const std::string text = read_text_file(path);
  size_t first = 0;
  while (first < text.size() && is_space(text[first])) ++first;
  const bool array = first < text.size() && text[first] == '[';
  if (layout) *layout = array ? JsonLayout::array : JsonLayout::lines;
  return array ? read_array(path, text, first, objects_only) : read_lines(path, text, objects_only);
}

std::string optional_string(const nlohmann::json& record, const char* field, const std::string& where,
                            std::vector<std::string>& warnings) {
  auto it = record.find(field);
  if (it == record.end() || it->is_null()) return "";
  if (!it->is_string()) {
    warnings.push_back(where + ": field '" + field + "': expected a string, got " + std::string(it->type_name()) +
                       " (read as empty)");
    return "";
  }
  return it->get<std::string>();
}

}  // namespace polysafe::data
