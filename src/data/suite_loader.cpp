// Spec dispatch, see suite_loader.h.
#include "data/suite_loader.h"

#include <unordered_set>

#include "data/suite_formats.h"
#include "data/suite_spec.h"
#include "util/strings.h"

namespace polysafe::data {

namespace {

// Formats that take a bare path: any ?key=value is a mistake worth reporting.
void no_params(const SuiteSpec& s, const std::string& spec) {
  if (!s.params.empty())
    throw DataError("suite spec '" + spec + "': " + s.scheme + ": takes no ?parameters (got '" + s.params[0].first + "')");
}

}  // namespace

const std::vector<std::string>& suite_schemes() {
  static const std::vector<std::string> k = {"builtin", "xsafety", "multijail", "aya", "dna", "rtplx", "polyrefuse", "jsonl", "csv"};
  return k;
}

void check_suite(const Suite& suite) {
  std::unordered_set<std::string> ids;
  for (size_t i = 0; i < suite.items.size(); ++i) {
    const auto& it = suite.items[i];
    const std::string where = suite.name + ": item " + std::to_string(i);
    if (it.id.empty()) throw DataError(where + ": empty id");
    if (it.lang.empty()) throw DataError(where + " ('" + it.id + "'): empty lang");
    if (it.prompt.empty()) throw DataError(where + " ('" + it.id + "'): empty prompt");
    if (!ids.insert(it.id).second) throw DataError(suite.name + ": id '" + it.id + "' used by two items");
  }
}

Suite load_suite(const std::string& spec) {
  SuiteSpec s = parse_suite_spec(spec);
  Suite suite;
  if (s.scheme == "builtin") {
    no_params(s, spec);
    suite = load_builtin(s.path);
  } else if (s.scheme == "xsafety") {
    no_params(s, spec);
    suite = load_xsafety(s.path);
  } else if (s.scheme == "multijail") {
    no_params(s, spec);
    suite = load_multijail(s.path);
  } else if (s.scheme == "aya") {
    no_params(s, spec);
    suite = load_aya(s.path);
  } else if (s.scheme == "dna") {
    no_params(s, spec);
    suite = load_do_not_answer(s.path);
  } else if (s.scheme == "rtplx") {
    no_params(s, spec);
    suite = load_rtplx(s.path);
  } else if (s.scheme == "polyrefuse") {
    for (const auto& [k, v] : s.params)
      if (k != "split") throw DataError("suite spec '" + spec + "': polyrefuse: unknown key '" + k + "' (known: split)");
    const std::string* split = s.param("split");
    if (split && split->empty()) throw DataError("suite spec '" + spec + "': polyrefuse: split has an empty value");
    suite = load_polyrefuse(s.path, split ? *split : "");
  } else if (s.scheme == "jsonl") {
    suite = load_mapped_jsonl(s.path, field_mapping(s.params, spec));
  } else if (s.scheme == "csv") {
    suite = load_mapped_csv(s.path, field_mapping(s.params, spec));
  } else {
    throw DataError("suite spec '" + spec + "': unknown scheme '" + s.scheme + "' (known: " + join(suite_schemes(), ", ") + ")");
  }
  if (suite.items.empty()) throw DataError("suite spec '" + spec + "': no items");
  suite.name = spec;
  check_suite(suite);
  return suite;
}

}  // namespace polysafe::data
