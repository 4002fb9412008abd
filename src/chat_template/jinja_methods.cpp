#include "chat_template/jinja_methods.h"

#include <set>

#include "chat_template/jinja_filters.h"
#include "chat_template/jinja_interpreter.h"
#include "chat_template/jinja_strings.h"
#include "chat_template/jinja_unicode.h"
#include "util/utf8.h"

namespace polysafe::chat_template::jinja {
namespace {

std::optional<std::string> opt_str(const Value* v, const char* what) {
  if (!v || v->is_none()) return std::nullopt;
  if (!v->is_string()) fail(std::string(what) + " arg must be None or str");
  return v->as_string();
}

int64_t opt_int(const Value* v, int64_t dflt) {
  if (!v || v->is_none()) return dflt;
  if (!v->is_int() && !v->is_bool()) fail("'" + v->type_name() + "' object cannot be interpreted as an integer");
  return v->as_int();
}

Value str_list(std::vector<std::string> parts) {
  std::vector<Value> out;
  out.reserve(parts.size());
  for (auto& p : parts) out.push_back(Value::string(std::move(p)));
  return Value::list(std::move(out));
}

bool any_cased(std::string_view s) {
  size_t pos = 0;
  while (pos < s.size())
    if (unicode::is_cased(utf8::decode(s, pos))) return true;
  return false;
}

using Impl = Value (*)(Interpreter&, const Value& self, std::vector<Value>&, Kwargs&);

Value bind_method(const Value& self, const std::string& name, Impl impl) {
  return Value::function(self.type_name() + "." + name, [self, impl](Interpreter& in, std::vector<Value>& a, Kwargs& k) {
    return impl(in, self, a, k);
  });
}

Value str_strip_impl(const std::string& name, const Value& self, std::vector<Value>& a, Kwargs& k) {
  ArgBinder b(name, a, k, {"chars"});
  bool left = name != "rstrip", right = name != "lstrip";
  return Value::string(pystr::strip(self.as_string(), opt_str(b.get(0), name.c_str()), left, right));
}

bool affix_match(const Value& self, std::vector<Value>& a, Kwargs& k, bool suffix) {
  const char* fn = suffix ? "endswith" : "startswith";
  ArgBinder b(fn, a, k, {"prefix", "start", "end"});
  if (!b.has(0)) fail(std::string(fn) + "() takes at least 1 argument (0 given)");
  std::string s = self.as_string();
  if (b.has(1) || b.has(2)) {
    std::optional<int64_t> st, en;
    if (b.has(1) && !b.get(1)->is_none()) st = opt_int(b.get(1), 0);
    if (b.has(2) && !b.get(2)->is_none()) en = opt_int(b.get(2), 0);
    s = pystr::slice(s, st, en, std::nullopt);
  }
  std::vector<Value> cands;
  const Value& p = *b.get(0);
  if (p.is_list() && p.seq_kind() == SeqKind::Tuple)
    cands = p.items();
  else
    cands.push_back(p);
  for (const auto& c : cands) {
    if (!c.is_string())
      fail(std::string(fn) + " first arg must be str or a tuple of str, not " + c.type_name());
    const std::string& x = c.as_string();
    if (x.size() > s.size()) continue;
    if (suffix ? s.compare(s.size() - x.size(), x.size(), x) == 0 : s.compare(0, x.size(), x) == 0) return true;
  }
  return false;
}

Value string_method(const Value& self, const std::string& name, bool* found) {
  static const std::set<std::string> kNames = {
      "strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "startswith", "endswith", "upper", "lower",
      "title", "capitalize", "replace", "format", "join", "find", "rfind", "index", "rindex", "count",
      "isspace", "islower", "isupper", "removeprefix", "removesuffix", "center", "ljust", "rjust"};
  if (!kNames.count(name)) return Value::undefined("'str object' has no attribute '" + name + "'");
  *found = true;
  if (name == "strip" || name == "lstrip" || name == "rstrip")
    return Value::function("str." + name, [self, name](Interpreter&, std::vector<Value>& a, Kwargs& k) {
      return str_strip_impl(name, self, a, k);
    });
  if (name == "split" || name == "rsplit")
    return Value::function("str." + name, [self, name](Interpreter&, std::vector<Value>& a, Kwargs& k) {
      ArgBinder b(name, a, k, {"sep", "maxsplit"});
      auto sep = opt_str(b.get(0), name.c_str());
      int64_t maxsplit = opt_int(b.get(1), -1);
      return str_list(name == "split" ? pystr::split(self.as_string(), sep, maxsplit)
                                      : pystr::rsplit(self.as_string(), sep, maxsplit));
    });
  if (name == "splitlines")
    return bind_method(self, name, [](Interpreter&, const Value& s, std::vector<Value>& a, Kwargs& k) {
      ArgBinder b("splitlines", a, k, {"keepends"});
      return str_list(pystr::splitlines(s.as_string(), b.has(0) && b.get(0)->truthy()));
    });
  if (name == "startswith" || name == "endswith") {
    bool suffix = name == "endswith";
    return Value::function("str." + name, [self, suffix](Interpreter&, std::vector<Value>& a, Kwargs& k) {
      return Value::boolean(affix_match(self, a, k, suffix));
    });
  }
  if (name == "upper" || name == "lower" || name == "title" || name == "capitalize")
    return Value::function("str." + name, [self, name](Interpreter&, std::vector<Value>& a, Kwargs& k) {
      ArgBinder b(name, a, k, {});
      const std::string& s = self.as_string();
      if (name == "upper") return Value::string(unicode::upper(s));
      if (name == "lower") return Value::string(unicode::lower(s));
      if (name == "title") return Value::string(unicode::title(s));
      return Value::string(unicode::capitalize(s));
    });
  if (name == "replace")
    return bind_method(self, name, [](Interpreter& in, const Value& s, std::vector<Value>& a, Kwargs& k) {
      ArgBinder b("replace", a, k, {"old", "new", "count"});
      if (!b.has(0) || !b.has(1)) fail("replace expected at least 2 arguments");
      if (!b.get(0)->is_string() || !b.get(1)->is_string()) fail("replace() argument must be str");
      std::string r = pystr::replace(s.as_string(), b.get(0)->as_string(), b.get(1)->as_string(), opt_int(b.get(2), -1));
      in.check_size(r.size());
      return Value::string(std::move(r));
    });
  if (name == "format")
    return bind_method(self, name, [](Interpreter& in, const Value& s, std::vector<Value>& a, Kwargs& k) {
      std::string r = pystr::format(s.as_string(), a, k);
      in.check_size(r.size());
      return Value::string(std::move(r));
    });
  if (name == "join")
    return bind_method(self, name, [](Interpreter& in, const Value& s, std::vector<Value>& a, Kwargs& k) {
      ArgBinder b("join", a, k, {"iterable"});
      if (!b.has(0)) fail("join() takes exactly one argument (0 given)");
      std::string out;
      size_t i = 0;
      for (const auto& x : in.iterate(*b.get(0))) {
        if (!x.is_string())
          fail("sequence item " + std::to_string(i) + ": expected str instance, " + x.type_name() + " found");
        if (i++) out += s.as_string();
        out += x.as_string();
        in.check_size(out.size());
      }
      return Value::string(std::move(out));
    });
  if (name == "find" || name == "rfind" || name == "index" || name == "rindex")
    return Value::function("str." + name, [self, name](Interpreter&, std::vector<Value>& a, Kwargs& k) {
      ArgBinder b(name, a, k, {"sub"});
      if (!b.has(0) || !b.get(0)->is_string()) fail(name + "() argument must be str");
      int64_t r = pystr::find(self.as_string(), b.get(0)->as_string(), name[0] == 'r');
      if (r < 0 && (name == "index" || name == "rindex")) fail("substring not found");
      return Value::integer(r);
    });
  if (name == "count")
    return bind_method(self, name, [](Interpreter&, const Value& s, std::vector<Value>& a, Kwargs& k) {
      ArgBinder b("count", a, k, {"sub"});
      if (!b.has(0) || !b.get(0)->is_string()) fail("count() argument must be str");
      return Value::integer(pystr::count(s.as_string(), b.get(0)->as_string()));
    });
  if (name == "isspace" || name == "islower" || name == "isupper")
    return Value::function("str." + name, [self, name](Interpreter&, std::vector<Value>& a, Kwargs& k) {
      ArgBinder b(name, a, k, {});
      const std::string& s = self.as_string();
      if (name == "isspace") {
        if (s.empty()) return Value::boolean(false);
        size_t pos = 0;
        while (pos < s.size())
          if (!unicode::is_space(utf8::decode(s, pos))) return Value::boolean(false);
        return Value::boolean(true);
      }
      if (!any_cased(s)) return Value::boolean(false);
      return Value::boolean(name == "islower" ? unicode::lower(s) == s : unicode::upper(s) == s);
    });
  if (name == "removeprefix" || name == "removesuffix")
    return Value::function("str." + name, [self, name](Interpreter&, std::vector<Value>& a, Kwargs& k) {
      ArgBinder b(name, a, k, {"affix"});
      if (!b.has(0) || !b.get(0)->is_string()) fail(name + "() argument must be str");
      const std::string& s = self.as_string();
      const std::string& x = b.get(0)->as_string();
      if (name == "removeprefix" && s.compare(0, x.size(), x) == 0) return Value::string(s.substr(x.size()));
      if (name == "removesuffix" && !x.empty() && x.size() <= s.size() && s.compare(s.size() - x.size(), x.size(), x) == 0)
        return Value::string(s.substr(0, s.size() - x.size()));
      return Value::string(s);
    });
  // center / ljust / rjust
  return Value::function("str." + name, [self, name](Interpreter& in, std::vector<Value>& a, Kwargs& k) {
    ArgBinder b(name, a, k, {"width", "fillchar"});
    int64_t width = opt_int(b.get(0), 0);
    in.check_size(static_cast<size_t>(std::max<int64_t>(width, 0)));
    std::string fill = " ";
    if (b.has(1)) {
      if (!b.get(1)->is_string() || pystr::length(b.get(1)->as_string()) != 1)
        fail("The fill character must be exactly one character long");
      fill = b.get(1)->as_string();
    }
    const std::string& s = self.as_string();
    int64_t n = static_cast<int64_t>(pystr::length(s));
    if (width <= n) return Value::string(s);
    int64_t marg = width - n, left;
    if (name == "ljust") left = 0;
    else if (name == "rjust") left = marg;
    else left = marg / 2 + (marg & width & 1);
    std::string out;
    for (int64_t i = 0; i < left; ++i) out += fill;
    out += s;
    for (int64_t i = 0; i < marg - left; ++i) out += fill;
    return Value::string(std::move(out));
  });
}

Value dict_method(const Value& self, const std::string& name, bool* found) {
  static const std::set<std::string> kUnsafe = {"clear", "pop", "popitem", "setdefault", "update"};
  if (kUnsafe.count(name)) {
    *found = true;
    return Value::undefined("access to attribute '" + name + "' of 'dict' object is unsafe.");
  }
  if (name == "items" || name == "keys" || name == "values") {
    *found = true;
    SeqKind kind = name == "items" ? SeqKind::ItemsView : name == "keys" ? SeqKind::KeysView : SeqKind::ValuesView;
    return Value::function("dict." + name, [self, kind, name](Interpreter&, std::vector<Value>& a, Kwargs& k) {
      ArgBinder b(name, a, k, {});
      std::vector<Value> out;
      for (const auto& [key, v] : self.dict_data().entries) {
        if (kind == SeqKind::ItemsView) out.push_back(Value::tuple({key, v}));
        else out.push_back(kind == SeqKind::KeysView ? key : v);
      }
      return Value::list(std::move(out), kind);
    });
  }
  if (name == "get") {
    *found = true;
    return bind_method(self, name, [](Interpreter&, const Value& d, std::vector<Value>& a, Kwargs& k) {
      if (!k.empty()) fail("dict.get() takes no keyword arguments");
      if (a.empty() || a.size() > 2) fail("get expected 1 or 2 arguments, got " + std::to_string(a.size()));
      const Value* v = d.dict_data().find(a[0]);
      if (v) return *v;
      return a.size() == 2 ? a[1] : Value::none();
    });
  }
  return Value::undefined();
}

Value list_method(const Value& self, const std::string& name, bool* found) {
  static const std::set<std::string> kUnsafe = {"append", "clear", "extend", "insert", "pop", "remove", "reverse", "sort"};
  bool tuple = self.seq_kind() == SeqKind::Tuple;
  if (!tuple && kUnsafe.count(name)) {
    *found = true;
    return Value::undefined("access to attribute '" + name + "' of 'list' object is unsafe.");
  }
  if (name == "index" || name == "count") {
    *found = true;
    return Value::function(self.type_name() + "." + name, [self, name](Interpreter&, std::vector<Value>& a, Kwargs& k) {
      if (!k.empty() || a.size() != 1) fail(name + "() takes exactly one argument");
      int64_t n = 0, i = 0;
      for (const auto& x : self.items()) {
        if (equals(x, a[0])) {
          if (name == "index") return Value::integer(i);
          ++n;
        }
        ++i;
      }
      if (name == "index") fail(a[0].repr() + " is not in " + self.type_name());
      return Value::integer(n);
    });
  }
  return Value::undefined();
}

}  // namespace

Value get_method(const Value& obj, const std::string& name, bool* found) {
  *found = false;
  switch (obj.kind()) {
    case Value::Kind::String: return string_method(obj, name, found);
    case Value::Kind::Dict: return dict_method(obj, name, found);
    case Value::Kind::List:
      if (obj.seq_kind() == SeqKind::List || obj.seq_kind() == SeqKind::Tuple) return list_method(obj, name, found);
      return Value::undefined();
    default: return Value::undefined();
  }
}

}  // namespace polysafe::chat_template::jinja
