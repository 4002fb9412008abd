#include "judge/toxicity_scorer.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fasttext/fasttext.h>

#include "judge/binary_metrics.h"
#include "lang/fasttext_model_file.h"
#include "lang/lang_error.h"
#include "judge/judge_error.h"
#include "judge/toxicity_text.h"
#include "util/mapped_file.h"
#include "util/sha256.h"

namespace polysafe::judge {

namespace fs = std::filesystem;

namespace {

constexpr const char* kFormat = "polysafe-toxicity-scorer";
constexpr const char* kToxic = "__label__1";
constexpr const char* kClean = "__label__0";

// fastText adds 1e-5 inside its log (Model::std_log), so probabilities below
// that carry no information; the log-odds are thus bounded by about +-11.5.
constexpr double kProbFloor = 1e-5;

std::string cache_home() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return x;
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache";
  return ".cache";
}

// FNV-1a: a stable hash (std::hash is not) for carving a calibration split.
uint64_t fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// A temp path unique to this process and call; removed when the guard dies.
struct TempFile {
  std::string path;
  explicit TempFile(const std::string& tag) {
    static std::atomic<int> counter{0};
    path = (fs::temp_directory_path() /
            ("polysafe-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++)))
               .string();
  }
  ~TempFile() {
    std::error_code ec;
    fs::remove(path, ec);
  }
};

}  // namespace

std::string toxicity_model_prefix(const std::string& path) {
  for (const char* ext : {".json", ".bin", ".ftz"})
    if (path.size() > std::string(ext).size() && path.compare(path.size() - strlen(ext), strlen(ext), ext) == 0)
      return path.substr(0, path.size() - strlen(ext));
  return path;
}

std::string ToxicityScorer::default_model_path() {
  if (const char* env = std::getenv("POLYSAFE_TOXICITY_MODEL"); env && *env) return env;
  return cache_home() + "/polysafe/toxicity/default";
}

struct ToxicityScorer::Impl {
  fasttext::FastText ft;
  PlattScaling platt;
  nlohmann::json meta;

  double raw(std::string_view text) const {
    std::istringstream in(fasttext_input_line(text) + "\n");
    std::vector<std::pair<fasttext::real, std::string>> preds;
    try {
      ft.predictLine(in, preds, 2, 0.0);
    } catch (const std::exception&) {
      return 0.0;  // cannot happen on a well-formed line; keep the "never throws on text" promise
    }
    double p1 = kProbFloor, p0 = kProbFloor;
    for (const auto& [p, label] : preds) {
      if (label == kToxic) p1 = std::max<double>(p, kProbFloor);
      else if (label == kClean) p0 = std::max<double>(p, kProbFloor);
    }
    return std::log(p1) - std::log(p0);
  }
};

ToxicityScorer::ToxicityScorer() : impl_(std::make_unique<Impl>()) {}
ToxicityScorer::~ToxicityScorer() = default;
ToxicityScorer::ToxicityScorer(ToxicityScorer&&) noexcept = default;
ToxicityScorer& ToxicityScorer::operator=(ToxicityScorer&&) noexcept = default;

ToxicityScorer ToxicityScorer::train(const std::vector<LabeledText>& train_rows,
                                     const std::vector<LabeledText>& calibration_rows,
                                     const ToxicityTrainOptions& o, const nlohmann::json& data_info) {
  if (o.loss != "softmax" && o.loss != "ova")
    throw JudgeError("toxicity scorer: loss must be 'softmax' or 'ova', got '" + o.loss + "'");
  if (o.dim < 1 || o.epoch < 1 || !(o.lr > 0) || o.word_ngrams < 1 || o.minn < 0 || o.maxn < o.minn ||
      o.bucket < 1 || o.threads < 1)
    throw JudgeError("toxicity scorer: invalid training options (need dim, epoch, lr, word-ngrams, bucket, "
                     "threads > 0 and 0 <= minn <= maxn)");
  auto started = std::chrono::steady_clock::now();

  // Calibration rows: the given split, or 1 in 8 training rows by text hash.
  std::vector<const LabeledText*> fit, cal;
  bool carved = calibration_rows.empty();
  for (const auto& r : train_rows) {
    if (r.label != 0 && r.label != 1) throw JudgeError("toxicity scorer: training label must be 0 or 1");
    (carved && fnv1a(r.text) % 8 == 0 ? cal : fit).push_back(&r);
  }
  for (const auto& r : calibration_rows) cal.push_back(&r);
  size_t fit_pos = 0, cal_pos = 0;
  for (auto* r : fit) fit_pos += r->label;
  for (auto* r : cal) cal_pos += r->label;
  if (fit_pos == 0 || fit_pos == fit.size())
    throw JudgeError("toxicity scorer: training data needs both labels (" + std::to_string(fit_pos) + " toxic of " +
                     std::to_string(fit.size()) + ")");
  if (cal_pos == 0 || cal_pos == cal.size())
    throw JudgeError("toxicity scorer: calibration data needs both labels (" + std::to_string(cal_pos) +
                     " toxic of " + std::to_string(cal.size()) + ")");

  TempFile input("toxicity-train");
  {
    std::ofstream out(input.path, std::ios::binary);
    if (!out) throw JudgeError(input.path + ": cannot write the fastText training file");
    for (auto* r : fit) out << (r->label ? kToxic : kClean) << ' ' << fasttext_input_line(r->text) << '\n';
    if (!out) throw JudgeError(input.path + ": write failed");
  }

  fasttext::Args args;
  args.input = input.path;
  args.model = fasttext::model_name::sup;
  args.loss = o.loss == "ova" ? fasttext::loss_name::ova : fasttext::loss_name::softmax;
  args.dim = o.dim;
  args.epoch = o.epoch;
  args.lr = o.lr;
  args.wordNgrams = o.word_ngrams;
  args.minn = o.minn;
  args.maxn = o.maxn;
  args.bucket = o.bucket;
  args.minCount = o.min_count;
  args.thread = o.threads;
  args.seed = o.seed;
  args.verbose = 0;

  ToxicityScorer s;
  try {
    s.impl_->ft.train(args);
    if (o.quantize) {
      fasttext::Args q = args;
      q.qnorm = true;
      q.retrain = false;
      q.cutoff = o.quantize_cutoff;
      q.dsub = 2;
      s.impl_->ft.quantize(q);
    }
  } catch (const JudgeError&) {
    throw;
  } catch (const std::exception& e) {
    throw JudgeError(std::string("toxicity scorer: fastText training failed: ") + e.what());
  }

  // Platt scaling on the held-out rows; ECE before uses fastText's own
  // probability, i.e. sigma(raw log-odds).
  std::vector<double> f, before, after;
  std::vector<int> y;
  for (auto* r : cal) {
    f.push_back(s.impl_->raw(r->text));
    y.push_back(r->label);
  }
  s.impl_->platt = fit_platt(f, y);
  for (double v : f) {
    before.push_back(sigmoid(v));
    after.push_back(s.impl_->platt.apply(v));
  }
  CalibrationSummary cs;
  cs.n = cal.size();
  cs.positives = cal_pos;
  cs.carved_from_train = carved;
  cs.ece_before = expected_calibration_error(before, y, 10);
  cs.ece_after = expected_calibration_error(after, y, 10);
  cs.auc = roc_auc(f, y);

  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  auto& m = s.impl_->meta;
  m["format"] = kFormat;
  m["version"] = kFormatVersion;
  m["created_by"] = std::string("polysafe ") + POLYSAFE_VERSION;
  m["model"] = {{"kind", "fasttext-supervised"},
                {"labels", {{"toxic", kToxic}, {"non_toxic", kClean}}},
                {"input", "judge::fasttext_input_line (lower-cased, punctuation split)"},
                {"quantized", o.quantize}};
  m["training"] = {{"dim", o.dim},           {"epoch", o.epoch},       {"lr", o.lr},
                   {"word_ngrams", o.word_ngrams}, {"minn", o.minn},  {"maxn", o.maxn},
                   {"bucket", o.bucket},     {"min_count", o.min_count}, {"loss", o.loss},
                   {"threads", o.threads},   {"seed", o.seed},         {"quantize_cutoff", o.quantize_cutoff},
                   {"rows", fit.size()},     {"toxic_rows", fit_pos},  {"seconds", seconds}};
  m["calibration"] = {{"method", cs.method},
                      {"reference", "Platt 1999, Probabilistic outputs for support vector machines; "
                                    "Newton fit after Lin, Lin & Weng 2007"},
                      {"a", s.impl_->platt.a},
                      {"b", s.impl_->platt.b},
                      {"feature", "log p(toxic) - log p(non-toxic) from fastText"},
                      {"rows", cs.n},
                      {"toxic_rows", cs.positives},
                      {"carved_from_train", cs.carved_from_train},
                      {"ece10_before", cs.ece_before},
                      {"ece10_after", cs.ece_after},
                      {"auc", cs.auc}};
  m["data"] = data_info.is_null() ? nlohmann::json::object() : data_info;
  return s;
}

ToxicityScorer::ToxicityScorer(const std::string& path) : impl_(std::make_unique<Impl>()) {
  std::string prefix = toxicity_model_prefix(path);
  std::string sidecar = prefix + ".json";
  std::error_code ec;
  if (!fs::exists(sidecar, ec))
    throw JudgeError(sidecar + ": toxicity model not found (train one with `polysafe scorer train`, or run "
                     "scripts/build-default-scorer.sh for the default)");
  auto& m = impl_->meta;
  try {
    m = nlohmann::json::parse(read_text_file(sidecar));
  } catch (const nlohmann::json::exception& e) {
    throw JudgeError(sidecar + ": not JSON (" + e.what() + ")");
  }
  auto field = [&](const char* obj, const char* key) -> const nlohmann::json& {
    std::string name = std::string(obj) + (obj[0] ? "." : "") + key;
    const nlohmann::json* o = obj[0] ? (m.contains(obj) ? &m[obj] : nullptr) : &m;
    if (!o || !o->is_object() || !o->contains(key)) throw JudgeError(sidecar + ": field '" + name + "': missing");
    return (*o)[key];
  };
  if (field("", "format") != kFormat)
    throw JudgeError(sidecar + ": field 'format': expected \"" + kFormat + "\", got " + field("", "format").dump());
  const auto& ver = field("", "version");
  if (!ver.is_number_integer() || ver.get<int>() < 1 || ver.get<int>() > kFormatVersion)
    throw JudgeError(sidecar + ": field 'version': unsupported " + ver.dump() + " (this build reads 1.." +
                     std::to_string(kFormatVersion) + ")");
  const auto& a = field("calibration", "a");
  const auto& b = field("calibration", "b");
  if (!a.is_number() || !b.is_number() || !std::isfinite(a.get<double>()) || !std::isfinite(b.get<double>()))
    throw JudgeError(sidecar + ": field 'calibration.a'/'calibration.b': expected finite numbers");
  impl_->platt = {a.get<double>(), b.get<double>()};
  const auto& file = field("model", "file");
  const auto& sha = field("model", "sha256");
  if (!file.is_string() || !sha.is_string())
    throw JudgeError(sidecar + ": field 'model.file'/'model.sha256': expected strings");
  std::string bin = (fs::path(sidecar).parent_path() / file.get<std::string>()).string();
  if (!fs::exists(bin, ec)) throw JudgeError(bin + ": fastText model named by " + sidecar + " not found");
  std::string actual = sha256_file_hex(bin);
  if (actual != sha.get<std::string>())
    throw JudgeError(bin + ": sha256 " + actual + " does not match " + sidecar + " (" + sha.get<std::string>() +
                     "): corrupt or replaced model");
  lang::FastTextModelInfo info;
  try {
    info = lang::check_fasttext_model_file(bin);  // libfasttext trusts its input
  } catch (const lang::LangError& e) {
    throw JudgeError(e.what());  // a scorer model is the judge's file: its error type
  }
  if (!info.supervised || info.nlabels != 2)
    throw JudgeError(bin + ": expected a supervised fastText model with 2 labels, got " +
                     std::to_string(info.nlabels) + " labels");
  try {
    impl_->ft.loadModel(bin);
  } catch (const std::exception& e) {
    throw JudgeError(bin + ": cannot load fastText model: " + e.what());
  }
  if (impl_->ft.getLabelId(kToxic) < 0 || impl_->ft.getLabelId(kClean) < 0)
    throw JudgeError(bin + ": fastText model lacks the labels " + kToxic + " and " + kClean);
}

void ToxicityScorer::save(const std::string& path) const {
  std::string prefix = toxicity_model_prefix(path);
  fs::path dir = fs::path(prefix).parent_path();
  std::error_code ec;
  if (!dir.empty()) fs::create_directories(dir, ec);
  bool quant = impl_->ft.isQuant();
  std::string bin = prefix + (quant ? ".ftz" : ".bin");
  std::string tmp_bin = bin + ".tmp" + std::to_string(::getpid());
  try {
    impl_->ft.saveModel(tmp_bin);
  } catch (const std::exception& e) {
    fs::remove(tmp_bin, ec);
    throw JudgeError(bin + ": cannot write fastText model: " + e.what());
  }
  nlohmann::json m = impl_->meta;
  m["model"]["file"] = fs::path(bin).filename().string();
  m["model"]["sha256"] = sha256_file_hex(tmp_bin);
  m["model"]["bytes"] = fs::file_size(tmp_bin, ec);
  m["model"]["quantized"] = quant;
  m["calibration"]["a"] = impl_->platt.a;
  m["calibration"]["b"] = impl_->platt.b;
  std::string sidecar = prefix + ".json";
  std::string tmp_json = sidecar + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(tmp_json, std::ios::binary);
    out << m.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    if (!out) {
      fs::remove(tmp_bin, ec);
      throw JudgeError(tmp_json + ": cannot write");
    }
  }
  fs::rename(tmp_bin, bin, ec);
  if (!ec) fs::rename(tmp_json, sidecar, ec);
  if (ec) throw JudgeError(sidecar + ": cannot install model files: " + ec.message());
  // The other flavour left by an earlier save would be stale; the sidecar names the live one.
  fs::remove(prefix + (quant ? ".bin" : ".ftz"), ec);
  impl_->meta = m;
}

double ToxicityScorer::raw_score(std::string_view text) const { return impl_->raw(text); }

double ToxicityScorer::score(std::string_view text) const { return impl_->platt.apply(impl_->raw(text)); }

std::vector<double> ToxicityScorer::score_batch(const std::vector<std::string>& texts, int threads) const {
  std::vector<double> out(texts.size());
  if (threads <= 0) threads = int(std::clamp(std::thread::hardware_concurrency(), 1u, 8u));
  threads = int(std::min<size_t>(size_t(threads), std::max<size_t>(1, texts.size() / 64)));
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < texts.size();) out[i] = score(texts[i]);
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& th : pool) th.join();
  return out;
}

const PlattScaling& ToxicityScorer::calibration() const { return impl_->platt; }
const nlohmann::json& ToxicityScorer::metadata() const { return impl_->meta; }

}  // namespace polysafe::judge
