// Loader for HuggingFace tokenizer.json files (format of the `tokenizers`
// library): BPE models, byte-level (GPT-2 style) or SentencePiece-style with
// byte_fallback and a Replace/Prepend normaliser, plus added tokens. Encoding
// follows the library's semantics (added tokens matched leftmost-longest first).
// Unsupported components are reported by name, never silently approximated.
#pragma once

#include <memory>
#include <string>

#include "tokenizer/tokenizer_impl.h"

namespace polysafe::tokenizer {

// Defined in tokenizer_json.cpp; declared in tokenizer_impl.h as well.
std::unique_ptr<TokenizerImpl> load_tokenizer_json(const std::string& path);

}  // namespace polysafe::tokenizer
