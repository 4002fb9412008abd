// The CLI around a run, as a user drives it: `runs list|show|export` on a run
// against the loopback server, the Cohere backend through `eval redteam`, an
// LLM judge whose replies cannot be parsed (recorded, never guessed), and the
// translation attack with the local SmolLM2 as translator.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "backend/test_server.h"
#include "eval/child_process.h"
#include "eval/redteam_run.h"
#include "eval/run_store.h"
#include "test_paths.h"

using namespace polysafe;
using namespace polysafe::eval;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int run(const std::vector<std::string>& args, const std::string& log) {
  std::remove(log.c_str());
  test::ChildProcess p(args, log);
  return p.wait();
}

}  // namespace

TEST(RunsCli, ListShowExport) {
  test::TestServer server({"--answer", "refuse"});
  test::ScratchDir dir;
  const std::string rd = dir.file("runs"), log = dir.file("log.txt");
  const std::string bin = test::polysafe_binary();
  ASSERT_EQ(run({bin, "eval", "redteam", "--model", "openai:" + server.url("/v1") + "#m", "--langs", "en,sw",
                 "--judge", "refusal", "--run-dir", rd},
                log),
            0)
      << read_file(log);
  // Every answer is the server's refusal: refusal rate 100% in both languages.
  const std::string out = read_file(log);
  EXPECT_NE(out.find("104 items, 104 answered"), std::string::npos) << out;

  ASSERT_EQ(run({bin, "runs", "list", "--run-dir", rd}, log), 0);
  EXPECT_NE(read_file(log).find("complete"), std::string::npos) << read_file(log);
  ASSERT_EQ(run({bin, "runs", "show", "--run-dir", rd, "--json"}, log), 0);
  auto shown = nlohmann::json::parse(read_file(log));
  EXPECT_EQ(shown["items"], 104);
  EXPECT_EQ(shown["config"]["langs"], nlohmann::json({"en", "sw"}));
  for (const auto& g : shown["metrics"]["by_lang"]) {
    EXPECT_EQ(g["items"], 40) << g;
    EXPECT_EQ(g["benign_items"], 12) << g;
    EXPECT_DOUBLE_EQ(g["refusal_rate"]["value"].get<double>(), 1.0) << g;
    EXPECT_DOUBLE_EQ(g["harm_rate"]["value"].get<double>(), 0.0) << g;
    EXPECT_DOUBLE_EQ(g["over_refusal_rate"]["value"].get<double>(), 1.0) << g;
  }
  ASSERT_EQ(run({bin, "runs", "export", "--run-dir", rd, "--out", dir.file("x.jsonl")}, log), 0) << read_file(log);
  std::ifstream in(dir.file("x.jsonl"));
  size_t n = 0;
  std::set<std::string> ids;
  for (std::string line; std::getline(in, line); ++n) {
    auto j = nlohmann::json::parse(line);
    ids.insert(j["item_id"].get<std::string>());
    EXPECT_EQ(j["judgments"]["refusal"]["label"], "refusal") << j["answer"];
    EXPECT_EQ(j["verdict"]["refused"], true);
  }
  EXPECT_EQ(n, 104u);
  EXPECT_EQ(ids.size(), 104u);
  ASSERT_EQ(run({bin, "runs", "export", "--run-dir", rd, "--format", "csv", "--out", dir.file("x.csv")}, log), 0);
  const std::string csv = read_file(dir.file("x.csv"));
  EXPECT_EQ(csv.rfind("run_id,item_id,parallel_id,lang,", 0), 0u);
  EXPECT_NE(csv.find("refusal.label"), std::string::npos);
  // Unknown runs and missing stores are clear errors.
  EXPECT_EQ(run({bin, "runs", "show", "nope", "--run-dir", rd}, log), 1);
  EXPECT_NE(read_file(log).find("no run id starts with 'nope'"), std::string::npos) << read_file(log);
  EXPECT_EQ(run({bin, "runs", "list", "--run-dir", dir.file("empty")}, log), 1);
  EXPECT_NE(read_file(log).find("no run store here"), std::string::npos) << read_file(log);
}

TEST(RunsCli, CohereBackendAndUnparseableLlmJudge) {
  test::TestServer server;
  test::ScratchDir dir;
  const std::string rd = dir.file("runs"), log = dir.file("log.txt");
  // The loopback server speaks Cohere v2 at /v2/chat; its echo answers are no
  // judge verdicts, so the LLM judge must record them as unparseable.
  setenv("POLYSAFE_TEST_CO_KEY", "test-key-123", 1);
  ASSERT_EQ(run({test::polysafe_binary(), "eval", "redteam", "--model", "cohere:command-test", "--base-url",
                 server.url(), "--api-key-env", "POLYSAFE_TEST_CO_KEY", "--langs", "ja", "--limit", "8", "--judge",
                 "refusal", "--judge", "llm:openai:" + server.url("/v1") + "#judge", "--run-dir", rd},
                log),
            0)
      << read_file(log);
  EXPECT_EQ(read_file(log).find("test-key-123"), std::string::npos);  // never printed
  RunStore s(rd);
  const auto id = s.runs().front().run_id;
  auto rs = s.responses(id);
  ASSERT_GE(rs.size(), 8u);
  for (const auto& r : rs) EXPECT_EQ(r.text.rfind("ANSWER[", 0), 0u) << r.text;
  size_t llm = 0;
  for (const auto& j : s.judgments(id)) {
    if (j.judge.rfind("llm:", 0) != 0) continue;
    ++llm;
    EXPECT_EQ(j.label, "unparseable");
    EXPECT_FALSE(j.harmful.has_value());
    EXPECT_EQ(j.judge_version, "polysafe-rubric-v1");
  }
  EXPECT_EQ(llm, rs.size());
  // The stored config names the key's variable, never its value.
  EXPECT_EQ(s.run(id)->config.dump().find("test-key-123"), std::string::npos);
  EXPECT_EQ(read_file(s.path()).find("test-key-123"), std::string::npos);
}

TEST(TranslationAttack, LocalTranslatorFlagsLostTranslations) {
  test::ScratchDir dir;
  RedteamConfig c;
  c.model = "local:smollm2-135m-instruct";
  c.suite = "builtin:redteam";
  c.limit = 3;
  c.translate_max_tokens = 40;
  c.include_benign = false;
  c.max_tokens = 8;
  c.judges = {"refusal"};
  c.translate_to = {"fr", "sw"};
  c.translate_from = "en";
  c.run_dir = dir.file("runs");
  c.bootstrap = 100;
  c.backend.local.threads = 2;
  RunHooks hooks;
  hooks.make_backend = [&](const std::string& spec) { return backend::make_backend(spec, c.backend); };
  auto r = run_redteam(c, hooks);
  EXPECT_EQ(r.items, 9u);  // 3 English originals + 3 translations into each target
  RunStore s(c.run_dir);
  auto items = s.items(r.run_id);
  std::set<std::string> excluded;
  for (const auto& [id, why] : s.excluded(r.run_id)) {
    excluded.insert(id);
    EXPECT_EQ(why.rfind("lost in translation: ", 0), 0u) << why;
  }
  EXPECT_EQ(r.lost_in_translation, excluded.size());
  size_t translated = 0;
  for (const auto& it : items) {
    if (it.lang == "en") continue;
    ++translated;
    const auto& t = it.extra.at("translation");
    EXPECT_EQ(t["source_text"].get<std::string>().empty(), false);
    EXPECT_TRUE(t.contains("back_translation") && t.contains("back_similarity") && t.contains("detected_lang"));
    EXPECT_EQ(t["lost_in_translation"].get<bool>(), excluded.count(it.id) == 1) << it.id;
    EXPECT_FALSE(it.parallel_id.empty());
  }
  EXPECT_EQ(translated, 6u);
  // Lost items are neither asked nor scored.
  EXPECT_EQ(r.answered, 9u - excluded.size());
  size_t scored = 0;
  for (const auto& g : r.metrics.by_lang) scored += g.items;
  EXPECT_EQ(scored, 9u - excluded.size());
  // SmolLM2-135M cannot translate into Swahili: its attempts must not pass as Swahili.
  size_t sw_kept = 0;
  for (const auto& it : items)
    if (it.lang == "sw" && !excluded.count(it.id)) ++sw_kept;
  EXPECT_EQ(sw_kept, 0u);
}

TEST(TranslationAttack, HttpTranslatorAndIntentJudgeAreRecorded) {
  // The loopback server "translates" by echoing the request: language ID sees
  // English, so every translation into Hindi is lost; its intent replies are no
  // verdicts, so they are stored as unknown and count neither way.
  test::TestServer server;
  test::ScratchDir dir;
  const std::string rd = dir.file("runs"), log = dir.file("log.txt");
  const std::string spec = "openai:" + server.url("/v1") + "#m";
  ASSERT_EQ(run({test::polysafe_binary(), "eval", "redteam", "--model", spec, "--limit", "4", "--no-benign",
                 "--translate-to", "hi", "--intent-judge", spec, "--judge", "refusal", "--run-dir", rd},
                log),
            0)
      << read_file(log);
  EXPECT_NE(read_file(log).find("4 lost in translation"), std::string::npos) << read_file(log);
  RunStore s(rd);
  const auto id = s.runs().front().run_id;
  size_t hi = 0;
  for (const auto& it : s.items(id)) {
    if (it.lang != "hi") continue;
    ++hi;
    const auto& t = it.extra.at("translation");
    EXPECT_TRUE(t["same_intent"].is_null());
    EXPECT_EQ(t["lost_in_translation"], true);
    EXPECT_NE(t["reason"].get<std::string>().find("language: got en"), std::string::npos) << t;
  }
  EXPECT_EQ(hi, 4u);
  EXPECT_EQ(s.responses(id).size(), 4u);  // only the English originals were asked
}
