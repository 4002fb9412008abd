// The value model of the chat-template interpreter: Python's objects as jinja2
// sees them (None, bool, int, float, str, list, tuple, dict, iterators,
// namespace, callables, loop, Undefined), with Python's str()/repr(), truthiness,
// equality and ordering, so output matches jinja2 byte for byte.
// Values never mutate lists or dicts (HF renders in ImmutableSandboxedEnvironment);
// only namespace() objects change after creation.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace polysafe::chat_template::jinja {

// Render-time or parse-time failure inside the interpreter. `located` is set once
// the message carries "name:line:col: "; the innermost node that sees an
// unlocated error adds its own position.
class JinjaError : public std::runtime_error {
 public:
  explicit JinjaError(const std::string& msg, bool located = false)
      : std::runtime_error(msg), located_(located) {}
  bool located() const { return located_; }

 private:
  bool located_;
};

[[noreturn]] void fail(const std::string& msg);

class Value;
class Interpreter;
using Kwargs = std::vector<std::pair<std::string, Value>>;
using NativeFn = std::function<Value(Interpreter&, std::vector<Value>&, Kwargs&)>;

// Iterator: a generator (map/select/reverse results): always truthy, no len(), not printable.
// *View: dict.keys()/values()/items() results, printed as dict_keys([...]).
enum class SeqKind : uint8_t { List, Tuple, Iterator, KeysView, ValuesView, ItemsView };

struct Object {
  virtual ~Object() = default;
};

class Value {
 public:
  enum class Kind : uint8_t { Undefined, None, Bool, Int, Float, String, List, Dict, Namespace, Function, Loop };

  Value() = default;  // Undefined
  static Value undefined(std::string hint = {});
  static Value none();
  static Value boolean(bool b);
  static Value integer(int64_t i);
  static Value number(double f);
  static Value string(std::string s);
  static Value list(std::vector<Value> items, SeqKind kind = SeqKind::List);
  static Value tuple(std::vector<Value> items) { return list(std::move(items), SeqKind::Tuple); }
  static Value dict();
  static Value namespace_();
  static Value function(std::string name, NativeFn fn);
  static Value loop(std::shared_ptr<struct LoopData> loop);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::Undefined; }
  bool is_none() const { return kind_ == Kind::None; }
  bool is_bool() const { return kind_ == Kind::Bool; }
  bool is_int() const { return kind_ == Kind::Int; }
  bool is_float() const { return kind_ == Kind::Float; }
  bool is_number() const { return kind_ == Kind::Int || kind_ == Kind::Float || kind_ == Kind::Bool; }
  bool is_string() const { return kind_ == Kind::String; }
  bool is_list() const { return kind_ == Kind::List; }
  bool is_dict() const { return kind_ == Kind::Dict; }
  bool is_namespace() const { return kind_ == Kind::Namespace; }
  bool is_function() const { return kind_ == Kind::Function; }
  bool is_loop() const { return kind_ == Kind::Loop; }

  bool as_bool() const { return b_; }
  int64_t as_int() const { return kind_ == Kind::Bool ? (b_ ? 1 : 0) : i_; }
  double as_double() const;  // int, bool or float
  const std::string& as_string() const { return s_; }
  const std::string& undefined_hint() const { return s_; }

  // Lists, tuples and iterators.
  SeqKind seq_kind() const;
  const std::vector<Value>& items() const;
  // Dicts and namespaces (namespace attributes are stored as a dict).
  struct DictData& dict_data() const;
  struct FunctionData& function_data() const;
  struct LoopData& loop_data() const;
  bool same_object(const Value& o) const { return obj_ && obj_ == o.obj_; }

  // Python semantics.
  bool truthy() const;
  std::string str() const;   // str(x); Undefined renders as ""
  std::string repr() const;  // repr(x)
  std::string type_name() const;  // Python type name for messages: 'str', 'list'...

 private:
  Kind kind_ = Kind::Undefined;
  bool b_ = false;
  int64_t i_ = 0;
  double f_ = 0;
  std::string s_;
  std::shared_ptr<Object> obj_;
};

struct ListData : Object {
  std::vector<Value> items;
  SeqKind kind = SeqKind::List;
};

// Insertion-ordered dict with Python key semantics (1 == 1.0 == True).
struct DictData : Object {
  std::vector<std::pair<Value, Value>> entries;
  std::unordered_map<std::string, size_t> index;

  const Value* find(const Value& key) const;
  const Value* find(std::string_view key) const;  // string key
  void set(const Value& key, Value v);
  size_t size() const { return entries.size(); }
};

// State of a for loop, exposed to the template as `loop` (jinja2 LoopContext).
struct LoopData : Object {
  std::vector<Value> items;
  size_t index0 = 0;
  size_t depth0 = 0;
  bool has_changed_value = false;
  Value changed_value;
};

struct FunctionData : Object {
  std::string name;
  NativeFn fn;
};

// Hash identity of a dict key; throws for unhashable values (lists, dicts).
std::string hash_key(const Value& v);

// Python float repr ("0.1", "1e+16", "inf", "nan").
std::string format_float(double d);
// Python repr of a str.
std::string repr_string(std::string_view s);

bool equals(const Value& a, const Value& b);
// Python ordering (a < b => -1...); throws JinjaError for unorderable types.
// `op` names the operator for the TypeError-like message.
int compare(const Value& a, const Value& b, const char* op = "<");

}  // namespace polysafe::chat_template::jinja
