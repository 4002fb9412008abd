// The loopback model server (tests/server/openai_test_server.cpp) as a child
// process for one test: started on a free port of 127.0.0.1, read back from
// its "listening on" line, stopped with SIGTERM when the value goes out of
// scope. Also the answer the server gives, so tests can check each response
// reached the request it belongs to.
#pragma once

#include <curl/curl.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/sha256.h"

extern char** environ;

namespace polysafe::test {

class TestServer {
 public:
  explicit TestServer(const std::vector<std::string>& args = {}) {
    std::vector<std::string> argv_s = {POLYSAFE_TEST_SERVER, "--port", "0"};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    posix_spawn_file_actions_addclose(&fa, fds[1]);
    const int rc = posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc != 0) {
      close(fds[0]);
      throw std::runtime_error(std::string("cannot start ") + POLYSAFE_TEST_SERVER);
    }
    // "listening on 127.0.0.1:PORT\n", within 10 s.
    std::string line;
    pollfd p{fds[0], POLLIN, 0};
    while (line.find('\n') == std::string::npos && poll(&p, 1, 10000) > 0) {
      char buf[256];
      const ssize_t n = read(fds[0], buf, sizeof buf);
      if (n <= 0) break;
      line.append(buf, static_cast<size_t>(n));
    }
    close(fds[0]);
    const auto colon = line.rfind(':');
    if (line.rfind("listening on 127.0.0.1:", 0) != 0 || colon == std::string::npos) {
      stop();
      throw std::runtime_error("test server did not start: '" + line + "'");
    }
    port_ = std::stoi(line.substr(colon + 1));
  }
  ~TestServer() { stop(); }
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  int port() const { return port_; }
  std::string url(const std::string& path = "") const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

  nlohmann::json stats() const { return nlohmann::json::parse(get(url("/stats"))); }

  // Total faults of one kind ("429", "timeout", ...) the server injected.
  static uint64_t faults(const nlohmann::json& stats, const std::string& kind) {
    const auto& f = stats["faults"];
    return f.contains(kind) ? f[kind].get<uint64_t>() : 0;
  }

 private:
  static size_t append(char* p, size_t s, size_t n, void* ud) {
    static_cast<std::string*>(ud)->append(p, s * n);
    return s * n;
  }
  static std::string get(const std::string& u) {
    CURL* c = curl_easy_init();
    std::string body;
    curl_easy_setopt(c, CURLOPT_URL, u.c_str());
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &append);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    const CURLcode rc = curl_easy_perform(c);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK) throw std::runtime_error("GET " + u + ": " + curl_easy_strerror(rc));
    return body;
  }
  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  pid_t pid_ = -1;
  int port_ = 0;
};

// The test server's default answer to `content` (the last user turn or the
// prompt) for sample k: "ANSWER[<sha256[:8]>]: <first 40 code points>".
inline std::string expected_answer(const std::string& content, uint64_t sample = 0) {
  size_t i = 0, count = 0;
  while (i < content.size() && count < 40) {
    ++i;
    while (i < content.size() && (static_cast<unsigned char>(content[i]) & 0xC0) == 0x80) ++i;
    ++count;
  }
  std::string s = "ANSWER[" + sha256_hex(content).substr(0, 8) + "]: " + content.substr(0, i);
  if (sample != 0) s += " (sample " + std::to_string(sample) + ")";
  return s;
}

// Whitespace-separated words: the test server's unit of "tokens".
inline int64_t word_count(const std::string& s) {
  std::istringstream in(s);
  int64_t n = 0;
  for (std::string w; in >> w;) ++n;
  return n;
}

}  // namespace polysafe::test
