// Stratified, parallel-aligned selection, see suite_selection.h for the algorithm.
#include "data/suite_selection.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "data/names.h"
#include "lang/language_id.h"
#include "util/strings.h"

namespace polysafe::data {

namespace {

uint64_t fnv1a64(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

// splitmix64's finaliser (Steele, Lea & Flood 2014): a full-avalanche 64-bit mix.
uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

bool lang_matches(const std::string& lang, const std::string& wanted) {
  return lang == wanted || starts_with(lang, wanted + "-");
}

struct Group {
  std::string key;
  uint64_t rank = 0;
  std::string stratum;
  bool complete = false;
  std::map<std::string, std::vector<size_t>> units;  // lang -> item indices
};

// Hamilton / largest remainder: splits `k` over strata of sizes `n` (summing to N > k).
std::map<std::string, size_t> largest_remainder(const std::map<std::string, size_t>& n, size_t k) {
  size_t total = 0;
  for (const auto& [s, c] : n) total += c;
  std::map<std::string, size_t> alloc;
  std::vector<std::pair<uint64_t, std::string>> rem;  // remainder, stratum
  size_t given = 0;
  for (const auto& [s, c] : n) {
    const unsigned __int128 q = static_cast<unsigned __int128>(k) * c;
    alloc[s] = size_t(q / total);
    given += alloc[s];
    rem.emplace_back(uint64_t(q % total), s);
  }
  // Largest remainder first; ties by stratum name (the map order, kept by stable_sort).
  std::stable_sort(rem.begin(), rem.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t i = 0; given < k && i < rem.size(); ++i) {
    if (alloc[rem[i].second] < n.at(rem[i].second)) {
      ++alloc[rem[i].second];
      ++given;
    }
  }
  return alloc;
}

}  // namespace

Suite select_items(const Suite& suite, const SelectOptions& opt) {
  // 1. Filter.
  std::set<std::string> have_langs, have_cats;
  for (const auto& it : suite.items) {
    have_langs.insert(it.lang);
    have_cats.insert(it.categories.begin(), it.categories.end());
  }
  std::vector<std::string> langs;
  for (const auto& l : opt.langs) {
    std::string tag = lang::normalize_language_tag(l);
    if (std::none_of(have_langs.begin(), have_langs.end(), [&](const std::string& h) { return lang_matches(h, tag); }))
      throw DataError(suite.name + ": language '" + l + "' not in the suite (has: " +
                      join(std::vector<std::string>(have_langs.begin(), have_langs.end()), ", ") + ")");
    langs.push_back(tag);
  }
  std::set<std::string> cats;
  for (const auto& c : opt.categories) {
    std::string name = category_name(c);
    if (!have_cats.count(name))
      throw DataError(suite.name + ": category '" + c + "' not in the suite (has: " +
                      join(std::vector<std::string>(have_cats.begin(), have_cats.end()), ", ") + ")");
    cats.insert(name);
  }
  std::vector<size_t> kept;
  for (size_t i = 0; i < suite.items.size(); ++i) {
    const auto& it = suite.items[i];
    if (!langs.empty() && std::none_of(langs.begin(), langs.end(), [&](const std::string& w) { return lang_matches(it.lang, w); }))
      continue;
    if (!cats.empty() && std::none_of(it.categories.begin(), it.categories.end(), [&](const std::string& c) { return cats.count(c) > 0; }))
      continue;
    if (it.benign && !opt.include_benign) continue;
    kept.push_back(i);
  }

  Suite out;
  out.name = suite.name;
  if (opt.limit == 0) {
    for (size_t i : kept) out.items.push_back(suite.items[i]);
    return out;
  }

  // 2-3. Groups, their strata and completeness.
  std::vector<Group> groups;
  std::unordered_map<std::string, size_t> group_of;
  std::set<std::string> selected_langs;
  for (size_t i : kept) {
    const auto& it = suite.items[i];
    std::string key = it.parallel_id.empty() ? "i:" + it.id : "p:" + it.parallel_id;
    auto [pos, fresh] = group_of.emplace(key, groups.size());
    if (fresh) {
      groups.emplace_back();
      groups.back().key = key;
    }
    groups[pos->second].units[it.lang].push_back(i);
    selected_langs.insert(it.lang);
  }
  auto item_stratum = [&](const SuiteItem& it) {
    std::string primary;
    for (const auto& c : it.categories)
      if (cats.empty() || cats.count(c)) {
        primary = c;
        break;
      }
    return it.scope + "/" + primary;
  };
  for (auto& g : groups) {
    std::map<std::string, size_t> votes;
    for (const auto& [lang, idx] : g.units)
      for (size_t i : idx) ++votes[item_stratum(suite.items[i])];
    size_t best = 0;
    for (const auto& [s, v] : votes)
      if (v > best) {  // map order: the smallest name wins ties
        best = v;
        g.stratum = s;
      }
    g.complete = g.units.size() == selected_langs.size();
    g.rank = splitmix64(opt.seed ^ fnv1a64(g.key));
  }

  // 5. One order for all languages: complete groups first, then by rank, then key.
  std::vector<size_t> order(groups.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const auto &ga = groups[a], &gb = groups[b];
    if (ga.complete != gb.complete) return ga.complete;
    if (ga.rank != gb.rank) return ga.rank < gb.rank;
    return ga.key < gb.key;
  });

  // 4. Per-language quotas, filled in that order.
  std::vector<char> take(suite.items.size(), 0);
  for (const auto& lang : selected_langs) {
    std::map<std::string, size_t> n;
    size_t total = 0;
    for (const auto& g : groups)
      if (g.units.count(lang)) {
        ++n[g.stratum];
        ++total;
      }
    if (opt.limit >= total) {
      for (const auto& g : groups)
        if (auto u = g.units.find(lang); u != g.units.end())
          for (size_t i : u->second) take[i] = 1;
      continue;
    }
    auto quota = largest_remainder(n, opt.limit);
    for (size_t gi : order) {
      const auto& g = groups[gi];
      auto u = g.units.find(lang);
      if (u == g.units.end()) continue;
      auto& q = quota[g.stratum];
      if (q == 0) continue;
      --q;
      for (size_t i : u->second) take[i] = 1;
    }
  }

  // 6. Suite order.
  for (size_t i = 0; i < suite.items.size(); ++i)
    if (take[i]) out.items.push_back(suite.items[i]);
  return out;
}

}  // namespace polysafe::data
