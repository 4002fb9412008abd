// Reading CSV (RFC 4180) as records of text fields: quoted fields with embedded
// separators, line breaks and doubled quotes; CRLF, LF or CR line ends; a UTF-8
// byte-order mark stripped. Every error names "file:line" (the line where the
// bad record starts) and is thrown as FormatError; malformed input never aborts.
// It knows nothing of headers or column meaning: callers decide both.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace polysafe::csv {

struct Record {
  std::vector<std::string> fields;
  size_t line = 0;  // 1-based line of the file where the record starts
};

// Parses a whole document. `name` prefixes error messages ("data.csv:12: ...").
// Rules (RFC 4180 §2, plus what spreadsheets write):
//  - a field that starts with '"' is quoted: it ends at the next lone '"', and
//    "" inside it stands for one '"'; after the closing quote only the separator,
//    a line end or the end of input may follow (else an error);
//  - a '"' inside an unquoted field is kept as a literal character (lenient, as
//    Python's csv module is: real files contain `5" screen`);
//  - an empty line is a record with one empty field; a final line end does not
//    start another record; an empty document has no records;
//  - an unterminated quoted field or invalid UTF-8 is an error.
std::vector<Record> parse(std::string_view text, const std::string& name, char separator = ',');

// Reads and parses a file; FormatError("path: cannot open") when unreadable.
std::vector<Record> read_file(const std::string& path, char separator = ',');

}  // namespace polysafe::csv
