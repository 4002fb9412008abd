// Syntax tree of a parsed chat template: the node kinds of jinja2.nodes that the
// supported subset needs. Every node records its source offset so render-time
// errors can name line and column. Nodes are immutable after parsing and hold
// no render state, so one parsed template may render concurrently.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "chat_template/jinja_value.h"

namespace polysafe::chat_template::jinja {

enum class ExprKind {
  Const,     // constant
  Name,      // name
  NSRef,     // name.attr as an assignment target
  List,      // children
  Tuple,     // children
  Dict,      // children: key, value, key, value...
  Getattr,   // children[0] . name
  Getitem,   // children[0] [ children[1] ]
  Slice,     // children: start, stop, step (null when absent)
  Call,      // children[0]( children[1..], kwargs )
  Filter,    // children[0] (null in filter blocks) | name(children[1..], kwargs)
  Test,      // children[0] is name(children[1..], kwargs)
  Unary,     // op: "-", "+", "not"; children[0]
  Binary,    // op: + - * / // % ** ; children[0], children[1]
  Concat,    // children joined with ~
  And,
  Or,
  Compare,   // children[0] ops[i] children[i+1]
  CondExpr,  // children: test, then, else (null: Undefined)
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  ExprKind kind = ExprKind::Const;
  size_t offset = 0;
  Value constant;
  std::string name;  // Name/NSRef name, Getattr attribute, Filter/Test name, operator
  std::string attr;  // NSRef attribute
  std::vector<ExprPtr> children;
  std::vector<std::string> ops;  // Compare operators: == != < <= > >= in notin
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
  ExprPtr dyn_args, dyn_kwargs;  // *args, **kwargs in calls
};

enum class StmtKind { Data, Output, If, For, Set, SetBlock, Macro, CallBlock, FilterBlock, With, Break, Continue, Scope };

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

struct Stmt {
  StmtKind kind = StmtKind::Data;
  size_t offset = 0;
  std::string text;     // Data
  ExprPtr expr;         // Output value, If test, For iterable, Set value, CallBlock call, FilterBlock filter
  ExprPtr target;       // For/Set/SetBlock target
  ExprPtr condition;    // For ... if condition; SetBlock filter
  Body body, else_body;  // If else (an elif is an If inside else_body), For else
  // Macro and CallBlock (the caller's signature)
  std::string name;
  std::vector<std::string> params;
  std::vector<ExprPtr> defaults;  // aligned with params; null when none
  bool uses_caller = false, uses_varargs = false, uses_kwargs = false;
  // With: targets[i] = values[i]
  std::vector<ExprPtr> with_targets, with_values;
};

}  // namespace polysafe::chat_template::jinja
