// The tokenizer of a model: text <-> token ids, built from a GGUF file (agreeing
// with llama.cpp token for token) or from a HuggingFace tokenizer.json (agreeing
// with the `tokenizers` library). The CLI and the inference engine use only this
// header. Invalid UTF-8 input is rejected with a TokenizerError naming the byte
// offset (llama.cpp instead substitutes U+FFFD); nothing here aborts on user input.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/vocab.h"

namespace polysafe::formats { class GgufFile; }

namespace polysafe::tokenizer {

struct TokenizerImpl;

class Tokenizer {
 public:
  static std::unique_ptr<Tokenizer> from_gguf(const formats::GgufFile& f);
  // As from_gguf, with tokenizer.ggml.pre replaced (tests compare pre-tokenisers
  // on one vocabulary).
  static std::unique_ptr<Tokenizer> from_gguf(const formats::GgufFile& f, const std::string& pre_override);
  static std::unique_ptr<Tokenizer> from_tokenizer_json(const std::string& path);  // HF tokenizer.json
  virtual ~Tokenizer();

  // add_special: add BOS/EOS as the model's rules say; parse_special: recognise
  // control/special token text like "<|im_start|>" (user-defined tokens always match).
  std::vector<int32_t> encode(std::string_view text, bool add_special = true, bool parse_special = false) const;
  // Concatenated pieces. skip_special: drop control/unknown tokens (and a leading
  // BOS / trailing EOS the model adds), as llama_detokenize(remove_special, !unparse_special).
  std::string decode(const std::vector<int32_t>& ids, bool skip_special = false) const;
  std::string token_to_piece(int32_t id) const;     // bytes the token stands for (llama_token_to_piece, special=true)
  const std::string& token_text(int32_t id) const;  // raw vocab entry
  TokenType token_type(int32_t id) const;
  uint32_t token_attr(int32_t id) const;            // TokenAttr bits after load-time fix-ups

  size_t vocab_size() const;
  int32_t bos_id() const;
  int32_t eos_id() const;  // -1 if none
  int32_t eot_id() const;  // end-of-turn token (e.g. <|im_end|>, <end_of_turn>), -1 if none
  std::string model_kind() const;    // "spm" | "bpe"
  std::string pre_tokenizer() const; // GGUF tokenizer.ggml.pre, e.g. "smollm", "default"
  bool add_bos() const;
  bool add_eos() const;

  const Vocab& vocab() const;

 private:
  friend class StreamingDecoder;
  friend struct TokenizerImpl;
  explicit Tokenizer(std::unique_ptr<TokenizerImpl> impl);
  // piece with llama.cpp's rules; special=false renders control/unknown tokens as "".
  std::string piece(int32_t id, bool special) const;
  void check_id(int32_t id) const;
  std::unique_ptr<TokenizerImpl> impl_;
};

// Incremental decoder: feed ids one at a time; every returned string is valid
// UTF-8. A trailing sequence that may still complete (a valid prefix of a
// character) is held back until the token that completes it arrives, and is
// dropped — never replaced — when the text ends there, as llama.cpp's server
// withholds an incomplete last piece. Bytes that can never form a character
// are the model's own: each maximal ill-formed subpart (Unicode 15, §3.9,
// "U+FFFD substitution of maximal subparts") comes out as one U+FFFD and is
// counted. (No clean-up of spaces, unlike decode for gpt2 models.)
class StreamingDecoder {
 public:
  explicit StreamingDecoder(const Tokenizer& tok, bool skip_special = false);
  std::string push(int32_t id);
  // Ends the text: drops what is still held back (always a valid but
  // incomplete prefix of a character) and returns how many bytes that was.
  // Nothing is released; replaced_at() is kept until reset().
  size_t finish();
  void reset();  // a new text: nothing held back, no replacements

  // Byte offsets, in everything returned since the last reset, of the U+FFFD
  // written for ill-formed bytes (a U+FFFD the model spelled correctly is not here).
  const std::vector<size_t>& replaced_at() const { return replaced_at_; }
  size_t held_back_bytes() const { return pending_.size(); }

 private:
  std::string take_complete();
  const Tokenizer& tok_;
  bool skip_special_;
  bool first_ = true;
  std::string pending_;
  size_t emitted_ = 0;  // bytes returned since the last reset
  std::vector<size_t> replaced_at_;
};

}  // namespace polysafe::tokenizer
