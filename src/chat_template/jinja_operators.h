// Python's arithmetic, concatenation and membership operators on template values
// (int/float promotion, floor division and modulo signs, str * int, list + list,
// 'in' on str/list/dict), with size guards so a hostile template cannot build a
// gigabyte string. Type mismatches throw JinjaError with Python's wording.
#pragma once

#include <string>

#include "chat_template/jinja_value.h"

namespace polysafe::chat_template::jinja {

// op: + - * / // % **. `max_bytes` bounds strings and lists built here.
Value binary_op(const std::string& op, const Value& a, const Value& b, size_t max_bytes);
Value unary_op(const std::string& op, const Value& a);  // "-" or "+"
bool contains(const Value& container, const Value& item);  // item in container
// Rough memory footprint, used to refuse list repetition that would explode.
size_t approx_size(const Value& v, int depth = 0);

}  // namespace polysafe::chat_template::jinja
