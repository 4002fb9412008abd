// Reading the cell text of an .xlsx workbook's first worksheet (ECMA-376 Office
// Open XML SpreadsheetML: a zip of XML parts), for suites shipped as spreadsheets
// such as XSafety's Bengali files. Text only: shared strings, inline strings,
// formula string results and the raw value of numbers and booleans; no styles,
// dates or formulas. Truncated zips, missing parts and bad XML throw DataError
// naming the file and part; nothing here aborts on a bad file.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace polysafe::data {

struct XlsxRow {
  size_t number = 0;               // 1-based row number in the sheet (rows with no cells are absent)
  std::vector<std::string> cells;  // by column, 0-based ("A" = 0); columns without a cell are ""
};

// Rows of the first worksheet in workbook order, with their sheet row numbers so
// callers can keep positions when empty rows are left out of the file.
std::vector<XlsxRow> read_xlsx_first_sheet(const std::string& path);

}  // namespace polysafe::data
