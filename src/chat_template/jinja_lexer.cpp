#include "chat_template/jinja_lexer.h"

#include <algorithm>
#include <cstdio>

#include "chat_template/jinja_unicode.h"
#include "chat_template/jinja_value.h"
#include "util/utf8.h"

namespace polysafe::chat_template::jinja {

SourceMap::SourceMap(std::string name, std::string source) : name_(std::move(name)), source_(std::move(source)) {
  line_starts_.push_back(0);
  for (size_t i = 0; i < source_.size(); ++i)
    if (source_[i] == '\n') line_starts_.push_back(i + 1);
}

std::pair<int, int> SourceMap::line_col(size_t offset) const {
  offset = std::min(offset, source_.size());
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  size_t line = static_cast<size_t>(it - line_starts_.begin());
  size_t start = line_starts_[line - 1];
  size_t col = 1, pos = start;
  std::string_view s(source_);
  while (pos < offset) {
    utf8::decode(s, pos);
    ++col;
  }
  return {static_cast<int>(line), static_cast<int>(col)};
}

std::string SourceMap::where(size_t offset) const {
  auto [l, c] = line_col(offset);
  return name_ + ":" + std::to_string(l) + ":" + std::to_string(c);
}

std::string normalize_template_source(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out += '\n';
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out += source[i];
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

namespace {

class Lexer {
 public:
  explicit Lexer(const SourceMap& map) : map_(map), s_(map.source()) {}

  std::vector<Token> run() {
    while (pos_ < s_.size()) root_step();
    Token eof;
    eof.type = TokenType::Eof;
    eof.offset = s_.size();
    out_.push_back(eof);
    return std::move(out_);
  }

 private:
  const SourceMap& map_;
  std::string_view s_;
  size_t pos_ = 0;
  bool line_starting_ = true;
  std::vector<Token> out_;
  std::vector<char> balance_;

  [[noreturn]] void error(size_t offset, const std::string& msg) {
    throw JinjaError(map_.where(offset) + ": " + msg, true);
  }

  // Python's \s on str: Unicode whitespace.
  size_t space_len(size_t p) const {
    if (p >= s_.size()) return 0;
    unsigned char c = static_cast<unsigned char>(s_[p]);
    if (c < 0x80) return unicode::is_space(c) ? 1 : 0;
    size_t q = p;
    char32_t cp = utf8::decode(s_, q);
    return unicode::is_space(cp) ? q - p : 0;
  }
  size_t skip_spaces(size_t p) const {
    size_t n;
    while ((n = space_len(p)) > 0) p += n;
    return p;
  }

  void emit(TokenType t, std::string v, size_t off) {
    Token tok;
    tok.type = t;
    tok.value = std::move(v);
    tok.offset = off;
    out_.push_back(std::move(tok));
  }

  static std::string rstrip_unicode(std::string_view text) {
    std::vector<char32_t> cps = utf8::to_codepoints(text);
    size_t n = cps.size();
    while (n > 0 && unicode::is_space(cps[n - 1])) --n;
    cps.resize(n);
    return utf8::from_codepoints(cps);
  }

  bool all_space(std::string_view t) const {
    if (t.empty()) return false;
    size_t p = 0;
    while (p < t.size()) {
      char32_t c = utf8::decode(t, p);
      if (!unicode::is_space(c)) return false;
    }
    return true;
  }

  // jinja2 OptionalLStrip: '-' strips all whitespace before the tag; otherwise, for
  // blocks and comments, lstrip_blocks removes indentation that alone precedes the tag
  // on its line.
  std::string strip_text(std::string_view text, char sign, bool is_variable) {
    if (sign == '-') return rstrip_unicode(text);
    if (sign != '+' && !is_variable) {
      size_t nl = text.rfind('\n');
      size_t l_pos = nl == std::string_view::npos ? 0 : nl + 1;
      if ((l_pos > 0 || line_starting_) && all_space(text.substr(l_pos))) return std::string(text.substr(0, l_pos));
    }
    return std::string(text);
  }

  // Matches {%(-|+|)\s*WORD\s*(-%}\s*|%}) (raw begin, exact jinja2 form) at p.
  // Returns the end offset or npos.
  size_t match_raw_tag(size_t p, std::string_view word, bool allow_plus_end, bool trim_newline, char* sign) {
    if (s_.compare(p, 2, "{%") != 0) return std::string_view::npos;
    size_t q = p + 2;
    *sign = 0;
    if (q < s_.size() && (s_[q] == '-' || s_[q] == '+')) *sign = s_[q++];
    q = skip_spaces(q);
    if (s_.compare(q, word.size(), word) != 0) return std::string_view::npos;
    q += word.size();
    size_t after_word = q;
    q = skip_spaces(q);
    if (q == after_word && q < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[q])) || s_[q] == '_'))
      return std::string_view::npos;
    if (allow_plus_end && s_.compare(q, 3, "+%}") == 0) return q + 3;
    if (s_.compare(q, 3, "-%}") == 0) return skip_spaces(q + 3);
    if (s_.compare(q, 2, "%}") == 0) {
      q += 2;
      if (trim_newline && q < s_.size() && s_[q] == '\n') ++q;
      return q;
    }
    return std::string_view::npos;
  }

  void root_step() {
    size_t tag = std::string_view::npos;
    for (size_t p = s_.find('{', pos_); p != std::string_view::npos; p = s_.find('{', p + 1)) {
      if (p + 1 < s_.size() && (s_[p + 1] == '{' || s_[p + 1] == '%' || s_[p + 1] == '#')) {
        tag = p;
        break;
      }
    }
    if (tag == std::string_view::npos) {
      emit(TokenType::Data, std::string(s_.substr(pos_)), pos_);
      pos_ = s_.size();
      return;
    }
    char kind = s_[tag + 1];
    char sign = (tag + 2 < s_.size() && (s_[tag + 2] == '-' || s_[tag + 2] == '+')) ? s_[tag + 2] : 0;
    std::string_view text = s_.substr(pos_, tag - pos_);
    char raw_sign = 0;
    size_t raw_end = kind == '%' ? match_raw_tag(tag, "raw", false, false, &raw_sign) : std::string_view::npos;
    std::string data = strip_text(text, sign, kind == '{');
    if (!data.empty()) emit(TokenType::Data, std::move(data), pos_);
    if (raw_end != std::string_view::npos) {
      lex_raw(tag, raw_end);
      return;
    }
    pos_ = tag + 2 + (sign ? 1 : 0);
    if (kind == '#') {
      lex_comment(tag);
      return;
    }
    emit(kind == '{' ? TokenType::VarBegin : TokenType::BlockBegin, std::string(s_.substr(tag, 2)), tag);
    lex_tag(kind == '{', tag);
  }

  void lex_raw(size_t tag, size_t body_start) {
    line_starting_ = body_start > 0 && s_[body_start - 1] == '\n';
    for (size_t p = s_.find("{%", body_start); p != std::string_view::npos; p = s_.find("{%", p + 1)) {
      char sign = 0;
      size_t end = match_raw_tag(p, "endraw", true, true, &sign);
      if (end == std::string_view::npos) continue;
      std::string data = strip_text(s_.substr(body_start, p - body_start), sign, false);
      if (!data.empty()) emit(TokenType::Data, std::move(data), body_start);
      pos_ = end;
      line_starting_ = s_[end - 1] == '\n';
      return;
    }
    error(tag, "Missing end of raw directive");
  }

  void lex_comment(size_t tag) {
    size_t f = s_.find("#}", pos_);
    if (f == std::string_view::npos) error(tag, "Missing end of comment tag");
    char sign = (f > pos_ && (s_[f - 1] == '-' || s_[f - 1] == '+')) ? s_[f - 1] : 0;
    size_t end = f + 2;
    if (sign == '-')
      end = skip_spaces(end);
    else if (sign == 0 && end < s_.size() && s_[end] == '\n')
      ++end;
    pos_ = end;
    line_starting_ = s_[end - 1] == '\n';
  }

  // Returns the end offset of the closing delimiter at p, or npos.
  size_t match_end(bool variable, size_t p) {
    if (variable) {
      if (s_.compare(p, 3, "-}}") == 0) return skip_spaces(p + 3);
      if (s_.compare(p, 2, "}}") == 0) return p + 2;
      return std::string_view::npos;
    }
    if (s_.compare(p, 3, "+%}") == 0) return p + 3;
    if (s_.compare(p, 3, "-%}") == 0) return skip_spaces(p + 3);
    if (s_.compare(p, 2, "%}") == 0) {
      size_t q = p + 2;
      if (q < s_.size() && s_[q] == '\n') ++q;  // trim_blocks
      return q;
    }
    return std::string_view::npos;
  }

  static bool is_digit(char c) { return c >= '0' && c <= '9'; }

  // (\d+_)*\d+ at p: returns the end, or p when nothing matches; appends digits.
  size_t digits(size_t p, std::string* out) {
    size_t q = p;
    while (true) {
      size_t start = q;
      while (q < s_.size() && is_digit(s_[q])) ++q;
      if (q == start) return start == p ? p : start - 1;  // a trailing '_' is not part
      if (out) out->append(s_.substr(start, q - start));
      if (q < s_.size() && s_[q] == '_' && q + 1 < s_.size() && is_digit(s_[q + 1])) {
        ++q;
        continue;
      }
      return q;
    }
  }

  bool lex_float(size_t p) {
    if (p > 0 && s_[p - 1] == '.') return false;
    std::string text;
    size_t q = digits(p, &text);
    if (q == p) return false;
    size_t end = std::string_view::npos;
    std::string frac, exp;
    // \.(\d+_)*\d+ optionally followed by e[+-]digits, or e[+-]digits directly.
    size_t r = q;
    std::string t2 = text;
    if (r < s_.size() && s_[r] == '.' && r + 1 < s_.size() && is_digit(s_[r + 1])) {
      std::string f;
      size_t r2 = digits(r + 1, &f);
      t2 += "." + f;
      r = r2;
      end = r;
    }
    if (r < s_.size() && (s_[r] == 'e' || s_[r] == 'E')) {
      size_t e = r + 1;
      std::string es = "e";
      if (e < s_.size() && (s_[e] == '+' || s_[e] == '-')) es += s_[e++];
      std::string ed;
      size_t e2 = digits(e, &ed);
      if (e2 != e) {
        t2 += es + ed;
        end = e2;
      }
    }
    if (end == std::string_view::npos) return false;
    Token tok;
    tok.type = TokenType::Float;
    tok.value = std::string(s_.substr(p, end - p));
    tok.float_value = std::strtod(t2.c_str(), nullptr);
    tok.offset = p;
    out_.push_back(std::move(tok));
    pos_ = end;
    return true;
  }

  bool lex_integer(size_t p) {
    char c = s_[p];
    if (!is_digit(c)) return false;
    auto hexval = [](char ch) -> int {
      if (ch >= '0' && ch <= '9') return ch - '0';
      if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
      if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
      return 99;
    };
    int base = 10;
    size_t q = p;
    if (c == '0' && p + 1 < s_.size()) {
      char k = static_cast<char>(std::tolower(static_cast<unsigned char>(s_[p + 1])));
      if (k == 'b') base = 2;
      if (k == 'o') base = 8;
      if (k == 'x') base = 16;
    }
    unsigned __int128 v = 0;
    bool overflow = false;
    auto add = [&](int d) {
      v = v * base + d;
      if (v > static_cast<unsigned __int128>(INT64_MAX)) overflow = true;
    };
    if (base != 10) {
      // 0b(_?[01])+ and friends
      size_t r = p + 2, n = 0;
      while (true) {
        size_t t = r;
        if (t < s_.size() && s_[t] == '_') ++t;
        if (t < s_.size() && hexval(s_[t]) < base) {
          add(hexval(s_[t]));
          r = t + 1;
          ++n;
        } else {
          break;
        }
      }
      if (n == 0) {
        base = 10;  // plain "0" followed by a name
      } else {
        q = r;
      }
    }
    if (base == 10) {
      if (c == '0') {  // 0(_?0)*
        q = p + 1;
        while (true) {
          size_t t = q;
          if (t < s_.size() && s_[t] == '_') ++t;
          if (t < s_.size() && s_[t] == '0') q = t + 1;
          else break;
        }
        v = 0;
      } else {  // [1-9](_?\d)*
        q = p;
        add(s_[q++] - '0');
        while (true) {
          size_t t = q;
          if (t < s_.size() && s_[t] == '_') ++t;
          if (t < s_.size() && is_digit(s_[t])) {
            add(s_[t] - '0');
            q = t + 1;
          } else {
            break;
          }
        }
      }
    }
    if (overflow) error(p, "integer literal too large (polysafe supports 64-bit integers)");
    Token tok;
    tok.type = TokenType::Integer;
    tok.value = std::string(s_.substr(p, q - p));
    tok.int_value = static_cast<int64_t>(v);
    tok.offset = p;
    out_.push_back(std::move(tok));
    pos_ = q;
    return true;
  }

  // Python "unicode-escape" decoding of the literal body after jinja2's
  // encode("ascii", "backslashreplace").
  std::string unescape(std::string_view body, size_t offset) {
    std::string out;
    size_t i = 0;
    auto hex = [&](size_t start, int n, const char* what) -> char32_t {
      if (start + n > body.size()) error(offset, std::string("truncated ") + what + " escape");
      char32_t v = 0;
      for (int k = 0; k < n; ++k) {
        char ch = body[start + k];
        int d = (ch >= '0' && ch <= '9') ? ch - '0'
                : (ch >= 'a' && ch <= 'f') ? ch - 'a' + 10
                : (ch >= 'A' && ch <= 'F') ? ch - 'A' + 10 : -1;
        if (d < 0) error(offset, std::string("truncated ") + what + " escape");
        v = v * 16 + d;
      }
      return v;
    };
    auto put = [&](char32_t cp) {
      if (cp > 0x10FFFF) error(offset, "illegal Unicode character");
      if (cp >= 0xD800 && cp <= 0xDFFF) error(offset, "string literal escapes a lone surrogate");
      utf8::append(out, cp);
    };
    while (i < body.size()) {
      char c = body[i];
      if (c != '\\') {
        out += c;
        ++i;
        continue;
      }
      if (i + 1 >= body.size()) error(offset, "\\ at end of string");
      unsigned char e = static_cast<unsigned char>(body[i + 1]);
      i += 2;
      switch (e) {
        case '\n': break;
        case '\\': out += '\\'; break;
        case '\'': out += '\''; break;
        case '"': out += '"'; break;
        case 'a': out += '\a'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'v': out += '\v'; break;
        case 'x': put(hex(i, 2, "\\xXX")); i += 2; break;
        case 'u': put(hex(i, 4, "\\uXXXX")); i += 4; break;
        case 'U': put(hex(i, 8, "\\UXXXXXXXX")); i += 8; break;
        case 'N': error(offset, "\\N{...} escapes are not supported");
        default:
          if (e >= '0' && e <= '7') {
            char32_t v = e - '0';
            for (int k = 0; k < 2 && i < body.size() && body[i] >= '0' && body[i] <= '7'; ++k) v = v * 8 + (body[i++] - '0');
            put(v);
          } else if (e >= 0x80) {
            // backslashreplace turned the character into an escape sequence whose
            // backslash the user's backslash now escapes: the text survives literally.
            size_t p = i - 1;
            char32_t cp = utf8::decode(body, p);
            i = p;
            char b[16];
            if (cp <= 0xFF) std::snprintf(b, sizeof b, "\\x%02x", static_cast<unsigned>(cp));
            else if (cp <= 0xFFFF) std::snprintf(b, sizeof b, "\\u%04x", static_cast<unsigned>(cp));
            else std::snprintf(b, sizeof b, "\\U%08x", static_cast<unsigned>(cp));
            out += '\\';
            out += b;
          } else {
            out += '\\';
            out += static_cast<char>(e);
          }
      }
    }
    return out;
  }

  void lex_tag(bool variable, size_t tag_start) {
    static const char* kOps[] = {"//", "**", "==", "!=", ">=", "<=", "+", "-", "/", "*", "%", "~", "[", "]",
                                 "(", ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";"};
    while (true) {
      if (pos_ >= s_.size())
        error(tag_start, std::string("unexpected end of template, expected '") + (variable ? "}}" : "%}") + "'");
      if (balance_.empty()) {
        size_t end = match_end(variable, pos_);
        if (end != std::string_view::npos) {
          emit(variable ? TokenType::VarEnd : TokenType::BlockEnd, variable ? "}}" : "%}", pos_);
          pos_ = end;
          line_starting_ = s_[end - 1] == '\n';
          return;
        }
      }
      size_t sp = skip_spaces(pos_);
      if (sp != pos_) {
        pos_ = sp;
        continue;
      }
      char c = s_[pos_];
      if (is_digit(c)) {
        if (lex_float(pos_)) continue;
        if (lex_integer(pos_)) continue;
      }
      if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        size_t q = pos_;
        while (q < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[q])) || s_[q] == '_')) ++q;
        emit(TokenType::Name, std::string(s_.substr(pos_, q - pos_)), pos_);
        pos_ = q;
        continue;
      }
      if (c == '\'' || c == '"') {
        size_t q = pos_ + 1;
        while (q < s_.size() && s_[q] != c) q += (s_[q] == '\\') ? 2 : 1;
        if (q < s_.size()) {
          Token tok;
          tok.type = TokenType::String;
          tok.value = unescape(s_.substr(pos_ + 1, q - pos_ - 1), pos_);
          tok.offset = pos_;
          out_.push_back(std::move(tok));
          pos_ = q + 1;
          continue;
        }
      }
      bool matched = false;
      for (const char* op : kOps) {
        size_t n = std::char_traits<char>::length(op);
        if (s_.compare(pos_, n, op) != 0) continue;
        std::string o(op);
        if (o == "{" || o == "(" || o == "[") {
          balance_.push_back(o == "{" ? '}' : o == "(" ? ')' : ']');
        } else if (o == "}" || o == ")" || o == "]") {
          if (balance_.empty()) error(pos_, "unexpected '" + o + "'");
          char want = balance_.back();
          balance_.pop_back();
          if (want != o[0]) error(pos_, "unexpected '" + o + "', expected '" + std::string(1, want) + "'");
        }
        emit(TokenType::Operator, o, pos_);
        pos_ += n;
        matched = true;
        break;
      }
      if (!matched) {
        size_t q = pos_;
        char32_t cp = utf8::decode(s_, q);
        std::string ch;
        utf8::append(ch, cp);
        error(pos_, "unexpected char " + repr_string(ch));
      }
    }
  }
};

}  // namespace

std::vector<Token> tokenize(const SourceMap& map) { return Lexer(map).run(); }

}  // namespace polysafe::chat_template::jinja
