// Escaping untrusted text — model answers, prompts, judge evidence, language
// tags from suite files — for HTML and SVG text and attribute values. Whatever
// the input (markup, invalid UTF-8, control and bidi-override characters), the
// output is inert text: it can never open an element, end an attribute, or
// reorder the text around it. Never used for trusted markup.
#pragma once

#include <string>
#include <string_view>

namespace polysafe::report {

// True for the Unicode bidi embedding, override and isolate controls
// (U+202A-U+202E, U+2066-U+2069): they can make "txt.exe" read as "exe.txt"
// (Trojan Source, Boucher & Anderson 2021), so a report shows them instead of
// applying them.
bool is_bidi_control(char32_t c);

// & < > " ' become entities, so the result is safe in element content and in
// quoted attribute values alike. Invalid UTF-8 becomes U+FFFD; bidi controls,
// C0 controls other than tab / line feed / carriage return, DEL and C1 controls
// become visible "[U+202E]" markers.
std::string html_escape(std::string_view text);

// A token usable as an id / fragment ("lang-zh-Hant"): ASCII letters, digits
// and '-' kept, anything else '_'. Never empty.
std::string html_id(std::string_view text);

}  // namespace polysafe::report
