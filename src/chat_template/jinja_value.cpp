#include "chat_template/jinja_value.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "chat_template/jinja_unicode.h"
#include "util/utf8.h"

namespace polysafe::chat_template::jinja {

void fail(const std::string& msg) { throw JinjaError(msg); }

Value Value::undefined(std::string hint) {
  Value v;
  v.s_ = std::move(hint);
  return v;
}
Value Value::none() {
  Value v;
  v.kind_ = Kind::None;
  return v;
}
Value Value::boolean(bool b) {
  Value v;
  v.kind_ = Kind::Bool;
  v.b_ = b;
  return v;
}
Value Value::integer(int64_t i) {
  Value v;
  v.kind_ = Kind::Int;
  v.i_ = i;
  return v;
}
Value Value::number(double f) {
  Value v;
  v.kind_ = Kind::Float;
  v.f_ = f;
  return v;
}
Value Value::string(std::string s) {
  Value v;
  v.kind_ = Kind::String;
  v.s_ = std::move(s);
  return v;
}
Value Value::list(std::vector<Value> items, SeqKind kind) {
  Value v;
  v.kind_ = Kind::List;
  auto d = std::make_shared<ListData>();
  d->items = std::move(items);
  d->kind = kind;
  v.obj_ = std::move(d);
  return v;
}
Value Value::dict() {
  Value v;
  v.kind_ = Kind::Dict;
  v.obj_ = std::make_shared<DictData>();
  return v;
}
Value Value::namespace_() {
  Value v;
  v.kind_ = Kind::Namespace;
  v.obj_ = std::make_shared<DictData>();
  return v;
}
Value Value::function(std::string name, NativeFn fn) {
  Value v;
  v.kind_ = Kind::Function;
  auto d = std::make_shared<FunctionData>();
  d->name = std::move(name);
  d->fn = std::move(fn);
  v.obj_ = std::move(d);
  return v;
}
Value Value::loop(std::shared_ptr<LoopData> loop) {
  Value v;
  v.kind_ = Kind::Loop;
  v.obj_ = std::move(loop);
  return v;
}

double Value::as_double() const {
  switch (kind_) {
    case Kind::Float: return f_;
    case Kind::Int: return static_cast<double>(i_);
    case Kind::Bool: return b_ ? 1.0 : 0.0;
    default: return 0.0;
  }
}

SeqKind Value::seq_kind() const { return static_cast<ListData&>(*obj_).kind; }
const std::vector<Value>& Value::items() const { return static_cast<ListData&>(*obj_).items; }
DictData& Value::dict_data() const { return static_cast<DictData&>(*obj_); }
FunctionData& Value::function_data() const { return static_cast<FunctionData&>(*obj_); }
LoopData& Value::loop_data() const { return static_cast<LoopData&>(*obj_); }

bool Value::truthy() const {
  switch (kind_) {
    case Kind::Undefined:
    case Kind::None: return false;
    case Kind::Bool: return b_;
    case Kind::Int: return i_ != 0;
    case Kind::Float: return f_ != 0.0;
    case Kind::String: return !s_.empty();
    case Kind::List: return seq_kind() == SeqKind::Iterator || !items().empty();  // views: by length
    case Kind::Dict: return dict_data().size() != 0;
    default: return true;
  }
}

std::string Value::type_name() const {
  switch (kind_) {
    case Kind::Undefined: return "Undefined";
    case Kind::None: return "NoneType";
    case Kind::Bool: return "bool";
    case Kind::Int: return "int";
    case Kind::Float: return "float";
    case Kind::String: return "str";
    case Kind::List:
      switch (seq_kind()) {
        case SeqKind::List: return "list";
        case SeqKind::Tuple: return "tuple";
        case SeqKind::Iterator: return "generator";
        case SeqKind::KeysView: return "dict_keys";
        case SeqKind::ValuesView: return "dict_values";
        case SeqKind::ItemsView: return "dict_items";
      }
      return "list";
    case Kind::Dict: return "dict";
    case Kind::Namespace: return "Namespace";
    case Kind::Function: return "function";
    case Kind::Loop: return "LoopContext";
  }
  return "object";
}

// CPython float_repr: shortest round-trip digits, exponent form when the decimal
// point position is <= -4 or > 16 (Python/pystrtod.c, format code 'r').
std::string format_float(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  bool neg = false;
  size_t p = 0;
  if (sci[0] == '-') {
    neg = true;
    p = 1;
  }
  size_t epos = sci.find('e');
  std::string digits;
  for (size_t i = p; i < epos; ++i)
    if (sci[i] != '.') digits += sci[i];
  int exp = std::stoi(sci.substr(epos + 1));
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  int decpt = exp + 1;
  std::string out = neg ? "-" : "";
  if (decpt <= -4 || decpt > 16) {
    out += digits[0];
    if (digits.size() > 1) out += "." + digits.substr(1);
    char eb[16];
    std::snprintf(eb, sizeof eb, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    out += eb;
  } else if (decpt <= 0) {
    out += "0." + std::string(-decpt, '0') + digits;
  } else if (static_cast<size_t>(decpt) >= digits.size()) {
    out += digits + std::string(decpt - digits.size(), '0') + ".0";
  } else {
    out += digits.substr(0, decpt) + "." + digits.substr(decpt);
  }
  return out;
}

// CPython unicode_repr: single quotes unless the string holds ' and no ".
std::string repr_string(std::string_view s) {
  bool has_single = s.find('\'') != std::string_view::npos;
  bool has_double = s.find('"') != std::string_view::npos;
  char quote = (has_single && !has_double) ? '"' : '\'';
  std::string out(1, quote);
  size_t pos = 0;
  while (pos < s.size()) {
    char32_t c = utf8::decode(s, pos);
    if (c == static_cast<char32_t>(quote) || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7F) {
      char b[8];
      std::snprintf(b, sizeof b, "\\x%02x", static_cast<unsigned>(c));
      out += b;
    } else if (c < 0x7F) {
      out += static_cast<char>(c);
    } else if (!unicode::is_printable(c)) {
      char b[16];
      if (c <= 0xFF)
        std::snprintf(b, sizeof b, "\\x%02x", static_cast<unsigned>(c));
      else if (c <= 0xFFFF)
        std::snprintf(b, sizeof b, "\\u%04x", static_cast<unsigned>(c));
      else
        std::snprintf(b, sizeof b, "\\U%08x", static_cast<unsigned>(c));
      out += b;
    } else {
      utf8::append(out, c);
    }
  }
  out += quote;
  return out;
}

namespace {

void append_repr(std::string& out, const Value& v, int depth);

void append_seq(std::string& out, const Value& v, int depth) {
  if (depth > 200) fail("maximum nesting depth exceeded while printing a value");
  SeqKind k = v.seq_kind();
  if (k == SeqKind::Iterator)
    fail("cannot print an iterator (jinja2 prints its memory address); convert it with |list");
  bool view = k == SeqKind::KeysView || k == SeqKind::ValuesView || k == SeqKind::ItemsView;
  if (view) out += v.type_name() + "(";
  out += k == SeqKind::Tuple ? '(' : '[';
  const auto& items = v.items();
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ", ";
    append_repr(out, items[i], depth + 1);
  }
  if (k == SeqKind::Tuple && items.size() == 1) out += ',';
  out += k == SeqKind::Tuple ? ')' : ']';
  if (view) out += ')';
}

void append_dict(std::string& out, const DictData& d, int depth) {
  if (depth > 200) fail("maximum nesting depth exceeded while printing a value");
  out += '{';
  bool first = true;
  for (const auto& [k, v] : d.entries) {
    if (!first) out += ", ";
    first = false;
    append_repr(out, k, depth + 1);
    out += ": ";
    append_repr(out, v, depth + 1);
  }
  out += '}';
}

void append_repr(std::string& out, const Value& v, int depth) {
  switch (v.kind()) {
    case Value::Kind::Undefined: out += "Undefined"; return;
    case Value::Kind::String: out += repr_string(v.as_string()); return;
    case Value::Kind::List: append_seq(out, v, depth); return;
    case Value::Kind::Dict: append_dict(out, v.dict_data(), depth); return;
    case Value::Kind::Namespace:
      out += "<Namespace ";
      append_dict(out, v.dict_data(), depth);
      out += ">";
      return;
    default: out += v.str(); return;
  }
}

}  // namespace

std::string Value::str() const {
  switch (kind_) {
    case Kind::Undefined: return "";
    case Kind::None: return "None";
    case Kind::Bool: return b_ ? "True" : "False";
    case Kind::Int: return std::to_string(i_);
    case Kind::Float: return format_float(f_);
    case Kind::String: return s_;
    case Kind::Function: return "<function " + function_data().name + ">";
    case Kind::Loop: {
      auto& l = loop_data();
      return "<LoopContext " + std::to_string(l.index0 + 1) + "/" + std::to_string(l.items.size()) + ">";
    }
    default: {
      std::string out;
      append_repr(out, *this, 0);
      return out;
    }
  }
}

std::string Value::repr() const {
  std::string out;
  append_repr(out, *this, 0);
  return out;
}

std::string hash_key(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Undefined: return "U";
    case Value::Kind::None: return "N";
    case Value::Kind::Bool:
    case Value::Kind::Int: return "i" + std::to_string(v.as_int());
    case Value::Kind::Float: {
      double d = v.as_double();
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.2e18)
        return "i" + std::to_string(static_cast<int64_t>(d));
      return "f" + format_float(d);
    }
    case Value::Kind::String: return "s" + v.as_string();
    case Value::Kind::List: {
      if (v.seq_kind() != SeqKind::Tuple) fail("unhashable type: '" + v.type_name() + "'");
      std::string k = "t" + std::to_string(v.items().size()) + "(";
      for (const auto& it : v.items()) {
        std::string sub = hash_key(it);
        k += std::to_string(sub.size()) + ":" + sub;
      }
      return k + ")";
    }
    case Value::Kind::Dict: fail("unhashable type: 'dict'");
    default: {
      char b[32];
      std::snprintf(b, sizeof b, "o%p", static_cast<void*>(&v.dict_data()));
      return b;
    }
  }
}

const Value* DictData::find(const Value& key) const {
  auto it = index.find(hash_key(key));
  return it == index.end() ? nullptr : &entries[it->second].second;
}

const Value* DictData::find(std::string_view key) const {
  std::string k = "s";
  k += key;
  auto it = index.find(k);
  return it == index.end() ? nullptr : &entries[it->second].second;
}

void DictData::set(const Value& key, Value v) {
  std::string k = hash_key(key);
  auto it = index.find(k);
  if (it != index.end()) {
    entries[it->second].second = std::move(v);
    return;
  }
  index.emplace(std::move(k), entries.size());
  entries.emplace_back(key, std::move(v));
}

bool equals(const Value& a, const Value& b) {
  using K = Value::Kind;
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.as_double() == b.as_double();
    return a.as_int() == b.as_int();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case K::Undefined:
    case K::None: return true;
    case K::String: return a.as_string() == b.as_string();
    case K::List: {
      if (a.same_object(b)) return true;
      if (a.seq_kind() != b.seq_kind() || (a.seq_kind() != SeqKind::List && a.seq_kind() != SeqKind::Tuple))
        return false;
      const auto& x = a.items();
      const auto& y = b.items();
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i)
        if (!equals(x[i], y[i])) return false;
      return true;
    }
    case K::Dict: {
      const auto& x = a.dict_data();
      const auto& y = b.dict_data();
      if (x.size() != y.size()) return false;
      for (const auto& [k, v] : x.entries) {
        const Value* o = y.find(k);
        if (!o || !equals(v, *o)) return false;
      }
      return true;
    }
    default: return a.same_object(b);
  }
}

int compare(const Value& a, const Value& b, const char* op) {
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) {
      double x = a.as_double(), y = b.as_double();
      return x < y ? -1 : (x > y ? 1 : 0);  // NaN compares as "equal": every op but == is False
    }
    int64_t x = a.as_int(), y = b.as_int();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_string() && b.is_string()) {
    int c = a.as_string().compare(b.as_string());  // UTF-8 byte order == code point order
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (a.is_list() && b.is_list() && a.seq_kind() == b.seq_kind() &&
      (a.seq_kind() == SeqKind::List || a.seq_kind() == SeqKind::Tuple)) {
    const auto& x = a.items();
    const auto& y = b.items();
    size_t n = std::min(x.size(), y.size());
    for (size_t i = 0; i < n; ++i)
      if (!equals(x[i], y[i])) return compare(x[i], y[i], op);
    return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
  }
  if (a.is_undefined() || b.is_undefined()) fail((a.is_undefined() ? a : b).undefined_hint());
  fail(std::string("'") + op + "' not supported between instances of '" + a.type_name() + "' and '" +
       b.type_name() + "'");
}

}  // namespace polysafe::chat_template::jinja
