// Methods of Python objects that chat templates call: str (strip, split,
// startswith, replace, format, join...), dict (items, keys, values, get) and the
// read-only list/tuple methods (index, count). Mutating methods (list.append,
// dict.update...) are refused as HF's ImmutableSandboxedEnvironment refuses them.
#pragma once

#include <string>

#include "chat_template/jinja_value.h"

namespace polysafe::chat_template::jinja {

// The bound method `obj.name`, or Undefined (with jinja2's hint) when there is none.
// `found` is set when a method (safe or not) exists, so getattr need not fall back
// to item lookup.
Value get_method(const Value& obj, const std::string& name, bool* found);

}  // namespace polysafe::chat_template::jinja
