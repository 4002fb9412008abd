// BPE merging of one pre-tokenised word (lowest merge rank first, leftmost among
// equals), in two flavours: LlamaCpp (GGUF "gpt2": string symbols, merges looked up
// by string pair, non-token leftovers fall back to single bytes; llama.cpp
// llm_tokenizer_bpe_session) and HuggingFace (tokenizer.json: id symbols, unknown
// characters as <0xXX> byte tokens or unk; tokenizers bpe/model.rs).
// Never splits words or handles special tokens.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tokenizer/vocab.h"

namespace polysafe::tokenizer {

struct BpeOptions {
  bool hf_semantics = false;  // HuggingFace flavour (see above)
  bool byte_fallback = false; // HF: unknown chars as <0xXX>
  bool fuse_unk = false;      // HF: consecutive unknowns become one unk
  bool ignore_merges = false; // a word that is a token is emitted whole
};

class BpeTokenizer {
 public:
  // merges: "left right" strings in rank order (GGUF tokenizer.ggml.merges), or
  // pairs already split (tokenizer.json).
  BpeTokenizer(const Vocab& v, const std::vector<std::pair<std::string, std::string>>& merges,
               BpeOptions opt);
  // word: already in the vocabulary's alphabet (byte-level encoded, or ▁-escaped).
  void encode_word(std::string_view word, std::vector<int32_t>& out) const;
  size_t n_merges() const { return n_merges_; }

  static std::pair<std::string, std::string> split_merge(std::string_view merge);

 private:
  struct MergeInfo { int32_t rank; int32_t result; };
  static uint64_t key(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }
  const MergeInfo* find_merge(int32_t ida, std::string_view a, int32_t idb, std::string_view b) const;

  const Vocab& v_;
  BpeOptions opt_;
  size_t n_merges_ = 0;
  std::unordered_map<uint64_t, MergeInfo> by_ids_;        // both halves are tokens
  std::unordered_map<std::string, MergeInfo> by_text_;    // some half is no token (llama.cpp only)
  int32_t byte_ids_[256];
};

}  // namespace polysafe::tokenizer
