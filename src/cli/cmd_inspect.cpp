// `polysafe inspect MODEL`: architecture, hyper-parameters, tokenizer, chat
// template, tensor table and parameter count of a model file or checkpoint.
#include <cstdio>
#include <iostream>

#include "cli/command.h"
#include "formats/model_summary.h"
#include "hub/model_registry.h"
#include "util/strings.h"

namespace polysafe::cli {

namespace {
std::string shape_string(const std::vector<uint64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}
}  // namespace

std::function<int()> setup_inspect(CLI::App& app) {
  auto* cmd = app.add_subcommand("inspect", "Show a model's architecture, tokenizer and tensors");
  struct Opts {
    std::string model = kDefaultModel;
    bool json = false;
    size_t max_tensors = 40;
    bool all = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("model", o->model, "Model: short name, GGUF file, or checkpoint directory")
      ->capture_default_str();
  cmd->add_flag("--json", o->json, "Print JSON (all tensors)");
  cmd->add_option("--tensors", o->max_tensors, "Rows of the tensor table to print")->capture_default_str();
  cmd->add_flag("--all", o->all, "Print every tensor");
  return [o]() {
    std::string path = hub::resolve_model(o->model);
    auto s = formats::summarize_model(path);
    if (o->json) {
      // Names and metadata strings come from the file unvalidated: invalid UTF-8
      // would make dump() throw, so it is replaced by U+FFFD.
      std::cout << s.to_json().dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
      return kExitOk;
    }
    std::cout << "model:        " << s.path << "\n";
    std::cout << "format:       " << s.format << " (" << human_bytes(s.file_bytes) << ")\n";
    std::cout << "architecture: " << (s.architecture.empty() ? "(unknown)" : s.architecture) << "\n";
    if (!s.name.empty()) std::cout << "name:         " << s.name << "\n";
    std::cout << "parameters:   " << human_count(s.total_parameters) << " (" << s.total_parameters
              << "), tensor data " << human_bytes(s.total_bytes) << "\n";
    std::cout << "\nhyper-parameters:\n";
    for (const auto& [k, v] : s.hyperparameters) std::printf("  %-36s %s\n", k.c_str(), v.c_str());
    std::cout << "\ntokenizer:\n";
    if (s.tokenizer_model.empty()) {
      std::cout << "  (none embedded)\n";
    } else {
      std::cout << "  model " << s.tokenizer_model;
      if (!s.tokenizer_pre.empty()) std::cout << ", pre-tokenizer " << s.tokenizer_pre;
      std::cout << ", vocabulary " << s.vocab_size << ", bos " << s.bos_id << ", eos " << s.eos_id << "\n";
    }
    std::cout << "  chat template: "
              << (s.has_chat_template ? "present" : "absent (plain fallback format will be used)") << "\n";
    std::cout << "\ntensors (" << s.tensors.size() << "):\n";
    std::printf("  %-40s %-6s %-20s %12s\n", "name", "type", "shape", "bytes");
    size_t limit = o->all ? s.tensors.size() : std::min(o->max_tensors, s.tensors.size());
    for (size_t i = 0; i < limit; ++i) {
      const auto& t = s.tensors[i];
      std::printf("  %-40s %-6s %-20s %12llu\n", t.name.c_str(), t.type.c_str(), shape_string(t.shape).c_str(),
                  static_cast<unsigned long long>(t.n_bytes));
    }
    if (limit < s.tensors.size())
      std::cout << "  ... " << (s.tensors.size() - limit) << " more (use --all)\n";
    // Per-type totals: what the quantisation mix looks like at a glance.
    std::map<std::string, std::pair<size_t, uint64_t>> by_type;
    for (const auto& t : s.tensors) {
      by_type[t.type].first++;
      by_type[t.type].second += t.n_bytes;
    }
    std::cout << "\ntensor types:";
    for (const auto& [type, c] : by_type) std::cout << "  " << type << " x" << c.first << " (" << human_bytes(c.second) << ")";
    std::cout << "\n";
    return kExitOk;
  };
}

}  // namespace polysafe::cli
