// Suites compiled into the library. Their JSON Lines text is embedded at build
// time by src/data/embed_text.cmake (see the "Suites" block of src/CMakeLists.txt),
// one SuiteItem per line in the form item_from_json reads.
#include <cstddef>
#include <string_view>

#include "data/suite_formats.h"
#include "util/strings.h"
#include "util/utf8.h"

namespace polysafe::data {

namespace embedded {
extern const unsigned char redteam_jsonl[];
extern const std::size_t redteam_jsonl_size;
}  // namespace embedded

namespace {

struct Builtin {
  const char* name;
  const unsigned char* data;
  const std::size_t* size;
};

const Builtin kBuiltins[] = {
    {"redteam", embedded::redteam_jsonl, &embedded::redteam_jsonl_size},
};

}  // namespace

Suite parse_items_jsonl(std::string_view text, const std::string& label) {
  Suite suite;
  suite.name = label;
  size_t lineno = 0, pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    const std::string where = label + ":" + std::to_string(lineno);
    if (auto bad = utf8::first_invalid(line)) throw DataError(where + ": invalid UTF-8 at byte " + std::to_string(*bad));
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      throw DataError(where + ": not JSON (" + std::string(e.what()) + ")");
    }
    SuiteItem item = item_from_json(j, where);
    if (item.source.empty()) item.source = label;
    suite.items.push_back(std::move(item));
  }
  if (suite.items.empty()) throw DataError(label + ": no items");
  return suite;
}

Suite load_builtin(const std::string& name) {
  std::vector<std::string> names;
  for (const auto& b : kBuiltins) {
    if (name == b.name)
      return parse_items_jsonl(std::string_view(reinterpret_cast<const char*>(b.data), *b.size), "builtin:" + name);
    names.push_back(std::string("builtin:") + b.name);
  }
  throw DataError("builtin:" + name + ": no such built-in suite (have: " + join(names, ", ") + ")");
}

}  // namespace polysafe::data
