// jinja2's built-in filters and tests (jinja2/filters.py, jinja2/tests.py) as the
// HF chat-template environment has them, with Python argument binding (positional
// or keyword). Unknown names are rejected when the template is parsed, as jinja2
// does at compile time; filters we do not implement are reported as unsupported.
// Filters never mutate their input.
#pragma once

#include <string>
#include <vector>

#include "chat_template/jinja_value.h"

namespace polysafe::chat_template::jinja {

class Interpreter;

bool has_filter(const std::string& name);
bool has_test(const std::string& name);
// jinja2 built-ins that polysafe deliberately does not implement (named in the error).
bool is_unsupported_filter(const std::string& name);

Value apply_filter(Interpreter& in, const std::string& name, const Value& v, std::vector<Value>& args, Kwargs& kwargs);
bool apply_test(Interpreter& in, const std::string& name, const Value& v, std::vector<Value>& args, Kwargs& kwargs);

// Binds Python-style arguments to parameter names: get(i) is the i-th parameter,
// from position or keyword, or nullptr when absent. Extra or unknown arguments throw.
class ArgBinder {
 public:
  ArgBinder(const std::string& fn, std::vector<Value>& args, Kwargs& kwargs, std::vector<std::string> names);
  const Value* get(size_t i) const { return bound_[i]; }
  bool has(size_t i) const { return bound_[i] != nullptr; }

 private:
  std::vector<const Value*> bound_;
};

}  // namespace polysafe::chat_template::jinja
