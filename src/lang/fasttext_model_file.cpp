#include "lang/fasttext_model_file.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <memory>

#include "lang/lang_error.h"
#include "util/mapped_file.h"

namespace polysafe::lang {

namespace {

// Layout from fastText 0.9.2 (src/fasttext.cc saveModel, args.cc, dictionary.cc,
// densematrix.cc, quantmatrix.cc, productquantizer.cc), all little-endian:
//   int32 magic 0x2F4F16BA, int32 version (12)
//   Args: 12 x int32 (dim ws epoch minCount neg wordNgrams loss model bucket minn maxn
//         lrUpdateRate), double t
//   Dictionary: int32 size nwords nlabels, int64 ntokens pruneidx_size,
//         size x (word '\0', int64 count, int8 type), max(pruneidx_size,0) x (int32, int32)
//   bool quant_input, input matrix, bool qout, output matrix
//   DenseMatrix: int64 m n, float[m*n]
//   QuantMatrix: bool qnorm, int64 m n, int32 codesize, uint8[codesize],
//         ProductQuantizer, if qnorm: uint8[m] + ProductQuantizer
//   ProductQuantizer: int32 dim nsubq dsub lastdsub, float[dim*256]
constexpr int32_t kMagic = 793712314;  // 0x2F4F16BA
constexpr int32_t kVersion = 12;
constexpr int64_t kCentroids = 256;    // ProductQuantizer::ksub_

class Reader {
 public:
  Reader(const std::string& path, const uint8_t* data, size_t size) : path_(path), data_(data), size_(size) {}

  template <class T>
  T get(const char* field) {
    need(sizeof(T), field);
    T v;
    std::memcpy(&v, data_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  void skip(int64_t n, const char* field) {
    if (n < 0) fail(field, "negative size " + std::to_string(n));
    need(static_cast<uint64_t>(n), field);
    pos_ += static_cast<size_t>(n);
  }
  // A '\0'-terminated dictionary word.
  void skip_cstring(const char* field) {
    const void* end = std::memchr(data_ + pos_, 0, size_ - pos_);
    if (!end) fail(field, "unterminated string (file truncated)");
    pos_ = static_cast<const uint8_t*>(end) - data_ + 1;
  }
  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    throw LangError(path_ + ": not a usable fastText model: at byte " + std::to_string(pos_) + ": " + field +
                     ": " + what);
  }
  size_t pos() const { return pos_; }
  size_t size() const { return size_; }

 private:
  void need(uint64_t n, const char* field) {
    if (n > size_ - pos_)
      fail(field, "needs " + std::to_string(n) + " bytes, " + std::to_string(size_ - pos_) +
                      " left (file truncated?)");
  }
  const std::string& path_;
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

// Returns the row count; checks the column count equals dim.
int64_t check_matrix(Reader& r, bool quantized, int32_t dim, const char* name) {
  std::string f = name;
  if (!quantized) {
    int64_t m = r.get<int64_t>((f + ".m").c_str());
    int64_t n = r.get<int64_t>((f + ".n").c_str());
    if (m < 0 || n != dim) r.fail(f, "shape " + std::to_string(m) + "x" + std::to_string(n) + ", dim " + std::to_string(dim));
    if (m > 0 && n > static_cast<int64_t>(r.size()) / 4 / m) r.fail(f, "matrix larger than the file");
    r.skip(m * n * 4, name);
    return m;
  }
  bool qnorm = r.get<uint8_t>((f + ".qnorm").c_str()) != 0;
  int64_t m = r.get<int64_t>((f + ".m").c_str());
  int64_t n = r.get<int64_t>((f + ".n").c_str());
  int32_t codesize = r.get<int32_t>((f + ".codesize").c_str());
  if (m < 0 || n != dim) r.fail(f, "shape " + std::to_string(m) + "x" + std::to_string(n) + ", dim " + std::to_string(dim));
  r.skip(codesize, (f + ".codes").c_str());
  auto check_pq = [&](int32_t want_dim, const std::string& pq) {
    int32_t pdim = r.get<int32_t>((pq + ".dim").c_str());
    int32_t nsubq = r.get<int32_t>((pq + ".nsubq").c_str());
    int32_t dsub = r.get<int32_t>((pq + ".dsub").c_str());
    int32_t lastdsub = r.get<int32_t>((pq + ".lastdsub").c_str());
    // ProductQuantizer's constructor: nsubq = ceil(dim / dsub), lastdsub = the remainder or dsub.
    if (pdim != want_dim || dsub <= 0 || nsubq <= 0 || lastdsub <= 0 || lastdsub > dsub ||
        int64_t(nsubq - 1) * dsub + lastdsub != pdim)
      r.fail(pq, "inconsistent product quantizer (dim " + std::to_string(pdim) + ", nsubq " +
                     std::to_string(nsubq) + ", dsub " + std::to_string(dsub) + ")");
    r.skip(int64_t(pdim) * kCentroids * 4, (pq + ".centroids").c_str());
    return nsubq;
  };
  int32_t nsubq = check_pq(dim, f + ".pq");
  if (int64_t(codesize) != m * nsubq) r.fail(f, "codesize " + std::to_string(codesize) + " != rows x subquantizers");
  if (qnorm) {
    r.skip(m, (f + ".norm_codes").c_str());
    check_pq(1, f + ".npq");
  }
  return m;
}

}  // namespace

FastTextModelInfo check_fasttext_model_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw LangError(path + ": fastText model not found (run scripts/setup.sh or set POLYSAFE_LID_MODEL)");
  if (!std::filesystem::is_regular_file(path, ec)) throw LangError(path + ": fastText model is not a regular file");
  std::unique_ptr<MappedFile> file;
  try {
    file = std::make_unique<MappedFile>(path);
  } catch (const Error& e) {
    throw LangError(std::string(e.what()));
  }
  Reader r(path, file->data(), file->size());
  FastTextModelInfo info;

  if (r.get<int32_t>("magic") != kMagic) r.fail("magic", "not a fastText model (wrong magic number)");
  int32_t version = r.get<int32_t>("version");
  if (version != kVersion) r.fail("version", "format version " + std::to_string(version) + ", expected 12");

  int32_t dim = r.get<int32_t>("args.dim");
  r.get<int32_t>("args.ws");
  r.get<int32_t>("args.epoch");
  r.get<int32_t>("args.minCount");
  r.get<int32_t>("args.neg");
  int32_t word_ngrams = r.get<int32_t>("args.wordNgrams");
  int32_t loss = r.get<int32_t>("args.loss");
  int32_t model = r.get<int32_t>("args.model");
  int32_t bucket = r.get<int32_t>("args.bucket");
  int32_t minn = r.get<int32_t>("args.minn");
  int32_t maxn = r.get<int32_t>("args.maxn");
  r.get<int32_t>("args.lrUpdateRate");
  r.get<double>("args.t");
  if (dim <= 0 || dim > 100000) r.fail("args.dim", "out of range: " + std::to_string(dim));
  if (loss < 1 || loss > 4) r.fail("args.loss", "unknown loss " + std::to_string(loss));
  if (model < 1 || model > 3) r.fail("args.model", "unknown model " + std::to_string(model));
  if (minn < 0 || maxn < 0 || maxn > 64 || (maxn > 0 && minn > maxn)) r.fail("args.minn/maxn", "out of range");
  if (word_ngrams < 1 || word_ngrams > 64) r.fail("args.wordNgrams", "out of range");
  // Dictionary::initNgrams hashes modulo bucket: zero would divide by zero.
  if (bucket < 0 || (bucket == 0 && (maxn > 0 || word_ngrams > 1))) r.fail("args.bucket", "out of range");

  int32_t size = r.get<int32_t>("dict.size");
  int32_t nwords = r.get<int32_t>("dict.nwords");
  int32_t nlabels = r.get<int32_t>("dict.nlabels");
  r.get<int64_t>("dict.ntokens");
  int64_t pruneidx_size = r.get<int64_t>("dict.pruneidx_size");
  if (nwords < 0 || nlabels < 0 || int64_t(size) != int64_t(nwords) + nlabels)
    r.fail("dict.size", "size " + std::to_string(size) + " != nwords " + std::to_string(nwords) + " + nlabels " +
                            std::to_string(nlabels));
  for (int32_t i = 0; i < size; ++i) {
    r.skip_cstring("dict.entry.word");
    r.get<int64_t>("dict.entry.count");
    int8_t type = r.get<int8_t>("dict.entry.type");
    // Words come first, then labels (Dictionary::threshold sorts them so); predict
    // relies on it when it maps an output row to words_[nwords + row].
    if (type != (i < nwords ? 0 : 1)) r.fail("dict.entry " + std::to_string(i), "word/label order broken");
  }
  if (pruneidx_size > 0 && pruneidx_size > int64_t(r.size()) / 8) r.fail("dict.pruneidx_size", "larger than the file");
  int64_t max_pruned_row = -1;
  for (int64_t i = 0; i < pruneidx_size; ++i) {
    int32_t from = r.get<int32_t>("dict.pruneidx.from");
    int32_t to = r.get<int32_t>("dict.pruneidx.to");
    if (from < 0 || to < 0) r.fail("dict.pruneidx", "negative index");
    max_pruned_row = std::max<int64_t>(max_pruned_row, to);
  }

  info.quantized = r.get<uint8_t>("quant_input") != 0;
  int64_t in_rows = check_matrix(r, info.quantized, dim, "input");
  // Input rows: the words, then either every hash bucket or (pruned .ftz) the kept buckets.
  int64_t need_rows = int64_t(nwords) + (pruneidx_size >= 0 ? max_pruned_row + 1 : int64_t(bucket));
  if (in_rows < need_rows)
    r.fail("input", std::to_string(in_rows) + " rows, the dictionary addresses " + std::to_string(need_rows));
  bool qout = r.get<uint8_t>("qout") != 0;
  int64_t out_rows = check_matrix(r, qout, dim, "output");
  info.supervised = model == 3;
  if (info.supervised && out_rows != nlabels)
    r.fail("output", std::to_string(out_rows) + " rows for " + std::to_string(nlabels) + " labels");
  if (r.pos() != r.size()) r.fail("end", std::to_string(r.size() - r.pos()) + " trailing bytes");

  info.dim = dim;
  info.nwords = nwords;
  info.nlabels = nlabels;
  return info;
}

}  // namespace polysafe::lang
