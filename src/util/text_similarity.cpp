#include "util/text_similarity.h"

#include <cctype>
#include <cmath>
#include <unordered_map>
#include <vector>

#include "util/utf8.h"

namespace polysafe::util {

namespace {

std::vector<char32_t> normalised_codepoints(const std::string& s) {
  std::vector<char32_t> out;
  bool space = true;
  for (char32_t c : utf8::to_codepoints(s)) {
    bool is_space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x3000 || c == 0xA0;
    if (is_space) {
      if (!space) out.push_back(' ');
      space = true;
      continue;
    }
    space = false;
    if (c < 128) c = char32_t(std::tolower(int(c)));
    out.push_back(c);
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::unordered_map<std::u32string, double> trigrams(const std::string& s) {
  auto cps = normalised_codepoints(s);
  std::unordered_map<std::u32string, double> m;
  std::u32string padded = U" " + std::u32string(cps.begin(), cps.end()) + U" ";
  for (size_t i = 0; i + 3 <= padded.size(); ++i) m[padded.substr(i, 3)] += 1;
  return m;
}

}  // namespace

double trigram_cosine(const std::string& a, const std::string& b) {
  auto ta = trigrams(a), tb = trigrams(b);
  if (ta.empty() || tb.empty()) return 0;
  double dot = 0, na = 0, nb = 0;
  for (const auto& [k, v] : ta) {
    na += v * v;
    if (auto it = tb.find(k); it != tb.end()) dot += v * it->second;
  }
  for (const auto& [k, v] : tb) nb += v * v;
  return dot / (std::sqrt(na) * std::sqrt(nb));
}

}  // namespace polysafe::util
