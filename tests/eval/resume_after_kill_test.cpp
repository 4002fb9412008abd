// `kill -9` in the middle of a run, then the same command again: every item
// is answered exactly once, answers stored before the kill are kept as they
// were, and the only work lost is what was in flight. Once against the
// loopback HTTP server (where the server counts what it answered) and once on
// the local SmolLM2 over XSafety's 10 languages.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "backend/test_server.h"
#include "eval/child_process.h"
#include "eval/run_store.h"
#include "test_paths.h"

using namespace polysafe;
using namespace polysafe::eval;

namespace {

size_t stored_answers(const std::string& run_dir) {
  if (!std::filesystem::exists(std::filesystem::path(run_dir) / "runs.sqlite")) return 0;
  RunStore s(run_dir);
  auto runs = s.runs();
  return runs.empty() ? 0 : s.responses(runs.front().run_id).size();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Starts the command, kills it once `threshold` answers are stored, returns
// the answers stored at that moment.
std::map<std::string, std::string> run_and_kill(const std::vector<std::string>& cmd, const std::string& run_dir,
                                                size_t threshold, const std::string& log) {
  test::ChildProcess child(cmd, log);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(240);
  while (child.running() && stored_answers(run_dir) < threshold && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_TRUE(child.running()) << "the run ended before it could be killed:\n" << read_file(log);
  child.kill_hard();
  RunStore s(run_dir);
  std::map<std::string, std::string> out;
  for (const auto& r : s.responses(s.runs().front().run_id)) out[r.item_id + "#" + std::to_string(r.sample)] = r.text;
  return out;
}

void expect_complete_and_unchanged(const std::string& run_dir, const std::map<std::string, std::string>& before,
                                   size_t items) {
  RunStore s(run_dir);
  auto runs = s.runs();
  ASSERT_EQ(runs.size(), 1u);  // the same run, resumed — not a second one
  const auto& id = runs.front().run_id;
  EXPECT_EQ(runs.front().status, "complete");
  auto rs = s.responses(id);
  EXPECT_EQ(rs.size(), items);
  std::set<std::string> seen;
  for (const auto& r : rs) {
    EXPECT_TRUE(seen.insert(r.item_id).second) << "answered twice: " << r.item_id;
    auto b = before.find(r.item_id + "#" + std::to_string(r.sample));
    if (b != before.end()) EXPECT_EQ(r.text, b->second) << r.item_id;
  }
  EXPECT_EQ(s.pending_items(id).size(), 0u);
  EXPECT_TRUE(s.unjudged(id, "refusal").empty());
}

}  // namespace

TEST(ResumeAfterKill, HttpRunLosesOnlyRequestsInFlight) {
  test::TestServer server({"--delay-ms", "25"});
  test::ScratchDir dir;
  const std::string run_dir = dir.file("runs"), log = dir.file("log.txt");
  const int concurrency = 4;
  std::vector<std::string> cmd = {test::polysafe_binary(), "eval", "redteam", "--model",
                                  "openai:" + server.url("/v1") + "#m", "--suite", "builtin:redteam",
                                  "--langs", "en,hi,sw,ar", "--judge", "refusal", "--concurrency",
                                  std::to_string(concurrency), "--run-dir", run_dir};
  auto before = run_and_kill(cmd, run_dir, 60, log);
  ASSERT_GE(before.size(), 60u);
  ASSERT_LT(before.size(), 208u);
  test::ChildProcess again(cmd, log);
  ASSERT_EQ(again.wait(), 0) << read_file(log);
  expect_complete_and_unchanged(run_dir, before, 208);  // 4 languages x 52 built-in items
  // The server answered each item once, plus at most the requests that were
  // in flight when the first process died.
  auto st = server.stats();
  EXPECT_GE(st["answered"].get<uint64_t>(), 208u);
  EXPECT_LE(st["answered"].get<uint64_t>(), 208u + concurrency);
  EXPECT_NE(read_file(log).find("(resumed)"), std::string::npos);
}

TEST(ResumeAfterKill, CtrlCStopsCleanlyAndTheRunResumes) {
  test::TestServer server({"--delay-ms", "25"});
  test::ScratchDir dir;
  const std::string run_dir = dir.file("runs"), log = dir.file("log.txt");
  std::vector<std::string> cmd = {test::polysafe_binary(), "eval", "redteam", "--model",
                                  "openai:" + server.url("/v1") + "#m", "--langs", "de,zh", "--judge", "refusal",
                                  "--concurrency", "2", "--run-dir", run_dir};
  {
    test::ChildProcess child(cmd, log);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (stored_answers(run_dir) < 20 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    child.interrupt();
    EXPECT_EQ(child.wait(), 130) << read_file(log);
  }
  EXPECT_NE(read_file(log).find("not complete (stopped)"), std::string::npos) << read_file(log);
  {
    RunStore s(run_dir);
    auto r = s.runs().front();
    EXPECT_EQ(r.status, "interrupted");
    EXPECT_LT(r.answered, 104u);
  }
  test::ChildProcess again(cmd, log);
  ASSERT_EQ(again.wait(), 0) << read_file(log);
  expect_complete_and_unchanged(run_dir, {}, 104);
  EXPECT_EQ(server.stats()["answered"].get<uint64_t>(), 104u);  // nothing was asked twice
}

TEST(ResumeAfterKill, LocalSmolLM2OnXSafetyTenLanguages) {
  test::ScratchDir dir;
  const std::string run_dir = dir.file("runs"), log = dir.file("log.txt");
  std::vector<std::string> cmd = {test::polysafe_binary(), "eval", "redteam", "--model",
                                  "local:smollm2-135m-instruct", "--suite",
                                  "xsafety:" + test::shared_data_dir() + "/xsafety", "--limit", "2",
                                  "--max-tokens", "8", "--batch", "2", "--threads", "2", "--judge", "refusal",
                                  "--run-dir", run_dir};
  auto before = run_and_kill(cmd, run_dir, 6, log);
  ASSERT_GE(before.size(), 6u);
  ASSERT_LT(before.size(), 20u);
  test::ChildProcess again(cmd, log);
  ASSERT_EQ(again.wait(), 0) << read_file(log);
  expect_complete_and_unchanged(run_dir, before, 20);  // 10 languages x 2 parallel prompts
  const std::string out = read_file(log);
  for (const char* lang : {"ar", "bn", "de", "en", "es", "fr", "hi", "ja", "ru", "zh"})
    EXPECT_NE(out.find(std::string("\n") + lang + " "), std::string::npos) << lang << " row missing:\n" << out;
}

TEST(HttpRun, FaultInjectionLosesAndDuplicatesNothing) {
  test::TestServer server({"--faults", "429=0.1,500=0.1,503=0.05,timeout=0.05,truncated=0.05,content_type=0.05,reset=0.05",
                           "--fault-seed", "7", "--timeout-sleep-ms", "2500", "--retry-after", "1"});
  test::ScratchDir dir;
  const std::string run_dir = dir.file("runs"), log = dir.file("log.txt");
  {
    std::ofstream cfg(dir.file("run.yaml"));
    cfg << "model: openai:" << server.url("/v1") << "#m\nsuite: builtin:redteam\nlangs: [en, fr, ja, bn]\n"
        << "judges: [refusal]\nhttp:\n  concurrency: 16\n  max_retries: 4\n  timeout_s: 1.0\n"
        << "  backoff_base_s: 0.05\n  backoff_max_s: 1.5\n";
  }
  test::ChildProcess run({test::polysafe_binary(), "eval", "redteam", "--config", dir.file("run.yaml"), "--run-dir",
                          run_dir},
                         log);
  ASSERT_EQ(run.wait(), 0) << read_file(log);
  RunStore s(run_dir);
  const auto id = s.runs().front().run_id;
  auto rs = s.responses(id);
  ASSERT_EQ(rs.size(), 208u);
  auto items = s.items(id);
  std::map<std::string, std::string> prompt_of;
  for (const auto& it : items) prompt_of[it.id] = it.prompt;
  std::set<std::string> seen;
  for (const auto& r : rs) {
    EXPECT_TRUE(seen.insert(r.item_id).second) << r.item_id;
    EXPECT_EQ(r.text, test::expected_answer(prompt_of.at(r.item_id))) << r.item_id;
  }
  auto st = server.stats();
  EXPECT_GT(st["fault_total"].get<uint64_t>(), 20u);
  EXPECT_EQ(s.error_count(id), st["fault_total"].get<uint64_t>());  // every injected fault is on record
  EXPECT_EQ(st["answered"].get<uint64_t>(), 208u);
  EXPECT_EQ(st["max_answers_per_body"], 1);
}
