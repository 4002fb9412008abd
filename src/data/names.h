// Normalising the names suites use for languages and harm categories: language
// codes and English language names ("sp", "ZH-Hans", "Filipino") to BCP-47 tags,
// and free-form category labels ("Self-Harm", "IdentityAttack", "Crimes_And_
// Illegal_Activities") to lower_snake_case. Every loader goes through these, so
// one language or category never appears under two spellings. Never guesses:
// what it cannot name is an error naming where it came from.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace polysafe::data {

// A language code as a normalised BCP-47 tag (lang::normalize_language_tag).
// Throws DataError("<where>: '<code>' is not a language tag") when the result is
// not shaped like one (primary subtag of 2-3 letters, alphanumeric subtags of 1-8).
std::string language_tag(std::string_view code, const std::string& where);

// A name when it is one (lang::language_from_name), else a code: what the generic loaders accept in a
// language column. Throws as language_tag does.
std::string language_from_name_or_code(std::string_view value, const std::string& where);

// lower_snake_case of a category label: ASCII letters lower-cased, a word break
// before an upper-case letter that follows a lower-case one or a digit
// ("IdentityAttack" -> "identity_attack"), every run of other ASCII characters
// ("-", " ", "&", "/", "(") one '_', no leading or trailing '_'. Non-ASCII
// letters are kept as they are. May return "" (the caller decides if that is an error).
std::string category_name(std::string_view label);

// Splits a list of category labels written as one comma-separated string,
// keeping the labels in `known_with_commas` whole ("Violence, Threats &
// Incitement" is one Aya category). Empty parts are dropped.
std::vector<std::string> split_category_list(std::string_view text, const std::vector<std::string>& known_with_commas);

// The categories of one record, snake-cased, duplicates dropped, in order. The
// value is read as a list-valued cell (list_cell.h): a JSON array, a string
// holding a JSON or Python list ("['Hate speech', 'Violence, aiding and
// abetting']", as pandas writes list cells), a comma-separated string (split
// with split_category_list), or null/""/"nan"/"[]" (no categories). Throws
// DataError("<where>: ...") for what list_cell cannot read or a label with no
// letters or digits.
std::vector<std::string> categories_from(const nlohmann::json& value, const std::vector<std::string>& known_with_commas,
                                         const std::string& where);

// categories_from for an optional field: what it would throw becomes a warning
// appended to `warnings`, and the record gets no categories.
std::vector<std::string> categories_or_warn(const nlohmann::json& value, const std::vector<std::string>& known_with_commas,
                                            const std::string& where, std::vector<std::string>& warnings);

}  // namespace polysafe::data
