// CLD2 through Debian's libcld2_full.
#include "lang/cld2_detector.h"

#include <cld2/public/compact_lang_det.h>
#include <cld2/public/encodings.h>

#include <climits>
#include <set>
#include <string>

#include "lang/language_tag.h"


namespace polysafe::lang {

namespace {

// BCP-47 -> the code CLD2 knows the language by (its legacy codes).
std::string cld2_code(std::string_view tag) {
  std::string base = normalize_language_tag(tag);
  if (auto dash = base.find('-'); dash != std::string::npos) base.resize(dash);
  if (base == "he") return "iw";
  if (base == "jv") return "jw";
  if (base == "fil") return "tl";
  return base;
}

}  // namespace

bool cld2_knows(std::string_view primary_tag) {
  // CLD2's detected languages, in its codes ("iw", "jw"), normalised once.
  static const std::set<std::string> known = [] {
    static const char* const codes[] = {
        "aa", "ab", "af", "ak", "am", "ar", "as", "ay", "az", "ba", "be", "bg", "bh", "bi", "bn", "bo", "br", "bs",
        "ca", "ceb", "chr", "co", "crs", "cs", "cy", "da", "de", "dv", "dz", "el", "en", "eo", "es", "et", "eu",
        "fa", "fi", "fj", "fo", "fr", "fy", "ga", "gd", "gl", "gn", "gu", "gv", "ha", "haw", "hi", "hmn", "hr", "ht",
        "hu", "hy", "ia", "id", "ie", "ig", "ik", "is", "it", "iu", "iw", "ja", "jw", "ka", "kha", "kk", "kl", "km",
        "kn", "ko", "ks", "ku", "ky", "la", "lb", "lg", "lif", "ln", "lo", "lt", "lv", "mfe", "mg", "mi", "mk",
        "ml", "mn", "mr", "ms", "mt", "my", "na", "ne", "nl", "nn", "no", "nr", "nso", "ny", "oc", "om", "or", "pa",
        "pl", "ps", "pt", "qu", "rm", "rn", "ro", "ru", "rw", "sa", "sco", "sd", "sg", "si", "sk", "sl", "sm", "sn",
        "so", "sq", "sr", "ss", "st", "su", "sv", "sw", "syr", "ta", "te", "tg", "th", "ti", "tk", "tl", "tlh", "tn",
        "to", "tr", "ts", "tt", "ug", "uk", "ur", "uz", "ve", "vi", "vo", "war", "wo", "xh", "yi", "yo", "za", "zh",
        "zu"};
    std::set<std::string> s;
    for (const char* c : codes) s.insert(normalize_language_tag(c));
    return s;
  }();
  return known.count(std::string(primary_tag)) > 0;
}

Cld2Result cld2_detect(std::string_view text, std::string_view hint, bool best_effort) {
  Cld2Result out;
  if (text.empty() || text.size() > static_cast<size_t>(INT_MAX)) return out;
  CLD2::CLDHints hints{nullptr, nullptr, CLD2::UNKNOWN_ENCODING, CLD2::UNKNOWN_LANGUAGE};
  if (!hint.empty()) {
    std::string code = cld2_code(hint);
    hints.language_hint = CLD2::GetLanguageFromName(code.c_str());
  }
  CLD2::Language lang3[3];
  int percent3[3];
  double score3[3];
  int text_bytes = 0, valid_prefix = 0;
  bool reliable = false;
  CLD2::ExtDetectLanguageSummaryCheckUTF8(text.data(), static_cast<int>(text.size()), /*is_plain_text=*/true,
                                          &hints, best_effort ? CLD2::kCLDFlagBestEffort : 0, lang3, percent3, score3, nullptr,
                                          &text_bytes, &reliable, &valid_prefix);
  if (valid_prefix < static_cast<int>(text.size())) return out;
  out.reliable = reliable;
  out.text_bytes = text_bytes;
  for (int i = 0; i < 3; ++i) {
    if (lang3[i] == CLD2::UNKNOWN_LANGUAGE || lang3[i] == CLD2::TG_UNKNOWN_LANGUAGE || percent3[i] <= 0) continue;
    std::string code = CLD2::LanguageCode(lang3[i]);
    if (code.empty() || code == "un" || code.rfind("xx", 0) == 0) continue;  // unknown, or script-only pseudo-codes
    out.top.push_back({normalize_language_tag(code), percent3[i], score3[i]});
  }
  return out;
}

}  // namespace polysafe::lang
