// Language tags: normalisation of the codes models and datasets use to BCP-47
// (RFC 5646), and ISO 639-3 macrolanguage folding for "same language?" checks.
#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <unicode/locid.h>
#include <unicode/unistr.h>

#include "lang/language_tag.h"
#include "util/strings.h"

namespace polysafe::lang {

namespace {

// ISO 639-2 (terminology and bibliographic) codes of the languages that have an
// ISO 639-1 code; BCP-47 requires the shortest code (RFC 5646 §2.2.1).
constexpr const char* kIso639_2To1[][2] = {
    {"aar", "aa"}, {"abk", "ab"}, {"afr", "af"}, {"aka", "ak"}, {"amh", "am"}, {"arg", "an"}, {"ara", "ar"},
    {"asm", "as"}, {"ava", "av"}, {"aym", "ay"}, {"aze", "az"}, {"bak", "ba"}, {"bel", "be"}, {"bul", "bg"},
    {"bis", "bi"}, {"bam", "bm"}, {"ben", "bn"}, {"bod", "bo"}, {"tib", "bo"}, {"bre", "br"}, {"bos", "bs"},
    {"cat", "ca"}, {"che", "ce"}, {"cha", "ch"}, {"cos", "co"}, {"cre", "cr"}, {"ces", "cs"}, {"cze", "cs"},
    {"chu", "cu"}, {"chv", "cv"}, {"cym", "cy"}, {"wel", "cy"}, {"dan", "da"}, {"deu", "de"}, {"ger", "de"},
    {"div", "dv"}, {"dzo", "dz"}, {"ewe", "ee"}, {"ell", "el"}, {"gre", "el"}, {"eng", "en"}, {"epo", "eo"},
    {"spa", "es"}, {"est", "et"}, {"eus", "eu"}, {"baq", "eu"}, {"fas", "fa"}, {"per", "fa"}, {"ful", "ff"},
    {"fin", "fi"}, {"fij", "fj"}, {"fao", "fo"}, {"fra", "fr"}, {"fre", "fr"}, {"fry", "fy"}, {"gle", "ga"},
    {"gla", "gd"}, {"glg", "gl"}, {"grn", "gn"}, {"guj", "gu"}, {"glv", "gv"}, {"hau", "ha"}, {"heb", "he"},
    {"hin", "hi"}, {"hmo", "ho"}, {"hrv", "hr"}, {"hat", "ht"}, {"hun", "hu"}, {"hye", "hy"}, {"arm", "hy"},
    {"her", "hz"}, {"ina", "ia"}, {"ind", "id"}, {"ile", "ie"}, {"ibo", "ig"}, {"iii", "ii"}, {"ipk", "ik"},
    {"ido", "io"}, {"isl", "is"}, {"ice", "is"}, {"ita", "it"}, {"iku", "iu"}, {"jpn", "ja"}, {"jav", "jv"},
    {"kat", "ka"}, {"geo", "ka"}, {"kon", "kg"}, {"kik", "ki"}, {"kua", "kj"}, {"kaz", "kk"}, {"kal", "kl"},
    {"khm", "km"}, {"kan", "kn"}, {"kor", "ko"}, {"kau", "kr"}, {"kas", "ks"}, {"kur", "ku"}, {"kom", "kv"},
    {"cor", "kw"}, {"kir", "ky"}, {"lat", "la"}, {"ltz", "lb"}, {"lug", "lg"}, {"lim", "li"}, {"lin", "ln"},
    {"lao", "lo"}, {"lit", "lt"}, {"lub", "lu"}, {"lav", "lv"}, {"mlg", "mg"}, {"mah", "mh"}, {"mri", "mi"},
    {"mao", "mi"}, {"mkd", "mk"}, {"mac", "mk"}, {"mal", "ml"}, {"mon", "mn"}, {"mar", "mr"}, {"msa", "ms"},
    {"may", "ms"}, {"mlt", "mt"}, {"mya", "my"}, {"bur", "my"}, {"nau", "na"}, {"nob", "nb"}, {"nde", "nd"},
    {"nep", "ne"}, {"ndo", "ng"}, {"nld", "nl"}, {"dut", "nl"}, {"nno", "nn"}, {"nor", "no"}, {"nbl", "nr"},
    {"nav", "nv"}, {"nya", "ny"}, {"oci", "oc"}, {"oji", "oj"}, {"orm", "om"}, {"ori", "or"}, {"oss", "os"},
    {"pan", "pa"}, {"pli", "pi"}, {"pol", "pl"}, {"pus", "ps"}, {"por", "pt"}, {"que", "qu"}, {"roh", "rm"},
    {"run", "rn"}, {"ron", "ro"}, {"rum", "ro"}, {"rus", "ru"}, {"kin", "rw"}, {"san", "sa"}, {"srd", "sc"},
    {"snd", "sd"}, {"sme", "se"}, {"sag", "sg"}, {"sin", "si"}, {"slk", "sk"}, {"slo", "sk"}, {"slv", "sl"},
    {"smo", "sm"}, {"sna", "sn"}, {"som", "so"}, {"sqi", "sq"}, {"alb", "sq"}, {"srp", "sr"}, {"ssw", "ss"},
    {"sot", "st"}, {"sun", "su"}, {"swe", "sv"}, {"swa", "sw"}, {"tam", "ta"}, {"tel", "te"}, {"tgk", "tg"},
    {"tha", "th"}, {"tir", "ti"}, {"tuk", "tk"}, {"tgl", "tl"}, {"tsn", "tn"}, {"ton", "to"}, {"tur", "tr"},
    {"tso", "ts"}, {"tat", "tt"}, {"twi", "tw"}, {"tah", "ty"}, {"uig", "ug"}, {"ukr", "uk"}, {"urd", "ur"},
    {"uzb", "uz"}, {"ven", "ve"}, {"vie", "vi"}, {"vol", "vo"}, {"wln", "wa"}, {"wol", "wo"}, {"xho", "xh"},
    {"yid", "yi"}, {"yor", "yo"}, {"zha", "za"}, {"zho", "zh"}, {"chi", "zh"}, {"zul", "zu"},
    // Individual languages that CLDR's language aliases replace by their macrolanguage's
    // ISO 639-1 code (supplementalMetadata.xml, reason "macrolanguage").
    {"cmn", "zh"}, {"arb", "ar"}, {"zsm", "ms"}, {"swh", "sw"}, {"pes", "fa"}, {"ekk", "et"}, {"lvs", "lv"},
    {"npi", "ne"}, {"ory", "or"}, {"khk", "mn"}, {"uzn", "uz"}, {"azj", "az"}, {"plt", "mg"},
    {"hbs", "sh"},
};

// Codes that are not what they look like.
constexpr const char* kSpecial[][2] = {
    {"iw", "he"}, {"in", "id"}, {"ji", "yi"}, {"jw", "jv"}, {"mo", "ro"},  // withdrawn ISO 639-1 codes
    {"sp", "es"},    // XSafety names its Spanish folder "sp"
    {"als", "gsw"},  // lid.176 follows Wikipedia: "als" is Alemannic there, ISO's als is Tosk Albanian
};

// ISO 639-3 macrolanguages (SIL's macrolanguage mappings) of the individual
// languages lid.176 predicts or datasets use, keyed by the BCP-47 primary subtag.
constexpr const char* kMacro[][2] = {
    {"yue", "zh"}, {"wuu", "zh"}, {"cmn", "zh"}, {"gan", "zh"}, {"hak", "zh"}, {"hsn", "zh"}, {"nan", "zh"},
    {"cdo", "zh"}, {"cjy", "zh"}, {"lzh", "zh"},
    {"arz", "ar"}, {"ary", "ar"}, {"arq", "ar"}, {"apc", "ar"}, {"ajp", "ar"}, {"acm", "ar"}, {"aeb", "ar"},
    {"afb", "ar"}, {"ayl", "ar"}, {"arb", "ar"},
    {"azb", "az"}, {"azj", "az"}, {"pes", "fa"}, {"prs", "fa"}, {"ckb", "ku"}, {"kmr", "ku"}, {"sdh", "ku"},
    {"mhr", "chm"}, {"mrj", "chm"}, {"nb", "no"}, {"nn", "no"}, {"zsm", "ms"}, {"swh", "sw"}, {"swc", "sw"},
    {"ekk", "et"}, {"vro", "et"}, {"lvs", "lv"}, {"ltg", "lv"}, {"npi", "ne"}, {"dty", "ne"}, {"gom", "kok"},
    {"knn", "kok"}, {"diq", "zza"}, {"kiu", "zza"}, {"pnb", "lah"}, {"khk", "mn"}, {"uzn", "uz"}, {"uzs", "uz"},
    {"plt", "mg"}, {"ory", "or"}, {"gsw", "gsw"},
};

// Serbian, Croatian, Bosnian and Montenegrin: one macrolanguage (ISO 639-3 hbs,
// BCP-47 "sh") that lid.176 splits by script and vocabulary.
constexpr const char* kBcms[] = {"sr", "hr", "bs", "cnr", "sh"};

template <size_t N>
std::unordered_map<std::string_view, std::string_view> to_map(const char* const (&pairs)[N][2]) {
  std::unordered_map<std::string_view, std::string_view> m;
  for (const auto& p : pairs) m.emplace(p[0], p[1]);
  return m;
}

const std::unordered_map<std::string_view, std::string_view>& aliases() {
  static const auto m = [] {
    auto a = to_map(kIso639_2To1);
    for (const auto& p : kSpecial) a[p[0]] = p[1];
    return a;
  }();
  return m;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool all_alpha(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
}
bool all_alnum(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
}
bool all_digit(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

std::string_view primary_subtag(std::string_view tag) {
  return tag.substr(0, std::min(tag.find('-'), tag.size()));
}

}  // namespace

std::string normalize_language_tag(std::string_view code) {
  constexpr std::string_view kLabel = "__label__";
  if (starts_with(code, kLabel)) code.remove_prefix(kLabel.size());
  while (!code.empty() && std::isspace(static_cast<unsigned char>(code.front()))) code.remove_prefix(1);
  while (!code.empty() && std::isspace(static_cast<unsigned char>(code.back()))) code.remove_suffix(1);
  if (code.empty()) return "und";

  std::string s(code);
  std::replace(s.begin(), s.end(), '_', '-');
  std::vector<std::string> parts = split(s, '-');
  for (const auto& p : parts)
    if (p.empty() || p.size() > 8 || !all_alnum(p)) return lower(code);  // not a tag: leave it be
  if (!all_alpha(parts[0]) || parts[0].size() > 8) return lower(code);

  std::string lang = lower(parts[0]);
  if (auto it = aliases().find(lang); it != aliases().end()) lang = it->second;
  // RTP-LX names its Norwegian file "NO-NB": Norwegian, Bokmål written variety.
  if (lang == "no" && parts.size() > 1 && (lower(parts[1]) == "nb" || lower(parts[1]) == "nn")) {
    lang = lower(parts[1]);
    parts.erase(parts.begin() + 1);
  }

  // Case conventions of RFC 5646 §2.1.1: script Title-case, region upper-case, rest lower.
  std::string out = lang;
  for (size_t i = 1; i < parts.size(); ++i) {
    std::string p = lower(parts[i]);
    if (p.size() == 4 && all_alpha(p)) {
      p[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(p[0])));
    } else if (p.size() == 2 && all_alpha(p)) {
      for (auto& c : p) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    } else if (p.size() == 3 && all_digit(p)) {
      // UN M.49 region, digits as they are
    }
    out += "-" + p;
  }
  return out;
}

bool is_language_tag(std::string_view tag) {
  auto parts = split(tag, '-');
  if (parts.empty()) return false;
  const std::string& p = parts[0];
  // BCP-47 also allows 5-8 letter primary subtags, but IANA has registered none:
  // accepting them would let words ("elvish") pass as languages.
  if (!all_alpha(p) || p.size() < 2 || p.size() > 3) return false;
  for (size_t i = 1; i < parts.size(); ++i)
    if (parts[i].empty() || parts[i].size() > 8 || !all_alnum(parts[i])) return false;
  return tag != "und";
}

std::string macrolanguage(std::string_view tag, bool fold_bcms) {
  std::string lang = lower(primary_subtag(normalize_language_tag(tag)));
  static const auto macro = to_map(kMacro);
  if (auto it = macro.find(lang); it != macro.end()) lang = it->second;
  if (fold_bcms && std::find(std::begin(kBcms), std::end(kBcms), lang) != std::end(kBcms)) lang = "sh";
  return lang;
}

bool same_language(std::string_view a, std::string_view b, bool fold_bcms) {
  std::string ma = macrolanguage(a, fold_bcms);
  return ma != "und" && ma == macrolanguage(b, fold_bcms);
}

std::string language_display_name(std::string_view tag) {
  const std::string t = normalize_language_tag(tag);
  UErrorCode status = U_ZERO_ERROR;
  icu::Locale loc = icu::Locale::forLanguageTag(t, status);
  if (U_FAILURE(status)) return t;
  icu::UnicodeString name;
  loc.getDisplayName(icu::Locale::getEnglish(), name);
  std::string out;
  name.toUTF8String(out);
  // ICU echoes unknown codes back: treat an unchanged or empty name as unknown.
  return out.empty() || out == t ? t : out;
}

}  // namespace polysafe::lang
