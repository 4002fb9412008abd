// Downloader against a real HTTP server on 127.0.0.1 (tests/hub/range_server.py,
// started per test on an ephemeral port): checksums, resuming with Range,
// retries, Hub error codes, and that the token never reaches a message.
// Nothing here touches the internet.
#include "hub/downloader.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "hub/hub_url.h"
#include "test_paths.h"
#include "util/error.h"
#include "util/sha256.h"

extern char** environ;

namespace polysafe::hub {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

const std::string kRepo = "acme/tiny-model";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Deterministic pseudo-random bytes (not compressible, no structure to hide
// an off-by-one in resuming).
std::string payload(size_t n, uint32_t seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) {
    seed = seed * 1103515245u + 12345u;
    s[i] = static_cast<char>(seed >> 23);
  }
  return s;
}

class RangeServer {
 public:
  RangeServer(const fs::path& root, const fs::path& work, const std::vector<std::string>& extra)
      : log_(work / "server.log") {
    const fs::path port_file = work / "port";
    fs::remove(port_file);
    std::vector<std::string> args = {"python3", test::source_dir() + "/tests/hub/range_server.py",
                                     "--root", root.string(), "--port-file", port_file.string(),
                                     "--log", log_.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawnp(&pid_, "python3", nullptr, nullptr, argv.data(), environ) != 0) pid_ = -1;
    for (int i = 0; i < 200 && pid_ > 0; ++i) {  // up to 10 s for python to start
      if (fs::exists(port_file)) {
        port_ = std::stoi(slurp(port_file));
        break;
      }
      std::this_thread::sleep_for(50ms);
    }
  }
  ~RangeServer() { stop(); }
  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int st;
      ::waitpid(pid_, &st, 0);
      pid_ = -1;
    }
  }
  bool ok() const { return port_ > 0; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<json> requests() const {
    std::vector<json> out;
    std::ifstream in(log_);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) out.push_back(json::parse(line));
    return out;
  }

 private:
  fs::path log_;
  pid_t pid_ = -1;
  int port_ = 0;
};

class DownloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    work_ = fs::temp_directory_path() /
            ("polysafe_dl_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(work_);
    root_ = work_ / "hub";
    dest_ = work_ / "dest";
    fs::create_directories(root_ / kRepo);
    fs::create_directories(dest_);
    model_ = payload(1 << 20, 7);  // 1 MiB
    std::ofstream(root_ / kRepo / "model.safetensors", std::ios::binary) << model_;
    std::ofstream(root_ / kRepo / "config.json") << R"({"model_type":"llama"})";
    std::ofstream(root_ / kRepo / "README.md") << "# tiny";
    fs::create_directories(root_ / kRepo / "onnx");
    std::ofstream(root_ / kRepo / "onnx" / "model.onnx") << "onnx";
    ::unsetenv("HF_TOKEN");
    ::unsetenv("HF_ENDPOINT");
  }
  void TearDown() override {
    server_.reset();
    ::unsetenv("HF_TOKEN");
    ::unsetenv("HF_ENDPOINT");
    fs::remove_all(work_);
  }
  void start(const std::vector<std::string>& extra = {}) {
    server_ = std::make_unique<RangeServer>(root_, work_, extra);
    ASSERT_TRUE(server_->ok()) << "range_server.py did not start";
  }
  DownloadOptions opts() const {
    DownloadOptions o;
    o.endpoint = server_->endpoint();
    o.token = "";
    o.initial_backoff = 10ms;
    o.max_backoff = 50ms;
    return o;
  }
  std::string error_of(const std::string& file, const DownloadOptions& o) {
    try {
      download_file(kRepo, file, dest_.string(), o);
    } catch (const HubError& e) {
      return e.what();
    }
    ADD_FAILURE() << "download of " << file << " succeeded";
    return "";
  }
  // Every file left in dest, relative.
  std::vector<std::string> dest_files() const {
    std::vector<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dest_))
      if (e.is_regular_file()) out.push_back(fs::relative(e.path(), dest_).string());
    std::sort(out.begin(), out.end());
    return out;
  }

  fs::path work_, root_, dest_;
  std::string model_;
  std::unique_ptr<RangeServer> server_;
};

TEST_F(DownloadTest, FullDownloadMatchesSha256) {
  start();
  std::vector<DownloadProgress> seen;
  DownloadOptions o = opts();
  o.progress = [&](const DownloadProgress& p) { seen.push_back(p); };
  DownloadedFile f = download_file(kRepo, "model.safetensors", dest_.string(), o);
  EXPECT_EQ(f.sha256, sha256_hex(model_));
  EXPECT_TRUE(f.verified);  // against the server's sha256 ETag
  EXPECT_EQ(f.size, model_.size());
  EXPECT_EQ(f.attempts, 1);
  EXPECT_EQ(slurp(dest_ / "model.safetensors"), model_);
  EXPECT_EQ(dest_files(), std::vector<std::string>{"model.safetensors"});  // no .part left
  auto log = server_->requests();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0]["path"], "/acme/tiny-model/resolve/main/model.safetensors");
  EXPECT_TRUE(log[0]["range"].is_null());
  EXPECT_EQ(log[0]["auth"], "none");
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().bytes_done, model_.size());
  EXPECT_EQ(seen.back().bytes_total, model_.size());
  for (size_t i = 1; i < seen.size(); ++i) EXPECT_GE(seen[i].bytes_done, seen[i - 1].bytes_done);
}

TEST_F(DownloadTest, LfsRedirectIsVerifiedThroughLinkedEtag) {
  start({"--etag", "linked"});
  DownloadedFile f = download_file(kRepo, "model.safetensors", dest_.string(), opts());
  EXPECT_TRUE(f.verified);
  EXPECT_EQ(f.sha256, sha256_hex(model_));
  auto log = server_->requests();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0]["status"], 302);
  EXPECT_EQ(log[1]["path"], "/__blob/acme/tiny-model/model.safetensors");
  EXPECT_EQ(log[1]["status"], 200);
}

TEST_F(DownloadTest, InterruptedDownloadResumesWithRange) {
  const size_t cut = 300000;
  start({"--cut-once", "model.safetensors:" + std::to_string(cut)});
  DownloadedFile f = download_file(kRepo, "model.safetensors", dest_.string(), opts());
  EXPECT_EQ(f.attempts, 2);
  EXPECT_TRUE(f.verified);
  EXPECT_EQ(slurp(dest_ / "model.safetensors"), model_);
  auto log = server_->requests();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_TRUE(log[0]["range"].is_null());
  EXPECT_EQ(log[0]["sent"], cut);
  EXPECT_EQ(log[1]["range"], "bytes=" + std::to_string(cut) + "-");
  EXPECT_EQ(log[1]["status"], 206);
  EXPECT_EQ(log[1]["sent"], model_.size() - cut);  // only the remainder travelled
}

TEST_F(DownloadTest, PartFileFromAnEarlierRunIsContinued) {
  start();
  const size_t have = 123457;
  std::ofstream(dest_ / "model.safetensors.part", std::ios::binary) << model_.substr(0, have);
  DownloadedFile f = download_file(kRepo, "model.safetensors", dest_.string(), opts());
  EXPECT_EQ(f.resumed_from, have);
  EXPECT_TRUE(f.verified);
  EXPECT_EQ(slurp(dest_ / "model.safetensors"), model_);
  auto log = server_->requests();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0]["range"], "bytes=123457-");
  EXPECT_EQ(log[0]["sent"], model_.size() - have);
}

TEST_F(DownloadTest, ServerIgnoringRangeRestartsFromZero) {
  start({"--ignore-range"});
  // Garbage in the part file: appending the 200 body after it would corrupt the file.
  std::ofstream(dest_ / "model.safetensors.part", std::ios::binary) << std::string(5000, 'x');
  DownloadedFile f = download_file(kRepo, "model.safetensors", dest_.string(), opts());
  EXPECT_EQ(slurp(dest_ / "model.safetensors"), model_);
  auto log = server_->requests();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0]["range"], "bytes=5000-");
  EXPECT_EQ(log[0]["status"], 200);
  EXPECT_TRUE(f.verified);
}

TEST_F(DownloadTest, PartLongerThanTheFileStartsOver) {
  start();
  std::ofstream(dest_ / "model.safetensors.part", std::ios::binary) << model_ << "extra";
  DownloadedFile f = download_file(kRepo, "model.safetensors", dest_.string(), opts());
  EXPECT_EQ(slurp(dest_ / "model.safetensors"), model_);
  auto log = server_->requests();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0]["status"], 416);
  EXPECT_TRUE(log[1]["range"].is_null());
  EXPECT_EQ(f.attempts, 2);
}

TEST_F(DownloadTest, StalePartFailingTheChecksumIsRedownloadedOnce) {
  start();
  std::string stale = model_.substr(0, 1000);
  stale[10] ^= 1;  // an earlier version of the file
  std::ofstream(dest_ / "model.safetensors.part", std::ios::binary) << stale;
  DownloadedFile f = download_file(kRepo, "model.safetensors", dest_.string(), opts());
  EXPECT_EQ(slurp(dest_ / "model.safetensors"), model_);
  auto log = server_->requests();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0]["range"], "bytes=1000-");
  EXPECT_TRUE(log[1]["range"].is_null());
}

TEST_F(DownloadTest, RetriesOnServerErrorWithBackoff) {
  start({"--fail-once", "model.safetensors:500"});
  auto t0 = std::chrono::steady_clock::now();
  DownloadOptions o = opts();
  o.initial_backoff = 200ms;
  o.max_backoff = 1000ms;
  DownloadedFile f = download_file(kRepo, "model.safetensors", dest_.string(), o);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 200ms);  // waited before retrying
  EXPECT_EQ(f.attempts, 2);
  EXPECT_EQ(slurp(dest_ / "model.safetensors"), model_);
  auto log = server_->requests();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0]["status"], 500);
  EXPECT_EQ(log[1]["status"], 200);
}

TEST_F(DownloadTest, WrongChecksumIsAnErrorAndLeavesNoFile) {
  start({"--etag", "bad"});
  std::string m = error_of("model.safetensors", opts());
  EXPECT_NE(m.find("acme/tiny-model: file 'model.safetensors'"), std::string::npos) << m;
  EXPECT_NE(m.find("sha256 mismatch"), std::string::npos) << m;
  EXPECT_NE(m.find(sha256_hex(model_)), std::string::npos) << m;  // what we got
  EXPECT_TRUE(dest_files().empty());  // neither the final file nor a .part

  // A caller-supplied checksum beats the server's (here the server is right).
  server_.reset();
  start();
  DownloadOptions o = opts();
  o.expected_sha256["model.safetensors"] = std::string(64, 'a');
  m = error_of("model.safetensors", o);
  EXPECT_NE(m.find("given by the caller"), std::string::npos) << m;
  EXPECT_TRUE(dest_files().empty());
  o.expected_sha256["model.safetensors"] = sha256_hex(model_);
  EXPECT_TRUE(download_file(kRepo, "model.safetensors", dest_.string(), o).verified);
}

TEST_F(DownloadTest, NotFoundErrorsNameRepoFileAndRevision) {
  start();
  std::string m = error_of("missing.bin", opts());
  EXPECT_NE(m.find("acme/tiny-model: file 'missing.bin' (revision main)"), std::string::npos) << m;
  EXPECT_NE(m.find("HTTP 404"), std::string::npos) << m;
  EXPECT_NE(m.find("file not found"), std::string::npos) << m;
  DownloadOptions o = opts();
  o.revision = "v9";
  m = error_of("config.json", o);
  EXPECT_NE(m.find("revision 'v9' not found"), std::string::npos) << m;
  try {
    download_file("acme/nope", "config.json", dest_.string(), opts());
    FAIL();
  } catch (const HubError& e) {
    EXPECT_NE(std::string(e.what()).find("acme/nope: file 'config.json'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("repository not found (if it is private, set HF_TOKEN)"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(server_->requests().size(), 3u);  // 404s are not retried
  EXPECT_TRUE(dest_files().empty()) << "no empty .part files either";
}

TEST_F(DownloadTest, TokenIsSentButNeverAppearsInErrors) {
  const std::string good = "hf_GoodSecretToken123456";
  const std::string bad = "hf_WrongSecretToken987654";
  start({"--token", good});
  DownloadOptions o = opts();
  o.token = good;
  EXPECT_TRUE(download_file(kRepo, "config.json", dest_.string(), o).verified);
  EXPECT_EQ(server_->requests().back()["auth"], "ok");

  std::vector<std::string> messages;
  o.token = bad;  // rejected; the server echoes the header it got in X-Error-Message
  messages.push_back(error_of("model.safetensors", o));
  EXPECT_EQ(server_->requests().back()["auth"], "wrong");
  EXPECT_NE(messages.back().find("HTTP 401"), std::string::npos) << messages.back();
  EXPECT_NE(messages.back().find("Bearer ***"), std::string::npos) << messages.back();  // scrubbed echo
  o.token = "";
  messages.push_back(error_of("model.safetensors", o));
  EXPECT_NE(messages.back().find("set HF_TOKEN"), std::string::npos) << messages.back();

  // Token from the environment, with other failures: 404, a checksum error,
  // and retries exhausted on a dead server.
  ::setenv("HF_TOKEN", good.c_str(), 1);
  ::setenv("HF_ENDPOINT", (server_->endpoint() + "/").c_str(), 1);
  DownloadOptions env;
  env.initial_backoff = 10ms;
  env.max_attempts = 2;
  env.expected_sha256["config.json"] = std::string(64, 'b');
  messages.push_back(error_of("nothing.txt", env));
  fs::remove(dest_ / "config.json");
  messages.push_back(error_of("config.json", env));
  EXPECT_NE(messages.back().find("sha256 mismatch"), std::string::npos) << messages.back();
  EXPECT_EQ(server_->requests().back()["auth"], "ok");  // $HF_TOKEN was sent
  server_->stop();
  messages.push_back(error_of("model.safetensors", env));
  EXPECT_NE(messages.back().find("gave up after 2 attempts"), std::string::npos) << messages.back();
  for (const auto& m : messages) {
    EXPECT_EQ(m.find(good), std::string::npos) << m;
    EXPECT_EQ(m.find(bad), std::string::npos) << m;
    EXPECT_EQ(m.find("GoodSecret"), std::string::npos) << m;
  }
}

TEST_F(DownloadTest, DownloadModelListsTheRepoAndSkipsWhatIsPresent) {
  start();
  auto files = download_model(kRepo, {}, dest_.string(), opts());
  ASSERT_EQ(files.size(), 2u);  // config.json + model.safetensors; not README.md or onnx/
  EXPECT_EQ(dest_files(), (std::vector<std::string>{"config.json", "model.safetensors"}));
  EXPECT_EQ(server_->requests()[0]["path"], "/api/models/acme/tiny-model/revision/main");
  const size_t n = server_->requests().size();
  EXPECT_EQ(n, 3u);
  auto again = download_model(kRepo, {"config.json", "model.safetensors"}, dest_.string(), opts());
  EXPECT_TRUE(again[0].skipped && again[1].skipped);
  EXPECT_EQ(server_->requests().size(), n);  // nothing fetched twice
  // Explicit subdirectory files work too.
  auto onnx = download_model(kRepo, {"onnx/model.onnx"}, dest_.string(), opts());
  EXPECT_EQ(slurp(dest_ / "onnx" / "model.onnx"), "onnx");
  EXPECT_TRUE(onnx[0].verified);  // this server sends a sha256 ETag for every file
}

TEST_F(DownloadTest, UnsafeNamesAreRejectedBeforeAnyRequest) {
  start();
  EXPECT_THROW(download_file(kRepo, "../../etc/passwd", dest_.string(), opts()), HubError);
  EXPECT_THROW(download_file(kRepo, "/etc/passwd", dest_.string(), opts()), HubError);
  EXPECT_THROW(download_file(kRepo, "a//b", dest_.string(), opts()), HubError);
  EXPECT_THROW(download_file("acme/../x", "config.json", dest_.string(), opts()), HubError);
  EXPECT_THROW(download_file("a/b/c", "config.json", dest_.string(), opts()), HubError);
  EXPECT_TRUE(server_->requests().empty());
}

TEST(HubUrl, BuildsResolveUrls) {
  EXPECT_EQ(resolve_url("https://huggingface.co", "org/m", "main", "config.json"),
            "https://huggingface.co/org/m/resolve/main/config.json");
  EXPECT_EQ(resolve_url("http://h", "org/m", "refs/pr/1", "sub dir/a+b.json"),
            "http://h/org/m/resolve/refs%2Fpr%2F1/sub%20dir/a%2Bb.json");
  EXPECT_EQ(redact_url("https://user:pw@mirror.example/x"), "https://***@mirror.example/x");
  EXPECT_EQ(redact_url("https://mirror.example/a@b"), "https://mirror.example/a@b");
  ::setenv("HF_ENDPOINT", "http://mirror.local:8080//", 1);
  EXPECT_EQ(hub_endpoint(), "http://mirror.local:8080");
  ::unsetenv("HF_ENDPOINT");
  EXPECT_EQ(hub_endpoint(), "https://huggingface.co");
  EXPECT_NO_THROW(validate_repo_id("HuggingFaceTB/SmolLM2-135M-Instruct"));
  EXPECT_NO_THROW(validate_repo_id("gpt2"));
}

}  // namespace
}  // namespace polysafe::hub
