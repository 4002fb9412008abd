// How well-resourced a language is for NLP, as the six classes of Joshi et al.
// (2020), "The State and Fate of Linguistic Diversity and Inclusion in the NLP
// World" (ACL 2020, §3): 0 "The Left-Behinds" (virtually no data) to 5 "The
// Winners" (abundant labelled and unlabelled data). A table of common
// languages keyed by BCP-47 primary subtag; anything else is "unclassified",
// never guessed. See docs/report.md "Resource classes".
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace polysafe::report {

struct ResourceClass {
  int level = -1;         // 0..5; -1: unclassified
  std::string name;       // "The Winners", ..., "unclassified"
  std::string label() const;  // "5 · The Winners" or "unclassified"
};

// "hi" -> 4, "zh-Hant" -> 5 (Mandarin), "sw" -> 2, "xx" -> unclassified.
ResourceClass resource_class(std::string_view lang_tag);

// The class names, index = level.
const std::vector<std::string>& resource_class_names();

// The languages the table classifies (primary subtags), sorted.
std::vector<std::string> classified_languages();

}  // namespace polysafe::report
