// Single-thread throughput of LanguageId::identify against the peer in the same
// process: libfasttext's own FastText::predictLine with the same model, fed the
// way fastText's command line and Python wrapper feed it (one line + "\n").
// Usage: bench_langid TEXTS.jsonl [--field text] [--model lid.176.ftz] [--repeat 3]
#include <fasttext/fasttext.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lang/language_id.h"

namespace {

template <class F>
double best_seconds(int repeat, F&& f) {
  double best = 1e30;
  for (int r = 0; r < repeat; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_langid TEXTS.jsonl [--field text] [--model F] [--repeat N]\n");
    return 2;
  }
  std::string path = argv[1], field = "text", model = polysafe::lang::LanguageId::default_model_path();
  int repeat = 3;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--field")) field = argv[i + 1];
    else if (!std::strcmp(argv[i], "--model")) model = argv[i + 1];
    else if (!std::strcmp(argv[i], "--repeat")) repeat = std::max(1, std::atoi(argv[i + 1]));
  }
  std::vector<std::string> texts;
  std::ifstream in(path);
  std::string line;
  for (size_t n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    try {
      texts.push_back(nlohmann::json::parse(line).at(field).get<std::string>());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s:%zu: field '%s': %s\n", path.c_str(), n, field.c_str(), e.what());
      return 1;
    }
  }
  if (texts.empty()) {
    std::fprintf(stderr, "%s: no texts\n", path.c_str());
    return 1;
  }

  polysafe::lang::LanguageId lid(model, polysafe::lang::LidMethod::FastText);  // lid.176 alone: the peer is bare libfasttext
  size_t sink = 0;
  double ours = best_seconds(repeat, [&] {
    for (const auto& t : texts) sink += lid.identify(t, 1).top.size();
  });

  fasttext::FastText ft;
  ft.loadModel(model);
  std::vector<std::pair<fasttext::real, std::string>> preds;
  double peer = best_seconds(repeat, [&] {
    for (const auto& t : texts) {
      std::string l = t;
      std::replace(l.begin(), l.end(), '\n', ' ');
      l.push_back('\n');
      std::istringstream is(l);
      ft.predictLine(is, preds, 1, 0.0);
      sink += preds.size();
    }
  });

  double n = static_cast<double>(texts.size());
  std::printf("%zu texts, best of %d, single thread\n", texts.size(), repeat);
  std::printf("polysafe LanguageId::identify   %10.0f texts/s  (%.1f us/text; includes script detection)\n",
              n / ours, 1e6 * ours / n);
  std::printf("libfasttext predictLine (peer)  %10.0f texts/s  (%.1f us/text)\n", n / peer, 1e6 * peer / n);
  std::printf("ratio polysafe / peer: %.2fx   [%zu]\n", peer / ours, sink);
  return 0;
}
