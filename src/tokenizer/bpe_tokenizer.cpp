#include "tokenizer/bpe_tokenizer.h"

#include <algorithm>
#include <queue>

#include "tokenizer/byte_level.h"
#include "util/error.h"

namespace polysafe::tokenizer {

namespace {

size_t lead_len(unsigned char c) {
  static const size_t lut[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return lut[c >> 4];
}

struct Symbol {
  int prev, next;
  size_t start, len;
  int32_t id;  // token id of the symbol's text, or -1
};

struct Bigram {
  int32_t rank;
  int left, right;
  size_t left_len, right_len;
  int32_t result;
};

// Lowest rank first; among equal ranks the leftmost pair.
struct BigramGreater {
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
  }
};

std::string text_key(std::string_view a, std::string_view b) {
  std::string k;
  k.reserve(a.size() + b.size() + 1);
  k.append(a);
  k.push_back('\0');
  k.append(b);
  return k;
}

}  // namespace

std::pair<std::string, std::string> BpeTokenizer::split_merge(std::string_view m) {
  // llama.cpp splits at the first space after the first byte; no space: both empty.
  size_t pos = m.size() > 1 ? m.find(' ', 1) : std::string_view::npos;
  if (pos == std::string_view::npos) return {};
  return {std::string(m.substr(0, pos)), std::string(m.substr(pos + 1))};
}

BpeTokenizer::BpeTokenizer(const Vocab& v, const std::vector<std::pair<std::string, std::string>>& merges,
                           BpeOptions opt)
    : v_(v), opt_(opt) {
  by_ids_.reserve(merges.size() * 2);
  for (size_t i = 0; i < merges.size(); ++i) {
    const auto& [a, b] = merges[i];
    int32_t ia = v_.find(a), ib = v_.find(b);
    MergeInfo info{static_cast<int32_t>(i), v_.find(a + b)};
    if (ia >= 0 && ib >= 0) {
      by_ids_.try_emplace(key(ia, ib), info);  // first occurrence wins (as llama.cpp)
    } else if (!opt_.hf_semantics) {
      by_text_.try_emplace(text_key(a, b), info);
    }
  }
  n_merges_ = merges.size();
  static const char* hex = "0123456789ABCDEF";
  for (int c = 0; c < 256; ++c) {
    if (opt_.hf_semantics) {
      byte_ids_[c] = v_.find(std::string{'<', '0', 'x', hex[c >> 4], hex[c & 15], '>'});
    } else {
      byte_ids_[c] = v_.find(std::string(1, static_cast<char>(c)));
    }
  }
}

const BpeTokenizer::MergeInfo* BpeTokenizer::find_merge(int32_t ida, std::string_view a, int32_t idb,
                                                        std::string_view b) const {
  if (ida >= 0 && idb >= 0) {
    auto it = by_ids_.find(key(ida, idb));
    return it == by_ids_.end() ? nullptr : &it->second;
  }
  if (opt_.hf_semantics || by_text_.empty()) return nullptr;
  auto it = by_text_.find(text_key(a, b));
  return it == by_text_.end() ? nullptr : &it->second;
}

void BpeTokenizer::encode_word(std::string_view word, std::vector<int32_t>& out) const {
  if (word.empty()) return;
  if (opt_.ignore_merges) {
    int32_t id = v_.find(word);
    if (id >= 0) { out.push_back(id); return; }
  }

  std::vector<Symbol> sym;
  sym.reserve(word.size());
  int32_t unk = v_.unk_id;
  for (size_t off = 0; off < word.size();) {
    size_t n = std::min(lead_len(static_cast<unsigned char>(word[off])), word.size() - off);
    std::string_view ch = word.substr(off, n);
    int32_t id = v_.find(ch);
    if (!opt_.hf_semantics || id >= 0) {
      sym.push_back({0, 0, off, n, id});
    } else if (opt_.byte_fallback &&
               std::all_of(ch.begin(), ch.end(), [&](char c) { return byte_ids_[static_cast<unsigned char>(c)] >= 0; })) {
      for (size_t k = 0; k < n; ++k) sym.push_back({0, 0, off + k, 1, byte_ids_[static_cast<unsigned char>(ch[k])]});
    } else if (unk >= 0) {
      if (opt_.fuse_unk && !sym.empty() && sym.back().id == unk && sym.back().start + sym.back().len == off) {
        sym.back().len += n;
      } else {
        sym.push_back({0, 0, off, n, unk});
      }
    }
    // HF without unk: the character is dropped.
    off += n;
  }
  // Link the (possibly non-contiguous after drops) symbols.
  for (size_t i = 0; i < sym.size(); ++i) {
    sym[i].prev = static_cast<int>(i) - 1;
    sym[i].next = i + 1 == sym.size() ? -1 : static_cast<int>(i) + 1;
  }

  std::priority_queue<Bigram, std::vector<Bigram>, BigramGreater> queue;
  auto add = [&](int l, int r) {
    if (l == -1 || r == -1) return;
    const Symbol& a = sym[l];
    const Symbol& b = sym[r];
    const MergeInfo* m = find_merge(a.id, word.substr(a.start, a.len), b.id, word.substr(b.start, b.len));
    if (!m) return;
    queue.push({m->rank, l, r, a.len, b.len, m->result});
  };
  for (int i = 1; i < static_cast<int>(sym.size()); ++i) add(i - 1, i);

  while (!queue.empty()) {
    Bigram bg = queue.top();
    queue.pop();
    Symbol& l = sym[bg.left];
    Symbol& r = sym[bg.right];
    // Stale when either side changed since the pair was queued.
    if (l.len == 0 || r.len == 0 || l.len != bg.left_len || r.len != bg.right_len) continue;
    l.len += r.len;
    l.id = bg.result;
    r.len = 0;
    l.next = r.next;
    if (r.next >= 0) sym[r.next].prev = bg.left;
    add(l.prev, bg.left);
    add(bg.left, l.next);
  }

  for (int i = sym.empty() ? -1 : 0; i != -1; i = sym[i].next) {
    const Symbol& s = sym[i];
    if (s.len == 0) continue;
    if (s.id >= 0) { out.push_back(s.id); continue; }
    // llama.cpp: a symbol that is no token is emitted byte by byte, skipping bytes
    // that are no token either.
    for (size_t k = 0; k < s.len; ++k) {
      int32_t b = byte_ids_[static_cast<unsigned char>(word[s.start + k])];
      if (b >= 0) out.push_back(b);
    }
  }
}

}  // namespace polysafe::tokenizer
