// Goodtriever speed benchmark (not a test; docs/benchmarks.md), on Gemma 3 270M:
//  1. datastore build throughput: real RTP-LX prompts in eight languages
//     teacher-forced into a toxic and a non-toxic Flat store (a few thousand
//     entries each), through Datastore::build;
//  2. decoding cost per generated token of plain sampling vs Goodtriever (toxic +
//     non-toxic store, k 1024, lambda 2, T 100, top-p 0.9) for each store size,
//     index and batch, measured back to back in this process; the ratio matters.
// The large stores are SYNTHETIC: step 1's real keys replicated with small
// Gaussian perturbations (teacher-forcing 1M tokens takes hours on 2 cores).
// Search cost depends on entries, dimension and index, not on where keys came
// from, but the neighbour structure (clouds of near-copies) is not realistic.
#include <omp.h>
#include <stdlib.h>  // mkdtemp, setenv
#include <sys/resource.h>
#include <unistd.h>  // execv

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "detox/datastore.h"
#include "detox/goodtriever.h"
#include "detox/teacher_forcing.h"
#include "engine/generator.h"
#include "engine/model.h"
#include "tokenizer/tokenizer.h"
#include "util/jsonl.h"

using namespace polysafe;
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// The languages whose RTP-LX prompts feed the stores and the decoding prompts.
const std::vector<std::pair<std::string, std::string>> kLangs = {
    {"EN", "en"}, {"ES", "es"}, {"DE", "de"}, {"FR", "fr"}, {"RU", "ru"}, {"ZH-Hans", "zh"}, {"AR", "ar"}, {"HI", "hi"}};

struct Options {
  std::string model = "gemma3-270m";
  std::vector<int64_t> sizes = {100000, 1000000};
  std::vector<int> batches = {1, 16};
  std::vector<detox::IndexKind> indexes = {detox::IndexKind::Flat, detox::IndexKind::IvfPq};
  size_t tokens = 16;
  int threads = 2;
  int repeat = 1;
  std::string out;        // empty: a temporary directory, removed at the end
  std::string data;       // ../shared/data
  int64_t base_entries = 3000;  // real entries per phase-1 store
  double noise = 0.05;    // perturbation sigma / RMS per-dimension spread of the real keys
  int64_t nlist = 0;      // 0: the power of two nearest 4 * sqrt(entries)
  int64_t m = 64, nbits = 8, nprobe = 32;
  uint64_t seed = 1234;
};

int usage(const std::string& why = "") {
  if (!why.empty()) std::cerr << "bench_detox: " << why << "\n";
  std::cerr << "usage: bench_detox [--quick] [--model NAME] [--sizes 100000,1000000] [--batches 1,16]\n"
               "                   [--indexes flat,ivfpq] [--tokens 16] [--threads 2] [--repeat 1] [--out DIR]\n"
               "                   [--data DIR] [--base-entries 3000] [--noise 0.05] [--nlist N] [--m 64]\n"
               "                   [--nbits 8] [--nprobe 32] [--seed 1234]\n"
               "  --quick: --sizes 100000 --batches 16 (a smoke test)\n"
               "  --out DIR: keep the stores there (and reuse matching ones on the next run)\n";
  return 2;
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string part; std::getline(ss, part, ',');)
    if (!part.empty()) out.push_back(part);
  return out;
}

int64_t parse_int(const std::string& flag, const std::string& v, int64_t lo) {
  size_t used = 0;
  int64_t x = 0;
  try {
    x = std::stoll(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != v.size() || v.empty()) throw std::invalid_argument(flag + ": '" + v + "' is not an integer");
  if (x < lo) throw std::invalid_argument(flag + ": " + v + " is below " + std::to_string(lo));
  return x;
}

Options parse(int argc, char** argv) {
  Options o;
  o.data = std::getenv("POLYSAFE_SHARED_DATA")
               ? std::getenv("POLYSAFE_SHARED_DATA")
               : (fs::path(POLYSAFE_SOURCE_DIR) / ".." / "shared" / "data").lexically_normal().string();
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (k == "--quick") {
      o.sizes = {100000};
      o.batches = {16};
      continue;
    }
    if (i + 1 >= argc) throw std::invalid_argument(k + ": missing value");
    const std::string v = argv[++i];
    if (k == "--model") o.model = v;
    else if (k == "--sizes") {
      o.sizes.clear();
      for (const auto& s : split_commas(v)) o.sizes.push_back(parse_int(k, s, 1));
    } else if (k == "--batches") {
      o.batches.clear();
      for (const auto& s : split_commas(v)) o.batches.push_back(int(parse_int(k, s, 1)));
    } else if (k == "--indexes") {
      o.indexes.clear();
      for (const auto& s : split_commas(v)) {
        if (s == "flat") o.indexes.push_back(detox::IndexKind::Flat);
        else if (s == "ivfpq") o.indexes.push_back(detox::IndexKind::IvfPq);
        else throw std::invalid_argument(k + ": '" + s + "' (expected flat or ivfpq)");
      }
    } else if (k == "--tokens") o.tokens = size_t(parse_int(k, v, 1));
    else if (k == "--threads") o.threads = int(parse_int(k, v, 1));
    else if (k == "--repeat") o.repeat = int(parse_int(k, v, 1));
    else if (k == "--out") o.out = v;
    else if (k == "--data") o.data = v;
    else if (k == "--base-entries") o.base_entries = parse_int(k, v, 300);
    else if (k == "--noise") o.noise = std::stod(v);
    else if (k == "--nlist") o.nlist = parse_int(k, v, 1);
    else if (k == "--m") o.m = parse_int(k, v, 1);
    else if (k == "--nbits") o.nbits = parse_int(k, v, 1);
    else if (k == "--nprobe") o.nprobe = parse_int(k, v, 1);
    else if (k == "--seed") o.seed = uint64_t(parse_int(k, v, 0));
    else throw std::invalid_argument("unknown option " + k);
  }
  if (o.sizes.empty() || o.batches.empty() || o.indexes.empty())
    throw std::invalid_argument("--sizes, --batches and --indexes need at least one value");
  std::sort(o.sizes.begin(), o.sizes.end());
  return o;
}

struct Prompt {
  std::string text;
  double toxicity = 0;
};

std::vector<Prompt> read_rtplx(const std::string& data, const std::string& file) {
  std::vector<Prompt> out;
  const std::string path = data + "/rtp-lx/v0.2_f10b92a/RTP_LX_" + file + ".json";
  jsonl::for_each_record<std::runtime_error>(path, true, [&](const nlohmann::json& j, const std::string& where, size_t) {
    if (!j.contains("Prompt") || !j["Prompt"].is_string())
      throw std::runtime_error(where + ": field 'Prompt': missing or not a string");
    const auto& a = j.value("Annotations", nlohmann::json::object());
    if (!a.contains("Toxicity") || !a["Toxicity"].is_number())
      throw std::runtime_error(where + ": field 'Annotations.Toxicity': missing or not a number");
    out.push_back({j["Prompt"].get<std::string>(), a["Toxicity"].get<double>()});
  });
  return out;
}

int64_t mem_available_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  int64_t kb = 0;
  std::string unit;
  while (in >> key >> kb >> unit)
    if (key == "MemAvailable:") return kb * 1024;
  return -1;
}

// Bytes a pair of stores of n entries needs at the peak (while the second is
// built from its pairs and the first is held): resident per store, plus the
// synthetic pairs (f32 keys) and the fp16-rounded f32 copy the build makes.
int64_t peak_bytes(int64_t n, int64_t d, detox::IndexKind kind, int64_t m, int64_t nbits, int64_t nlist) {
  const int64_t bookkeeping = 4 + 4 + 8 + 8 + 64;  // values, sources, ids, IDMap2 id + reverse map
  int64_t resident = n * (d * 2 + bookkeeping);
  if (kind == detox::IndexKind::Flat) resident += n * d * 4;
  else resident += n * (m * nbits + 7) / 8 + nlist * d * 4;
  const int64_t transient = n * (d * 4 + 12) + n * d * 4;
  return 2 * resident + transient;
}

int64_t auto_nlist(int64_t n) {
  const double target = 4.0 * std::sqrt(double(n));
  int64_t p = 1;
  while (double(p * 2) <= target) p *= 2;
  return (target - double(p) < double(p * 2) - target) ? p : p * 2;
}

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// n pairs from the real ones: copy c = i / B of base entry b = i % B. Copy 0 is
// the real key itself; later copies add N(0, sigma^2) to every dimension (a
// per-row generator, so the result does not depend on the thread count).
detox::TokenPairs replicate(const detox::TokenPairs& base, int64_t n, float sigma, uint64_t seed) {
  detox::TokenPairs p;
  const int64_t d = base.dim, B = base.size();
  p.dim = d;
  p.keys.resize(size_t(n * d));
  p.values.resize(size_t(n));
  p.sequence.resize(size_t(n));
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    const int64_t b = i % B;
    p.values[size_t(i)] = base.values[size_t(b)];
    p.sequence[size_t(i)] = i / B;
    const float* src = base.keys.data() + b * d;
    float* dst = p.keys.data() + i * d;
    if (i < B) {
      std::copy_n(src, d, dst);
      continue;
    }
    uint64_t state = seed ^ (uint64_t(i) * 0xd1342543de82ef95ULL);
    for (int64_t j = 0; j < d; j += 2) {  // Box-Muller: two normals per draw
      const double u1 = (double(splitmix64(state) >> 11) + 1.0) * 0x1.0p-53;
      const double u2 = double(splitmix64(state) >> 11) * 0x1.0p-53;
      const double r = std::sqrt(-2.0 * std::log(u1)), a = 2.0 * M_PI * u2;
      dst[j] = src[j] + sigma * float(r * std::cos(a));
      if (j + 1 < d) dst[j + 1] = src[j + 1] + sigma * float(r * std::sin(a));
    }
  }
  return p;
}

detox::TokenPairs pairs_of(const detox::Datastore& ds) {
  detox::TokenPairs p;
  p.dim = ds.dim();
  for (int64_t r = 0; r < ds.entries(); ++r) {
    const auto k = ds.key(r);
    p.keys.insert(p.keys.end(), k.begin(), k.end());
    p.values.push_back(ds.value(r));
    p.sequence.push_back(0);
  }
  return p;
}

struct Decode {
  double s = 0;
  int64_t tokens = 0;
  double search_s = 0, rule_s = 0;
  double ms_per_token() const { return tokens ? 1e3 * s / double(tokens) : 0; }
};

// Decoding time of `n_new` steps: a (1 + n_new)-token generation minus a
// 1-token one, so prompt prefill and the first step cancel. EOS is ignored, so
// every sequence yields exactly the budget.
Decode measure(const engine::Generator& gen, const std::vector<std::string>& prompts, int batch, size_t n_new,
               uint64_t seed, detox::Goodtriever* gt) {
  engine::GenerateOptions go;
  go.sampling.temperature = 1.0f;
  go.sampling.seed = seed;
  go.ignore_eos = true;
  go.max_batch = batch;
  go.hidden_for_hook = gt != nullptr;  // plain decoding does not capture hidden states (as the CLI)
  const engine::LogitsHook hook = gt ? gt->hook() : engine::LogitsHook{};
  const auto run = [&](size_t n) {
    go.max_new_tokens = n;
    const detox::GoodtrieverTiming before = gt ? gt->timing() : detox::GoodtrieverTiming{};
    const auto t0 = Clock::now();
    const auto res = gen.generate(prompts, go, hook);
    Decode d;
    d.s = seconds_since(t0);
    for (const auto& g : res) d.tokens += int64_t(g.tokens.size());
    if (gt) {
      d.search_s = gt->timing().search_s - before.search_s;
      d.rule_s = gt->timing().combine_s - before.combine_s;
    }
    return d;
  };
  run(1);  // warm-up (first touch of the index pages, buffers)
  const Decode a = run(1), b = run(1 + n_new);
  return {b.s - a.s, b.tokens - a.tokens, b.search_s - a.search_s, b.rule_s - a.rule_s};
}

std::string fmt(double x, int prec) {
  std::ostringstream ss;
  ss << std::fixed << std::setprecision(prec) << x;
  return ss.str();
}

std::string with_commas(int64_t n) {
  std::string s = std::to_string(n), out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i && (s.size() - i) % 3 == 0) out += ',';
    out += s[i];
  }
  return out;
}

void log(const std::string& msg) { std::cerr << "[bench_detox] " << msg << std::endl; }

struct Row {
  int64_t entries;
  std::string index;
  int batch;
  Decode plain, gt;
};

void print_row(std::ostream& out, const Row& r) {
  const double p = r.plain.ms_per_token(), g = r.gt.ms_per_token();
  const double per = r.gt.tokens ? 1e3 / double(r.gt.tokens) : 0;
  out << "| " << with_commas(r.entries) << " | " << r.index << " | " << r.batch << " | " << fmt(p, 1) << " | "
      << fmt(g, 1) << " | " << fmt(p > 0 ? g / p : 0, 2) << " | " << fmt(r.gt.search_s * per, 1) << " | "
      << fmt(r.gt.rule_s * per, 1) << " |\n";
}

const char* kTableHead =
    "| entries per store | index | batch | plain ms/token | Goodtriever ms/token | ratio | search ms/token | rule "
    "ms/token |\n|---:|---|---:|---:|---:|---:|---:|---:|\n";

}  // namespace

int main(int argc, char** argv) {
  // As the CLI does for local-engine commands (src/cli/main.cpp): libgomp spins
  // at barriers unless told otherwise, which distorts timings on a shared
  // machine; it reads the variable at load, so set it and start again.
  if (!std::getenv("OMP_WAIT_POLICY")) {
    setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    execv("/proc/self/exe", argv);
  }
  Options o;
  try {
    o = parse(argc, argv);
  } catch (const std::exception& e) {
    return usage(e.what());
  }
  omp_set_num_threads(o.threads);  // faiss's searches and index training

  fs::path root;
  bool temp_root = o.out.empty();
  try {
    if (temp_root) {
      std::string tmpl = (fs::temp_directory_path() / "bench_detox-XXXXXX").string();
      if (!mkdtemp(tmpl.data())) throw std::runtime_error(tmpl + ": cannot create a temporary directory");
      root = tmpl;
    } else {
      root = o.out;
      fs::create_directories(root);
    }
    log("stores under " + root.string() + (temp_root ? " (temporary, removed at the end)" : " (kept)"));
    log("MemAvailable " + fmt(double(mem_available_bytes()) / (1 << 30), 1) + " GiB, OMP_WAIT_POLICY=" +
        std::getenv("OMP_WAIT_POLICY") + ", threads " + std::to_string(o.threads));

    engine::LoadOptions lo;
    lo.threads = o.threads;
    const auto tl = Clock::now();
    auto model = engine::Model::load(o.model, lo);
    const int64_t d = model->config().hidden;
    log("loaded " + o.model + " (" + model->config().arch_name + ", hidden " + std::to_string(d) + ", vocab " +
        std::to_string(model->config().vocab) + ") in " + fmt(seconds_since(tl), 1) + " s");

    // ---- 1. Real stores: build throughput --------------------------------------------
    std::map<std::string, std::vector<Prompt>> by_lang;
    for (const auto& [file, lang] : kLangs) by_lang[lang] = read_rtplx(o.data, file);
    // Texts round-robin over the languages until `base_entries` entries; the last
    // two prompts of each file are kept back for decoding.
    const auto pick = [&](bool toxic, const std::string& source, int64_t& entries, int64_t& tokens) {
      std::vector<detox::CorpusText> texts;
      std::map<std::string, size_t> next;
      entries = tokens = 0;
      for (bool more = true; more && entries < o.base_entries;) {
        more = false;
        for (const auto& [file, lang] : kLangs) {
          const auto& recs = by_lang[lang];
          size_t& i = next[lang];
          while (i + 2 < recs.size() && !(toxic ? recs[i].toxicity >= 3.0 : recs[i].toxicity <= 1.5)) ++i;
          if (i + 2 >= recs.size()) continue;
          more = true;
          const auto ids = model->tokenizer().encode(recs[i].text, true, false);
          if (ids.size() >= 2) {
            entries += int64_t(ids.size()) - 1;
            tokens += int64_t(ids.size());
          }
          texts.push_back({recs[i].text, lang, source});
          ++i;
          if (entries >= o.base_entries) break;
        }
      }
      return texts;
    };
    struct Built {
      int64_t texts, entries, tokens;
      double s;
    };
    std::vector<detox::Datastore> real;
    std::vector<Built> built;
    for (bool toxic : {true, false}) {
      const std::string name = toxic ? "toxic" : "nontoxic";
      int64_t entries = 0, tokens = 0;
      const auto texts = pick(toxic, "rtplx-" + name, entries, tokens);
      const fs::path dir = root / ("real-" + name);
      fs::remove_all(dir);
      const auto t0 = Clock::now();
      real.push_back(detox::Datastore::build(*model, texts, detox::BuildOptions{}, dir.string()));
      const double s = seconds_since(t0);
      built.push_back({int64_t(texts.size()), real.back().entries(), tokens, s});
      log("built real " + name + " store: " + std::to_string(texts.size()) + " texts, " +
          std::to_string(real.back().entries()) + " entries, " + std::to_string(tokens) + " tokens in " + fmt(s, 1) +
          " s");
    }

    // ---- Synthetic replication parameters ----------------------------------------------
    detox::TokenPairs base_tox = pairs_of(real[0]), base_non = pairs_of(real[1]);
    double sum_var = 0;
    {
      const int64_t n = base_tox.size() + base_non.size();
      std::vector<double> mean(size_t(d), 0), sq(size_t(d), 0);
      for (const auto* p : {&base_tox, &base_non})
        for (int64_t r = 0; r < p->size(); ++r)
          for (int64_t j = 0; j < d; ++j) {
            const double x = p->keys[size_t(r * d + j)];
            mean[size_t(j)] += x;
            sq[size_t(j)] += x * x;
          }
      for (int64_t j = 0; j < d; ++j) {
        const double mu = mean[size_t(j)] / double(n);
        sum_var += sq[size_t(j)] / double(n) - mu * mu;
      }
    }
    const double spread = std::sqrt(sum_var / double(d));
    const float sigma = float(o.noise * spread);
    // How far apart real keys are: squared L2 to the nearest other real key
    // (distance > 0, so identical contexts such as the BOS position are skipped).
    std::vector<float> nn;
    for (int64_t r = 0; r < real[0].entries(); r += std::max<int64_t>(1, real[0].entries() / 200)) {
      const auto q = real[0].key(r);
      const auto res = real[0].search(q.data(), 1, 16);
      for (float dist : res.distances)
        if (dist > 1e-3f) {
          nn.push_back(dist);
          break;
        }
    }
    std::sort(nn.begin(), nn.end());
    const double nn_median = nn.empty() ? 0 : nn[nn.size() / 2];
    const double copy_dist = double(d) * double(sigma) * sigma;
    log("synthetic stores: real keys + N(0, sigma^2), sigma = " + fmt(sigma, 4) + " (" + fmt(o.noise, 3) +
        " x RMS per-dimension spread " + fmt(spread, 3) + "); a copy lies at squared L2 ~" + fmt(copy_dist, 2) +
        " from its original; median squared L2 from a real key to its nearest other real key: " + fmt(nn_median, 2));

    // ---- Decoding prompts ------------------------------------------------------------
    std::vector<std::string> prompts;
    for (const auto& [file, lang] : kLangs) {
      const auto& recs = by_lang[lang];
      for (size_t i = recs.size() - 2; i < recs.size(); ++i) prompts.push_back(recs[i].text);
    }
    engine::Generator gen(*model);

    // ---- 2. Decoding: plain vs Goodtriever ---------------------------------------------
    detox::GoodtrieverParams params;  // k 1024, lambda 2, T 100, top-p 0.9
    std::vector<Row> rows;
    struct StoreBuild {
      int64_t entries;
      std::string index;
      double gen_s, build_s;
      bool reused;
    };
    std::vector<StoreBuild> store_builds;
    std::vector<std::string> notes;
    for (int64_t requested : o.sizes) {
      for (detox::IndexKind kind : o.indexes) {
        const std::string kname = detox::index_kind_name(kind);
        int64_t n = requested;
        const int64_t model_reserve = int64_t(1) << 30;
        const auto fits = [&](int64_t x) {
          const int64_t nl = o.nlist ? o.nlist : auto_nlist(x);
          return peak_bytes(x, d, kind, o.m, o.nbits, nl) + model_reserve <= mem_available_bytes();
        };
        if (!fits(n)) {
          const int64_t step = n >= 200000 ? 100000 : 10000;
          int64_t x = (n / step) * step;
          while (x >= step && !fits(x)) x -= step;
          const int64_t nl = o.nlist ? o.nlist : auto_nlist(n);
          const std::string msg = with_commas(n) + " entries per store (" + kname + ") need ~" +
                                  fmt(double(peak_bytes(n, d, kind, o.m, o.nbits, nl)) / (1 << 30), 1) +
                                  " GiB at the peak, MemAvailable is " +
                                  fmt(double(mem_available_bytes()) / (1 << 30), 1) + " GiB: ";
          if (x < step) {
            notes.push_back(msg + "skipped");
            log(notes.back());
            continue;
          }
          notes.push_back(msg + "using " + with_commas(x) + " instead");
          log(notes.back());
          n = x;
        }
        if (params.k > n) {
          notes.push_back(with_commas(n) + " entries: fewer than k = " + std::to_string(params.k) + ", skipped");
          continue;
        }
        detox::IndexParams ip;
        ip.kind = kind;
        ip.nlist = o.nlist ? o.nlist : auto_nlist(n);
        ip.m = o.m;
        ip.nbits = o.nbits;
        ip.nprobe = o.nprobe;
        std::string tag = std::to_string(n) + "-" + kname;
        if (kind == detox::IndexKind::IvfPq)
          tag += "-nlist" + std::to_string(ip.nlist) + "-m" + std::to_string(ip.m) + "-b" + std::to_string(ip.nbits);
        tag += "-noise" + fmt(o.noise, 3) + "-seed" + std::to_string(o.seed);

        std::vector<detox::Datastore> stores;
        for (int which = 0; which < 2; ++which) {
          const std::string name = which == 0 ? "toxic" : "nontoxic";
          const fs::path dir = root / (name + "-" + tag);
          StoreBuild sb{n, kname, 0, 0, false};
          if (!temp_root && fs::exists(dir)) {
            // A store from an earlier run with the same parameters: reuse it.
            stores.push_back(detox::Datastore::open(dir.string(), *model));
            if (stores.back().entries() != n)
              throw std::runtime_error(dir.string() + ": holds " + std::to_string(stores.back().entries()) +
                                       " entries, expected " + std::to_string(n) + "; remove it");
            sb.reused = true;
            log("reusing " + dir.string());
          } else {
            log("building synthetic " + name + " store: " + with_commas(n) + " entries, " + kname +
                (kind == detox::IndexKind::IvfPq ? " nlist " + std::to_string(ip.nlist) : ""));
            const auto t0 = Clock::now();
            detox::TokenPairs pairs = replicate(which == 0 ? base_tox : base_non, n, sigma, o.seed + uint64_t(which));
            sb.gen_s = seconds_since(t0);
            detox::BuildOptions bo;
            bo.index = ip;
            const auto t1 = Clock::now();
            stores.push_back(detox::Datastore::from_pairs(*model, pairs, "rtplx-replicated", bo, dir.string()));
            sb.build_s = seconds_since(t1);
            log("  generated in " + fmt(sb.gen_s, 1) + " s, indexed and written in " + fmt(sb.build_s, 1) + " s");
          }
          stores.back().set_nprobe(o.nprobe);
          store_builds.push_back(sb);
        }
        detox::Goodtriever gt(stores[0], &stores[1], params);
        for (int batch : o.batches) {
          const std::vector<std::string> ps(prompts.begin(),
                                            prompts.begin() + std::min<size_t>(prompts.size(), size_t(std::max(batch, 4))));
          Row row{n, kname, batch, {}, {}};
          for (int r = 0; r < o.repeat; ++r) {
            const Decode p = measure(gen, ps, batch, o.tokens, o.seed, nullptr);
            const Decode g = measure(gen, ps, batch, o.tokens, o.seed, &gt);
            if (r == 0 || p.ms_per_token() < row.plain.ms_per_token()) row.plain = p;
            if (r == 0 || g.ms_per_token() < row.gt.ms_per_token()) row.gt = g;
          }
          rows.push_back(row);
          std::ostringstream line;
          print_row(line, row);
          log("measured " + line.str().substr(0, line.str().size() - 1));
        }
        stores.clear();
        if (temp_root)
          for (const char* name : {"toxic-", "nontoxic-"}) fs::remove_all(root / (name + tag));
      }
    }

    // ---- Report ---------------------------------------------------------------------
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    std::ostream& out = std::cout;
    out << "# bench_detox: " << o.model << ", " << o.threads << " threads, OMP_WAIT_POLICY="
        << std::getenv("OMP_WAIT_POLICY") << "\n\n";
    out << "## Datastore build (real text, Datastore::build, Flat index)\n\n"
        << "| store | texts | tokens | entries | seconds | tokens/s | entries/s |\n|---|---:|---:|---:|---:|---:|---:|\n";
    const char* names[] = {"toxic (RTP-LX Toxicity >= 3)", "non-toxic (RTP-LX Toxicity <= 1.5)"};
    int64_t all_tokens = 0, all_entries = 0;
    double all_s = 0;
    for (size_t i = 0; i < built.size(); ++i) {
      const auto& b = built[i];
      out << "| " << names[i] << " | " << b.texts << " | " << b.tokens << " | " << b.entries << " | " << fmt(b.s, 1)
          << " | " << fmt(double(b.tokens) / b.s, 1) << " | " << fmt(double(b.entries) / b.s, 1) << " |\n";
      all_tokens += b.tokens;
      all_entries += b.entries;
      all_s += b.s;
    }
    out << "| both | | " << all_tokens << " | " << all_entries << " | " << fmt(all_s, 1) << " | "
        << fmt(double(all_tokens) / all_s, 1) << " | " << fmt(double(all_entries) / all_s, 1) << " |\n\n";
    out << "Languages: ";
    for (size_t i = 0; i < kLangs.size(); ++i) out << (i ? ", " : "") << kLangs[i].first;
    out << ". Tokens = positions forwarded (BOS included); each text yields tokens - 1 entries. Time includes "
           "tokenisation, the Flat index and writing the store.\n\n";
    out << "## Decoding: plain vs Goodtriever\n\n"
        << "SYNTHETIC STORES: each store of N entries replicates the " << base_tox.size() << " (toxic) / "
        << base_non.size() << " (non-toxic) real keys above N / base times; copy 0 is the real key, later copies "
        << "add Gaussian noise with sigma = " << fmt(sigma, 4) << " (" << o.noise
        << " x the RMS per-dimension spread of the real keys, " << fmt(spread, 3)
        << "), i.e. squared L2 ~" << fmt(copy_dist, 2) << " from the original, against a median squared L2 of "
        << fmt(nn_median, 2) << " between a real key and its nearest other real key. Search cost is that of real "
        << "stores of this size; the neighbour structure (clouds of near-copies) is not.\n\n"
        << "Goodtriever: toxic + non-toxic store, k " << params.k << ", lambda " << params.lambda << ", T "
        << params.temperature << ", top-p " << params.top_p << "; IVF-PQ m " << o.m << ", nbits " << o.nbits
        << ", nprobe " << o.nprobe << ", nlist " << (o.nlist ? std::to_string(o.nlist) : "= power of two nearest 4 sqrt(N)")
        << ". Sampling at temperature 1, EOS ignored, " << o.tokens << " new tokens per prompt; max(batch, 4) "
        << "prompts (the last two RTP-LX prompts of each language), max_batch = batch. ms/token = (time of a "
        << (o.tokens + 1) << "-token generation - time of a 1-token one) / tokens generated across the batch "
        << "(so prefill cancels; per-step latency = ms/token x batch); best of " << o.repeat
        << ". search / rule: Goodtriever's own split of its time (both stores' faiss searches / the decoding rule).\n\n";
    out << kTableHead;
    for (const auto& r : rows) print_row(out, r);
    out << "\n| entries per store | index | pairs generated (s per store) | indexed + written (s per store) |\n"
           "|---:|---|---:|---:|\n";
    for (size_t i = 0; i + 1 < store_builds.size(); i += 2) {
      const auto& a = store_builds[i];
      const auto& b = store_builds[i + 1];
      out << "| " << with_commas(a.entries) << " | " << a.index << " | "
          << (a.reused ? "reused" : fmt(a.gen_s, 1) + " / " + fmt(b.gen_s, 1)) << " | "
          << (a.reused ? "reused" : fmt(a.build_s, 1) + " / " + fmt(b.build_s, 1)) << " |\n";
    }
    for (const auto& nt : notes) out << "\nNote: " << nt << "\n";
    out << "\nPeak RSS: " << fmt(double(ru.ru_maxrss) / 1024, 0) << " MiB\n";
  } catch (const std::exception& e) {
    std::cerr << "bench_detox: " << e.what() << "\n";
    if (temp_root && !root.empty()) {
      std::error_code ec;
      fs::remove_all(root, ec);
    }
    return 1;
  }
  if (temp_root) {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  return 0;
}
