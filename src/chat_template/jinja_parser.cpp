#include "chat_template/jinja_parser.h"

#include <algorithm>
#include <set>

namespace polysafe::chat_template::jinja {
namespace {

constexpr int kMaxNesting = 200;

class Parser {
 public:
  Parser(const SourceMap& map, std::vector<Token> toks) : map_(map), toks_(std::move(toks)) {}

  Body parse() {
    Body body = subparse(nullptr);
    return body;
  }

 private:
  const SourceMap& map_;
  std::vector<Token> toks_;
  size_t i_ = 0;
  int depth_ = 0;
  int loop_depth_ = 0;

  struct DepthGuard {
    Parser& p;
    explicit DepthGuard(Parser& parser) : p(parser) {
      if (++p.depth_ > kMaxNesting) p.fail_at(p.cur().offset, "template nesting too deep (limit " + std::to_string(kMaxNesting) + ")");
    }
    ~DepthGuard() { --p.depth_; }
  };

  const Token& cur() const { return toks_[i_]; }
  const Token& look() const { return toks_[std::min(i_ + 1, toks_.size() - 1)]; }
  void next() {
    if (i_ + 1 < toks_.size()) ++i_;
  }

  [[noreturn]] void fail_at(size_t offset, const std::string& msg) {
    throw JinjaError(map_.where(offset) + ": " + msg, true);
  }
  [[noreturn]] void fail(const std::string& msg) { fail_at(cur().offset, msg); }

  static std::string describe(const Token& t) {
    switch (t.type) {
      case TokenType::Data: return "template data";
      case TokenType::VarBegin: return "begin of print statement";
      case TokenType::VarEnd: return "end of print statement";
      case TokenType::BlockBegin: return "begin of statement block";
      case TokenType::BlockEnd: return "end of statement block";
      case TokenType::Name: return t.value;
      case TokenType::String: return "string";
      case TokenType::Integer: return "integer";
      case TokenType::Float: return "float";
      case TokenType::Operator: return t.value;
      case TokenType::Eof: return "end of template";
    }
    return "?";
  }

  bool is_op(const char* op) const { return cur().type == TokenType::Operator && cur().value == op; }
  bool is_name(const char* n) const { return cur().type == TokenType::Name && cur().value == n; }
  bool skip_op(const char* op) {
    if (!is_op(op)) return false;
    next();
    return true;
  }
  bool skip_name(const char* n) {
    if (!is_name(n)) return false;
    next();
    return true;
  }
  void expect_op(const char* op) {
    if (!is_op(op)) fail(std::string("expected token '") + op + "', got '" + describe(cur()) + "'");
    next();
  }
  void expect_type(TokenType t, const char* what) {
    if (cur().type != t) fail(std::string("expected ") + what + ", got '" + describe(cur()) + "'");
    next();
  }
  std::string expect_name() {
    if (cur().type != TokenType::Name) fail("expected name, got '" + describe(cur()) + "'");
    std::string v = cur().value;
    next();
    return v;
  }
  void expect_name(const char* n) {
    if (!is_name(n)) fail(std::string("expected '") + n + "', got '" + describe(cur()) + "'");
    next();
  }

  ExprPtr make(ExprKind k, size_t off) {
    auto e = std::make_unique<Expr>();
    e->kind = k;
    e->offset = off;
    return e;
  }
  StmtPtr make_stmt(StmtKind k, size_t off) {
    auto s = std::make_unique<Stmt>();
    s->kind = k;
    s->offset = off;
    return s;
  }

  // ---- statements -------------------------------------------------------

  using EndTokens = std::vector<std::string>;

  Body subparse(const EndTokens* end) {
    DepthGuard g(*this);
    Body body;
    while (cur().type != TokenType::Eof) {
      const Token& t = cur();
      if (t.type == TokenType::Data) {
        auto s = make_stmt(StmtKind::Data, t.offset);
        s->text = t.value;
        body.push_back(std::move(s));
        next();
      } else if (t.type == TokenType::VarBegin) {
        size_t off = t.offset;
        next();
        auto s = make_stmt(StmtKind::Output, off);
        s->expr = parse_tuple(false, true, {}, false, false);
        expect_type(TokenType::VarEnd, "end of print statement");
        body.push_back(std::move(s));
      } else if (t.type == TokenType::BlockBegin) {
        next();
        if (end && cur().type == TokenType::Name) {
          for (const auto& e : *end)
            if (cur().value == e) return body;
        }
        body.push_back(parse_statement());
        expect_type(TokenType::BlockEnd, "end of statement block");
      } else {
        fail("unexpected '" + describe(t) + "'");
      }
    }
    return body;
  }

  Body parse_statements(const EndTokens& end, bool drop_needle, const std::string& block) {
    skip_op(":");
    expect_type(TokenType::BlockEnd, "end of statement block");
    Body body = subparse(&end);
    if (cur().type == TokenType::Eof) {
      std::string want;
      for (size_t k = 0; k < end.size(); ++k) want += (k ? "' or '" : "'") + end[k];
      fail("unexpected end of template: the '" + block + "' block is not closed (expected " + want + "')");
    }
    if (drop_needle) next();
    return body;
  }

  StmtPtr parse_statement() {
    if (cur().type != TokenType::Name) fail("tag name expected");
    const std::string tag = cur().value;
    size_t off = cur().offset;
    if (tag == "for") return parse_for();
    if (tag == "if") return parse_if();
    if (tag == "set") return parse_set();
    if (tag == "macro") return parse_macro();
    if (tag == "call") return parse_call_block();
    if (tag == "filter") return parse_filter_block();
    if (tag == "with") return parse_with();
    if (tag == "print") {
      next();
      auto s = make_stmt(StmtKind::Output, off);
      auto tuple = make(ExprKind::Tuple, off);
      while (cur().type != TokenType::BlockEnd) {
        if (!tuple->children.empty()) expect_op(",");
        tuple->children.push_back(parse_expression(true));
      }
      // {% print a, b %} prints each expression, like consecutive {{ }}.
      auto concat = make(ExprKind::Concat, off);
      concat->children = std::move(tuple->children);
      s->expr = std::move(concat);
      return s;
    }
    if (tag == "break" || tag == "continue") {
      if (loop_depth_ == 0) fail("'" + tag + "' outside of a for loop");
      next();
      return make_stmt(tag == "break" ? StmtKind::Break : StmtKind::Continue, off);
    }
    if (tag == "generation") {  // HF AssistantTracker extension: renders its body unchanged
      next();
      auto s = make_stmt(StmtKind::Scope, off);
      s->body = parse_statements({"endgeneration"}, true, "generation");
      return s;
    }
    static const std::set<std::string> kUnsupported = {"block", "extends", "include", "import", "from",
                                                       "autoescape", "do", "trans", "pluralize", "debug"};
    if (kUnsupported.count(tag)) fail("unsupported construct: the '" + tag + "' tag is not supported in chat templates");
    static const std::set<std::string> kEnds = {"endfor", "endif", "endset", "endmacro", "endcall", "endfilter",
                                                "endwith", "else", "elif", "endgeneration", "endraw"};
    if (kEnds.count(tag)) fail("unexpected '" + tag + "' (no open block expects it here)");
    fail("unknown tag '" + tag + "'");
  }

  StmtPtr parse_for() {
    auto s = make_stmt(StmtKind::For, cur().offset);
    next();
    s->target = parse_assign_target(true, false, {"in"}, false);
    expect_name("in");
    s->expr = parse_tuple(false, false, {"recursive"}, false, false);
    if (skip_name("if")) s->condition = parse_expression(true);
    if (is_name("recursive")) fail("unsupported construct: recursive for loops are not supported");
    ++loop_depth_;
    s->body = parse_statements({"endfor", "else"}, false, "for");
    --loop_depth_;
    bool has_else = cur().value == "else";
    next();
    if (has_else) s->else_body = parse_statements({"endfor"}, true, "for");
    return s;
  }

  StmtPtr parse_if() {
    auto root = make_stmt(StmtKind::If, cur().offset);
    next();
    Stmt* node = root.get();
    while (true) {
      node->expr = parse_tuple(false, false, {}, false, false);
      node->body = parse_statements({"elif", "else", "endif"}, false, "if");
      std::string tok = cur().value;
      size_t off = cur().offset;
      next();
      if (tok == "elif") {
        auto elif = make_stmt(StmtKind::If, off);
        Stmt* raw = elif.get();
        node->else_body.push_back(std::move(elif));
        node = raw;
        continue;
      }
      if (tok == "else") node->else_body = parse_statements({"endif"}, true, "if");
      break;
    }
    return root;
  }

  StmtPtr parse_set() {
    size_t off = cur().offset;
    next();
    ExprPtr target = parse_assign_target(true, false, {}, true);
    if (skip_op("=")) {
      auto s = make_stmt(StmtKind::Set, off);
      s->target = std::move(target);
      s->expr = parse_tuple(false, true, {}, false, false);
      return s;
    }
    auto s = make_stmt(StmtKind::SetBlock, off);
    s->target = std::move(target);
    if (is_op("|")) s->condition = parse_filter(nullptr, false);
    s->body = parse_statements({"endset"}, true, "set");
    return s;
  }

  void parse_signature(Stmt& s) {
    expect_op("(");
    while (!is_op(")")) {
      if (!s.params.empty()) expect_op(",");
      s.params.push_back(expect_name());
      if (skip_op("="))
        s.defaults.push_back(parse_expression(true));
      else if (!s.defaults.empty() && std::any_of(s.defaults.begin(), s.defaults.end(), [](const ExprPtr& e) { return e != nullptr; }))
        fail("non-default argument follows default argument");
      else
        s.defaults.push_back(nullptr);
    }
    expect_op(")");
  }

  static void scan_names(const Expr* e, Stmt& m) {
    if (!e) return;
    if (e->kind == ExprKind::Name) {
      if (e->name == "caller") m.uses_caller = true;
      if (e->name == "varargs") m.uses_varargs = true;
      if (e->name == "kwargs") m.uses_kwargs = true;
    }
    for (const auto& c : e->children) scan_names(c.get(), m);
    for (const auto& kv : e->kwargs) scan_names(kv.second.get(), m);
    scan_names(e->dyn_args.get(), m);
    scan_names(e->dyn_kwargs.get(), m);
  }
  static void scan_body(const Body& body, Stmt& m) {
    for (const auto& s : body) {
      scan_names(s->expr.get(), m);
      scan_names(s->condition.get(), m);
      for (const auto& d : s->defaults) scan_names(d.get(), m);
      for (const auto& v : s->with_values) scan_names(v.get(), m);
      scan_body(s->body, m);
      scan_body(s->else_body, m);
    }
  }

  StmtPtr parse_macro() {
    auto s = make_stmt(StmtKind::Macro, cur().offset);
    next();
    s->name = expect_name();
    parse_signature(*s);
    int saved = loop_depth_;
    loop_depth_ = 0;
    s->body = parse_statements({"endmacro"}, true, "macro");
    loop_depth_ = saved;
    scan_body(s->body, *s);
    return s;
  }

  StmtPtr parse_call_block() {
    auto s = make_stmt(StmtKind::CallBlock, cur().offset);
    next();
    if (is_op("(")) parse_signature(*s);
    size_t off = cur().offset;
    s->expr = parse_expression(true);
    if (s->expr->kind != ExprKind::Call) fail_at(off, "expected call");
    int saved = loop_depth_;
    loop_depth_ = 0;
    s->body = parse_statements({"endcall"}, true, "call");
    loop_depth_ = saved;
    scan_body(s->body, *s);
    return s;
  }

  StmtPtr parse_filter_block() {
    auto s = make_stmt(StmtKind::FilterBlock, cur().offset);
    next();
    s->expr = parse_filter(nullptr, true);
    s->body = parse_statements({"endfilter"}, true, "filter");
    return s;
  }

  StmtPtr parse_with() {
    auto s = make_stmt(StmtKind::With, cur().offset);
    next();
    while (cur().type != TokenType::BlockEnd) {
      if (!s->with_targets.empty()) expect_op(",");
      s->with_targets.push_back(parse_assign_target(true, false, {}, false));
      expect_op("=");
      s->with_values.push_back(parse_expression(true));
    }
    s->body = parse_statements({"endwith"}, true, "with");
    return s;
  }

  static bool can_assign(const Expr& e) {
    if (e.kind == ExprKind::Name || e.kind == ExprKind::NSRef) return true;
    if (e.kind == ExprKind::Tuple) {
      for (const auto& c : e.children)
        if (!can_assign(*c)) return false;
      return true;
    }
    return false;
  }

  ExprPtr parse_assign_target(bool with_tuple, bool name_only, const EndTokens& extra_end, bool with_namespace) {
    size_t off = cur().offset;
    ExprPtr target;
    if (name_only) {
      target = make(ExprKind::Name, off);
      target->name = expect_name();
    } else if (with_tuple) {
      target = parse_tuple(true, true, extra_end, false, with_namespace);
    } else {
      target = parse_primary(with_namespace);
    }
    if (!can_assign(*target)) {
      static const char* kNames[] = {"const", "name", "nsref", "list", "tuple", "dict", "getattr", "getitem", "slice",
                                     "call", "filter", "test", "unary", "binary", "concat", "and", "or", "compare", "condexpr"};
      fail_at(off, std::string("can't assign to '") + kNames[static_cast<int>(target->kind)] + "'");
    }
    return target;
  }

  // ---- expressions ------------------------------------------------------

  ExprPtr parse_expression(bool with_condexpr) {
    DepthGuard g(*this);
    return with_condexpr ? parse_condexpr() : parse_or();
  }

  ExprPtr parse_condexpr() {
    size_t off = cur().offset;
    ExprPtr expr1 = parse_or();
    while (skip_name("if")) {
      ExprPtr expr2 = parse_or();
      ExprPtr expr3;
      if (skip_name("else")) expr3 = parse_condexpr();
      auto c = make(ExprKind::CondExpr, off);
      c->children.push_back(std::move(expr2));
      c->children.push_back(std::move(expr1));
      c->children.push_back(std::move(expr3));
      expr1 = std::move(c);
      off = cur().offset;
    }
    return expr1;
  }

  ExprPtr parse_or() {
    ExprPtr left = parse_and();
    while (is_name("or")) {
      size_t off = cur().offset;
      next();
      auto n = make(ExprKind::Or, off);
      n->children.push_back(std::move(left));
      n->children.push_back(parse_and());
      left = std::move(n);
    }
    return left;
  }

  ExprPtr parse_and() {
    ExprPtr left = parse_not();
    while (is_name("and")) {
      size_t off = cur().offset;
      next();
      auto n = make(ExprKind::And, off);
      n->children.push_back(std::move(left));
      n->children.push_back(parse_not());
      left = std::move(n);
    }
    return left;
  }

  ExprPtr parse_not() {
    if (is_name("not")) {
      DepthGuard g(*this);
      auto n = make(ExprKind::Unary, cur().offset);
      n->name = "not";
      next();
      n->children.push_back(parse_not());
      return n;
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
    size_t off = cur().offset;
    ExprPtr expr = parse_math1();
    ExprPtr cmp;
    while (true) {
      std::string op;
      if (cur().type == TokenType::Operator &&
          (cur().value == "==" || cur().value == "!=" || cur().value == "<" || cur().value == "<=" ||
           cur().value == ">" || cur().value == ">=")) {
        op = cur().value;
        next();
      } else if (is_name("in")) {
        op = "in";
        next();
      } else if (is_name("not") && look().type == TokenType::Name && look().value == "in") {
        op = "notin";
        next();
        next();
      } else {
        break;
      }
      if (!cmp) {
        cmp = make(ExprKind::Compare, off);
        cmp->children.push_back(std::move(expr));
      }
      cmp->ops.push_back(op);
      cmp->children.push_back(parse_math1());
    }
    return cmp ? std::move(cmp) : std::move(expr);
  }

  ExprPtr binary(const std::string& op, ExprPtr l, ExprPtr r, size_t off) {
    auto n = make(ExprKind::Binary, off);
    n->name = op;
    n->children.push_back(std::move(l));
    n->children.push_back(std::move(r));
    return n;
  }

  ExprPtr parse_math1() {
    ExprPtr left = parse_concat();
    while (is_op("+") || is_op("-")) {
      std::string op = cur().value;
      size_t off = cur().offset;
      next();
      left = binary(op, std::move(left), parse_concat(), off);
    }
    return left;
  }

  ExprPtr parse_concat() {
    size_t off = cur().offset;
    ExprPtr first = parse_math2();
    if (!is_op("~")) return first;
    auto n = make(ExprKind::Concat, off);
    n->children.push_back(std::move(first));
    while (skip_op("~")) n->children.push_back(parse_math2());
    return n;
  }

  ExprPtr parse_math2() {
    ExprPtr left = parse_pow();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      std::string op = cur().value;
      size_t off = cur().offset;
      next();
      left = binary(op, std::move(left), parse_pow(), off);
    }
    return left;
  }

  ExprPtr parse_pow() {
    ExprPtr left = parse_unary(true);
    while (is_op("**")) {
      size_t off = cur().offset;
      next();
      left = binary("**", std::move(left), parse_unary(true), off);
    }
    return left;
  }

  ExprPtr parse_unary(bool with_filter) {
    DepthGuard g(*this);
    ExprPtr node;
    if (is_op("-") || is_op("+")) {
      node = make(ExprKind::Unary, cur().offset);
      node->name = cur().value;
      next();
      node->children.push_back(parse_unary(false));
    } else {
      node = parse_primary(false);
    }
    node = parse_postfix(std::move(node));
    if (with_filter) node = parse_filter_expr(std::move(node));
    return node;
  }

  ExprPtr parse_primary(bool with_namespace) {
    const Token& t = cur();
    size_t off = t.offset;
    if (t.type == TokenType::Name) {
      std::string v = t.value;
      next();
      if (v == "true" || v == "True" || v == "false" || v == "False") {
        auto n = make(ExprKind::Const, off);
        n->constant = Value::boolean(v == "true" || v == "True");
        return n;
      }
      if (v == "none" || v == "None") {
        auto n = make(ExprKind::Const, off);
        n->constant = Value::none();
        return n;
      }
      if (with_namespace && is_op(".")) {
        next();
        auto n = make(ExprKind::NSRef, off);
        n->name = v;
        n->attr = expect_name();
        return n;
      }
      auto n = make(ExprKind::Name, off);
      n->name = v;
      return n;
    }
    if (t.type == TokenType::String) {
      std::string buf;
      while (cur().type == TokenType::String) {
        buf += cur().value;
        next();
      }
      auto n = make(ExprKind::Const, off);
      n->constant = Value::string(std::move(buf));
      return n;
    }
    if (t.type == TokenType::Integer || t.type == TokenType::Float) {
      auto n = make(ExprKind::Const, off);
      n->constant = t.type == TokenType::Integer ? Value::integer(t.int_value) : Value::number(t.float_value);
      next();
      return n;
    }
    if (is_op("(")) {
      next();
      ExprPtr n = parse_tuple(false, true, {}, true, false);
      expect_op(")");
      return n;
    }
    if (is_op("[")) {
      next();
      auto n = make(ExprKind::List, off);
      while (!is_op("]")) {
        if (!n->children.empty()) expect_op(",");
        if (is_op("]")) break;
        n->children.push_back(parse_expression(true));
      }
      expect_op("]");
      return n;
    }
    if (is_op("{")) {
      next();
      auto n = make(ExprKind::Dict, off);
      while (!is_op("}")) {
        if (!n->children.empty()) expect_op(",");
        if (is_op("}")) break;
        n->children.push_back(parse_expression(true));
        expect_op(":");
        n->children.push_back(parse_expression(true));
      }
      expect_op("}");
      return n;
    }
    fail("unexpected '" + describe(t) + "'");
  }

  bool is_tuple_end(const EndTokens& extra) const {
    if (cur().type == TokenType::VarEnd || cur().type == TokenType::BlockEnd || is_op(")")) return true;
    if (cur().type == TokenType::Name)
      for (const auto& e : extra)
        if (cur().value == e) return true;
    return false;
  }

  ExprPtr parse_tuple(bool simplified, bool with_condexpr, const EndTokens& extra, bool explicit_parens,
                      bool with_namespace) {
    size_t off = cur().offset;
    std::vector<ExprPtr> args;
    bool is_tuple = false;
    while (true) {
      if (!args.empty()) expect_op(",");
      if (is_tuple_end(extra)) break;
      args.push_back(simplified ? parse_primary(with_namespace) : parse_expression(with_condexpr));
      if (is_op(","))
        is_tuple = true;
      else
        break;
    }
    if (!is_tuple) {
      if (!args.empty()) return std::move(args[0]);
      if (!explicit_parens) fail("Expected an expression, got '" + describe(cur()) + "'");
    }
    auto n = make(ExprKind::Tuple, off);
    n->children = std::move(args);
    return n;
  }

  ExprPtr parse_postfix(ExprPtr node) {
    while (true) {
      if (is_op(".") || is_op("["))
        node = parse_subscript(std::move(node));
      else if (is_op("("))
        node = parse_call(std::move(node));
      else
        break;
    }
    return node;
  }

  ExprPtr parse_filter_expr(ExprPtr node) {
    while (true) {
      if (is_op("|"))
        node = parse_filter(std::move(node), false);
      else if (is_name("is"))
        node = parse_test(std::move(node));
      else if (is_op("("))
        node = parse_call(std::move(node));
      else
        break;
    }
    return node;
  }

  ExprPtr parse_subscript(ExprPtr node) {
    size_t off = cur().offset;
    if (skip_op(".")) {
      if (cur().type == TokenType::Name) {
        auto n = make(ExprKind::Getattr, off);
        n->name = cur().value;
        next();
        n->children.push_back(std::move(node));
        return n;
      }
      if (cur().type != TokenType::Integer) fail("expected name or number");
      auto n = make(ExprKind::Getitem, off);
      auto k = make(ExprKind::Const, cur().offset);
      k->constant = Value::integer(cur().int_value);
      next();
      n->children.push_back(std::move(node));
      n->children.push_back(std::move(k));
      return n;
    }
    expect_op("[");
    std::vector<ExprPtr> args;
    while (!is_op("]")) {
      if (!args.empty()) expect_op(",");
      args.push_back(parse_subscribed());
    }
    expect_op("]");
    auto n = make(ExprKind::Getitem, off);
    n->children.push_back(std::move(node));
    if (args.size() == 1) {
      n->children.push_back(std::move(args[0]));
    } else {
      auto t = make(ExprKind::Tuple, off);
      t->children = std::move(args);
      n->children.push_back(std::move(t));
    }
    return n;
  }

  ExprPtr parse_subscribed() {
    size_t off = cur().offset;
    std::vector<ExprPtr> parts;
    if (is_op(":")) {
      next();
      parts.push_back(nullptr);
    } else {
      ExprPtr node = parse_expression(true);
      if (!is_op(":")) return node;
      next();
      parts.push_back(std::move(node));
    }
    if (is_op(":"))
      parts.push_back(nullptr);
    else if (!is_op("]") && !is_op(","))
      parts.push_back(parse_expression(true));
    else
      parts.push_back(nullptr);
    if (is_op(":")) {
      next();
      if (!is_op("]") && !is_op(","))
        parts.push_back(parse_expression(true));
      else
        parts.push_back(nullptr);
    } else {
      parts.push_back(nullptr);
    }
    auto n = make(ExprKind::Slice, off);
    n->children = std::move(parts);
    return n;
  }

  void parse_call_args(Expr& n) {
    size_t off = cur().offset;
    expect_op("(");
    bool require_comma = false;
    auto ensure = [&](bool ok) {
      if (!ok) fail_at(off, "invalid syntax for function call expression");
    };
    while (!is_op(")")) {
      if (require_comma) {
        expect_op(",");
        if (is_op(")")) break;
      }
      if (is_op("*")) {
        ensure(!n.dyn_args && !n.dyn_kwargs);
        next();
        n.dyn_args = parse_expression(true);
      } else if (is_op("**")) {
        ensure(!n.dyn_kwargs);
        next();
        n.dyn_kwargs = parse_expression(true);
      } else if (cur().type == TokenType::Name && look().type == TokenType::Operator && look().value == "=") {
        ensure(!n.dyn_kwargs);
        std::string key = cur().value;
        next();
        next();
        n.kwargs.emplace_back(key, parse_expression(true));
      } else {
        ensure(!n.dyn_args && !n.dyn_kwargs && n.kwargs.empty());
        n.children.push_back(parse_expression(true));
      }
      require_comma = true;
    }
    expect_op(")");
  }

  ExprPtr parse_call(ExprPtr node) {
    // A failing call is reported where the callee starts (raise_exception's name).
    auto n = make(ExprKind::Call, node->offset);
    n->children.push_back(std::move(node));
    parse_call_args(*n);
    return n;
  }

  ExprPtr parse_filter(ExprPtr node, bool start_inline) {
    while (is_op("|") || start_inline) {
      if (!start_inline) next();
      size_t off = cur().offset;
      std::string name = expect_name();
      while (skip_op(".")) name += "." + expect_name();
      auto n = make(ExprKind::Filter, off);
      n->name = name;
      n->children.push_back(std::move(node));
      if (is_op("(")) parse_call_args(*n);
      node = std::move(n);
      start_inline = false;
    }
    return node;
  }

  ExprPtr parse_test(ExprPtr node) {
    size_t off = cur().offset;
    next();  // 'is'
    bool negated = skip_name("not");
    std::string name = expect_name();
    while (skip_op(".")) name += "." + expect_name();
    auto n = make(ExprKind::Test, off);
    n->name = name;
    n->children.push_back(std::move(node));
    if (is_op("(")) {
      parse_call_args(*n);
    } else if ((cur().type == TokenType::Name || cur().type == TokenType::String || cur().type == TokenType::Integer ||
                cur().type == TokenType::Float || is_op("(") || is_op("[") || is_op("{")) &&
               !is_name("else") && !is_name("or") && !is_name("and")) {
      if (is_name("is")) fail("You cannot chain multiple tests with is");
      ExprPtr arg = parse_primary(false);
      n->children.push_back(parse_postfix(std::move(arg)));
    }
    if (!negated) return n;
    auto neg = make(ExprKind::Unary, off);
    neg->name = "not";
    neg->children.push_back(std::move(n));
    return neg;
  }
};

}  // namespace

std::shared_ptr<const Program> parse_program(const std::string& source, const std::string& name) {
  auto prog = std::make_shared<Program>(SourceMap(name, normalize_template_source(source)));
  std::vector<Token> toks = tokenize(prog->map);
  Parser p(prog->map, std::move(toks));
  prog->body = p.parse();
  return prog;
}

}  // namespace polysafe::chat_template::jinja
