// Behaviour of the Tokenizer API on the real default models: metadata, special
// tokens, errors, and streaming decode of multi-byte characters split across tokens.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "formats/gguf_reader.h"
#include "test_paths.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/tokenizer_reference.h"
#include "tokenizer/unicode_props.h"
#include "util/error.h"

namespace polysafe::tokenizer {
namespace {

struct Models {
  formats::GgufFile smol_file{test::model_path("smollm2-135m-instruct")};
  formats::GgufFile gemma_file{test::model_path("gemma3-270m")};
  std::unique_ptr<Tokenizer> smol = Tokenizer::from_gguf(smol_file);
  std::unique_ptr<Tokenizer> gemma = Tokenizer::from_gguf(gemma_file);
};

Models& models() {
  static Models m;
  return m;
}

TEST(TokenizerApi, MetadataFromGguf) {
  auto& s = *models().smol;
  EXPECT_EQ(s.model_kind(), "bpe");
  EXPECT_EQ(s.pre_tokenizer(), "smollm");
  EXPECT_EQ(s.vocab_size(), 49152u);
  EXPECT_EQ(s.bos_id(), 1);
  EXPECT_EQ(s.eos_id(), 2);
  EXPECT_FALSE(s.add_bos());  // tokenizer.ggml.add_bos_token = false
  EXPECT_EQ(s.token_text(1), "<|im_start|>");
  EXPECT_EQ(s.token_type(1), TokenType::Control);
  EXPECT_EQ(s.eot_id(), 2);  // <|im_end|>

  auto& g = *models().gemma;
  EXPECT_EQ(g.model_kind(), "spm");
  EXPECT_EQ(g.vocab_size(), 262144u);
  EXPECT_EQ(g.bos_id(), 2);
  EXPECT_EQ(g.eos_id(), 1);
  EXPECT_TRUE(g.add_bos());
  EXPECT_FALSE(g.add_eos());
  EXPECT_EQ(g.token_type(238), TokenType::Byte);  // <0x00>
  EXPECT_EQ(g.token_to_piece(238 + 0x41), "A");
  EXPECT_EQ(g.token_type(108), TokenType::UserDefined);  // "\n\n"
  EXPECT_EQ(g.eot_id(), 106);                            // <end_of_turn>
}

TEST(TokenizerApi, ControlTokensOnlyWithParseSpecial) {
  auto& s = *models().smol;
  auto plain = s.encode("<|im_start|>user", false, false);
  auto parsed = s.encode("<|im_start|>user", false, true);
  ASSERT_FALSE(parsed.empty());
  EXPECT_EQ(parsed[0], 1);
  EXPECT_GT(plain.size(), parsed.size());
  EXPECT_EQ(s.decode(plain), "<|im_start|>user");
  EXPECT_EQ(s.decode(parsed), "<|im_start|>user");
  EXPECT_EQ(s.decode(parsed, true), "user");  // control token skipped
}

TEST(TokenizerApi, GemmaUserDefinedTokensAlwaysMatch) {
  auto& g = *models().gemma;
  // "\n\n" (id 108) is USER_DEFINED in Gemma 3: llama.cpp matches it without parse_special.
  auto ids = g.encode("a\n\nb", false, false);
  EXPECT_NE(std::find(ids.begin(), ids.end(), 108), ids.end());
  // <start_of_turn> (105) is CONTROL: text unless parse_special.
  auto plain = g.encode("<start_of_turn>user", true, false);
  auto parsed = g.encode("<start_of_turn>user", true, true);
  EXPECT_EQ(parsed[0], 2);
  EXPECT_EQ(parsed[1], 105);
  EXPECT_EQ(std::find(plain.begin(), plain.end(), 105), plain.end());
  // "</s>" is user-defined in the file but llama.cpp promotes it to control.
  EXPECT_NE(g.token_attr(212) & ATTR_CONTROL, 0u);
  EXPECT_EQ(g.decode({212}, true), "");
}

TEST(TokenizerApi, InvalidUtf8IsAnErrorNamingTheOffset) {
  auto& s = *models().smol;
  try {
    s.encode(std::string("ok \xC3\x28 bad"), false, false);
    FAIL() << "expected TokenizerError";
  } catch (const TokenizerError& e) {
    EXPECT_NE(std::string(e.what()).find("invalid UTF-8 at byte 3"), std::string::npos) << e.what();
  }
  EXPECT_THROW(models().gemma->encode(std::string("\xFF"), false, false), TokenizerError);
  EXPECT_THROW(s.token_text(49152), TokenizerError);
  EXPECT_THROW(s.decode({-1}), TokenizerError);
}

TEST(TokenizerApi, EmptyInput) {
  EXPECT_TRUE(models().smol->encode("", true, false).empty());
  EXPECT_EQ(models().gemma->encode("", true, false), std::vector<int32_t>{2});
  EXPECT_EQ(models().gemma->decode({}), "");
}

TEST(TokenizerApi, StreamingDecoderHoldsPartialUtf8) {
  // Gemma byte-falls-back on characters outside its vocabulary; force a split
  // multi-byte character by feeding byte tokens of "é" (C3 A9) and "😀" (F0 9F 98 80).
  auto& g = *models().gemma;
  const int32_t byte0 = 238;
  StreamingDecoder dec(g);
  EXPECT_EQ(dec.push(byte0 + 0xC3), "");
  EXPECT_EQ(dec.push(byte0 + 0xA9), "\xC3\xA9");
  EXPECT_EQ(dec.push(byte0 + 0xF0), "");
  EXPECT_EQ(dec.push(byte0 + 0x9F), "");
  EXPECT_EQ(dec.push(byte0 + 0x98), "");
  EXPECT_EQ(dec.push(byte0 + 0x80), "\xF0\x9F\x98\x80");
  EXPECT_EQ(dec.push(byte0 + 0xE4), "");
  EXPECT_EQ(dec.finish(), 1u);  // an unfinished character is dropped at the end, never replaced
  EXPECT_TRUE(dec.replaced_at().empty());
  // Invalid bytes never come out raw.
  dec.reset();
  EXPECT_EQ(dec.push(byte0 + 0xFF), "\xEF\xBF\xBD");
  EXPECT_EQ(dec.replaced_at(), std::vector<size_t>{0});

  // On real text, streaming equals whole-sequence decoding, for both models.
  for (Tokenizer* t : {models().smol.get(), models().gemma.get()}) {
    const std::string text = "Привет 👩‍👩‍👧 日本語 ภาษาไทย مرحبا";
    auto ids = t->encode(text, false, false);
    StreamingDecoder sd(*t);
    std::string acc;
    for (int32_t id : ids) {
      std::string part = sd.push(id);
      acc += part;
    }
    EXPECT_EQ(sd.finish(), 0u);
    EXPECT_EQ(acc, text);
    EXPECT_TRUE(sd.replaced_at().empty());
  }
}

TEST(TokenizerApi, UnknownPreTokenizerIsRejected) {
  EXPECT_THROW(Tokenizer::from_gguf(models().smol_file, "no-such-pre"), TokenizerError);
  EXPECT_THROW(pre_tokenizer_for("viking"), TokenizerError);
}

TEST(TokenizerApi, UnicodeClassesMatchLlamaCppTables) {
  EXPECT_TRUE(cp_flags(U'a').letter());
  EXPECT_TRUE(cp_flags(U'\u0967').number());      // Devanagari digit one
  EXPECT_TRUE(cp_flags(U'\u3000').whitespace());  // ideographic space
  EXPECT_FALSE(cp_flags(U'\u200B').whitespace()); // zero width space is Cf
  EXPECT_TRUE(cp_flags(U'\u0301').mark());
  // Unicode 15.1 additions (CJK Ext. I) that ICU 72 does not know yet.
  EXPECT_TRUE(cp_flags(0x2EBF0).letter());
  EXPECT_EQ(cp_flags(0x2FFC).category(), CpFlags::SYMBOL);
  EXPECT_EQ(cp_flags(0x0378).category(), CpFlags::UNDEFINED);  // unassigned
}

TEST(TokenizerApi, PreTokenizerSplits) {
  auto words = [](std::string_view t, std::vector<SplitStep> s) {
    std::vector<std::string> r;
    for (auto w : pre_tokenize(t, s)) r.emplace_back(w);
    return r;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(words("Hello world 2024!!", {SplitStep::IsolateNumbers, SplitStep::Gpt2}),
            (V{"Hello", " world", " ", "2", "0", "2", "4", "!!"}));
  EXPECT_EQ(words("I'm  here\n\n", {SplitStep::Llama3}), (V{"I", "'m", " ", " here", "\n\n"}));
  EXPECT_EQ(words("12345", {SplitStep::Llama3}), (V{"123", "45"}));
  EXPECT_EQ(words("12345", {SplitStep::Qwen2}), (V{"1", "2", "3", "4", "5"}));
}

TEST(TokenizerApi, TokenizerJsonErrorsNameTheField) {
  const std::string dir = test::make_temp_dir();
  const std::string p = dir + "/tokenizer.json";
  std::ofstream(p) << R"({"model": {"type": "WordPiece", "vocab": {}}})";
  try {
    Tokenizer::from_tokenizer_json(p);
    FAIL();
  } catch (const TokenizerError& e) {
    EXPECT_NE(std::string(e.what()).find("model.type"), std::string::npos) << e.what();
  }
  std::ofstream(p) << "{not json";
  EXPECT_THROW(Tokenizer::from_tokenizer_json(p), TokenizerError);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace polysafe::tokenizer
