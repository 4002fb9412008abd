// Python str methods on UTF-8 strings, indexed by code point as Python indexes
// them: strip/split/replace/find/slicing/splitlines and the two formatting
// operators ('%' and str.format) as far as chat templates use them.
// Anything outside the supported subset throws JinjaError; nothing here guesses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chat_template/jinja_value.h"

namespace polysafe::chat_template::jinja::pystr {

size_t length(std::string_view s);  // code points
// chars == nullopt strips Unicode whitespace (str.isspace).
std::string strip(std::string_view s, const std::optional<std::string>& chars, bool left, bool right);
std::vector<std::string> split(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit);
std::vector<std::string> rsplit(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit);
std::vector<std::string> splitlines(std::string_view s, bool keepends);
std::string replace(std::string_view s, std::string_view old, std::string_view repl, int64_t count);
// Code point index of the first/last occurrence in s[start:end], or -1.
int64_t find(std::string_view s, std::string_view sub, bool reverse);
int64_t count(std::string_view s, std::string_view sub);
std::string reverse(std::string_view s);

// Python slice semantics on a sequence of n elements: fills the selected indices.
// step == 0 throws ("slice step cannot be zero").
std::vector<int64_t> slice_indices(int64_t n, std::optional<int64_t> start, std::optional<int64_t> stop,
                                   std::optional<int64_t> step);
std::string slice(std::string_view s, std::optional<int64_t> start, std::optional<int64_t> stop,
                  std::optional<int64_t> step);

// "fmt % args" (printf-style; %s %r %d %i %f %x %% and %(name)s with a dict).
std::string percent_format(std::string_view fmt, const Value& args);
// "fmt".format(*args, **kwargs) with {} {0} {name} {{ }} and !s / !r; no format specs
// beyond the empty one.
std::string format(std::string_view fmt, const std::vector<Value>& args, const Kwargs& kwargs);

}  // namespace polysafe::chat_template::jinja::pystr
