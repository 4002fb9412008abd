#include "tokenizer/special_tokens.h"

#include <algorithm>
#include <cctype>
#include <list>

namespace polysafe::tokenizer {

SpecialTokenMatcher::SpecialTokenMatcher(const Vocab& v, std::vector<int32_t> ids, Rule rule)
    : v_(v), rule_(rule), order_(std::move(ids)) {
  if (rule_ == Rule::LlamaCpp) {
    // Same input order (ascending id) and same comparator as llama.cpp's special
    // token cache, so tokens of equal length are tried in the same order.
    std::sort(order_.begin(), order_.begin() + order_.size(), [&](int32_t a, int32_t b) {
      return v_.tokens[a].text.size() > v_.tokens[b].text.size();
    });
  }
  trie_.emplace_back();
  for (size_t r = 0; r < order_.size(); ++r) {
    const std::string& t = v_.tokens[order_[r]].text;
    int32_t node = 0;
    for (unsigned char c : t) {
      int32_t nx = child(node, c);
      if (nx < 0) {
        nx = static_cast<int32_t>(trie_.size());
        trie_[node].next.emplace_back(c, nx);
        trie_.emplace_back();
      }
      node = nx;
    }
    // Duplicate texts: keep the first in matching order (the later never matches).
    if (trie_[node].token < 0) trie_[node].token = static_cast<int32_t>(r);
  }
}

int32_t SpecialTokenMatcher::child(int32_t node, unsigned char c) const {
  for (const auto& [ch, nx] : trie_[node].next)
    if (ch == c) return nx;
  return -1;
}

bool SpecialTokenMatcher::eligible(int32_t id, bool parse_special) const {
  if (parse_special) return true;
  // Control and unknown tokens are text unless the caller asks for special parsing;
  // user-defined tokens always match (llama.cpp, and HF's non-special added tokens).
  return (v_.tokens[id].attr & (ATTR_CONTROL | ATTR_UNKNOWN)) == 0;
}

std::vector<char> SpecialTokenMatcher::occurring(std::string_view text, bool parse_special) const {
  std::vector<char> seen(order_.size(), 0);
  for (size_t i = 0; i < text.size(); ++i) {
    int32_t node = 0;
    for (size_t j = i; j < text.size(); ++j) {
      node = child(node, static_cast<unsigned char>(text[j]));
      if (node < 0) break;
      if (trie_[node].token >= 0) seen[trie_[node].token] = 1;
    }
  }
  // Tokens sharing a text with an earlier-ranked token are reachable through it only.
  for (size_t r = 0; r < order_.size(); ++r)
    if (seen[r] && !eligible(order_[r], parse_special)) seen[r] = 0;
  return seen;
}

std::vector<Fragment> SpecialTokenMatcher::partition(std::string_view text, bool parse_special) const {
  std::vector<Fragment> out;
  if (text.empty()) return out;
  if (order_.empty()) { out.push_back({-1, text}); return out; }

  if (rule_ == Rule::LeftmostLongest) {
    size_t last = 0, i = 0;
    while (i < text.size()) {
      int32_t node = 0, best_rank = -1;
      size_t best_len = 0;
      for (size_t j = i; j < text.size(); ++j) {
        node = child(node, static_cast<unsigned char>(text[j]));
        if (node < 0) break;
        int32_t r = trie_[node].token;
        if (r >= 0 && eligible(order_[r], parse_special)) { best_rank = r; best_len = j - i + 1; }
      }
      if (best_rank < 0) { ++i; continue; }
      if (i > last) out.push_back({-1, text.substr(last, i - last)});
      out.push_back({order_[best_rank], {}});
      i += best_len;
      last = i;
    }
    if (last < text.size()) out.push_back({-1, text.substr(last)});
    return out;
  }

  // llama.cpp rule. Only tokens that occur somewhere in the text can split a
  // fragment (fragments are substrings of it), so the others are skipped.
  const std::vector<char> seen = occurring(text, parse_special);
  std::list<Fragment> frags{{-1, text}};
  for (size_t r = 0; r < order_.size(); ++r) {
    if (!seen[r]) continue;
    const TokenEntry& tok = v_.tokens[order_[r]];
    const std::string& t = tok.text;
    for (auto it = frags.begin(); it != frags.end(); ++it) {
      if (it->token >= 0) continue;
      std::string_view raw = it->text;
      size_t m = raw.find(t);
      if (m == std::string_view::npos) continue;
      // Replace this fragment by left / token / right pieces, repeating on the right.
      auto pos = frags.erase(it);
      while (true) {
        std::string_view left = raw.substr(0, m);
        if (tok.attr & ATTR_LSTRIP)
          while (!left.empty() && std::isspace(static_cast<unsigned char>(left.back()))) left.remove_suffix(1);
        if (!left.empty()) frags.insert(pos, {-1, left});
        auto tok_it = frags.insert(pos, {order_[r], {}});
        std::string_view right = raw.substr(m + t.size());
        if (tok.attr & ATTR_RSTRIP)
          while (!right.empty() && std::isspace(static_cast<unsigned char>(right.front()))) right.remove_prefix(1);
        it = tok_it;
        if (right.empty()) break;
        size_t m2 = right.find(t);
        if (m2 == std::string_view::npos) {
          it = frags.insert(pos, {-1, right});
          break;
        }
        raw = right;
        m = m2;
      }
    }
  }
  out.assign(frags.begin(), frags.end());
  return out;
}

}  // namespace polysafe::tokenizer
