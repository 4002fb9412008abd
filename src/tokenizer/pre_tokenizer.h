// Pre-tokenisation of byte-level BPE models: splitting text into words before
// merges, by the regex that GGUF `tokenizer.ggml.pre` (or a tokenizer.json
// Split/ByteLevel/Digits step) names. Each regex is run the way llama.cpp runs
// it (src/unicode.cpp unicode_regex_split): steps apply in order, each one
// re-splitting the pieces of the previous one. Never looks at the vocabulary.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace polysafe::tokenizer {

enum class SplitStep {
  IsolateNumbers,   // \p{N}                      (each number code point alone)
  NumberRuns,       // \p{N}+
  AsciiDigitTriples,// [0-9][0-9][0-9]
  PunctuationRuns,  // [\p{P}\$\+<=>\^~\|]+
  Gpt2,             // 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
  Llama3,           // (?i:'s|...)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
  Qwen2,            // as Llama3 with \p{N} instead of \p{N}{1,3}
};

struct PreTokenizerSpec {
  std::string name;             // GGUF tokenizer.ggml.pre value it was made for
  std::vector<SplitStep> steps;
  bool clean_spaces = false;    // llama.cpp clean_up_tokenization_spaces on decode
  bool ignore_merges = false;   // a word already in the vocab is emitted whole
  bool add_bos = false;         // default add_bos for this pre-tokenizer (llama3)
};

// The pre-tokeniser llama.cpp uses for a GGUF `tokenizer.ggml.pre` value
// (empty = "default"). Throws TokenizerError for names it does not implement.
PreTokenizerSpec pre_tokenizer_for(const std::string& pre);

// The step a regex string stands for, when it is one of the patterns above
// (spelled as in tokenizer.json or llama.cpp); false otherwise.
bool split_step_for_regex(std::string_view regex, SplitStep* step);

// Splits valid UTF-8 text into pieces (views into text), applying steps in order.
// An empty step list yields the whole text as one piece.
std::vector<std::string_view> pre_tokenize(std::string_view text, const std::vector<SplitStep>& steps);

}  // namespace polysafe::tokenizer
