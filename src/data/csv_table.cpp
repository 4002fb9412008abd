// CSV with a header row, see csv_table.h.
#include "data/csv_table.h"

#include <algorithm>

#include "data/suite_item.h"
#include "data/text_file.h"
#include "util/strings.h"

namespace polysafe::data {

namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

// An empty line, or a row of separators only (",,,," that spreadsheets leave below the data).
bool blank(const csv::Record& r) {
  return std::all_of(r.fields.begin(), r.fields.end(), [](const std::string& f) { return trim(f).empty(); });
}

}  // namespace

int CsvTable::column(const std::string& name) const {
  if (name.empty()) return -1;
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
    recs = csv::parse(read_text_file(path), path);
  } catch (const FormatError& e) {
    throw DataError(e.what());
  }
  CsvTable t;
  t.path = path;
  auto it = std::find_if(recs.begin(), recs.end(), [](const csv::Record& r) { return !blank(r); });
  if (it == recs.end()) throw DataError(path + ":1: empty file (expected a header row)");
  const std::string header_where = path + ":" + std::to_string(it->line);
  for (size_t i = 0; i < it->fields.size(); ++i) {
    std::string name = trim(it->fields[i]);
    if (!name.empty() && std::find(t.header.begin(), t.header.end(), name) != t.header.end())
      t.warnings.push_back(header_where + ": column " + std::to_string(i + 1) + " '" + name +
                           "' repeats an earlier column's name: only the first is read");
    t.header.push_back(std::move(name));
  }
  const size_t width = t.header.size();
  for (++it; it != recs.end(); ++it) {
    if (blank(*it)) continue;
    auto& f = it->fields;
    const std::string where = path + ":" + std::to_string(it->line);
    if (f.size() < width) {
      t.warnings.push_back(where + ": " + std::to_string(f.size()) + " fields, the header has " + std::to_string(width) +
                           ": the missing ones are read as empty");
      f.resize(width);
    } else if (f.size() > width) {
      const bool extra_empty = std::all_of(f.begin() + std::ptrdiff_t(width), f.end(), [](const std::string& x) { return trim(x).empty(); });
      if (!extra_empty)
        t.warnings.push_back(where + ": " + std::to_string(f.size()) + " fields, the header has " + std::to_string(width) +
                             ": the extra ones are ignored (an unquoted separator inside a field?)");
      f.resize(width);
    }
    t.rows.push_back(std::move(*it));
  }
  return t;
}

std::string CsvTable::unique_id(std::string id, const csv::Record& row, std::set<std::string>& seen,
                                std::vector<std::string>& warnings) const {
  if (id.empty()) {
    id = "line" + std::to_string(row.line);
    warnings.push_back(where(row) + ": field 'id': empty (the row is '" + id + "')");
  } else if (seen.count(id)) {
    const std::string again = id + "@line" + std::to_string(row.line);
    warnings.push_back(where(row) + ": field 'id': '" + id + "' repeated (the row is '" + again + "')");
    id = again;
  }
  seen.insert(id);
  return id;
}

}  // namespace polysafe::data
