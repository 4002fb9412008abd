// SuiteItem JSON form, suite specs, language/category names and in-memory
// JSON Lines items (the built-in suites' reader).
#include <gtest/gtest.h>

#include "data/names.h"
#include "lang/language_tag.h"
#include "data/prompt_text.h"
#include "data/suite_formats.h"
#include "data/suite_loader.h"
#include "data/suite_spec.h"

namespace polysafe::data {
namespace {

void expect_error(const std::function<void()>& f, const std::string& fragment) {
  try {
    f();
    FAIL() << "no error; expected " << fragment;
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(SuiteItem, JsonRoundTrip) {
  SuiteItem a;
  a.id = "x/1/fr";
  a.parallel_id = "x/1";
  a.lang = "fr";
  a.prompt = "Bonjour \"toi\"\n";
  a.categories = {"self_harm", "violence"};
  a.scope = "local";
  a.benign = true;
  a.source = "test";
  a.extra = {{"row", 3}};
  SuiteItem b = item_from_json(to_json(a), "here");
  EXPECT_EQ(to_json(b), to_json(a));
  EXPECT_EQ(b.extra["row"], 3);
  // Defaults for the optional fields; categories and lang normalised.
  SuiteItem c = item_from_json({{"id", "c"}, {"lang", "sp"}, {"prompt", "p"}, {"categories", {"Self-Harm", "self harm", "IdentityAttack"}}}, "w");
  EXPECT_EQ(c.lang, "es");
  EXPECT_EQ(c.categories, (std::vector<std::string>{"self_harm", "identity_attack"}));
  EXPECT_EQ(c.scope, "");
  EXPECT_FALSE(c.benign);
  EXPECT_EQ(c.parallel_id, "");
}

TEST(SuiteItem, FromJsonErrorsNameTheField) {
  const nlohmann::json ok = {{"id", "a"}, {"lang", "en"}, {"prompt", "p"}};
  auto with = [&](const char* k, nlohmann::json v) {
    nlohmann::json j = ok;
    j[k] = v;
    return j;
  };
  auto without = [&](const char* k) {
    nlohmann::json j = ok;
    j.erase(k);
    return j;
  };
  expect_error([&] { item_from_json(without("id"), "f:3"); }, "f:3: field 'id': missing");
  expect_error([&] { item_from_json(without("prompt"), "f:3"); }, "f:3: field 'prompt': missing");
  expect_error([&] { item_from_json(with("prompt", ""), "f:3"); }, "f:3: field 'prompt': empty");
  expect_error([&] { item_from_json(with("lang", "not a tag"), "f:3"); }, "f:3: field 'lang': 'not a tag' is not a language tag");
  expect_error([&] { item_from_json(with("lang", 5), "f:3"); }, "f:3: field 'lang': expected a string");
  expect_error([&] { item_from_json(with("scope", "regional"), "f:3"); }, "f:3: field 'scope': expected \"global\"");
  expect_error([&] { item_from_json(with("benign", "yes"), "f:3"); }, "f:3: field 'benign': expected true or false");
  expect_error([&] { item_from_json(with("categories", "violence"), "f:3"); }, "f:3: field 'categories': expected an array");
  expect_error([&] { item_from_json(with("categories", {"ok", 3}), "f:3"); }, "field 'categories': element 1");
  expect_error([&] { item_from_json(with("categories", {"--"}), "f:3"); }, "has no letters or digits");
  expect_error([&] { item_from_json(with("langauge", "en"), "f:3"); }, "f:3: field 'langauge': unknown");
  expect_error([&] { item_from_json(with("extra", 1), "f:3"); }, "f:3: field 'extra': expected an object");
  expect_error([&] { item_from_json(nlohmann::json::array(), "f:3"); }, "f:3: expected a JSON object");
}

TEST(SuiteItem, ItemsJsonlInMemory) {
  Suite s = parse_items_jsonl(
      "{\"id\":\"a\",\"lang\":\"en\",\"prompt\":\"p\"}\r\n\n"
      "{\"id\":\"b\",\"lang\":\"de\",\"prompt\":\"q\",\"source\":\"mine\"}",
      "builtin:test");
  ASSERT_EQ(s.items.size(), 2u);
  EXPECT_EQ(s.items[0].source, "builtin:test");
  EXPECT_EQ(s.items[1].source, "mine");
  expect_error([] { parse_items_jsonl("{\"id\":\"a\",\"lang\":\"en\",\"prompt\":\"p\"}\n\n{\"id\":\"b\",\"prompt\":\"q\"}\n", "builtin:redteam"); },
               "builtin:redteam:3: field 'lang': missing");
  expect_error([] { parse_items_jsonl("{\"id\":", "builtin:redteam"); }, "builtin:redteam:1: not JSON");
  expect_error([] { parse_items_jsonl("\n \n", "builtin:redteam"); }, "builtin:redteam: no items");
}

TEST(SuiteSpec, Syntax) {
  SuiteSpec s = parse_suite_spec("JSONL:/data/a b.jsonl?text=q&lang=meta.lang&&default_lang=pt%2DBR");
  EXPECT_EQ(s.scheme, "jsonl");
  EXPECT_EQ(s.path, "/data/a b.jsonl");
  ASSERT_EQ(s.params.size(), 3u);
  EXPECT_EQ(*s.param("default_lang"), "pt-BR");
  EXPECT_EQ(s.param("id"), nullptr);
  expect_error([] { parse_suite_spec("redteam"); }, "expected SCHEME:PATH");
  expect_error([] { parse_suite_spec("xsafety:"); }, "empty path");
  expect_error([] { parse_suite_spec("jsonl:f?text"); }, "parameter 'text' has no '=VALUE'");
  expect_error([] { parse_suite_spec("jsonl:f?text=a&text=b"); }, "parameter 'text' given twice");
  expect_error([] { parse_suite_spec("jsonl:f?text=%zz"); }, "bad %-escape");
}

TEST(SuiteSpec, DispatchErrors) {
  expect_error([] { load_suite("hf:org/dataset"); },
               "unknown scheme 'hf' (known: builtin, xsafety, multijail, aya, dna, rtplx, polyrefuse, jsonl, csv)");
  expect_error([] { load_suite("builtin:nope"); }, "builtin:nope: no such built-in suite (have: builtin:redteam)");
  expect_error([] { load_suite("xsafety:/nonexistent?x=1"); }, "takes no ?parameters");
  expect_error([] { load_suite("dna:/nonexistent/x.csv"); }, "/nonexistent/x.csv: cannot open");
  expect_error([] { load_suite("rtplx:/nonexistent"); }, "/nonexistent: no such file or directory");
}

TEST(Names, LanguagesAndCategories) {
  EXPECT_EQ(language_tag("sp", "w"), "es");
  EXPECT_EQ(language_tag("ZH-hans", "w"), "zh-Hans");
  EXPECT_EQ(language_tag("NO-NB", "w"), "nb");
  EXPECT_EQ(language_tag("pt_br", "w"), "pt-BR");
  expect_error([] { language_tag("", "w"); }, "w: '' is not a language tag");
  expect_error([] { language_tag("elvish", "w"); }, "is not a language tag");
  EXPECT_EQ(lang::language_from_name("Filipino"), "fil");
  EXPECT_EQ(lang::language_from_name("  serbian "), "sr");
  EXPECT_EQ(lang::language_from_name("Traditional  Chinese"), "zh-Hant");
  EXPECT_EQ(lang::language_from_name("Klingon"), std::nullopt);
  EXPECT_EQ(language_from_name_or_code("Arabic", "w"), "ar");
  EXPECT_EQ(language_from_name_or_code("ara", "w"), "ar");

  EXPECT_EQ(category_name("Crimes_And_Illegal_Activities"), "crimes_and_illegal_activities");
  EXPECT_EQ(category_name("IdentityAttack"), "identity_attack");
  EXPECT_EQ(category_name("Self-Harm"), "self_harm");
  EXPECT_EQ(category_name("Violence, Threats & Incitement"), "violence_threats_incitement");
  EXPECT_EQ(category_name("  GPT4 prompts "), "gpt4_prompts");
  EXPECT_EQ(category_name("Ärger über"), "Ärger_über");  // non-ASCII kept as written
  EXPECT_EQ(category_name("--"), "");
  EXPECT_EQ(split_category_list("A, Violence, Threats & Incitement ,B,", {"Violence, Threats & Incitement"}),
            (std::vector<std::string>{"A", "Violence, Threats & Incitement", "B"}));
}

TEST(PromptText, EdgeCleaning) {
  EXPECT_EQ(clean_prompt("\xC2\xA0 hello\nworld \xE3\x80\x80\r\n"), "hello\nworld");
  EXPECT_EQ(clean_prompt(" \"wrapped\" "), "wrapped");
  EXPECT_EQ(clean_prompt("\"a\" and \"b\""), "\"a\" and \"b\"");  // quotes that belong to the text stay
  EXPECT_EQ(clean_prompt("\"open only"), "\"open only");
  EXPECT_EQ(clean_prompt("\xEF\xBB\xBF\xE2\x80\x8B"), "");
  EXPECT_EQ(trim_prompt_space(" \"quoted opening, "), "\"quoted opening,");
}

}  // namespace
}  // namespace polysafe::data
