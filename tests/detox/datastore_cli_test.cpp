// `polysafe datastore` as a user runs it: build from a JSONL corpus of real
// RTP-LX prompts, add another source without rebuilding, remove it, read the
// manifest; a malformed corpus line is an error naming file:line.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "test_paths.h"

using namespace polysafe;

namespace {

void write_corpus(const std::string& path, const std::string& rtplx_file, int n) {
  std::ifstream in(test::shared_data_dir() + "/rtp-lx/v0.2_f10b92a/" + rtplx_file);
  std::ofstream out(path);
  std::string line;
  for (int i = 0; i < n && std::getline(in, line); ++i)
    out << nlohmann::json{{"text", nlohmann::json::parse(line)["Prompt"]}, {"lang", "x"}}.dump() << "\n";
}

nlohmann::json stats(const std::string& dir) {
  std::string out;
  EXPECT_EQ(test::run_command(test::polysafe_binary() + " datastore stats " + dir + " --json", &out, false), 0);
  return nlohmann::json::parse(out);
}

}  // namespace

TEST(DatastoreCli, BuildAddRemoveStats) {
  test::ScratchDir dir;
  write_corpus(dir.file("en.jsonl"), "RTP_LX_EN.json", 6);
  write_corpus(dir.file("de.jsonl"), "RTP_LX_DE.json", 6);
  const std::string bin = test::polysafe_binary(), ds = dir.file("store");
  std::string out;
  ASSERT_EQ(test::run_command(bin + " datastore build " + ds + " --corpus " + dir.file("en.jsonl") + " --source en --threads 2", &out), 0) << out;
  const auto built = stats(ds);
  const int64_t en_entries = built["entries"].get<int64_t>();
  EXPECT_GT(en_entries, 30);
  ASSERT_EQ(test::run_command(bin + " datastore add " + ds + " --corpus " + dir.file("de.jsonl") + " --source de --threads 2", &out), 0) << out;
  const auto added = stats(ds);
  EXPECT_GT(added["entries"].get<int64_t>(), en_entries);
  EXPECT_EQ(added["sources"].size(), 2u);
  ASSERT_EQ(test::run_command(bin + " datastore remove " + ds + " --source de --threads 2", &out), 0) << out;
  EXPECT_EQ(stats(ds)["entries"].get<int64_t>(), en_entries);
  EXPECT_NE(test::run_command(bin + " datastore remove " + ds + " --source de", &out), 0);
  EXPECT_NE(out.find("no source 'de'"), std::string::npos) << out;
  {
    std::ofstream bad(dir.file("bad.jsonl"));
    bad << "{\"text\": \"fine\"}\n{\"txt\": \"wrong field\"}\n";
  }
  EXPECT_NE(test::run_command(bin + " datastore build " + dir.file("s2") + " --corpus " + dir.file("bad.jsonl"), &out), 0);
  EXPECT_NE(out.find("bad.jsonl:2: field 'text'"), std::string::npos) << out;
  EXPECT_FALSE(std::filesystem::exists(dir.file("s2")));
}
