#include "chat_template/jinja_filters.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <unordered_set>

#include "chat_template/jinja_interpreter.h"
#include "chat_template/jinja_json.h"
#include "chat_template/jinja_methods.h"
#include "chat_template/jinja_operators.h"
#include "chat_template/jinja_strings.h"
#include "chat_template/jinja_unicode.h"
#include "util/html_escape.h"
#include "util/utf8.h"

namespace polysafe::chat_template::jinja {

ArgBinder::ArgBinder(const std::string& fn, std::vector<Value>& args, Kwargs& kwargs, std::vector<std::string> names)
    : bound_(names.size(), nullptr) {
  if (args.size() > names.size())
    fail(fn + "() takes at most " + std::to_string(names.size()) + " argument(s) (" + std::to_string(args.size()) +
         " given)");
  for (size_t i = 0; i < args.size(); ++i) bound_[i] = &args[i];
  for (auto& [k, v] : kwargs) {
    auto it = std::find(names.begin(), names.end(), k);
    if (it == names.end()) fail(fn + "() got an unexpected keyword argument '" + k + "'");
    size_t i = static_cast<size_t>(it - names.begin());
    if (bound_[i]) fail(fn + "() got multiple values for argument '" + k + "'");
    bound_[i] = &v;
  }
}

namespace {

const std::set<std::string>& filter_names() {
  static const std::set<std::string> k = {
      "abs", "attr", "capitalize", "center", "count", "d", "default", "dictsort", "e", "escape", "first", "float",
      "format", "indent", "int", "items", "join", "last", "length", "list", "lower", "map", "max", "min", "reject",
      "rejectattr", "replace", "reverse", "round", "safe", "select", "selectattr", "sort", "string", "sum", "title",
      "tojson", "trim", "unique", "upper"};
  return k;
}

const std::set<std::string>& test_names() {
  static const std::set<std::string> k = {
      "odd", "even", "divisibleby", "defined", "undefined", "filter", "test", "none", "boolean", "false", "true",
      "integer", "float", "lower", "upper", "string", "mapping", "number", "sequence", "iterable", "callable",
      "sameas", "escaped", "in", "==", "eq", "equalto", "!=", "ne", ">", "gt", "greaterthan", "ge", ">=", "<", "lt",
      "lessthan", "<=", "le"};
  return k;
}

std::string soft_str(const Value& v) { return v.str(); }

Value iterator(std::vector<Value> items) { return Value::list(std::move(items), SeqKind::Iterator); }

bool as_flag(const Value* v, bool dflt) { return v ? v->truthy() : dflt; }

int64_t as_int_arg(const Value* v, int64_t dflt, const char* what) {
  if (!v) return dflt;
  if (!v->is_int() && !v->is_bool()) fail(std::string(what) + ": expected an integer, got " + v->type_name());
  return v->as_int();
}

// jinja2 _prepare_attribute_parts: "a.0.b" -> ["a", 0, "b"].
std::vector<Value> attribute_parts(const Value& attr) {
  std::vector<Value> parts;
  if (attr.is_string()) {
    for (const auto& p : pystr::split(attr.as_string(), std::string("."), -1)) {
      bool digits = !p.empty() && std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (digits && p.size() < 18)
        parts.push_back(Value::integer(std::stoll(p)));
      else
        parts.push_back(Value::string(p));
    }
  } else {
    parts.push_back(attr);
  }
  return parts;
}

Value lookup_attr(Interpreter& in, Value item, const std::vector<Value>& parts, const Value* dflt) {
  for (const auto& p : parts) {
    item = in.getitem(item, p);
    if (dflt && !dflt->is_none() && item.is_undefined()) item = *dflt;
  }
  return item;
}

Value ignore_case(const Value& v) { return v.is_string() ? Value::string(unicode::lower(v.as_string())) : v; }

// jinja2 do_title: split on runs of [-\s({\[<], upper-case the first character of
// every piece and lower-case the rest.
std::string jinja_title(const std::string& s) {
  auto is_sep = [](char32_t c) { return c == '-' || c == '(' || c == '{' || c == '[' || c == '<' || unicode::is_space(c); };
  std::vector<char32_t> cps = utf8::to_codepoints(s);
  std::string out;
  size_t i = 0;
  while (i < cps.size()) {
    bool sep = is_sep(cps[i]);
    size_t j = i;
    while (j < cps.size() && is_sep(cps[j]) == sep) ++j;
    std::string first, rest;
    utf8::append(first, cps[i]);
    for (size_t k = i + 1; k < j; ++k) utf8::append(rest, cps[k]);
    out += unicode::upper(first) + unicode::lower(rest);
    i = j;
  }
  return out;
}

// Python int(str, base) for ASCII digits.
std::optional<int64_t> parse_py_int(const std::string& raw, int64_t base) {
  std::string s = pystr::strip(raw, std::nullopt, true, true);
  size_t i = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  auto has_prefix = [&](char p) {
    return i + 1 < s.size() && s[i] == '0' && std::tolower(static_cast<unsigned char>(s[i + 1])) == p;
  };
  if (base == 0) {
    if (has_prefix('x')) base = 16, i += 2;
    else if (has_prefix('o')) base = 8, i += 2;
    else if (has_prefix('b')) base = 2, i += 2;
    else base = 10;
  } else if ((base == 16 && has_prefix('x')) || (base == 8 && has_prefix('o')) || (base == 2 && has_prefix('b'))) {
    i += 2;
    if (i < s.size() && s[i] == '_') ++i;
  }
  if (base < 2 || base > 36) fail("int() base must be >= 2 and <= 36, or 0");
  if (i >= s.size()) return std::nullopt;
  __int128 v = 0;
  bool prev_digit = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c == '_') {
      if (!prev_digit) return std::nullopt;
      prev_digit = false;
      continue;
    }
    int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'z') ? c - 'a' + 10 : (c >= 'A' && c <= 'Z') ? c - 'A' + 10 : 99;
    if (d >= base) return std::nullopt;
    v = v * base + d;
    if (v > static_cast<__int128>(INT64_MAX) + 1) fail("integer too large (polysafe templates use 64-bit integers)");
    prev_digit = true;
  }
  if (!prev_digit) return std::nullopt;
  v = neg ? -v : v;
  if (v > INT64_MAX) fail("integer too large (polysafe templates use 64-bit integers)");
  return static_cast<int64_t>(v);
}

// Python float(str).
std::optional<double> parse_py_float(const std::string& raw) {
  std::string s = pystr::strip(raw, std::nullopt, true, true);
  std::string t;
  for (char c : s) t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string body = t;
  bool neg = false;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    neg = body[0] == '-';
    body = body.substr(1);
  }
  if (body == "inf" || body == "infinity") return neg ? -HUGE_VAL : HUGE_VAL;
  if (body == "nan") return std::nan("");
  // digits with single underscores between digits, optional fraction and exponent
  std::string clean;
  size_t i = 0;
  auto digits = [&](bool required) {
    size_t n = 0;
    bool prev = false;
    while (i < body.size()) {
      if (body[i] >= '0' && body[i] <= '9') {
        clean += body[i++];
        prev = true;
        ++n;
      } else if (body[i] == '_' && prev && i + 1 < body.size() && body[i + 1] >= '0' && body[i + 1] <= '9') {
        ++i;
        prev = false;
      } else {
        break;
      }
    }
    return n > 0 || !required;
  };
  size_t int_digits_start = clean.size();
  digits(false);
  bool have_int = clean.size() > int_digits_start;
  bool have_frac = false;
  if (i < body.size() && body[i] == '.') {
    clean += body[i++];
    size_t before = clean.size();
    digits(false);
    have_frac = clean.size() > before;
  }
  if (!have_int && !have_frac) return std::nullopt;
  if (i < body.size() && body[i] == 'e') {
    clean += body[i++];
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) clean += body[i++];
    if (!digits(true)) return std::nullopt;
  }
  if (i != body.size()) return std::nullopt;
  double d = std::strtod(clean.c_str(), nullptr);
  return neg ? -d : d;
}

Value do_int(const Value& v, const Value* dflt, const Value* base_v) {
  Value fallback = dflt ? *dflt : Value::integer(0);
  int64_t base = base_v ? as_int_arg(base_v, 10, "int") : 10;
  if (v.is_undefined()) fail(v.undefined_hint());
  if (v.is_string()) {
    if (auto r = parse_py_int(v.as_string(), base)) return Value::integer(*r);
    auto f = parse_py_float(v.as_string());
    if (!f || std::isnan(*f) || std::isinf(*f)) return fallback;
    if (std::fabs(*f) >= 9.2e18) fail("integer too large (polysafe templates use 64-bit integers)");
    return Value::integer(static_cast<int64_t>(*f));
  }
  if (v.is_bool() || v.is_int()) return Value::integer(v.as_int());
  if (v.is_float()) {
    double f = v.as_double();
    if (std::isinf(f)) fail("cannot convert float infinity to integer");
    if (std::isnan(f)) return fallback;
    if (std::fabs(f) >= 9.2e18) fail("integer too large (polysafe templates use 64-bit integers)");
    return Value::integer(static_cast<int64_t>(f));
  }
  return fallback;
}

Value do_float(const Value& v, const Value* dflt) {
  Value fallback = dflt ? *dflt : Value::number(0.0);
  if (v.is_undefined()) fail(v.undefined_hint());
  if (v.is_number()) return Value::number(v.as_double());
  if (v.is_string()) {
    if (auto f = parse_py_float(v.as_string())) return Value::number(*f);
  }
  return fallback;
}

// Python round(x, n) for floats: correctly rounded via the exact decimal
// expansion that glibc printf produces (round-half-even on the binary value).
double py_round(double x, int64_t n) {
  if (!std::isfinite(x)) return x;
  if (n == 0) return std::nearbyint(x);
  if (n > 0) {
    if (n > 300) return x;
    char buf[512];
    std::snprintf(buf, sizeof buf, "%.*f", static_cast<int>(n), x);
    return std::strtod(buf, nullptr);
  }
  double p = std::pow(10.0, static_cast<double>(-n));
  return std::nearbyint(x / p) * p;
}

Value do_round(const Value& v, const Value* prec_v, const Value* method_v) {
  int64_t prec = as_int_arg(prec_v, 0, "round");
  std::string method = method_v ? method_v->str() : "common";
  if (method != "common" && method != "ceil" && method != "floor") fail("method must be common, ceil or floor");
  if (v.is_undefined()) fail(v.undefined_hint());
  if (!v.is_number()) fail("type " + v.type_name() + " doesn't define __round__ method");
  if (method == "common") {
    if (v.is_int() || v.is_bool()) {
      if (prec >= 0) return Value::integer(v.as_int());
      int64_t p = 1;
      for (int64_t i = 0; i < -prec && p < INT64_MAX / 10; ++i) p *= 10;
      int64_t x = v.as_int(), q = x / p, r = x % p;
      if (r < 0) r += p, --q;
      if (2 * r > p || (2 * r == p && (q & 1))) ++q;
      return Value::integer(q * p);
    }
    return Value::number(py_round(v.as_double(), prec));
  }
  double scale = std::pow(10.0, static_cast<double>(prec));
  double x = v.as_double() * scale;
  double r = method == "ceil" ? std::ceil(x) : std::floor(x);
  return Value::number(r / scale);
}

std::string do_indent(Interpreter& in, const Value& sv, const Value* width_v, const Value* first_v, const Value* blank_v) {
  if (sv.is_undefined()) fail(sv.undefined_hint());
  std::string indention;
  if (width_v && width_v->is_string()) {
    indention = width_v->as_string();
  } else {
    int64_t w = as_int_arg(width_v, 4, "indent");
    in.check_size(static_cast<size_t>(std::max<int64_t>(w, 0)));
    indention = std::string(static_cast<size_t>(std::max<int64_t>(w, 0)), ' ');
  }
  std::string s = sv.str() + "\n";
  std::vector<std::string> lines = pystr::splitlines(s, false);
  std::string rv;
  if (as_flag(blank_v, false)) {
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i) rv += "\n" + indention;
      rv += lines[i];
      in.check_size(rv.size());
    }
  } else {
    rv = lines.empty() ? "" : lines[0];
    for (size_t i = 1; i < lines.size(); ++i) {
      rv += "\n";
      if (!lines[i].empty()) rv += indention + lines[i];
      in.check_size(rv.size());
    }
  }
  if (as_flag(first_v, false)) rv = indention + rv;
  return rv;
}

// Sort helper shared by sort/dictsort/min/max: Python ordering on keys.
struct Keyed {
  Value key;
  Value item;
};

std::vector<Value> attribute_list(const Value* attr) {
  // make_multi_attrgetter: "a,b" sorts by several attributes.
  std::vector<Value> out;
  if (!attr || attr->is_none()) return out;
  if (attr->is_string()) {
    for (const auto& p : pystr::split(attr->as_string(), std::string(","), -1)) out.push_back(Value::string(p));
  } else {
    out.push_back(*attr);
  }
  return out;
}

Value sort_key(Interpreter& in, const Value& item, const std::vector<Value>& attrs, bool case_sensitive) {
  if (attrs.empty()) return case_sensitive ? item : ignore_case(item);
  if (attrs.size() == 1) {
    Value k = lookup_attr(in, item, attribute_parts(attrs[0]), nullptr);
    return case_sensitive ? k : ignore_case(k);
  }
  std::vector<Value> ks;
  for (const auto& a : attrs) {
    Value k = lookup_attr(in, item, attribute_parts(a), nullptr);
    ks.push_back(case_sensitive ? k : ignore_case(k));
  }
  return Value::list(std::move(ks));
}

std::vector<Value> sorted(std::vector<Keyed> v, bool reverse) {
  std::stable_sort(v.begin(), v.end(), [reverse](const Keyed& a, const Keyed& b) {
    return reverse ? compare(b.key, a.key) < 0 : compare(a.key, b.key) < 0;
  });
  std::vector<Value> out;
  out.reserve(v.size());
  for (auto& k : v) out.push_back(std::move(k.item));
  return out;
}

Value select_or_reject(Interpreter& in, const Value& v, std::vector<Value>& args, Kwargs& kwargs, bool select, bool attr) {
  std::vector<Value> out;
  if (!v.truthy()) return iterator({});
  std::vector<Value> parts;
  size_t off = 0;
  if (attr) {
    if (args.empty()) fail("Missing parameter for attribute name");
    parts = attribute_parts(args[0]);
    off = 1;
  }
  bool have_test = args.size() > off;
  std::string test;
  std::vector<Value> test_args;
  if (have_test) {
    test = args[off].str();
    if (!has_test(test)) fail("No test named '" + test + "'.");
    test_args.assign(args.begin() + off + 1, args.end());
  }
  for (const auto& item : in.iterate(v)) {
    Value x = attr ? lookup_attr(in, item, parts, nullptr) : item;
    bool r;
    if (have_test) {
      std::vector<Value> a = test_args;
      Kwargs k = kwargs;
      r = apply_test(in, test, x, a, k);
    } else {
      r = x.truthy();
    }
    if (r == select) out.push_back(item);
  }
  return iterator(std::move(out));
}

}  // namespace

bool has_filter(const std::string& name) { return filter_names().count(name) != 0; }
bool has_test(const std::string& name) { return test_names().count(name) != 0; }
bool is_unsupported_filter(const std::string& name) {
  static const std::set<std::string> k = {"batch", "filesizeformat", "forceescape", "groupby", "pprint", "random",
                                          "slice", "striptags", "truncate", "urlencode", "urlize", "wordcount",
                                          "wordwrap", "xmlattr"};
  return k.count(name) != 0;
}

Value apply_filter(Interpreter& in, const std::string& name, const Value& v, std::vector<Value>& args, Kwargs& kwargs) {
  in.tick();
  auto strval = [&](const Value& x) { return soft_str(x); };
  if (name == "default" || name == "d") {
    ArgBinder b(name, args, kwargs, {"default_value", "boolean"});
    if (v.is_undefined() || (as_flag(b.get(1), false) && !v.truthy())) return b.has(0) ? *b.get(0) : Value::string("");
    return v;
  }
  if (name == "trim") {
    ArgBinder b(name, args, kwargs, {"chars"});
    std::optional<std::string> chars;
    if (b.has(0) && !b.get(0)->is_none()) chars = b.get(0)->str();
    return Value::string(pystr::strip(strval(v), chars, true, true));
  }
  if (name == "upper" || name == "lower" || name == "capitalize" || name == "title") {
    ArgBinder b(name, args, kwargs, {});
    std::string s = strval(v);
    if (name == "upper") return Value::string(unicode::upper(s));
    if (name == "lower") return Value::string(unicode::lower(s));
    if (name == "capitalize") return Value::string(unicode::capitalize(s));
    return Value::string(jinja_title(s));
  }
  if (name == "length" || name == "count") {
    ArgBinder b(name, args, kwargs, {});
    switch (v.kind()) {
      case Value::Kind::Undefined: return Value::integer(0);
      case Value::Kind::String: return Value::integer(static_cast<int64_t>(pystr::length(v.as_string())));
      case Value::Kind::Dict: return Value::integer(static_cast<int64_t>(v.dict_data().size()));
      case Value::Kind::List:
        if (v.seq_kind() == SeqKind::Iterator) fail("object of type 'generator' has no len()");
        return Value::integer(static_cast<int64_t>(v.items().size()));
      case Value::Kind::Loop: return Value::integer(static_cast<int64_t>(v.loop_data().items.size()));
      default: fail("object of type '" + v.type_name() + "' has no len()");
    }
  }
  if (name == "string" || name == "safe") {
    ArgBinder b(name, args, kwargs, {});
    return Value::string(strval(v));
  }
  if (name == "escape" || name == "e") {
    ArgBinder b(name, args, kwargs, {});
    return Value::string(polysafe::html_escape(strval(v), HtmlControls::Keep));  // markupsafe.escape
  }
  if (name == "tojson") {
    ArgBinder b(name, args, kwargs, {"ensure_ascii", "indent", "separators", "sort_keys"});
    JsonDumpOptions o;
    o.ensure_ascii = as_flag(b.get(0), false);
    if (b.has(1) && !b.get(1)->is_none()) {
      const Value& ind = *b.get(1);
      if (ind.is_string()) {
        o.indent = ind.as_string();
      } else if (ind.is_int() || ind.is_bool()) {
        int64_t w = std::max<int64_t>(ind.as_int(), 0);
        if (w > 1000) fail("tojson: indent too large");
        o.indent = std::string(static_cast<size_t>(w), ' ');
      } else {
        fail("tojson: indent must be an integer or a string");
      }
    }
    if (b.has(2) && !b.get(2)->is_none()) {
      const Value& sep = *b.get(2);
      if (!sep.is_list() || sep.items().size() != 2 || !sep.items()[0].is_string() || !sep.items()[1].is_string())
        fail("tojson: separators must be a pair of strings");
      o.separators = std::make_pair(sep.items()[0].as_string(), sep.items()[1].as_string());
    }
    o.sort_keys = as_flag(b.get(3), false);
    std::string s = to_json(v, o);
    in.check_size(s.size());
    return Value::string(std::move(s));
  }
  if (name == "first") {
    ArgBinder b(name, args, kwargs, {});
    std::vector<Value> items = in.iterate(v);
    if (items.empty()) return Value::undefined("No first item, sequence was empty.");
    return items.front();
  }
  if (name == "last") {
    ArgBinder b(name, args, kwargs, {});
    if (v.is_list() && v.seq_kind() == SeqKind::Iterator) fail("'generator' object is not reversible");
    std::vector<Value> items = in.iterate(v);
    if (items.empty()) return Value::undefined("No last item, sequence was empty.");
    return items.back();
  }
  if (name == "join") {
    ArgBinder b(name, args, kwargs, {"d", "attribute"});
    std::string sep = b.has(0) ? b.get(0)->str() : "";
    std::vector<Value> parts;
    if (b.has(1) && !b.get(1)->is_none()) parts = attribute_parts(*b.get(1));
    std::string out;
    size_t i = 0;
    for (const auto& item : in.iterate(v)) {
      if (i++) out += sep;
      out += parts.empty() ? item.str() : lookup_attr(in, item, parts, nullptr).str();
      in.check_size(out.size());
    }
    return Value::string(std::move(out));
  }
  if (name == "replace") {
    ArgBinder b(name, args, kwargs, {"old", "new", "count"});
    if (!b.has(0) || !b.has(1)) fail("replace() missing required argument");
    int64_t count = (b.has(2) && !b.get(2)->is_none()) ? as_int_arg(b.get(2), -1, "replace") : -1;
    std::string r = pystr::replace(strval(v), b.get(0)->str(), b.get(1)->str(), count);
    in.check_size(r.size());
    return Value::string(std::move(r));
  }
  if (name == "list") {
    ArgBinder b(name, args, kwargs, {});
    return Value::list(in.iterate(v));
  }
  if (name == "int") {
    ArgBinder b(name, args, kwargs, {"default", "base"});
    return do_int(v, b.get(0), b.get(1));
  }
  if (name == "float") {
    ArgBinder b(name, args, kwargs, {"default"});
    return do_float(v, b.get(0));
  }
  if (name == "abs") {
    ArgBinder b(name, args, kwargs, {});
    if (v.is_undefined()) fail(v.undefined_hint());
    if (v.is_float()) return Value::number(std::fabs(v.as_double()));
    if (v.is_int() || v.is_bool()) {
      if (v.as_int() == INT64_MIN) fail("integer overflow");
      return Value::integer(v.as_int() < 0 ? -v.as_int() : v.as_int());
    }
    fail("bad operand type for abs(): '" + v.type_name() + "'");
  }
  if (name == "round") {
    ArgBinder b(name, args, kwargs, {"precision", "method"});
    return do_round(v, b.get(0), b.get(1));
  }
  if (name == "indent") {
    ArgBinder b(name, args, kwargs, {"width", "first", "blank"});
    return Value::string(do_indent(in, v, b.get(0), b.get(1), b.get(2)));
  }
  if (name == "center") {
    ArgBinder b(name, args, kwargs, {"width"});
    std::vector<Value> a{b.has(0) ? *b.get(0) : Value::integer(80)};
    Kwargs k;
    bool found;
    Value m = get_method(Value::string(strval(v)), "center", &found);
    return in.call(m, a, k);
  }
  if (name == "format") {
    if (!args.empty() && !kwargs.empty()) fail("can't handle positional and keyword arguments at the same time");
    Value a;
    if (!kwargs.empty()) {
      a = Value::dict();
      for (auto& [k, x] : kwargs) a.dict_data().set(Value::string(k), x);
    } else {
      a = Value::tuple(args);
    }
    std::string r = pystr::percent_format(strval(v), a);
    in.check_size(r.size());
    return Value::string(std::move(r));
  }
  if (name == "items") {
    ArgBinder b(name, args, kwargs, {});
    if (v.is_undefined()) return iterator({});
    if (!v.is_dict()) fail("Can only get item pairs from a mapping.");
    std::vector<Value> out;
    for (const auto& [k, x] : v.dict_data().entries) out.push_back(Value::tuple({k, x}));
    return iterator(std::move(out));
  }
  if (name == "dictsort") {
    ArgBinder b(name, args, kwargs, {"case_sensitive", "by", "reverse"});
    if (v.is_undefined()) fail(v.undefined_hint());
    if (!v.is_dict()) fail("'" + v.type_name() + "' object has no attribute 'items'");
    bool cs = as_flag(b.get(0), false);
    std::string by = b.has(1) ? b.get(1)->str() : "key";
    if (by != "key" && by != "value") fail("You can only sort by either \"key\" or \"value\"");
    std::vector<Keyed> ks;
    for (const auto& [k, x] : v.dict_data().entries) {
      const Value& key = by == "key" ? k : x;
      ks.push_back({cs ? key : ignore_case(key), Value::tuple({k, x})});
    }
    return Value::list(sorted(std::move(ks), as_flag(b.get(2), false)));
  }
  if (name == "sort") {
    ArgBinder b(name, args, kwargs, {"reverse", "case_sensitive", "attribute"});
    std::vector<Value> attrs = attribute_list(b.get(2));
    bool cs = as_flag(b.get(1), false);
    std::vector<Keyed> ks;
    for (const auto& item : in.iterate(v)) ks.push_back({sort_key(in, item, attrs, cs), item});
    return Value::list(sorted(std::move(ks), as_flag(b.get(0), false)));
  }
  if (name == "min" || name == "max") {
    ArgBinder b(name, args, kwargs, {"case_sensitive", "attribute"});
    std::vector<Value> items = in.iterate(v);
    if (items.empty()) return Value::undefined("No aggregated item, sequence was empty.");
    std::vector<Value> attrs;
    if (b.has(1) && !b.get(1)->is_none()) attrs.push_back(*b.get(1));
    bool cs = as_flag(b.get(0), false);
    size_t best = 0;
    Value best_key = sort_key(in, items[0], attrs, cs);
    for (size_t i = 1; i < items.size(); ++i) {
      Value k = sort_key(in, items[i], attrs, cs);
      int c = compare(k, best_key);
      if (name == "min" ? c < 0 : c > 0) {
        best = i;
        best_key = k;
      }
    }
    return items[best];
  }
  if (name == "sum") {
    ArgBinder b(name, args, kwargs, {"attribute", "start"});
    Value acc = b.has(1) ? *b.get(1) : Value::integer(0);
    std::vector<Value> parts;
    if (b.has(0) && !b.get(0)->is_none()) parts = attribute_parts(*b.get(0));
    for (const auto& item : in.iterate(v))
      acc = binary_op("+", acc, parts.empty() ? item : lookup_attr(in, item, parts, nullptr), in.limits().max_output_bytes);
    return acc;
  }
  if (name == "unique") {
    ArgBinder b(name, args, kwargs, {"case_sensitive", "attribute"});
    std::vector<Value> attrs;
    if (b.has(1) && !b.get(1)->is_none()) attrs.push_back(*b.get(1));
    bool cs = as_flag(b.get(0), false);
    std::unordered_set<std::string> seen;
    std::vector<Value> out;
    for (const auto& item : in.iterate(v))
      if (seen.insert(hash_key(sort_key(in, item, attrs, cs))).second) out.push_back(item);
    return iterator(std::move(out));
  }
  if (name == "reverse") {
    ArgBinder b(name, args, kwargs, {});
    if (v.is_string()) return Value::string(pystr::reverse(v.as_string()));
    if (v.is_list() && v.seq_kind() == SeqKind::Iterator) {
      std::vector<Value> items = v.items();
      std::reverse(items.begin(), items.end());
      return Value::list(std::move(items));
    }
    std::vector<Value> items = in.iterate(v);
    std::reverse(items.begin(), items.end());
    return iterator(std::move(items));
  }
  if (name == "map") {
    std::vector<Value> out;
    std::vector<Value> items = in.iterate(v);
    if (args.empty() && std::any_of(kwargs.begin(), kwargs.end(), [](const auto& kv) { return kv.first == "attribute"; })) {
      const Value* attr = nullptr;
      const Value* dflt = nullptr;
      for (auto& [k, x] : kwargs) {
        if (k == "attribute") attr = &x;
        else if (k == "default") dflt = &x;
        else fail("Unexpected keyword argument '" + k + "'");
      }
      std::vector<Value> parts = attribute_parts(*attr);
      for (const auto& item : items) out.push_back(lookup_attr(in, item, parts, dflt));
      return iterator(std::move(out));
    }
    if (args.empty()) fail("map requires a filter argument");
    std::string f = args[0].str();
    if (!has_filter(f)) fail("No filter named '" + f + "'.");
    for (const auto& item : items) {
      std::vector<Value> a(args.begin() + 1, args.end());
      Kwargs k = kwargs;
      out.push_back(apply_filter(in, f, item, a, k));
    }
    return iterator(std::move(out));
  }
  if (name == "select") return select_or_reject(in, v, args, kwargs, true, false);
  if (name == "reject") return select_or_reject(in, v, args, kwargs, false, false);
  if (name == "selectattr") return select_or_reject(in, v, args, kwargs, true, true);
  if (name == "rejectattr") return select_or_reject(in, v, args, kwargs, false, true);
  if (name == "attr") {
    ArgBinder b(name, args, kwargs, {"name"});
    if (!b.has(0)) fail("attr() missing required argument 'name'");
    std::string attr = b.get(0)->str();
    if (v.is_namespace() || v.is_loop()) return in.getattr(v, attr);
    bool found;
    Value m = get_method(v, attr, &found);
    return m;
  }
  if (is_unsupported_filter(name)) fail("unsupported construct: filter '" + name + "' is not supported");
  fail("No filter named '" + name + "'.");
}

bool apply_test(Interpreter& in, const std::string& name, const Value& v, std::vector<Value>& args, Kwargs& kwargs) {
  in.tick();
  auto one = [&](const char* pname) -> const Value& {
    ArgBinder b(name, args, kwargs, {pname});
    if (!b.has(0)) fail("test '" + name + "' requires an argument");
    return *b.get(0);
  };
  auto none_args = [&]() { ArgBinder b(name, args, kwargs, {}); };
  const size_t lim = in.limits().max_output_bytes;
  if (name == "defined") return none_args(), !v.is_undefined();
  if (name == "undefined") return none_args(), v.is_undefined();
  if (name == "none") return none_args(), v.is_none();
  if (name == "boolean") return none_args(), v.is_bool();
  if (name == "false") return none_args(), v.is_bool() && !v.as_bool();
  if (name == "true") return none_args(), v.is_bool() && v.as_bool();
  if (name == "integer") return none_args(), v.is_int();
  if (name == "float") return none_args(), v.is_float();
  if (name == "number") return none_args(), v.is_number();
  if (name == "string") return none_args(), v.is_string();
  if (name == "mapping") return none_args(), v.is_dict();
  if (name == "callable") return none_args(), v.is_function();
  if (name == "escaped") return none_args(), false;
  if (name == "sequence") {
    none_args();
    return v.is_string() || v.is_dict() || (v.is_list() && (v.seq_kind() == SeqKind::List || v.seq_kind() == SeqKind::Tuple));
  }
  if (name == "iterable") {
    none_args();
    return v.is_string() || v.is_dict() || v.is_list() || v.is_undefined() || v.is_loop();
  }
  if (name == "odd" || name == "even") {
    none_args();
    Value r = binary_op("%", v, Value::integer(2), lim);
    return equals(r, Value::integer(name == "odd" ? 1 : 0));
  }
  if (name == "divisibleby") {
    const Value& n = one("num");
    return equals(binary_op("%", v, n, lim), Value::integer(0));
  }
  if (name == "lower" || name == "upper") {
    none_args();
    std::string s = v.str();
    bool cased = false;
    size_t pos = 0;
    while (pos < s.size())
      if (unicode::is_cased(utf8::decode(s, pos))) cased = true;
    if (!cased) return false;
    return name == "lower" ? unicode::lower(s) == s : unicode::upper(s) == s;
  }
  if (name == "sameas") {
    const Value& o = one("other");
    if (v.kind() != o.kind()) return false;
    switch (v.kind()) {
      case Value::Kind::None:
      case Value::Kind::Undefined: return true;
      case Value::Kind::Bool: return v.as_bool() == o.as_bool();
      case Value::Kind::Int: return v.as_int() == o.as_int() && v.as_int() >= -5 && v.as_int() <= 256;
      case Value::Kind::Float:
      case Value::Kind::String: return false;
      default: return v.same_object(o);
    }
  }
  if (name == "in") return contains(one("seq"), v);
  if (name == "filter") return none_args(), v.is_string() && has_filter(v.as_string());
  if (name == "test") return none_args(), v.is_string() && has_test(v.as_string());
  if (name == "==" || name == "eq" || name == "equalto") return equals(v, one("other"));
  if (name == "!=" || name == "ne") return !equals(v, one("other"));
  if (name == ">" || name == "gt" || name == "greaterthan") return compare(v, one("other"), ">") > 0;
  if (name == ">=" || name == "ge") return compare(v, one("other"), ">=") >= 0;
  if (name == "<" || name == "lt" || name == "lessthan") return compare(v, one("other"), "<") < 0;
  if (name == "<=" || name == "le") return compare(v, one("other"), "<=") <= 0;
  fail("No test named '" + name + "'.");
}

}  // namespace polysafe::chat_template::jinja
