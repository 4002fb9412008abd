// Encodes a corpus (JSON array of strings) with a polysafe tokenizer on one
// thread and prints {"tokens", "seconds", "tokens_per_second"} as JSON (best of
// --repeat runs). Driven by run_tokenizer_bench.py, which runs HF tokenizers on
// the same corpus and prints the ratio.
//   bench_tokenizer (--tokenizer-json PATH | --gguf PATH) --corpus CASES.json [--repeat N]
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "formats/gguf_reader.h"
#include "tokenizer/tokenizer.h"
#include "util/error.h"

int main(int argc, char** argv) {
  std::string tj, gguf, corpus;
  int repeat = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--tokenizer-json")) tj = argv[i + 1];
    else if (!std::strcmp(argv[i], "--gguf")) gguf = argv[i + 1];
    else if (!std::strcmp(argv[i], "--corpus")) corpus = argv[i + 1];
    else if (!std::strcmp(argv[i], "--repeat")) repeat = std::stoi(argv[i + 1]);
  }
  if ((tj.empty() == gguf.empty()) || corpus.empty()) {
    std::fprintf(stderr, "usage: bench_tokenizer (--tokenizer-json PATH | --gguf PATH) --corpus CASES.json [--repeat N]\n");
    return 2;
  }
  try {
    using namespace polysafe;
    std::unique_ptr<formats::GgufFile> file;
    std::unique_ptr<tokenizer::Tokenizer> tok;
    if (!tj.empty()) {
      tok = tokenizer::Tokenizer::from_tokenizer_json(tj);
    } else {
      file = std::make_unique<formats::GgufFile>(gguf);
      tok = tokenizer::Tokenizer::from_gguf(*file);
    }
    std::ifstream in(corpus);
    const auto texts = nlohmann::json::parse(in).get<std::vector<std::string>>();
    // HF semantics (tokenizer.json) always parse added tokens; GGUF as llama.cpp's default.
    const bool parse_special = !tj.empty();
    double best = 1e30;
    size_t n_tokens = 0;
    for (int r = 0; r < repeat; ++r) {
      auto t0 = std::chrono::steady_clock::now();
      n_tokens = 0;
      for (const auto& s : texts) n_tokens += tok->encode(s, true, parse_special).size();
      double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      best = std::min(best, dt);
    }
    std::printf("{\"tokens\": %zu, \"seconds\": %.6f, \"tokens_per_second\": %.1f}\n", n_tokens, best, n_tokens / best);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_tokenizer: %s\n", e.what());
    return 1;
  }
  return 0;
}
