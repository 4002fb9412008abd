// CSV with a header row, see csv_table.h.
#include "data/csv_table.h"

#include <algorithm>

#include "data/suite_item.h"
#include "util/strings.h"

namespace polysafe::data {

namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

bool blank(const csv::Record& r) { return r.fields.size() == 1 && trim(r.fields[0]).empty(); }

}  // namespace

int CsvTable::column(const std::string& name) const {
  auto it = std::find(header.begin(), header.end(), name);
  return it == header.end() ? -1 : int(it - header.begin());
}

size_t CsvTable::require(const std::string& name) const {
  int c = column(name);
  if (c < 0) throw DataError(path + ":1: column '" + name + "' missing (have: " + join(header, ", ") + ")");
  return size_t(c);
}

std::string CsvTable::where(const csv::Record& row) const { return path + ":" + std::to_string(row.line); }

CsvTable read_csv_table(const std::string& path) {
  std::vector<csv::Record> recs;
  try {
    recs = csv::read_file(path);
  } catch (const FormatError& e) {
    throw DataError(e.what());
  }
  CsvTable t;
  t.path = path;
  auto it = std::find_if(recs.begin(), recs.end(), [](const csv::Record& r) { return !blank(r); });
  if (it == recs.end()) throw DataError(path + ":1: empty file (expected a header row)");
  for (size_t i = 0; i < it->fields.size(); ++i) {
    std::string name = trim(it->fields[i]);
    if (name.empty())
      throw DataError(path + ":" + std::to_string(it->line) + ": column " + std::to_string(i + 1) + " has no name");
    if (std::find(t.header.begin(), t.header.end(), name) != t.header.end())
      throw DataError(path + ":" + std::to_string(it->line) + ": column '" + name + "' appears twice");
    t.header.push_back(std::move(name));
  }
  for (++it; it != recs.end(); ++it) {
    if (blank(*it)) continue;
    if (it->fields.size() != t.header.size())
      throw DataError(path + ":" + std::to_string(it->line) + ": expected " + std::to_string(t.header.size()) +
                      " fields (as in the header), got " + std::to_string(it->fields.size()));
    t.rows.push_back(std::move(*it));
  }
  return t;
}

}  // namespace polysafe::data
