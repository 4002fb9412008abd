// Fuzzes the HuggingFace tokenizer.json loader (model, added tokens, merges,
// normalizer, pre-tokenizer, post-processor) and, when a file loads, encoding and
// decoding of fixed multilingual strings with the vocabulary it built. Any input
// must yield a TokenizerError or a working tokenizer, never a crash or hang.
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_file.h"
#include "tokenizer/tokenizer.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Scripts that stress different paths: ASCII words and digits (GPT-2 regex,
  // Digits), accents and CJK (multi-byte merges, byte fallback), Arabic and emoji
  // (4-byte sequences), whitespace runs, and special-token-looking text.
  static const std::vector<std::string> kTexts = {
      "Hello world, 12345 tokens!",
      "Ça va? Grüße aus Köln — «naïve» café",
      "日本語のテキストと中文",
      "مرحبا بالعالم 😀👍🏽",
      "  leading\tand\n\ntrailing   ",
      "<s>[INST] <|im_start|>user<|im_end|> </s>",
      "",
  };
  const std::string& path = polysafe::fuzz::write_scratch(data, size, ".tokenizer.json");
  try {
    auto tok = polysafe::tokenizer::Tokenizer::from_tokenizer_json(path);
    for (const auto& text : kTexts) {
      for (bool special : {false, true}) {
        try {
          auto ids = tok->encode(text, special, special);
          (void)tok->decode(ids, special);
          polysafe::tokenizer::StreamingDecoder dec(*tok, special);
          for (int32_t id : ids) (void)dec.push(id);
          (void)dec.finish();
        } catch (const polysafe::Error&) {
        }
      }
    }
    // Every id the vocabulary claims must be decodable.
    const size_t n = tok->vocab_size();
    for (size_t id = 0; id < n && id < 4096; ++id) {
      (void)tok->token_to_piece(static_cast<int32_t>(id));
      (void)tok->token_type(static_cast<int32_t>(id));
    }
  } catch (const polysafe::Error&) {
  }
  return 0;
}
