#include "judge/lexicon_scorer.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "judge/judge_error.h"
#include "judge/toxicity_text.h"
#include "util/utf8.h"

namespace polysafe::judge {

namespace fs = std::filesystem;

std::string LexiconScorer::default_dir() {
  if (const char* env = std::getenv("POLYSAFE_LDNOOBW"); env && *env) return env;
  if (const char* env = std::getenv("POLYSAFE_SHARED_DATA"); env && *env) return (fs::path(env) / "ldnoobw").string();
  return "../shared/data/ldnoobw";
}

void LexiconScorer::add_term(List& list, const std::string& term) {
  bool unspaced = false;
  for (size_t pos = 0; pos < term.size();)
    if (is_unspaced_script(utf8::decode(term, pos))) unspaced = true;
  if (unspaced) {
    std::string folded = fold_case(term);
    // Spaces inside CJK terms are incidental ("g スポット"); match without them.
    folded.erase(std::remove(folded.begin(), folded.end(), ' '), folded.end());
    if (!folded.empty()) list.substrings.push_back(folded);
    return;
  }
  auto tokens = word_tokens(term);
  // A term of digits only ("13.") would fire on every number.
  bool any_letter = false;
  for (const auto& t : tokens)
    for (char c : t)
      if (!(c >= '0' && c <= '9')) any_letter = true;
  if (tokens.empty() || !any_letter) return;
  std::string key;
  for (size_t i = 0; i < tokens.size(); ++i) key += (i ? " " : "") + tokens[i];
  list.phrases.insert(key);
  list.max_phrase_tokens = std::max(list.max_phrase_tokens, tokens.size());
}

LexiconScorer::LexiconScorer(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw JudgeError(dir + ": LDNOOBW word-list directory not found");
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::string lang = entry.path().filename().string();
    if (lang == "LICENSE" || lang.find('.') != std::string::npos) continue;  // README.md, LICENSE
    std::ifstream in(entry.path());
    if (!in) throw JudgeError(entry.path().string() + ": cannot read");
    List& list = lists_[lang];
    std::string line;
    for (size_t lineno = 1; std::getline(in, line); ++lineno) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) continue;
      if (utf8::first_invalid(line))
        throw JudgeError(entry.path().string() + ":" + std::to_string(lineno) + ": invalid UTF-8");
      add_term(list, line);
      add_term(all_, line);
    }
  }
  if (lists_.empty()) throw JudgeError(dir + ": no word lists");
  // The union repeats terms that several lists share (fr and fr-CA...).
  std::sort(all_.substrings.begin(), all_.substrings.end());
  all_.substrings.erase(std::unique(all_.substrings.begin(), all_.substrings.end()), all_.substrings.end());
}

const LexiconScorer::List& LexiconScorer::list_for(std::string_view lang) const {
  if (lang.empty()) return all_;
  std::string base(lang.substr(0, lang.find_first_of("-_")));
  std::transform(base.begin(), base.end(), base.begin(), [](unsigned char c) { return std::tolower(c); });
  if (base == "nb" || base == "nn") base = "no";
  auto it = lists_.find(base);
  return it == lists_.end() ? all_ : it->second;
}

size_t LexiconScorer::count_hits(std::string_view text, std::string_view lang) const {
  const List& list = list_for(lang);
  size_t hits = 0;
  if (!list.phrases.empty()) {
    auto tokens = word_tokens(text);
    std::string key;
    for (size_t i = 0; i < tokens.size(); ++i) {
      key.clear();
      for (size_t len = 1; len <= list.max_phrase_tokens && i + len <= tokens.size(); ++len) {
        if (len > 1) key += ' ';
        key += tokens[i + len - 1];
        if (list.phrases.count(key)) ++hits;
      }
    }
  }
  if (!list.substrings.empty()) {
    std::string folded = fold_case(text);
    for (const auto& term : list.substrings)
      for (size_t pos = folded.find(term); pos != std::string::npos; pos = folded.find(term, pos + term.size()))
        ++hits;
  }
  return hits;
}

double LexiconScorer::score(std::string_view text, std::string_view lang) const {
  return 1.0 - std::pow(0.5, double(count_hits(text, lang)));
}

std::vector<std::string> LexiconScorer::languages() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : lists_) out.push_back(k);
  return out;
}

size_t LexiconScorer::term_count() const { return all_.phrases.size() + all_.substrings.size(); }

}  // namespace polysafe::judge
