// Reading JSON Lines files record by record, with errors that name file:line.
// One loop for every reader of user-supplied JSONL (prompts, labelled texts,
// judged answers): blank lines skipped, CRLF accepted, invalid UTF-8 and
// non-JSON lines rejected. The error type is the caller's layer's, so each
// layer keeps its own exception; nothing here aborts on bad input.
#pragma once

#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "util/utf8.h"

namespace polysafe::jsonl {

// Calls on_record(value, where, lineno) for each non-blank line, where `where`
// is "path:lineno". With objects_only, a line that is not a JSON object is an
// error. Throws E("path: cannot open") / E("path:N: ...").
template <class E, class F>
void for_each_record(const std::string& path, bool objects_only, F&& on_record) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw E(path + ": cannot open");
  std::string line;
  for (size_t lineno = 1; std::getline(in, line); ++lineno) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(lineno);
    if (auto bad = utf8::first_invalid(line)) throw E(where + ": invalid UTF-8 at byte " + std::to_string(*bad));
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      throw E(where + ": not JSON (" + std::string(e.what()) + ")");
    }
    if (objects_only && !j.is_object())
      throw E(where + ": expected a JSON object, got " + std::string(j.type_name()));
    on_record(j, where, lineno);
  }
}

}  // namespace polysafe::jsonl
