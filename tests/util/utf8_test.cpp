#include <gtest/gtest.h>

#include "util/sha256.h"
#include "util/strings.h"
#include "util/utf8.h"

using namespace polysafe;

TEST(Utf8, ValidatesAndLocatesFirstInvalidByte) {
  EXPECT_FALSE(utf8::first_invalid("héllo мир 世界 🙂").has_value());
  EXPECT_EQ(utf8::first_invalid("ab\xC3"), std::optional<size_t>(2));          // truncated
  EXPECT_EQ(utf8::first_invalid("a\xC0\xAF"), std::optional<size_t>(1));       // overlong '/'
  EXPECT_EQ(utf8::first_invalid("\xED\xA0\x80"), std::optional<size_t>(0));    // surrogate
  EXPECT_EQ(utf8::first_invalid("\xF4\x90\x80\x80"), std::optional<size_t>(0)); // > U+10FFFF
}

TEST(Utf8, RoundTripsCodepoints) {
  std::string s = "Ελληνικά עברית हिन्दी 👩‍👩‍👧";
  auto cps = utf8::to_codepoints(s);
  EXPECT_EQ(utf8::from_codepoints(cps), s);
  EXPECT_EQ(cps[0], U'Ε');
}

TEST(Utf8, DecodeReplacesInvalidBytesOneAtATime) {
  size_t pos = 0;
  std::string s = "\xFFx";
  EXPECT_EQ(utf8::decode(s, pos), U'\uFFFD');
  EXPECT_EQ(pos, 1u);
  EXPECT_EQ(utf8::decode(s, pos), U'x');
}

TEST(Strings, TerminalEscaping) {
  EXPECT_EQ(escape_for_terminal("a\nb\t\x01\xFF" "é"), "a\\nb\\t\\x01\\xFFé");
  EXPECT_EQ(human_bytes(98362432), "93.8 MiB");
  EXPECT_EQ(split("a,,b", ','), (std::vector<std::string>{"a", "", "b"}));
}

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
