// A CSV file with a header row, as the header-based suite formats (Do-Not-Answer,
// MultiJail, generic csv:) read it: column lookup by name, every data row made
// the header's width. Published files are read as they are: blank and all-empty
// rows are skipped, short rows padded and long ones cut with a warning, a
// nameless column (pandas' index) kept under the name "". Unreadable files are
// DataError naming file:line.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "util/csv.h"

namespace polysafe::data {

struct CsvTable {
  std::string path;
  std::vector<std::string> header;  // names trimmed of surrounding ASCII white space; "" for a nameless column
  std::vector<csv::Record> rows;    // data rows, each with header.size() fields
  std::vector<std::string> warnings;  // "path:line: ..." for rows made the header's width, repeated names

  // Index of the first column named `name`, or -1 when absent (never matches "").
  int column(const std::string& name) const;
  // As column(), but DataError("path:1: column 'name' missing (have: ...)") when absent.
  size_t require(const std::string& name) const;
  // "path:line" of a row, for error messages.
  std::string where(const csv::Record& row) const;

  // The id of `row` made unique among `seen` (which it joins): an empty id
  // becomes "line<N>", a repeated one "<id>@line<N>", each with a warning.
  // A published id only links a row's translations: a damaged one costs the
  // row its id, not its place in the suite.
  std::string unique_id(std::string id, const csv::Record& row, std::set<std::string>& seen,
                        std::vector<std::string>& warnings) const;
};

// Throws DataError for an unreadable file (read_text_file's errors, an
// unterminated quote) or a file with no header row. A row with fewer fields
// than the header gets empty ones; extra fields are dropped, with a warning
// unless they are empty (trailing separators).
CsvTable read_csv_table(const std::string& path);

}  // namespace polysafe::data
