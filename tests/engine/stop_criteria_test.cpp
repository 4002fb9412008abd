// StopCriteria on real tokenizers (SmolLM2 byte-level BPE, Gemma 3 SPM): EOS,
// stop strings inside one token and across tokens, characters split over byte
// tokens, the token budget, and streamed text that never shows a stop string.
#include "engine/stop_criteria.h"

#include <gtest/gtest.h>

#include <memory>

#include "formats/gguf_reader.h"
#include "test_paths.h"
#include "util/error.h"
#include "util/utf8.h"

namespace polysafe::engine {
namespace {

using tokenizer::Tokenizer;

struct Models {
  formats::GgufFile smol_file{test::model_path("smollm2-135m-instruct")};
  formats::GgufFile gemma_file{test::model_path("gemma3-270m")};
  std::unique_ptr<Tokenizer> smol = Tokenizer::from_gguf(smol_file);
  std::unique_ptr<Tokenizer> gemma = Tokenizer::from_gguf(gemma_file);
};
const Models& models() {
  static Models m;
  return m;
}

struct Fed {
  std::vector<std::string> chunks;
  std::string streamed;
  StopReason reason = StopReason::none;
  size_t tokens_used = 0;  // tokens pushed up to and including the stopping one
  std::string text;
  size_t dropped = 0, invalid = 0;  // UTF-8 repairs
};

// Pushes ids until a stop; checks that what was streamed is the final text and
// that every chunk is valid UTF-8.
Fed feed(const Tokenizer& tok, StopConfig cfg, const std::vector<int32_t>& ids) {
  StopCriteria sc(tok, std::move(cfg));
  Fed r;
  for (int32_t id : ids) {
    StopStep st = sc.push(id);
    ++r.tokens_used;
    r.chunks.push_back(st.text);
    r.streamed += st.text;
    EXPECT_FALSE(utf8::first_invalid(st.text).has_value()) << "chunk " << r.chunks.size() - 1;
    if (st.stop) {
      r.reason = st.reason;
      break;
    }
  }
  r.text = sc.text();
  r.dropped = sc.dropped_tail_bytes();
  r.invalid = sc.invalid_utf8_sequences();
  EXPECT_EQ(r.streamed, r.text);
  return r;
}

std::vector<int32_t> ids(const Tokenizer& tok, const std::string& s) { return tok.encode(s, false, false); }

TEST(StopCriteria, EosEndsTheSequenceAndIsNotText) {
  const Tokenizer& tok = *models().smol;
  auto cfg = StopConfig::for_model(tok, 100);
  ASSERT_FALSE(cfg.eos_ids.empty());
  auto t = ids(tok, "The capital of France is Paris.");
  t.push_back(cfg.eos_ids[0]);
  t.push_back(ids(tok, " more")[0]);  // after EOS: never read
  Fed r = feed(tok, cfg, t);
  EXPECT_EQ(r.reason, StopReason::eos);
  EXPECT_EQ(r.text, "The capital of France is Paris.");
  EXPECT_EQ(r.tokens_used, t.size() - 1);
}

TEST(StopCriteria, ForModelListsEosAndEndOfTurn) {
  auto g = StopConfig::for_model(*models().gemma, 8);
  // Gemma 3: <eos> (1) and <end_of_turn> (106).
  EXPECT_NE(std::find(g.eos_ids.begin(), g.eos_ids.end(), models().gemma->eos_id()), g.eos_ids.end());
  EXPECT_NE(std::find(g.eos_ids.begin(), g.eos_ids.end(), models().gemma->eot_id()), g.eos_ids.end());
  EXPECT_EQ(g.max_new_tokens, 8u);
}

TEST(StopCriteria, StopStringInsideOneToken) {
  const Tokenizer& tok = *models().smol;
  auto cfg = StopConfig::for_model(tok, 100);
  cfg.stop_strings = {"User"};
  Fed r = feed(tok, cfg, ids(tok, "Paris is the capital. User: and Berlin?"));
  EXPECT_EQ(r.reason, StopReason::stop_string);
  EXPECT_EQ(r.text, "Paris is the capital. ");
}

TEST(StopCriteria, StopStringAcrossTokensIsNeverStreamed) {
  const Tokenizer& tok = *models().smol;
  const std::string text = "Answer: forty-two.\n\n### Question: what else?";
  auto t = ids(tok, text);
  auto cfg = StopConfig::for_model(tok, 100);
  cfg.stop_strings = {"\n\n### Question"};
  ASSERT_GT(ids(tok, "\n\n### Question").size(), 2u);  // spans several tokens
  Fed r = feed(tok, cfg, t);
  EXPECT_EQ(r.reason, StopReason::stop_string);
  EXPECT_EQ(r.text, "Answer: forty-two.");
  // The "\n\n" was held back as a possible start, never streamed, then dropped.
  for (const auto& c : r.chunks) EXPECT_EQ(c.find('\n'), std::string::npos);
  // Stops at the token that completes the stop string.
  std::string prefix;
  size_t need = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    prefix = tok.decode(std::vector<int32_t>(t.begin(), t.begin() + static_cast<long>(i) + 1));
    if (prefix.find("\n\n### Question") != std::string::npos) {
      need = i + 1;
      break;
    }
  }
  EXPECT_EQ(r.tokens_used, need);
}

TEST(StopCriteria, EarliestOfSeveralStopStrings) {
  const Tokenizer& tok = *models().smol;
  auto cfg = StopConfig::for_model(tok, 100);
  cfg.stop_strings = {"Berlin", "capital", "Paris is the capital"};
  Fed r = feed(tok, cfg, ids(tok, "Well, Paris is the capital and Berlin too."));
  // "capital" is complete first (at the token that adds it) but "Paris is the
  // capital" starts earlier in the same text: the earliest start wins.
  EXPECT_EQ(r.text, "Well, ");
  StopCriteria sc(tok, cfg);
  for (int32_t id : ids(tok, "Well, Paris is the capital and Berlin too."))
    if (sc.push(id).stop) break;
  EXPECT_EQ(sc.matched_stop_string(), "Paris is the capital");
}

TEST(StopCriteria, CharactersSplitOverByteTokens) {
  // SmolLM2 has no token for these CJK/emoji characters: each is several
  // byte tokens, none of them valid UTF-8 alone.
  const Tokenizer& tok = *models().smol;
  const std::string text = "猫は𠮷野家で🦜を見た。終わり";
  auto t = ids(tok, text);
  ASSERT_GT(t.size(), utf8::to_codepoints(text).size());
  auto cfg = StopConfig::for_model(tok, t.size());
  Fed plain = feed(tok, cfg, t);
  EXPECT_EQ(plain.reason, StopReason::max_new_tokens);
  EXPECT_EQ(plain.text, text);
  cfg.stop_strings = {"🦜"};
  Fed r = feed(tok, cfg, t);
  EXPECT_EQ(r.reason, StopReason::stop_string);
  EXPECT_EQ(r.text, "猫は𠮷野家で");
  cfg.stop_strings = {"終わり"};
  EXPECT_EQ(feed(tok, cfg, t).text, "猫は𠮷野家で🦜を見た。");
}

TEST(StopCriteria, MaxNewTokensAndIncompleteCharacterAtTheEnd) {
  const Tokenizer& tok = *models().smol;
  auto t = ids(tok, "one two three four five six");
  auto cfg = StopConfig::for_model(tok, 3);
  Fed r = feed(tok, cfg, t);
  EXPECT_EQ(r.reason, StopReason::max_new_tokens);
  EXPECT_EQ(r.tokens_used, 3u);
  EXPECT_EQ(r.text, tok.decode({t[0], t[1], t[2]}));
  // The budget ends inside a character: the character is dropped, not shown as
  // U+FFFD, and its bytes so far are counted.
  auto e = ids(tok, "ok 🦜");
  ASSERT_GE(e.size(), 3u);
  ASSERT_TRUE(utf8::first_invalid(tok.token_to_piece(e.back())).has_value());  // 🦜 is split over tokens
  cfg.max_new_tokens = e.size() - 1;
  Fed cut = feed(tok, cfg, e);
  EXPECT_EQ(cut.text, "ok ");
  EXPECT_EQ(cut.dropped, 4 - tok.token_to_piece(e.back()).size());
  EXPECT_EQ(cut.invalid, 0u);
  cfg.max_new_tokens = e.size();
  Fed whole = feed(tok, cfg, e);
  EXPECT_EQ(whole.text, "ok 🦜");
  EXPECT_EQ(whole.dropped, 0u);
}

TEST(StopCriteria, HeldBackPrefixIsReleasedWhenItDoesNotComplete) {
  const Tokenizer& tok = *models().smol;
  auto t = ids(tok, "The end. User");
  auto cfg = StopConfig::for_model(tok, static_cast<size_t>(t.size()));
  cfg.stop_strings = {"User:"};
  Fed r = feed(tok, cfg, t);
  EXPECT_EQ(r.reason, StopReason::max_new_tokens);
  EXPECT_EQ(r.text, "The end. User");
  EXPECT_EQ(r.chunks.back().find("User") != std::string::npos, true);  // held back until the end
}

TEST(StopCriteria, GemmaSpmDecodingAndControlTokens) {
  const Tokenizer& tok = *models().gemma;
  auto cfg = StopConfig::for_model(tok, 100);
  cfg.stop_strings = {"\nQ:"};
  auto t = ids(tok, "Die Hauptstadt ist Berlin.\nQ: Und Frankreich?");
  Fed r = feed(tok, cfg, t);
  EXPECT_EQ(r.text, "Die Hauptstadt ist Berlin.");
  // End of turn stops like EOS.
  auto t2 = ids(tok, "Bonjour");
  t2.push_back(tok.eot_id());
  Fed r2 = feed(tok, StopConfig::for_model(tok, 100), t2);
  EXPECT_EQ(r2.reason, StopReason::eos);
  EXPECT_EQ(r2.text, "Bonjour");
}

TEST(StopCriteria, AfterStopNothingChanges) {
  const Tokenizer& tok = *models().smol;
  StopCriteria sc(tok, StopConfig::for_model(tok, 1));
  auto t = ids(tok, "a b");
  EXPECT_TRUE(sc.push(t[0]).stop);
  std::string before = sc.text();
  StopStep again = sc.push(t[1]);
  EXPECT_TRUE(again.stop);
  EXPECT_EQ(again.reason, StopReason::max_new_tokens);
  EXPECT_EQ(again.text, "");
  EXPECT_EQ(sc.text(), before);
  EXPECT_EQ(sc.n_tokens(), 1u);
  EXPECT_STREQ(stop_reason_name(sc.reason()), "length");
}

TEST(StopCriteria, RejectsBadConfig) {
  const Tokenizer& tok = *models().smol;
  StopConfig c;
  c.max_new_tokens = 0;
  try {
    StopCriteria sc(tok, c);
    FAIL() << "accepted max_new_tokens = 0";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("max new tokens must be >= 1"), std::string::npos);
  }
  c.max_new_tokens = 4;
  c.stop_strings = {"ok", ""};
  try {
    StopCriteria sc(tok, c);
    FAIL() << "accepted an empty stop string";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("stop string 1 is empty"), std::string::npos);
  }
  c.stop_strings = {"\xC3"};
  EXPECT_THROW(StopCriteria(tok, c), UsageError);
}

}  // namespace
}  // namespace polysafe::engine
