// Run configs: YAML and JSON files give the same config, flags-as-JSON override
// a file, unknown fields and wrong types are errors naming the field, and the
// run id depends on what changes results and nothing else.
#include <gtest/gtest.h>

#include <fstream>

#include "eval/eval_error.h"
#include "eval/run_config.h"
#include "test_paths.h"

using namespace polysafe;
using namespace polysafe::eval;

TEST(RunConfig, YamlAndJsonAgreeAndFlagsOverride) {
  test::ScratchDir dir;
  {
    std::ofstream y(dir.file("run.yaml"));
    y << "model: openai:http://127.0.0.1:9/v1#m\nsuite: builtin:redteam\nlangs: [en, hi, sw]\nlimit: 10\n"
         "samples: 3\ntemperature: 0.7\njudges:\n  - refusal\n  - toxicity\nseed: 42\nhttp:\n  concurrency: 32\n"
         "  api_key_env: MY_KEY\n";
    std::ofstream j(dir.file("run.json"));
    j << R"({"model": "openai:http://127.0.0.1:9/v1#m", "suite": "builtin:redteam", "langs": ["en","hi","sw"],
            "limit": 10, "samples": 3, "temperature": 0.7, "judges": ["refusal","toxicity"], "seed": 42,
            "http": {"concurrency": 32, "api_key_env": "MY_KEY"}})";
  }
  auto a = load_config_file(dir.file("run.yaml"));
  auto b = load_config_file(dir.file("run.json"));
  EXPECT_EQ(to_json(a), to_json(b));
  EXPECT_EQ(a.langs, (std::vector<std::string>{"en", "hi", "sw"}));
  EXPECT_EQ(a.backend.http.concurrency, 32);
  EXPECT_EQ(a.backend.http.api_key_env, "MY_KEY");
  EXPECT_EQ(run_id(a), run_id(b));
  auto c = config_from_json({{"limit", 5}, {"http", {{"concurrency", 4}}}}, "command line", a);
  EXPECT_EQ(c.limit, 5u);
  EXPECT_EQ(c.samples, 3);
  EXPECT_EQ(c.backend.http.concurrency, 4);
  EXPECT_NE(run_id(c), run_id(a));  // limit changes results
  auto d = config_from_json({{"http", {{"concurrency", 1}}}, {"run_dir", "elsewhere"}}, "command line", a);
  EXPECT_EQ(run_id(d), run_id(a));  // speed and location do not
  EXPECT_EQ(run_id(a).size(), 15u);
  EXPECT_EQ(run_id(a).substr(0, 3), "rt-");
}

TEST(RunConfig, BadFilesNameTheField) {
  test::ScratchDir dir;
  auto expect_error = [&](const std::string& name, const std::string& text, const std::string& needle) {
    {
      std::ofstream f(dir.file(name));
      f << text;
    }
    try {
      load_config_file(dir.file(name));
      ADD_FAILURE() << "no error for " << text;
    } catch (const EvalError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error("a.yaml", "modle: x\n", "unknown field 'modle'");
  expect_error("b.yaml", "samples: many\n", "field 'samples'");
  expect_error("c.json", "{\"langs\": 3}", "field 'langs'");
  expect_error("d.json", "{\"model\": ", "not valid JSON");
  expect_error("e.yaml", "model: [unclosed\n", "not valid YAML");
  expect_error("f.yaml", "http:\n  concurency: 3\n", "http: unknown field 'concurency'");
  expect_error("g.toml", "model = 1", "must be .yaml");
  RedteamConfig bad;
  bad.samples = 4;
  EXPECT_THROW(validate(bad), EvalError);  // greedy with 4 samples
  bad.temperature = 0.8;
  EXPECT_NO_THROW(validate(bad));
}
