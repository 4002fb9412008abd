// The run store on a real SQLite file: items once, answers atomically, pending
// items, judgments per judge, the cache, reopening, and refusing files that are
// not run stores or come from a newer schema.
#include <gtest/gtest.h>

#include <fstream>

#include <sqlite3.h>

#include "eval/eval_error.h"
#include "eval/run_store.h"
#include "test_paths.h"

using namespace polysafe;
using namespace polysafe::eval;

namespace {

std::vector<data::SuiteItem> three_items() {
  std::vector<data::SuiteItem> v(3);
  const char* langs[] = {"en", "hi", "sw"};
  for (int i = 0; i < 3; ++i) {
    v[size_t(i)].id = "t/" + std::to_string(i);
    v[size_t(i)].parallel_id = "p/0";
    v[size_t(i)].lang = langs[i];
    v[size_t(i)].prompt = std::string("prompt ") + langs[i];
    v[size_t(i)].categories = {"violence"};
    v[size_t(i)].scope = "global";
    v[size_t(i)].source = "test";
  }
  v[2].benign = true;
  v[2].extra = {{"k", 1}};
  return v;
}

}  // namespace

TEST(RunStore, ItemsAnswersAndJudgmentsSurviveReopening) {
  test::ScratchDir dir;
  {
    RunStore s(dir.path().string());
    EXPECT_TRUE(s.begin_run("rt-1", "redteam", {{"model", "m"}}, "m", "builtin:redteam"));
    EXPECT_FALSE(s.begin_run("rt-1", "redteam", {{"model", "m"}}, "m", "builtin:redteam"));  // resume
    s.add_items("rt-1", three_items());
    s.add_items("rt-1", three_items());  // again: nothing duplicated
    EXPECT_EQ(s.items("rt-1").size(), 3u);
    EXPECT_EQ(s.pending_items("rt-1"), (std::vector<std::string>{"t/0", "t/1", "t/2"}));
    s.add_response("rt-1", "t/1", "key1", {"a", "b"}, "stop", 5, 7, 0.5, 2, false);
    s.add_response("rt-1", "t/1", "key1", {"a", "b"}, "stop", 5, 7, 0.5, 2, false);  // ignored
    s.add_error("rt-1", "t/0", 1, "http 500: boom");
    s.exclude_item("rt-1", "t/2", "lost in translation: language");
  }
  RunStore s(dir.path().string());
  auto items = s.items("rt-1");
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[2].lang, "sw");
  EXPECT_TRUE(items[2].benign);
  EXPECT_EQ(items[2].extra["k"], 1);
  EXPECT_EQ(items[0].categories, std::vector<std::string>{"violence"});
  EXPECT_EQ(s.pending_items("rt-1"), std::vector<std::string>{"t/0"});  // t/2 excluded, t/1 answered
  auto rs = s.responses("rt-1");
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[1].text, "b");
  EXPECT_EQ(rs[1].sample, 1);
  EXPECT_EQ(rs[0].completion_tokens, 7);
  EXPECT_EQ(s.error_count("rt-1"), 1u);
  auto info = s.run("rt-1");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->items, 3u);
  EXPECT_EQ(info->answered, 1u);
  EXPECT_EQ(info->errors, 1u);
  EXPECT_EQ(info->config["model"], "m");

  EXPECT_EQ(s.unjudged("rt-1", "refusal").size(), 2u);
  StoredJudgment j;
  j.item_id = "t/1";
  j.sample = 0;
  j.judge = "refusal";
  j.judge_version = "v";
  j.label = "refusal";
  j.harmful = false;
  j.evidence = {"marker:en"};
  s.add_judgments("rt-1", {j});
  EXPECT_EQ(s.unjudged("rt-1", "refusal").size(), 1u);
  EXPECT_EQ(s.unjudged("rt-1", "toxicity").size(), 2u);
  auto js = s.judgments("rt-1");
  ASSERT_EQ(js.size(), 1u);
  EXPECT_EQ(js[0].harmful, std::optional<bool>(false));
  EXPECT_FALSE(js[0].score.has_value());
  EXPECT_EQ(js[0].evidence[0], "marker:en");

  EXPECT_FALSE(s.cached("k"));
  s.cache_response("k", {{"x", "y"}, "length", 3, 4});
  auto c = s.cached("k");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->texts, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(c->finish_reason, "length");

  EXPECT_EQ(s.resolve_run_id("rt"), "rt-1");
  EXPECT_EQ(s.resolve_run_id("latest"), "rt-1");
  EXPECT_THROW(s.resolve_run_id("zz"), EvalError);
}

TEST(RunStore, RefusesFilesThatAreNotRunStores) {
  test::ScratchDir dir;
  {
    std::ofstream f(dir.file("runs.sqlite"));
    f << "this is not a database, it is a text file that happens to be long enough to have a header";
  }
  try {
    RunStore s(dir.path().string());
    FAIL() << "expected EvalError";
  } catch (const EvalError& e) {
    EXPECT_NE(std::string(e.what()).find("runs.sqlite"), std::string::npos) << e.what();
  }
}

TEST(RunStore, RefusesANewerSchema) {
  test::ScratchDir dir;
  { RunStore s(dir.path().string()); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir.file("runs.sqlite").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE meta SET value='99' WHERE key='schema_version'", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  try {
    RunStore s(dir.path().string());
    FAIL() << "expected EvalError";
  } catch (const EvalError& e) {
    EXPECT_NE(std::string(e.what()).find("schema version 99"), std::string::npos) << e.what();
  }
}

TEST(RunStore, JudgmentsOfAnotherJudgeVersionAreDropped) {
  test::ScratchDir dir;
  RunStore s(dir.path().string());
  s.begin_run("rt-1", "redteam", {{"model", "m"}}, "m", "s");
  s.add_items("rt-1", three_items());
  s.add_response("rt-1", "t/0", "k0", {"a"}, "stop", 1, 1, 0, 1, false);
  s.add_response("rt-1", "t/1", "k1", {"b"}, "stop", 1, 1, 0, 1, false);
  StoredJudgment j;
  j.sample = 0;
  j.judge = "refusal";
  j.label = "compliance";
  j.item_id = "t/0";
  j.judge_version = "v1";
  StoredJudgment k = j;
  k.item_id = "t/1";
  k.judge_version = "v2";
  s.add_judgments("rt-1", {j, k});
  EXPECT_EQ(s.drop_stale_judgments("rt-1", "refusal", "v2"), 1u);
  auto left = s.unjudged("rt-1", "refusal");
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].item_id, "t/0");
  EXPECT_EQ(s.drop_stale_judgments("rt-1", "refusal", "v2"), 0u);
  // The cache entry came with the answer, in the same transaction.
  ASSERT_TRUE(s.cached("k1"));
  EXPECT_EQ(s.cached("k1")->texts, std::vector<std::string>{"b"});
}
