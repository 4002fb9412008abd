// The fastText toxicity scorer on real data: a small model trained at test time
// on RTP-LX (read from ../shared/data, split by Index like the prepared data),
// held-out AUC floors, calibration, save/load, hostile input, and the CLI.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "judge/binary_metrics.h"
#include "judge/judge_error.h"
#include "judge/lexicon_scorer.h"
#include "judge/toxicity_scorer.h"
#include "judge/toxicity_text.h"
#include "test_paths.h"

using namespace polysafe::judge;
using polysafe::test::polysafe_binary;
using polysafe::test::run_command;
using polysafe::test::ScratchDir;
using polysafe::test::shared_data_dir;

namespace {

struct Split {
  std::vector<LabeledText> train, calibration, test;
};

// RTP-LX rows of a few locales; toxic = annotator mean >= 3 (as in
// scripts/data/prepare_toxicity_data.py). Index % 10: 0-6 train, 7 calibration,
// 8-9 test, so a prompt and its translations stay on one side.
Split load_rtplx(const std::vector<std::string>& locales) {
  Split s;
  for (const auto& loc : locales) {
    std::string path = shared_data_dir() + "/rtp-lx/v0.2_f10b92a/RTP_LX_" + loc + ".json";
    std::ifstream in(path);
    EXPECT_TRUE(in) << path;
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      auto j = nlohmann::json::parse(line);
      int index = j["Index"].is_string() ? std::stoi(j["Index"].get<std::string>()) : j["Index"].get<int>();
      LabeledText r;
      r.text = j["Prompt"].get<std::string>();
      r.label = j["Annotations"]["Toxicity"].get<double>() >= 3.0 ? 1 : 0;
      r.extra = {loc};
      int b = index % 10;
      (b < 7 ? s.train : b == 7 ? s.calibration : s.test).push_back(std::move(r));
    }
  }
  return s;
}

const std::vector<std::string> kLocales = {"EN", "DE", "FR", "ES", "RU", "JA", "AR", "HI"};

ToxicityTrainOptions small_options() {
  ToxicityTrainOptions o;
  o.dim = 32;
  o.epoch = 15;  // a small set needs more passes than the default model's 4
  o.bucket = 100000;
  o.threads = 1;  // reproducible
  return o;
}

// One model for the whole suite (training takes a few seconds).
struct Trained {
  Split data = load_rtplx(kLocales);
  ToxicityScorer scorer = ToxicityScorer::train(data.train, data.calibration, small_options(),
                                                {{"description", "RTP-LX subset (test)"}});
};
const Trained& trained() {
  static Trained t;
  return t;
}

double auc_on(const ToxicityScorer& s, const std::vector<LabeledText>& rows, const std::string& locale = "") {
  std::vector<double> p;
  std::vector<int> y;
  for (const auto& r : rows)
    if (locale.empty() || r.extra[0] == locale) {
      p.push_back(s.score(r.text));
      y.push_back(r.label);
    }
  return roc_auc(p, y);
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

TEST(ToxicityText, NormalisesForFastText) {
  EXPECT_EQ(fasttext_input_line("Hello,\tWORLD!!\n__label__1"), "hello , world ! ! _ _ label _ _ 1");
  EXPECT_EQ(fasttext_input_line(""), "");
  EXPECT_EQ(fasttext_input_line("  \n "), "");
  EXPECT_EQ(fasttext_input_line("Ünïcode ÄÖ"), "ünïcode äö");
  EXPECT_EQ(fasttext_input_line("a\xff" "b"), "a \xEF\xBF\xBD b");  // invalid byte -> U+FFFD token
  EXPECT_EQ(fasttext_input_line("नमस्ते"), "नमस्ते");  // vowel signs stay inside the word
  EXPECT_EQ(word_tokens("Don't STOP-now"), (std::vector<std::string>{"don", "t", "stop", "now"}));
}

TEST(ToxicityScorer, HeldOutAucOnRtplx) {
  const auto& t = trained();
  ASSERT_GT(t.data.train.size(), 5000u);
  ASSERT_GT(t.data.test.size(), 1500u);
  double overall = auc_on(t.scorer, t.data.test);
  // Measured (dim 32, 15 epochs, lr 0.2, 1 thread: deterministic): overall 0.785,
  // EN 0.723, JA 0.762, HI 0.851. Floors sit just under.
  EXPECT_GT(overall, 0.76);
  EXPECT_LT(overall, 0.95);  // a leak (translations on both sides) would push this up
  EXPECT_GT(auc_on(t.scorer, t.data.test, "EN"), 0.69);
  EXPECT_GT(auc_on(t.scorer, t.data.test, "JA"), 0.73);  // unspaced script: character n-grams only
  EXPECT_GT(auc_on(t.scorer, t.data.test, "HI"), 0.82);
}

TEST(ToxicityScorer, PlattCalibrationReducesEce) {
  const auto& t = trained();
  const auto& cal = t.scorer.metadata()["calibration"];
  EXPECT_EQ(cal["method"], "platt");
  EXPECT_EQ(cal["rows"].get<size_t>(), t.data.calibration.size());
  EXPECT_GT(cal["a"].get<double>(), 0);
  EXPECT_LT(cal["ece10_after"].get<double>(), cal["ece10_before"].get<double>());
  // On the untouched test split the calibrated scores are calibrated too.
  std::vector<double> p, raw;
  std::vector<int> y;
  for (const auto& r : t.data.test) {
    raw.push_back(sigmoid(t.scorer.raw_score(r.text)));
    p.push_back(t.scorer.score(r.text));
    y.push_back(r.label);
  }
  double ece_after = expected_calibration_error(p, y, 10);
  EXPECT_LT(ece_after, 0.08);
  EXPECT_LT(ece_after, expected_calibration_error(raw, y, 10));
  // score_batch agrees with score, in order, with several threads.
  std::vector<std::string> texts;
  for (const auto& r : t.data.test) texts.push_back(r.text);
  auto batch = t.scorer.score_batch(texts, 2);
  ASSERT_EQ(batch.size(), p.size());
  for (size_t i = 0; i < p.size(); ++i) ASSERT_DOUBLE_EQ(batch[i], p[i]);
}

TEST(ToxicityScorer, SaveLoadRoundTripGivesTheSameScores) {
  const auto& t = trained();
  ScratchDir dir("tox-roundtrip");
  std::string prefix = dir.file("model");
  t.scorer.save(prefix);
  ASSERT_TRUE(std::filesystem::exists(prefix + ".bin"));
  ASSERT_TRUE(std::filesystem::exists(prefix + ".json"));
  auto side = nlohmann::json::parse(read_all(prefix + ".json"));
  EXPECT_EQ(side["format"], "polysafe-toxicity-scorer");
  EXPECT_EQ(side["version"], ToxicityScorer::kFormatVersion);
  EXPECT_EQ(side["data"]["description"], "RTP-LX subset (test)");
  EXPECT_EQ(side["model"]["file"], "model.bin");
  for (const std::string& p : {prefix, prefix + ".json", prefix + ".bin"}) {
    ToxicityScorer loaded(p);
    EXPECT_DOUBLE_EQ(loaded.calibration().a, t.scorer.calibration().a);
    for (size_t i = 0; i < t.data.test.size(); i += 37)
      ASSERT_DOUBLE_EQ(loaded.score(t.data.test[i].text), t.scorer.score(t.data.test[i].text)) << i;
  }
}

TEST(ToxicityScorer, HostileInputGetsADefinedScore) {
  const auto& s = trained().scorer;
  std::string mb;
  while (mb.size() < (1u << 20)) mb += "lorem ipsum dolor sit amet, ";
  std::string cjk;
  while (cjk.size() < (1u << 20)) cjk += "今日は天気がいいですね";
  std::vector<std::string> inputs = {"", " \n\t ", "🙂🔥💀", "\xff\xfe\x80", "a\0b", mb, cjk, std::string(5000, '!')};
  inputs[4] = std::string("a\0b", 3);
  auto start = std::chrono::steady_clock::now();
  for (const auto& in : inputs) {
    double p = s.score(in);
    EXPECT_TRUE(std::isfinite(p));
    EXPECT_GE(p, 0.0);
    EXPECT_LE(p, 1.0);
    EXPECT_DOUBLE_EQ(p, s.score(in));  // deterministic
  }
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 10.0);
  // Whitespace-only and empty text are the same empty line.
  EXPECT_DOUBLE_EQ(s.score(""), s.score(" \n\t "));
}

TEST(ToxicityScorer, RejectsBadModelsAndData) {
  ScratchDir dir("tox-bad");
  try {
    ToxicityScorer missing(dir.file("nothing"));
    FAIL() << "loaded a missing model";
  } catch (const JudgeError& e) {
    EXPECT_NE(std::string(e.what()).find("nothing.json"), std::string::npos) << e.what();
  }
  // A model file that does not match its sidecar's sha256.
  const auto& t = trained();
  std::string prefix = dir.file("m");
  t.scorer.save(prefix);
  {
    std::fstream f(prefix + ".bin", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(200);
    f.put('\x55');
  }
  try {
    ToxicityScorer corrupt(prefix);
    FAIL() << "loaded a corrupt model";
  } catch (const JudgeError& e) {
    EXPECT_NE(std::string(e.what()).find("sha256"), std::string::npos) << e.what();
  }
  std::ofstream(prefix + ".json") << "{\"format\": \"something-else\"}";
  EXPECT_THROW(ToxicityScorer{prefix}, JudgeError);
  // Training needs both labels.
  std::vector<LabeledText> one_class = {{"a", 1, {}}, {"b", 1, {}}};
  EXPECT_THROW(ToxicityScorer::train(one_class, one_class, small_options()), JudgeError);
  auto bad = small_options();
  bad.loss = "hinge";
  EXPECT_THROW(ToxicityScorer::train(t.data.train, {}, bad), JudgeError);
}

TEST(ToxicityScorer, QuantizedModelStaysCloseAndSmall) {
  auto data = load_rtplx({"EN", "FR"});
  auto o = small_options();
  o.bucket = 20000;  // product quantization's k-means is slow on many rows
  o.dim = 16;
  o.lr = 0.5;
  o.quantize = true;
  auto q = ToxicityScorer::train(data.train, {}, o);  // calibration carved from train
  EXPECT_TRUE(q.metadata()["calibration"]["carved_from_train"].get<bool>());
  ScratchDir dir("tox-quant");
  q.save(dir.file("q"));
  ASSERT_TRUE(std::filesystem::exists(dir.file("q.ftz")));
  EXPECT_LT(std::filesystem::file_size(dir.file("q.ftz")), 2u << 20);
  ToxicityScorer loaded(dir.file("q"));
  EXPECT_GT(auc_on(loaded, data.test), 0.78);  // measured 0.807
  for (size_t i = 0; i < data.test.size(); i += 51)
    ASSERT_DOUBLE_EQ(loaded.score(data.test[i].text), q.score(data.test[i].text));
}

TEST(LexiconScorer, MatchesWholeWordsAndCjkSubstrings) {
  LexiconScorer lex(shared_data_dir() + "/ldnoobw");
  EXPECT_GE(lex.languages().size(), 25u);
  // Take terms from the lists at test time rather than spelling them here.
  auto first_term = [&](const std::string& lang, auto pred) {
    std::ifstream in(shared_data_dir() + "/ldnoobw/" + lang);
    std::string w;
    while (std::getline(in, w))
      if (pred(w)) return w;
    return std::string();
  };
  std::string en = first_term("en", [](const std::string& w) {
    return w.size() >= 5 && std::all_of(w.begin(), w.end(), [](char c) { return c >= 'a' && c <= 'z'; });
  });
  ASSERT_FALSE(en.empty());
  EXPECT_EQ(lex.count_hits("well " + en + ", then", "en"), 1u);
  EXPECT_EQ(lex.count_hits("WELL " + std::string(1, char(en[0] - 32)) + en.substr(1) + "!", "en"), 1u);
  EXPECT_EQ(lex.count_hits("xx" + en + "yy", "en"), 0u);  // inside a longer word: no hit
  EXPECT_DOUBLE_EQ(lex.score("nothing to see here", "en"), 0.0);
  EXPECT_DOUBLE_EQ(lex.score(en + " " + en, "en"), 0.75);
  std::string zh = first_term("zh", [](const std::string& w) { return w.size() >= 6 && (unsigned char)w[0] >= 0xE4; });
  ASSERT_FALSE(zh.empty());
  EXPECT_GE(lex.count_hits("今天" + zh + "很好", "zh-Hans"), 1u);
  EXPECT_GE(lex.count_hits("今天" + zh + "很好", ""), 1u);   // union of all lists
  EXPECT_GE(lex.count_hits("今天" + zh + "很好", "he"), 1u);  // no Hebrew list: union
  for (const std::string& s : std::vector<std::string>{"", "🙂", "\xff\xfe", std::string(100000, 'a')})
    EXPECT_DOUBLE_EQ(lex.score(s, "en"), 0.0);
  EXPECT_THROW(LexiconScorer(shared_data_dir() + "/no-such-dir"), JudgeError);
}

TEST(LexiconScorer, BaselineAucOnRtplxIsWeakerThanFastText) {
  const auto& t = trained();
  LexiconScorer lex(shared_data_dir() + "/ldnoobw");
  std::vector<double> p;
  std::vector<int> y;
  for (const auto& r : t.data.test) {
    std::string lang = r.extra[0];
    std::transform(lang.begin(), lang.end(), lang.begin(), ::tolower);
    p.push_back(lex.score(r.text, lang));
    y.push_back(r.label);
  }
  double lex_auc = roc_auc(p, y);
  EXPECT_GT(lex_auc, 0.56);  // measured 0.588: better than chance, swear words do mark toxicity
  EXPECT_LT(lex_auc, auc_on(t.scorer, t.data.test) - 0.05);
}

// ---- CLI ------------------------------------------------------------------

namespace {
struct Cli {
  int code;
  std::string out;
};
Cli cli(const std::string& args) {
  Cli r;
  r.code = run_command(polysafe_binary() + " " + args, &r.out);
  return r;
}
}  // namespace

TEST(ScorerCli, BadInputNamesFileLineAndField) {
  ScratchDir dir("tox-cli-bad");
  auto write = [&](const std::string& name, const std::string& body) {
    std::ofstream(dir.file(name), std::ios::binary) << body;
    return dir.file(name);
  };
  auto label = write("label.jsonl", "{\"text\": \"fine\", \"label\": 0}\n{\"text\": \"hmm\", \"label\": \"maybe\"}\n");
  auto r = cli("scorer train --data " + label + " --out " + dir.file("m"));
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("label.jsonl:2: field 'label': expected 0/1/true/false"), std::string::npos) << r.out;

  auto text = write("text.jsonl", "\n{\"label\": 1}\n");
  r = cli("scorer eval --lexicon " + shared_data_dir() + "/ldnoobw --data " + text);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("text.jsonl:2: field 'text': missing"), std::string::npos) << r.out;

  auto field = write("field.jsonl", "{\"body\": 3, \"label\": true}\n");
  r = cli("scorer eval --lexicon " + shared_data_dir() + "/ldnoobw --data " + field + " --text-field body");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("field.jsonl:1: field 'body': expected string, got number"), std::string::npos) << r.out;

  auto utf = write("utf.jsonl", "{\"text\": \"ok\", \"label\": 1}\n{\"text\": \"bad \xff\", \"label\": 0}\n");
  r = cli("scorer eval --lexicon " + shared_data_dir() + "/ldnoobw --data " + utf);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("utf.jsonl:2: invalid UTF-8 at byte 14"), std::string::npos) << r.out;

  auto json = write("json.jsonl", "{\"text\": \"ok\", \"label\": 1\n");
  r = cli("scorer eval --lexicon " + shared_data_dir() + "/ldnoobw --data " + json);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("json.jsonl:1: not JSON"), std::string::npos) << r.out;

  r = cli("scorer train --out " + dir.file("m"));  // --data missing
  EXPECT_EQ(r.code, 2) << r.out;
  r = cli("scorer score --model " + dir.file("absent") + " hello");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("absent.json: toxicity model not found"), std::string::npos) << r.out;
  r = cli("scorer score --model " + dir.file("absent"));
  EXPECT_EQ(r.code, 2) << r.out;
  r = cli("scorer eval --data " + label + " --lexicon " + dir.file("no-lists"));
  EXPECT_EQ(r.code, 1);
}

TEST(ScorerCli, TrainEvalScoreRoundTrip) {
  ScratchDir dir("tox-cli");
  auto data = load_rtplx({"EN", "DE"});
  auto dump = [&](const std::vector<LabeledText>& rows, const std::string& name) {
    std::ofstream out(dir.file(name));
    for (const auto& r : rows) out << nlohmann::json{{"text", r.text}, {"label", r.label}, {"lang", r.extra[0]}}.dump() << "\n";
    return dir.file(name);
  };
  auto train = dump(data.train, "train.jsonl");
  auto cal = dump(data.calibration, "cal.jsonl");
  auto test = dump(data.test, "test.jsonl");
  auto r = cli("scorer train --data " + train + " --calibration " + cal + " --lang-field lang --out " +
               dir.file("m") + " --dim 16 --epoch 10 --lr 0.5 --bucket 50000 --threads 1");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("ECE(10)"), std::string::npos) << r.out;
  auto side = nlohmann::json::parse(read_all(dir.file("m.json")));
  EXPECT_EQ(side["data"]["train_languages"]["EN"]["rows"].get<int>() +
                side["data"]["train_languages"]["DE"]["rows"].get<int>(),
            int(data.train.size()));

  r = cli("scorer eval --model " + dir.file("m") + " --data " + test + " --by lang --json");
  ASSERT_EQ(r.code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["overall"]["n"].get<size_t>(), data.test.size());
  // Measured 0.738 (EN) and 0.752 (DE) with these options.
  EXPECT_GT(j["groups"]["EN"]["auc"].get<double>(), 0.71);
  EXPECT_GT(j["groups"]["DE"]["auc"].get<double>(), 0.72);

  r = cli("scorer eval --lexicon " + shared_data_dir() + "/ldnoobw --lang-field lang --data " + test + " --by lang");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("overall"), std::string::npos);

  r = cli("scorer score --model " + dir.file("m") + " --json 'have a nice day'");
  ASSERT_EQ(r.code, 0) << r.out;
  double p = nlohmann::json::parse(r.out)["score"].get<double>();
  EXPECT_GE(p, 0.0);
  EXPECT_LE(p, 1.0);
  r = cli("scorer score --model " + dir.file("m") + " --file " + test);
  ASSERT_EQ(r.code, 0);
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), long(data.test.size()));

  // --exclude-lang drops every row of that language.
  r = cli("scorer train --data " + train + " --lang-field lang --exclude-lang DE --out " + dir.file("noDE") +
          " --dim 16 --epoch 5 --bucket 50000 --threads 1");
  ASSERT_EQ(r.code, 0) << r.out;
  side = nlohmann::json::parse(read_all(dir.file("noDE.json")));
  EXPECT_FALSE(side["data"]["train_languages"].contains("DE"));
}
