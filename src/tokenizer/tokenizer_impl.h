// Internal state shared by the Tokenizer front end and its loaders (GGUF,
// tokenizer.json). Not part of the public API; never include it outside
// src/tokenizer and its tests.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tokenizer/bpe_tokenizer.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/special_tokens.h"
#include "tokenizer/spm_tokenizer.h"
#include "tokenizer/vocab.h"

namespace polysafe::tokenizer {

class Tokenizer;

// HF normalizer steps we support (tokenizer.json "normalizer").
struct NormalizerStep {
  enum Kind { Replace, Prepend } kind;
  std::string pattern, content;
};

struct TokenizerImpl {
  Vocab vocab;
  std::string kind;        // "spm" | "bpe"
  std::string pre_name;    // GGUF tokenizer.ggml.pre or a tokenizer.json description
  PreTokenizerSpec pre;
  bool hf = false;         // loaded from tokenizer.json: HF semantics
  bool byte_level = true;  // bpe: GPT-2 byte alphabet; false: raw UTF-8 with ▁ and <0xXX>
  bool clean_spaces = false;
  std::vector<NormalizerStep> normalizer;  // hf only
  std::unique_ptr<SpmTokenizer> spm;
  std::unique_ptr<BpeTokenizer> bpe;
  std::unique_ptr<SpecialTokenMatcher> specials;

  static std::unique_ptr<Tokenizer> make(std::unique_ptr<TokenizerImpl> impl);
};

std::unique_ptr<TokenizerImpl> load_tokenizer_json(const std::string& path);

}  // namespace polysafe::tokenizer
