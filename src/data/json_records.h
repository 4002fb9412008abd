// The records of a JSON suite file, whichever way it was written: JSON Lines
// (one value per line, blank lines skipped, CRLF accepted) or one JSON array of
// records (json.dump of a list, pandas' orient="records"). The layout is told
// by the first character, so loaders never care which one a dataset's authors
// chose. Errors are DataError naming file:line; nothing here aborts.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace polysafe::data {

struct JsonRecord {
  nlohmann::json value;
  std::string where;  // "path:line", line 1-based where the record starts
  size_t line = 0;
};

enum class JsonLayout { lines, array };

// Every record of `path` (read with read_text_file), in file order; `layout`,
// when given, receives which layout the file has. A file whose first
// non-blank character is '[' is one array; anything else is JSON Lines. A
// record that is not strict JSON but a Python literal (NaN, single quotes,
// None: what str(dict) or json.dump(allow_nan) write) is read with
// parse_literal. With objects_only, a record that is not an object is an error.
// Throws DataError("path:line: not JSON (...)"), ("path:line: expected a JSON
// object, got T"), ("path:line: text after the closing ']'").
std::vector<JsonRecord> read_json_records(const std::string& path, bool objects_only, JsonLayout* layout = nullptr);

// An optional string field of a record: "" when absent or null; another type
// adds "WHERE: field 'F': expected a string, got T (read as empty)" to
// `warnings` and gives "" (one bad cell never rejects a published file).
std::string optional_string(const nlohmann::json& record, const char* field, const std::string& where,
                            std::vector<std::string>& warnings);

}  // namespace polysafe::data
