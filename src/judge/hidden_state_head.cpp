#include "judge/hidden_state_head.h"

#include <algorithm>
#include <cmath>
#include <fstream>

#include "judge/judge_error.h"
#include "util/sha256.h"

namespace polysafe::judge {

namespace embedded {
extern const unsigned char toxicity_head_json[];
extern const std::size_t toxicity_head_json_size;
}  // namespace embedded

namespace {

std::vector<double> numbers(const nlohmann::json& j, const char* field, const std::string& where) {
  auto it = j.find(field);
  if (it == j.end() || !it->is_array()) throw JudgeError(where + ": field '" + field + "': expected an array of numbers");
  std::vector<double> out;
  out.reserve(it->size());
  for (size_t i = 0; i < it->size(); ++i) {
    const auto& v = (*it)[i];
    if (!v.is_number() || !std::isfinite(v.get<double>()))
      throw JudgeError(where + ": field '" + field + "'[" + std::to_string(i) + "]: expected a finite number");
    out.push_back(v.get<double>());
  }
  return out;
}

// Row r of a nested array (the weights of one output).
std::vector<double> numbers(const nlohmann::json& rows, size_t r, const std::string& where) {
  const auto& v = rows[r];
  const std::string at = where + "[" + std::to_string(r) + "]";
  if (!v.is_array()) throw JudgeError(at + ": expected an array of numbers");
  std::vector<double> out;
  out.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_number() || !std::isfinite(v[i].get<double>()))
      throw JudgeError(at + "[" + std::to_string(i) + "]: expected a finite number");
    out.push_back(v[i].get<double>());
  }
  return out;
}

std::string text(const nlohmann::json& j, const char* field, const std::string& where) {
  auto it = j.find(field);
  if (it == j.end() || !it->is_string() || it->get<std::string>().empty())
    throw JudgeError(where + ": field '" + field + "': expected a non-empty string");
  return it->get<std::string>();
}

double number(const nlohmann::json& j, const char* field, const std::string& where) {
  auto it = j.find(field);
  if (it == j.end() || !it->is_number() || !std::isfinite(it->get<double>()))
    throw JudgeError(where + ": field '" + field + "': expected a finite number");
  return it->get<double>();
}

}  // namespace

HiddenStateHead HiddenStateHead::from_json(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) throw JudgeError(where + ": expected a JSON object (a hidden-state head)");
  if (j.value("format", std::string()) != kFormat)
    throw JudgeError(where + ": field 'format': expected \"" + std::string(kFormat) + "\"");
  if (!j.contains("format_version") || !j["format_version"].is_number_integer() ||
      j["format_version"].get<int>() != kFormatVersion)
    throw JudgeError(where + ": field 'format_version': expected " + std::to_string(kFormatVersion));
  HiddenStateHead h;
  h.task_ = text(j, "task", where);
  h.model_ = text(j, "model", where);
  h.point_ = text(j, "point", where);
  if (h.point_ != "final-norm" && h.point_ != "ffn-input")
    throw JudgeError(where + ": field 'point': expected \"final-norm\" or \"ffn-input\"");
  h.mean_ = numbers(j, "mean", where);
  h.scale_ = numbers(j, "scale", where);
  if (h.mean_.empty()) throw JudgeError(where + ": field 'mean': empty");
  if (h.scale_.size() != h.mean_.size())
    throw JudgeError(where + ": fields 'mean', 'scale': widths differ (" + std::to_string(h.mean_.size()) + ", " +
                     std::to_string(h.scale_.size()) + ")");
  for (size_t i = 0; i < h.scale_.size(); ++i)
    if (!(h.scale_[i] > 0)) throw JudgeError(where + ": field 'scale'[" + std::to_string(i) + "]: must be > 0");
  auto layers = j.find("layers");
  if (layers == j.end() || !layers->is_array() || layers->empty())
    throw JudgeError(where + ": field 'layers': expected a non-empty array");
  size_t width = h.mean_.size();
  for (size_t l = 0; l < layers->size(); ++l) {
    const auto& lj = (*layers)[l];
    const std::string at = where + ": layers[" + std::to_string(l) + "]";
    if (!lj.is_object()) throw JudgeError(at + ": expected an object");
    Layer layer;
    layer.in = width;
    auto w = lj.find("weights");
    if (w == lj.end() || !w->is_array() || w->empty()) throw JudgeError(at + ": field 'weights': expected rows");
    layer.out = w->size();
    for (size_t r = 0; r < w->size(); ++r) {
      auto row = numbers(lj["weights"], r, at + ": field 'weights'");
      if (row.size() != width)
        throw JudgeError(at + ": field 'weights'[" + std::to_string(r) + "]: " + std::to_string(row.size()) +
                         " values, the layer's input is " + std::to_string(width) + " wide");
      layer.weights.insert(layer.weights.end(), row.begin(), row.end());
    }
    auto bias = numbers(lj, "bias", at);
    if (bias.size() != layer.out)
      throw JudgeError(at + ": field 'bias': " + std::to_string(bias.size()) + " values for " +
                       std::to_string(layer.out) + " outputs");
    layer.bias.assign(bias.begin(), bias.end());
    const std::string act = lj.value("activation", std::string("linear"));
    if (act != "relu" && act != "linear")
      throw JudgeError(at + ": field 'activation': expected \"relu\" or \"linear\", got \"" + act + "\"");
    layer.relu = act == "relu";
    width = layer.out;
    h.layers_.push_back(std::move(layer));
  }
  if (width != 1) throw JudgeError(where + ": field 'layers': the last layer must have one output (the logit)");
  auto cal = j.find("calibration");
  if (cal == j.end() || !cal->is_object()) throw JudgeError(where + ": field 'calibration': expected an object");
  h.platt_.a = number(*cal, "a", where + ": calibration");
  h.platt_.b = number(*cal, "b", where + ": calibration");
  h.meta_ = j;
  for (const char* big : {"mean", "scale", "layers"}) h.meta_.erase(big);
  h.version_ = "hidden-" + h.task_ + ":" + h.model_ + ":" + sha256_hex(j["layers"].dump()).substr(0, 12);
  return h;
}

HiddenStateHead HiddenStateHead::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw JudgeError(path + ": cannot read the hidden-state head");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw JudgeError(path + ": not JSON (" + std::string(e.what()) + ")");
  }
  return from_json(j, path);
}

HiddenStateHead HiddenStateHead::builtin_toxicity() {
  const auto* p = reinterpret_cast<const char*>(embedded::toxicity_head_json);
  return from_json(nlohmann::json::parse(p, p + embedded::toxicity_head_json_size),
                   "built-in toxicity head (data/judges/toxicity-gemma3-270m.json)");
}

double HiddenStateHead::raw(const std::vector<float>& x) const {
  if (x.size() != mean_.size())
    throw JudgeError("hidden-state head '" + task_ + "': features of width " + std::to_string(x.size()) +
                     ", the head expects " + std::to_string(mean_.size()) + " (model " + model_ + ", " + point_ + ")");
  std::vector<double> a(x.size());
  for (size_t i = 0; i < x.size(); ++i) a[i] = (double(x[i]) - mean_[i]) / scale_[i];
  for (const auto& l : layers_) {
    std::vector<double> next(l.out);
    for (size_t o = 0; o < l.out; ++o) {
      const float* w = l.weights.data() + o * l.in;
      double z = l.bias[o];
      for (size_t i = 0; i < l.in; ++i) z += double(w[i]) * a[i];
      next[o] = l.relu ? std::max(0.0, z) : z;
    }
    a = std::move(next);
  }
  return a[0];
}

}  // namespace polysafe::judge
