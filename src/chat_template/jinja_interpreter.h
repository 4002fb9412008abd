// Tree-walking renderer for a parsed template: scopes as jinja2 has them (a
// for-loop iteration and a macro call each get a fresh scope, if-blocks do not),
// macros and call blocks, loop variables, break/continue, the HF globals
// (raise_exception, strftime_now, namespace, dict, range).
// It must never hang or exhaust memory on a hostile template: call depth, step
// count and output size are bounded and exceeding them throws JinjaError.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "chat_template/jinja_parser.h"
#include "chat_template/jinja_value.h"

namespace polysafe::chat_template::jinja {

struct RenderLimits {
  size_t max_output_bytes = 32u << 20;  // any one rendered string (output, block set, macro result)
  int max_call_depth = 200;             // nested macro / caller invocations
  uint64_t max_steps = 5'000'000;       // statements + expressions evaluated
};

struct Scope {
  std::shared_ptr<Scope> parent;
  std::unordered_map<std::string, Value> vars;
  const Value* find(const std::string& name) const;
};
using ScopePtr = std::shared_ptr<Scope>;

class Interpreter {
 public:
  Interpreter(std::shared_ptr<const Program> program, RenderLimits limits);

  // Renders with `context` (a dict of variables layered over the globals).
  std::string render(const Value& context);

  // Environment operations shared by filters, tests and methods.
  Value getattr(const Value& obj, const std::string& name);  // jinja2 sandbox getattr
  Value getitem(const Value& obj, const Value& key);         // jinja2 sandbox getitem
  Value call(const Value& fn, std::vector<Value>& args, Kwargs& kwargs);
  std::vector<Value> iterate(const Value& v);
  const RenderLimits& limits() const { return limits_; }
  void check_size(size_t bytes) const;
  void tick();

 private:
  enum class Flow { Normal, Break, Continue };

  std::shared_ptr<const Program> program_;
  RenderLimits limits_;
  uint64_t steps_ = 0;
  int depth_ = 0;
  std::string* out_ = nullptr;
  // Scopes that macros and callers close over. The closures hold weak references
  // (a macro is stored in the scope it captures); this list keeps those scopes
  // alive until the render ends, so a macro that escapes its loop iteration
  // (e.g. through a namespace) still works, and the cycle is broken afterwards.
  std::vector<ScopePtr> closures_;

  Flow exec_body(const Body& body, const ScopePtr& scope);
  Flow exec(const Stmt& s, const ScopePtr& scope);
  void exec_for(const Stmt& s, const ScopePtr& scope);
  void assign(const Expr& target, const Value& v, const ScopePtr& scope);
  std::string capture(const Body& body, const ScopePtr& scope);
  void emit(const std::string& s);

  Value eval(const Expr& e, const ScopePtr& scope);
  Value eval_inner(const Expr& e, const ScopePtr& scope);
  void eval_args(const Expr& e, const ScopePtr& scope, size_t first, std::vector<Value>& args, Kwargs& kwargs);
  Value make_macro(const Stmt& m, const ScopePtr& scope);
  Value invoke_macro(const Stmt& m, const ScopePtr& closure, std::vector<Value>& args, Kwargs& kwargs,
                     const Value* caller);
  std::string locate(size_t offset) const;
};

// The HF environment's globals (range, namespace, dict, raise_exception, strftime_now).
void install_globals(Scope& scope);

}  // namespace polysafe::chat_template::jinja

namespace polysafe::chat_template::jinja {
// Compile-time checks jinja2 makes before rendering: every filter and test named
// in the template exists (jinja2 raises "No filter named 'x'." at compile time).
void validate_program(const Program& program);
}  // namespace polysafe::chat_template::jinja
