#include "chat_template/jinja_interpreter.h"

#include <algorithm>
#include <ctime>
#include <optional>

#include "chat_template/jinja_filters.h"
#include "chat_template/jinja_methods.h"
#include "chat_template/jinja_operators.h"
#include "chat_template/jinja_strings.h"
#include "util/utf8.h"

namespace polysafe::chat_template::jinja {

const Value* Scope::find(const std::string& name) const {
  for (const Scope* s = this; s; s = s->parent.get()) {
    auto it = s->vars.find(name);
    if (it != s->vars.end()) return &it->second;
  }
  return nullptr;
}

namespace {

// HF's TemplateNamespace refuses underscore-prefixed attribute names.
void check_namespace_name(const std::string& name) {
  if (!name.empty() && name[0] == '_')
    fail("Chat templates cannot store underscore-prefixed attributes on a namespace, but got '" + name +
         "'. Please rename the attribute.");
}

Value dict_from_args(std::vector<Value>& args, Kwargs& kwargs, const char* fn) {
  Value d = Value::dict();
  if (args.size() > 1) fail(std::string(fn) + " expected at most 1 argument, got " + std::to_string(args.size()));
  if (args.size() == 1) {
    const Value& src = args[0];
    if (src.is_dict() || src.is_namespace()) {
      for (const auto& [k, v] : src.dict_data().entries) d.dict_data().set(k, v);
    } else if (src.is_list()) {
      size_t i = 0;
      for (const auto& pair : src.items()) {
        if (!pair.is_list() || pair.items().size() != 2)
          fail("dictionary update sequence element #" + std::to_string(i) + " has wrong length");
        d.dict_data().set(pair.items()[0], pair.items()[1]);
        ++i;
      }
    } else {
      fail("'" + src.type_name() + "' object is not iterable");
    }
  }
  for (auto& [k, v] : kwargs) d.dict_data().set(Value::string(k), v);
  return d;
}

struct DepthGuard {
  int& d;
  DepthGuard(int& depth, int limit) : d(depth) {
    if (++d > limit) {
      --d;
      fail("maximum recursion depth exceeded (polysafe limit: " + std::to_string(limit) + " nested macro calls)");
    }
  }
  ~DepthGuard() { --d; }
};

}  // namespace

void install_globals(Scope& g) {
  g.vars["range"] = Value::function("range", [](Interpreter&, std::vector<Value>& a, Kwargs& k) {
    if (!k.empty()) fail("range() takes no keyword arguments");
    if (a.empty() || a.size() > 3) fail("range expected 1 to 3 arguments, got " + std::to_string(a.size()));
    for (const auto& x : a)
      if (!x.is_int() && !x.is_bool()) fail("'" + x.type_name() + "' object cannot be interpreted as an integer");
    int64_t start = 0, stop, step = 1;
    if (a.size() == 1) {
      stop = a[0].as_int();
    } else {
      start = a[0].as_int();
      stop = a[1].as_int();
      if (a.size() == 3) step = a[2].as_int();
    }
    if (step == 0) fail("range() arg 3 must not be zero");
    __int128 n = 0;
    if (step > 0 && stop > start) n = ((__int128)stop - start + step - 1) / step;
    if (step < 0 && stop < start) n = ((__int128)start - stop - step - 1) / (-(__int128)step);
    // jinja2.sandbox.safe_range
    if (n > 100000) fail("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
    std::vector<Value> out;
    out.reserve(static_cast<size_t>(n));
    for (int64_t i = 0; i < static_cast<int64_t>(n); ++i) out.push_back(Value::integer(start + i * step));
    return Value::list(std::move(out));
  });
  g.vars["namespace"] = Value::function("namespace", [](Interpreter&, std::vector<Value>& a, Kwargs& k) {
    Value d = dict_from_args(a, k, "namespace");
    Value ns = Value::namespace_();
    for (const auto& [key, v] : d.dict_data().entries) {
      if (key.is_string()) check_namespace_name(key.as_string());
      ns.dict_data().set(key, v);
    }
    return ns;
  });
  g.vars["dict"] = Value::function("dict", [](Interpreter&, std::vector<Value>& a, Kwargs& k) {
    return dict_from_args(a, k, "dict");
  });
  g.vars["raise_exception"] = Value::function("raise_exception", [](Interpreter&, std::vector<Value>& a, Kwargs& k) -> Value {
    ArgBinder b("raise_exception", a, k, {"message"});
    if (!b.has(0)) fail("raise_exception() missing 1 required positional argument: 'message'");
    fail(b.get(0)->str());
  });
  g.vars["strftime_now"] = Value::function("strftime_now", [](Interpreter&, std::vector<Value>& a, Kwargs& k) {
    ArgBinder b("strftime_now", a, k, {"format"});
    if (!b.has(0) || !b.get(0)->is_string()) fail("strftime_now() argument must be str");
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    localtime_r(&t, &tm);
    const std::string& fmt = b.get(0)->as_string();
    if (fmt.empty()) return Value::string("");
    std::vector<char> buf(fmt.size() * 8 + 256);
    size_t n = std::strftime(buf.data(), buf.size(), fmt.c_str(), &tm);
    if (n == 0) fail("strftime_now: format produced no output or is too long");
    return Value::string(std::string(buf.data(), n));
  });
}

Interpreter::Interpreter(std::shared_ptr<const Program> program, RenderLimits limits)
    : program_(std::move(program)), limits_(limits) {}

std::string Interpreter::locate(size_t offset) const { return program_->map.where(offset); }

void Interpreter::tick() {
  if (++steps_ > limits_.max_steps)
    fail("template exceeded the step limit (" + std::to_string(limits_.max_steps) + " evaluations)");
}

void Interpreter::check_size(size_t bytes) const {
  if (bytes > limits_.max_output_bytes)
    fail("rendered text exceeds the output limit of " + std::to_string(limits_.max_output_bytes) + " bytes");
}

void Interpreter::emit(const std::string& s) {
  check_size(out_->size() + s.size());
  out_->append(s);
}

std::string Interpreter::render(const Value& context) {
  auto globals = std::make_shared<Scope>();
  install_globals(*globals);
  auto ctx = std::make_shared<Scope>();
  ctx->parent = globals;
  if (context.is_dict())
    for (const auto& [k, v] : context.dict_data().entries) ctx->vars[k.str()] = v;
  std::string out;
  out_ = &out;
  steps_ = 0;
  depth_ = 0;
  try {
    exec_body(program_->body, ctx);
  } catch (...) {
    out_ = nullptr;
    closures_.clear();
    throw;
  }
  out_ = nullptr;
  closures_.clear();
  return out;
}

std::vector<Value> Interpreter::iterate(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::List: return v.items();
    case Value::Kind::Undefined: return {};
    case Value::Kind::String: {
      std::vector<Value> out;
      const std::string& s = v.as_string();
      size_t pos = 0;
      while (pos < s.size()) {
        size_t start = pos;
        utf8::decode(s, pos);
        out.push_back(Value::string(s.substr(start, pos - start)));
      }
      return out;
    }
    case Value::Kind::Dict: {
      std::vector<Value> out;
      for (const auto& [k, x] : v.dict_data().entries) out.push_back(k);
      return out;
    }
    default: fail("'" + v.type_name() + "' object is not iterable");
  }
}

Value Interpreter::getattr(const Value& obj, const std::string& name) {
  bool found = false;
  switch (obj.kind()) {
    case Value::Kind::Undefined: fail(obj.undefined_hint().empty() ? "undefined value" : obj.undefined_hint());
    case Value::Kind::Dict: {
      Value m = get_method(obj, name, &found);
      if (found) return m;
      if (const Value* v = obj.dict_data().find(std::string_view(name))) return *v;
      return Value::undefined("'dict object' has no attribute '" + name + "'");
    }
    case Value::Kind::Namespace: {
      if (const Value* v = obj.dict_data().find(std::string_view(name))) return *v;
      return Value::undefined("'Namespace object' has no attribute '" + name + "'");
    }
    case Value::Kind::Loop: {
      auto& l = obj.loop_data();
      int64_t i = static_cast<int64_t>(l.index0), n = static_cast<int64_t>(l.items.size());
      if (name == "index") return Value::integer(i + 1);
      if (name == "index0") return Value::integer(i);
      if (name == "revindex") return Value::integer(n - i);
      if (name == "revindex0") return Value::integer(n - i - 1);
      if (name == "first") return Value::boolean(i == 0);
      if (name == "last") return Value::boolean(i == n - 1);
      if (name == "length") return Value::integer(n);
      if (name == "depth") return Value::integer(static_cast<int64_t>(l.depth0) + 1);
      if (name == "depth0") return Value::integer(static_cast<int64_t>(l.depth0));
      if (name == "previtem")
        return i > 0 ? l.items[i - 1] : Value::undefined("there is no previous item");
      if (name == "nextitem")
        return i + 1 < n ? l.items[i + 1] : Value::undefined("there is no next item");
      if (name == "cycle") {
        Value self = obj;
        return Value::function("loop.cycle", [self](Interpreter&, std::vector<Value>& a, Kwargs& k) {
          if (!k.empty()) fail("cycle() takes no keyword arguments");
          if (a.empty()) fail("no items for cycling given");
          return a[self.loop_data().index0 % a.size()];
        });
      }
      if (name == "changed") {
        Value self = obj;
        return Value::function("loop.changed", [self](Interpreter&, std::vector<Value>& a, Kwargs& k) {
          Value now = Value::tuple(a);
          auto& ld = self.loop_data();
          if (!ld.has_changed_value || !equals(ld.changed_value, now)) {
            ld.has_changed_value = true;
            ld.changed_value = now;
            return Value::boolean(true);
          }
          return Value::boolean(false);
        });
      }
      return Value::undefined("'LoopContext object' has no attribute '" + name + "'");
    }
    case Value::Kind::None: return Value::undefined("'None' has no attribute '" + name + "'");
    default: {
      Value m = get_method(obj, name, &found);
      if (found) return m;
      return Value::undefined("'" + obj.type_name() + " object' has no attribute '" + name + "'");
    }
  }
}

Value Interpreter::getitem(const Value& obj, const Value& key) {
  auto attr_fallback = [&]() -> Value {
    if (key.is_string()) return getattr(obj, key.as_string());
    return Value::undefined("'" + (obj.is_none() ? std::string("None") : obj.type_name() + " object") +
                            "' has no element " + key.repr());
  };
  switch (obj.kind()) {
    case Value::Kind::Undefined: fail(obj.undefined_hint().empty() ? "undefined value" : obj.undefined_hint());
    case Value::Kind::List: {
      if ((obj.seq_kind() == SeqKind::List || obj.seq_kind() == SeqKind::Tuple) && (key.is_int() || key.is_bool())) {
        int64_t n = static_cast<int64_t>(obj.items().size()), i = key.as_int();
        if (i < 0) i += n;
        if (i < 0 || i >= n) return Value::undefined("'" + obj.type_name() + " object' has no element " + key.repr());
        return obj.items()[static_cast<size_t>(i)];
      }
      return attr_fallback();
    }
    case Value::Kind::String: {
      if (key.is_int() || key.is_bool()) {
        std::vector<char32_t> cps = utf8::to_codepoints(obj.as_string());
        int64_t n = static_cast<int64_t>(cps.size()), i = key.as_int();
        if (i < 0) i += n;
        if (i < 0 || i >= n) return Value::undefined("'str object' has no element " + key.repr());
        std::string out;
        utf8::append(out, cps[static_cast<size_t>(i)]);
        return Value::string(std::move(out));
      }
      return attr_fallback();
    }
    case Value::Kind::Dict: {
      const Value* v = nullptr;
      try {
        v = obj.dict_data().find(key);
      } catch (const JinjaError&) {
        return Value::undefined("'dict object' has no element " + key.repr());  // unhashable key
      }
      if (v) return *v;
      if (key.is_string()) {
        bool found = false;
        Value m = get_method(obj, key.as_string(), &found);
        if (found) return m;
        return Value::undefined("'dict object' has no attribute '" + key.as_string() + "'");
      }
      return Value::undefined("'dict object' has no element " + key.repr());
    }
    default: return attr_fallback();
  }
}

Value Interpreter::call(const Value& fn, std::vector<Value>& args, Kwargs& kwargs) {
  if (fn.is_undefined()) fail(fn.undefined_hint().empty() ? "undefined value is not callable" : fn.undefined_hint());
  if (!fn.is_function()) fail("'" + fn.type_name() + "' object is not callable");
  tick();
  return fn.function_data().fn(*this, args, kwargs);
}

// ---- statements ---------------------------------------------------------

Interpreter::Flow Interpreter::exec_body(const Body& body, const ScopePtr& scope) {
  for (const auto& s : body) {
    Flow f = exec(*s, scope);
    if (f != Flow::Normal) return f;
  }
  return Flow::Normal;
}

std::string Interpreter::capture(const Body& body, const ScopePtr& scope) {
  std::string buf;
  std::string* saved = out_;
  out_ = &buf;
  try {
    exec_body(body, scope);
  } catch (...) {
    out_ = saved;
    throw;
  }
  out_ = saved;
  return buf;
}

void Interpreter::assign(const Expr& target, const Value& v, const ScopePtr& scope) {
  switch (target.kind) {
    case ExprKind::Name: scope->vars[target.name] = v; return;
    case ExprKind::Tuple: {
      std::vector<Value> items = iterate(v);
      size_t want = target.children.size();
      if (items.size() > want) fail("too many values to unpack (expected " + std::to_string(want) + ")");
      if (items.size() < want)
        fail("not enough values to unpack (expected " + std::to_string(want) + ", got " + std::to_string(items.size()) + ")");
      for (size_t i = 0; i < want; ++i) assign(*target.children[i], items[i], scope);
      return;
    }
    case ExprKind::NSRef: {
      const Value* ns = scope->find(target.name);
      if (!ns || !ns->is_namespace()) fail("cannot assign attribute on non-namespace object");
      check_namespace_name(target.attr);
      ns->dict_data().set(Value::string(target.attr), v);
      return;
    }
    default: fail("can't assign to this expression");
  }
}

void Interpreter::exec_for(const Stmt& s, const ScopePtr& scope) {
  Value iterable = eval(*s.expr, scope);
  std::vector<Value> items = iterate(iterable);
  if (s.condition) {
    std::vector<Value> kept;
    for (auto& item : items) {
      tick();
      auto tmp = std::make_shared<Scope>();
      tmp->parent = scope;
      assign(*s.target, item, tmp);
      if (eval(*s.condition, tmp).truthy()) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  if (items.empty()) {
    exec_body(s.else_body, scope);
    return;
  }
  auto loop = std::make_shared<LoopData>();
  loop->items = std::move(items);
  Value loop_value = Value::loop(loop);
  for (size_t i = 0; i < loop->items.size(); ++i) {
    tick();
    loop->index0 = i;
    auto iter = std::make_shared<Scope>();
    iter->parent = scope;
    assign(*s.target, loop->items[i], iter);
    iter->vars["loop"] = loop_value;
    if (exec_body(s.body, iter) == Flow::Break) break;
  }
}

Interpreter::Flow Interpreter::exec(const Stmt& s, const ScopePtr& scope) {
  try {
    tick();
    switch (s.kind) {
      case StmtKind::Data: emit(s.text); return Flow::Normal;
      case StmtKind::Output: emit(eval(*s.expr, scope).str()); return Flow::Normal;
      case StmtKind::If: {
        if (eval(*s.expr, scope).truthy()) return exec_body(s.body, scope);
        return exec_body(s.else_body, scope);
      }
      case StmtKind::For: exec_for(s, scope); return Flow::Normal;
      case StmtKind::Set: assign(*s.target, eval(*s.expr, scope), scope); return Flow::Normal;
      case StmtKind::SetBlock: {
        Value v = Value::string(capture(s.body, scope));
        if (s.condition) {
          // the filter chain's innermost subject is the captured text
          std::vector<const Expr*> chain;
          for (const Expr* f = s.condition.get(); f; f = f->children[0].get()) chain.push_back(f);
          for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
            std::vector<Value> args;
            Kwargs kwargs;
            eval_args(**it, scope, 1, args, kwargs);
            v = apply_filter(*this, (*it)->name, v, args, kwargs);
          }
        }
        assign(*s.target, v, scope);
        return Flow::Normal;
      }
      case StmtKind::FilterBlock: {
        Value v = Value::string(capture(s.body, scope));
        std::vector<const Expr*> chain;
        for (const Expr* f = s.expr.get(); f; f = f->children[0].get()) chain.push_back(f);
        for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
          std::vector<Value> args;
          Kwargs kwargs;
          eval_args(**it, scope, 1, args, kwargs);
          v = apply_filter(*this, (*it)->name, v, args, kwargs);
        }
        emit(v.str());
        return Flow::Normal;
      }
      case StmtKind::Macro: scope->vars[s.name] = make_macro(s, scope); return Flow::Normal;
      case StmtKind::CallBlock: {
        const Stmt* stmt = &s;
        closures_.push_back(scope);
        std::weak_ptr<Scope> weak = scope;
        Value caller = Value::function("caller", [stmt, weak](Interpreter& in, std::vector<Value>& a, Kwargs& k) {
          ScopePtr closure = weak.lock();
          if (!closure) fail("caller() used after its defining scope ended");
          return in.invoke_macro(*stmt, closure, a, k, nullptr);
        });
        const Expr& call_expr = *s.expr;
        Value fn = eval(*call_expr.children[0], scope);
        std::vector<Value> args;
        Kwargs kwargs;
        eval_args(call_expr, scope, 1, args, kwargs);
        kwargs.emplace_back("caller", caller);
        emit(call(fn, args, kwargs).str());
        return Flow::Normal;
      }
      case StmtKind::With: {
        auto inner = std::make_shared<Scope>();
        inner->parent = scope;
        std::vector<Value> values;
        for (const auto& v : s.with_values) values.push_back(eval(*v, scope));
        for (size_t i = 0; i < values.size(); ++i) assign(*s.with_targets[i], values[i], inner);
        return exec_body(s.body, inner);
      }
      case StmtKind::Scope: return exec_body(s.body, scope);
      case StmtKind::Break: return Flow::Break;
      case StmtKind::Continue: return Flow::Continue;
    }
  } catch (const JinjaError& e) {
    if (e.located()) throw;
    throw JinjaError(locate(s.offset) + ": " + e.what(), true);
  }
  return Flow::Normal;
}

Value Interpreter::make_macro(const Stmt& m, const ScopePtr& scope) {
  const Stmt* stmt = &m;
  closures_.push_back(scope);
  std::weak_ptr<Scope> weak = scope;
  return Value::function(m.name, [stmt, weak](Interpreter& in, std::vector<Value>& a, Kwargs& k) {
    ScopePtr closure = weak.lock();
    if (!closure) fail("macro '" + stmt->name + "' called after its defining scope ended");
    return in.invoke_macro(*stmt, closure, a, k, nullptr);
  });
}

Value Interpreter::invoke_macro(const Stmt& m, const ScopePtr& closure, std::vector<Value>& args, Kwargs& kwargs,
                                const Value*) {
  DepthGuard guard(depth_, limits_.max_call_depth);
  auto scope = std::make_shared<Scope>();
  scope->parent = closure;
  const size_t np = m.params.size();
  std::vector<bool> bound(np, false);
  std::vector<Value> extra;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i < np) {
      scope->vars[m.params[i]] = args[i];
      bound[i] = true;
    } else {
      extra.push_back(args[i]);
    }
  }
  const std::string label = m.kind == StmtKind::CallBlock ? "caller" : m.name;
  if (!extra.empty() && !m.uses_varargs)
    fail("macro '" + label + "' takes not more than " + std::to_string(np) + " argument(s)");
  Value extra_kw = Value::dict();
  Value caller = Value::undefined("No caller defined");
  for (auto& [k, v] : kwargs) {
    auto it = std::find(m.params.begin(), m.params.end(), k);
    if (it != m.params.end()) {
      size_t i = static_cast<size_t>(it - m.params.begin());
      if (bound[i]) fail("macro '" + label + "' got multiple values for argument '" + k + "'");
      scope->vars[k] = v;
      bound[i] = true;
    } else if (k == "caller" && m.uses_caller) {
      caller = v;
    } else if (m.uses_kwargs) {
      extra_kw.dict_data().set(Value::string(k), v);
    } else {
      fail("macro '" + label + "' takes no keyword argument '" + k + "'");
    }
  }
  for (size_t i = 0; i < np; ++i) {
    if (bound[i]) continue;
    if (i < m.defaults.size() && m.defaults[i])
      scope->vars[m.params[i]] = eval(*m.defaults[i], scope);
    else
      scope->vars[m.params[i]] = Value::undefined("parameter '" + m.params[i] + "' was not provided");
  }
  scope->vars["varargs"] = Value::tuple(std::move(extra));
  scope->vars["kwargs"] = extra_kw;
  if (m.uses_caller) scope->vars["caller"] = caller;
  return Value::string(capture(m.body, scope));
}

// ---- expressions --------------------------------------------------------

void Interpreter::eval_args(const Expr& e, const ScopePtr& scope, size_t first, std::vector<Value>& args, Kwargs& kwargs) {
  for (size_t i = first; i < e.children.size(); ++i) args.push_back(eval(*e.children[i], scope));
  for (const auto& [k, v] : e.kwargs) kwargs.emplace_back(k, eval(*v, scope));
  if (e.dyn_args) {
    for (auto& v : iterate(eval(*e.dyn_args, scope))) args.push_back(std::move(v));
  }
  if (e.dyn_kwargs) {
    Value d = eval(*e.dyn_kwargs, scope);
    if (!d.is_dict()) fail("argument after ** must be a mapping, not " + d.type_name());
    for (const auto& [k, v] : d.dict_data().entries) {
      if (!k.is_string()) fail("keywords must be strings");
      kwargs.emplace_back(k.as_string(), v);
    }
  }
}

Value Interpreter::eval(const Expr& e, const ScopePtr& scope) {
  try {
    tick();
    return eval_inner(e, scope);
  } catch (const JinjaError& err) {
    if (err.located()) throw;
    throw JinjaError(locate(e.offset) + ": " + err.what(), true);
  }
}

namespace {

std::optional<int64_t> slice_part(const Value& v, bool* ok) {
  if (v.is_none() || v.is_undefined()) return std::nullopt;
  if (v.is_int() || v.is_bool()) return v.as_int();
  *ok = false;
  return std::nullopt;
}

}  // namespace

Value Interpreter::eval_inner(const Expr& e, const ScopePtr& scope) {
  switch (e.kind) {
    case ExprKind::Const: return e.constant;
    case ExprKind::Name: {
      const Value* v = scope->find(e.name);
      if (v) return *v;
      return Value::undefined("'" + e.name + "' is undefined");
    }
    case ExprKind::NSRef: fail("namespace reference used as a value");
    case ExprKind::List:
    case ExprKind::Tuple: {
      std::vector<Value> items;
      items.reserve(e.children.size());
      for (const auto& c : e.children) items.push_back(eval(*c, scope));
      return Value::list(std::move(items), e.kind == ExprKind::Tuple ? SeqKind::Tuple : SeqKind::List);
    }
    case ExprKind::Dict: {
      Value d = Value::dict();
      for (size_t i = 0; i + 1 < e.children.size(); i += 2) {
        Value k = eval(*e.children[i], scope);
        d.dict_data().set(k, eval(*e.children[i + 1], scope));
      }
      return d;
    }
    case ExprKind::Getattr: return getattr(eval(*e.children[0], scope), e.name);
    case ExprKind::Getitem: {
      Value obj = eval(*e.children[0], scope);
      const Expr& k = *e.children[1];
      if (k.kind != ExprKind::Slice) return getitem(obj, eval(k, scope));
      Value parts[3];
      for (int i = 0; i < 3; ++i)
        parts[i] = k.children[i] ? eval(*k.children[i], scope) : Value::none();
      if (obj.is_undefined()) fail(obj.undefined_hint());
      bool ok = true;
      auto a = slice_part(parts[0], &ok), b = slice_part(parts[1], &ok), c = slice_part(parts[2], &ok);
      if (!ok) return Value::undefined("slice indices must be integers or None");
      if (c && *c == 0) fail("slice step cannot be zero");
      if (obj.is_string()) return Value::string(pystr::slice(obj.as_string(), a, b, c));
      if (obj.is_list() && (obj.seq_kind() == SeqKind::List || obj.seq_kind() == SeqKind::Tuple)) {
        std::vector<Value> out;
        for (int64_t i : pystr::slice_indices(static_cast<int64_t>(obj.items().size()), a, b, c))
          out.push_back(obj.items()[static_cast<size_t>(i)]);
        return Value::list(std::move(out), obj.seq_kind());
      }
      return Value::undefined("'" + obj.type_name() + "' object is not subscriptable");
    }
    case ExprKind::Slice: fail("slice used outside a subscript");
    case ExprKind::Call: {
      Value fn = eval(*e.children[0], scope);
      std::vector<Value> args;
      Kwargs kwargs;
      eval_args(e, scope, 1, args, kwargs);
      return call(fn, args, kwargs);
    }
    case ExprKind::Filter: {
      Value subject = e.children[0] ? eval(*e.children[0], scope) : Value();
      std::vector<Value> args;
      Kwargs kwargs;
      eval_args(e, scope, 1, args, kwargs);
      return apply_filter(*this, e.name, subject, args, kwargs);
    }
    case ExprKind::Test: {
      Value subject = eval(*e.children[0], scope);
      std::vector<Value> args;
      Kwargs kwargs;
      eval_args(e, scope, 1, args, kwargs);
      return Value::boolean(apply_test(*this, e.name, subject, args, kwargs));
    }
    case ExprKind::Unary: {
      Value v = eval(*e.children[0], scope);
      if (e.name == "not") return Value::boolean(!v.truthy());
      return unary_op(e.name, v);
    }
    case ExprKind::Binary:
      return binary_op(e.name, eval(*e.children[0], scope), eval(*e.children[1], scope), limits_.max_output_bytes);
    case ExprKind::Concat: {
      std::string out;
      for (const auto& c : e.children) {
        out += eval(*c, scope).str();
        check_size(out.size());
      }
      return Value::string(std::move(out));
    }
    case ExprKind::And: {
      Value l = eval(*e.children[0], scope);
      if (!l.truthy()) return l;
      return eval(*e.children[1], scope);
    }
    case ExprKind::Or: {
      Value l = eval(*e.children[0], scope);
      if (l.truthy()) return l;
      return eval(*e.children[1], scope);
    }
    case ExprKind::Compare: {
      Value left = eval(*e.children[0], scope);
      for (size_t i = 0; i < e.ops.size(); ++i) {
        Value right = eval(*e.children[i + 1], scope);
        const std::string& op = e.ops[i];
        bool r;
        if (op == "==") r = equals(left, right);
        else if (op == "!=") r = !equals(left, right);
        else if (op == "<") r = compare(left, right, "<") < 0;
        else if (op == "<=") r = compare(left, right, "<=") <= 0;
        else if (op == ">") r = compare(left, right, ">") > 0;
        else if (op == ">=") r = compare(left, right, ">=") >= 0;
        else if (op == "in") r = contains(right, left);
        else r = !contains(right, left);
        if (!r) return Value::boolean(false);
        left = std::move(right);
      }
      return Value::boolean(true);
    }
    case ExprKind::CondExpr: {
      if (eval(*e.children[0], scope).truthy()) return eval(*e.children[1], scope);
      if (e.children[2]) return eval(*e.children[2], scope);
      return Value::undefined("the inline if-expression evaluated to false and no else section was defined.");
    }
  }
  fail("internal error: unknown expression");
}

namespace {

void validate_expr(const Program& p, const Expr* e) {
  if (!e) return;
  if (e->kind == ExprKind::Filter) {
    if (is_unsupported_filter(e->name))
      throw JinjaError(p.map.where(e->offset) + ": unsupported construct: filter '" + e->name + "' is not supported", true);
    if (!has_filter(e->name)) throw JinjaError(p.map.where(e->offset) + ": No filter named '" + e->name + "'.", true);
  }
  if (e->kind == ExprKind::Test && !has_test(e->name))
    throw JinjaError(p.map.where(e->offset) + ": No test named '" + e->name + "'.", true);
  for (const auto& c : e->children) validate_expr(p, c.get());
  for (const auto& kv : e->kwargs) validate_expr(p, kv.second.get());
  validate_expr(p, e->dyn_args.get());
  validate_expr(p, e->dyn_kwargs.get());
}

void validate_body(const Program& p, const Body& body) {
  for (const auto& s : body) {
    validate_expr(p, s->expr.get());
    validate_expr(p, s->target.get());
    validate_expr(p, s->condition.get());
    for (const auto& d : s->defaults) validate_expr(p, d.get());
    for (const auto& v : s->with_values) validate_expr(p, v.get());
    validate_body(p, s->body);
    validate_body(p, s->else_body);
  }
}

}  // namespace

void validate_program(const Program& program) { validate_body(program, program.body); }

}  // namespace polysafe::chat_template::jinja
