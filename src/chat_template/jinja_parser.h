// Parser from jinja tokens to the syntax tree, following jinja2's grammar
// (jinja2/parser.py): operator precedence, tuples, filters and tests binding at
// the unary level, for/if/set/macro/call/filter/with, and the loopcontrols
// extension. Constructs outside the supported subset (extends, block, include,
// import...) are rejected here with name, line, column and the construct, never
// silently skipped.
#pragma once

#include <memory>
#include <string>

#include "chat_template/jinja_ast.h"
#include "chat_template/jinja_lexer.h"

namespace polysafe::chat_template::jinja {

struct Program {
  explicit Program(SourceMap m) : map(std::move(m)) {}
  SourceMap map;
  Body body;
};

// Throws JinjaError (located) on syntax errors or unsupported constructs.
std::shared_ptr<const Program> parse_program(const std::string& source, const std::string& name);

}  // namespace polysafe::chat_template::jinja
