// List-valued cells and the literal parser under them, see list_cell.h. The
// grammar is the intersection of what json.dumps and Python's repr() write
// (Python Language Reference §2.4 "Literals", RFC 8259), so one parser reads both.
#include "data/list_cell.h"

#include <cctype>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "data/suite_item.h"
#include "util/utf8.h"

namespace polysafe::data {

namespace {

constexpr int kMaxDepth = 64;

class LiteralParser {
 public:
  explicit LiteralParser(std::string_view text) : s_(text) {}

  nlohmann::json parse_all() {
    nlohmann::json v = value(0);
    skip_space();
    if (pos_ < s_.size()) fail("unexpected '" + std::string(1, s_[pos_]) + "' after the value");
    return v;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;

  [[noreturn]] void fail(const std::string& what) const {
    throw DataError("at character " + std::to_string(pos_ + 1) + ": " + what);
  }

  void skip_space() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }

  bool at(char c) const { return pos_ < s_.size() && s_[pos_] == c; }

  nlohmann::json value(int depth) {
    if (depth > kMaxDepth) fail("nested deeper than " + std::to_string(kMaxDepth));
    skip_space();
    if (pos_ >= s_.size()) fail("expected a value, got the end of the text");
    const char c = s_[pos_];
    if (c == '[') return sequence(']', depth);
    if (c == '(') return tuple(depth);
    if (c == '{') return braces(depth);
    if (c == '"' || c == '\'') return string_literal(false);
    if (c == '-' || c == '+' || c == '.' || std::isdigit(static_cast<unsigned char>(c))) return number();
    if (std::isalpha(static_cast<unsigned char>(c))) return word();
    fail("unexpected '" + std::string(1, c) + "'");
  }

  // [a, b, ...] with an optional trailing comma; the opening bracket at pos_.
  nlohmann::json sequence(char close, int depth) {
    ++pos_;
    nlohmann::json out = nlohmann::json::array();
    for (;;) {
      skip_space();
      if (at(close)) {
        ++pos_;
        return out;
      }
      out.push_back(value(depth + 1));
      skip_space();
      if (at(',')) {
        ++pos_;
        continue;
      }
      if (at(close)) continue;
      fail(std::string("expected ',' or '") + close + "'");
    }
  }

  // (a, b), (a,) and () are tuples; (a) is a parenthesised a, as in Python.
  nlohmann::json tuple(int depth) {
    ++pos_;
    skip_space();
    if (at(')')) {
      ++pos_;
      return nlohmann::json::array();
    }
    nlohmann::json first = value(depth + 1);
    skip_space();
    if (at(')')) {
      ++pos_;
      return first;
    }
    if (!at(',')) fail("expected ',' or ')'");
    nlohmann::json rest = sequence(')', depth);  // steps over the ',' as over an opening bracket
    rest.insert(rest.begin(), std::move(first));
    return rest;
  }

  // {k: v, ...} is a dict, {a, b} a set (an array here), {} an empty dict.
  nlohmann::json braces(int depth) {
    ++pos_;
    skip_space();
    if (at('}')) {
      ++pos_;
      return nlohmann::json::object();
    }
    nlohmann::json first = value(depth + 1);
    skip_space();
    if (!at(':')) {
      if (!at(',') && !at('}')) fail("expected ':', ',' or '}'");
      nlohmann::json rest = nlohmann::json::array();
      if (at(',')) rest = sequence('}', depth);  // steps over the ',' as over an opening brace
      else ++pos_;
      rest.insert(rest.begin(), std::move(first));
      return rest;
    }
    nlohmann::json out = nlohmann::json::object();
    for (;;) {
      ++pos_;  // the ':'
      out[key_text(first)] = value(depth + 1);
      skip_space();
      if (at(',')) {
        ++pos_;
        skip_space();
        if (at('}')) break;
        first = value(depth + 1);
        skip_space();
        if (!at(':')) fail("expected ':' after a dict key");
        continue;
      }
      if (at('}')) break;
      fail("expected ',' or '}'");
    }
    ++pos_;
    return out;
  }

  std::string key_text(const nlohmann::json& k) const {
    if (k.is_string()) return k.get<std::string>();
    if (k.is_primitive()) return k.dump();
    fail("a dict key must be a string, number, boolean or None");
  }

  nlohmann::json word() {
    const size_t start = pos_;
    while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_')) ++pos_;
    const std::string_view w = s_.substr(start, pos_ - start);
    // A string prefix (u'', r"", b'', rb'' ...) runs straight into its quote.
    if (pos_ < s_.size() && (s_[pos_] == '\'' || s_[pos_] == '"') && w.size() <= 2) {
      bool raw = false, ok = true;
      for (char c : w) {
        const char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (l == 'r') raw = true;
        else if (l != 'u' && l != 'b') ok = false;
      }
      if (ok) return string_literal(raw);
    }
    if (w == "None" || w == "null") return nullptr;
    if (w == "True" || w == "true") return true;
    if (w == "False" || w == "false") return false;
    // float('nan') prints as nan, json.dumps writes NaN: a missing value either way.
    if (w == "nan" || w == "NaN") return nullptr;
    if (w == "inf" || w == "Infinity") return std::numeric_limits<double>::infinity();
    pos_ = start;
    fail("unknown word '" + std::string(w) + "' (expected a string, number, None, True or False)");
  }

  nlohmann::json number() {
    const size_t start = pos_;
    std::string digits;
    bool is_float = false;
    if (at('-') || at('+')) digits.push_back(s_[pos_++]);
    if (pos_ < s_.size() && std::isalpha(static_cast<unsigned char>(s_[pos_]))) {  // -inf, -Infinity, -nan
      nlohmann::json w = word();
      if (w.is_number_float()) return digits == "-" ? -w.get<double>() : w.get<double>();
      if (w.is_null()) return nullptr;
      pos_ = start;
      fail("expected a number");
    }
    auto take_digits = [&] {
      size_t n = 0;
      while (pos_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_')) {
        if (s_[pos_] != '_') digits.push_back(s_[pos_]), ++n;
        ++pos_;
      }
      return n;
    };
    size_t n = take_digits();
    if (at('.')) {
      is_float = true;
      digits.push_back('.');
      ++pos_;
      n += take_digits();
    }
    if (n == 0) {
      pos_ = start;
      fail("expected a number");
    }
    if (at('e') || at('E')) {
      is_float = true;
      digits.push_back('e');
      ++pos_;
      if (at('-') || at('+')) digits.push_back(s_[pos_++]);
      if (take_digits() == 0) fail("expected digits after the exponent");
    }
    if (!is_float) {
      try {
        size_t used = 0;
        long long v = std::stoll(digits, &used);
        if (used == digits.size()) return v;
      } catch (const std::out_of_range&) {
        // falls through to a double, as json.loads keeps it exact and we cannot
      }
    }
    try {
      return std::stod(digits);
    } catch (const std::out_of_range&) {
      pos_ = start;
      fail("number out of range");
    }
  }

  unsigned hex_digits(size_t n) {
    unsigned v = 0;
    for (size_t i = 0; i < n; ++i) {
      if (pos_ >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[pos_])))
        fail("expected " + std::to_string(n) + " hex digits in an escape");
      const char c = s_[pos_++];
      v = v * 16 + unsigned(std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : std::tolower(c) - 'a' + 10);
    }
    return v;
  }

  // A quoted string at pos_ (the quote itself), single or triple quoted.
  nlohmann::json string_literal(bool raw) {
    const char q = s_[pos_];
    const bool triple = s_.substr(pos_, 3) == std::string(3, q);
    pos_ += triple ? 3 : 1;
    std::string out;
    for (;;) {
      if (pos_ >= s_.size()) fail(std::string("unterminated string (no closing ") + q + ")");
      const char c = s_[pos_];
      if (c == q && (!triple || s_.substr(pos_, 3) == std::string(3, q))) {
        pos_ += triple ? 3 : 1;
        return out;
      }
      if (c != '\\') {
        out.push_back(c);
        ++pos_;
        continue;
      }
      if (pos_ + 1 >= s_.size()) fail("unterminated string (ends in a backslash)");
      const char e = s_[pos_ + 1];
      if (raw) {  // r'...': the backslash stays, and escapes only the quote from ending the string
        out.push_back('\\');
        out.push_back(e);
        pos_ += 2;
        continue;
      }
      pos_ += 2;
      switch (e) {
        case '\\': out.push_back('\\'); break;
        case '\'': out.push_back('\''); break;
        case '"': out.push_back('"'); break;
        case '/': out.push_back('/'); break;  // JSON's optional escape
        case 'n': out.push_back('\n'); break;
        case 't': out.push_back('\t'); break;
        case 'r': out.push_back('\r'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'v': out.push_back('\v'); break;
        case 'a': out.push_back('\a'); break;
        case '\n': break;  // a line continuation
        case 'x': utf8::append(out, hex_digits(2)); break;
        case 'U': append_code_point(out, hex_digits(8)); break;
        case 'u': {
          unsigned cp = hex_digits(4);
          // JSON writes astral characters as a surrogate pair (RFC 8259 §7).
          if (cp >= 0xD800 && cp < 0xDC00 && s_.substr(pos_, 2) == "\\u") {
            const size_t save = pos_;
            pos_ += 2;
            const unsigned lo = hex_digits(4);
            if (lo >= 0xDC00 && lo < 0xE000) cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            else pos_ = save;
          }
          append_code_point(out, cp);
          break;
        }
        default:
          if (e >= '0' && e <= '7') {  // octal, up to three digits
            unsigned v = unsigned(e - '0');
            for (int i = 0; i < 2 && pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '7'; ++i) v = v * 8 + unsigned(s_[pos_++] - '0');
            utf8::append(out, v);
          } else {  // Python keeps an unknown escape as written ("\d" stays "\d")
            out.push_back('\\');
            out.push_back(e);
          }
      }
    }
  }

  // Lone surrogates and values past U+10FFFF cannot be UTF-8: U+FFFD stands in.
  static void append_code_point(std::string& out, unsigned cp) {
    if ((cp >= 0xD800 && cp < 0xE000) || cp > 0x10FFFF) cp = 0xFFFD;
    utf8::append(out, char32_t(cp));
  }
};

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

bool is_missing_marker(const std::string& s) {
  return s.empty() || s == "nan" || s == "NaN" || s == "None" || s == "null" || s == "NULL";
}

std::string excerpt(const std::string& s) { return s.size() <= 120 ? s : s.substr(0, 117) + "..."; }

void flatten(const nlohmann::json& items, std::vector<std::string>& out, const std::string& where, const std::string& path) {
  for (size_t i = 0; i < items.size(); ++i) {
    const auto& v = items[i];
    const std::string at = path.empty() ? std::to_string(i) : path + "." + std::to_string(i);
    if (v.is_null()) continue;
    if (v.is_array()) flatten(v, out, where, at);
    else if (v.is_string()) out.push_back(v.get<std::string>());
    else if (v.is_number()) out.push_back(v.dump());
    else throw DataError(where + ": element " + at + ": expected a string, got " + std::string(v.type_name()));
  }
}

}  // namespace

nlohmann::json parse_literal(std::string_view text) { return LiteralParser(text).parse_all(); }

nlohmann::json list_cell(const nlohmann::json& value, const SplitBare& split_bare, const std::string& where) {
  if (value.is_null()) return nlohmann::json::array();
  if (value.is_array()) return value;
  if (!value.is_string())
    throw DataError(where + ": expected a list or a string, got " + std::string(value.type_name()));
  const std::string s = trim(value.get<std::string>());
  if (is_missing_marker(s)) return nlohmann::json::array();
  if (s.front() == '[' || s.front() == '{' || s.front() == '(') {
    std::string why;
    try {
      nlohmann::json v = parse_literal(s);
      if (v.is_array()) return v;
      why = v.is_object() ? "a dict, not a list" : "not a list";
    } catch (const DataError& e) {
      why = e.what();
    }
    // "(Other)" is more likely a label than a one-element tuple gone wrong.
    if (s.front() != '(') throw DataError(where + ": not a JSON or Python list (" + why + "): " + excerpt(s));
  }
  nlohmann::json out = nlohmann::json::array();
  if (!split_bare) {
    out.push_back(s);
    return out;
  }
  for (const auto& part : split_bare(s)) {
    std::string p = trim(part);
    if (!p.empty()) out.push_back(std::move(p));
  }
  return out;
}

std::vector<std::string> list_cell_strings(const nlohmann::json& value, const SplitBare& split_bare,
                                           const std::string& where) {
  std::vector<std::string> out;
  flatten(list_cell(value, split_bare, where), out, where, "");
  return out;
}

}  // namespace polysafe::data
