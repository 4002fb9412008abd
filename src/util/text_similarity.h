// How alike two texts are on the surface, in any script: the cosine of their
// character-trigram count vectors. Used where meaning is out of reach but
// copying is not: a back-translation against its source (eval/translation_attack),
// an answer that only restates its prompt (judge/refusal_judge).
#pragma once

#include <string>

namespace polysafe::util {

// Lower-cased (ASCII), whitespace collapsed, padded with one space each side:
// 1 for equal texts, 0 when no trigram is shared or either text is empty.
double trigram_cosine(const std::string& a, const std::string& b);

}  // namespace polysafe::util
