// Partitioning text by special and user-defined token texts before the model
// tokenises the rest. llama.cpp rule (GGUF): longest text first, each token splitting
// every remaining raw fragment; control/unknown tokens only with parse_special,
// user-defined always (llama-vocab.cpp tokenizer_st_partition). HF rule
// (tokenizer.json): leftmost-longest match. Never tokenises the raw fragments.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "tokenizer/vocab.h"

namespace polysafe::tokenizer {

struct Fragment {
  int32_t token = -1;      // >= 0: a matched special token
  std::string_view text;   // raw text when token < 0
};

class SpecialTokenMatcher {
 public:
  enum class Rule { LlamaCpp, LeftmostLongest };
  // ids: candidate tokens (for LlamaCpp: every control/user-defined/unknown token).
  SpecialTokenMatcher(const Vocab& v, std::vector<int32_t> ids, Rule rule);

  std::vector<Fragment> partition(std::string_view text, bool parse_special) const;
  bool empty() const { return order_.empty(); }

 private:
  struct Node { std::vector<std::pair<unsigned char, int32_t>> next; int32_t token = -1; };
  int32_t child(int32_t node, unsigned char c) const;
  // Tokens (ids) occurring anywhere in text, as flags indexed by rank in order_.
  std::vector<char> occurring(std::string_view text, bool parse_special) const;
  bool eligible(int32_t id, bool parse_special) const;

  const Vocab& v_;
  Rule rule_;
  std::vector<int32_t> order_;        // ids in matching order
  std::vector<int32_t> rank_of_node_; // per trie node with a token: rank in order_
  std::vector<Node> trie_;
};

}  // namespace polysafe::tokenizer
