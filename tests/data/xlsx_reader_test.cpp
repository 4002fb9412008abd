// The .xlsx reader on XSafety's real Bengali workbooks and on small workbooks
// built here: shared and inline strings, rich text, sparse rows and columns,
// prefixed namespaces, and damaged files.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "data/xlsx_reader.h"
#include "data_test_support.h"
#include "lang/language_id.h"
#include "test_paths.h"

namespace polysafe::data {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(XlsxReader, RealBengaliWorkbook) {
  const std::string dir = polysafe::test::shared_data_dir() + "/xsafety/bn";
  for (const char* name : {"Insult_n.xlsx", "Goal_Hijacking_n.xlsx", "Role_Play_Instruction_n.xlsx"}) {
    auto rows = read_xlsx_first_sheet(dir + "/" + name);
    ASSERT_EQ(rows.size(), 200u) << name;
    for (size_t i = 0; i < rows.size(); ++i) {
      EXPECT_EQ(rows[i].number, i + 1) << name;
      ASSERT_EQ(rows[i].cells.size(), 1u) << name << " row " << i + 1;
      EXPECT_FALSE(rows[i].cells[0].empty());
    }
    EXPECT_EQ(lang::dominant_script(rows[0].cells[0]), "Beng") << name;
  }
}

TEST(XlsxReader, CellKindsSparseRowsAndPrefixes) {
  polysafe::test::ScratchDir dir;
  const std::string sheet =
      "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>1</v></c><c r=\"C1\" t=\"inlineStr\"><is><t>inline</t></is></c></row>"
      "<row r=\"4\"><c r=\"B4\" t=\"s\"><v>0</v></c><c r=\"D4\"><v>42.5</v></c></row>"
      "<row r=\"5\"><c r=\"A5\" t=\"inlineStr\"><is><r><t>rich </t></r><r><rPr/><t>text</t></r><rPh><t>ignored</t></rPh></is></c></row>";
  test::write_file(dir.file("a.xlsx"), test::stored_zip(test::workbook_parts(sheet, {"zero & one", " spaced "})));
  auto rows = read_xlsx_first_sheet(dir.file("a.xlsx"));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].number, 1u);
  EXPECT_EQ(rows[0].cells, (std::vector<std::string>{" spaced ", "", "inline"}));
  EXPECT_EQ(rows[1].number, 4u);  // rows 2-3 absent: positions kept through `number`
  EXPECT_EQ(rows[1].cells, (std::vector<std::string>{"", "zero & one", "", "42.5"}));
  EXPECT_EQ(rows[2].cells, (std::vector<std::string>{"rich text"}));

  // The same sheet with the SpreadsheetML namespace bound to a prefix.
  auto parts = test::workbook_parts("", {"s"});
  parts[3].second =
      "<x:worksheet xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><x:sheetData>"
      "<x:row r=\"2\"><x:c r=\"A2\" t=\"s\"><x:v>0</x:v></x:c></x:row></x:sheetData></x:worksheet>";
  test::write_file(dir.file("p.xlsx"), test::stored_zip(parts));
  rows = read_xlsx_first_sheet(dir.file("p.xlsx"));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].number, 2u);
  EXPECT_EQ(rows[0].cells, (std::vector<std::string>{"s"}));
}

void expect_error(const std::string& path, const std::string& fragment) {
  try {
    read_xlsx_first_sheet(path);
    FAIL() << "no error for " << path;
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(XlsxReader, DamagedWorkbooks) {
  polysafe::test::ScratchDir dir;
  // Truncated copies of a real workbook: half, and all but the end-of-directory record.
  const std::string real = slurp(polysafe::test::shared_data_dir() + "/xsafety/bn/Insult_n.xlsx");
  ASSERT_GT(real.size(), 1000u);
  test::write_file(dir.file("half.xlsx"), real.substr(0, real.size() / 2));
  expect_error(dir.file("half.xlsx"), "half.xlsx: not a readable .xlsx (zip) file");
  test::write_file(dir.file("cut.xlsx"), real.substr(0, real.size() - 10));
  expect_error(dir.file("cut.xlsx"), "cut.xlsx");
  test::write_file(dir.file("empty.xlsx"), "");
  expect_error(dir.file("empty.xlsx"), "empty.xlsx");
  expect_error(dir.file("absent.xlsx"), "absent.xlsx");

  // Valid zips with bad content.
  test::write_file(dir.file("nowb.xlsx"), test::stored_zip({{"hello.txt", "hi"}}));
  expect_error(dir.file("nowb.xlsx"), "no xl/workbook.xml");
  test::write_file(dir.file("badxml.xlsx"), test::stored_zip(test::workbook_parts("<row r=\"1\"><c>", {})));
  expect_error(dir.file("badxml.xlsx"), "part 'xl/worksheets/data.xml': XML error");
  test::write_file(dir.file("sst.xlsx"),
                   test::stored_zip(test::workbook_parts("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>7</v></c></row>", {"only"})));
  expect_error(dir.file("sst.xlsx"), "cell A1: shared string index '7' out of range (1 strings)");
  test::write_file(dir.file("order.xlsx"), test::stored_zip(test::workbook_parts(
                                               "<row r=\"3\"><c r=\"A3\"><v>1</v></c></row><row r=\"2\"><c r=\"A2\"><v>1</v></c></row>", {})));
  expect_error(dir.file("order.xlsx"), "row 2 out of order");
  test::write_file(dir.file("ref.xlsx"),
                   test::stored_zip(test::workbook_parts("<row r=\"1\"><c r=\"A9\"><v>1</v></c></row>", {})));
  expect_error(dir.file("ref.xlsx"), "bad cell reference 'A9'");
  auto parts = test::workbook_parts("", {});
  parts.erase(parts.begin() + 3);  // the worksheet part the relationship points to
  test::write_file(dir.file("nosheet.xlsx"), test::stored_zip(parts));
  expect_error(dir.file("nosheet.xlsx"), "part 'xl/worksheets/data.xml' missing");
}

// Damage anywhere gives a DataError or a readable sheet, never a crash: the real
// workbook cut at every 499th byte, and a small one with bytes overwritten.
TEST(XlsxReader, DamageNeverCrashes) {
  polysafe::test::ScratchDir dir;
  const std::string real = slurp(polysafe::test::shared_data_dir() + "/xsafety/bn/Reverse_Exposure_n.xlsx");
  size_t errors = 0, reads = 0;
  for (size_t cut = 0; cut < real.size(); cut += 499) {
    test::write_file(dir.file("cut.xlsx"), real.substr(0, cut));
    try {
      read_xlsx_first_sheet(dir.file("cut.xlsx"));
      ++reads;
    } catch (const DataError&) {
      ++errors;
    }
  }
  EXPECT_EQ(reads, 0u);  // without the central directory at the end no zip opens
  EXPECT_GT(errors, 10u);

  const std::string good = test::stored_zip(test::workbook_parts(
      "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"inlineStr\"><is><t>x</t></is></c></row>", {"s0"}));
  uint32_t state = 12345;
  for (int trial = 0; trial < 300; ++trial) {
    std::string bad = good;
    for (int k = 0; k < 4; ++k) {
      state = state * 1103515245u + 12345u;
      bad[(state >> 8) % bad.size()] = char(state >> 24);
    }
    test::write_file(dir.file("flip.xlsx"), bad);
    try {
      read_xlsx_first_sheet(dir.file("flip.xlsx"));
    } catch (const DataError&) {
    }
  }
}

}  // namespace
}  // namespace polysafe::data
