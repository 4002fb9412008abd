// Language tags: the codes models and datasets use ("__label__zh", "zh_CN", "zho",
// "sp") normalised to BCP-47 (RFC 5646), their English names, and ISO 639-3
// macrolanguage folding for "is this the same language?" checks. Pure functions
// over strings (ICU's locale data for names): never throws on any input.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace polysafe::lang {

// "__label__zh", "zh_CN", "zho", "ZH-hant", "sp" (XSafety's Spanish) -> BCP-47
// ("zh", "zh-CN", "zh", "zh-Hant", "es"). Unknown input is returned lower-cased.
std::string normalize_language_tag(std::string_view code);

// True when a normalised tag is shaped like a BCP-47 language tag: a primary
// subtag of 2-3 letters, then alphanumeric subtags of 1-8; never "und".
bool is_language_tag(std::string_view tag);

// An English language name ("English", "hindi", "Filipino", "Simplified Chinese")
// as a BCP-47 tag; nullopt when the name is not in the table.
std::optional<std::string> language_from_name(std::string_view name);

// English name of a language tag from ICU's locale data ("hi" -> "Hindi",
// "zh-Hant" -> "Chinese (Traditional)", "sr-Latn" -> "Serbian (Latin)"); the tag
// itself when ICU has no name for it.
std::string language_display_name(std::string_view tag);

// ISO 639-3 macrolanguage of a tag's primary language subtag, for "is this the
// same language?" checks: "yue", "wuu" -> "zh"; "arz" -> "ar"; "nb", "nn" -> "no";
// anything else its normalised primary subtag ("pt-BR" -> "pt"). With fold_bcms,
// Serbian, Croatian, Bosnian, Montenegrin and Serbo-Croatian all become "sh".
std::string macrolanguage(std::string_view tag, bool fold_bcms = false);
// True when both tags name the same macrolanguage (never for "und").
bool same_language(std::string_view a, std::string_view b, bool fold_bcms = false);

}  // namespace polysafe::lang
