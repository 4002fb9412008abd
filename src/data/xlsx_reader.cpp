// .xlsx first-sheet text, see xlsx_reader.h. Part names and elements follow
// ECMA-376 Part 1 §18 (SpreadsheetML): xl/workbook.xml lists the sheets in order,
// xl/_rels/workbook.xml.rels maps their r:id to a part, xl/sharedStrings.xml holds
// the <si> strings that cells of type "s" index.
#include "data/xlsx_reader.h"

#include <zip.h>

#include <cctype>
#include <cstdlib>
#include <memory>
#include <pugixml.hpp>

#include "data/suite_item.h"

namespace polysafe::data {

namespace {

// A zip member larger than this is refused: no suite needs it, and a zip bomb
// would otherwise exhaust memory.
constexpr zip_uint64_t kMaxPartBytes = 256ull << 20;
// Excel's own limits (ECMA-376 does not bound them; Excel 2007+ does).
constexpr size_t kMaxRow = 1048576, kMaxColumn = 16384;

struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};

class Archive {
 public:
  explicit Archive(const std::string& path) : path_(path) {
    int code = 0;
    zip_t* z = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &code);
    if (!z) {
      zip_error_t err;
      zip_error_init_with_code(&err, code);
      std::string msg = zip_error_strerror(&err);
      zip_error_fini(&err);
      throw DataError(path + ": not a readable .xlsx (zip) file: " + msg);
    }
    zip_.reset(z);
  }

  bool has(const std::string& name) const { return zip_name_locate(zip_.get(), name.c_str(), 0) >= 0; }

  std::string read(const std::string& name) const {
    zip_int64_t idx = zip_name_locate(zip_.get(), name.c_str(), 0);
    if (idx < 0) throw DataError(path_ + ": part '" + name + "' missing from the workbook");
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(zip_.get(), zip_uint64_t(idx), 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
      throw DataError(path_ + ": part '" + name + "': cannot stat: " + zip_strerror(zip_.get()));
    if (st.size > kMaxPartBytes)
      throw DataError(path_ + ": part '" + name + "': " + std::to_string(st.size) + " bytes uncompressed, more than the " +
                      std::to_string(kMaxPartBytes) + " this reader accepts");
    zip_file_t* f = zip_fopen_index(zip_.get(), zip_uint64_t(idx), 0);
    if (!f) throw DataError(path_ + ": part '" + name + "': cannot open: " + zip_strerror(zip_.get()));
    std::string data(size_t(st.size), '\0');
    zip_int64_t got = data.empty() ? 0 : zip_fread(f, data.data(), st.size);
    std::string err = got < 0 ? zip_file_strerror(f) : "";
    zip_fclose(f);
    if (got < 0) throw DataError(path_ + ": part '" + name + "': read error: " + err);
    if (zip_uint64_t(got) != st.size)
      throw DataError(path_ + ": part '" + name + "': truncated (" + std::to_string(got) + " of " + std::to_string(st.size) +
                      " bytes)");
    return data;
  }

  pugi::xml_document xml(const std::string& name, std::string* storage) const {
    *storage = read(name);
    pugi::xml_document doc;
    auto res = doc.load_buffer(storage->data(), storage->size(), pugi::parse_default | pugi::parse_ws_pcdata,
                               pugi::encoding_utf8);
    if (!res)
      throw DataError(path_ + ": part '" + name + "': XML error at byte " + std::to_string(res.offset) + ": " +
                      res.description());
    return doc;
  }

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::unique_ptr<zip_t, ZipCloser> zip_;
};

// Element name without its namespace prefix ("x:row" -> "row"): producers differ
// in whether they bind the SpreadsheetML namespace as the default.
std::string_view local(const pugi::xml_node& n) {
  std::string_view s = n.name();
  auto colon = s.find(':');
  return colon == std::string_view::npos ? s : s.substr(colon + 1);
}

pugi::xml_node child(const pugi::xml_node& n, std::string_view name) {
  for (auto c : n.children())
    if (local(c) == name) return c;
  return {};
}

std::string attr(const pugi::xml_node& n, std::string_view name) {
  for (auto a : n.attributes()) {
    std::string_view an = a.name();
    auto colon = an.find(':');
    if ((colon == std::string_view::npos ? an : an.substr(colon + 1)) == name) return a.value();
  }
  return "";
}

// Text of a string item (<si> or <is>): a plain <t>, or the <t> of each rich-text
// run <r>. Phonetic hints (<rPh>) are not part of the text.
std::string string_item_text(const pugi::xml_node& si) {
  std::string out;
  for (auto c : si.children()) {
    if (local(c) == "t") out += c.text().get();
    else if (local(c) == "r")
      if (auto t = child(c, "t")) out += t.text().get();
  }
  return out;
}

// The worksheet part of the first sheet in xl/workbook.xml.
std::string first_sheet_part(const Archive& ar) {
  const std::string fallback = "xl/worksheets/sheet1.xml";
  if (!ar.has("xl/workbook.xml")) {
    if (ar.has(fallback)) return fallback;
    throw DataError(ar.path() + ": not an .xlsx workbook (no xl/workbook.xml)");
  }
  std::string buf;
  auto wb = ar.xml("xl/workbook.xml", &buf);
  auto sheets = child(child(wb, "workbook"), "sheets");
  auto sheet = child(sheets, "sheet");
  if (!sheet) throw DataError(ar.path() + ": part 'xl/workbook.xml': no <sheet>");
  std::string rid = attr(sheet, "id");
  if (rid.empty() || !ar.has("xl/_rels/workbook.xml.rels")) {
    if (ar.has(fallback)) return fallback;
    throw DataError(ar.path() + ": cannot locate the first worksheet");
  }
  std::string rbuf;
  auto rels = ar.xml("xl/_rels/workbook.xml.rels", &rbuf);
  for (auto r : child(rels, "Relationships").children()) {
    if (local(r) != "Relationship" || attr(r, "Id") != rid) continue;
    std::string target = attr(r, "Target");
    if (target.empty()) break;
    // Targets are relative to xl/ unless absolute within the package.
    return target[0] == '/' ? target.substr(1) : "xl/" + target;
  }
  throw DataError(ar.path() + ": part 'xl/_rels/workbook.xml.rels': no relationship '" + rid + "' for the first sheet");
}

// "BC12" -> column 54 (0-based) and row 12; false when malformed.
bool parse_ref(const std::string& ref, size_t& col, size_t& row) {
  size_t i = 0, c = 0, r = 0;
  while (i < ref.size() && std::isalpha(static_cast<unsigned char>(ref[i]))) {
    c = c * 26 + size_t(std::toupper(static_cast<unsigned char>(ref[i])) - 'A' + 1);
    if (c > kMaxColumn) return false;
    ++i;
  }
  if (i == 0 || i == ref.size()) return false;
  for (; i < ref.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(ref[i]))) return false;
    r = r * 10 + size_t(ref[i] - '0');
    if (r > kMaxRow) return false;
  }
  if (r == 0) return false;
  col = c - 1;
  row = r;
  return true;
}

}  // namespace

std::vector<XlsxRow> read_xlsx_first_sheet(const std::string& path) {
  Archive ar(path);
  const std::string part = first_sheet_part(ar);
  const std::string where = path + ": part '" + part + "'";

  std::vector<std::string> shared;
  if (ar.has("xl/sharedStrings.xml")) {
    std::string buf;
    auto doc = ar.xml("xl/sharedStrings.xml", &buf);
    for (auto si : child(doc, "sst").children())
      if (local(si) == "si") shared.push_back(string_item_text(si));
  }

  std::string buf;
  auto doc = ar.xml(part, &buf);
  auto data = child(child(doc, "worksheet"), "sheetData");
  if (!data) throw DataError(where + ": no <sheetData>");

  std::vector<XlsxRow> rows;
  size_t next_row = 1;
  for (auto row : data.children()) {
    if (local(row) != "row") continue;
    XlsxRow out;
    std::string rnum = attr(row, "r");
    if (rnum.empty()) {
      out.number = next_row;
    } else {
      size_t col = 0, r = 0;
      if (!parse_ref("A" + rnum, col, r)) throw DataError(where + ": row '" + rnum + "': bad row number");
      out.number = r;
    }
    if (!rows.empty() && out.number <= rows.back().number)
      throw DataError(where + ": row " + std::to_string(out.number) + " out of order (after row " +
                      std::to_string(rows.back().number) + ")");
    next_row = out.number + 1;

    size_t next_col = 0;
    for (auto c : row.children()) {
      if (local(c) != "c") continue;
      size_t col = next_col, r = out.number;
      std::string ref = attr(c, "r");
      if (!ref.empty() && (!parse_ref(ref, col, r) || r != out.number))
        throw DataError(where + ": row " + std::to_string(out.number) + ": bad cell reference '" + ref + "'");
      next_col = col + 1;
      const std::string type = attr(c, "t");
      std::string text;
      if (type == "inlineStr") {
        text = string_item_text(child(c, "is"));
      } else {
        std::string v = child(c, "v").text().get();
        if (type == "s") {
          char* end = nullptr;
          unsigned long long k = std::strtoull(v.c_str(), &end, 10);
          if (v.empty() || *end != '\0' || k >= shared.size())
            throw DataError(where + ": cell " + (ref.empty() ? "#" + std::to_string(col + 1) : ref) +
                            ": shared string index '" + v + "' out of range (" + std::to_string(shared.size()) +
                            " strings)");
          text = shared[size_t(k)];
        } else {
          text = v;  // numbers, booleans ("0"/"1"), formula strings ("str"), errors ("e") as written
        }
      }
      if (out.cells.size() <= col) out.cells.resize(col + 1);
      out.cells[col] = std::move(text);
    }
    rows.push_back(std::move(out));
  }
  return rows;
}

}  // namespace polysafe::data
