#include "tokenizer/spm_tokenizer.h"

#include <queue>
#include <string>
#include <unordered_map>

#include "util/error.h"

namespace polysafe::tokenizer {

namespace {

struct Symbol {
  int prev, next;
  size_t start, len;
};

struct Bigram {
  int left, right;
  float score;
  size_t size;
};

// Highest score first; among equal scores the leftmost pair.
struct BigramLess {
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  }
};

// Byte length of a UTF-8 sequence from its lead byte (continuation bytes count 1).
size_t lead_len(unsigned char c) {
  static const size_t lut[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return lut[c >> 4];
}

}  // namespace

SpmTokenizer::SpmTokenizer(const Vocab& v) : v_(v) {
  static const char* hex = "0123456789ABCDEF";
  for (int b = 0; b < 256; ++b) {
    std::string name = {'<', '0', 'x', hex[b >> 4], hex[b & 15], '>'};
    int32_t id = v_.find(name);
    if (id < 0) id = v_.find(std::string(1, static_cast<char>(b)));  // plain byte fallback
    byte_ids_[b] = id;
  }
}

int32_t SpmTokenizer::byte_token(unsigned char b) const {
  int32_t id = byte_ids_[b];
  if (id < 0) {
    char buf[8];
    snprintf(buf, sizeof buf, "<0x%02X>", b);
    throw TokenizerError(std::string("vocabulary has no byte-fallback token ") + buf);
  }
  return id;
}

void SpmTokenizer::encode(std::string_view text, std::vector<int32_t>& out) const {
  if (text.empty()) return;
  std::vector<Symbol> sym;
  sym.reserve(text.size());
  for (size_t off = 0; off < text.size();) {
    size_t n = std::min(lead_len(static_cast<unsigned char>(text[off])), text.size() - off);
    int idx = static_cast<int>(sym.size());
    sym.push_back({idx - 1, off + n == text.size() ? -1 : idx + 1, off, n});
    off += n;
  }

  std::priority_queue<Bigram, std::vector<Bigram>, BigramLess> queue;
  // Last pair that produced each merged text, to split an uncovered symbol back
  // (llama.cpp rev_merge); keys are views into text.
  std::unordered_map<std::string_view, std::pair<int, int>> rev_merge;

  auto try_add = [&](int left, int right) {
    if (left == -1 || right == -1) return;
    std::string_view t = text.substr(sym[left].start, sym[left].len + sym[right].len);
    int32_t id = v_.find(t);
    if (id < 0) return;
    queue.push({left, right, v_.tokens[id].score, t.size()});
    rev_merge[t] = {left, right};
  };

  for (int i = 1; i < static_cast<int>(sym.size()); ++i) try_add(i - 1, i);

  while (!queue.empty()) {
    Bigram b = queue.top();
    queue.pop();
    Symbol& l = sym[b.left];
    Symbol& r = sym[b.right];
    if (l.len == 0 || r.len == 0 || l.len + r.len != b.size) continue;  // stale
    l.len += r.len;
    r.len = 0;
    l.next = r.next;
    if (r.next >= 0) sym[r.next].prev = b.left;
    try_add(l.prev, b.left);
    try_add(b.left, l.next);
  }

  // Emit: a symbol that is a token as is; otherwise split it along the pair that
  // formed it, down to bytes.
  auto resegment = [&](auto&& self, const Symbol& s) -> void {
    std::string_view t = text.substr(s.start, s.len);
    int32_t id = v_.find(t);
    if (id >= 0) { out.push_back(id); return; }
    auto it = rev_merge.find(t);
    if (it == rev_merge.end()) {
      for (unsigned char c : t) out.push_back(byte_token(c));
      return;
    }
    self(self, sym[it->second.first]);
    self(self, sym[it->second.second]);
  };
  for (int i = 0; i != -1; i = sym[i].next) resegment(resegment, sym[i]);
}

}  // namespace polysafe::tokenizer
