// `polysafe tokenize MODEL TEXT` and `polysafe detokenize MODEL ID...`: the
// model's own tokenizer, as the engine will use it.
#include <iostream>
#include <filesystem>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "formats/gguf_reader.h"
#include "hub/model_registry.h"
#include "tokenizer/tokenizer.h"
#include "util/error.h"
#include "util/mapped_file.h"
#include "util/strings.h"

namespace polysafe::cli {

namespace {

struct LoadedTokenizer {
  std::unique_ptr<formats::GgufFile> gguf;  // keeps the vocabulary's storage alive
  std::unique_ptr<tokenizer::Tokenizer> tok;
};

LoadedTokenizer load_tokenizer(const std::string& spec) {
  LoadedTokenizer out;
  if (ends_with(spec, "tokenizer.json")) {
    out.tok = tokenizer::Tokenizer::from_tokenizer_json(spec);
    return out;
  }
  std::string path = hub::resolve_model(spec);
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    out.tok = tokenizer::Tokenizer::from_tokenizer_json((std::filesystem::path(path) / "tokenizer.json").string());
    return out;
  }
  out.gguf = std::make_unique<formats::GgufFile>(path);
  out.tok = tokenizer::Tokenizer::from_gguf(*out.gguf);
  return out;
}

}  // namespace

std::function<int()> setup_tokenize(CLI::App& app) {
  auto* cmd = app.add_subcommand("tokenize", "Turn text into token ids with a model's tokenizer");
  struct Opts {
    std::string model;
    std::string text;
    std::string file;
    bool no_special = false;
    bool parse_special = false;
    bool ids_only = false;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("model", o->model, "Model: short name, GGUF file, checkpoint dir or tokenizer.json")->required();
  auto* text = cmd->add_option("text", o->text, "Text to tokenize");
  cmd->add_option("--file", o->file, "Read the text from a file ('-' for stdin)")->excludes(text);
  cmd->add_flag("--no-special", o->no_special, "Do not add BOS/EOS");
  cmd->add_flag("--parse-special", o->parse_special, "Recognise special-token text such as <|im_start|>");
  cmd->add_flag("--ids", o->ids_only, "Print only the ids, space-separated");
  cmd->add_flag("--json", o->json, "Print JSON: ids and pieces");
  return [o]() {
    std::string input = o->text;
    if (!o->file.empty()) {
      if (o->file == "-") {
        std::ostringstream ss;
        ss << std::cin.rdbuf();
        input = ss.str();
      } else {
        input = read_text_file(o->file);
      }
    }
    auto t = load_tokenizer(o->model);
    auto ids = t.tok->encode(input, !o->no_special, o->parse_special);
    if (o->json) {
      nlohmann::json j;
      j["ids"] = ids;
      nlohmann::json pieces = nlohmann::json::array();
      nlohmann::json texts = nlohmann::json::array();
      for (auto id : ids) {
        pieces.push_back(t.tok->token_to_piece(id));
        texts.push_back(t.tok->token_text(id));
      }
      j["pieces"] = pieces;        // bytes each token stands for (may be partial UTF-8)
      j["vocab_texts"] = texts;    // raw vocabulary entries
      j["n_tokens"] = ids.size();
      std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    } else if (o->ids_only) {
      for (size_t i = 0; i < ids.size(); ++i) std::cout << (i ? " " : "") << ids[i];
      std::cout << "\n";
    } else {
      // id, the bytes the token stands for (escaped), and the raw vocabulary entry.
      for (auto id : ids)
        std::cout << id << "\t" << escape_for_terminal(t.tok->token_to_piece(id)) << "\t"
                  << escape_for_terminal(t.tok->token_text(id)) << "\n";
      std::cout << ids.size() << " tokens\n";
    }
    return kExitOk;
  };
}

std::function<int()> setup_detokenize(CLI::App& app) {
  auto* cmd = app.add_subcommand("detokenize", "Turn token ids back into text");
  struct Opts {
    std::string model;
    std::vector<std::string> ids;
    bool skip_special = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("model", o->model, "Model: short name, GGUF file, checkpoint dir or tokenizer.json")->required();
  cmd->add_option("ids", o->ids, "Token ids (space- or comma-separated)")->required();
  cmd->add_flag("--skip-special", o->skip_special, "Leave out control tokens such as BOS/EOS");
  return [o]() {
    auto t = load_tokenizer(o->model);
    std::vector<int32_t> ids;
    for (const auto& arg : o->ids) {
      for (const auto& part : split(arg, ',')) {
        if (part.empty()) continue;
        size_t pos = 0;
        long long v = 0;
        try {
          v = std::stoll(part, &pos);
        } catch (const std::exception&) {
          pos = 0;
        }
        if (pos != part.size()) throw UsageError("detokenize: '" + part + "' is not a token id");
        if (v < 0 || static_cast<size_t>(v) >= t.tok->vocab_size())
          throw UsageError("detokenize: token id " + part + " outside the vocabulary (0.." +
                           std::to_string(t.tok->vocab_size() - 1) + ")");
        ids.push_back(static_cast<int32_t>(v));
      }
    }
    std::cout << t.tok->decode(ids, o->skip_special) << "\n";
    return kExitOk;
  };
}

}  // namespace polysafe::cli
