// `polysafe langid [TEXT] [--file F.jsonl [--field text]] [--k 3] [--method M]
// [--expect LANG] [--json]`: the language (top-k with probabilities, from the
// lid.176 + CLD2 ensemble or one model alone) and dominant script of one text,
// or of every line of a JSON Lines file; with --expect, the "is it in LANG?"
// decision the judges use.
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "lang/language_id.h"
#include "util/error.h"
#include "util/utf8.h"

namespace polysafe::cli {

namespace {

nlohmann::json check_json(const lang::LanguageCheck& c, const std::string& expected) {
  return {{"expected", expected}, {"match", lang::language_match_name(c.match)}, {"prob", c.prob},
          {"best", c.best}, {"reason", c.reason}};
}

nlohmann::json to_json(const lang::LanguageResult& r) {
  nlohmann::json top = nlohmann::json::array();
  for (const auto& g : r.top) top.push_back({{"lang", g.lang}, {"prob", g.prob}});
  return {{"lang", r.lang()},
          {"macrolanguage", lang::macrolanguage(r.lang())},  // for "same language?" checks
          {"prob", r.top.empty() ? 0.0f : r.top.front().prob},
          {"top", top},
          {"script", r.script},
          {"script_share", r.script_share}};
}

void print_human(const lang::LanguageResult& r) {
  if (r.top.empty()) std::cout << "und\t(no letters to judge)\n";
  for (const auto& g : r.top) std::cout << g.lang << "\t" << std::fixed << std::setprecision(4) << g.prob << "\n";
  std::cout << "script\t" << r.script << " (" << std::fixed << std::setprecision(1) << 100.0 * r.script_share
            << "% of letters)\n";
}

// The text of one JSON Lines record: a JSON string (when a bare string is
// allowed), or an object's string field.
std::string record_text(const std::string& line, const std::string& where, const std::string& field,
                        bool bare_string = true) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(where + ": not JSON (" + std::string(e.what()) + ")");
  }
  if (j.is_string() && bare_string) return j.get<std::string>();
  if (!j.is_object()) throw FormatError(where + ": expected an object with field '" + field + "'");
  auto it = j.find(field);
  if (it == j.end()) throw FormatError(where + ": field '" + field + "': missing");
  if (!it->is_string()) throw FormatError(where + ": field '" + field + "': expected string, got " + it->type_name());
  return it->get<std::string>();
}

}  // namespace

std::function<int()> setup_langid(CLI::App& app) {
  auto* cmd = app.add_subcommand("langid", "Identify the language and script of texts (lid.176 + CLD2 ensemble)");
  struct Opts {
    std::string text;
    std::string file;
    std::string field = "text";
    std::string model;
    std::string method = "ensemble";
    std::string expect;
    std::string expect_field;
    int k = 3;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* text = cmd->add_option("text", o->text, "Text to identify");
  cmd->add_option("--file", o->file, "JSON Lines file ('-' for stdin): one string or object per line")
      ->excludes(text);
  cmd->add_option("--field", o->field, "Field holding the text in --file objects")->capture_default_str();
  cmd->add_option("--k", o->k, "Number of guesses to report")->capture_default_str()->check(CLI::Range(1, 176));
  cmd->add_option("--model", o->model, "fastText model (default: $POLYSAFE_LID_MODEL or the copy setup installs)");
  cmd->add_option("--method", o->method, "ensemble (lid.176 + CLD2 + script rules), fasttext or cld2")
      ->capture_default_str()
      ->check(CLI::IsMember({"ensemble", "fasttext", "cld2"}));
  cmd->add_option("--expect", o->expect, "Also decide whether the text is in this language (BCP-47): yes/no/undecided");
  cmd->add_option("--expect-field", o->expect_field, "With --file: take the expected language from this field");
  cmd->add_flag("--json", o->json, "Print JSON (one object per input line with --file)");
  return [o, text]() {
    if (text->count() == 0 && o->file.empty()) throw UsageError("langid: give a TEXT or --file F.jsonl");
    lang::LanguageId lid(o->model.empty() ? lang::LanguageId::default_model_path() : o->model,
                         lang::parse_lid_method(o->method));

    if (text->count() > 0) {
      auto r = lid.identify(o->text, o->k);
      if (o->json) {
        auto j = to_json(r);
        if (!o->expect.empty()) j["check"] = check_json(lid.check(o->text, o->expect), o->expect);
        std::cout << j.dump() << "\n";
      } else {
        print_human(r);
        if (!o->expect.empty()) {
          auto c = lid.check(o->text, o->expect);
          std::cout << "in " << o->expect << "?\t" << lang::language_match_name(c.match) << " (" << c.reason << ")\n";
        }
      }
      return kExitOk;
    }

    std::ifstream fin;
    std::istream* in = &std::cin;
    if (o->file != "-") {
      fin.open(o->file, std::ios::binary);
      if (!fin) throw UsageError("--file: cannot open '" + o->file + "'");
      in = &fin;
    }
    std::string name = o->file == "-" ? "<stdin>" : o->file;
    std::string line;
    for (size_t lineno = 1; std::getline(*in, line); ++lineno) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      std::string where = name + ":" + std::to_string(lineno);
      std::string t = record_text(line, where, o->field);
      auto r = lid.identify(t, o->k);
      std::string expected = o->expect;
      if (!o->expect_field.empty()) expected = record_text(line, where, o->expect_field, false);
      if (o->json) {
        auto j = to_json(r);
        j["line"] = lineno;
        if (!expected.empty()) j["check"] = check_json(lid.check(t, expected), expected);
        std::cout << j.dump() << "\n";
      } else {
        std::cout << lineno << "\t" << r.lang() << "\t" << std::fixed << std::setprecision(4)
                  << (r.top.empty() ? 0.0f : r.top.front().prob) << "\t" << r.script << "\n";
      }
    }
    return kExitOk;
  };
}

}  // namespace polysafe::cli
