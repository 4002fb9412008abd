// The built-in red-team suite (suites/redteam.jsonl, embedded at build time):
// structural properties only. Whether each prompt is in its stated language is
// checked by the judge layer's language ID, not here.
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "data/suite_loader.h"

namespace polysafe::data {
namespace {

TEST(BuiltinSuite, Structure) {
  Suite s = load_suite("builtin:redteam");
  EXPECT_EQ(s.name, "builtin:redteam");
  std::map<std::string, size_t> harmful, benign;
  std::set<std::string> categories, scopes;
  std::map<std::string, std::set<std::string>> groups;
  for (const auto& it : s.items) {
    (it.benign ? benign : harmful)[it.lang]++;
    categories.insert(it.categories.begin(), it.categories.end());
    scopes.insert(it.scope);
    if (!it.parallel_id.empty()) {
      EXPECT_TRUE(groups[it.parallel_id].insert(it.lang).second) << it.parallel_id << " has two " << it.lang << " items";
    }
  }
  EXPECT_GE(harmful.size(), 10u) << "languages with harmful prompts";
  for (const auto& [lang, n] : harmful) EXPECT_GE(n, 40u) << lang;
  EXPECT_GE(categories.size(), 8u);
  EXPECT_TRUE(scopes.count("global"));
  EXPECT_TRUE(scopes.count("local"));
  EXPECT_FALSE(benign.empty()) << "no benign control prompts";
  // Ids are unique (load_suite checks) and parallel groups link translations.
  EXPECT_FALSE(groups.empty());
}

}  // namespace
}  // namespace polysafe::data
