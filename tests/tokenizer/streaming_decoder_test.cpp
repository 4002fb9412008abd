// StreamingDecoder on the real tokenizers (SmolLM2 byte-level BPE, Gemma 3
// SentencePiece with <0xNN> byte fallback): a text that ends inside a character
// drops it and counts its bytes, characters spelled over several byte tokens come
// out whole, ill-formed bytes the model emits stay visible as U+FFFD and are
// counted, no streamed piece is ever part of a character, and random token
// streams decode as CPython's UTF-8 codec does (scripts/reference/utf8_replace.py).
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "formats/gguf_reader.h"
#include "test_paths.h"
#include "tokenizer/tokenizer.h"
#include "util/utf8.h"

namespace polysafe::tokenizer {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

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

// Gemma's byte-fallback token for b ("<0xE6>").
int32_t byte_token(const Tokenizer& tok, unsigned b) {
  char name[8];
  std::snprintf(name, sizeof name, "<0x%02X>", b);
  const int32_t id = tok.vocab().find(name);
  EXPECT_GE(id, 0) << name;
  return id;
}

std::vector<int32_t> ids(const Tokenizer& tok, const std::string& s) { return tok.encode(s, false, false); }

std::vector<int32_t> cat(std::vector<int32_t> a, const std::vector<int32_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

struct Decoded {
  std::string text;
  std::vector<std::string> chunks;
  size_t dropped = 0;
  std::vector<size_t> replaced_at;
};

// Streams ids through a decoder; every chunk must be whole characters.
Decoded stream(const Tokenizer& tok, const std::vector<int32_t>& ids) {
  StreamingDecoder dec(tok);
  Decoded d;
  for (int32_t id : ids) {
    d.chunks.push_back(dec.push(id));
    d.text += d.chunks.back();
    EXPECT_FALSE(utf8::first_invalid(d.chunks.back()).has_value())
        << "chunk " << d.chunks.size() - 1 << " is not whole characters";
  }
  d.dropped = dec.finish();
  d.replaced_at = dec.replaced_at();
  return d;
}

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// (a) Every prefix of the token sequence of a valid text: the text shown is the
// prefix cut at the last character boundary, and the cut-off bytes are counted.
// SmolLM2 spells most CJK and Thai characters as several byte tokens, so many
// prefixes end inside a character.
TEST(StreamingDecoder, TextEndingInsideACharacterDropsItAndCountsItsBytes) {
  const Tokenizer& tok = *models().smol;
  const std::string text = "日本の首都は東京です。ภาษาไทยง่ายไหม 🦜𠮷 Привет";
  const auto t = ids(tok, text);
  size_t cut_inside = 0;
  for (size_t k = 1; k <= t.size(); ++k) {
    const std::vector<int32_t> prefix(t.begin(), t.begin() + long(k));
    const std::string raw = tok.decode(prefix);
    ASSERT_EQ(text.compare(0, raw.size(), raw), 0) << k;  // pieces are the text's bytes
    size_t boundary = raw.size();
    while (boundary > 0 && boundary < text.size() && is_continuation(text[boundary])) --boundary;
    const Decoded d = stream(tok, prefix);
    EXPECT_EQ(d.text, raw.substr(0, boundary)) << k;
    EXPECT_EQ(d.dropped, raw.size() - boundary) << k;
    EXPECT_EQ(d.text.find(kFffd), std::string::npos) << k;
    EXPECT_TRUE(d.replaced_at.empty()) << k;
    cut_inside += d.dropped > 0;
  }
  EXPECT_GT(cut_inside, 10u);  // the case this test is about did occur, many times

  // Gemma: byte tokens of 日 (E6 97 A5) after a word, cut after two of three.
  const Tokenizer& g = *models().gemma;
  const Decoded d = stream(g, cat(ids(g, "Tokyo"), {byte_token(g, 0xE6), byte_token(g, 0x97)}));
  EXPECT_EQ(d.text, "Tokyo");
  EXPECT_EQ(d.dropped, 2u);
  EXPECT_TRUE(d.replaced_at.empty());
}

// (b) Byte-fallback pieces that together spell one character.
TEST(StreamingDecoder, ByteFallbackTokensFormWholeCharacters) {
  const Tokenizer& g = *models().gemma;
  // A character Gemma's vocabulary lacks falls back to its UTF-8 bytes.
  std::string rare;
  std::vector<int32_t> rare_ids;
  for (const char* c : {"𓀀", "𠮷", "🦜", "𐌰", "ꙮ"}) {
    auto t = ids(g, std::string("x") + c + "y");
    size_t bytes = 0;
    for (int32_t id : t) bytes += (g.token_attr(id) & ATTR_BYTE) != 0;
    if (bytes >= 2) { rare = c; rare_ids = t; break; }
  }
  ASSERT_FALSE(rare.empty()) << "every candidate is a whole token in Gemma's vocabulary";
  Decoded d = stream(g, rare_ids);
  EXPECT_EQ(d.text, "x" + rare + "y");
  EXPECT_EQ(d.dropped, 0u);
  EXPECT_TRUE(d.replaced_at.empty());

  // 🦜 (F0 9F A6 9C) as four byte tokens: nothing shows until the fourth.
  d = stream(g, cat(ids(g, "a"), {byte_token(g, 0xF0), byte_token(g, 0x9F), byte_token(g, 0xA6),
                                  byte_token(g, 0x9C), ids(g, "b")[0]}));
  EXPECT_EQ(d.chunks, (std::vector<std::string>{"a", "", "", "", "🦜", "b"}));
  EXPECT_EQ(d.dropped, 0u);
}

// (c) Ill-formed bytes the model wrote stay in the text as one U+FFFD per
// maximal subpart, at the offsets replaced_at() names.
TEST(StreamingDecoder, IllFormedBytesMidTextAreShownAndCounted) {
  const Tokenizer& g = *models().gemma;
  const auto tokyo = ids(g, "Tokyo"), is = ids(g, " is");
  auto run = [&](std::vector<unsigned> bytes) {
    std::vector<int32_t> t = tokyo;
    for (unsigned b : bytes) t.push_back(byte_token(g, b));
    return stream(g, cat(t, is));
  };
  Decoded d = run({0x80});  // a lone continuation byte
  EXPECT_EQ(d.text, "Tokyo" + kFffd + " is");
  EXPECT_EQ(d.replaced_at, std::vector<size_t>{5});
  EXPECT_EQ(d.dropped, 0u);
  d = run({0xE3, 0x81});  // a character cut short by an ASCII token: one subpart
  EXPECT_EQ(d.text, "Tokyo" + kFffd + " is");
  EXPECT_EQ(d.replaced_at.size(), 1u);
  d = run({0xED, 0xA0, 0x80});  // a surrogate: never a prefix of a character
  EXPECT_EQ(d.text, "Tokyo" + kFffd + kFffd + kFffd + " is");
  EXPECT_EQ(d.replaced_at, (std::vector<size_t>{5, 8, 11}));
  EXPECT_EQ(run({0xC0, 0xAF}).replaced_at.size(), 2u);  // overlong '/'
  EXPECT_EQ(run({0xFF}).replaced_at.size(), 1u);
  // A surrogate's first two bytes are ill-formed at once, not held back.
  StreamingDecoder dec(g);
  EXPECT_EQ(dec.push(byte_token(g, 0xED)), "");
  EXPECT_EQ(dec.push(byte_token(g, 0xA0)), kFffd + kFffd);
  EXPECT_EQ(dec.finish(), 0u);

  // A U+FFFD the model spells correctly is text, not a replacement.
  d = stream(g, ids(g, "a\xEF\xBF\xBD b"));
  EXPECT_EQ(d.text, "a\xEF\xBF\xBD b");
  EXPECT_TRUE(d.replaced_at.empty());

  // SmolLM2: the first piece of a split character followed by an ASCII token.
  const Tokenizer& s = *models().smol;
  const auto ja = ids(s, "猫");
  ASSERT_GE(ja.size(), 2u);
  ASSERT_TRUE(utf8::first_invalid(s.token_to_piece(ja[0])).has_value());
  d = stream(s, cat(cat(ids(s, "cat"), {ja[0]}), ids(s, " dog")));
  EXPECT_EQ(d.text, "cat" + kFffd + " dog");
  EXPECT_EQ(d.replaced_at, std::vector<size_t>{3});
  EXPECT_EQ(d.dropped, 0u);
}

// (d) and the reference: random token streams, rich in partial characters and
// byte tokens, decode as CPython's codec decodes their bytes; the dropped tail
// is the one U+FFFD CPython writes for a truncated last character.
TEST(StreamingDecoder, RandomStreamsMatchCPythonReplaceDecoding) {
  struct Case {
    const Tokenizer* tok;
    std::vector<int32_t> ids;
    std::string raw;
  };
  std::vector<Case> cases;
  std::mt19937 rng(20261207);
  for (const Tokenizer* tok : {models().smol.get(), models().gemma.get()}) {
    // Tokens whose bytes are not whole characters (SmolLM2's split CJK pieces,
    // Gemma's byte tokens), mixed with tokens drawn from the whole vocabulary.
    std::vector<int32_t> partial;
    for (size_t id = 0; id < tok->vocab_size(); ++id)
      if (utf8::first_invalid(tok->token_to_piece(int32_t(id)))) partial.push_back(int32_t(id));
    ASSERT_GT(partial.size(), 100u);
    const int32_t a = ids(*tok, "a")[0];  // first: no space-prefix rule applies
    for (int c = 0; c < 300; ++c) {
      Case k{tok, {a}, tok->token_to_piece(a)};
      const int len = 1 + int(rng() % 16);
      for (int i = 0; i < len; ++i) {
        int32_t id = rng() % 3 ? partial[rng() % partial.size()] : int32_t(rng() % tok->vocab_size());
        k.ids.push_back(id);
        k.raw += tok->token_to_piece(id);
      }
      cases.push_back(std::move(k));
    }
  }
  test::ScratchDir dir;
  {
    nlohmann::json hexes = nlohmann::json::array();
    for (const auto& k : cases) hexes.push_back(test::hex(k.raw.data(), k.raw.size()));
    std::ofstream(dir.file("cases.json")) << hexes.dump();
  }
  std::string out;
  ASSERT_EQ(test::run_command("python3 '" + test::source_dir() + "/scripts/reference/utf8_replace.py' '" +
                                  dir.file("cases.json") + "' '" + dir.file("out.json") + "'",
                              &out),
            0)
      << out;
  std::ifstream in(dir.file("out.json"));
  const auto want = nlohmann::json::parse(in).get<std::vector<std::string>>();
  ASSERT_EQ(want.size(), cases.size());
  size_t dropped = 0, replaced = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Decoded d = stream(*cases[i].tok, cases[i].ids);
    EXPECT_EQ(d.text + (d.dropped ? kFffd : ""), want[i]) << "case " << i;
    for (size_t at : d.replaced_at) EXPECT_EQ(d.text.compare(at, 3, kFffd), 0) << "case " << i;
    size_t spelled = 0;  // U+FFFD present as valid bytes
    for (size_t p = cases[i].raw.find(kFffd); p != std::string::npos; p = cases[i].raw.find(kFffd, p + 1)) ++spelled;
    size_t in_want = 0;
    for (size_t p = want[i].find(kFffd); p != std::string::npos; p = want[i].find(kFffd, p + 1)) ++in_want;
    EXPECT_EQ(d.replaced_at.size() + spelled + (d.dropped ? 1 : 0), in_want) << "case " << i;
    dropped += d.dropped > 0;
    replaced += !d.replaced_at.empty();
  }
  EXPECT_GT(dropped, 20u);  // both outcomes occur often in these streams
  EXPECT_GT(replaced, 100u);
}

}  // namespace
}  // namespace polysafe::tokenizer
