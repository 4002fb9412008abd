// Helpers for the data-layer tests: writing small files into a ScratchDir and
// building .xlsx workbooks (a zip of XML parts, stored uncompressed) so the
// xlsx reader can be tested on workbooks with known content and known damage.
#pragma once

#include <array>
#include <cstdint>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "data/suite_item.h"

namespace polysafe::data::test {

inline void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

inline uint32_t crc32(const std::string& s) {
  static const auto table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : s) c = table[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

// A zip archive (PKWARE APPNOTE 6.3: local headers, central directory, end
// record) with every member stored, not deflated.
inline std::string stored_zip(const std::vector<std::pair<std::string, std::string>>& members) {
  std::string out, central;
  auto u16 = [](std::string& s, uint16_t v) { s.push_back(char(v & 0xFF)), s.push_back(char(v >> 8)); };
  auto u32 = [&](std::string& s, uint32_t v) { u16(s, uint16_t(v & 0xFFFF)), u16(s, uint16_t(v >> 16)); };
  for (const auto& [name, data] : members) {
    const uint32_t offset = uint32_t(out.size()), crc = crc32(data), size = uint32_t(data.size());
    u32(out, 0x04034b50), u16(out, 20), u16(out, 0), u16(out, 0), u16(out, 0), u16(out, 0x21);
    u32(out, crc), u32(out, size), u32(out, size), u16(out, uint16_t(name.size())), u16(out, 0);
    out += name + data;
    u32(central, 0x02014b50), u16(central, 20), u16(central, 20), u16(central, 0), u16(central, 0), u16(central, 0);
    u16(central, 0x21), u32(central, crc), u32(central, size), u32(central, size), u16(central, uint16_t(name.size()));
    u16(central, 0), u16(central, 0), u16(central, 0), u16(central, 0), u32(central, 0), u32(central, offset);
    central += name;
  }
  const uint32_t cd_offset = uint32_t(out.size());
  out += central;
  u32(out, 0x06054b50), u16(out, 0), u16(out, 0), u16(out, uint16_t(members.size())), u16(out, uint16_t(members.size()));
  u32(out, uint32_t(central.size())), u32(out, cd_offset), u16(out, 0);
  return out;
}

inline std::string xml_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else o.push_back(c);
  }
  return o;
}

// The parts of a one-sheet workbook; sheet_xml is the worksheet part's text.
inline std::vector<std::pair<std::string, std::string>> workbook_parts(const std::string& sheet_xml,
                                                                       const std::vector<std::string>& shared) {
  const std::string ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
  std::string sst = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><sst xmlns=\"" + ns + "\" count=\"" +
                    std::to_string(shared.size()) + "\">";
  for (const auto& s : shared) sst += "<si><t xml:space=\"preserve\">" + xml_escape(s) + "</t></si>";
  sst += "</sst>";
  return {
      {"[Content_Types].xml", "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>"},
      {"xl/workbook.xml", "<?xml version=\"1.0\"?><workbook xmlns=\"" + ns +
                              "\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
                              "<sheets><sheet name=\"Data\" sheetId=\"1\" r:id=\"rId7\"/></sheets></workbook>"},
      {"xl/_rels/workbook.xml.rels",
       "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
       "<Relationship Id=\"rId7\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
       "Target=\"worksheets/data.xml\"/></Relationships>"},
      {"xl/worksheets/data.xml", "<?xml version=\"1.0\"?><worksheet xmlns=\"" + ns + "\"><sheetData>" + sheet_xml +
                                     "</sheetData></worksheet>"},
      {"xl/sharedStrings.xml", sst},
  };
}

// True when one of the suite's warnings contains `fragment`.
inline bool has_warning(const Suite& s, const std::string& fragment) {
  for (const auto& w : s.warnings)
    if (w.find(fragment) != std::string::npos) return true;
  return false;
}

// Items of a suite whose id is `id`, or nullptr.
inline const SuiteItem* find_item(const Suite& s, const std::string& id) {
  for (const auto& it : s.items)
    if (it.id == id) return &it;
  return nullptr;
}

}  // namespace polysafe::data::test
