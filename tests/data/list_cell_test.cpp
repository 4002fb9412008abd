// The list-valued cell reader and the JSON / Python literal parser under it, on
// cells of the shapes published files have: pandas' repr() of lists (single
// quotes, double quotes around items with an apostrophe, \' escapes), JSON
// lists, nested lists, tuples, sets, dicts, None/True/False, nan, and damage.
#include <cmath>
#include <functional>
#include <limits>

#include <gtest/gtest.h>

#include "data/list_cell.h"
#include "data/names.h"
#include "data/suite_item.h"
#include "util/utf8.h"

namespace polysafe::data {
namespace {

using J = nlohmann::json;
using Strings = std::vector<std::string>;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const DataError& e) {
    return e.what();
  }
  return "(no error)";
}

Strings strings(const J& v) { return list_cell_strings(v, nullptr, "f.csv:2: field 'tags'"); }

TEST(ParseLiteral, PythonAndJsonValues) {
  EXPECT_EQ(parse_literal("['a', \"b\"]"), J({"a", "b"}));
  EXPECT_EQ(parse_literal("[1, -2, 2.5, 1e3, None, True, False, null, true, false]"),
            J::parse("[1, -2, 2.5, 1000.0, null, true, false, null, true, false]"));
  EXPECT_EQ(parse_literal("  [ 'a' ,\n 'b' , ]  "), J({"a", "b"}));  // trailing comma, white space
  EXPECT_EQ(parse_literal("[[1, 2], [], [['x']]]"), J::parse("[[1, 2], [], [[\"x\"]]]"));
  EXPECT_EQ(parse_literal("('a', 'b')"), J({"a", "b"}));
  EXPECT_EQ(parse_literal("('a',)"), J({"a"}));
  EXPECT_EQ(parse_literal("()"), J::array());
  EXPECT_EQ(parse_literal("('a')"), J("a"));  // parentheses, not a tuple
  EXPECT_EQ(parse_literal("{'a', 'b'}"), J({"a", "b"}));  // a set
  EXPECT_EQ(parse_literal("{'k': [None], 2: 'two', 'n': {}}"), J::parse(R"({"k": [null], "2": "two", "n": {}})"));
  EXPECT_TRUE(parse_literal("NaN").is_null());
  EXPECT_TRUE(parse_literal("[nan]")[0].is_null());
  EXPECT_EQ(parse_literal("-inf").get<double>(), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(parse_literal("1_000"), J(1000));
  EXPECT_TRUE(parse_literal("123456789012345678901234").is_number_float());
}

TEST(ParseLiteral, StringEscapes) {
  EXPECT_EQ(parse_literal(R"('It\'s')"), J("It's"));
  EXPECT_EQ(parse_literal(R"("say \"hi\"")"), J("say \"hi\""));
  EXPECT_EQ(parse_literal(R"('a\\b\nc\td')"), J("a\\b\nc\td"));
  EXPECT_EQ(parse_literal(R"('caf\xe9 \u00e9 \U0001F600 \101')"), J("café é 😀 A"));
  EXPECT_EQ(parse_literal(R"("\ud83d\ude00 \/")"), J("😀 /"));  // a JSON surrogate pair, JSON's \/
  EXPECT_EQ(parse_literal(R"("\ud83d")"), J("\xEF\xBF\xBD"));  // a lone surrogate: U+FFFD
  EXPECT_EQ(parse_literal(R"(u'caf\xe9')"), J("café"));
  EXPECT_EQ(parse_literal(R"(r'\d+\'')"), J("\\d+\\'"));
  EXPECT_EQ(parse_literal(R"('\d')"), J("\\d"));  // an unknown escape is kept
  EXPECT_EQ(parse_literal("'''it's'''"), J("it's"));
  EXPECT_EQ(parse_literal("'日本語'"), J("日本語"));
}

TEST(ParseLiteral, ErrorsNameTheCharacter) {
  EXPECT_EQ(error_of([] { parse_literal("['a'"); }), "at character 5: expected ',' or ']'");
  EXPECT_EQ(error_of([] { parse_literal("['a',"); }), "at character 6: expected a value, got the end of the text");
  EXPECT_EQ(error_of([] { parse_literal("['a' 'b']"); }), "at character 6: expected ',' or ']'");
  EXPECT_EQ(error_of([] { parse_literal("[abc]"); }),
            "at character 2: unknown word 'abc' (expected a string, number, None, True or False)");
  EXPECT_EQ(error_of([] { parse_literal("['open]"); }), "at character 8: unterminated string (no closing ')");
  EXPECT_EQ(error_of([] { parse_literal("[1] x"); }), "at character 5: unexpected 'x' after the value");
  EXPECT_EQ(error_of([] { parse_literal("1e999"); }), "at character 1: number out of range");
  EXPECT_EQ(error_of([] { parse_literal("'\\x4'"); }), "at character 5: expected 2 hex digits in an escape");
  EXPECT_NE(error_of([] { parse_literal(std::string(100, '[') + std::string(100, ']')); }).find("nested deeper than 64"),
            std::string::npos);
  EXPECT_EQ(parse_literal(std::string(60, '[') + std::string(60, ']')).size(), 1u);
}

TEST(ListCell, PandasListsOfStrings) {
  // MultiJail's tags as pandas wrote them: commas inside the quoted items.
  EXPECT_EQ(strings("['Violence, aiding and abetting, incitement', 'Hate speech & offensive language']"),
            (Strings{"Violence, aiding and abetting, incitement", "Hate speech & offensive language"}));
  // repr() switches to double quotes for an item with an apostrophe, to \' for one with both quotes.
  EXPECT_EQ(strings("[\"Children's safety\", 'Theft']"), (Strings{"Children's safety", "Theft"}));
  EXPECT_EQ(strings(R"(['The "friend\'s" loan'])"), (Strings{"The \"friend's\" loan"}));
  EXPECT_EQ(strings("[\"Hate Speech\", \"Profanity\"]"), (Strings{"Hate Speech", "Profanity"}));  // JSON in a string
  EXPECT_EQ(strings("[['a', 'b'], ['c'], None, 3]"), (Strings{"a", "b", "c", "3"}));  // nested, None, a number
  EXPECT_EQ(strings("('a', 'b')"), (Strings{"a", "b"}));
  EXPECT_EQ(strings("{'a'}"), (Strings{"a"}));
  EXPECT_EQ(strings(J::parse(R"(["x", ["y"], null])")), (Strings{"x", "y"}));  // a JSON array value
}

TEST(ListCell, EmptyAndMissing) {
  for (const char* s : {"", "  ", "[]", "()", "nan", "NaN", "None", "null", "NULL", "[None]", "[nan]"})
    EXPECT_TRUE(strings(s).empty()) << s;
  EXPECT_TRUE(strings(nullptr).empty());
  EXPECT_TRUE(strings(J::array()).empty());
}

TEST(ListCell, BareStrings) {
  const SplitBare by_comma = [](std::string_view s) { return split_category_list(s, {}); };
  EXPECT_EQ(list_cell_strings("a, b ,, c", by_comma, "w"), (Strings{"a", "b", "c"}));
  EXPECT_EQ(list_cell_strings(" a, b ", nullptr, "w"), (Strings{"a, b"}));
  // A parenthesised label is a label, not a broken tuple.
  EXPECT_EQ(list_cell_strings("(Other), Theft", by_comma, "w"), (Strings{"(Other)", "Theft"}));
}

TEST(ListCell, ErrorsNameWhereAndWhat) {
  EXPECT_EQ(error_of([] { strings("['unclosed"); }),
            "f.csv:2: field 'tags': not a JSON or Python list (at character 11: unterminated string (no closing ')): ['unclosed");
  EXPECT_EQ(error_of([] { strings("{'a': 1}"); }), "f.csv:2: field 'tags': not a JSON or Python list (a dict, not a list): {'a': 1}");
  EXPECT_EQ(error_of([] { strings(5); }), "f.csv:2: field 'tags': expected a list or a string, got number");
  EXPECT_EQ(error_of([] { strings("['a', [True]]"); }), "f.csv:2: field 'tags': element 1.0: expected a string, got boolean");
  EXPECT_EQ(error_of([] { strings("[{'k': 1}]"); }), "f.csv:2: field 'tags': element 0: expected a string, got object");
  // The list holding dicts is still a list: list_cell gives it to callers that want objects.
  EXPECT_EQ(list_cell("[{'k': 1}]", nullptr, "w"), J::parse(R"([{"k": 1}])"));
}

TEST(ListCell, CategoriesFromEveryShape) {
  const std::vector<std::string> known = {"Violence, Threats & Incitement"};
  EXPECT_EQ(categories_from("['Violence, Threats & Incitement', 'Self-Harm']", known, "w"),
            (Strings{"violence_threats_incitement", "self_harm"}));
  EXPECT_EQ(categories_from("Violence, Threats & Incitement, Self-Harm", known, "w"),
            (Strings{"violence_threats_incitement", "self_harm"}));
  EXPECT_EQ(categories_from(J::parse(R"(["Hate Speech", "hate speech"])"), known, "w"), (Strings{"hate_speech"}));
  EXPECT_EQ(error_of([&] { categories_from("['--']", known, "w"); }), "w: category \"--\" has no letters or digits");
  std::vector<std::string> warnings;
  EXPECT_TRUE(categories_or_warn("['open", known, "f.csv:4: field 'tags'", warnings).empty());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].rfind("f.csv:4: field 'tags': not a JSON or Python list", 0), 0u) << warnings[0];
}

// Random cells over the literal grammar's alphabet: a value or a DataError,
// never another exception, a crash or invalid UTF-8 in the result.
TEST(ListCell, ArbitraryCellsNeverCrash) {
  const std::vector<std::string> alphabet = {"[", "]", "(", ")", "{", "}", "'", "\"", ",", ":", "\\", "u", "x", "1",
                                             "-", ".", "e", "None", "nan", " ", "a", "\xC3\xA9"};
  uint32_t state = 11;
  size_t parsed = 0;
  for (int trial = 0; trial < 5000; ++trial) {
    std::string text;
    for (int i = 0; i < 16; ++i) {
      state = state * 1103515245u + 12345u;
      text += alphabet[(state >> 16) % alphabet.size()];
    }
    try {
      const auto v = list_cell_strings(text, nullptr, "fuzz");
      ++parsed;
      for (const auto& item : v) EXPECT_FALSE(utf8::first_invalid(item)) << text;
    } catch (const DataError&) {
    }
  }
  EXPECT_GT(parsed, 500u);
}

}  // namespace
}  // namespace polysafe::data
