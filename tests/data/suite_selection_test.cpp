// Selection: filters, determinism, largest-remainder stratification, and the
// same parallel ids in every language, on XSafety, RTP-LX and small suites.
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "data/suite_loader.h"
#include "data/suite_selection.h"
#include "test_paths.h"

namespace polysafe::data {
namespace {

const Suite& xsafety() {
  static const Suite s = load_suite("xsafety:" + polysafe::test::shared_data_dir() + "/xsafety");
  return s;
}

std::vector<std::string> ids(const Suite& s) {
  std::vector<std::string> out;
  for (const auto& it : s.items) out.push_back(it.id);
  return out;
}

std::map<std::string, std::set<std::string>> parallel_by_lang(const Suite& s) {
  std::map<std::string, std::set<std::string>> out;
  for (const auto& it : s.items) out[it.lang].insert(it.parallel_id);
  return out;
}

SuiteItem item(const std::string& id, const std::string& pid, const std::string& lang, const std::string& cat,
               const std::string& scope = "", bool benign = false) {
  SuiteItem it;
  it.id = id;
  it.parallel_id = pid;
  it.lang = lang;
  it.prompt = "p " + id;
  if (!cat.empty()) it.categories = {cat};
  it.scope = scope;
  it.benign = benign;
  return it;
}

TEST(Selection, DeterministicForASeed) {
  SelectOptions o;
  o.langs = {"en", "ru", "bn"};
  o.limit = 100;
  o.seed = 7;
  Suite a = select_items(xsafety(), o), b = select_items(xsafety(), o);
  EXPECT_EQ(ids(a), ids(b));
  o.seed = 8;
  Suite c = select_items(xsafety(), o);
  EXPECT_NE(ids(a), ids(c));
  EXPECT_EQ(c.items.size(), 300u);
  // Kept items come in suite order.
  std::map<std::string, size_t> pos;
  for (size_t i = 0; i < xsafety().items.size(); ++i) pos[xsafety().items[i].id] = i;
  for (size_t i = 1; i < a.items.size(); ++i) EXPECT_LT(pos[a.items[i - 1].id], pos[a.items[i].id]);
}

TEST(Selection, StratifiedByCategoryWithLargestRemainder) {
  SelectOptions o;
  o.limit = 100;
  o.seed = 1;
  Suite s = select_items(xsafety(), o);
  std::map<std::string, std::map<std::string, size_t>> n;
  for (const auto& it : s.items) ++n[it.lang][it.categories[0]];
  ASSERT_EQ(n.size(), 10u);
  for (const auto& [lang, cats] : n) {
    size_t total = 0;
    for (const auto& [c, k] : cats) {
      total += k;
      // 100 * 200 / 2800 = 7.14 per category: 7 each, and the 2 left over go to the
      // largest remainders, ties by name: commonsense, crimes_and_illegal_activities.
      // (ru: insult has 199, its remainder is smaller, so ru gets the same.)
      EXPECT_EQ(k, c == "commonsense" || c == "crimes_and_illegal_activities" ? 8u : 7u) << lang << " " << c;
    }
    EXPECT_EQ(total, 100u) << lang;
  }
}

TEST(Selection, SameParallelIdsInEveryLanguage) {
  for (uint64_t seed : {0, 1, 2, 3, 42}) {
    SelectOptions o;
    o.limit = 140;
    o.seed = seed;
    auto by_lang = parallel_by_lang(select_items(xsafety(), o));
    ASSERT_EQ(by_lang.size(), 10u);
    for (const auto& [lang, pids] : by_lang) {
      EXPECT_EQ(pids.size(), 140u) << lang;
      EXPECT_EQ(pids, by_lang.at("en")) << lang << " seed " << seed;
    }
    // The ru row missing from insult is never chosen: it is not in every language.
    EXPECT_FALSE(by_lang.at("en").count("xsafety/insult/164"));
  }
}

TEST(Selection, LanguageAndCategoryFilters) {
  SelectOptions o;
  o.langs = {"sp"};
  o.categories = {"Insult", "goal-hijacking"};
  Suite s = select_items(xsafety(), o);
  ASSERT_EQ(s.items.size(), 400u);
  for (const auto& it : s.items) {
    EXPECT_EQ(it.lang, "es");
    EXPECT_TRUE(it.categories[0] == "insult" || it.categories[0] == "goal_hijacking");
  }
  o.langs = {"es"};
  EXPECT_EQ(ids(select_items(xsafety(), o)), ids(s));

  try {
    o.langs = {"sw"};
    select_items(xsafety(), o);
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("language 'sw' not in the suite (has: ar, bn, de, en, es, fr, hi, ja, ru, zh)"),
              std::string::npos)
        << e.what();
  }
  try {
    o.langs = {};
    o.categories = {"violence"};
    select_items(xsafety(), o);
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("category 'violence' not in the suite (has: commonsense, crimes_and_illegal_activities"),
              std::string::npos)
        << e.what();
  }
}

TEST(Selection, LimitAboveAvailableKeepsAll) {
  SelectOptions o;
  o.langs = {"ru"};
  o.limit = 5000;
  EXPECT_EQ(select_items(xsafety(), o).items.size(), 2799u);
}

TEST(Selection, SmallSuites) {
  Suite s;
  s.name = "small";
  // Strata of 5, 3 and 2 (no parallel ids): limit 4 gives quotas 2, 1.2, 0.8 ->
  // floors 2, 1, 0 and the one left over to the largest remainder (0.8).
  for (int i = 0; i < 5; ++i) s.items.push_back(item("a" + std::to_string(i), "", "en", "a"));
  for (int i = 0; i < 3; ++i) s.items.push_back(item("b" + std::to_string(i), "", "en", "b"));
  for (int i = 0; i < 2; ++i) s.items.push_back(item("c" + std::to_string(i), "", "en", "c"));
  s.items.push_back(item("ctl", "", "en", "c", "", true));
  SelectOptions o;
  o.limit = 4;
  o.include_benign = false;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    o.seed = seed;
    std::map<std::string, size_t> n;
    for (const auto& it : select_items(s, o).items) {
      EXPECT_FALSE(it.benign);
      ++n[it.categories[0]];
    }
    EXPECT_EQ(n, (std::map<std::string, size_t>{{"a", 2}, {"b", 1}, {"c", 1}})) << seed;
  }
  o.limit = 0;
  EXPECT_EQ(select_items(s, o).items.size(), 10u);
  o.include_benign = true;
  EXPECT_EQ(select_items(s, o).items.size(), 11u);
}

TEST(Selection, LocalPromptsKeepTheirShareBesideTranslatedOnes) {
  // 8 prompts translated into en and fr (global), plus 2 local prompts per language.
  Suite s;
  s.name = "mixed";
  for (int i = 0; i < 8; ++i)
    for (const char* l : {"en", "fr"}) s.items.push_back(item("g" + std::to_string(i) + l, "g" + std::to_string(i), l, "x", "global"));
  for (int i = 0; i < 2; ++i)
    for (const char* l : {"en", "fr"}) s.items.push_back(item(std::string("l") + std::to_string(i) + l, "", l, "x", "local"));
  SelectOptions o;
  o.limit = 5;  // 5 * 8/10 = 4 global, 5 * 2/10 = 1 local per language
  for (uint64_t seed = 0; seed < 10; ++seed) {
    o.seed = seed;
    Suite sel = select_items(s, o);
    std::map<std::string, std::set<std::string>> global;
    std::map<std::string, size_t> local;
    for (const auto& it : sel.items)
      if (it.scope == "global") global[it.lang].insert(it.parallel_id);
      else ++local[it.lang];
    EXPECT_EQ(global["en"].size(), 4u);
    EXPECT_EQ(global["en"], global["fr"]);
    EXPECT_EQ(local["en"], 1u);
    EXPECT_EQ(local["fr"], 1u);
  }
}

TEST(Selection, RtpLxSubtagsAndAlignment) {
  Suite r = load_suite("rtplx:" + polysafe::test::shared_data_dir() + "/rtp-lx/v0.2_f10b92a");
  SelectOptions o;
  o.langs = {"zh"};  // zh-Hans and zh-Hant
  auto langs = parallel_by_lang(select_items(r, o));
  EXPECT_EQ(langs.size(), 2u);
  EXPECT_TRUE(langs.count("zh-Hans") && langs.count("zh-Hant"));

  // en has no locale-written prompts, de 31, uk 51: the translated picks still overlap.
  o.langs = {"en", "de", "uk"};
  o.limit = 60;
  o.seed = 5;
  Suite sel = select_items(r, o);
  std::map<std::string, std::set<std::string>> shared;
  std::map<std::string, size_t> total;
  for (const auto& it : sel.items) {
    ++total[it.lang];
    if (!it.parallel_id.empty()) shared[it.lang].insert(it.parallel_id);
  }
  for (const char* l : {"en", "de", "uk"}) EXPECT_EQ(total[l], 60u) << l;
  EXPECT_EQ(shared["en"].size(), 60u);
  for (const char* l : {"de", "uk"}) {
    size_t common = 0;
    for (const auto& p : shared[l]) common += shared["en"].count(p);
    EXPECT_GE(common * 10, shared[l].size() * 9) << l << ": " << common << " of " << shared[l].size();
  }
}

}  // namespace
}  // namespace polysafe::data
