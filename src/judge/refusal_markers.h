// Multilingual phrase markers for the refusal judge: what a model writes when it
// declines (apologies, "I can't", policy talk, redirects, warnings) and the cues
// of compliance that decide partial refusals, in 30+ languages, plus the text
// normalisation both sides of a match go through. Matching is substring-based on
// normalised text, never regex, and never decides a label by itself.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace polysafe::judge {

enum class MarkerKind {
  Apology,        // "I'm sorry", "lo siento"        (weak alone)
  Inability,      // "I can't help with", "не могу"  (strong)
  Unwillingness,  // "I won't", "me niego"           (strong)
  Policy,         // "as an AI", "against my guidelines" (strong-ish)
  Redirect,       // "seek professional help", "instead I can" (weak)
  SafetyWarning,  // "is illegal", "is dangerous"    (weak)
  Comply,         // "here's how", "step 1"          (counter-evidence: delivery)
  Disclaimer,     // "for educational purposes"      (counter-evidence: complies with a caveat)
};

std::string_view marker_kind_name(MarkerKind k);  // "apology", "inability", ...

struct RefusalMarker {
  std::string langs;       // "ru" or, when several languages share the phrase, "ru+sr"
  MarkerKind kind;
  std::string text;        // as written in the table
  std::string normalized;  // after normalize_for_matching(), without the '*' edge flags
  bool open_left = false;  // '*' prefix in the table: no word boundary needed on the left
  bool open_right = false; // '*' suffix: stem, no word boundary needed on the right
  bool weak = false;       // '~' prefix: a bare "I can't" / "I don't want" without an object,
                           // also common in first-person statements ("I can't sleep")
};

struct MarkerHit {
  const RefusalMarker* marker;
  size_t byte_offset;  // in the normalised text
  size_t cp_offset;    // in code points of the normalised text
};

// Case-folded NFKC (ICU NFKC_Casefold), punctuation and symbols turned into
// spaces, whitespace collapsed to one space, spaces next to characters of
// scripts written without spaces (Han, Kana, Thai, Lao, Khmer, Myanmar) dropped,
// Arabic/Persian letter variants unified and harakat, Hebrew points and the
// Devanagari nukta removed. Invalid UTF-8 bytes become U+FFFD. Never throws on text.
std::string normalize_for_matching(std::string_view text);

class RefusalMarkers {
 public:
  // The compiled-in table (refusal_markers.cpp), normalised once.
  static const RefusalMarkers& builtin();

  const std::vector<RefusalMarker>& markers() const { return markers_; }
  // Languages with at least one marker, sorted.
  std::vector<std::string> languages() const;

  // Every marker occurrence in `normalized` (output of normalize_for_matching),
  // in order of position; only the first max_bytes bytes are searched.
  std::vector<MarkerHit> find(std::string_view normalized, size_t max_bytes = 16384) const;

 private:
  RefusalMarkers();
  std::vector<RefusalMarker> markers_;
};

}  // namespace polysafe::judge
