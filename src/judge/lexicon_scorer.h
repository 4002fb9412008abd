// Lexicon baseline for toxicity: counts terms of the LDNOOBW word lists ("List
// of Dirty, Naughty, Obscene and Otherwise Bad Words", CC-BY-4.0, one file per
// language) in a text. Whole-word (token sequence) matches for spaced scripts,
// substring matches for terms in CJK / Thai / Hangul. A floor to compare
// learned scorers against, not a judge of its own: it sees no context.
// Never throws on text; only an unreadable list directory throws.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace polysafe::judge {

class LexiconScorer {
 public:
  // $POLYSAFE_LDNOOBW, else $POLYSAFE_SHARED_DATA/ldnoobw, else
  // ../shared/data/ldnoobw (relative to the working directory: the repo root).
  static std::string default_dir();

  // Every regular file in dir is a list; its name is the language tag.
  explicit LexiconScorer(const std::string& dir = default_dir());

  // Occurrences of list terms. lang picks that language's list ("zh-Hans" ->
  // "zh", "nb" -> "no"); empty or a language without a list uses all lists.
  size_t count_hits(std::string_view text, std::string_view lang = "") const;
  // 1 - 0.5^hits: 0 without a hit, 0.5 for one, approaching 1 with more, so
  // ">= 0.5" means "any hit" and more hits rank higher.
  double score(std::string_view text, std::string_view lang = "") const;

  std::vector<std::string> languages() const;
  size_t term_count() const;

 private:
  struct List {
    std::unordered_set<std::string> phrases;  // word tokens joined by ' '
    size_t max_phrase_tokens = 0;
    std::vector<std::string> substrings;      // case-folded terms in unspaced scripts
  };
  const List& list_for(std::string_view lang) const;
  static void add_term(List& list, const std::string& term);

  std::map<std::string, List> lists_;
  List all_;
};

}  // namespace polysafe::judge
