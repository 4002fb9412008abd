#include "tokenizer/pre_tokenizer.h"

#include "tokenizer/unicode_props.h"
#include "util/error.h"

namespace polysafe::tokenizer {

namespace {

// Text as code points with flags, plus the byte offset where each starts.
struct CpText {
  std::vector<char32_t> cps;
  std::vector<CpFlags> flags;
  std::vector<size_t> byte_at;  // size cps.size()+1
};

CpText analyse(std::string_view text) {
  CpText t;
  t.cps = decode_valid_utf8(text, &t.byte_at);
  t.flags.reserve(t.cps.size());
  for (char32_t cp : t.cps) t.flags.push_back(cp_flags(cp));
  return t;
}

constexpr char32_t kOutside = 0xFFFFFFFF;

// One chunk [ini, end) of code points; positions outside read as "no code point,
// no class", which is what makes the lookahead of \s+(?!\S) stop at chunk ends.
struct Chunk {
  const CpText& t;
  size_t ini, end;
  char32_t cp(size_t i) const { return i >= ini && i < end ? t.cps[i] : kOutside; }
  CpFlags fl(size_t i) const { return i >= ini && i < end ? t.flags[i] : CpFlags{}; }
};

char32_t ascii_lower(char32_t c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

// Contraction at pos: returns its length (2 or 3) or 0. case_fold: (?i:...).
size_t contraction(const Chunk& c, size_t pos, bool case_fold) {
  if (c.cp(pos) != '\'' || pos + 1 >= c.end) return 0;
  auto f = [&](char32_t x) { return case_fold ? ascii_lower(x) : x; };
  char32_t n1 = f(c.cp(pos + 1));
  if (n1 == 's' || n1 == 't' || n1 == 'm' || n1 == 'd') return 2;
  if (pos + 2 < c.end) {
    char32_t n2 = f(c.cp(pos + 2));
    if ((n1 == 'r' && n2 == 'e') || (n1 == 'v' && n2 == 'e') || (n1 == 'l' && n2 == 'l')) return 3;
  }
  return 0;
}

bool is_lw_ws_n(CpFlags f) { return f.whitespace() || f.letter() || f.number(); }

// GPT-2: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
void split_gpt2(const Chunk& c, std::vector<size_t>& out) {
  size_t prev = c.ini;
  auto emit = [&](size_t end) { if (end > prev) out.push_back(end - prev); prev = end; };
  size_t pos = c.ini;
  while (pos < c.end) {
    if (size_t n = contraction(c, pos, false)) { pos += n; emit(pos); continue; }
    const char32_t cp = c.cp(pos);
    CpFlags f2 = cp == ' ' ? c.fl(pos + 1) : c.fl(pos);
    if (f2.letter()) {
      pos += (cp == ' ');
      while (c.fl(pos).letter()) ++pos;
      emit(pos);
      continue;
    }
    if (f2.number()) {
      pos += (cp == ' ');
      while (c.fl(pos).number()) ++pos;
      emit(pos);
      continue;
    }
    if (!is_lw_ws_n(f2) && f2.any()) {
      pos += (cp == ' ');
      while (true) { CpFlags g = c.fl(pos); if (is_lw_ws_n(g) || !g.any()) break; ++pos; }
      emit(pos);
      continue;
    }
    size_t nws = 0;
    while (c.fl(pos + nws).whitespace()) ++nws;
    if (nws > 1 && c.cp(pos + nws) != kOutside) { pos += nws - 1; emit(pos); continue; }
    if (nws > 0) { pos += nws; emit(pos); continue; }
    emit(++pos);
  }
}

// Llama 3 (max_digits = 3) and Qwen 2 (max_digits = 1).
void split_llama3_like(const Chunk& c, size_t max_digits, std::vector<size_t>& out) {
  size_t prev = c.ini;
  auto emit = [&](size_t end) { if (end > prev) out.push_back(end - prev); prev = end; };
  size_t pos = c.ini;
  while (pos < c.end) {
    if (size_t n = contraction(c, pos, true)) { pos += n; emit(pos); continue; }
    const char32_t cp = c.cp(pos);
    const CpFlags f = c.fl(pos);
    // [^\r\n\p{L}\p{N}]?\p{L}+
    if (!(cp == '\r' || cp == '\n' || f.number())) {
      if (f.letter() || c.fl(pos + 1).letter()) {
        ++pos;
        while (c.fl(pos).letter()) ++pos;
        emit(pos);
        continue;
      }
    }
    // \p{N}{1,max_digits}
    if (f.number()) {
      size_t ini = pos;
      while (c.fl(pos).number()) {
        if (++pos - ini >= max_digits) { emit(pos); ini = pos; }
      }
      emit(pos);
      continue;
    }
    // <space>?[^\s\p{L}\p{N}]+[\r\n]*   (the "any class" test reads the first code
    // point, as llama.cpp does)
    CpFlags f2 = cp == ' ' ? c.fl(pos + 1) : f;
    if (!is_lw_ws_n(f2) && f.any()) {
      pos += (cp == ' ');
      while (true) { CpFlags g = c.fl(pos); if (is_lw_ws_n(g) || !g.any()) break; ++pos; }
      while (c.cp(pos) == '\r' || c.cp(pos) == '\n') ++pos;
      emit(pos);
      continue;
    }
    size_t nws = 0, last_rn = 0;
    while (c.fl(pos + nws).whitespace()) {
      char32_t w = c.cp(pos + nws);
      if (w == '\r' || w == '\n') last_rn = pos + nws + 1;
      ++nws;
    }
    if (last_rn > 0) { pos = last_rn; emit(pos); continue; }               // \s*[\r\n]+
    if (nws > 1 && c.cp(pos + nws) != kOutside) { pos += nws - 1; emit(pos); continue; }
    if (nws > 0) { pos += nws; emit(pos); continue; }
    emit(++pos);
  }
}

// Regex steps without lookaround: the chunk splits into maximal matches of a
// per-code-point class (runs or single code points) and the gaps between them.
template <typename Pred>
void split_class(const Chunk& c, Pred in_class, bool runs, std::vector<size_t>& out) {
  size_t gap_start = c.ini, pos = c.ini;
  while (pos < c.end) {
    if (!in_class(pos)) { ++pos; continue; }
    if (pos > gap_start) out.push_back(pos - gap_start);
    size_t s = pos++;
    if (runs) while (pos < c.end && in_class(pos)) ++pos;
    out.push_back(pos - s);
    gap_start = pos;
  }
  if (c.end > gap_start) out.push_back(c.end - gap_start);
}

// llama.cpp runs \p{..} regexes on a "collapsed" copy of the text where every
// non-ASCII code point becomes one byte for its class (whitespace first), so a
// non-ASCII code point matches \p{N} / \p{P} iff it is not whitespace and its
// class is that one. ASCII code points keep their literal class lists.
bool collapsed_is_number(const CpText& t, size_t i) {
  char32_t cp = t.cps[i];
  if (cp < 128) return cp >= '0' && cp <= '9';
  return !t.flags[i].whitespace() && t.flags[i].category() == CpFlags::NUMBER;
}

bool collapsed_is_punct_class(const CpText& t, size_t i) {
  char32_t cp = t.cps[i];
  if (cp < 128) {
    // \p{P} as llama.cpp lists it for ASCII, plus \$ \+ < = > \^ ~ \|
    switch (cp) {
      case '!': case '"': case '#': case '%': case '&': case '\'': case '(': case ')':
      case '*': case ',': case '-': case '.': case '/': case ':': case ';': case '?':
      case '@': case '[': case '\\': case ']': case '_': case '{': case '}':
      case '$': case '+': case '<': case '=': case '>': case '^': case '~': case '|':
        return true;
      default:
        return false;
    }
  }
  return !t.flags[i].whitespace() && t.flags[i].category() == CpFlags::PUNCTUATION;
}

void split_triples(const Chunk& c, std::vector<size_t>& out) {
  size_t gap_start = c.ini, pos = c.ini;
  auto digit = [&](size_t i) { char32_t x = c.t.cps[i]; return x >= '0' && x <= '9'; };
  while (pos + 3 <= c.end) {
    if (digit(pos) && digit(pos + 1) && digit(pos + 2)) {
      if (pos > gap_start) out.push_back(pos - gap_start);
      out.push_back(3);
      pos += 3;
      gap_start = pos;
    } else {
      ++pos;
    }
  }
  if (c.end > gap_start) out.push_back(c.end - gap_start);
}

}  // namespace

PreTokenizerSpec pre_tokenizer_for(const std::string& pre) {
  using S = SplitStep;
  PreTokenizerSpec s;
  s.name = pre.empty() ? "default" : pre;
  const std::string& p = s.name;
  if (p == "default") {
    s.steps = {S::PunctuationRuns, S::Gpt2, S::NumberRuns, S::AsciiDigitTriples};
    s.clean_spaces = true;
  } else if (p == "llama3" || p == "llama-v3" || p == "llama-bpe" || p == "falcon3" ||
             p == "pixtral" || p == "dbrx" || p == "smaug-bpe") {
    s.steps = {S::Llama3};
    s.clean_spaces = true;
    if (p != "dbrx" && p != "smaug-bpe") { s.ignore_merges = true; s.add_bos = true; }
  } else if (p == "qwen2" || p == "deepseek-r1-qwen" || p == "megrez" || p == "stablelm2") {
    s.steps = {S::Qwen2};
    s.clean_spaces = (p == "megrez" || p == "stablelm2");
  } else if (p == "smollm" || p == "command-r" || p == "starcoder" || p == "refact" ||
             p == "codeshell" || p == "exaone" || p == "minerva-7b") {
    s.steps = {S::IsolateNumbers, S::Gpt2};
    s.clean_spaces = !(p == "smollm" || p == "command-r");
  } else if (p == "gpt-2" || p == "gpt2" || p == "mpt" || p == "olmo" || p == "jais" ||
             p == "phi-2" || p == "exaone4") {
    s.steps = {S::Gpt2};
    s.clean_spaces = true;
  } else {
    throw TokenizerError("tokenizer.ggml.pre '" + p +
                         "': pre-tokenizer not supported (supported: default, gpt-2, llama3/llama-bpe, "
                         "qwen2, smollm, command-r, starcoder, refact, mpt, olmo)");
  }
  return s;
}

bool split_step_for_regex(std::string_view re, SplitStep* step) {
  static const struct { const char* re; SplitStep s; } known[] = {
      {"'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+", SplitStep::Gpt2},
      {"'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)", SplitStep::Gpt2},
      {"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+", SplitStep::Llama3},
      {"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+", SplitStep::Qwen2},
      {"\\p{N}", SplitStep::IsolateNumbers},
      {"\\p{N}+", SplitStep::NumberRuns},
      {"[0-9][0-9][0-9]", SplitStep::AsciiDigitTriples},
      {"[\\p{P}\\$\\+<=>\\^~\\|]+", SplitStep::PunctuationRuns},
  };
  for (const auto& k : known) {
    if (re == k.re) { *step = k.s; return true; }
  }
  return false;
}

std::vector<std::string_view> pre_tokenize(std::string_view text, const std::vector<SplitStep>& steps) {
  std::vector<std::string_view> words;
  if (text.empty()) return words;
  if (steps.empty()) { words.push_back(text); return words; }
  const CpText t = analyse(text);
  std::vector<size_t> lens = {t.cps.size()}, next;
  for (SplitStep step : steps) {
    next.clear();
    next.reserve(lens.size() * 2);
    size_t start = 0;
    for (size_t len : lens) {
      Chunk c{t, start, start + len};
      switch (step) {
        case SplitStep::Gpt2: split_gpt2(c, next); break;
        case SplitStep::Llama3: split_llama3_like(c, 3, next); break;
        case SplitStep::Qwen2: split_llama3_like(c, 1, next); break;
        case SplitStep::IsolateNumbers:
          split_class(c, [&](size_t i) { return collapsed_is_number(t, i); }, false, next);
          break;
        case SplitStep::NumberRuns:
          split_class(c, [&](size_t i) { return collapsed_is_number(t, i); }, true, next);
          break;
        case SplitStep::PunctuationRuns:
          split_class(c, [&](size_t i) { return collapsed_is_punct_class(t, i); }, true, next);
          break;
        case SplitStep::AsciiDigitTriples: split_triples(c, next); break;
      }
      start += len;
    }
    lens.swap(next);
  }
  words.reserve(lens.size());
  size_t start = 0;
  for (size_t len : lens) {
    words.push_back(text.substr(t.byte_at[start], t.byte_at[start + len] - t.byte_at[start]));
    start += len;
  }
  return words;
}

}  // namespace polysafe::tokenizer
