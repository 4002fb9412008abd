// Tokenizer for the Jinja template language as jinja2's Lexer splits it with
// trim_blocks=True and lstrip_blocks=True (the HF chat-template environment):
// template data, {{ }}, {% %}, {# #} with '-' / '+' whitespace control, raw
// blocks, and the expression tokens inside tags.
// It never evaluates anything; malformed input throws JinjaError with the position.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace polysafe::chat_template::jinja {

enum class TokenType { Data, VarBegin, VarEnd, BlockBegin, BlockEnd, Name, String, Integer, Float, Operator, Eof };

struct Token {
  TokenType type = TokenType::Eof;
  std::string value;  // data text, name, decoded string literal, operator
  int64_t int_value = 0;
  double float_value = 0;
  size_t offset = 0;  // byte offset in the normalised source
};

// Maps byte offsets of the normalised source to "name:line:col" (1-based; the
// column counts code points, as an editor shows them).
class SourceMap {
 public:
  SourceMap(std::string name, std::string source);
  const std::string& name() const { return name_; }
  const std::string& source() const { return source_; }
  std::pair<int, int> line_col(size_t offset) const;
  std::string where(size_t offset) const;  // "name:line:col"

 private:
  std::string name_;
  std::string source_;
  std::vector<size_t> line_starts_;
};

// jinja2 preprocessing: \r\n and \r become \n, and one trailing newline is
// dropped (keep_trailing_newline=False).
std::string normalize_template_source(std::string_view source);

// Tokenizes the normalised source held by `map`.
std::vector<Token> tokenize(const SourceMap& map);

}  // namespace polysafe::chat_template::jinja
