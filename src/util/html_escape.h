// Escaping untrusted text — model answers, prompts, judge evidence, language
// tags from suite files — for HTML and SVG text and attribute values. Whatever
// the input (markup, invalid UTF-8, control and bidi-override characters), the
// output is inert text: it can never open an element, end an attribute, or
// reorder the text around it. Never used for trusted markup. The project's one
// HTML escape: reports, SVG charts and the chat templates' `escape` filter use it.
#pragma once

#include <string>
#include <string_view>

namespace polysafe {

// True for the Unicode bidi embedding, override and isolate controls
// (U+202A-U+202E, U+2066-U+2069): they can make "txt.exe" read as "exe.txt"
// (Trojan Source, Boucher & Anderson 2021), so a report shows them instead of
// applying them.
bool is_bidi_control(char32_t c);

// What happens to characters other than & < > " '.
enum class HtmlControls {
  Show,  // invalid UTF-8 -> U+FFFD; bidi, C0 (but tab, LF, CR), DEL, C1 -> "[U+202E]"
  Keep,  // every other byte as it is: markupsafe's escape(), which chat templates
         // must reproduce byte for byte
};

// & < > " ' become &amp; &lt; &gt; &#34; &#39; (markupsafe's entities), so the
// result is safe in element content and in quoted attribute values alike.
std::string html_escape(std::string_view text, HtmlControls controls = HtmlControls::Show);

// A token usable as an id / fragment ("lang-zh-Hant"): ASCII letters, digits
// and '-' kept, anything else '_'. Never empty.
std::string html_id(std::string_view text);

}  // namespace polysafe
