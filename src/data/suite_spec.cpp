// Suite spec syntax, see suite_spec.h.
#include "data/suite_spec.h"

#include <cctype>

#include "data/suite_item.h"
#include "util/strings.h"

namespace polysafe::data {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(const std::string& s, const std::string& spec) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    int hi = i + 2 < s.size() ? hex_value(s[i + 1]) : -1, lo = i + 2 < s.size() ? hex_value(s[i + 2]) : -1;
    if (hi < 0 || lo < 0) throw DataError("suite spec '" + spec + "': bad %-escape in '" + s + "'");
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

}  // namespace

const std::string* SuiteSpec::param(const std::string& key) const {
  for (const auto& [k, v] : params)
    if (k == key) return &v;
  return nullptr;
}

SuiteSpec parse_suite_spec(const std::string& spec) {
  SuiteSpec out;
  const size_t colon = spec.find(':');
  if (colon == std::string::npos || colon == 0)
    throw DataError("suite spec '" + spec + "': expected SCHEME:PATH (e.g. xsafety:DIR, builtin:redteam)");
  out.scheme = spec.substr(0, colon);
  for (auto& c : out.scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string rest = spec.substr(colon + 1);
  const size_t q = rest.find('?');
  out.path = rest.substr(0, q);
  if (out.path.empty()) throw DataError("suite spec '" + spec + "': empty path after '" + out.scheme + ":'");
  if (q != std::string::npos) {
    for (const auto& part : split(std::string_view(rest).substr(q + 1), '&')) {
      if (part.empty()) continue;  // "a=1&&b=2", trailing '&'
      const size_t eq = part.find('=');
      if (eq == std::string::npos) throw DataError("suite spec '" + spec + "': parameter '" + part + "' has no '=VALUE'");
      std::string key = percent_decode(part.substr(0, eq), spec);
      if (key.empty()) throw DataError("suite spec '" + spec + "': parameter '" + part + "' has an empty key");
      if (out.param(key)) throw DataError("suite spec '" + spec + "': parameter '" + key + "' given twice");
      out.params.emplace_back(std::move(key), percent_decode(part.substr(eq + 1), spec));
    }
  }
  return out;
}

}  // namespace polysafe::data
