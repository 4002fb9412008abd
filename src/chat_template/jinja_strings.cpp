#include "chat_template/jinja_strings.h"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "chat_template/jinja_unicode.h"
#include "util/utf8.h"

namespace polysafe::chat_template::jinja::pystr {
namespace {

using Cps = std::vector<char32_t>;

std::string encode(const Cps& cps, size_t a, size_t b) {
  std::string out;
  for (size_t i = a; i < b; ++i) utf8::append(out, cps[i]);
  return out;
}

int64_t max_count(int64_t maxsplit) { return maxsplit < 0 ? std::numeric_limits<int64_t>::max() : maxsplit; }

size_t cp_offset(std::string_view s, size_t byte_pos) {
  size_t n = 0, pos = 0;
  while (pos < byte_pos) {
    utf8::decode(s, pos);
    ++n;
  }
  return n;
}

}  // namespace

size_t length(std::string_view s) {
  size_t n = 0, pos = 0;
  while (pos < s.size()) {
    utf8::decode(s, pos);
    ++n;
  }
  return n;
}

std::string strip(std::string_view s, const std::optional<std::string>& chars, bool left, bool right) {
  Cps cps = utf8::to_codepoints(s);
  Cps set;
  if (chars) set = utf8::to_codepoints(*chars);
  auto strip_it = [&](char32_t c) {
    return chars ? std::find(set.begin(), set.end(), c) != set.end() : unicode::is_space(c);
  };
  size_t a = 0, b = cps.size();
  if (left)
    while (a < b && strip_it(cps[a])) ++a;
  if (right)
    while (b > a && strip_it(cps[b - 1])) --b;
  return encode(cps, a, b);
}

std::vector<std::string> split(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit) {
  std::vector<std::string> out;
  int64_t left = max_count(maxsplit);
  if (!sep) {
    Cps c = utf8::to_codepoints(s);
    size_t i = 0, n = c.size();
    while (left-- > 0) {
      while (i < n && unicode::is_space(c[i])) ++i;
      if (i == n) break;
      size_t j = i++;
      while (i < n && !unicode::is_space(c[i])) ++i;
      out.push_back(encode(c, j, i));
    }
    if (i < n) {
      while (i < n && unicode::is_space(c[i])) ++i;
      if (i != n) out.push_back(encode(c, i, n));
    }
    return out;
  }
  if (sep->empty()) fail("empty separator");
  size_t pos = 0;
  while (left-- > 0) {
    size_t f = s.find(*sep, pos);
    if (f == std::string_view::npos) break;
    out.emplace_back(s.substr(pos, f - pos));
    pos = f + sep->size();
  }
  out.emplace_back(s.substr(pos));
  return out;
}

std::vector<std::string> rsplit(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit) {
  std::vector<std::string> out;
  int64_t left = max_count(maxsplit);
  if (!sep) {
    Cps c = utf8::to_codepoints(s);
    int64_t i = static_cast<int64_t>(c.size()) - 1;
    while (left-- > 0) {
      while (i >= 0 && unicode::is_space(c[i])) --i;
      if (i < 0) break;
      int64_t j = i--;
      while (i >= 0 && !unicode::is_space(c[i])) --i;
      out.push_back(encode(c, i + 1, j + 1));
    }
    if (i >= 0) {
      while (i >= 0 && unicode::is_space(c[i])) --i;
      if (i >= 0) out.push_back(encode(c, 0, i + 1));
    }
    std::reverse(out.begin(), out.end());
    return out;
  }
  if (sep->empty()) fail("empty separator");
  size_t end = s.size();
  while (left-- > 0) {
    if (end < sep->size()) break;
    size_t f = s.rfind(*sep, end - sep->size());
    if (f == std::string_view::npos) break;
    out.emplace_back(s.substr(f + sep->size(), end - f - sep->size()));
    end = f;
  }
  out.emplace_back(s.substr(0, end));
  std::reverse(out.begin(), out.end());
  return out;
}

std::vector<std::string> splitlines(std::string_view s, bool keepends) {
  Cps c = utf8::to_codepoints(s);
  std::vector<std::string> out;
  size_t i = 0, n = c.size();
  while (i < n) {
    size_t j = i;
    while (i < n && !unicode::is_line_break(c[i])) ++i;
    size_t eol = i;
    if (i < n) {
      if (c[i] == '\r' && i + 1 < n && c[i + 1] == '\n')
        i += 2;
      else
        ++i;
      if (keepends) eol = i;
    }
    out.push_back(encode(c, j, eol));
  }
  return out;
}

std::string replace(std::string_view s, std::string_view old, std::string_view repl, int64_t count) {
  int64_t left = max_count(count);
  std::string out;
  if (old.empty()) {
    // Python inserts the replacement before every code point and at the end.
    size_t pos = 0;
    while (pos < s.size() && left > 0) {
      out += repl;
      --left;
      size_t start = pos;
      utf8::decode(s, pos);
      out += s.substr(start, pos - start);
    }
    if (pos < s.size())
      out += s.substr(pos);
    else if (left > 0)
      out += repl;
    return out;
  }
  size_t pos = 0;
  while (left > 0) {
    size_t f = s.find(old, pos);
    if (f == std::string_view::npos) break;
    out += s.substr(pos, f - pos);
    out += repl;
    pos = f + old.size();
    --left;
  }
  out += s.substr(pos);
  return out;
}

int64_t find(std::string_view s, std::string_view sub, bool reverse) {
  size_t f = reverse ? s.rfind(sub) : s.find(sub);
  if (f == std::string_view::npos) return -1;
  return static_cast<int64_t>(cp_offset(s, f));
}

int64_t count(std::string_view s, std::string_view sub) {
  if (sub.empty()) return static_cast<int64_t>(length(s)) + 1;
  int64_t n = 0;
  size_t pos = 0;
  while ((pos = s.find(sub, pos)) != std::string_view::npos) {
    ++n;
    pos += sub.size();
  }
  return n;
}

std::string reverse(std::string_view s) {
  Cps c = utf8::to_codepoints(s);
  std::reverse(c.begin(), c.end());
  return utf8::from_codepoints(c);
}

// CPython PySlice_AdjustIndices.
std::vector<int64_t> slice_indices(int64_t n, std::optional<int64_t> start, std::optional<int64_t> stop,
                                   std::optional<int64_t> step_opt) {
  int64_t step = step_opt.value_or(1);
  if (step == 0) fail("slice step cannot be zero");
  int64_t a, b;
  if (step > 0) {
    a = start.value_or(0);
    b = stop.value_or(n);
    if (a < 0) a = std::max<int64_t>(a + n, 0);
    if (a > n) a = n;
    if (b < 0) b = std::max<int64_t>(b + n, 0);
    if (b > n) b = n;
  } else {
    a = start.value_or(n - 1);
    b = stop.has_value() ? *stop : -1 - n;  // "to the beginning"
    if (start) {
      if (a < 0) a = std::max<int64_t>(a + n, -1);
      if (a >= n) a = n - 1;
    }
    if (stop) {
      if (b < 0) b = std::max<int64_t>(b + n, -1);
      if (b >= n) b = n - 1;
    } else {
      b = -1;
    }
  }
  std::vector<int64_t> idx;
  if (step > 0)
    for (int64_t i = a; i < b; i += step) idx.push_back(i);
  else
    for (int64_t i = a; i > b; i += step) idx.push_back(i);
  return idx;
}

std::string slice(std::string_view s, std::optional<int64_t> start, std::optional<int64_t> stop,
                  std::optional<int64_t> step) {
  Cps c = utf8::to_codepoints(s);
  std::string out;
  for (int64_t i : slice_indices(static_cast<int64_t>(c.size()), start, stop, step)) utf8::append(out, c[i]);
  return out;
}

namespace {

std::string pad(std::string s, int64_t width, bool left_align, char fill = ' ') {
  int64_t n = static_cast<int64_t>(length(s));
  if (width <= n) return s;
  std::string p(static_cast<size_t>(width - n), fill);
  return left_align ? s + p : p + s;
}

}  // namespace

std::string percent_format(std::string_view fmt, const Value& args) {
  std::vector<Value> positional;
  const DictData* mapping = nullptr;
  if (args.is_list() && args.seq_kind() == SeqKind::Tuple)
    positional = args.items();
  else if (args.is_dict())
    mapping = &args.dict_data(), positional.push_back(args);
  else
    positional.push_back(args);
  size_t next = 0;
  bool used_mapping = false;
  std::string out;
  for (size_t i = 0; i < fmt.size(); ++i) {
    char c = fmt[i];
    if (c != '%') {
      out += c;
      continue;
    }
    if (++i >= fmt.size()) fail("incomplete format");
    const Value* arg = nullptr;
    if (fmt[i] == '(') {
      size_t close = fmt.find(')', i);
      if (close == std::string_view::npos) fail("incomplete format key");
      if (!mapping) fail("format requires a mapping");
      const Value* v = mapping->find(fmt.substr(i + 1, close - i - 1));
      if (!v) fail("KeyError: '" + std::string(fmt.substr(i + 1, close - i - 1)) + "'");
      arg = v;
      used_mapping = true;
      i = close + 1;
    }
    bool left = false, zero = false, plus = false, space = false;
    for (; i < fmt.size(); ++i) {
      if (fmt[i] == '-') left = true;
      else if (fmt[i] == '0') zero = true;
      else if (fmt[i] == '+') plus = true;
      else if (fmt[i] == ' ') space = true;
      else break;
    }
    int64_t width = -1, prec = -1;
    while (i < fmt.size() && fmt[i] >= '0' && fmt[i] <= '9') width = std::max<int64_t>(width, 0) * 10 + (fmt[i++] - '0');
    if (i < fmt.size() && fmt[i] == '.') {
      ++i;
      prec = 0;
      while (i < fmt.size() && fmt[i] >= '0' && fmt[i] <= '9') prec = prec * 10 + (fmt[i++] - '0');
    }
    if (width > 100000 || prec > 1000) fail("format width or precision too large");
    if (i >= fmt.size()) fail("incomplete format");
    char type = fmt[i];
    if (type == '%') {
      out += '%';
      continue;
    }
    if (!arg) {
      if (next >= positional.size()) fail("not enough arguments for format string");
      arg = &positional[next++];
    }
    std::string piece;
    switch (type) {
      case 's': piece = arg->str(); break;
      case 'r':
      case 'a': piece = arg->repr(); break;
      case 'd':
      case 'i':
      case 'x':
      case 'X':
      case 'o':
      case 'e':
      case 'E':
      case 'f':
      case 'F':
      case 'g':
      case 'G': {
        if (!arg->is_number()) fail(std::string("%") + type + " format: a real number is required, not " + arg->type_name());
        std::string spec = "%";
        if (left) spec += '-';
        if (zero) spec += '0';
        if (plus) spec += '+';
        if (space) spec += ' ';
        if (width >= 0) spec += std::to_string(width);
        if (prec >= 0) spec += "." + std::to_string(prec);
        char buf[1200];
        if (type == 'd' || type == 'i' || type == 'x' || type == 'X' || type == 'o') {
          if ((type != 'd' && type != 'i') && arg->is_float()) fail(std::string("%") + type + " format: an integer is required, not float");
          long long v = arg->is_float() ? static_cast<long long>(arg->as_double()) : arg->as_int();
          spec += "ll";
          spec += (type == 'i' ? 'd' : type);
          std::snprintf(buf, sizeof buf, spec.c_str(), v);
        } else {
          spec += type;
          std::snprintf(buf, sizeof buf, spec.c_str(), arg->as_double());
        }
        out += buf;
        continue;
      }
      default: fail(std::string("unsupported format character '") + type + "'");
    }
    if (prec >= 0) piece = slice(piece, 0, prec, std::nullopt);
    out += pad(piece, width, left);
  }
  if (!used_mapping && !mapping && next < positional.size())
    fail("not all arguments converted during string formatting");
  return out;
}

std::string format(std::string_view fmt, const std::vector<Value>& args, const Kwargs& kwargs) {
  std::string out;
  size_t auto_index = 0;
  bool manual = false, automatic = false;
  for (size_t i = 0; i < fmt.size(); ++i) {
    char c = fmt[i];
    if (c == '}') {
      if (i + 1 < fmt.size() && fmt[i + 1] == '}') {
        out += '}';
        ++i;
        continue;
      }
      fail("Single '}' encountered in format string");
    }
    if (c != '{') {
      out += c;
      continue;
    }
    if (i + 1 < fmt.size() && fmt[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    size_t close = fmt.find('}', i);
    if (close == std::string_view::npos) fail("Single '{' encountered in format string");
    std::string field(fmt.substr(i + 1, close - i - 1));
    i = close;
    char conv = 0;
    std::string spec;
    size_t colon = field.find(':');
    if (colon != std::string::npos) {
      spec = field.substr(colon + 1);
      field = field.substr(0, colon);
    }
    size_t bang = field.find('!');
    if (bang != std::string::npos) {
      if (bang + 2 != field.size()) fail("expected ':' after conversion specifier");
      conv = field[bang + 1];
      field = field.substr(0, bang);
    }
    if (!spec.empty()) fail("str.format: format spec '" + spec + "' is not supported");
    const Value* v = nullptr;
    if (field.empty()) {
      if (manual) fail("cannot switch from manual field specification to automatic field numbering");
      automatic = true;
      if (auto_index >= args.size()) fail("Replacement index " + std::to_string(auto_index) + " out of range");
      v = &args[auto_index++];
    } else if (std::all_of(field.begin(), field.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
      if (automatic) fail("cannot switch from automatic field numbering to manual field specification");
      manual = true;
      size_t k = std::stoul(field);
      if (k >= args.size()) fail("Replacement index " + field + " out of range");
      v = &args[k];
    } else {
      for (const auto& [name, val] : kwargs)
        if (name == field) v = &val;
      if (!v) fail("KeyError: '" + field + "'");
    }
    if (conv == 'r' || conv == 'a')
      out += v->repr();
    else if (conv == 's' || conv == 0)
      out += v->str();
    else
      fail(std::string("Unknown conversion specifier ") + conv);
  }
  return out;
}

}  // namespace polysafe::chat_template::jinja::pystr
