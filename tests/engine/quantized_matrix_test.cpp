// The quantised matrix product on real GGUF tensors: close to the product of
// the dequantised matrix in double, and each output row the same bit for bit
// whatever batch it is computed in (within each of the three kernels) and
// whatever the number of threads.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include "engine/quantized_matrix.h"
#include "formats/gguf_reader.h"
#include "test_paths.h"

using namespace polysafe;

namespace {

struct Case {
  const char* model;
  const char* tensor;
};

// SmolLM2: Q4_1 (sub-blocks of 32 with offsets), K = 1536. Gemma 3: Q6_K
// (sub-blocks of 16, no offsets), K = 2048; Q5_0, K = 640.
const Case kCases[] = {{"smollm2-135m-instruct", "blk.0.ffn_down.weight"},
                       {"gemma3-270m", "blk.0.ffn_down.weight"},
                       {"gemma3-270m", "blk.3.attn_q.weight"}};

engine::QuantizedMatrix load(const Case& c) {
  formats::GgufFile file(test::model_path(c.model));
  return engine::QuantizedMatrix::from_gguf(file.tensor(c.tensor));
}

at::Tensor inputs(int64_t rows, int64_t cols) {
  at::manual_seed(7);
  // Real activations have outlier channels: a few columns 100x the rest.
  at::Tensor x = at::randn({rows, cols});
  x.narrow(1, 0, 3).mul_(100.0f);
  return x;
}

}  // namespace

TEST(QuantizedMatrix, CloseToTheDequantisedProductInDouble) {
  for (const auto& c : kCases) {
    auto q = load(c);
    at::Tensor w = q.dequantize().to(at::kDouble);
    at::Tensor x = inputs(32, q.cols());
    for (int64_t m : {1, 2, 5, 8, 13, 32}) {
      at::Tensor xm = x.narrow(0, 0, m);
      at::Tensor ref = at::mm(xm.to(at::kDouble), w.t());
      at::Tensor mag = at::mm(xm.abs().to(at::kDouble), w.abs().t());  // sum of |terms| per element
      at::Tensor err = (q.matmul(xm).to(at::kDouble) - ref).abs();
      // f32 summation of K terms in slices of <= 64: measured 1.4e-7 .. 4.3e-7 of the terms' magnitude.
      double worst = (err / mag.clamp_min(1e-30)).max().item<double>();
      EXPECT_LT(worst, 2e-6) << c.model << " " << c.tensor << " M=" << m;
    }
  }
}

TEST(QuantizedMatrix, RowsDoNotDependOnTheBatch) {
  for (const auto& c : kCases) {
    auto q = load(c);
    at::Tensor x = inputs(32, q.cols());
    at::Tensor full = q.matmul(x);  // groups of 16
    // From 8 rows on (groups of 16 and of 8, padded or not): the same bits.
    for (int64_t m : {8, 12, 20, 24}) {
      at::Tensor part = q.matmul(x.narrow(0, 0, m));
      EXPECT_TRUE(at::equal(part, full.narrow(0, 0, m))) << c.model << " " << c.tensor << " M=" << m;
    }
    // Below 8 rows (codes in registers at 1-2 rows, an expanded buffer at 3-7): the same bits.
    at::Tensor small = q.matmul(x.narrow(0, 0, 7));
    for (int64_t m : {1, 2, 3}) {
      at::Tensor part = q.matmul(x.narrow(0, 0, m));
      EXPECT_TRUE(at::equal(part, small.narrow(0, 0, m))) << c.model << " " << c.tensor << " M=" << m;
    }
  }
}

TEST(QuantizedMatrix, ThreadsDoNotChangeTheResult) {
  auto q = load(kCases[0]);
  at::Tensor x = inputs(32, q.cols());
  const int before = at::get_num_threads();
  at::set_num_threads(1);
  at::Tensor one_1 = q.matmul(x.narrow(0, 0, 1)), one_32 = q.matmul(x);
  at::set_num_threads(2);
  at::Tensor two_1 = q.matmul(x.narrow(0, 0, 1)), two_32 = q.matmul(x);
  at::set_num_threads(before);
  EXPECT_TRUE(at::equal(one_1, two_1));
  EXPECT_TRUE(at::equal(one_32, two_32));
}

TEST(QuantizedMatrix, ReusedOutputBufferIsOverwrittenNotAliased) {
  auto q = load(kCases[2]);
  at::Tensor x = inputs(16, q.cols());
  at::Tensor buf;
  at::Tensor first = q.matmul(x, &buf).clone();
  const void* storage = buf.data_ptr();
  at::Tensor second = q.matmul(x.narrow(0, 0, 9), &buf);  // fewer rows: same storage
  EXPECT_EQ(buf.data_ptr(), storage);
  EXPECT_TRUE(at::equal(second, first.narrow(0, 0, 9)));
  at::Tensor held = buf;  // still read elsewhere: a new buffer, the held one untouched
  at::Tensor held_copy = held.clone();
  at::Tensor third = q.matmul(x.narrow(0, 0, 8) * 2.0f, &buf);
  EXPECT_NE(third.data_ptr(), held.data_ptr());
  EXPECT_TRUE(at::equal(held, held_copy));
}
