#include "engine/quantized_matrix.h"

#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <memory>
#include <utility>

#include <ATen/Parallel.h>

#include "engine/engine_error.h"
#include "formats/block_codes.h"
#include "formats/gguf_reader.h"

namespace polysafe::engine {

namespace {

// Tile of the product: MR input rows times NR weight rows, one 8-lane
// accumulator per output element. Every element's dot product runs over k in
// the same order (lane j sums k ≡ j mod 8, then a fixed horizontal sum), so the
// tile an element falls in — which depends on the batch size — never changes it.
constexpr int kMR = 2, kNR = 4;
constexpr int64_t kRowsPerTask = 16;   // weight rows expanded together (kept in L2)
constexpr int64_t kInputBlock = 32;    // input rows per pass over those weight rows
// From this many input rows on, the product is compute-bound and runs as a
// register-blocked GEMM (panel_avx2): 16 (or 8) input rows are the vector lanes,
// 6 (or 12) expanded weight rows are broadcast, 12 accumulators stay in registers,
// and each output element is summed the same way (fixed k-slices, each one FMA
// chain) whichever group it is in, so its value does not depend on the batch. BLAS sgemm was slower here: called per
// panel from inside the thread pool, OpenBLAS opened a nested team per call.
constexpr int64_t kGemmMinRows = 8;
constexpr int kPanelX = 16;  // input rows per group (two 8-lane vectors)
constexpr int64_t kPanelBytes = 128 * 1024;  // expanded weight rows per task (L2)
constexpr int64_t kPanelK = 64;  // k-slice: its sum is one chain (accuracy), its inputs stay in L1

bool has_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
}

// w = s*c (+ o): the dequantiser's single product and single sum (block_codes.h).
__attribute__((target("avx2,fma"))) void expand_avx2(const int8_t* c, const float* s, const float* o, int sub,
                                                      int64_t cols, float* dst) {
  for (int64_t b = 0; b < cols / sub; ++b) {
    const __m256 vs = _mm256_set1_ps(s[b]);
    const __m256 vo = _mm256_set1_ps(o ? o[b] : 0.0f);
    for (int j = 0; j < sub; j += 8) {
      const int64_t k = b * sub + j;
      __m128i c8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(c + k));
      __m256 v = _mm256_mul_ps(vs, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(c8)));
      if (o) v = _mm256_add_ps(v, vo);
      _mm256_storeu_ps(dst + k, v);
    }
  }
}

void expand_scalar(const int8_t* c, const float* s, const float* o, int sub, int64_t cols, float* dst) {
  for (int64_t k = 0; k < cols; ++k) {
    const float v = s[k / sub] * float(c[k]);
    dst[k] = o ? v + o[k / sub] : v;
  }
}

__attribute__((target("avx2,fma"))) inline float hsum_avx2(__m256 v) {
  __m128 lo = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
  lo = _mm_add_ss(lo, _mm_shuffle_ps(lo, lo, 1));
  return _mm_cvtss_f32(lo);
}

template <int MR, int NR>
__attribute__((target("avx2,fma"))) void tile_avx2(const float* x, int64_t ldx, const float* w, int64_t ldw,
                                                    int64_t K, float* y, int64_t ldy) {
  // The constant loops must unroll so that acc and wv live in registers
  // (GCC at -O2 keeps them on the stack otherwise: 3x slower).
  __m256 acc[MR][NR];
#pragma GCC unroll 4
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int j = 0; j < NR; ++j) acc[i][j] = _mm256_setzero_ps();
  for (int64_t k = 0; k < K; k += 8) {
    __m256 wv[NR];
#pragma GCC unroll 4
    for (int j = 0; j < NR; ++j) wv[j] = _mm256_loadu_ps(w + j * ldw + k);
#pragma GCC unroll 4
    for (int i = 0; i < MR; ++i) {
      const __m256 xv = _mm256_loadu_ps(x + i * ldx + k);
#pragma GCC unroll 4
      for (int j = 0; j < NR; ++j) acc[i][j] = _mm256_fmadd_ps(xv, wv[j], acc[i][j]);
    }
  }
#pragma GCC unroll 4
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int j = 0; j < NR; ++j) y[i * ldy + j] = hsum_avx2(acc[i][j]);
}

// acc[j][i] += (Σ_k x[i][k]·w[j][k] over k in [0, kc), one FMA chain in order)
// for the 8·NX input rows of xp (packed k-major: xp[k*8*NX + i]) and NW weight
// rows of w (row stride ldw); acc holds NW × 8·NX floats. Summing k in slices
// and the slices' sums in order bounds the rounding error by ~(kc + K/kc) ulps
// instead of ~K for one chain over all of k (4-8x smaller at K = 576..2048),
// and it is the same for every element whatever the batch or group width.
template <int NX, int NW>
__attribute__((target("avx2,fma"))) void panel_avx2(const float* xp, const float* w, int64_t ldw, int64_t kc,
                                                     float* acc_io) {
  constexpr int W = 8 * NX;
  __m256 acc[NW][NX];
#pragma GCC unroll 12
  for (int j = 0; j < NW; ++j)
#pragma GCC unroll 2
    for (int v = 0; v < NX; ++v) acc[j][v] = _mm256_setzero_ps();
#pragma GCC unroll 4
  for (int64_t k = 0; k < kc; ++k) {
    __m256 xv[NX];
#pragma GCC unroll 2
    for (int v = 0; v < NX; ++v) xv[v] = _mm256_loadu_ps(xp + k * W + 8 * v);
#pragma GCC unroll 12
    for (int j = 0; j < NW; ++j) {
      const __m256 b = _mm256_broadcast_ss(w + j * ldw + k);
#pragma GCC unroll 2
      for (int v = 0; v < NX; ++v) acc[j][v] = _mm256_fmadd_ps(xv[v], b, acc[j][v]);
    }
  }
#pragma GCC unroll 12
  for (int j = 0; j < NW; ++j)
#pragma GCC unroll 2
    for (int v = 0; v < NX; ++v) {
      float* dst = acc_io + j * W + 8 * v;
      _mm256_storeu_ps(dst, _mm256_add_ps(_mm256_loadu_ps(dst), acc[j][v]));
    }
}

using PanelFn = void (*)(const float*, const float*, int64_t, int64_t, float*);

// Weight rows per micro-panel: 12 accumulators either way (16 inputs x 6 rows, 8 x 12).
constexpr int panel_rows(int nx) { return nx == 2 ? 6 : 12; }

template <int NX, int... NW>
PanelFn panel_pick(int nw, std::integer_sequence<int, NW...>) {
  static const PanelFn table[] = {panel_avx2<NX, NW + 1>...};
  return table[nw - 1];
}

PanelFn panel_for(int nx, int nw) {
  return nx == 2 ? panel_pick<2>(nw, std::make_integer_sequence<int, panel_rows(2)>())
                 : panel_pick<1>(nw, std::make_integer_sequence<int, panel_rows(1)>());
}

// The same chains (std::fma rounds as the AVX2 FMA does), portably.
void panel_scalar(const float* xp, int width, const float* w, int64_t ldw, int64_t kc, float* acc_io, int nw) {
  for (int j = 0; j < nw; ++j)
    for (int i = 0; i < width; ++i) {
      float acc = 0.0f;
      for (int64_t k = 0; k < kc; ++k) acc = std::fma(xp[k * width + i], w[j * ldw + k], acc);
      acc_io[j * width + i] += acc;
    }
}

// tile_avx2 with the weights expanded in registers from their codes (c: NR rows
// of K codes, s/o: their nsub scales and offsets per row): the same products
// in the same order, without writing the expanded rows out and reading them
// back — at one or two input rows that round trip cost more than the products.
template <int MR, int NR, bool Offset>
__attribute__((target("avx2,fma"))) void tile_codes_avx2(const float* x, int64_t ldx, const int8_t* c, const float* s,
                                                          const float* o, int sub, int64_t K, float* y, int64_t ldy) {
  const int64_t nsub = K / sub;
  __m256 acc[MR][NR];
#pragma GCC unroll 4
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int j = 0; j < NR; ++j) acc[i][j] = _mm256_setzero_ps();
  for (int64_t b = 0; b < nsub; ++b) {
    __m256 vs[NR], vo[NR];
#pragma GCC unroll 4
    for (int j = 0; j < NR; ++j) {
      vs[j] = _mm256_broadcast_ss(s + j * nsub + b);
      if constexpr (Offset) vo[j] = _mm256_broadcast_ss(o + j * nsub + b);
    }
    for (int64_t k = b * sub; k < (b + 1) * sub; k += 8) {
      __m256 xv[MR];
#pragma GCC unroll 4
      for (int i = 0; i < MR; ++i) xv[i] = _mm256_loadu_ps(x + i * ldx + k);
#pragma GCC unroll 4
      for (int j = 0; j < NR; ++j) {
        const __m128i c8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(c + j * K + k));
        __m256 w = _mm256_mul_ps(vs[j], _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(c8)));
        if constexpr (Offset) w = _mm256_add_ps(w, vo[j]);
#pragma GCC unroll 4
        for (int i = 0; i < MR; ++i) acc[i][j] = _mm256_fmadd_ps(xv[i], w, acc[i][j]);
      }
    }
  }
#pragma GCC unroll 4
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int j = 0; j < NR; ++j) y[i * ldy + j] = hsum_avx2(acc[i][j]);
}

using TileCodesFn = void (*)(const float*, int64_t, const int8_t*, const float*, const float*, int, int64_t, float*,
                             int64_t);

TileCodesFn tile_codes_for(int mr, int nr, bool offset) {
  static const TileCodesFn plain[kMR][kNR] = {
      {tile_codes_avx2<1, 1, false>, tile_codes_avx2<1, 2, false>, tile_codes_avx2<1, 3, false>,
       tile_codes_avx2<1, 4, false>},
      {tile_codes_avx2<2, 1, false>, tile_codes_avx2<2, 2, false>, tile_codes_avx2<2, 3, false>,
       tile_codes_avx2<2, 4, false>}};
  static const TileCodesFn affine[kMR][kNR] = {
      {tile_codes_avx2<1, 1, true>, tile_codes_avx2<1, 2, true>, tile_codes_avx2<1, 3, true>,
       tile_codes_avx2<1, 4, true>},
      {tile_codes_avx2<2, 1, true>, tile_codes_avx2<2, 2, true>, tile_codes_avx2<2, 3, true>,
       tile_codes_avx2<2, 4, true>}};
  return (offset ? affine : plain)[mr - 1][nr - 1];
}

using TileFn = void (*)(const float*, int64_t, const float*, int64_t, int64_t, float*, int64_t);

TileFn tile_for(int mr, int nr) {
  static const TileFn table[kMR][kNR] = {
      {tile_avx2<1, 1>, tile_avx2<1, 2>, tile_avx2<1, 3>, tile_avx2<1, 4>},
      {tile_avx2<2, 1>, tile_avx2<2, 2>, tile_avx2<2, 3>, tile_avx2<2, 4>}};
  return table[mr - 1][nr - 1];
}

void tile_scalar(const float* x, int64_t ldx, const float* w, int64_t ldw, int64_t K, float* y, int64_t ldy,
                 int mr, int nr) {
  for (int i = 0; i < mr; ++i)
    for (int j = 0; j < nr; ++j) {
      float lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      for (int64_t k = 0; k < K; ++k) lanes[k % 8] += x[i * ldx + k] * w[j * ldw + k];
      y[i * ldy + j] = ((lanes[0] + lanes[4]) + (lanes[2] + lanes[6])) + ((lanes[1] + lanes[5]) + (lanes[3] + lanes[7]));
    }
}

// Runs body(task, scratch) for every task in [0, n_tasks) on the pool's
// threads, handing tasks out one at a time from a shared counter: a thread
// slowed by other work on its core takes fewer, instead of the other waiting
// at the barrier for its fixed half. A task's result never depends on the
// thread that runs it. setup() makes each thread's scratch buffers.
template <class Setup, class Body>
void run_tasks(int64_t n_tasks, const Setup& setup, const Body& body) {
  std::atomic<int64_t> next{0};
  const int64_t workers = std::min<int64_t>(at::get_num_threads(), n_tasks);
  at::parallel_for(0, workers, 1, [&](int64_t, int64_t) {
    auto scratch = setup();
    for (int64_t t = next.fetch_add(1, std::memory_order_relaxed); t < n_tasks;
         t = next.fetch_add(1, std::memory_order_relaxed))
      body(t, scratch);
  });
}

}  // namespace

QuantizedMatrix QuantizedMatrix::from_gguf(const formats::GgufTensorInfo& t) {
  auto layout = formats::affine_codes_layout(t.type_id);
  if (!layout || t.shape.size() != 2)
    throw EngineError("tensor '" + t.name + "': not a 2-D block-quantised matrix");
  QuantizedMatrix m;
  m.cols_ = int64_t(t.shape[0]);  // ggml: innermost first
  m.rows_ = int64_t(t.shape[1]);
  m.sub_ = layout->sub_block;
  if (m.cols_ % m.sub_ != 0) throw EngineError("tensor '" + t.name + "': row length not a multiple of its blocks");
  m.codes_ = at::empty({m.rows_, m.cols_}, at::kChar);
  m.scales_ = at::empty({m.rows_, m.cols_ / m.sub_}, at::kFloat);
  if (layout->has_offset) m.offsets_ = at::empty({m.rows_, m.cols_ / m.sub_}, at::kFloat);
  formats::decode_affine_codes(t.type_id, t.data, uint64_t(m.rows_ * m.cols_), m.codes_.data_ptr<int8_t>(),
                               m.scales_.data_ptr<float>(),
                               layout->has_offset ? m.offsets_.data_ptr<float>() : nullptr, t.name);
  return m;
}

QuantizedMatrix QuantizedMatrix::stack_rows(const std::vector<QuantizedMatrix>& parts) {
  if (parts.empty()) throw EngineError("stack_rows: no matrices");
  QuantizedMatrix m;
  m.cols_ = parts[0].cols_;
  m.sub_ = parts[0].sub_;
  bool offsets = false;
  for (const auto& p : parts) {
    if (p.cols_ != m.cols_) throw EngineError("stack_rows: matrices differ in columns");
    m.sub_ = std::min(m.sub_, p.sub_);
    offsets = offsets || p.offsets_.defined();
    m.rows_ += p.rows_;
  }
  std::vector<at::Tensor> codes, scales, offs;
  for (const auto& p : parts) {
    const int64_t rep = p.sub_ / m.sub_;
    codes.push_back(p.codes_);
    scales.push_back(rep == 1 ? p.scales_ : p.scales_.repeat_interleave(rep, 1));
    if (offsets) {
      at::Tensor o = p.offsets_.defined() ? p.offsets_ : at::zeros_like(p.scales_);
      offs.push_back(rep == 1 ? o : o.repeat_interleave(rep, 1));
    }
  }
  m.codes_ = at::cat(codes, 0).contiguous();
  m.scales_ = at::cat(scales, 0).contiguous();
  if (offsets) m.offsets_ = at::cat(offs, 0).contiguous();
  return m;
}

uint64_t QuantizedMatrix::bytes() const {
  uint64_t n = uint64_t(codes_.numel()) + 4 * uint64_t(scales_.numel());
  if (offsets_.defined()) n += 4 * uint64_t(offsets_.numel());
  return n;
}

at::Tensor QuantizedMatrix::dequantize() const {
  at::Tensor out = at::empty({rows_, cols_}, at::kFloat);
  const int8_t* c = codes_.data_ptr<int8_t>();
  const float* s = scales_.data_ptr<float>();
  const float* o = offsets_.defined() ? offsets_.data_ptr<float>() : nullptr;
  const int64_t nsub = cols_ / sub_;
  for (int64_t r = 0; r < rows_; ++r)
    expand_scalar(c + r * cols_, s + r * nsub, o ? o + r * nsub : nullptr, sub_, cols_, out.data_ptr<float>() + r * cols_);
  return out;
}

at::Tensor QuantizedMatrix::gather_rows(const at::Tensor& ids) const {
  at::Tensor flat = ids.to(at::kLong).contiguous().view({-1});
  std::vector<int64_t> shape(ids.sizes().begin(), ids.sizes().end());
  shape.push_back(cols_);
  at::Tensor out = at::empty({flat.size(0), cols_}, at::kFloat);
  const int64_t* id = flat.data_ptr<int64_t>();
  const int8_t* c = codes_.data_ptr<int8_t>();
  const float* s = scales_.data_ptr<float>();
  const float* o = offsets_.defined() ? offsets_.data_ptr<float>() : nullptr;
  const int64_t nsub = cols_ / sub_;
  for (int64_t i = 0; i < flat.size(0); ++i) {
    const int64_t r = id[i];
    TORCH_CHECK(r >= 0 && r < rows_, "QuantizedMatrix::gather_rows: row ", r, " outside [0, ", rows_, ")");
    expand_scalar(c + r * cols_, s + r * nsub, o ? o + r * nsub : nullptr, sub_, cols_,
                  out.data_ptr<float>() + i * cols_);
  }
  return out.view(shape);
}

at::Tensor QuantizedMatrix::matmul(const at::Tensor& input, at::Tensor* reuse) const {
  TORCH_CHECK(input.size(-1) == cols_, "QuantizedMatrix::matmul: input has ", input.size(-1), " columns, expected ", cols_);
  at::Tensor x = input.to(at::kFloat).contiguous().view({-1, cols_});
  const int64_t M = x.size(0), N = rows_, K = cols_;
  std::vector<int64_t> out_shape(input.sizes().begin(), input.sizes().end());
  out_shape.back() = N;
  at::Tensor y;
  if (reuse && reuse->defined() && reuse->scalar_type() == at::kFloat && reuse->is_contiguous() && reuse->dim() == 2 &&
      reuse->storage().use_count() == 1)  // nothing else still reads it
    y = reuse->resize_({M, N});  // shrinking keeps the storage
  else
    y = at::empty({M, N}, at::kFloat);
  if (reuse) *reuse = y;
  const float* xp = x.data_ptr<float>();
  float* yp = y.data_ptr<float>();
  const int8_t* cp = codes_.data_ptr<int8_t>();
  const float* sp = scales_.data_ptr<float>();
  const float* op = offsets_.defined() ? offsets_.data_ptr<float>() : nullptr;
  const int64_t nsub = K / sub_;
  const bool avx2 = has_avx2() && K % 8 == 0 && sub_ % 8 == 0;
  auto expand = [&](int64_t row, float* dst) {
    const float* o = op ? op + row * nsub : nullptr;
    if (avx2) expand_avx2(cp + row * K, sp + row * nsub, o, sub_, K, dst);
    else expand_scalar(cp + row * K, sp + row * nsub, o, sub_, K, dst);
  };
  if (M >= kGemmMinRows) {
    // Inputs packed k-major in groups of 16 rows; the rest, if 8 or fewer, in
    // one group of 8 (no lanes wasted at batch 8 or 24); groups zero-padded.
    struct Group { int64_t row0, rows; int nx; size_t offset; };
    std::vector<Group> groups;
    size_t packed = 0;
    for (int64_t r0 = 0; r0 < M; r0 += kPanelX) {
      const int64_t rows = std::min<int64_t>(kPanelX, M - r0);
      const int nx = rows <= 8 ? 1 : 2;
      groups.push_back({r0, rows, nx, packed});
      packed += size_t(K * 8 * nx);
    }
    std::vector<float> xpack(packed, 0.0f);
    for (const auto& g : groups)
      for (int64_t i = 0; i < g.rows; ++i)
        for (int64_t k = 0; k < K; ++k) xpack[g.offset + size_t(k * 8 * g.nx + i)] = xp[(g.row0 + i) * K + k];
    constexpr int64_t kRowsLcm = 12;  // a task's rows are whole micro-panels of 6 and of 12
    const int64_t task_rows = std::max<int64_t>(kRowsLcm, kPanelBytes / (4 * K) / kRowsLcm * kRowsLcm);
    const int64_t n_tasks = (N + task_rows - 1) / task_rows;
    const int64_t ldw = K + 16;  // rows one line apart in cache sets even when K is a power of two
    struct Scratch { std::vector<float> wbuf, acc; };
    auto setup = [&] {
      return Scratch{std::vector<float>(size_t(task_rows * ldw)), std::vector<float>(size_t(task_rows * kPanelX))};
    };
    run_tasks(n_tasks, setup, [&](int64_t t, Scratch& scratch) {
      std::vector<float>& wbuf = scratch.wbuf;
      std::vector<float>& acc = scratch.acc;
      const int64_t n0 = t * task_rows, nn = std::min(task_rows, N - n0);
      // The task's output block is written at its end; ask for its cache
      // lines now (rows N floats apart: the LM head's would miss otherwise).
      for (int64_t i = 0; i < M; ++i)
        for (int64_t j = 0; j < nn; j += 16) __builtin_prefetch(yp + i * N + n0 + j, 1, 3);
      for (int64_t r = 0; r < nn; ++r) expand(n0 + r, wbuf.data() + r * ldw);
      for (const auto& g : groups) {
        const int width = 8 * g.nx, step = panel_rows(g.nx);
        const float* xg = xpack.data() + g.offset;
        std::fill(acc.begin(), acc.end(), 0.0f);
        for (int64_t k0 = 0; k0 < K; k0 += kPanelK) {  // a k-slice of the inputs stays in L1
          const int64_t kc = std::min(kPanelK, K - k0);
          for (int64_t j = 0; j < nn; j += step) {
            const int nw = int(std::min<int64_t>(step, nn - j));
            const float* wt = wbuf.data() + j * ldw + k0;
            float* aj = acc.data() + j * width;
            if (avx2) panel_for(g.nx, nw)(xg + k0 * width, wt, ldw, kc, aj);
            else panel_scalar(xg + k0 * width, width, wt, ldw, kc, aj, nw);
          }
        }
        for (int64_t i = 0; i < g.rows; ++i)
          for (int64_t j = 0; j < nn; ++j) yp[(g.row0 + i) * N + n0 + j] = acc[size_t(j * width + i)];
      }
    });
    return y.view(out_shape);
  }
  const int64_t n_tasks = (N + kRowsPerTask - 1) / kRowsPerTask;
  if (avx2 && M <= kMR) {  // one pass over the codes, expanded in registers
    run_tasks(n_tasks, [] { return 0; }, [&](int64_t t, int&) {
      const int64_t n0 = t * kRowsPerTask, nn = std::min(kRowsPerTask, N - n0);
      for (int64_t j = 0; j < nn; j += kNR) {
        const int nr = int(std::min<int64_t>(kNR, nn - j));
        const int64_t r = n0 + j;
        tile_codes_for(int(M), nr, op != nullptr)(xp, K, cp + r * K, sp + r * nsub, op ? op + r * nsub : nullptr,
                                                  sub_, K, yp + r, N);
      }
    });
    return y.view(out_shape);
  }
  auto setup = [&] { return std::vector<float>(size_t(kRowsPerTask * K)); };
  run_tasks(n_tasks, setup, [&](int64_t t, std::vector<float>& wbuf) {
    const int64_t n0 = t * kRowsPerTask, nn = std::min(kRowsPerTask, N - n0);
    for (int64_t r = 0; r < nn; ++r) expand(n0 + r, wbuf.data() + r * K);
    for (int64_t m0 = 0; m0 < M; m0 += kInputBlock) {
      const int64_t mm = std::min(kInputBlock, M - m0);
      for (int64_t j = 0; j < nn; j += kNR) {
        const int nr = int(std::min<int64_t>(kNR, nn - j));
        for (int64_t i = 0; i < mm; i += kMR) {
          const int mr = int(std::min<int64_t>(kMR, mm - i));
          const float* xt = xp + (m0 + i) * K;
          const float* wt = wbuf.data() + j * K;
          float* yt = yp + (m0 + i) * N + n0 + j;
          if (avx2) tile_for(mr, nr)(xt, K, wt, K, K, yt, N);
          else tile_scalar(xt, K, wt, K, K, yt, N, mr, nr);
        }
      }
    }
  });
  return y.view(out_shape);
}

}  // namespace polysafe::engine
