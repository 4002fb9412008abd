// A tokenizer vocabulary: token texts, scores, types and the per-token attributes
// that decide how encode/decode treat them (llama.cpp llama_token_attr), plus the
// model-level rules (BOS/EOS ids and whether to add them, space prefix).
// Loaded from GGUF or built by the tokenizer.json loader; never encodes text itself.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace polysafe::formats { class GgufFile; }

namespace polysafe::tokenizer {

enum class TokenType { Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6 };

// Attribute bits (same meaning and values as llama.cpp's llama_token_attr).
enum TokenAttr : uint32_t {
  ATTR_UNDEFINED = 0,
  ATTR_UNKNOWN = 1u << 0,
  ATTR_UNUSED = 1u << 1,
  ATTR_NORMAL = 1u << 2,
  ATTR_CONTROL = 1u << 3,
  ATTR_USER_DEFINED = 1u << 4,
  ATTR_BYTE = 1u << 5,
  ATTR_LSTRIP = 1u << 7,
  ATTR_RSTRIP = 1u << 8,
};

struct TokenEntry {
  std::string text;
  float score = 0.0f;
  int32_t type = 1;       // raw GGUF token_type value
  uint32_t attr = ATTR_NORMAL;
};

class Vocab {
 public:
  // Appends tokens; call finish() once all are in (builds the lookup map).
  std::vector<TokenEntry> tokens;
  void finish();

  size_t size() const { return tokens.size(); }
  // Id of the exact text, or -1. Duplicate texts resolve to the highest id (as llama.cpp).
  int32_t find(std::string_view text) const {
    auto it = text_to_id_.find(text);
    return it == text_to_id_.end() ? -1 : it->second;
  }
  bool valid(int32_t id) const { return id >= 0 && static_cast<size_t>(id) < tokens.size(); }

  int32_t bos_id = -1, eos_id = -1, unk_id = -1, pad_id = -1, eot_id = -1;
  bool add_bos = false, add_eos = false;
  bool add_space_prefix = false;

 private:
  std::unordered_map<std::string_view, int32_t> text_to_id_;
};

TokenType token_type_from_raw(int32_t raw);
uint32_t attr_from_type(int32_t raw);

// Reads tokenizer.ggml.{tokens,scores,token_type} and the special-token keys into
// v (model-type defaults for BOS/EOS as llama.cpp: llama → 1/2/unk 0, gpt2 → 11/11),
// then applies llama.cpp's load-time attribute fix-ups (end-of-turn texts become
// control tokens, control tokens named "unused" become unused).
void load_gguf_vocab(const formats::GgufFile& f, const std::string& model, Vocab& v);

// llama.cpp's post-load attribute fix-ups by token text (also used for tokenizer.json).
void apply_llama_attr_fixups(Vocab& v);

}  // namespace polysafe::tokenizer
