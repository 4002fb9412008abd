#include "detox/datastore.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <system_error>

#include <faiss/IndexFlat.h>
#include <faiss/IndexIDMap.h>
#include <faiss/IndexIVFPQ.h>
#include <faiss/impl/FaissException.h>
#include <faiss/index_io.h>
#include <faiss/utils/distances.h>

#include <stdlib.h>  // mkdtemp

#include "detox/detox_error.h"
#include "detox/teacher_forcing.h"
#include "engine/model.h"
#include "formats/half_float.h"
#include "tokenizer/tokenizer.h"

namespace polysafe::detox {

namespace fs = std::filesystem;

// Files of a store directory. Entries are parallel arrays in store order; ids
// ascend strictly (added in order, removal keeps order), so a faiss label maps
// back to its row by binary search.
namespace file {
constexpr const char* kManifest = "manifest.json";
constexpr const char* kKeys = "keys.f16";       // [n, dim] fp16
constexpr const char* kValues = "values.i32";   // [n] next token id
constexpr const char* kSources = "sources.i32"; // [n] index into manifest sources
constexpr const char* kIds = "ids.i64";         // [n] faiss id
constexpr const char* kIndex = "index.faiss";   // faiss IndexIDMap2
}  // namespace file

struct Datastore::Impl {
  const engine::Model* model = nullptr;
  std::string dir;
  DatastoreManifest m;
  std::vector<uint16_t> keys;
  std::vector<int32_t> values;
  std::vector<int32_t> source_ids;
  std::vector<int64_t> ids;
  std::unique_ptr<faiss::IndexIDMap2> index;

  void set_nprobe() {
    if (auto* ivf = dynamic_cast<faiss::IndexIVF*>(index->index)) ivf->nprobe = size_t(m.index.nprobe);
  }
  int32_t source_index(const std::string& tag) {
    for (size_t i = 0; i < m.sources.size(); ++i)
      if (m.sources[i].tag == tag) return int32_t(i);
    m.sources.push_back({tag, 0, 0, 0, {}});
    return int32_t(m.sources.size() - 1);
  }
};

namespace {

struct Encoded {
  std::vector<std::vector<int32_t>> seqs;
  std::vector<size_t> text_of_seq;  // index into the input texts
};

// Tokenises the texts (with the model's BOS, as generation sees them); texts
// shorter than two tokens are counted in their source's `skipped`.
Encoded encode(Datastore::Impl& s, const std::vector<CorpusText>& texts, AddResult& res) {
  Encoded e;
  for (size_t i = 0; i < texts.size(); ++i) {
    if (texts[i].source.empty()) throw DetoxError("datastore: text " + std::to_string(i) + ": empty source tag");
    auto ids = s.model->tokenizer().encode(texts[i].text, /*add_special=*/true, /*parse_special=*/false);
    if (ids.size() < 2) {
      ++res.skipped;
      ++s.m.sources[size_t(s.source_index(texts[i].source))].skipped;
      continue;
    }
    e.seqs.push_back(std::move(ids));
    e.text_of_seq.push_back(i);
  }
  return e;
}

std::unique_ptr<faiss::IndexIDMap2> make_index(const IndexParams& p, int64_t dim, const std::vector<float>& train) {
  std::unique_ptr<faiss::Index> inner;
  if (p.kind == IndexKind::Flat) {
    inner = std::make_unique<faiss::IndexFlatL2>(dim);
  } else {
    const int64_t n = int64_t(train.size()) / dim;
    if (p.nlist < 1 || p.m < 1 || p.nbits < 1 || p.nbits > 16 || p.nprobe < 1)
      throw DetoxError("datastore: ivfpq: nlist, m, nprobe must be positive and nbits in 1..16");
    if (dim % p.m != 0)
      throw DetoxError("datastore: ivfpq: m " + std::to_string(p.m) + " must divide the dimension " +
                       std::to_string(dim));
    const int64_t need = std::max(p.nlist, int64_t(1) << p.nbits);
    if (n < need)
      throw DetoxError("datastore: ivfpq: training needs at least " + std::to_string(need) +
                       " entries (max of nlist " + std::to_string(p.nlist) + " and 2^nbits), the corpus gave " +
                       std::to_string(n) + "; use a Flat index or a smaller nlist/nbits");
    auto* quantizer = new faiss::IndexFlatL2(dim);
    auto ivf = std::make_unique<faiss::IndexIVFPQ>(quantizer, dim, size_t(p.nlist), size_t(p.m), size_t(p.nbits));
    ivf->own_fields = true;
    // detox/ never prints: our own check above replaces faiss's stderr warning
    // about few training points per centroid.
    ivf->cp.min_points_per_centroid = 1;
    ivf->pq.cp.min_points_per_centroid = 1;
    // k-means on a sample of 64 points per cell (faiss trains on up to 256):
    // 4x less work on a 1M-entry store; 30-256 per cell is faiss's own guidance.
    ivf->cp.max_points_per_centroid = 64;
    ivf->train(n, train.data());
    ivf->nprobe = size_t(p.nprobe);
    inner = std::move(ivf);
  }
  auto idx = std::make_unique<faiss::IndexIDMap2>(inner.get());
  inner.release();
  idx->own_fields = true;
  return idx;
}

// Stores pairs as fp16 keys and hands the index the fp16-rounded floats, so the
// index and keys.f16 hold the same vectors (a stored key is found at distance 0).
// Pair i goes to the source index source_of_seq(pairs.sequence[i]); the index
// itself is only filled when the store already has one (add(), not a build).
void append(Datastore::Impl& s, const TokenPairs& pairs, const std::function<int32_t(int64_t)>& source_of_seq,
            std::vector<float>& rounded) {
  const int64_t n = pairs.size(), d = s.m.dim;
  rounded.resize(size_t(n * d));
  std::vector<int64_t> new_ids(static_cast<size_t>(n));
  s.keys.reserve(s.keys.size() + size_t(n * d));
  for (int64_t i = 0; i < n * d; ++i) {
    const uint16_t h = formats::fp32_to_fp16(pairs.keys[size_t(i)]);
    s.keys.push_back(h);
    rounded[size_t(i)] = formats::fp16_to_fp32(h);
  }
  for (int64_t i = 0; i < n; ++i) {
    const int32_t src = source_of_seq(pairs.sequence[size_t(i)]);
    s.values.push_back(pairs.values[size_t(i)]);
    s.source_ids.push_back(src);
    new_ids[size_t(i)] = s.m.next_id++;
    s.ids.push_back(new_ids[size_t(i)]);
    ++s.m.sources[size_t(src)].entries;
  }
  s.m.entries += n;
  if (s.index) s.index->add_with_ids(n, rounded.data(), new_ids.data());
}

// Appends the teacher-forced pairs of an encoded corpus under each text's own
// source, and counts the texts (and their languages) per source.
void append_texts(Datastore::Impl& s, const TokenPairs& pairs, const Encoded& enc,
                  const std::vector<CorpusText>& texts, std::vector<float>& rounded) {
  append(s, pairs, [&](int64_t seq) { return s.source_index(texts[enc.text_of_seq[size_t(seq)]].source); }, rounded);
  for (size_t i = 0; i < enc.seqs.size(); ++i) {
    const CorpusText& t = texts[enc.text_of_seq[i]];
    auto& si = s.m.sources[size_t(s.source_index(t.source))];
    ++si.texts;
    ++si.langs[t.lang];
  }
}

// A new, empty store for `dir`, after the checks every build makes.
std::unique_ptr<Datastore::Impl> new_store(const engine::Model& model, const BuildOptions& options,
                                           const std::string& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec)) throw DetoxError(dir + ": already exists (remove it, or open it and add texts)");
  if (model.config().context_length > 0 && options.block > model.config().context_length)
    throw DetoxError("datastore: block " + std::to_string(options.block) + " exceeds the model's context length " +
                     std::to_string(model.config().context_length));
  plan_windows(2, options.block, options.stride);  // validates block and stride before any work
  auto s = std::make_unique<Datastore::Impl>();
  s->model = &model;
  s->dir = dir;
  s->m.model = ModelFingerprint::of(model);
  s->m.dim = model.config().hidden;
  s->m.index = options.index;
  s->m.block = options.block;
  s->m.stride = options.stride;
  return s;
}

template <class T>
void write_array(const fs::path& p, const std::vector<T>& v) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(v.data()), std::streamsize(v.size() * sizeof(T)));
  out.close();
  if (!out) throw DetoxError(p.string() + ": cannot write");
}

template <class T>
std::vector<T> read_array(const fs::path& p, int64_t count) {
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) throw DetoxError(p.string() + ": missing");
  const auto size = fs::file_size(p, ec);
  const uint64_t want = uint64_t(count) * sizeof(T);
  if (ec || size != want)
    throw DetoxError(p.string() + ": corrupt: " + std::to_string(size) + " bytes, the manifest implies " +
                     std::to_string(want));
  std::vector<T> v(static_cast<size_t>(count));
  std::ifstream in(p, std::ios::binary);
  in.read(reinterpret_cast<char*>(v.data()), std::streamsize(want));
  if (!in) throw DetoxError(p.string() + ": cannot read");
  return v;
}

// Writes the whole store into DIR.tmp-XXXXXX, then puts it in DIR's place: a
// crash leaves only the temporary directory, which open() never accepts.
void write_store(const Datastore::Impl& s, const std::string& dir) {
  fs::path target(dir);
  if (!target.has_filename()) target = target.parent_path();
  std::error_code ec;
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  std::string tmpl = target.string() + ".tmp-XXXXXX";
  if (!mkdtemp(tmpl.data()))
    throw DetoxError(tmpl + ": cannot create temporary directory: " + std::strerror(errno));
  const fs::path tmp(tmpl);
  try {
    write_array(tmp / file::kKeys, s.keys);
    write_array(tmp / file::kValues, s.values);
    write_array(tmp / file::kSources, s.source_ids);
    write_array(tmp / file::kIds, s.ids);
    try {
      faiss::write_index(s.index.get(), (tmp / file::kIndex).c_str());
    } catch (const faiss::FaissException& e) {
      throw DetoxError((tmp / file::kIndex).string() + ": cannot write: " + e.what());
    }
    // The manifest goes last: a directory without it is not a store.
    std::ofstream out(tmp / file::kManifest, std::ios::trunc);
    out << s.m.to_json().dump(2) << "\n";
    out.close();
    if (!out) throw DetoxError((tmp / file::kManifest).string() + ": cannot write");
    if (fs::exists(target, ec)) {
      std::string old = target.string() + ".old-XXXXXX";
      if (!mkdtemp(old.data())) throw DetoxError(old + ": cannot create: " + std::strerror(errno));
      fs::remove(old, ec);
      fs::rename(target, old, ec);
      if (ec) throw DetoxError(target.string() + ": cannot move aside: " + ec.message());
      fs::rename(tmp, target, ec);
      if (ec) {
        std::error_code ec2;
        fs::rename(old, target, ec2);
        throw DetoxError(target.string() + ": cannot replace: " + ec.message());
      }
      fs::remove_all(old, ec);
    } else {
      fs::rename(tmp, target, ec);
      if (ec) throw DetoxError(target.string() + ": cannot create: " + ec.message());
    }
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
}

// Trains the index on the store's (rounded) keys where it needs training, adds
// them all, and writes the store's directory.
void index_and_write(Datastore::Impl& s, const std::vector<float>& rounded) {
  s.index = make_index(s.m.index, s.m.dim, rounded);
  s.index->add_with_ids(int64_t(s.ids.size()), rounded.data(), s.ids.data());
  write_store(s, s.dir);
}

}  // namespace

Datastore::Datastore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Datastore::Datastore(Datastore&&) noexcept = default;
Datastore& Datastore::operator=(Datastore&&) noexcept = default;
Datastore::~Datastore() = default;

Datastore Datastore::build(const engine::Model& model, const std::vector<CorpusText>& texts,
                           const BuildOptions& options, const std::string& dir) {
  if (texts.empty()) throw DetoxError(dir + ": cannot build a datastore from an empty corpus");
  auto s = new_store(model, options, dir);
  AddResult res;
  const Encoded enc = encode(*s, texts, res);
  if (enc.seqs.empty())
    throw DetoxError(dir + ": all " + std::to_string(texts.size()) +
                     " texts are shorter than two tokens; nothing to store");
  const TokenPairs pairs = teacher_force(model, enc.seqs, options.block, options.stride, options.batch);
  std::vector<float> rounded;
  append_texts(*s, pairs, enc, texts, rounded);
  index_and_write(*s, rounded);
  return Datastore(std::move(s));
}

Datastore Datastore::from_pairs(const engine::Model& model, const TokenPairs& pairs, const std::string& source,
                                const BuildOptions& options, const std::string& dir) {
  if (source.empty()) throw DetoxError(dir + ": empty source tag");
  const int64_t n = pairs.size(), d = model.config().hidden, vocab = model.config().vocab;
  if (n == 0) throw DetoxError(dir + ": cannot build a datastore from no pairs");
  if (pairs.dim != d)
    throw DetoxError(dir + ": pairs have keys of dimension " + std::to_string(pairs.dim) + ", the model's hidden size is " +
                     std::to_string(d));
  if (pairs.keys.size() != size_t(n * d) || pairs.sequence.size() != size_t(n))
    throw DetoxError(dir + ": pairs hold " + std::to_string(n) + " values but " + std::to_string(pairs.keys.size()) +
                     " key floats and " + std::to_string(pairs.sequence.size()) + " sequence ids (need n * " +
                     std::to_string(d) + " and n)");
  for (int64_t i = 0; i < n; ++i)
    if (pairs.values[size_t(i)] < 0 || pairs.values[size_t(i)] >= vocab)
      throw DetoxError(dir + ": pair " + std::to_string(i) + ": token " + std::to_string(pairs.values[size_t(i)]) +
                       " outside the vocabulary (" + std::to_string(vocab) + ")");
  for (size_t i = 0; i < pairs.keys.size(); ++i)
    if (!std::isfinite(pairs.keys[i]))
      throw DetoxError(dir + ": pair " + std::to_string(int64_t(i) / d) + ": key is not finite");
  auto s = new_store(model, options, dir);
  const int32_t src = s->source_index(source);
  std::vector<float> rounded;
  append(*s, pairs, [src](int64_t) { return src; }, rounded);
  // The texts behind the pairs are unknown here: count their distinct sequences.
  std::vector<int64_t> seqs(pairs.sequence);
  std::sort(seqs.begin(), seqs.end());
  s->m.sources[size_t(src)].texts = int64_t(std::unique(seqs.begin(), seqs.end()) - seqs.begin());
  index_and_write(*s, rounded);
  return Datastore(std::move(s));
}

Datastore Datastore::open(const std::string& dir, const engine::Model& model) {
  const fs::path d(dir);
  std::error_code ec;
  if (!fs::is_directory(d, ec)) throw DetoxError(dir + ": no datastore directory");
  const fs::path mp = d / file::kManifest;
  if (!fs::is_regular_file(mp, ec))
    throw DetoxError(mp.string() + ": missing: not a datastore (or an unfinished build)");
  nlohmann::json j;
  {
    std::ifstream in(mp);
    try {
      j = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
      throw DetoxError(mp.string() + ": corrupt: not JSON (" + std::string(e.what()) + ")");
    }
  }
  auto s = std::make_unique<Impl>();
  s->model = &model;
  s->dir = dir;
  s->m = DatastoreManifest::from_json(j, mp.string());
  const ModelFingerprint here = ModelFingerprint::of(model);
  if (!(s->m.model == here))
    throw DetoxError(mp.string() + ": datastore built with model " + s->m.model.describe() +
                     ", but the loaded model is " + here.describe() + "; rebuild the datastore with this model");
  if (s->m.layer != "ffn_input:last")
    throw DetoxError(mp.string() + ": field 'layer': '" + s->m.layer + "' (this build stores ffn_input:last)");
  if (s->m.dim != model.config().hidden)
    throw DetoxError(mp.string() + ": field 'dim': " + std::to_string(s->m.dim) + ", model hidden size " +
                     std::to_string(model.config().hidden));

  const int64_t n = s->m.entries;
  s->keys = read_array<uint16_t>(d / file::kKeys, n * s->m.dim);
  s->values = read_array<int32_t>(d / file::kValues, n);
  s->source_ids = read_array<int32_t>(d / file::kSources, n);
  s->ids = read_array<int64_t>(d / file::kIds, n);
  for (int64_t i = 0; i < n; ++i) {
    const auto at = " at entry " + std::to_string(i);
    if (s->values[size_t(i)] < 0 || s->values[size_t(i)] >= model.config().vocab)
      throw DetoxError((d / file::kValues).string() + ": corrupt: token " + std::to_string(s->values[size_t(i)]) +
                       at + " outside the vocabulary");
    if (s->source_ids[size_t(i)] < 0 || size_t(s->source_ids[size_t(i)]) >= s->m.sources.size())
      throw DetoxError((d / file::kSources).string() + ": corrupt: source " +
                       std::to_string(s->source_ids[size_t(i)]) + at + " not in the manifest");
    if ((i > 0 && s->ids[size_t(i)] <= s->ids[size_t(i - 1)]) || s->ids[size_t(i)] >= s->m.next_id)
      throw DetoxError((d / file::kIds).string() + ": corrupt: ids not ascending below next_id" + at);
  }
  const fs::path ip = d / file::kIndex;
  if (!fs::is_regular_file(ip, ec)) throw DetoxError(ip.string() + ": missing");
  faiss::Index* raw = nullptr;
  try {
    raw = faiss::read_index(ip.c_str());
  } catch (const std::exception& e) {
    throw DetoxError(ip.string() + ": corrupt: " + e.what());
  }
  s->index.reset(dynamic_cast<faiss::IndexIDMap2*>(raw));
  if (!s->index) {
    delete raw;
    throw DetoxError(ip.string() + ": corrupt: not an id-mapped faiss index");
  }
  if (s->index->d != s->m.dim || s->index->ntotal != n)
    throw DetoxError(ip.string() + ": corrupt: index holds " + std::to_string(s->index->ntotal) + " vectors of " +
                     std::to_string(s->index->d) + " dims, the manifest " + std::to_string(n) + " of " +
                     std::to_string(s->m.dim));
  const bool ivf = dynamic_cast<faiss::IndexIVF*>(s->index->index) != nullptr;
  if (ivf != (s->m.index.kind == IndexKind::IvfPq))
    throw DetoxError(ip.string() + ": corrupt: index kind differs from the manifest's '" +
                     index_kind_name(s->m.index.kind) + "'");
  s->set_nprobe();
  return Datastore(std::move(s));
}

AddResult Datastore::add(const std::vector<CorpusText>& texts) {
  Impl& s = *impl_;
  if (texts.empty()) throw DetoxError(s.dir + ": nothing to add: empty corpus");
  AddResult res;
  const Encoded enc = encode(s, texts, res);
  if (enc.seqs.empty())
    throw DetoxError(s.dir + ": all " + std::to_string(texts.size()) +
                     " added texts are shorter than two tokens; nothing to add");
  const TokenPairs pairs = teacher_force(*s.model, enc.seqs, s.m.block, s.m.stride);
  std::vector<float> rounded;
  append_texts(s, pairs, enc, texts, rounded);
  res.texts = int64_t(enc.seqs.size());
  res.entries = pairs.size();
  return res;
}

int64_t Datastore::remove_source(const std::string& tag) {
  Impl& s = *impl_;
  int32_t src = -1;
  for (size_t i = 0; i < s.m.sources.size(); ++i)
    if (s.m.sources[i].tag == tag) src = int32_t(i);
  if (src < 0) {
    std::string known;
    for (const auto& si : s.m.sources) known += (known.empty() ? "" : ", ") + si.tag;
    throw DetoxError(s.dir + ": no source '" + tag + "' (sources: " + known + ")");
  }
  std::vector<int64_t> gone;
  size_t w = 0;
  const size_t d = size_t(s.m.dim);
  for (size_t r = 0; r < s.ids.size(); ++r) {
    if (s.source_ids[r] == src) {
      gone.push_back(s.ids[r]);
      continue;
    }
    // Compact in place, renumbering sources above the removed one.
    s.ids[w] = s.ids[r];
    s.values[w] = s.values[r];
    s.source_ids[w] = s.source_ids[r] > src ? s.source_ids[r] - 1 : s.source_ids[r];
    if (w != r) std::copy_n(s.keys.begin() + std::ptrdiff_t(r * d), d, s.keys.begin() + std::ptrdiff_t(w * d));
    ++w;
  }
  s.ids.resize(w);
  s.values.resize(w);
  s.source_ids.resize(w);
  s.keys.resize(w * d);
  if (!gone.empty()) {
    faiss::IDSelectorBatch sel(gone.size(), gone.data());
    const size_t removed = s.index->remove_ids(sel);
    if (removed != gone.size())
      throw DetoxError(s.dir + ": index removed " + std::to_string(removed) + " of " + std::to_string(gone.size()) +
                       " entries of source '" + tag + "'");
  }
  s.m.sources.erase(s.m.sources.begin() + src);
  s.m.entries -= int64_t(gone.size());
  return int64_t(gone.size());
}

void Datastore::save() { write_store(*impl_, impl_->dir); }

void Datastore::set_nprobe(int64_t nprobe) {
  if (nprobe < 1) throw DetoxError(impl_->dir + ": nprobe must be >= 1, got " + std::to_string(nprobe));
  if (auto* ivf = dynamic_cast<faiss::IndexIVF*>(impl_->index->index)) ivf->nprobe = size_t(nprobe);
}

SearchResult Datastore::search(const float* queries, int64_t n, int64_t k) const {
  const Impl& s = *impl_;
  if (k < 1 || k > s.m.entries)
    throw DetoxError(s.dir + ": k " + std::to_string(k) + " must be in 1.." + std::to_string(s.m.entries) +
                     " (the store holds " + std::to_string(s.m.entries) + " entries)");
  SearchResult r;
  r.n = n;
  r.k = k;
  r.distances.resize(size_t(n * k));
  r.tokens.assign(size_t(n * k), -1);
  if (n == 0) return r;
  std::vector<int64_t> labels(size_t(n * k));
  // faiss scans a Flat index one query at a time below 20 queries, reading the
  // whole store per query; a decoding step has 1-32. From 2 queries on, one
  // matrix product over the batch reads it once (measured on 100k x 640: 16
  // queries 512 -> 105 ms; a single query stays faster on the scan).
  static const bool blas_for_small_batches = [] {
    faiss::distance_compute_blas_threshold = 2;
    return true;
  }();
  (void)blas_for_small_batches;
  s.index->search(n, queries, k, r.distances.data(), labels.data());
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0) continue;
    const auto it = std::lower_bound(s.ids.begin(), s.ids.end(), labels[i]);
    if (it == s.ids.end() || *it != labels[i])
      throw DetoxError(s.dir + ": index returned id " + std::to_string(labels[i]) + " that the store lacks");
    r.tokens[i] = s.values[size_t(it - s.ids.begin())];
  }
  return r;
}

const DatastoreManifest& Datastore::stats() const { return impl_->m; }
int64_t Datastore::entries() const { return impl_->m.entries; }
int64_t Datastore::dim() const { return impl_->m.dim; }
const std::string& Datastore::dir() const { return impl_->dir; }

std::vector<float> Datastore::key(int64_t row) const {
  const Impl& s = *impl_;
  if (row < 0 || row >= s.m.entries) throw DetoxError(s.dir + ": entry " + std::to_string(row) + " out of range");
  std::vector<float> out(size_t(s.m.dim));
  for (int64_t i = 0; i < s.m.dim; ++i) out[size_t(i)] = formats::fp16_to_fp32(s.keys[size_t(row * s.m.dim + i)]);
  return out;
}

int32_t Datastore::value(int64_t row) const {
  if (row < 0 || row >= impl_->m.entries) throw DetoxError(impl_->dir + ": entry " + std::to_string(row) + " out of range");
  return impl_->values[size_t(row)];
}

const std::string& Datastore::source_of(int64_t row) const {
  if (row < 0 || row >= impl_->m.entries) throw DetoxError(impl_->dir + ": entry " + std::to_string(row) + " out of range");
  return impl_->m.sources[size_t(impl_->source_ids[size_t(row)])].tag;
}

}  // namespace polysafe::detox
