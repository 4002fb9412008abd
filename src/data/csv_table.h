// A CSV file with a header row, as the header-based suite formats (Do-Not-Answer,
// MultiJail, generic csv:) read it: column lookup by name, every data row checked
// to have the header's width. Errors are DataError naming file:line; blank lines
// are skipped, never returned as rows.
#pragma once

#include <string>
#include <vector>

#include "util/csv.h"

namespace polysafe::data {

struct CsvTable {
  std::string path;
  std::vector<std::string> header;  // names trimmed of surrounding ASCII white space
  std::vector<csv::Record> rows;    // data rows, each with header.size() fields

  // Index of the column named `name`, or -1 when absent.
  int column(const std::string& name) const;
  // As column(), but DataError("path:1: column 'name' missing (have: ...)") when absent.
  size_t require(const std::string& name) const;
  // "path:line" of a row, for error messages.
  std::string where(const csv::Record& row) const;
};

// Throws DataError for an unreadable file, an empty file, an empty or repeated
// column name, or a row whose width differs from the header's.
CsvTable read_csv_table(const std::string& path);

}  // namespace polysafe::data
