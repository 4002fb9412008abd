// The translation attack: a suite's source-language prompts translated into
// other languages by any backend, each translation checked for fidelity —
// language ID of the output, back-translation compared with the source
// (character-trigram cosine), and the length ratio. Translations that fail are
// kept but marked "lost in translation", so they are reported apart and never
// scored as if they were the prompt. Requests go through the run store's cache,
// so a killed run does not translate again what it already has.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "data/suite_item.h"
#include "eval/run_store.h"
#include "lang/language_id.h"

namespace polysafe::eval {

struct TranslationOptions {
  std::vector<std::string> targets;  // BCP-47
  std::string source_lang = "en";
  double min_back_similarity = 0.35;
  double min_length_ratio = 0.33, max_length_ratio = 3.0;
  int max_tokens = 512;
  // Optional: a model asked whether each translation still makes the source's
  // request with the same intent ("no" flags it lost; an unparseable reply is
  // recorded, never counted either way).
  backend::Backend* intent_judge = nullptr;
};

struct TranslatedItem {
  data::SuiteItem item;  // lang = target; parallel_id kept; extra.translation = fidelity record
  bool lost = false;     // failed a fidelity check
  std::string reason;    // why, when lost ("language: got ru, expected uk; back-similarity 0.12 < 0.35")
};

// Messages asking for a translation of `text` from one language to another.
std::vector<backend::Message> translation_messages(const std::string& text, const std::string& from,
                                                   const std::string& to);

// The question put to the intent judge, and the strict parse of its reply:
// {"same_intent": true|false} (fenced or not) or a lone yes/no; otherwise empty.
std::vector<backend::Message> intent_messages(const std::string& source, const std::string& translation,
                                              const std::string& from, const std::string& to);
std::optional<bool> parse_intent_reply(const std::string& reply);

// Translates every source-language item of `items` into every target. Items
// whose translation request fails even after retries are left out (and counted
// in *failed): a resumed run tries them again.
std::vector<TranslatedItem> translate_items(const std::vector<data::SuiteItem>& items, backend::Backend& translator,
                                            const lang::LanguageId& lid, RunStore& store,
                                            const TranslationOptions& opts, const std::function<bool()>& should_stop,
                                            size_t* failed = nullptr);

}  // namespace polysafe::eval
