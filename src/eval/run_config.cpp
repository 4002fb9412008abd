#include "eval/run_config.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "eval/eval_error.h"
#include "util/sha256.h"

namespace polysafe::eval {

namespace {

nlohmann::json result_fields(const RedteamConfig& c) {
  return {{"model", c.model},
          {"suite", c.suite},
          {"langs", c.langs},
          {"categories", c.categories},
          {"limit", c.limit},
          {"include_benign", c.include_benign},
          {"samples", c.samples},
          {"temperature", c.temperature},
          {"top_p", c.top_p},
          {"max_tokens", c.max_tokens},
          {"seed", c.seed},
          {"system_prompt", c.system_prompt},
          {"judges", c.judges},
          {"translate_to", c.translate_to},
          {"translator", c.translator},
          {"translate_from", c.translate_from},
          {"min_back_similarity", c.min_back_similarity},
          {"min_length_ratio", c.min_length_ratio},
          {"max_length_ratio", c.max_length_ratio},
          {"translate_max_tokens", c.translate_max_tokens},
          {"intent_judge", c.intent_judge}};
}

nlohmann::json yaml_to_json(const YAML::Node& n, const std::string& where) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Sequence: {
      auto a = nlohmann::json::array();
      for (const auto& x : n) a.push_back(yaml_to_json(x, where));
      return a;
    }
    case YAML::NodeType::Map: {
      auto o = nlohmann::json::object();
      for (const auto& kv : n) o[kv.first.as<std::string>()] = yaml_to_json(kv.second, where);
      return o;
    }
    case YAML::NodeType::Scalar: {
      const std::string s = n.Scalar();
      if (n.Tag() == "!") return s;  // quoted: a string whatever it looks like
      if (s == "true" || s == "True") return true;
      if (s == "false" || s == "False") return false;
      if (s == "null" || s == "~") return nullptr;
      char* end = nullptr;
      long long i = std::strtoll(s.c_str(), &end, 10);
      if (!s.empty() && *end == '\0') return i;
      double d = std::strtod(s.c_str(), &end);
      if (!s.empty() && *end == '\0') return d;
      return s;
    }
  }
  return nullptr;
}

template <class T>
T get(const nlohmann::json& j, const std::string& key, const std::string& where) {
  try {
    return j.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    throw EvalError(where + ": field '" + key + "': expected " +
                    (std::is_same_v<T, std::string>                ? "a string"
                     : std::is_same_v<T, bool>                     ? "true or false"
                     : std::is_same_v<T, std::vector<std::string>> ? "a list of strings"
                                                                   : "a number") +
                    ", got " + j.at(key).dump());
  }
}

}  // namespace

nlohmann::json to_json(const RedteamConfig& c) {
  nlohmann::json j = result_fields(c);
  j["ensemble"] = c.ensemble;
  j["reference_lang"] = c.reference_lang;
  j["bootstrap"] = c.bootstrap;
  j["run_dir"] = c.run_dir;
  const auto& h = c.backend.http;
  j["http"] = {{"concurrency", h.concurrency},     {"max_retries", h.max_retries},
               {"timeout_s", h.timeout_s},         {"connect_timeout_s", h.connect_timeout_s},
               {"backoff_base_s", h.backoff_base_s}, {"backoff_max_s", h.backoff_max_s},
               {"rate_limit_rps", h.rate_limit_rps}, {"api_key_env", h.api_key_env},
               {"base_url", h.base_url},           {"chat", h.chat}};
  const auto& l = c.backend.local;
  j["local"] = {{"threads", l.threads}, {"dtype", l.dtype}, {"dequantize", l.dequantize}, {"max_batch", l.max_batch}};
  return j;
}

RedteamConfig config_from_json(const nlohmann::json& j, const std::string& where, RedteamConfig c) {
  if (!j.is_object()) throw EvalError(where + ": expected a mapping of settings, got " + std::string(j.type_name()));
  static const std::set<std::string> known = {
      "model", "suite", "langs", "categories", "limit", "include_benign", "samples", "temperature", "top_p",
      "max_tokens", "seed", "system_prompt", "judges", "ensemble", "reference_lang", "bootstrap", "translate_to",
      "translator", "translate_from", "min_back_similarity", "min_length_ratio", "max_length_ratio", "translate_max_tokens", "intent_judge", "run_dir",
      "http", "local"};
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!known.count(it.key())) throw EvalError(where + ": unknown field '" + it.key() + "'");
  auto str = [&](const char* k, std::string& out) { if (j.contains(k)) out = get<std::string>(j, k, where); };
  auto list = [&](const char* k, std::vector<std::string>& out) {
    if (!j.contains(k)) return;
    if (j[k].is_string()) out = {j[k].get<std::string>()};
    else out = get<std::vector<std::string>>(j, k, where);
  };
  str("model", c.model);
  str("suite", c.suite);
  list("langs", c.langs);
  list("categories", c.categories);
  if (j.contains("limit")) c.limit = get<size_t>(j, "limit", where);
  if (j.contains("include_benign")) c.include_benign = get<bool>(j, "include_benign", where);
  if (j.contains("samples")) c.samples = get<int>(j, "samples", where);
  if (j.contains("temperature")) c.temperature = get<double>(j, "temperature", where);
  if (j.contains("top_p")) c.top_p = get<double>(j, "top_p", where);
  if (j.contains("max_tokens")) c.max_tokens = get<int>(j, "max_tokens", where);
  if (j.contains("seed")) c.seed = get<uint64_t>(j, "seed", where);
  str("system_prompt", c.system_prompt);
  list("judges", c.judges);
  str("ensemble", c.ensemble);
  str("reference_lang", c.reference_lang);
  if (j.contains("bootstrap")) c.bootstrap = get<int>(j, "bootstrap", where);
  list("translate_to", c.translate_to);
  str("translator", c.translator);
  str("translate_from", c.translate_from);
  if (j.contains("min_back_similarity")) c.min_back_similarity = get<double>(j, "min_back_similarity", where);
  if (j.contains("min_length_ratio")) c.min_length_ratio = get<double>(j, "min_length_ratio", where);
  if (j.contains("max_length_ratio")) c.max_length_ratio = get<double>(j, "max_length_ratio", where);
  if (j.contains("translate_max_tokens")) c.translate_max_tokens = get<int>(j, "translate_max_tokens", where);
  str("intent_judge", c.intent_judge);
  str("run_dir", c.run_dir);
  if (j.contains("http")) {
    const auto& h = j["http"];
    const std::string w = where + ": http";
    if (!h.is_object()) throw EvalError(w + ": expected a mapping");
    static const std::set<std::string> hk = {"concurrency", "max_retries", "timeout_s", "connect_timeout_s",
                                             "backoff_base_s", "backoff_max_s", "rate_limit_rps", "api_key_env",
                                             "base_url", "chat"};
    for (auto it = h.begin(); it != h.end(); ++it)
      if (!hk.count(it.key())) throw EvalError(w + ": unknown field '" + it.key() + "'");
    auto& o = c.backend.http;
    if (h.contains("concurrency")) o.concurrency = get<int>(h, "concurrency", w);
    if (h.contains("max_retries")) o.max_retries = get<int>(h, "max_retries", w);
    if (h.contains("timeout_s")) o.timeout_s = get<double>(h, "timeout_s", w);
    if (h.contains("connect_timeout_s")) o.connect_timeout_s = get<double>(h, "connect_timeout_s", w);
    if (h.contains("backoff_base_s")) o.backoff_base_s = get<double>(h, "backoff_base_s", w);
    if (h.contains("backoff_max_s")) o.backoff_max_s = get<double>(h, "backoff_max_s", w);
    if (h.contains("rate_limit_rps")) o.rate_limit_rps = get<double>(h, "rate_limit_rps", w);
    if (h.contains("api_key_env")) o.api_key_env = get<std::string>(h, "api_key_env", w);
    if (h.contains("base_url")) o.base_url = get<std::string>(h, "base_url", w);
    if (h.contains("chat")) o.chat = get<bool>(h, "chat", w);
  }
  if (j.contains("local")) {
    const auto& l = j["local"];
    const std::string w = where + ": local";
    if (!l.is_object()) throw EvalError(w + ": expected a mapping");
    static const std::set<std::string> lk = {"threads", "dtype", "dequantize", "max_batch"};
    for (auto it = l.begin(); it != l.end(); ++it)
      if (!lk.count(it.key())) throw EvalError(w + ": unknown field '" + it.key() + "'");
    auto& o = c.backend.local;
    if (l.contains("threads")) o.threads = get<int>(l, "threads", w);
    if (l.contains("dtype")) o.dtype = get<std::string>(l, "dtype", w);
    if (l.contains("dequantize")) o.dequantize = get<bool>(l, "dequantize", w);
    if (l.contains("max_batch")) o.max_batch = get<int>(l, "max_batch", w);
  }
  return c;
}

RedteamConfig load_config_file(const std::string& path, RedteamConfig base) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw EvalError(path + ": cannot open the run config");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string ext = std::filesystem::path(path).extension().string();
  nlohmann::json j;
  if (ext == ".json") {
    try {
      j = nlohmann::json::parse(ss.str());
    } catch (const nlohmann::json::parse_error& e) {
      throw EvalError(path + ": not valid JSON (" + e.what() + ")");
    }
  } else if (ext == ".yaml" || ext == ".yml") {
    try {
      j = yaml_to_json(YAML::Load(ss.str()), path);
    } catch (const YAML::Exception& e) {
      throw EvalError(path + ":" + std::to_string(e.mark.line + 1) + ": not valid YAML (" + e.msg + ")");
    }
  } else {
    throw EvalError(path + ": run config must be .yaml, .yml or .json");
  }
  return config_from_json(j, path, std::move(base));
}

void validate(const RedteamConfig& c) {
  if (c.samples < 1) throw EvalError("samples: expected at least 1, got " + std::to_string(c.samples));
  if (c.samples > 1 && c.temperature <= 0)
    throw EvalError("samples: " + std::to_string(c.samples) +
                    " samples per prompt need a temperature above 0 (greedy answers would all be the same)");
  if (c.temperature < 0) throw EvalError("temperature: must be >= 0");
  if (!(c.top_p > 0 && c.top_p <= 1)) throw EvalError("top_p: must be in (0, 1]");
  if (c.max_tokens < 1) throw EvalError("max_tokens: expected at least 1");
  if (c.judges.empty()) throw EvalError("judges: at least one judge is needed");
  if (c.bootstrap < 0) throw EvalError("bootstrap: must be >= 0");
  if (c.ensemble != "any-unsafe" && c.ensemble != "majority")
    throw EvalError("ensemble '" + c.ensemble + "': expected any-unsafe or majority");
  if (c.backend.http.concurrency < 1) throw EvalError("http.concurrency: expected at least 1");
}

std::string run_id(const RedteamConfig& c) { return "rt-" + sha256_hex(result_fields(c).dump()).substr(0, 12); }

}  // namespace polysafe::eval
