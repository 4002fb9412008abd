// The engine's quantised matrix product against OpenBLAS sgemm on the same
// matrix dequantised to f32 (libtorch's at::mm), same threads, same process:
// per tensor and batch size M, best-of-R milliseconds, GFLOP/s and the ratio.
// Not a test; used to tune QuantizedMatrix::matmul (docs/benchmarks.md).
//   bench_matmul MODEL [--threads 2] [--m 1,8,32] [--repeat 5] [--tensors a,b,...] [--peer 0]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include "engine/quantized_matrix.h"
#include "formats/gguf_reader.h"
#include "hub/model_registry.h"
#include "util/strings.h"

using namespace polysafe;

namespace {

// "a,,b" -> {a, b}
std::vector<std::string> comma_list(const std::string& s) {
  std::vector<std::string> out = split(s, ',');
  out.erase(std::remove(out.begin(), out.end(), std::string()), out.end());
  return out;
}

template <class F>
double best_ms(int repeat, F&& f) {
  f();  // warm-up
  double best = 1e30;
  for (int r = 0; r < repeat; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: bench_matmul MODEL [--threads N] [--m 1,8,32] [--repeat R] [--tensors NAMES] [--peer 0|1]\n";
    return 2;
  }
  int threads = 2, repeat = 5;
  bool peer_on = true;
  std::vector<int64_t> ms = {1, 8, 32};
  std::vector<std::string> names = {"blk.0.attn_q.weight", "blk.0.ffn_gate.weight", "blk.0.ffn_down.weight",
                                    "token_embd.weight"};
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--threads") threads = std::stoi(v);
    else if (k == "--repeat") repeat = std::stoi(v);
    else if (k == "--m") { ms.clear(); for (auto& m : comma_list(v)) ms.push_back(std::stoll(m)); }
    else if (k == "--tensors") names = comma_list(v);
    else if (k == "--peer") peer_on = v != "0";
    else { std::cerr << "unknown option " << k << "\n"; return 2; }
  }
  try {
    at::set_num_threads(threads);
    formats::GgufFile file(hub::resolve_model(argv[1]));
    std::printf("| tensor | type | N x K | M | polysafe ms | GFLOP/s | sgemm (f32) ms | GFLOP/s | ratio |\n");
    std::printf("|---|---|---|---:|---:|---:|---:|---:|---:|\n");
    for (const auto& name : names) {
      const auto& t = file.tensor(name);
      auto q = engine::QuantizedMatrix::from_gguf(t);
      at::Tensor dense = q.dequantize();
      for (int64_t m : ms) {
        at::Tensor x = at::randn({m, q.cols()});
        const double flop = 2.0 * double(m) * double(q.rows()) * double(q.cols());
        double ours = best_ms(repeat, [&] { q.matmul(x); });
        double peer = peer_on ? best_ms(repeat, [&] { at::mm(x, dense.t()); }) : 0.0;
        std::printf("| %s | %s | %lld x %lld | %lld | %.2f | %.1f | ", name.c_str(), t.type_name().c_str(),
                    (long long)q.rows(), (long long)q.cols(), (long long)m, ours, flop / ours / 1e6);
        if (peer_on) std::printf("%.2f | %.1f | %.2f |\n", peer, flop / peer / 1e6, peer / ours);
        else std::printf("- | - | - |\n");  // --peer 0
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "bench_matmul: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
