// Reading a list-valued field whatever wrote it: a JSON array, a string holding
// one, a string holding a Python literal list or tuple (what pandas writes when
// a DataFrame with list cells goes to CSV: "['Hate speech', 'Violence, aiding
// and abetting']"), or a bare comma-separated string. The one place every loader
// turns such a cell into items; it never guesses at text it cannot read, it
// throws DataError naming where and what it could not read.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace polysafe::data {

// A value written as a JSON or Python literal: lists, tuples and sets become
// arrays, dicts objects (non-string keys as their text); strings in '...', "...",
// '''...''' or """...""" with Python and JSON escapes (\', \", \\, \n, \t, \xhh,
// \uXXXX with surrogate pairs, \UXXXXXXXX, octal; u/r/b prefixes); None/null,
// True/true, False/false; integers and floats (NaN -> null). Trailing commas
// are accepted, as Python accepts them. Throws DataError("at character N: ...")
// (N 1-based) for anything else, or nesting deeper than 64.
nlohmann::json parse_literal(std::string_view text);

// How a bare string (one not written as a list) splits into items; empty: the
// whole string is one item.
using SplitBare = std::function<std::vector<std::string>(std::string_view)>;

// The items of a list-valued field, as a JSON array of what the list holds
// (strings, numbers, nulls, nested arrays, objects). The value may be:
//  - null, or a string that is empty or a missing-value marker (nan, NaN, None,
//    null, NULL): no items;
//  - a JSON array: its elements;
//  - a string starting with '[' (or '{' for a Python set): parse_literal's list;
//    DataError("<where>: not a JSON or Python list (at character N: ...): <text>")
//    when it is not one;
//  - a string starting with '(' that parses as a tuple: its items; otherwise,
//    like any other string, bare text: split_bare's parts (whitespace-trimmed,
//    empty parts dropped), or the whole trimmed string as one item.
// Any other JSON type is DataError("<where>: expected a list or a string, got T").
nlohmann::json list_cell(const nlohmann::json& value, const SplitBare& split_bare, const std::string& where);

// list_cell's items as text: nested lists flattened, nulls dropped, numbers as
// written; DataError("<where>: element i: expected a string, got T") for a
// boolean or an object.
std::vector<std::string> list_cell_strings(const nlohmann::json& value, const SplitBare& split_bare,
                                           const std::string& where);

}  // namespace polysafe::data
