// Errors as values with context, thrown as one exception type per layer.
// Every message a user sees names the file, line or field at fault, e.g.
//   "model.gguf: tensor 'blk.0.attn_q.weight': offset 123 beyond end of file (size 100)".
// The CLI turns any polysafe::Error into a one-line message and exit code 1;
// nothing here may abort the process on user input.
#pragma once

#include <stdexcept>
#include <string>

namespace polysafe {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& msg) : std::runtime_error(msg) {}
};

// A malformed or unsupported file (GGUF, safetensors, JSON, config...).
class FormatError : public Error {
 public:
  using Error::Error;
};

// Tokenizer construction or encoding failure (bad vocab, invalid UTF-8...).
class TokenizerError : public Error {
 public:
  using Error::Error;
};

// Chat template parse or render failure.
class TemplateError : public Error {
 public:
  using Error::Error;
};

// Model discovery, installation or download failure.
class HubError : public Error {
 public:
  using Error::Error;
};

// Wrong command-line usage: the CLI maps it to exit code 2.
class UsageError : public Error {
 public:
  using Error::Error;
};

}  // namespace polysafe
