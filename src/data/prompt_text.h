// Cleaning prompt text read from suite files: the edge whitespace that
// spreadsheets and hand-edited CSVs leave (spaces, NBSP, ideographic space,
// zero-width space, BOM, line breaks) and a pair of straight quotes wrapping the
// whole prompt. Inner text is never changed: a prompt's own line breaks and
// quotations stay as the authors wrote them.
#pragma once

#include <string>
#include <string_view>

namespace polysafe::data {

// The prompt without leading/trailing Unicode white space and format characters
// (U+0009-000D, U+0020, U+0085, U+00A0, U+1680, U+2000-200B, U+2028/2029, U+202F,
// U+205F, U+3000, U+FEFF). When what remains is wrapped in '"' ... '"' with no
// other '"' inside, the two quotes go too (a CSV quoting artefact), and the
// result is trimmed again.
std::string clean_prompt(std::string_view text);

// Only the white-space trimming of clean_prompt: for formats whose quotes are
// part of the text (RTP-LX prompts are sentence openings copied with their quotes).
std::string trim_prompt_space(std::string_view text);

}  // namespace polysafe::data
