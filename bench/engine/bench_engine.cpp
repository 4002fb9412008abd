// One engine measurement per process, printed as a JSON line (run_engine_bench.py
// drives it and runs llama.cpp on the same model beside it):
//   prefill: one forward pass over the first P tokens of `text`, batch 1;
//   decode:  B sequences generated greedily together (EOS ignored); the time of
//            a 1-token generation is subtracted from that of a (1+N)-token one,
//            so what remains is N decoding steps of the whole batch.
// peak_rss_kb is the process's maximum resident set (model, cache, buffers).
#include <sys/resource.h>

#include <chrono>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/generator.h"
#include "engine/model.h"
#include "tokenizer/tokenizer.h"

using namespace polysafe;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int usage() {
  std::cerr << "usage: bench_engine MODEL prefill|decode THREADS [--tokens P] [--batch B] [--new N] [--text T] [--dtype f32|bf16] [--dequantize 0|1]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) return usage();
  std::string spec = argv[1], mode = argv[2];
  int threads = std::stoi(argv[3]), tokens = 512, batch = 1, n_new = 64;
  std::string text, dtype = "f32";
  bool dequantize = false;
  for (int i = 4; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--tokens") tokens = std::stoi(v);
    else if (k == "--batch") batch = std::stoi(v);
    else if (k == "--new") n_new = std::stoi(v);
    else if (k == "--text") text = v;
    else if (k == "--dtype") dtype = v;
    else if (k == "--dequantize") dequantize = v == "1";
    else return usage();
  }
  try {
    engine::LoadOptions lo;
    lo.threads = threads;
    lo.dtype = engine::parse_dtype(dtype);
    lo.keep_quantized = !dequantize;
    auto t0 = std::chrono::steady_clock::now();
    auto model = engine::Model::load(spec, lo);
    nlohmann::json out = {{"engine", "polysafe"}, {"model", spec}, {"mode", mode}, {"threads", threads},
                          {"dtype", dtype}, {"dequantize", dequantize}, {"load_s", seconds_since(t0)}};
    if (mode == "prefill") {
      auto ids = model->tokenizer().encode(text, true);
      if (ids.size() < size_t(tokens)) {
        std::cerr << "--text has " << ids.size() << " tokens, fewer than --tokens\n";
        return 2;
      }
      ids.resize(tokens);
      engine::ForwardOptions fo;
      fo.last_only = true;
      model->forward({ids}, fo);  // warm-up
      double best = 1e30;
      for (int r = 0; r < 3; ++r) {
        auto t = std::chrono::steady_clock::now();
        model->forward({ids}, fo);
        best = std::min(best, seconds_since(t));
      }
      out["tokens"] = tokens;
      out["seconds"] = best;
      out["tok_per_s"] = tokens / best;
    } else if (mode == "decode") {
      engine::Generator gen(*model);
      std::vector<std::string> prompts;
      for (int b = 0; b < batch; ++b) prompts.push_back("Story number " + std::to_string(b + 1) + ": once upon a time");
      engine::GenerateOptions go;
      go.sampling.temperature = 0;
      go.ignore_eos = true;
      go.max_batch = batch;
      go.max_new_tokens = 2;
      gen.generate(prompts, go);  // warm-up
      auto run = [&](size_t n) {
        go.max_new_tokens = n;
        auto t = std::chrono::steady_clock::now();
        auto res = gen.generate(prompts, go);
        double s = seconds_since(t);
        size_t produced = 0;
        for (const auto& g : res) produced += g.tokens.size();
        return std::make_pair(s, produced);
      };
      auto [t_short, n_short] = run(1);
      auto [t_long, n_long] = run(1 + n_new);
      double s = t_long - t_short;
      out["batch"] = batch;
      out["tokens"] = n_long - n_short;
      out["seconds"] = s;
      out["tok_per_s"] = double(n_long - n_short) / s;
    } else {
      return usage();
    }
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    out["peak_rss_kb"] = ru.ru_maxrss;
    std::cout << out.dump() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "bench_engine: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
