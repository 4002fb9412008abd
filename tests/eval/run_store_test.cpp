// The run store on a real SQLite file: items once, answers atomically, pending
// items, judgments per judge, the cache, reopening, and refusing files that are
// not run stores or come from a newer schema, and migrating an older one.
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
    s.add_response("rt-1", "t/1", "key1", {{"a", "b"}, "stop", 5, 7, {{0, 0}, {2, 1}}}, 0.5, 2, false);
    s.add_response("rt-1", "t/1", "key1", {{"a", "b"}, "stop", 5, 7, {}}, 0.5, 2, false);  // ignored
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
  EXPECT_EQ(rs[0].utf8.dropped_tail_bytes, 0);
  EXPECT_EQ(rs[1].utf8.dropped_tail_bytes, 2);
  EXPECT_EQ(rs[1].utf8.invalid_sequences, 1);
  auto from_answer = s.cached("key1");  // the answer became the cache entry, counts included
  ASSERT_TRUE(from_answer);
  ASSERT_EQ(from_answer->utf8.size(), 2u);
  EXPECT_EQ(from_answer->utf8[1].dropped_tail_bytes, 2);
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
  s.cache_response("k", {{"x", "y"}, "length", 3, 4, {}});
  auto c = s.cached("k");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->texts, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(c->finish_reason, "length");
  EXPECT_TRUE(c->utf8.empty());  // a remote backend's answer: none known

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
  s.add_response("rt-1", "t/0", "k0", {{"a"}, "stop", 1, 1, {}}, 0, 1, false);
  s.add_response("rt-1", "t/1", "k1", {{"b"}, "stop", 1, 1, {}}, 0, 1, false);
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

// A store written by schema 1 (no UTF-8 repair columns) opens, keeps its
// answers with zero counts, and takes new answers with counts.
TEST(RunStore, MigratesASchema1Store) {
  test::ScratchDir dir;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir.file("runs.sqlite").c_str(), &db), SQLITE_OK);
  const char* v1 = R"SQL(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta VALUES('schema_version', '1');
CREATE TABLE runs(run_id TEXT PRIMARY KEY, kind TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL, model TEXT NOT NULL, suite TEXT NOT NULL, config TEXT NOT NULL);
CREATE TABLE items(run_id TEXT NOT NULL, item_id TEXT NOT NULL, seq INTEGER NOT NULL, lang TEXT NOT NULL,
  parallel_id TEXT NOT NULL, prompt TEXT NOT NULL, categories TEXT NOT NULL, scope TEXT NOT NULL,
  benign INTEGER NOT NULL, source TEXT NOT NULL, extra TEXT NOT NULL, excluded TEXT, PRIMARY KEY(run_id, item_id));
CREATE TABLE responses(run_id TEXT NOT NULL, item_id TEXT NOT NULL, sample INTEGER NOT NULL,
  request_key TEXT NOT NULL, text TEXT NOT NULL, finish_reason TEXT NOT NULL, prompt_tokens INTEGER,
  completion_tokens INTEGER, latency_s REAL, attempts INTEGER, from_cache INTEGER NOT NULL,
  created_at TEXT NOT NULL, PRIMARY KEY(run_id, item_id, sample));
CREATE TABLE cache(request_key TEXT PRIMARY KEY, texts TEXT NOT NULL, finish_reason TEXT NOT NULL,
  prompt_tokens INTEGER, completion_tokens INTEGER, created_at TEXT NOT NULL);
INSERT INTO runs VALUES('rt-1', 'redteam', 'complete', 'x', 'x', 'm', 's', '{}');
INSERT INTO items VALUES('rt-1', 't/0', 0, 'en', 'p/0', 'prompt en', '[]', 'global', 0, 'test', '{}', NULL);
INSERT INTO items VALUES('rt-1', 't/1', 1, 'hi', 'p/0', 'prompt hi', '[]', 'global', 0, 'test', '{}', NULL);
INSERT INTO responses VALUES('rt-1', 't/0', 0, 'k0', 'old answer', 'stop', 1, 1, 0, 1, 0, 'x');
INSERT INTO cache VALUES('k0', '["old answer"]', 'stop', 1, 1, 'x');
)SQL";
  ASSERT_EQ(sqlite3_exec(db, v1, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
  {
    RunStore s(dir.path().string());
    s.add_response("rt-1", "t/1", "k1", {{"new"}, "length", 1, 8, {{3, 0}}}, 0, 1, false);
    auto rs = s.responses("rt-1");
    ASSERT_EQ(rs.size(), 2u);
    EXPECT_EQ(rs[0].text, "old answer");
    EXPECT_EQ(rs[0].utf8.dropped_tail_bytes, 0);
    EXPECT_EQ(rs[1].utf8.dropped_tail_bytes, 3);
    ASSERT_TRUE(s.cached("k0"));
    EXPECT_TRUE(s.cached("k0")->utf8.empty());
  }
  RunStore again(dir.path().string());  // now schema 2: opens without migrating twice
  EXPECT_EQ(again.responses("rt-1").size(), 2u);
  ASSERT_EQ(sqlite3_open(dir.file("runs.sqlite").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key='schema_version'", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "2");
  sqlite3_finalize(st);
  sqlite3_close(db);
}
