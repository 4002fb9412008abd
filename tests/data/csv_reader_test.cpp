// util/csv: RFC 4180 records, the lenient cases real files need, and errors
// that name file:line.
#include <gtest/gtest.h>

#include "data_test_support.h"
#include "test_paths.h"
#include "util/csv.h"
#include "util/error.h"

namespace polysafe::csv {
namespace {

std::vector<std::vector<std::string>> fields(const std::vector<Record>& recs) {
  std::vector<std::vector<std::string>> out;
  for (const auto& r : recs) out.push_back(r.fields);
  return out;
}

using Rows = std::vector<std::vector<std::string>>;

TEST(CsvReader, QuotedFieldsWithSeparatorsNewlinesAndQuotes) {
  auto recs = parse("a,\"b,c\",\"say \"\"hi\"\"\"\r\n\"two\nlines\",x,\r\nlast,\"\",z", "t.csv");
  EXPECT_EQ(fields(recs), (Rows{{"a", "b,c", "say \"hi\""}, {"two\nlines", "x", ""}, {"last", "", "z"}}));
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].line, 1u);
  EXPECT_EQ(recs[1].line, 2u);
  EXPECT_EQ(recs[2].line, 4u);  // the record before spans lines 2-3
}

TEST(CsvReader, BomLineEndsAndBlankLines) {
  // BOM stripped; LF, CRLF and lone CR all end records; a blank line is one empty
  // field; the final line end does not add a record.
  auto recs = parse("\xEF\xBB\xBFh1,h2\n1,2\r\n\r\n3,4\r5,6\n", "t.csv");
  EXPECT_EQ(fields(recs), (Rows{{"h1", "h2"}, {"1", "2"}, {""}, {"3", "4"}, {"5", "6"}}));
  EXPECT_EQ(recs[3].line, 4u);
  EXPECT_EQ(recs[4].line, 5u);
  EXPECT_TRUE(parse("", "t.csv").empty());
  EXPECT_TRUE(parse("\xEF\xBB\xBF", "t.csv").empty());
}

TEST(CsvReader, QuoteInsideUnquotedFieldIsLiteral) {
  EXPECT_EQ(fields(parse("5\" screen,ok\n", "t.csv")), (Rows{{"5\" screen", "ok"}}));
}

TEST(CsvReader, OtherSeparator) {
  EXPECT_EQ(fields(parse("a;\"b;c\"\n", "t.csv", ';')), (Rows{{"a", "b;c"}}));
}

TEST(CsvReader, ErrorsNameFileAndLine) {
  try {
    parse("ok\n\"never\nclosed", "bad.csv");
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.csv:2: unterminated quoted field"), std::string::npos) << e.what();
  }
  try {
    parse("a\n\"x\"y,z\n", "bad.csv");
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.csv:2: unexpected character 'y' after closing quote"), std::string::npos)
        << e.what();
  }
  try {
    parse("a\nb\n\xC3\x28\n", "bad.csv");
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.csv:3: invalid UTF-8"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_file("/nonexistent/x.csv"), FormatError);
}

TEST(CsvReader, ReadsFileFromDisk) {
  polysafe::test::ScratchDir dir;
  polysafe::data::test::write_file(dir.file("f.csv"), "id,text\r\n1,\"multi\r\nline\"\r\n");
  auto recs = read_file(dir.file("f.csv"));
  EXPECT_EQ(fields(recs), (Rows{{"id", "text"}, {"1", "multi\r\nline"}}));
}

// Arbitrary bytes parse or fail with FormatError; every record keeps its line.
TEST(CsvReader, ArbitraryBytesNeverCrash) {
  const std::vector<std::string> alphabet = {"a", "b", ",", "\"", "\r", "\n", " ", "\xC3\xA9"};
  uint32_t state = 7;
  size_t parsed = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    std::string text;
    for (int i = 0; i < 24; ++i) {
      state = state * 1103515245u + 12345u;
      text += alphabet[(state >> 16) % alphabet.size()];
    }
    try {
      auto recs = parse(text, "fuzz.csv");
      ++parsed;
      for (size_t i = 1; i < recs.size(); ++i) EXPECT_GT(recs[i].line, recs[i - 1].line);
    } catch (const FormatError&) {
    }
  }
  EXPECT_GT(parsed, 100u);
}

}  // namespace
}  // namespace polysafe::csv
