// Reading a suite's text file (CSV, JSON Lines, JSON) into memory the one way
// every loader does: a UTF-8 byte-order mark stripped, the bytes checked to be
// UTF-8. A file in another encoding is an error naming file:line, never text
// silently decoded wrong; nothing here knows the file's format.
#pragma once

#include <string>
#include <string_view>

namespace polysafe::data {

// The text of `path` without a leading UTF-8 BOM. Throws DataError
// ("path: cannot open", "path: ... is UTF-16 (save it as UTF-8)",
// "path:LINE: invalid UTF-8 at byte N (is the file UTF-8?)").
std::string read_text_file(const std::string& path);

// `text` without a leading UTF-8 BOM (EF BB BF).
std::string_view strip_bom(std::string_view text);

// 1-based line of byte `offset`, counting LF, CRLF and lone CR as one break each.
size_t line_of_offset(std::string_view text, size_t offset);

}  // namespace polysafe::data
