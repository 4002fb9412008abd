#include "tokenizer/vocab.h"

#include <cstring>

#include "formats/gguf_reader.h"
#include "util/error.h"

namespace polysafe::tokenizer {

void Vocab::finish() {
  text_to_id_.clear();
  text_to_id_.reserve(tokens.size() * 2);
  for (size_t i = 0; i < tokens.size(); ++i) text_to_id_[tokens[i].text] = static_cast<int32_t>(i);
}

TokenType token_type_from_raw(int32_t raw) {
  if (raw >= 1 && raw <= 6) return static_cast<TokenType>(raw);
  return TokenType::Normal;
}

uint32_t attr_from_type(int32_t raw) {
  switch (raw) {
    case 1: return ATTR_NORMAL;
    case 2: return ATTR_UNKNOWN;
    case 3: return ATTR_CONTROL;
    case 4: return ATTR_USER_DEFINED;
    case 5: return ATTR_UNUSED;
    case 6: return ATTR_BYTE;
    default: return ATTR_UNDEFINED;
  }
}

void apply_llama_attr_fixups(Vocab& v) {
  // llama.cpp (llama-vocab.cpp, load): texts that end a turn are forced to be
  // control tokens, so they are never matched as plain text without parse_special.
  // The list is the union of llama.cpp's end-of-generation, EOT/EOM and FIM texts.
  static const char* const eog_texts[] = {
      "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
      "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
      "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
      "<\xef\xbd\x9c" "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>", "[e~[",
      "<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<PRE>", "\xe2\x96\x81<PRE>", "<|code_prefix|>",
      "<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<SUF>", "\xe2\x96\x81<SUF>", "<|code_suffix|>",
      "<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<MID>", "\xe2\x96\x81<MID>", "<|code_middle|>",
      "<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]", "<|fim_repo|>", "<|repo_name|>",
      "<fim-repo>", "<REPO>", "<reponame>", "<|file_sep|>"};
  for (const char* t : eog_texts) {
    int32_t id = v.find(t);
    if (id >= 0) v.tokens[id].attr |= ATTR_CONTROL;
  }
  for (auto& e : v.tokens) {
    if ((e.attr & ATTR_CONTROL) && e.text.find("unused") != std::string::npos) e.attr |= ATTR_UNUSED;
  }
  // llama.cpp renders these gpt-oss markers always (user-defined, not control).
  for (const char* t : {"<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"}) {
    int32_t id = v.find(t);
    if (id >= 0) v.tokens[id].attr = ATTR_USER_DEFINED;
  }
  if (v.eot_id < 0) {
    for (const char* t : {"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>"}) {
      int32_t id = v.find(t);
      if (id >= 0) { v.eot_id = id; break; }
    }
  }
}

void load_gguf_vocab(const formats::GgufFile& f, const std::string& model, Vocab& v) {
  auto texts = f.get_string_array("tokenizer.ggml.tokens");
  std::vector<float> scores;
  if (f.has("tokenizer.ggml.scores")) scores = f.get_float_array("tokenizer.ggml.scores");
  std::vector<int64_t> types;
  if (f.has("tokenizer.ggml.token_type")) types = f.get_int_array("tokenizer.ggml.token_type");
  if (!scores.empty() && scores.size() < texts.size())
    f.fail_key("tokenizer.ggml.scores", "has " + std::to_string(scores.size()) + " entries, vocab has " +
                                            std::to_string(texts.size()));
  if (!types.empty() && types.size() < texts.size())
    f.fail_key("tokenizer.ggml.token_type", "has " + std::to_string(types.size()) +
                                                " entries, vocab has " + std::to_string(texts.size()));
  v.tokens.resize(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    auto& e = v.tokens[i];
    e.text = std::string(texts[i]);
    // llama.cpp renames empty entries so every id has a distinct, non-empty text.
    if (e.text.empty()) e.text = "[EMPTY_" + std::to_string(i) + "]";
    e.score = scores.empty() ? 0.0f : scores[i];
    e.type = types.empty() ? 1 : static_cast<int32_t>(types[i]);
    e.attr = types.empty() ? ATTR_NORMAL : attr_from_type(e.type);
  }
  v.finish();

  if (model == "llama") {
    v.bos_id = 1; v.eos_id = 2; v.unk_id = 0;
  } else {
    v.bos_id = 11; v.eos_id = 11; v.unk_id = -1;
  }
  auto set_id = [&](const char* key, int32_t& id) {
    if (id >= 0 && static_cast<size_t>(id) >= v.size()) id = -1;  // default out of range: disabled
    if (auto u = f.opt_uint(key)) {
      if (*u < v.size()) id = static_cast<int32_t>(*u);  // llama.cpp ignores out-of-range ids
    }
  };
  set_id("tokenizer.ggml.bos_token_id", v.bos_id);
  set_id("tokenizer.ggml.eos_token_id", v.eos_id);
  set_id("tokenizer.ggml.unknown_token_id", v.unk_id);
  set_id("tokenizer.ggml.padding_token_id", v.pad_id);
  set_id("tokenizer.ggml.eot_token_id", v.eot_id);
  if (auto b = f.opt_bool("tokenizer.ggml.add_bos_token")) v.add_bos = *b;
  if (auto b = f.opt_bool("tokenizer.ggml.add_eos_token")) v.add_eos = *b;
  apply_llama_attr_fixups(v);
}

}  // namespace polysafe::tokenizer
