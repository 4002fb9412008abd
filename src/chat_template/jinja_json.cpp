#include "chat_template/jinja_json.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "util/utf8.h"

namespace polysafe::chat_template::jinja {
namespace {

template <class J>
Value convert(const J& j, int depth) {
  if (depth > 512) fail("JSON context nested too deeply");
  switch (j.type()) {
    case nlohmann::json::value_t::null: return Value::none();
    case nlohmann::json::value_t::boolean: return Value::boolean(j.template get<bool>());
    case nlohmann::json::value_t::number_integer: return Value::integer(j.template get<int64_t>());
    case nlohmann::json::value_t::number_unsigned: {
      uint64_t u = j.template get<uint64_t>();
      if (u > static_cast<uint64_t>(INT64_MAX)) fail("JSON integer too large for a template (64-bit limit)");
      return Value::integer(static_cast<int64_t>(u));
    }
    case nlohmann::json::value_t::number_float: return Value::number(j.template get<double>());
    case nlohmann::json::value_t::string: return Value::string(j.template get<std::string>());
    case nlohmann::json::value_t::array: {
      std::vector<Value> items;
      items.reserve(j.size());
      for (const auto& x : j) items.push_back(convert(x, depth + 1));
      return Value::list(std::move(items));
    }
    case nlohmann::json::value_t::object: {
      Value d = Value::dict();
      for (auto it = j.begin(); it != j.end(); ++it) d.dict_data().set(Value::string(it.key()), convert(it.value(), depth + 1));
      return d;
    }
    default: fail("unsupported JSON value in template context");
  }
}

void dump_string(std::string& out, std::string_view s, bool ensure_ascii) {
  out += '"';
  size_t pos = 0;
  while (pos < s.size()) {
    char32_t c = utf8::decode(s, pos);
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      default: break;
    }
    char b[16];
    if (c < 0x20) {
      std::snprintf(b, sizeof b, "\\u%04x", static_cast<unsigned>(c));
      out += b;
    } else if (c < 0x80 || !ensure_ascii) {
      utf8::append(out, c);
    } else if (c <= 0xFFFF) {
      std::snprintf(b, sizeof b, "\\u%04x", static_cast<unsigned>(c));
      out += b;
    } else {
      char32_t v = c - 0x10000;
      std::snprintf(b, sizeof b, "\\u%04x\\u%04x", static_cast<unsigned>(0xD800 + (v >> 10)),
                    static_cast<unsigned>(0xDC00 + (v & 0x3FF)));
      out += b;
    }
  }
  out += '"';
}

std::string float_json(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  return format_float(d);
}

class Dumper {
 public:
  explicit Dumper(const JsonDumpOptions& o) : o_(o) {
    if (o.separators) {
      item_sep_ = o.separators->first;
      key_sep_ = o.separators->second;
    } else {
      item_sep_ = o.indent ? "," : ", ";
      key_sep_ = ": ";
    }
  }

  void dump(std::string& out, const Value& v, int level) {
    if (level > 512) fail("tojson: value nested too deeply");
    switch (v.kind()) {
      case Value::Kind::None: out += "null"; return;
      case Value::Kind::Bool: out += v.as_bool() ? "true" : "false"; return;
      case Value::Kind::Int: out += std::to_string(v.as_int()); return;
      case Value::Kind::Float: out += float_json(v.as_double()); return;
      case Value::Kind::String: dump_string(out, v.as_string(), o_.ensure_ascii); return;
      case Value::Kind::List: {
        if (v.seq_kind() != SeqKind::List && v.seq_kind() != SeqKind::Tuple)
          fail("Object of type " + v.type_name() + " is not JSON serializable");
        const auto& items = v.items();
        if (items.empty()) {
          out += "[]";
          return;
        }
        out += '[';
        for (size_t i = 0; i < items.size(); ++i) {
          if (i) out += item_sep_;
          newline(out, level + 1, i == 0);
          dump(out, items[i], level + 1);
        }
        newline(out, level, false, true);
        out += ']';
        return;
      }
      case Value::Kind::Dict: {
        const auto& d = v.dict_data();
        if (d.size() == 0) {
          out += "{}";
          return;
        }
        std::vector<std::pair<std::string, const Value*>> entries;
        for (const auto& [k, x] : d.entries) entries.emplace_back(key_string(k), &x);
        if (o_.sort_keys)
          std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        out += '{';
        for (size_t i = 0; i < entries.size(); ++i) {
          if (i) out += item_sep_;
          newline(out, level + 1, i == 0);
          dump_string(out, entries[i].first, o_.ensure_ascii);
          out += key_sep_;
          dump(out, *entries[i].second, level + 1);
        }
        newline(out, level, false, true);
        out += '}';
        return;
      }
      default: fail("Object of type " + v.type_name() + " is not JSON serializable");
    }
  }

 private:
  const JsonDumpOptions& o_;
  std::string item_sep_, key_sep_;

  void newline(std::string& out, int level, bool, bool = false) {
    if (!o_.indent) return;
    out += '\n';
    for (int i = 0; i < level; ++i) out += *o_.indent;
  }

  static std::string key_string(const Value& k) {
    switch (k.kind()) {
      case Value::Kind::String: return k.as_string();
      case Value::Kind::Bool: return k.as_bool() ? "true" : "false";
      case Value::Kind::None: return "null";
      case Value::Kind::Int: return std::to_string(k.as_int());
      case Value::Kind::Float: return float_json(k.as_double());
      default: fail("keys must be str, int, float, bool or None, not " + k.type_name());
    }
  }
};

}  // namespace

Value from_json(const nlohmann::json& j) { return convert(j, 0); }
Value from_json(const nlohmann::ordered_json& j) { return convert(j, 0); }

std::string to_json(const Value& v, const JsonDumpOptions& opt) {
  std::string out;
  Dumper(opt).dump(out, v, 0);
  return out;
}

}  // namespace polysafe::chat_template::jinja
