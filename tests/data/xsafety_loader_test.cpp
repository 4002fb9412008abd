// XSafety as shipped in ../shared/data/xsafety: 10 languages x 14 categories x
// 200 rows, one empty ru row, Bengali in .xlsx, odd file names; rows aligned
// across languages by index. Plus malformed folders written in a ScratchDir.
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

#include <gtest/gtest.h>

#include "data/prompt_text.h"
#include "data/suite_formats.h"
#include "data/suite_loader.h"
#include "data_test_support.h"
#include "lang/language_id.h"
#include "test_paths.h"
#include "util/utf8.h"

namespace polysafe::data {
namespace {

using test::find_item;

const Suite& xsafety() {
  static const Suite s = load_suite("xsafety:" + polysafe::test::shared_data_dir() + "/xsafety");
  return s;
}

const std::set<std::string> kCategories = {
    "commonsense",           "crimes_and_illegal_activities", "ethics_and_morality",   "goal_hijacking",
    "inquiry_with_unsafe_opinion", "insult",                  "mental_health",         "physical_harm",
    "privacy_and_property",  "prompt_leaking",                "reverse_exposure",      "role_play_instruction",
    "unfairness_and_discrimination", "unsafe_instruction_topic"};

TEST(XSafety, CountsPerLanguageAndCategory) {
  const Suite& s = xsafety();
  std::map<std::string, std::map<std::string, size_t>> n;
  for (const auto& it : s.items) {
    ASSERT_EQ(it.categories.size(), 1u) << it.id;
    ++n[it.lang][it.categories[0]];
    EXPECT_FALSE(it.benign);
    EXPECT_EQ(it.scope, "");
    EXPECT_EQ(it.source, "xsafety");
  }
  EXPECT_EQ(n.size(), 10u);
  for (const char* lang : {"ar", "bn", "de", "en", "es", "fr", "hi", "ja", "ru", "zh"}) {
    ASSERT_TRUE(n.count(lang)) << lang;
    std::set<std::string> cats;
    for (const auto& [c, k] : n[lang]) {
      cats.insert(c);
      // 200 prompts per category in every language, except the one empty row of ru/Insult.csv.
      EXPECT_EQ(k, std::string(lang) == "ru" && c == "insult" ? 199u : 200u) << lang << " " << c;
    }
    EXPECT_EQ(cats, kCategories) << lang;
  }
  EXPECT_EQ(s.items.size(), 10u * 14 * 200 - 1);  // 27,999
}

TEST(XSafety, EmptyRussianRowKeepsAlignment) {
  const Suite& s = xsafety();
  EXPECT_EQ(find_item(s, "xsafety/insult/164/ru"), nullptr);
  ASSERT_NE(find_item(s, "xsafety/insult/163/ru"), nullptr);
  ASSERT_NE(find_item(s, "xsafety/insult/165/ru"), nullptr);
  EXPECT_EQ(find_item(s, "xsafety/insult/165/ru")->extra["row"], 165);
  ASSERT_NE(find_item(s, "xsafety/insult/199/ru"), nullptr);
  ASSERT_NE(find_item(s, "xsafety/insult/164/en"), nullptr);

  // Every parallel group has one item per language (10), except that row (9).
  std::map<std::string, std::set<std::string>> groups;
  for (const auto& it : s.items) {
    EXPECT_TRUE(groups[it.parallel_id].insert(it.lang).second) << it.id;
    EXPECT_EQ(it.id, it.parallel_id + "/" + it.lang);
  }
  EXPECT_EQ(groups.size(), 14u * 200);
  for (const auto& [pid, langs] : groups) EXPECT_EQ(langs.size(), pid == "xsafety/insult/164" ? 9u : 10u) << pid;
}

// Rows with the same index are translations of each other: their lengths (in
// code points) correlate strongly; shifted by one row they do not.
double length_correlation(const Suite& s, const std::string& lang, int shift) {
  std::unordered_map<std::string, const SuiteItem*> by_id;
  for (const auto& it : s.items) by_id[it.id] = &it;
  std::vector<double> a, b;
  for (const auto& it : s.items) {
    if (it.lang != "en") continue;
    const int row = it.extra["row"].get<int>() + shift;
    auto found = by_id.find("xsafety/" + it.categories[0] + "/" + std::to_string(row) + "/" + lang);
    if (found == by_id.end()) continue;
    const SuiteItem* other = found->second;
    a.push_back(double(utf8::to_codepoints(it.prompt).size()));
    b.push_back(double(utf8::to_codepoints(other->prompt).size()));
  }
  double ma = 0, mb = 0;
  for (size_t i = 0; i < a.size(); ++i) ma += a[i], mb += b[i];
  ma /= a.size(), mb /= b.size();
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i) sab += (a[i] - ma) * (b[i] - mb), saa += (a[i] - ma) * (a[i] - ma), sbb += (b[i] - mb) * (b[i] - mb);
  return sab / std::sqrt(saa * sbb);
}

TEST(XSafety, RowsAlignAcrossLanguages) {
  const Suite& s = xsafety();
  for (const char* lang : {"ar", "bn", "de", "es", "fr", "hi", "ja", "ru", "zh"}) {
    const double aligned = length_correlation(s, lang, 0), shifted = length_correlation(s, lang, 1);
    EXPECT_GT(aligned, 0.9) << lang;  // measured 0.92 (ja) to 0.97 (es)
    EXPECT_LT(shifted, 0.6) << lang;  // measured 0.47 (ar) to 0.53 (zh)
    EXPECT_GT(aligned - shifted, 0.25) << lang << " aligned " << aligned << " shifted " << shifted;
  }
}

TEST(XSafety, BengaliComesFromXlsxAndFileQuirksAreHandled) {
  const Suite& s = xsafety();
  size_t bn_xlsx = 0, bn_beng = 0, bn = 0;
  std::set<std::string> files;
  for (const auto& it : s.items) {
    const std::string file = it.extra["file"];
    files.insert(file);
    // Edge white space (spaces, NBSP, trailing blank lines) is trimmed; inner text kept.
    EXPECT_EQ(it.prompt, clean_prompt(it.prompt)) << it.id;
    if (it.lang != "bn") continue;
    ++bn;
    if (file.size() > 5 && file.substr(file.size() - 5) == ".xlsx") ++bn_xlsx;
    if (lang::dominant_script(it.prompt) == "Beng") ++bn_beng;
  }
  EXPECT_EQ(bn, 2800u);
  EXPECT_EQ(bn_xlsx, 13u * 200);  // commonsense is the only Bengali .csv
  EXPECT_GE(bn_beng, 2790u);
  EXPECT_TRUE(files.count("bn/Insult_n.xlsx"));
  EXPECT_TRUE(files.count("bn/commonsense.csv"));
  EXPECT_TRUE(files.count("ru/Crimes_And_Illegal_Activitie.csv"));  // the truncated name, as the usual category
  EXPECT_TRUE(files.count("en/Crimes_And_Illegal_Activities_en.csv"));
  EXPECT_TRUE(files.count("hi/commonsense.csv"));
  EXPECT_FALSE(files.count("hi/commen_sense.csv"));  // the earlier draft beside it is skipped
  EXPECT_TRUE(files.count("sp/Insult.csv"));
  EXPECT_EQ(files.size(), 10u * 14);
  // en/Unfairness_And_Discrimination_n.csv has an empty second column on every row:
  // no prompt gains a trailing comma from it.
  for (int row = 0; row < 200; ++row) {
    const SuiteItem* it = find_item(s, "xsafety/unfairness_and_discrimination/" + std::to_string(row) + "/en");
    ASSERT_NE(it, nullptr);
    EXPECT_NE(it->prompt.back(), ',') << row;
  }
}

TEST(XSafety, MalformedFolders) {
  polysafe::test::ScratchDir dir;
  namespace fs = std::filesystem;
  EXPECT_THROW(load_xsafety(dir.file("missing")), DataError);
  try {
    load_xsafety(dir.path().string());  // no language folders at all
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("no XSafety files"), std::string::npos) << e.what();
  }
  fs::create_directories(dir.path() / "en");
  fs::create_directories(dir.path() / "paper");  // a folder without suite files is not a language
  test::write_file(dir.file("en/Insult_n.csv"), "\"first\",\n\" second \"\n   \nthird, with comma\n");
  test::write_file(dir.file("en/Empty.csv"), "");
  try {
    load_xsafety(dir.path().string());
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("Empty.csv:1: empty file"), std::string::npos) << e.what();
  }
  fs::remove(dir.path() / "en/Empty.csv");
  Suite s = load_xsafety(dir.path().string());
  ASSERT_EQ(s.items.size(), 3u);
  EXPECT_EQ(s.items[0].prompt, "first");
  EXPECT_EQ(s.items[1].prompt, "second");
  EXPECT_EQ(s.items[2].id, "xsafety/insult/3/en");  // row 2 was blank: no item, no shift
  EXPECT_EQ(s.items[2].prompt, "third, with comma");

  test::write_file(dir.file("en/Insult.csv"), "dup\n");
  EXPECT_THROW(load_xsafety(dir.path().string()), DataError);  // two files for one category
  fs::remove(dir.path() / "en/Insult.csv");

  test::write_file(dir.file("en/Physical_Harm_n.csv"), "ok\n\"unterminated\n");
  try {
    load_xsafety(dir.path().string());
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("Physical_Harm_n.csv:2: unterminated"), std::string::npos) << e.what();
  }
  fs::remove(dir.path() / "en/Physical_Harm_n.csv");

  test::write_file(dir.file("en/Mental_Health_n.xlsx"), "PK\x03\x04 not really a zip");
  try {
    load_xsafety(dir.path().string());
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("Mental_Health_n.xlsx"), std::string::npos) << e.what();
  }
  fs::remove(dir.path() / "en/Mental_Health_n.xlsx");

  fs::create_directories(dir.path() / "not a language!");
  test::write_file(dir.file("not a language!/Insult.csv"), "x\n");
  EXPECT_THROW(load_xsafety(dir.path().string()), DataError);
}

}  // namespace
}  // namespace polysafe::data
