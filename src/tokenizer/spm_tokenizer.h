// SentencePiece-style tokenisation of one raw fragment (GGUF tokenizer.ggml.model
// = "llama"): start from UTF-8 characters, repeatedly merge the adjacent pair whose
// concatenation is the highest-scoring vocab entry, and emit characters that no
// token covers as <0xXX> byte tokens. Mirrors llama.cpp llm_tokenizer_spm_session,
// including its tie-breaking (leftmost pair first). Never adds BOS/EOS or ▁ itself.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "tokenizer/vocab.h"

namespace polysafe::tokenizer {

class SpmTokenizer {
 public:
  explicit SpmTokenizer(const Vocab& v);
  // text must already have spaces escaped as U+2581.
  void encode(std::string_view text, std::vector<int32_t>& out) const;

 private:
  int32_t byte_token(unsigned char b) const;
  const Vocab& v_;
  int32_t byte_ids_[256];
};

}  // namespace polysafe::tokenizer
