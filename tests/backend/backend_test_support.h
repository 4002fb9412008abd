// Shared pieces of the HTTP backend tests: real multilingual prompts from the
// XSafety data (../shared/data/xsafety), requests built from them, and a
// generate() runner that records every callback, its order and timing.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "test_paths.h"

namespace polysafe::test {

// `count` distinct prompts, taken round-robin over languages (ru, zh, ar, de,
// ja, fr, hi, en) from XSafety's CSVs (one prompt a line, optionally quoted).
inline std::vector<std::string> xsafety_prompts(size_t count) {
  namespace fs = std::filesystem;
  const fs::path root = fs::path(shared_data_dir()) / "xsafety";
  std::vector<std::vector<std::string>> per_lang;
  for (const char* lang : {"ru", "zh", "ar", "de", "ja", "fr", "hi", "en"}) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(root / lang))
      if (e.path().extension() == ".csv") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    std::vector<std::string> lines;
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      for (std::string line; std::getline(in, line);) {
        if (line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '"')) line.pop_back();
        size_t b = 0;
        while (b < line.size() && (line[b] == ' ' || line[b] == '"')) ++b;
        line.erase(0, b);
        if (line.size() >= 8) lines.push_back(line);
      }
    }
    per_lang.push_back(std::move(lines));
  }
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (size_t row = 0; out.size() < count; ++row) {
    bool any = false;
    for (const auto& lang : per_lang) {
      if (row >= lang.size()) continue;
      any = true;
      if (out.size() < count && seen.insert(lang[row]).second) out.push_back(lang[row]);
    }
    if (!any) break;
  }
  if (out.size() < count) ADD_FAILURE() << "xsafety has only " << out.size() << " distinct prompts";
  return out;
}

inline std::vector<backend::Request> chat_requests(const std::vector<std::string>& prompts,
                                                   const std::string& system = "Answer briefly.") {
  std::vector<backend::Request> out;
  for (const auto& p : prompts) {
    backend::Request r;
    if (!system.empty()) r.messages.push_back({"system", system});
    r.messages.push_back({"user", p});
    out.push_back(std::move(r));
  }
  return out;
}

struct Outcome {
  std::vector<backend::Response> responses;  // by request index
  std::vector<int> calls;                    // callbacks per index
  std::vector<size_t> order;                 // indices in callback order
  std::vector<double> at_s;                  // seconds from start, per callback
  double elapsed_s = 0;
  size_t callbacks() const { return order.size(); }
};

inline Outcome run_all(backend::Backend& b, const std::vector<backend::Request>& reqs,
                       const std::function<bool(const Outcome&)>& stop_when = {}) {
  Outcome o;
  o.responses.resize(reqs.size());
  o.calls.assign(reqs.size(), 0);
  const auto t0 = std::chrono::steady_clock::now();
  std::function<bool()> should_stop;
  if (stop_when) should_stop = [&] { return stop_when(o); };
  b.generate(
      reqs,
      [&](size_t i, backend::Response r) {
        EXPECT_LT(i, reqs.size());
        if (i >= reqs.size()) return;
        ++o.calls[i];
        o.responses[i] = std::move(r);
        o.order.push_back(i);
        o.at_s.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      },
      should_stop);
  o.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return o;
}

// Sets an environment variable for one test and restores the old state.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const char* value) : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str())) old_ = old, had_ = true;
    if (value) setenv(name_.c_str(), value, 1);
    else unsetenv(name_.c_str());
  }
  ~ScopedEnv() {
    if (had_) setenv(name_.c_str(), old_.c_str(), 1);
    else unsetenv(name_.c_str());
  }

 private:
  std::string name_, old_;
  bool had_ = false;
};

}  // namespace polysafe::test
