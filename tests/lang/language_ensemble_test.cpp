// The lid.176 + CLD2 ensemble, its script rules and the "is this text in
// language X?" decision, on short texts (<= 200 characters) of the shared
// datasets, including the low-resource languages lid.176 misses.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "lang/cld2_detector.h"
#include "lang/language_id.h"
#include "lang/language_tag.h"
#include "test_paths.h"

namespace polysafe::lang {
namespace {

using polysafe::test::shared_data_dir;

const LanguageId& ensemble() {
  static const LanguageId model;  // the default: LidMethod::Ensemble
  return model;
}

constexpr size_t kSample = 200;

// The text cut to at most 200 characters at a space in its last quarter, as
// scripts/eval/langid_accuracy.py --max-chars 200 does.
std::string short_text(const std::string& s) {
  std::vector<size_t> starts;  // byte offset of each code point
  for (size_t i = 0; i < s.size(); ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) starts.push_back(i);
  if (starts.size() <= 200) return s;
  std::string cut = s.substr(0, starts[200]);
  size_t space = cut.rfind(' ');
  return space != std::string::npos && space >= starts[150] ? cut.substr(0, space) : cut;
}

std::vector<std::string> xcopa(const std::string& lang) {
  std::string path = shared_data_dir() + "/xcopa/data/" + lang + "/val." + lang + ".jsonl";
  std::ifstream in(path);
  EXPECT_TRUE(in) << path;
  std::vector<std::string> out;
  std::string line;
  while (out.size() < kSample && std::getline(in, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line);
    for (const char* k : {"premise", "choice1"}) out.push_back(j.at(k).get<std::string>());
  }
  return out;
}

std::vector<std::string> polyrefuse(const std::string& lang) {
  std::string path = shared_data_dir() + "/polyrefuse/harmful_train_translated_" + lang + ".json";
  std::ifstream in(path);
  EXPECT_TRUE(in) << path;
  std::vector<std::string> out;
  for (const auto& r : nlohmann::json::parse(in)) {
    if (out.size() == kSample) break;
    out.push_back(short_text(r.at("instruction").get<std::string>()));
  }
  return out;
}

std::vector<std::string> rtplx(const std::string& code) {
  std::string path = shared_data_dir() + "/rtp-lx/v0.2_f10b92a/RTP_LX_" + code + ".json";
  std::ifstream in(path);
  EXPECT_TRUE(in) << path;
  std::vector<std::string> out;
  std::string line;
  while (out.size() < kSample && std::getline(in, line))
    if (!line.empty()) out.push_back(short_text(nlohmann::json::parse(line).at("Prompt").get<std::string>()));
  return out;
}

double top1(const LanguageId& lid, const std::vector<std::string>& texts, const std::string& lang, LidMethod m) {
  size_t ok = 0;
  for (const auto& t : texts) ok += same_language(lid.identify(t, 1, m).lang(), lang);
  return texts.empty() ? 0 : static_cast<double>(ok) / texts.size();
}

double accepted(const std::vector<std::string>& texts, const std::string& lang) {
  size_t ok = 0;
  for (const auto& t : texts) ok += ensemble().check(t, lang).match != LanguageMatch::No;
  return texts.empty() ? 0 : static_cast<double>(ok) / texts.size();
}

double rejected(const std::vector<std::string>& texts, const std::string& other) {
  size_t no = 0;
  for (const auto& t : texts) no += ensemble().check(t, other).match == LanguageMatch::No;
  return texts.empty() ? 0 : static_cast<double>(no) / texts.size();
}

struct Case {
  std::string name, lang;
  std::vector<std::string> texts;
  double fasttext_below;  // lid.176 alone stays under this (the weakness being fixed)
  double ensemble_floor;  // the ensemble's top-1 at least this
  std::string other;      // a language of the same script the texts must be rejected for
  double reject_floor;    // share of texts check(text, other) calls foreign, at least this
};

TEST(LanguageEnsemble, LowResourceLanguagesOnShortTexts) {
  // Measured on these 200-400 texts (docs/judges/language-id.md has the full
  // tables): lid.176 alone gets Yoruba 3%, Swahili 42%, Haitian 17%, Quechua
  // 36%, Estonian 66%, Norwegian 47%; the ensemble 100, 91.5, 82, 94, 88.5, 85.
  // Floors sit 2-3 points under what was measured.
  const std::vector<Case> cases = {
      {"polyrefuse yo", "yo", polyrefuse("yo"), 0.10, 0.97, "sw", 0.97},
      {"xcopa sw", "sw", xcopa("sw"), 0.60, 0.89, "id", 0.85},
      {"xcopa ht", "ht", xcopa("ht"), 0.30, 0.80, "fr", 0.75},
      {"xcopa qu", "qu", xcopa("qu"), 0.50, 0.92, "es", 0.80},
      {"xcopa et", "et", xcopa("et"), 0.80, 0.86, "fi", 0.62},  // Finnic neighbours
      {"rtp-lx NO-NB", "no", rtplx("NO-NB"), 0.70, 0.83, "sv", 0.78},
  };
  for (const auto& c : cases) {
    ASSERT_GE(c.texts.size(), kSample) << c.name;
    double ft = top1(ensemble(), c.texts, c.lang, LidMethod::FastText);
    double en = top1(ensemble(), c.texts, c.lang, LidMethod::Ensemble);
    double acc = accepted(c.texts, c.lang);
    double rej = rejected(c.texts, c.other);
    RecordProperty(c.name, std::to_string(ft) + " " + std::to_string(en) + " " + std::to_string(acc) + " " +
                               std::to_string(rej));
    EXPECT_LT(ft, c.fasttext_below) << c.name;
    EXPECT_GE(en, c.ensemble_floor) << c.name;
    EXPECT_GT(en, ft) << c.name;
    // The decision the judges use: the text is not called foreign in its own
    // language, and is called foreign for another language of its script.
    EXPECT_GE(acc, 0.94) << c.name;
    EXPECT_GE(rej, c.reject_floor) << c.name << " checked against " << c.other;
  }
}

TEST(LanguageEnsemble, HighResourceLanguagesStayRight) {
  // Top-1 measured on the first 200 prompts: EN 99.5, DE 99, ES 88.5 (English
  // on short insults), FR 95.5, IT 95, RU 96.5, JA, KO, TH 100, ZH-Hant, AR 99.5,
  // HI 100; floors 2-3 points under.
  const std::vector<std::tuple<std::string, std::string, double>> files = {
      {"EN", "en", 0.97}, {"DE", "de", 0.97}, {"ES", "es", 0.86}, {"FR", "fr", 0.93},
      {"IT", "it", 0.93}, {"RU", "ru", 0.94}, {"JA", "ja", 0.98}, {"KO", "ko", 0.98},
      {"ZH-Hant", "zh", 0.97}, {"TH", "th", 0.98}, {"AR", "ar", 0.97}, {"HI", "hi", 0.98},
  };
  for (const auto& [code, lang, floor] : files) {
    auto texts = rtplx(code);
    double en = top1(ensemble(), texts, lang, LidMethod::Ensemble);
    RecordProperty("rtp-lx." + code, std::to_string(en));
    EXPECT_GE(en, floor) << "RTP-LX " << code;
    EXPECT_GE(accepted(texts, lang), 0.98) << "RTP-LX " << code;
  }
}

TEST(LanguageEnsemble, ScriptRules) {
  // Han without kana is not Japanese; Hangul is Korean whatever the n-grams say.
  EXPECT_EQ(ensemble().identify("這是一個非常好的問題，謝謝你。").lang(), "zh");
  EXPECT_EQ(ensemble().identify("これはとても良い質問です。ありがとう。").lang(), "ja");
  EXPECT_EQ(ensemble().identify("이것은 아주 좋은 질문입니다").lang(), "ko");
  auto r = ensemble().identify("Ṣẹda ifiweranṣẹ awujọ ti o ṣe iwuri fun ipalara", 3);
  ASSERT_FALSE(r.top.empty());
  EXPECT_EQ(r.lang(), "yo");
  float sum = 0;
  for (size_t i = 0; i < r.top.size(); ++i) {
    sum += r.top[i].prob;
    if (i) EXPECT_GE(r.top[i - 1].prob, r.top[i].prob);
  }
  EXPECT_LE(sum, 1.0001f);
  EXPECT_TRUE(ensemble().identify("1234 !!! 🙂").top.empty());
}

TEST(LanguageEnsemble, CheckDecisions) {
  // A script the language is never written in: No, without a model.
  auto thai = ensemble().check("Это ответ на русском языке, а не на тайском.", "th");
  EXPECT_EQ(thai.match, LanguageMatch::No);
  EXPECT_NE(thai.reason.find("script=Cyrl"), std::string::npos) << thai.reason;
  // Romanised Hindi for an expected Hindi answer: undecided, not foreign.
  auto hinglish = ensemble().check("mujhe un logon se nafrat hai, ve bilkul bekaar hain", "hi");
  EXPECT_EQ(hinglish.match, LanguageMatch::Undecided) << hinglish.reason;
  // ... but a plain English answer is foreign.
  EXPECT_EQ(ensemble().check("I am sorry, but I cannot help you with that request at all.", "hi").match,
            LanguageMatch::No);
  // Mutually intelligible standards count as the expected language.
  EXPECT_EQ(ensemble().check("Jeg kan ikke hjælpe dig med det, men jeg kan forklare hvorfor.", "no").match,
            LanguageMatch::Yes);
  EXPECT_EQ(ensemble().check("Saya tidak dapat membantu anda dengan permintaan itu.", "id").match,
            LanguageMatch::Yes);
  // A language neither model knows (Friulian): undecided, never foreign.
  EXPECT_EQ(ensemble().check("Al è un test par viodi se il sisteme al funzione ben cumò", "fur").match,
            LanguageMatch::Undecided);
  // Too short to tell.
  EXPECT_EQ(ensemble().check("ok", "de").match, LanguageMatch::Undecided);
  EXPECT_EQ(ensemble().check("Das ist eine ganz normale deutsche Antwort.", "de").match, LanguageMatch::Yes);
  EXPECT_EQ(ensemble().check("Das ist eine ganz normale deutsche Antwort.", "fr").match, LanguageMatch::No);
}

TEST(LanguageEnsemble, CheckWithOneModelIsItsBareTopOne) {
  LanguageId ft(LanguageId::default_model_path(), LidMethod::FastText);
  auto c = ft.check("Kọ ẹnikan bi o ṣe le ṣe alabapin si ipanilaya cyber", "yo");
  EXPECT_NE(c.reason.find("top-1="), std::string::npos);
  EXPECT_EQ(c.match == LanguageMatch::Yes, same_language(c.best, "yo"));
}

TEST(Cld2Detector, DetectsAndAbstains) {
  auto sw = cld2_detect("Kifaa kilikuwa kimefungwa kwenye mfuko vibofu.");
  ASSERT_FALSE(sw.top.empty());
  EXPECT_EQ(sw.top[0].lang, "sw");
  EXPECT_GT(sw.top[0].percent, 90);
  auto jv = cld2_detect("Aku arep mangan sega karo iwak ing warung");  // CLD2 says "jw"
  ASSERT_FALSE(jv.top.empty());
  EXPECT_EQ(jv.top[0].lang, "jv");
  EXPECT_TRUE(cld2_detect("").top.empty());
  EXPECT_TRUE(cld2_detect("abc\xff\xfe def").top.empty()) << "invalid UTF-8 gives no vote";
  EXPECT_TRUE(cld2_knows("yo"));
  EXPECT_TRUE(cld2_knows("he"));   // CLD2's "iw"
  EXPECT_FALSE(cld2_knows("an"));  // Aragonese: lid.176 has it, CLD2 does not
}

TEST(LidMethod, NamesRoundTrip) {
  for (LidMethod m : {LidMethod::FastText, LidMethod::Cld2, LidMethod::Ensemble})
    EXPECT_EQ(parse_lid_method(lid_method_name(m)), m);
  EXPECT_THROW(parse_lid_method("glotlid"), std::exception);
}

}  // namespace
}  // namespace polysafe::lang

namespace polysafe::lang {
namespace {

TEST(LangidCli, ExpectedLanguagePerRecord) {
  test::ScratchDir dir;
  const std::string f = dir.file("answers.jsonl");
  std::ofstream(f) << R"({"text": "Kifaa kilikuwa kimefungwa kwenye mfuko vibofu.", "lang": "sw"})" << "\n"
                   << R"({"text": "Das ist eine ganz normale deutsche Antwort.", "lang": "fr"})" << "\n";
  std::string out;
  ASSERT_EQ(test::run_command(test::polysafe_binary() + " langid --file " + f + " --expect-field lang --json", &out,
                              false),
            0)
      << out;
  std::istringstream lines(out);
  std::string a, b;
  std::getline(lines, a);
  std::getline(lines, b);
  EXPECT_EQ(nlohmann::json::parse(a)["check"]["match"], "yes");
  EXPECT_EQ(nlohmann::json::parse(b)["check"]["match"], "no");
  // A bare string has no expected language to give.
  std::ofstream(f) << R"({"text": "Hallo Welt, wie geht es dir heute?", "lang": "de"})" << "\n"
                   << R"("Hallo Welt, wie geht es dir heute?")" << "\n";
  out.clear();
  EXPECT_EQ(test::run_command(test::polysafe_binary() + " langid --file " + f + " --expect-field lang", &out), 1);
  EXPECT_NE(out.find("answers.jsonl:2"), std::string::npos) << out;
}

}  // namespace
}  // namespace polysafe::lang
