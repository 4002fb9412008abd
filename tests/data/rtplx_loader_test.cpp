// RTP-LX (../shared/data/rtp-lx): languages from file names and Locale fields,
// the index gap of the v0.1 files, locale-written prompts, categories from the
// annotations; and malformed files.
#include <cmath>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "data/names.h"
#include "data/suite_formats.h"
#include "data/suite_loader.h"
#include "data_test_support.h"
#include "test_paths.h"
#include "util/utf8.h"

namespace polysafe::data {
namespace {

using test::find_item;
using test::has_warning;

const Suite& rtplx() {
  static const Suite s = load_suite("rtplx:" + polysafe::test::shared_data_dir() + "/rtp-lx/v0.2_f10b92a");
  return s;
}

TEST(RtpLx, LanguagesAndCounts) {
  std::map<std::string, size_t> n;
  for (const auto& it : rtplx().items) ++n[it.lang];
  EXPECT_EQ(n, (std::map<std::string, size_t>{
                   {"ar", 1051}, {"cs", 1038}, {"da", 1095}, {"de", 1029}, {"en", 999},   {"es", 1098}, {"fi", 1099},
                   {"fr", 1038}, {"he", 1081}, {"hi", 1115}, {"hu", 1117}, {"id", 1099},  {"it", 1113}, {"ja", 1070},
                   {"ko", 1099}, {"nb", 1100}, {"nl", 1075}, {"pl", 1099}, {"pt", 53},    {"pt-BR", 1042},
                   {"ru", 1225}, {"sv", 1049}, {"th", 1089}, {"tr", 1049}, {"uk", 1050},  {"zh-Hans", 1036},
                   {"zh-Hant", 1122}}));
  EXPECT_EQ(rtplx().items.size(), 28130u);  // 28,131 records, one with an empty prompt (RTP_LX_HE.json index 424)
  EXPECT_EQ(find_item(rtplx(), "rtplx/he/424"), nullptr);
}

TEST(RtpLx, LocaleFromFileNameWhenRecordsLackOne) {
  // RTP_LX_UK.json has Locale "" everywhere: Ukrainian from the file name.
  const SuiteItem* uk = find_item(rtplx(), "rtplx/uk/0");
  ASSERT_NE(uk, nullptr);
  EXPECT_EQ(uk->lang, "uk");
  EXPECT_FALSE(uk->extra.contains("locale"));
  EXPECT_EQ(uk->extra["file"], "RTP_LX_UK.json");
  // "ZH" records in RTP_LX_ZH-Hans.json: the file's script subtag is kept.
  const SuiteItem* hans = find_item(rtplx(), "rtplx/zh-Hans/0");
  ASSERT_NE(hans, nullptr);
  EXPECT_EQ(hans->extra["locale"], "ZH");
  // "NO" records in RTP_LX_NO-NB.json: Bokmål.
  ASSERT_NE(find_item(rtplx(), "rtplx/nb/0"), nullptr);
  // RTP_LX_PT.json: "Pt-Br" records are pt-BR, "PT" (dialect Portugal) records pt.
  const SuiteItem* pt = find_item(rtplx(), "rtplx/pt/1042");
  ASSERT_NE(pt, nullptr);
  EXPECT_EQ(pt->extra["dialect"], "Portugal");
  EXPECT_EQ(pt->scope, "local");
  ASSERT_NE(find_item(rtplx(), "rtplx/pt-BR/0"), nullptr);
}

TEST(RtpLx, ParallelIdsFollowTheTranslatedPrompt) {
  const Suite& s = rtplx();
  std::map<std::string, std::set<std::string>> groups;
  size_t local = 0;
  for (const auto& it : s.items) {
    if (it.parallel_id.empty()) {
      EXPECT_EQ(it.scope, "local") << it.id;
      ++local;
      continue;
    }
    EXPECT_EQ(it.scope, "global") << it.id;
    EXPECT_TRUE(groups[it.parallel_id].insert(it.lang).second) << it.id << " twice in " << it.parallel_id;
  }
  // 999 shared prompts, each in 26 languages (pt-BR for Portuguese), but the empty Hebrew one.
  EXPECT_EQ(groups.size(), 999u);
  for (const auto& [pid, langs] : groups) EXPECT_EQ(langs.size(), pid == "rtplx/424" ? 25u : 26u) << pid;
  EXPECT_EQ(local, 28130u - (999u * 26 - 1));

  // German lacks index 960 and numbers the rest one higher (as do ar, cs, es, fr, it, zh-Hans).
  EXPECT_EQ(find_item(s, "rtplx/de/960"), nullptr);
  EXPECT_EQ(find_item(s, "rtplx/de/961")->parallel_id, "rtplx/960");
  EXPECT_EQ(find_item(s, "rtplx/de/999")->parallel_id, "rtplx/998");
  ASSERT_NE(find_item(s, "rtplx/de/1091"), nullptr);  // German numbers its own prompts from 1091
  EXPECT_EQ(find_item(s, "rtplx/de/1091")->parallel_id, "");
  EXPECT_EQ(find_item(s, "rtplx/de/1091")->scope, "local");
  EXPECT_EQ(find_item(s, "rtplx/da/998")->parallel_id, "rtplx/998");  // no gap in Danish
  EXPECT_EQ(find_item(s, "rtplx/da/999")->parallel_id, "");

  // The shift is right: prompt lengths of German 961-999 follow English 960-998,
  // not English 961-998.
  auto len = [&](const std::string& id) { return double(utf8::to_codepoints(find_item(s, id)->prompt).size()); };
  auto corr = [](const std::vector<double>& a, const std::vector<double>& b) {
    double ma = 0, mb = 0;
    for (size_t i = 0; i < a.size(); ++i) ma += a[i] / a.size(), mb += b[i] / b.size();
    double ab = 0, aa = 0, bb = 0;
    for (size_t i = 0; i < a.size(); ++i) ab += (a[i] - ma) * (b[i] - mb), aa += (a[i] - ma) * (a[i] - ma), bb += (b[i] - mb) * (b[i] - mb);
    return ab / std::sqrt(aa * bb);
  };
  std::vector<double> de, en_aligned, en_naive, de_naive;
  for (int i = 961; i <= 999; ++i) {
    de.push_back(len("rtplx/de/" + std::to_string(i)));
    en_aligned.push_back(len("rtplx/en/" + std::to_string(i - 1)));
    if (i <= 998) en_naive.push_back(len("rtplx/en/" + std::to_string(i))), de_naive.push_back(de.back());
  }
  EXPECT_GT(corr(de, en_aligned), 0.9);
  EXPECT_LT(corr(de_naive, en_naive), 0.3);
}

TEST(RtpLx, CategoriesFromAnnotations) {
  size_t toxic = 0;
  std::set<std::string> names;
  for (const auto& it : rtplx().items) {
    const auto& a = it.extra["annotations"];
    EXPECT_EQ(std::count(it.categories.begin(), it.categories.end(), "toxicity"), a["Toxicity"].get<double>() >= 3 ? 1 : 0);
    if (!it.categories.empty() && it.categories.back() == "toxicity") ++toxic;
    for (const auto& c : it.categories) names.insert(c);
    // Every category is an annotation dimension with mean >= 3; no such dimension is left out.
    size_t over = 0;
    for (const auto& [k, v] : a.items()) {
      const bool listed = std::count(it.categories.begin(), it.categories.end(), category_name(k)) == 1;
      EXPECT_EQ(listed, v.get<double>() >= 3) << it.id << " " << k;
      over += v.get<double>() >= 3;
    }
    EXPECT_EQ(over, it.categories.size()) << it.id;
  }
  EXPECT_EQ(toxic, 10803u);  // toxicity, when present, comes last
  EXPECT_EQ(names, (std::set<std::string>{"bias", "identity_attack", "insult", "microaggression", "self_harm",
                                          "sexual_content", "toxicity", "violence"}));
}

TEST(RtpLx, BcmsFileOfV03) {
  Suite s = load_suite("rtplx:" + polysafe::test::shared_data_dir() + "/rtp-lx/v0.3_909ae94_zip/RTP_LX_BCMS.json");
  ASSERT_EQ(s.items.size(), 1057u);
  size_t na = 0;
  for (const auto& it : s.items) {
    EXPECT_EQ(it.lang, "sr");  // Locale "SR"; "BCMS" is not a language tag
    if (it.extra["index"] == "NA") {
      ++na;
      EXPECT_EQ(it.parallel_id, "");
    }
  }
  EXPECT_EQ(na, 58u);
  EXPECT_EQ(find_item(s, "rtplx/sr/961")->parallel_id, "rtplx/960");  // the same gap as the v0.1 files
}

void expect_error(const std::string& path, const std::string& fragment) {
  try {
    load_rtplx(path);
    FAIL() << "no error for " << path;
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(RtpLx, MalformedFiles) {
  polysafe::test::ScratchDir dir;
  const std::string ok = R"({"Prompt": "p", "Index": 0, "Locale": "", "Annotations": {"Toxicity": 1.0}})";
  test::write_file(dir.file("RTP_LX_FR.json"), ok + "\n{\"Prompt\": \"q\", \"Index\": 1,\n");
  expect_error(dir.file("RTP_LX_FR.json"), "RTP_LX_FR.json:2: not JSON");
  test::write_file(dir.file("RTP_LX_FR.json"), ok + "\n{\"Index\": 1, \"Annotations\": {}}\n");
  expect_error(dir.file("RTP_LX_FR.json"), "RTP_LX_FR.json:2: field 'Prompt': missing");
  test::write_file(dir.file("RTP_LX_FR.json"), "\n\n");
  expect_error(dir.file("RTP_LX_FR.json"), "RTP_LX_FR.json:1: empty file");
  test::write_file(dir.file("prompts.json"), ok + "\n");  // no locale in the name nor the record
  expect_error(dir.file("prompts.json"), "prompts.json:1: field 'Locale': empty");
  test::write_file(dir.file("RTP_LX_FR.json"), "[\n" + ok + ",\n{\"Prompt\": 3, \"Index\": 1}\n]\n");  // a JSON array
  expect_error(dir.file("RTP_LX_FR.json"), "RTP_LX_FR.json:3: field 'Prompt': expected a string");
  std::filesystem::create_directories(dir.path() / "none");
  expect_error(dir.file("none"), "no RTP_LX_*.json files");

  test::write_file(dir.file("RTP_LX_FR.json"), ok + "\n");
  Suite s = load_rtplx(dir.file("RTP_LX_FR.json"));
  ASSERT_EQ(s.items.size(), 1u);
  EXPECT_EQ(s.items[0].lang, "fr");
  EXPECT_TRUE(s.items[0].categories.empty());
  EXPECT_TRUE(s.warnings.empty());
}

// Unreadable optional fields cost a record its alignment or its categories,
// never the file: each is a warning naming file:line and field.
TEST(RtpLx, UnreadableOptionalFieldsAreWarnings) {
  polysafe::test::ScratchDir dir;
  test::write_file(dir.file("RTP_LX_FR.json"),
                   R"({"Prompt": "a", "Index": true, "Annotations": {"Toxicity": 4.0}})" "\n"
                   R"({"Prompt": "b", "Index": 1, "Annotations": {"Toxicity": "high", "Insult": 3.0}})" "\n"
                   R"({"Prompt": "c", "Index": 2})" "\n"
                   R"({"Prompt": "d", "Index": 2, "Locale": 7, "Annotations": {}})" "\n");
  Suite s = load_rtplx(dir.file("RTP_LX_FR.json"));
  ASSERT_EQ(s.items.size(), 4u);
  EXPECT_TRUE(has_warning(s, "RTP_LX_FR.json:1: field 'Index': expected a number or a string, got boolean"));
  EXPECT_TRUE(has_warning(s, "RTP_LX_FR.json:2: field 'Annotations': 'Toxicity': expected a number"));
  EXPECT_TRUE(has_warning(s, "RTP_LX_FR.json:3: field 'Annotations': missing"));
  EXPECT_TRUE(has_warning(s, "RTP_LX_FR.json:4: field 'Index': 2 repeated"));
  EXPECT_TRUE(has_warning(s, "RTP_LX_FR.json:4: field 'Locale': expected a string"));
  EXPECT_EQ(s.warnings.size(), 5u);
  const SuiteItem* a = find_item(s, "rtplx/fr/line1");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->parallel_id, "");
  EXPECT_EQ(a->categories, (std::vector<std::string>{"toxicity"}));
  EXPECT_EQ(find_item(s, "rtplx/fr/1")->categories, (std::vector<std::string>{"insult"}));
  EXPECT_EQ(find_item(s, "rtplx/fr/2")->parallel_id, "rtplx/2");
  EXPECT_EQ(find_item(s, "rtplx/fr/line4")->parallel_id, "");
}

}  // namespace
}  // namespace polysafe::data
